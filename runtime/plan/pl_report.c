/* hm_report: accumulation and writing of report.json / report.md, the gap CSV
 * exports and the inventory (see pl.h for the memory and ordering
 * rules). JSON is written by hand with hm_buf because its layout is part of
 * the golden tests: one row per line, fixed key order. */
#include "pl.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "hm_buf.h"
#include "hm_version.h"
#include "hm_vm.h"

#define SUMMARY_MAX 256     /* distinct messages summarised in report.md */
#define SUMMARY_KEYS 10     /* example keys per summary line */
#define LABELS_MAX 100000   /* record labels kept for report.html: bounded memory */

typedef struct summary {
  hm_rpt_kind kind;
  uint32_t src;
  char *severity, *message, *map, *rule;
  uint64_t count;
  char *keys[SUMMARY_KEYS];
  uint32_t nkeys;
} summary;

typedef struct pick { uint32_t src; char *key, *reason; } pick;
typedef struct phase_count { char *phase, *target; uint64_t n, min; } phase_count;

struct hm_rpt {
  const hm_program *p;
  char map_hash[65];                /* hm_plan_map_hash: the program and its --set values */
  long long max_upload_bytes;       /* the limit the plan flagged uploads with; 0: not given */
  uint64_t *counts;                 /* [nsources][HM_RPT__NCOUNT] */
  FILE *rows[HM_ROW__N];            /* spooled JSON lines */
  uint64_t nrows[HM_ROW__N];
  summary *sums; uint32_t nsums; uint64_t sums_dropped;
  uint64_t *losses;                 /* per annotation */
  uint64_t *gap_records;            /* per gap */
  FILE **inventory;                 /* per gap: its Markdown table rows, escaped */
  phase_count *calls; uint32_t ncalls; uint64_t total_calls, min_calls;
  long sample_n;
  pick *picks; uint32_t npicks, cap_picks;
  pl_unread *unread;                /* columns not migrated */
  hm_htab labels;                   /* "OBJECT\x1fKEY" -> its human identifiers (report.html) */
  FILE *agents;                     /* inventory.md's agents to invite: Markdown rows, escaped */
  cJSON *json;                      /* report.json as written, while report.md is (its scope) */
};


static char *dupz(const char *s) {
  if (!s) return NULL;
  char *d = strdup(s);
  if (!d) abort();
  return d;
}

void hm_rpt_upload_limit(hm_rpt *r, long long max) { r->max_upload_bytes = max; }

hm_rpt *hm_rpt_new(const hm_program *p, const char *map_hash) {
  hm_rpt *r = calloc(1, sizeof *r);
  if (!r) abort();
  r->p = p;
  snprintf(r->map_hash, sizeof r->map_hash, "%s", map_hash);
  r->counts = calloc((size_t)p->nsources * HM_RPT__NCOUNT + 1, sizeof *r->counts);
  r->losses = calloc(p->nannots + 1, sizeof *r->losses);
  r->gap_records = calloc(p->ngaps + 1, sizeof *r->gap_records);
  r->inventory = calloc(p->ngaps + 1, sizeof *r->inventory);
  r->sums = calloc(SUMMARY_MAX, sizeof *r->sums);
  r->unread = pl_unread_new(p);
  if (!r->counts || !r->losses || !r->gap_records || !r->inventory || !r->sums) abort();
  return r;
}

void hm_rpt_free(hm_rpt *r) {
  if (!r) return;
  for (int i = 0; i < HM_ROW__N; i++) if (r->rows[i]) fclose(r->rows[i]);
  for (uint32_t i = 0; i < r->p->ngaps; i++) if (r->inventory[i]) fclose(r->inventory[i]);
  if (r->agents) fclose(r->agents);
  for (uint32_t i = 0; i < r->nsums; i++) {
    summary *s = &r->sums[i];
    free(s->severity); free(s->message); free(s->map); free(s->rule);
    for (uint32_t k = 0; k < s->nkeys; k++) free(s->keys[k]);
  }
  for (uint32_t i = 0; i < r->ncalls; i++) { free(r->calls[i].phase); free(r->calls[i].target); }
  for (uint32_t i = 0; i < r->npicks; i++) { free(r->picks[i].key); free(r->picks[i].reason); }
  free(r->picks); free(r->calls); free(r->sums); free(r->inventory);
  free(r->gap_records); free(r->losses); free(r->counts);
  pl_unread_free(r->unread);
  for (size_t i = 0; i < r->labels.cap; i++)
    if (r->labels.h && r->labels.h[i]) { free((char *)r->labels.k[i]); free(r->labels.v[i]); }
  hm_htab_free(&r->labels);
  free(r);
}

