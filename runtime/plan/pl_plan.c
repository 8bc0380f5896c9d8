/* pl_plan: the planner behind `hmaprun plan` (decisions in hm_plan.h). One
 * pass per source in dependency order creates objects; a second pass runs the
 * `after` blocks as updates once everything exists. Records stream through a
 * per-record arena; what must outlive a record (keys for duplicate checks,
 * refs for lookups) is kept as compact hashes, and only for the sources that
 * need it, so memory does not grow with the text of the export. */
#include "hm_plan.h"
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hm_buf.h"
#include "hm_hash.h"
#include "hm_read.h"
#include "hm_psettings.h"
#include "pl.h"
#include "hm_vm.h"

const char *pl_map_loc(plan *pl, const char *file, uint32_t line, uint32_t col) {
  return hm_arena_printf(&pl->arena, "%s:%u:%u", file, line, col);
}

const char *pl_rule_loc(plan *pl, uint32_t r) {
  const hm_rule *ru = &pl->p->rules[r];
  return pl_map_loc(pl, K(pl->p, ru->file), ru->line, ru->col);
}

static void hold_row(plan *pl, const hm_rpt_row *row, bool always);

void pl_report_row(plan *pl, hm_rpt_kind kind, const char *sev, const char *msg, const char *map,
                       uint32_t rule, const char *field) {
  if (pl->quiet) return;
  if (pl->dry) { if (kind == HM_ROW_FLAG) pl->feat.flagged = 1; return; }
  hm_rpt_row row = {kind,
                    pl->src,
                    pl->key,
                    sev,
                    msg,
                    map,
                    rule < pl->p->nrules ? K(pl->p, pl->p->rules[rule].name) : NULL,
                    field,
                    NULL,
                    NULL,
                    NULL};
  hold_row(pl, &row, true);
}

void pl_row(plan *pl, const hm_rpt_row *row, bool always) { hold_row(pl, row, always); }

/* A flag row while a rule runs waits in order with the others; `always`
   (the planner's own) is reported whatever the outcome. */
static void hold_row(plan *pl, const hm_rpt_row *row, bool always) {
  if (!pl->hold || row->kind != HM_ROW_FLAG) {
    /* named first: report.json, report.md and report.html show its label */
    hm_rpt_label(pl->rpt, pl->src, pl->key, &pl->whole);
    hm_rpt_add(pl->rpt, row);
    if (row->kind == HM_ROW_FLAG) { pl->flagged = true; pl_record_flag(pl, row); }
    return;
  }
  if (pl->nheld == pl->capheld) {
    uint32_t cap = pl->capheld ? pl->capheld * 2 : 4;
    pl->held = hm_arena_realloc(&pl->arena, pl->held, pl->capheld * sizeof *pl->held,
                                cap * sizeof *pl->held);
    pl->held_always = hm_arena_realloc(&pl->arena, pl->held_always, pl->capheld, cap);
    pl->capheld = cap;
  }
  pl->held_always[pl->nheld] = always;
  /* a builtin's message lives in a buffer its next call reuses: keep copies */
  hm_rpt_row *h = &pl->held[pl->nheld++];
  *h = *row;
  const char **text[] = {&h->key, &h->severity, &h->message, &h->map, &h->rule,
                         &h->field, &h->trigger, &h->why, &h->detail};
  for (size_t i = 0; i < sizeof text / sizeof *text; i++)
    if (*text[i]) *text[i] = hm_arena_strdup(&pl->arena, *text[i]);
}

void pl_release_flags(plan *pl, bool keep) {
  pl->hold = false;
  for (uint32_t i = 0; i < pl->nheld; i++)
    if (keep || pl->held_always[i]) hold_row(pl, &pl->held[i], true);
  pl->held = NULL;
  pl->held_always = NULL;
  pl->nheld = pl->capheld = 0;
}

/* ---- set-up ---- */

static void scan_code(plan *pl, const hm_code *c) {
  for (uint32_t i = 0; i < c->ncode; i++) {
    uint32_t ins = c->code[i], a = HM_A(ins);
    if (HM_OP(ins) == HOP_LOOKUP && a < pl->p->nsources) pl->ss[a].looked_up = true;
    if (HM_OP(ins) == HOP_CHILDREN && a < pl->p->nsources) pl->ss[a].children_used = true;
  }
}