void hm_rpt_count(hm_rpt *r, uint32_t src, hm_rpt_counter what) {
  if (src < r->p->nsources) r->counts[(size_t)src * HM_RPT__NCOUNT + what]++;
}

uint64_t hm_rpt_get(const hm_rpt *r, uint32_t src, hm_rpt_counter what) {
  return src < r->p->nsources ? r->counts[(size_t)src * HM_RPT__NCOUNT + what] : 0;
}

static const char *label_of(void *u, const char *object, const char *key);

/* "LABEL (key K)" when the record has human identifiers, else K: report.md's
   example records. malloc'd. */
static char *labelled_key(hm_rpt *r, const hm_rpt_row *row) {
  const char *l = row->src < r->p->nsources
                      ? label_of(r, K(r->p, r->p->sources[row->src].name), row->key) : NULL;
  if (!l) return dupz(row->key);
  hm_buf b; hm_buf_init(&b);
  hm_buf_printf(&b, "%s (key %s)", l, row->key);
  char *out = dupz(hm_buf_cstr(&b));
  hm_buf_free(&b);
  return out;
}

static bool same(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

static void summarise(hm_rpt *r, const hm_rpt_row *row) {
  summary *s = NULL;
  for (uint32_t i = 0; i < r->nsums && !s; i++) {
    summary *c = &r->sums[i];
    if (c->kind == row->kind && c->src == row->src && same(c->message, row->message) &&
        same(c->map, row->map) && same(c->severity, row->severity) && same(c->rule, row->rule))
      s = c;
  }
  if (!s) {
    if (r->nsums == SUMMARY_MAX) { r->sums_dropped++; return; }
    s = &r->sums[r->nsums++];
    s->kind = row->kind; s->src = row->src;
    s->severity = dupz(row->severity); s->message = dupz(row->message);
    s->map = dupz(row->map); s->rule = dupz(row->rule);
  }
  s->count++;
  if (s->nkeys < SUMMARY_KEYS && row->key) s->keys[s->nkeys++] = labelled_key(r, row);
}

static void json_member(hm_buf *b, const char *name, const char *val, bool *first) {
  if (!val) return;
  if (!*first) hm_buf_puts(b, ", ");
  *first = false;
  hm_buf_printf(b, "\"%s\": ", name);
  hm_buf_json_str(b, val, strlen(val));
}

void hm_rpt_add(hm_rpt *r, const hm_rpt_row *row) {
  if (!r->rows[row->kind]) {
    r->rows[row->kind] = tmpfile();
    if (!r->rows[row->kind]) { perror("hmaprun: report spool"); abort(); }
  }
  hm_buf b;
  hm_buf_init(&b);
  bool first = true;
  hm_buf_putc(&b, '{');
  json_member(&b, "object",
              row->src < r->p->nsources ? K(r->p, r->p->sources[row->src].name) : NULL, &first);
  json_member(&b, "key", row->key, &first);
  if (row->key && row->src < r->p->nsources)
    json_member(&b, "label", label_of(r, K(r->p, r->p->sources[row->src].name), row->key),
                &first);
  json_member(&b, "severity", row->severity, &first);
  json_member(&b, "message", row->message, &first);
  json_member(&b, "map", row->map, &first);
  json_member(&b, "rule", row->rule, &first);
  json_member(&b, "field", row->field, &first);
  json_member(&b, "trigger", row->trigger, &first);
  json_member(&b, "why", row->why, &first);
  json_member(&b, "detail", row->detail, &first);
  hm_buf_putc(&b, '}');
  if (r->nrows[row->kind]) fputs(",\n    ", r->rows[row->kind]);
  fwrite(b.data, 1, b.len, r->rows[row->kind]);
  hm_buf_free(&b);
  r->nrows[row->kind]++;
  summarise(r, row);
}

void hm_rpt_loss(hm_rpt *r, uint32_t annot) { if (annot < r->p->nannots) r->losses[annot]++; }

void hm_rpt_unread(hm_rpt *r, uint32_t src, hm_value rec, const char *key) {
  pl_unread_record(r->unread, r, src, rec, key);
}

/* The source an `ignore` annotation belongs to, or NULL. */
static const char *ignore_source(const hm_program *p, uint32_t a) {
  for (uint32_t s = 0; s < p->nsources; s++)
    for (uint32_t i = 0; i < p->sources[s].nignores; i++)
      if (p->sources[s].ignores[i] == a) return K(p, p->sources[s].name);
  return NULL;
}

void hm_rpt_call(hm_rpt *r, const char *phase, const char *target, bool needed) {
  r->total_calls++;
  r->min_calls += needed;
  for (uint32_t i = 0; i < r->ncalls; i++)
    if (!strcmp(r->calls[i].phase, phase) && !strcmp(r->calls[i].target, target)) {
      r->calls[i].n++;
      r->calls[i].min += needed;
      return;
    }
  phase_count *n = realloc(r->calls, (r->ncalls + 1) * sizeof *n);
  if (!n) abort();
  r->calls = n;
  r->calls[r->ncalls++] = (phase_count){dupz(phase), dupz(target), 1, needed};
}

uint64_t hm_rpt_calls(const hm_rpt *r) { return r->total_calls; }

void hm_rpt_gap_record(hm_rpt *r, uint32_t gap) { if (gap < r->p->ngaps) r->gap_records[gap]++; }

void hm_rpt_sample(hm_rpt *r, long n) { r->sample_n = n; }

void hm_rpt_sample_pick(hm_rpt *r, uint32_t src, const char *key, const char *reason) {
  if (r->npicks == r->cap_picks) {
    r->cap_picks = r->cap_picks ? r->cap_picks * 2 : 16;
    r->picks = realloc(r->picks, r->cap_picks * sizeof *r->picks);
    if (!r->picks) abort();
  }
  r->picks[r->npicks++] = (pick){src, dupz(key), dupz(reason)};
}

void hm_rpt_inventory_item(hm_rpt *r, uint32_t gap, const char *key, const char *label) {
  if (gap >= r->p->ngaps) return;
  if (!r->inventory[gap] && !(r->inventory[gap] = tmpfile())) {
    perror("hmaprun: inventory spool");
    abort();
  }
  /* the row as it will be written: escaped, so always one line whatever the data */
  FILE *spool = r->inventory[gap];
  fputs("| ", spool); hm_md_text(spool, key ? key : "");
  fputs(" | ", spool); hm_md_text(spool, label ? label : "");
  fputs(" |\n", spool);
  r->gap_records[gap]++;
}

void hm_rpt_agent(hm_rpt *r, uint32_t src, const char *key, const hm_value *rec) {
  if (!r->agents && !(r->agents = tmpfile())) { perror("hmaprun: inventory spool"); abort(); }
  char *label = pl_record_label(rec);
  fputs("| ", r->agents);
  hm_md_text(r->agents, src < r->p->nsources ? K(r->p, r->p->sources[src].name) : "");
  fputs(" | ", r->agents); hm_md_text(r->agents, key ? key : "");
  fputs(" | ", r->agents); hm_md_text(r->agents, label ? label : "");
  fputs(" |\n", r->agents);
  free(label);
}

void hm_rpt_label(hm_rpt *r, uint32_t src, const char *key, const hm_value *rec) {
  if (!key || src >= r->p->nsources || r->labels.n >= LABELS_MAX) return;
  hm_buf b; hm_buf_init(&b);
  hm_buf_printf(&b, "%s\x1f%s", K(r->p, r->p->sources[src].name), key);
  if (hm_htab_find_str(&r->labels, hm_buf_cstr(&b))) { hm_buf_free(&b); return; }
  char *label = pl_record_label(rec);
  if (label) *hm_htab_put_str(&r->labels, hm_xstrdup(hm_buf_cstr(&b)), NULL) = label;
  hm_buf_free(&b);
}

static const char *label_of(void *u, const char *object, const char *key) {
  hm_rpt *r = u;
  hm_buf b; hm_buf_init(&b);
  hm_buf_printf(&b, "%s\x1f%s", object, key);
  void **v = hm_htab_find_str(&r->labels, hm_buf_cstr(&b));
  hm_buf_free(&b);
  return v ? *v : NULL;
}

/* ---- writing ---- */

static const char *phases[] = {"upload", "create", "message", "update"};

static int cmp_calls(const void *x, const void *y) {
  const phase_count *a = x, *b = y;
  int pa = 4, pb = 4;
  for (int i = 0; i < 4; i++) {
    if (!strcmp(a->phase, phases[i])) pa = i;
    if (!strcmp(b->phase, phases[i])) pb = i;
  }
  if (pa != pb) return pa - pb;
  return strcmp(a->target, b->target);
}

static void duration(char *buf, size_t n, double secs) {
  unsigned long s = (unsigned long)(secs + 0.5);
  snprintf(buf, n, "%luh %02lum %02lus", s / 3600, s / 60 % 60, s % 60);
}

static void copy_spool(FILE *out, FILE *spool) {
  char buf[65536];
  size_t n;
  rewind(spool);
  while ((n = fread(buf, 1, sizeof buf, spool)) > 0) fwrite(buf, 1, n, out);
}

static void put_rows(FILE *f, hm_rpt *r, const char *name, hm_rpt_kind k, bool last) {
  fprintf(f, "  \"%s\": [", name);
  if (r->nrows[k]) {
    fputs("\n    ", f);
    copy_spool(f, r->rows[k]);
    fputs("\n  ", f);
  }
  fprintf(f, "]%s\n", last ? "" : ",");
}

static void fjson_str(FILE *f, const char *s) {
  hm_buf b;
  hm_buf_init(&b);
  hm_buf_json_str(&b, s, strlen(s));
  fwrite(b.data, 1, b.len, f);
  hm_buf_free(&b);
}

/* The gap whose `lossy` annotation a is, or NULL. */
static const char *gap_of(const hm_program *p, uint32_t a) {
  for (uint32_t g = 0; g < p->ngaps; g++)
    if (p->gaps[g].lossy == a) return K(p, p->gaps[g].name);
  return NULL;
}

static void annot_map(const hm_program *p, const hm_annot *a, char *buf, size_t n) {
  snprintf(buf, n, "%s:%u:%u", K(p, a->file), a->line, a->col);
}

static void write_json(hm_rpt *r, FILE *f) {
  const hm_program *p = r->p;
  fputs("{\n  \"migration\": ", f);
  fjson_str(f, K(p, p->title));
  /* `run --plan` checks its state was written by this map and these --set values */
  fprintf(f, ",\n  \"map_hash\": \"%s\"", r->map_hash);
  /* and uploads over the limit the plan flagged, so the run skips the same ones */
  if (r->max_upload_bytes > 0) fprintf(f, ",\n  \"max_upload_bytes\": %lld", r->max_upload_bytes);
  fputs(",\n  \"objects\": {", f);
  static const char *cn[HM_RPT__NCOUNT] = {"read",    "planned", "rejected", "flagged",
                                           "guarded", "bad",     "repeats"};
  for (uint32_t s = 0; s < p->nsources; s++) {
    fputs(s ? ",\n    " : "\n    ", f);
    fjson_str(f, K(p, p->sources[s].name));
    fputs(": {", f);
    for (int c = 0; c < HM_RPT__NCOUNT; c++)
      fprintf(f, "%s\"%s\": %llu", c ? ", " : "", cn[c],
              (unsigned long long)hm_rpt_get(r, s, (hm_rpt_counter)c));
    fputc('}', f);
  }
  fputs(p->nsources ? "\n  },\n" : "},\n", f);

  /* calls is NULL when the plan made none: qsort must not see it */
  if (r->ncalls > 1) qsort(r->calls, r->ncalls, sizeof *r->calls, cmp_calls);
  fprintf(f, "  \"calls\": {\"total\": %llu, \"minimum\": %llu, \"by_phase\": {",
          (unsigned long long)r->total_calls, (unsigned long long)r->min_calls);
  for (int ph = 0; ph < 4; ph++) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < r->ncalls; i++)
      if (!strcmp(r->calls[i].phase, phases[ph])) n += r->calls[i].n;
    fprintf(f, "%s\"%s\": %llu", ph ? ", " : "", phases[ph], (unsigned long long)n);
  }
  fputs("}, \"by_target\": [", f);
  for (uint32_t i = 0; i < r->ncalls; i++) {
    fprintf(f, "%s{\"phase\": \"%s\", \"target\": ", i ? ", " : "", r->calls[i].phase);
    fjson_str(f, r->calls[i].target);
    fprintf(f, ", \"calls\": %llu, \"minimum\": %llu}", (unsigned long long)r->calls[i].n,
            (unsigned long long)r->calls[i].min);
  }
  fputs("]},\n", f);

  char h1[64], h2[64];
  double s40 = (double)r->total_calls * 20.0 / 40.0, s80 = (double)r->total_calls * 20.0 / 80.0;
  duration(h1, sizeof h1, s40);
  duration(h2, sizeof h2, s80);
  fprintf(f,
          "  \"estimate\": {\"calls\": %llu, \"api_key\": {\"requests_per_20s\": 40, \"seconds\": "
          "%.0f, \"duration\": \"%s\"}, "
          "\"oauth\": {\"requests_per_20s\": 80, \"seconds\": %.0f, \"duration\": \"%s\"}},\n",
          (unsigned long long)r->total_calls, s40, h1, s80, h2);

  put_rows(f, r, "flags", HM_ROW_FLAG, false);
  put_rows(f, r, "rejected", HM_ROW_REJECT, false);
  put_rows(f, r, "skipped", HM_ROW_SKIP, false);
  put_rows(f, r, "bad_records", HM_ROW_BAD, false);

  fputs("  \"losses\": [", f);
  bool first = true;
  char map[512];
  for (uint32_t a = 0; a < p->nannots; a++) {
    const hm_annot *an = &p->annots[a];
    if (an->kind != HA_LOSSY && an->kind != HA_IGNORE) continue;
    annot_map(p, an, map, sizeof map);
    fputs(first ? "\n    {" : ",\n    {", f);
    first = false;
    if (an->kind == HA_IGNORE) {
      fputs("\"object\": ", f);
      fjson_str(f, ignore_source(p, a));
      fputs(", ", f);
    } else if (an->rule < p->nrules) {
      fputs("\"rule\": ", f);
      fjson_str(f, K(p, p->rules[an->rule].name));
      fputs(", ", f);
    } else if (gap_of(p, a)) {
      fputs("\"gap\": ", f);
      fjson_str(f, gap_of(p, a));
      fputs(", ", f);
    }
    if (an->field < p->nconsts) {
      fputs(an->kind == HA_IGNORE ? "\"column\": " : "\"field\": ", f);
      fjson_str(f, K(p, an->field));
      fputs(", ", f);
    }
    fputs("\"reason\": ", f);
    fjson_str(f, K(p, an->message));
    fputs(", \"map\": ", f);
    fjson_str(f, map);
    fprintf(f, ", \"records\": %llu}", (unsigned long long)r->losses[a]);
  }
  fputs(first ? "],\n" : "\n  ],\n", f);
  pl_unread_json(r->unread, f, fjson_str);

  fputs("  \"gaps\": [", f);
  for (uint32_t g = 0; g < p->ngaps; g++) {
    const hm_gap *gp = &p->gaps[g];
    fputs(g ? ",\n    {\"object\": " : "\n    {\"object\": ", f);
    fjson_str(f, K(p, gp->name));
    fprintf(f, ", \"kind\": \"%s\", \"destination\": ",
            gp->kind == HG_EXPORT_CSV ? "export_csv" : "inventory");
    fjson_str(f, K(p, gp->dest));
    if (gp->lossy < p->nannots) {
      fputs(", \"reason\": ", f);
      fjson_str(f, K(p, p->annots[gp->lossy].message));
    }
    snprintf(map, sizeof map, "%s:%u:%u", K(p, gp->file), gp->line, gp->col);
    fputs(", \"map\": ", f);
    fjson_str(f, map);
    fprintf(f, ", \"records\": %llu}", (unsigned long long)r->gap_records[g]);
  }
  fputs(p->ngaps ? "\n  ]" : "]", f);

  if (r->sample_n > 0) {
    fprintf(f, ",\n  \"sample\": {\"size\": %ld, \"picked\": [", r->sample_n);
    for (uint32_t i = 0; i < r->npicks; i++) {
      fputs(i ? ",\n    {\"object\": " : "\n    {\"object\": ", f);
      fjson_str(f, K(p, p->sources[r->picks[i].src].name));
      fputs(", \"key\": ", f);
      fjson_str(f, r->picks[i].key);
      fputs(", \"reason\": ", f);
      fjson_str(f, r->picks[i].reason);
      fputc('}', f);
    }
    fputs(r->npicks ? "\n  ]}" : "]}", f);
  }
  fputs("\n}\n", f);
}

static void md_summaries(hm_rpt *r, FILE *f, hm_rpt_kind k, const char *title) {
  uint64_t total = r->nrows[k];
  fprintf(f, "\n## %s (%llu)\n\n", title, (unsigned long long)total);
  if (!total) { fputs("None.\n", f); return; }
  fputs("| object | severity | count | message | map | rule | records "
        "|\n|---|---|---|---|---|---|---|\n",
        f);
  for (uint32_t i = 0; i < r->nsums; i++) {
    summary *s = &r->sums[i];
    if (s->kind != k) continue;
    fputs("| ", f);
    hm_md_text(f, s->src < r->p->nsources ? K(r->p, r->p->sources[s->src].name) : "");
    fputs(" | ", f); hm_md_text(f, s->severity ? s->severity : "-");
    fprintf(f, " | %llu | ", (unsigned long long)s->count);
    hm_md_text(f, s->message);
    fputs(" | ", f); hm_md_text(f, s->map);
    fputs(" | ", f); hm_md_text(f, s->rule);
    fputs(" | ", f);
    for (uint32_t j = 0; j < s->nkeys; j++) { if (j) fputs(", ", f); hm_md_text(f, s->keys[j]); }
    if (!s->nkeys) fputc('-', f);
    else if (s->count > s->nkeys)
      fprintf(f, " and %llu more", (unsigned long long)(s->count - s->nkeys));
    fputs(" |\n", f);
  }
  if (r->sums_dropped)
    fprintf(f, "\n%llu more row%s with other messages: see report.json.\n",
            (unsigned long long)r->sums_dropped, pl_s((double)r->sums_dropped));
}