static void init_rules(plan *pl) {
  const hm_program *p = pl->p;
  pl->rule_suffix = calloc(p->nrules + 1, sizeof *pl->rule_suffix);
  if (!pl->rule_suffix) abort();
  for (uint32_t r = 0; r < p->nrules; r++) {
    const hm_rule *ru = &p->rules[r];
    if (ru->source < p->nsources) {
      pl->ss[ru->source].has_rules = true;
      if (ru->has_after) pl->ss[ru->source].has_after = true;
    }
    scan_code(pl, &ru->body);
    if (ru->has_after) scan_code(pl, &ru->after);
    /* first rule of the source: plain ref; another target: ":Target"; the same target again:
     * ":Target:rN" */
    uint32_t first = HM_BC_NONE;
    bool same_target_before = false;
    for (uint32_t q = 0; q < r; q++) {
      if (p->rules[q].source != ru->source) continue;
      if (first == HM_BC_NONE) first = q;
      if (p->rules[q].target == ru->target) same_target_before = true;
    }
    const char *tn = K(p, p->targets[ru->target].name);
    char buf[512];
    if (first == HM_BC_NONE) buf[0] = 0;
    else if (!same_target_before) snprintf(buf, sizeof buf, ":%s", tn);
    else snprintf(buf, sizeof buf, ":%s:r%u", tn, r);
    pl->rule_suffix[r] = hm_xstrdup(buf);
  }
}

void pl_bad_child(void *user, uint32_t src, const char *error) {
  plan *pl = user;
  uint32_t keep = pl->src;
  const char *key = pl->key;
  pl->src = src; pl->key = NULL;
  hm_rpt_count(pl->rpt, src, HM_RPT_BAD);
  pl_report_row(pl, HM_ROW_BAD, NULL, error, NULL, HM_BC_NONE, NULL);
  pl->rejected_any = 1;
  pl->src = keep; pl->key = key;
}

/* An `optional` source the export lacks reads as no records: one report line
   says so, so a missing file is never a silent loss. -1 when s cannot open. */
static int optional_absent(plan *pl, uint32_t s, char *err, size_t errlen) {
  const hm_program *p = pl->p;
  if (!(p->sources[s].flags & HM_SRC_OPTIONAL)) return 0;
  hm_reader *r = hm_reader_open(p, s, pl->o->data_dir, err, errlen);
  if (!r) return -1;
  if (hm_reader_absent(r)) {
    const hm_source *so = &p->sources[s];
    const char *where = so->format == HF_SQLITE
        ? hm_arena_printf(&pl->arena, "%s table %s", K(p, so->path), K(p, so->records))
        : K(p, so->path);
    const char *msg = hm_arena_printf(&pl->arena,
                                      "%s: not in the export; optional source %s read as "
                                      "no records", where, K(p, so->name));
    pl->src = s; pl->key = NULL;
    pl_report_row(pl, HM_ROW_FLAG, "info", msg, NULL, HM_BC_NONE, NULL);
    pl->flagged = false;
  }
  hm_reader_close(r);
  return 0;
}

/* Every input is opened (and child indexes built) before any output exists. */
static int check_inputs(plan *pl, char *err, size_t errlen) {
  const hm_program *p = pl->p;
  pl_mark_finds(pl);
  for (uint32_t s = 0; s < p->nsources; s++) {
    if (optional_absent(pl, s, err, errlen) < 0) return 2;
    if (pl->ss[s].find_used && p->sources[s].key != HM_BC_NONE) {
      pl->ss[s].fidx = pl_build_find_index(pl, s, err, errlen);
      if (!pl->ss[s].fidx) return 2;
    }
    bool gap = false;
    for (uint32_t g = 0; g < p->ngaps; g++) gap |= p->gaps[g].source == s;
    if (!pl->ss[s].has_rules && !gap && !pl->ss[s].children_used) continue;
    if (pl->ss[s].children_used) {
      pl->ss[s].cidx = hm_childidx_build(p, s, pl->o->data_dir, pl_bad_child, pl, err, errlen);
      if (!pl->ss[s].cidx) return 2;
      continue;
    }
    hm_reader *r = hm_reader_open(p, s, pl->o->data_dir, err, errlen);
    if (!r) return 2;
    hm_reader_close(r);
  }
  return 0;
}