static void write_md(hm_rpt *r, FILE *f) {
  const hm_program *p = r->p;
  fputs("# Migration plan: ", f);
  hm_md_text(f, K(p, p->title));
  fputs("\n\n", f);
  if (r->sample_n > 0)
    fprintf(f, "Sample run: at most %ld records per object (see Sample below).\n\n", r->sample_n);
  if (r->json) pl_scope_md(p, r->json, f);
  fputs("## Objects\n\n| object | read | planned | rejected | flagged | guarded out | bad | "
        "repeats |\n|---|---|---|---|---|---|---|---|\n",
        f);
  for (uint32_t s = 0; s < p->nsources; s++) {
    fputs("| ", f);
    hm_md_text(f, K(p, p->sources[s].name));
    for (int c = 0; c < HM_RPT__NCOUNT; c++)
      fprintf(f, " | %llu", (unsigned long long)hm_rpt_get(r, s, (hm_rpt_counter)c));
    fputs(" |\n", f);
  }
  char h1[64], h2[64];
  duration(h1, sizeof h1, (double)r->total_calls / 2.0);
  duration(h2, sizeof h2, (double)r->total_calls / 4.0);
  fprintf(f, "\n## Calls and time\n\n%llu API calls (minimum %llu). The planned calls alone, at "
             "40 requests per 20 s (API key): %s; at 80 requests per 20 s (OAuth): %s (with the "
             "run's lookups and verify: Scope, above).\n\n",
          (unsigned long long)r->total_calls, (unsigned long long)r->min_calls, h1, h2);
  fputs("The minimum: one create per object (a ticket's first 500 messages inside it), one call "
        "per upload and per message past the 500th (then one update restoring the ticket's status "
        "and datetimes), one update per record whose `after` block names a record created "
        "after it.\n\n| phase | target | calls | minimum |\n"
        "|---|---|---|---|\n", f);
  for (uint32_t i = 0; i < r->ncalls; i++) {
    fputs("| ", f); hm_md_text(f, r->calls[i].phase);
    fputs(" | ", f); hm_md_text(f, r->calls[i].target);
    fprintf(f, " | %llu | %llu |\n", (unsigned long long)r->calls[i].n,
            (unsigned long long)r->calls[i].min);
  }
  md_summaries(r, f, HM_ROW_REJECT, "Rejected records");
  md_summaries(r, f, HM_ROW_FLAG, "Flags");
  md_summaries(r, f, HM_ROW_SKIP, "Skipped child records");
  md_summaries(r, f, HM_ROW_BAD, "Unreadable records");
  fputs("\n## Losses\n\n", f);
  bool any = false;
  char map[512];
  for (uint32_t a = 0; a < p->nannots; a++) {
    const hm_annot *an = &p->annots[a];
    if (an->kind != HA_LOSSY && an->kind != HA_IGNORE) continue;
    annot_map(p, an, map, sizeof map);
    fputs("- ", f);
    if (an->kind == HA_IGNORE) {
      hm_md_text(f, ignore_source(p, a));
      fputs(" (ignored column)", f);
    }
    else if (an->rule < p->nrules) hm_md_text(f, K(p, p->rules[an->rule].name));
    else if (gap_of(p, a)) { hm_md_text(f, gap_of(p, a)); fputs(" (gap)", f); }
    else fputs("map", f);
    if (an->field < p->nconsts) { fputc(' ', f); hm_md_code(f, K(p, an->field)); }
    fputs(": ", f);
    hm_md_text(f, K(p, an->message));
    fputs(" (", f);
    hm_md_text(f, map);
    fprintf(f, ", %llu record%s)\n", (unsigned long long)r->losses[a], pl_s((double)r->losses[a]));
    any = true;
  }
  if (!any) fputs("None.\n", f);
  pl_unread_md(r->unread, f);
  fputs("\n## Gaps: objects with no Gorgias home\n\n", f);
  for (uint32_t g = 0; g < p->ngaps; g++) {
    const hm_gap *gp = &p->gaps[g];
    fputs("- ", f);
    hm_md_text(f, K(p, gp->name));
    if (gp->kind == HG_EXPORT_CSV) { fputs(": exported to ", f); hm_md_code(f, K(p, gp->dest)); }
    else { fputs(": inventory — ", f); hm_md_text(f, K(p, gp->dest)); }
    if (gp->lossy < p->nannots) {
      fputs(" (", f);
      hm_md_text(f, K(p, p->annots[gp->lossy].message));
      fputc(')', f);
    }
    fprintf(f, ", %llu record%s, ", (unsigned long long)r->gap_records[g],
            pl_s((double)r->gap_records[g]));
    hm_md_text(f, K(p, gp->file));
    fprintf(f, ":%u:%u\n", gp->line, gp->col);
  }
  if (!p->ngaps) fputs("None.\n", f);
  if (r->sample_n > 0) {
    fputs("\n## Sample\n\n| object | key | why it was picked |\n|---|---|---|\n", f);
    for (uint32_t i = 0; i < r->npicks; i++) {
      fputs("| ", f); hm_md_text(f, K(p, p->sources[r->picks[i].src].name));
      fputs(" | ", f); hm_md_text(f, r->picks[i].key);
      fputs(" | ", f); hm_md_text(f, r->picks[i].reason);
      fputs(" |\n", f);
    }
  }
}