static void plan_free(plan *pl) {
  const hm_program *p = pl->p;
  if (pl->ss)
    for (uint32_t s = 0; s < p->nsources; s++) {
      pl_keyset_free(&pl->ss[s].seen);
      pl_kmap_free(&pl->ss[s].made);
      pl_kmap_free(&pl->ss[s].need);
      pl_kmap_free(&pl->ss[s].flagged);
      if (pl->ss[s].cidx) hm_childidx_free(pl->ss[s].cidx);
      if (pl->ss[s].fidx) hm_childidx_free(pl->ss[s].fidx);
      hm_sample_free(pl->ss[s].sample);
      free(pl->ss[s].colmap);
      free(pl->ss[s].had);
    }
  free(pl->foldable);
  if (pl->rule_suffix)
    for (uint32_t r = 0; r < p->nrules; r++) free(pl->rule_suffix[r]);
  free(pl->rule_suffix);
  free(pl->ss);
  pl_kmap_free(&pl->uploaded);
  pl_keyset_free(&pl->uniq);
  pl_kmap_free(&pl->agents);
  pl_kmap_free(&pl->addrs);
  hm_vm_free(pl->vm);
  hm_wire_free(pl->wire);
  hm_rpt_free(pl->rpt);
  hm_buf_free(&pl->body);
  hm_buf_free(&pl->line);
  hm_buf_free(&pl->scratch);
  hm_buf_free(&pl->rec_calls);
  hm_buf_free(&pl->rec_flags);
  for (size_t i = 0; i < pl->naflags; i++) free(pl->aflags[i].json);
  free(pl->aflags);
  hm_arena_free(&pl->arena);
}

/* What a --set may name, for the message about one it may not: the map's own
 * settings, then the planner's. */
static void known_settings(const hm_program *p, hm_buf *b) {
  const char *sep = "";
  hm_buf_puts(b, "the map declares ");
  for (uint32_t i = 0; i < p->nsettings; i++) {
    const char *n = K(p, p->settings[i].name);
    if (hm_pset_find(n, strlen(n)) >= 0) continue;
    hm_buf_printf(b, "%s%s", sep, n);
    sep = ", ";
  }
  hm_buf_puts(b, *sep ? "; planner settings: " : "none; planner settings: ");
  for (int i = 0; i < HM_PSET__COUNT; i++)
    hm_buf_printf(b, "%s%s", i ? ", " : "", hm_pset_get((hm_pset_id)i)->name);
}

/* A setting the map declares takes its --set converted to its type (the VM
 * keeps it); a planner setting it does not declare is kept as given[id], the
 * last --set of that name. */
static int apply_sets(plan *pl, const char **given, char *err, size_t errlen) {
  for (int i = 0; i < pl->o->nsets; i++) {
    const char *set = pl->o->sets[i], *eq = strchr(set, '=');
    if (!eq) { snprintf(err, errlen, "--set %s: expected NAME=VALUE", set); return 2; }
    char name[256], why[300];
    snprintf(name, sizeof name, "%.*s", (int)(eq - set), set);
    int ps = hm_pset_find(set, (size_t)(eq - set));
    if (ps >= 0) given[ps] = set;
    if (hm_vm_setting(pl->vm, name).kind == HV_MISSING) {
      if (ps >= 0) continue;
      hm_buf b;
      hm_buf_init(&b);
      known_settings(pl->p, &b);
      snprintf(err, errlen, "--set %s: unknown setting \"%s\"; %s", set, name, hm_buf_cstr(&b));
      hm_buf_free(&b);
      return 2;
    }
    if (hm_vm_set(pl->vm, name, eq + 1, why, sizeof why)) {
      snprintf(err, errlen, "--set %s: %s", set, why);
      return 2;
    }
  }
  return 0;
}

/* A planner setting's value from text (a --set, a default): a count is a number. */
static hm_value pset_value(hm_pset_kind kind, const char *text) {
  long long n;
  return kind == HM_PSET_COUNT && hm_pset_count_text(text, &n) ? hv_num((double)n) : hv_str(text);
}