static void write_inventory(hm_rpt *r, FILE *f) {
  const hm_program *p = r->p;
  fputs("# Inventory: ", f);
  hm_md_text(f, K(p, p->title));
  fputs("\n\nThings Gorgias has no object for, to rebuild by hand.\n", f);
  for (uint32_t g = 0; g < p->ngaps; g++) {
    const hm_gap *gp = &p->gaps[g];
    if (gp->kind != HG_INVENTORY) continue;
    fputs("\n## ", f); hm_md_text(f, K(p, gp->name)); fputs("\n\n", f);
    hm_md_text(f, K(p, gp->dest));
    fputc('\n', f);
    if (!r->inventory[g]) continue;
    fputs("\n| key | name |\n|---|---|\n", f);
    copy_spool(f, r->inventory[g]);
  }
  if (!r->agents) return;
  fputs("\n## Agents to invite\n\nThe Gorgias users the run creates: send each the "
        "onboarding invitation at this address.\n\n| object | key | name and e-mail |\n"
        "|---|---|---|\n", f);
  copy_spool(f, r->agents);
}

static int write_file(const char *dir, const char *name, void (*fn)(hm_rpt *, FILE *), hm_rpt *r,
                      char *err, size_t errlen) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
  fn(r, f);
  if (fclose(f)) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
  return 0;
}