/* Each planner setting's value: the map's (its default or its --set) when it
 * declares the setting, else the last --set of it, else the table's default. */
static int planner_settings(plan *pl, const char *const *given, char *err, size_t errlen) {
  for (int i = 0; i < HM_PSET__COUNT; i++) {
    const hm_pset *d = hm_pset_get((hm_pset_id)i);
    hm_value v = hm_vm_setting(pl->vm, d->name);
    if (v.kind == HV_MISSING && given[i]) v = pset_value(d->kind, strchr(given[i], '=') + 1);
    else if (v.kind == HV_MISSING && d->def) v = pset_value(d->kind, d->def);
    if (v.kind != HV_MISSING && !hm_pset_fits(d->kind, v.kind == HV_STR, v.kind == HV_NUM,
                                              v.kind == HV_NUM ? v.u.num : 0)) {
      if (given[i])
        snprintf(err, errlen, "--set %s: setting %s expects a %s", given[i], d->name,
                 hm_pset_kind_name(d->kind));
      else
        snprintf(err, errlen, "setting %s of the map expects a %s, got %s", d->name,
                 hm_pset_kind_name(d->kind), hv_to_str(&pl->arena, v).u.str);
      return 2;
    }
    pl->pset[i] = v;
  }
  hm_value as = pl->pset[HM_PSET_ANONYMOUS_SENDER];
  if (as.kind == HV_STR && strcmp(as.u.str, "refuse") && strcmp(as.u.str, "accept")) {
    snprintf(err, errlen, "setting anonymous_sender is refuse or accept, not \"%s\"", as.u.str);
    return 2;
  }
  return 0;
}

/* ---- the map hash: the program's digest and its --set values ---- */

static size_t set_name_len(const char *set) {
  const char *eq = strchr(set, '=');
  return eq ? (size_t)(eq - set) : strlen(set);
}

static int by_set_name(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  size_t nx = set_name_len(x), ny = set_name_len(y);
  int c = memcmp(x, y, nx < ny ? nx : ny);
  return c ? c : (nx > ny) - (nx < ny);
}

/* Each name once, with its last value (the one the planner keeps), sorted
   by name. */
static int last_of_each_name(const char *const *sets, int nsets, const char **out) {
  int n = 0;
  for (int i = nsets - 1; i >= 0; i--) {
    int later = 0;
    for (int j = 0; j < n && !later; j++) later = !by_set_name(&sets[i], &out[j]);
    if (!later) out[n++] = sets[i];
  }
  qsort(out, (size_t)n, sizeof *out, by_set_name);
  return n;
}

void hm_plan_map_hash(const hm_program *p, const char *const *sets, int nsets, char out[65]) {
  uint8_t d[32];
  memcpy(d, p->hash, 32);
  const char **last = calloc((size_t)nsets + 1, sizeof *last);
  if (!last) abort();
  int n = last_of_each_name(sets, nsets, last);
  if (n) {
    hm_digest h;   /* the bytecode's own digest, as report.json has always shown */
    hm_digest_init(&h);
    hm_digest_add(&h, p->hash, 32);
    for (int i = 0; i < n; i++)   /* with the NUL: "a=b","c" != "a=bc" */
      hm_digest_add(&h, last[i], strlen(last[i]) + 1);
    hm_digest_out(&h, d);
  }
  free(last);
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int make_out_dir(const char *dir, char *err, size_t errlen) {
  if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
  snprintf(err, errlen, "%s: %s", dir, strerror(errno));
  return 2;
}

static int run_ordered(plan *pl, const uint32_t *order, uint32_t n, char *err, size_t errlen) {
  const hm_program *p = pl->p;
  if (pl->o->sample > 0) {
    hm_rpt_sample(pl->rpt, pl->o->sample);
    for (uint32_t i = n; i-- > 0;) {
      uint32_t s = order[i];
      if (s >= p->nsources || !pl->ss[s].has_rules) continue;
      int rc = pl_choose_sample(pl, s, err, errlen);
      if (rc) return rc;
    }
  }
  for (int after = 0; after < 2; after++)
    for (uint32_t i = 0; i < n; i++) {
      uint32_t s = order[i];
      if (s >= p->nsources || !pl->ss[s].has_rules || (after && !pl->ss[s].has_after)) continue;
      int rc = pl_plan_pass(pl, s, after, err, errlen);
      if (rc) return rc;
    }
  /* sources seen only through their parents: read = records in the index */
  for (uint32_t s = 0; s < p->nsources; s++)
    if (pl->ss[s].cidx && !pl->ss[s].has_rules) {
      uint64_t c = hm_childidx_count(pl->ss[s].cidx);
      for (uint64_t k = 0; k < c; k++) hm_rpt_count(pl->rpt, s, HM_RPT_READ);
    }
  for (uint32_t s = 0; s < p->nsources; s++)
    if ((pl->ss[s].cidx || pl->ss[s].fidx) && !pl->ss[s].has_rules) {
      int rc = pl_unread_pass(pl, s, err, errlen);
      if (rc) return rc;
    }
  for (uint32_t g = 0; g < p->ngaps; g++) {
    int rc = pl_plan_gap(pl, g, err, errlen);
    if (rc) return rc;
  }
  return 0;
}

/* The program's order comes from lookups; agent(e) is not a lookup, so the
 * sources that plan Users (and look nothing up) go first: a ticket then finds
 * its agent as a planned User rather than only at run time. */
static uint32_t *source_order(plan *pl, uint32_t *n) {
  const hm_program *p = pl->p;
  *n = p->norder ? p->norder : p->nsources;
  uint32_t *o = calloc(*n + 1, sizeof *o), k = 0;
  if (!o) abort();
  for (int pass = 0; pass < 2; pass++)
    for (uint32_t i = 0; i < *n; i++) {
      uint32_t s = p->norder ? p->order[i] : i;
      bool users_first = false;
      for (uint32_t r = 0; r < p->nrules && s < p->nsources; r++) {
        const hm_rule *ru = &p->rules[r];
        if (ru->source != s) continue;
        if (hm_gorgias_kind_named(tgt_name(pl, ru->target)) != HM_GK_USER) continue;
        users_first = true;
        for (uint32_t c = 0; c < ru->body.ncode; c++)
          if (HM_OP(ru->body.code[c]) == HOP_LOOKUP) users_first = false;
      }
      if (users_first == (pass == 0)) o[k++] = s;
    }
  return o;
}

static int run_passes(plan *pl, char *err, size_t errlen) {
  uint32_t n;
  uint32_t *order = source_order(pl, &n);
  int rc = run_ordered(pl, order, n, err, errlen);
  free(order);
  return rc;
}

static bool has_after(const plan *pl) {
  for (uint32_t s = 0; s < pl->p->nsources; s++)
    if (pl->ss[s].has_after) return true;
  return false;
}

/* A map with `after` blocks plans into a temporary file first: the flags its
   second pass raises join the create lines as it is copied (pl_emit.c). */
static int via_tmp(plan *pl, FILE **tmp, char **buf, char *err, size_t errlen) {
  if (!(*tmp = tmpfile())) {
    snprintf(err, errlen, "cannot create a temporary file: %s", strerror(errno));
    return 2;
  }
  if ((*buf = malloc(1 << 20))) setvbuf(*tmp, *buf, _IOFBF, 1 << 20);
  pl->calls_out = pl->calls;
  pl->calls = *tmp;
  return 0;
}

int hm_plan_run(const hm_program *p, const hm_plan_opts *o, char *err, size_t errlen) {
  plan pl;
  memset(&pl, 0, sizeof pl);
  pl.p = p; pl.o = o;
  const char *km = getenv("HMAP_KEYSET_MEM_MAX");
  pl.keyset_max = km && atol(km) > 0 ? (size_t)atol(km) : KEYSET_MEM_MAX;
  hm_arena_init(&pl.arena, 1 << 20);   /* big enough that a reset frees nothing */
  hm_buf_init(&pl.body);
  hm_buf_init(&pl.line);
  hm_buf_init(&pl.scratch);
  hm_buf_init(&pl.rec_calls);
  hm_buf_init(&pl.rec_flags);
  static const hm_vm_host host_tmpl = {NULL,          pl_h_lookup, pl_h_agent, pl_h_upload,
                                       pl_h_children, pl_h_emit,   pl_h_event, pl_h_find};
  hm_vm_host host = host_tmpl;
  host.user = &pl;
  pl.vm = hm_vm_new(p, &host, o->builtins, o->nbuiltins);
  hm_vm_set_std(pl.vm, o->std);
  pl.wire = hm_wire_new(p);
  char map_hash[65];
  hm_plan_map_hash(p, o->sets, o->nsets, map_hash);
  pl.rpt = hm_rpt_new(p, map_hash);
  pl.ss = calloc(p->nsources + 1, sizeof *pl.ss);
  if (!pl.ss) abort();
  for (uint32_t s = 0; s < p->nsources; s++) pl.ss[s].made.values = true;
  pl.agents.values = true;
  pl.addrs.values = true;
  init_rules(&pl);
  pl_fold_init(&pl);
  const char *given[HM_PSET__COUNT] = {0};
  int rc = apply_sets(&pl, given, err, errlen);
  if (!rc) rc = planner_settings(&pl, given, err, errlen);
  if (!rc)
    hm_rpt_upload_limit(pl.rpt,
                        (long long)pl.pset[HM_PSET_MAX_UPLOAD_BYTES].u.num); /* a count: a number */
  if (!rc) rc = check_inputs(&pl, err, errlen);
  if (!rc) rc = make_out_dir(o->out_dir, err, errlen);
  FILE *own = NULL;
  char *obuf =
      NULL; /* glibc ignores setvbuf's size without a buffer: 4 KiB writes were 5% of a plan */
  if (!rc) {
    if (o->calls) {
      pl.calls = o->calls;
    } else {
      char path[4096];
      snprintf(path, sizeof path, "%s/calls.ndjson", o->out_dir);
      if (!(own = pl.calls = fopen(path, "w"))) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = 2;
      } else if ((obuf = malloc(1 << 20)))
        setvbuf(own, obuf, _IOFBF, 1 << 20);
    }
  }
  FILE *spliced = NULL;
  char *sbuf = NULL;
  if (!rc && has_after(&pl)) rc = via_tmp(&pl, &spliced, &sbuf, err, errlen);
  if (!rc) pl_write_header(&pl, map_hash, (long long)pl.pset[HM_PSET_MAX_UPLOAD_BYTES].u.num);
  if (!rc) rc = run_passes(&pl, err, errlen);
  if (!rc && spliced) rc = pl_after_flags_splice(&pl, err, errlen);
  if (spliced) { fclose(spliced); pl.calls = pl.calls_out; }
  free(sbuf);
  if (!rc) pl_check_manifest(&pl);
  if (own && fclose(own) && !rc) {
    snprintf(err, errlen, "%s/calls.ndjson: write error", o->out_dir);
    rc = 2;
  }
  free(obuf);
  if (!rc && hm_rpt_write(pl.rpt, o->out_dir, err, errlen)) rc = 2;
  if (!rc && hm_plan_scope(p, o->out_dir, NULL, 0, err, errlen)) rc = 2;
  if (!rc && !o->quiet) {
    uint64_t planned = 0, rejected = 0, repeats = 0;
    for (uint32_t s = 0; s < p->nsources; s++) {
      planned += hm_rpt_get(pl.rpt, s, HM_RPT_PLANNED);
      rejected += hm_rpt_get(pl.rpt, s, HM_RPT_REJECTED) + hm_rpt_get(pl.rpt, s, HM_RPT_BAD);
      repeats += hm_rpt_get(pl.rpt, s, HM_RPT_REPEATS);
    }
    char rep[64] = "";   /* said only when there are some: they explain read > planned */
    if (repeats)
      snprintf(rep, sizeof rep, ", %llu repeat%s of distinct keys", (unsigned long long)repeats,
               pl_s((double)repeats));
    uint64_t calls = hm_rpt_calls(pl.rpt);
    fprintf(stderr,
            "hmaprun: planned %llu record%s in %llu call%s, %llu rejected%s; see %s/report.md\n",
            (unsigned long long)planned, pl_s((double)planned), (unsigned long long)calls,
            pl_s((double)calls), (unsigned long long)rejected, rep, o->out_dir);
  }
  if (!rc && pl.rejected_any) rc = 1;
  plan_free(&pl);
  return rc;
}