static void write_html(hm_rpt *r, FILE *f, const char *json) {
  pl_html_in in = {r->p, json, label_of, r, r->inventory, r->agents,
                   "hmaprun " HM_VERSION " (git " HM_GIT_REVISION ")"};
  pl_html_write(&in, f);
}

/* report.html beside report.md, from the report.json just written. */
static int write_report_html(hm_rpt *r, const char *dir, char *err, size_t errlen) {
  char path[4096];
  hm_buf json; hm_buf_init(&json);
  snprintf(path, sizeof path, "%s/report.json", dir);
  int e = hm_buf_read_path(&json, path);
  if (e) { snprintf(err, errlen, "%s: %s", path, strerror(e)); hm_buf_free(&json); return -1; }
  snprintf(path, sizeof path, "%s/report.html", dir);
  FILE *f = fopen(path, "w");
  if (!f) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); hm_buf_free(&json); return -1; }
  write_html(r, f, hm_buf_cstr(&json));
  hm_buf_free(&json);
  if (fclose(f)) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
  return 0;
}

int hm_rpt_write(hm_rpt *r, const char *out_dir, char *err, size_t errlen) {
  if (write_file(out_dir, "report.json", write_json, r, err, errlen)) return -1;
  char path[4096];
  hm_buf json; hm_buf_init(&json);
  snprintf(path, sizeof path, "%s/report.json", out_dir);
  r->json = hm_buf_read_path(&json, path) ? NULL : cJSON_Parse(hm_buf_cstr(&json));
  hm_buf_free(&json);
  int md = write_file(out_dir, "report.md", write_md, r, err, errlen);
  cJSON_Delete(r->json);
  r->json = NULL;
  if (md) return -1;
  if (write_report_html(r, out_dir, err, errlen)) return -1;
  bool inventory = r->agents != NULL;
  for (uint32_t g = 0; g < r->p->ngaps; g++) inventory |= r->p->gaps[g].kind == HG_INVENTORY;
  if (inventory) return write_file(out_dir, "inventory.md", write_inventory, r, err, errlen);
  return 0;
}

/* ---- CSV exports ---- */

struct hm_rpt_csv { FILE *f; char **cols; uint32_t ncols; bool header; };

hm_rpt_csv *hm_rpt_csv_open(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "w");
  if (!f) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return NULL; }
  hm_rpt_csv *c = calloc(1, sizeof *c);
  if (!c) abort();
  c->f = f;
  return c;
}

void hm_rpt_csv_cell(FILE *f, const char *s, size_t n) {
  bool danger = n && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                      s[0] == '\r');
  bool quote =
      danger || memchr(s, ',', n) || memchr(s, '"', n) || memchr(s, '\n', n) || memchr(s, '\r', n);
  if (quote) fputc('"', f);
  if (danger) fputc('\'', f);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') fputc('"', f);
    fputc(s[i], f);
  }
  if (quote) fputc('"', f);
}

static void csv_value(FILE *f, hm_value v) {
  if (v.kind == HV_STR) { hm_rpt_csv_cell(f, v.u.str, v.len); return; }
  if (v.kind == HV_MISSING || v.kind == HV_NULL) return;
  hm_buf b;
  hm_buf_init(&b);
  hv_to_json(&b, v);   /* numbers, bools, lists and records as JSON text */
  hm_rpt_csv_cell(f, b.data ? b.data : "", b.len);
  hm_buf_free(&b);
}

void hm_rpt_csv_row(hm_rpt_csv *c, hm_value rec) {
  if (rec.kind != HV_REC) return;
  if (!c->header) {
    c->header = true;
    c->ncols = rec.u.rec->n;
    c->cols = calloc(c->ncols + 1, sizeof *c->cols);
    if (!c->cols) abort();
    for (uint32_t i = 0; i < c->ncols; i++) {
      c->cols[i] = dupz(rec.u.rec->keys[i]);
      if (i) fputc(',', c->f);
      hm_rpt_csv_cell(c->f, c->cols[i], strlen(c->cols[i]));
    }
    fputs(c->ncols ? ",_extra\r\n" : "_extra\r\n", c->f);
  }
  for (uint32_t i = 0; i < c->ncols; i++) {
    if (i) fputc(',', c->f);
    csv_value(c->f, hv_rec_get(&rec, c->cols[i]));
  }
  /* fields the header does not have: kept, as one JSON object */
  hm_buf extra;
  hm_buf_init(&extra);
  for (uint32_t i = 0; i < rec.u.rec->n; i++) {
    bool known = false;
    for (uint32_t j = 0; j < c->ncols && !known; j++)
      known = !strcmp(c->cols[j], rec.u.rec->keys[i]);
    if (known) continue;
    hm_buf_putc(&extra, extra.len ? ',' : '{');
    hm_buf_json_str(&extra, rec.u.rec->keys[i], strlen(rec.u.rec->keys[i]));
    hm_buf_putc(&extra, ':');
    hv_to_json(&extra, rec.u.rec->vals[i]);
  }
  if (extra.len) hm_buf_putc(&extra, '}');
  if (c->ncols) fputc(',', c->f);
  hm_rpt_csv_cell(c->f, extra.len ? extra.data : "", extra.len);
  fputs("\r\n", c->f);
  hm_buf_free(&extra);
}

int hm_rpt_csv_close(hm_rpt_csv *c) {
  if (!c) return 0;
  int rc = fclose(c->f);
  for (uint32_t i = 0; i < c->ncols; i++) free(c->cols[i]);
  free(c->cols);
  free(c);
  return rc ? -1 : 0;
}
