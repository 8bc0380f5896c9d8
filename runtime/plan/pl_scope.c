/* pl_scope: scope.md, what a consultant quotes from before anything moves —
 * how the export's objects land in Gorgias (1:1, lossy, many:1, no home, read
 * through another object: N of M), records and calls per object, the time
 * the run takes at each Gorgias rate with its lookups and the verify pass,
 * and a complexity grade by the rule of docs/guide.md ("Scope"). Read from
 * the report.json just written, so it agrees with it. */
#include "pl.h"
#include "hm_html.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

typedef enum { SC_ONE, SC_LOSSY, SC_MANY, SC_GAP, SC_THROUGH, SC__N } sc_kind;
static const char *const sc_title[SC__N] = {
  "map 1:1 (no loss, their own Gorgias object)", "map with a loss (lossy rule or field)",
  "map many:1 (with other objects into one Gorgias object)", "have no Gorgias home (gap)",
  "are read through another object (messages, lookups, joins)"};

static double num(const cJSON *o, const char *k) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(j) ? j->valuedouble : 0;
}

static bool has_prefix_rule(const cJSON *losses, const char *src) {
  size_t n = strlen(src);
  const cJSON *l;
  cJSON_ArrayForEach(l, losses) {
    const cJSON *r = cJSON_GetObjectItem(l, "rule");
    if (cJSON_IsString(r) && !strncmp(r->valuestring, src, n) &&
        !strncmp(r->valuestring + n, " -> ", 4))
      return true;
  }
  return false;
}

/* Sources whose rules make a target some other source's rules make too. */
static bool shares_target(const hm_program *p, uint32_t s) {
  for (uint32_t a = 0; a < p->nrules; a++) {
    if (p->rules[a].source != s) continue;
    for (uint32_t b = 0; b < p->nrules; b++)
      if (p->rules[b].source != s && p->rules[b].target == p->rules[a].target) return true;
  }
  return false;
}

static sc_kind kind_of(const hm_program *p, uint32_t s, const cJSON *j) {
  const char *name = K(p, p->sources[s].name);
  bool rule = false, gap = false;
  for (uint32_t r = 0; r < p->nrules; r++) rule |= p->rules[r].source == s;
  for (uint32_t g = 0; g < p->ngaps; g++) gap |= p->gaps[g].source == s;
  if (!rule) return gap ? SC_GAP : SC_THROUGH;
  if (has_prefix_rule(cJSON_GetObjectItem(j, "losses"), name)) return SC_LOSSY;
  return shares_target(p, s) ? SC_MANY : SC_ONE;
}

static void hms(char *buf, size_t n, double secs) {
  long long t = (long long)(secs + 0.5);
  snprintf(buf, n, "%lldh %02lldm %02llds", t / 3600, t / 60 % 60, t % 60);
}

/* Requests of each kind: the planned calls, one lookup per create of a target
   found by unique fields (the run looks before it creates), one read per
   created object and per message for verify (it reads each back by its id:
   a run of the iTop example against hmap-sandbox reads 93 objects for 45
   creates and 21 messages, the rest being tags that tickets made). */
typedef struct sc_calls { double writes, lookups, verify; } sc_calls;

static sc_calls count_calls(const hm_program *p, const cJSON *j) {
  sc_calls c = {num(cJSON_GetObjectItem(j, "calls"), "total"), 0, 0};
  const cJSON *t;
  cJSON_ArrayForEach(t, cJSON_GetObjectItem(cJSON_GetObjectItem(j, "calls"), "by_target")) {
    const cJSON *ph = cJSON_GetObjectItem(t, "phase"), *tg = cJSON_GetObjectItem(t, "target");
    if (cJSON_IsString(ph) && !strcmp(ph->valuestring, "message")) c.verify += num(t, "calls");
    if (!cJSON_IsString(ph) || !cJSON_IsString(tg) || strcmp(ph->valuestring, "create")) continue;
    c.verify += num(t, "calls");
    for (uint32_t i = 0; i < p->ntargets; i++)
      if (!strcmp(K(p, p->targets[i].name), tg->valuestring) && p->targets[i].nunique)
        c.lookups += num(t, "calls");
  }
  return c;
}

/* The grade: by the hours at the API-key rate, one step worse when more than
   a third of the objects are lossy or have no home (docs/guide.md, "Scope"). */
static char grade(double api_key_secs, int hard, int objects) {
  int g = api_key_secs < 3600 ? 0 : api_key_secs < 8 * 3600 ? 1 : api_key_secs < 48 * 3600 ? 2 : 3;
  if (objects && 3 * hard > objects && g < 3) g++;
  return (char)('A' + g);
}

/* The rates Gorgias grants (docs/guide.md, "Scope"). */
static const struct { const char *name; double per, window; } rate[3] = {
  {"API key, 40 per 20 s", 40, 20}, {"OAuth app, 80 per 20 s", 80, 20},
  {"enterprise, 40 per 10 s", 40, 10}};

/* How the objects land (kinds per source, counts per kind) and the grade. */
typedef struct sc_fig { sc_kind *k; int n[SC__N]; sc_calls c; double total; char grade; } sc_fig;

static void figures(const hm_program *p, const cJSON *j, sc_fig *g) {
  memset(g, 0, sizeof *g);
  g->k = calloc(p->nsources + 1, sizeof *g->k);
  for (uint32_t s = 0; s < p->nsources; s++) g->n[g->k[s] = kind_of(p, s, j)]++;
  g->c = count_calls(p, j);
  g->total = g->c.writes + g->c.lookups + g->c.verify;
  g->grade = grade(g->total * 0.5, g->n[SC_LOSSY] + g->n[SC_GAP], (int)p->nsources);
}

void pl_scope_html(const hm_program *p, const cJSON *j, FILE *f) {
  sc_fig g;
  figures(p, j, &g);
  fprintf(f, "<table id=\"scope-kinds\"><tr><th>of %u objects</th><th></th></tr>\n",
          p->nsources);
  for (int i = 0; i < SC__N; i++) {
    fprintf(f, "<tr><td class=\"n\" data-k=\"kind%d\">%d</td><td>%s: ", i, g.n[i], sc_title[i]);
    int shown = 0;
    for (uint32_t s = 0; s < p->nsources; s++)
      if (g.k[s] == (sc_kind)i) {
        fputs(shown++ ? ", " : "", f);
        hm_html_esc(f, K(p, p->sources[s].name));
      }
    fputs("</td></tr>\n", f);
  }
  fprintf(f, "</table>\n<p>%.0f requests (%.0f planned calls, %.0f lookups, %.0f verify reads). "
          "Complexity grade: <strong id=\"grade\">%c</strong> (A under 1 h at the API-key rate, "
          "B under 8 h, C under 48 h, D beyond; one step worse when more than a third of the "
          "objects are lossy or have no home).</p>\n", g.total, g.c.writes, g.c.lookups,
          g.c.verify, g.grade);
  fputs("<table id=\"scope-time\"><tr><th>rate</th><th>run</th><th>verify</th><th>total</th>"
        "</tr>\n", f);
  for (int i = 0; i < 3; i++) {
    char a[32], b[32], t[32];
    double per = rate[i].window / rate[i].per;
    hms(a, sizeof a, (g.c.writes + g.c.lookups) * per);
    hms(b, sizeof b, g.c.verify * per);
    hms(t, sizeof t, g.total * per);
    fprintf(f, "<tr><th>%s</th><td class=\"n\">%s</td><td class=\"n\">%s</td>"
            "<td class=\"n\" data-k=\"time%d\">%s</td></tr>\n", rate[i].name, a, b, i, t);
  }
  fputs("</table>\n", f);
  free(g.k);
}

void pl_scope_md(const hm_program *p, const cJSON *j, FILE *f) {
  sc_fig g;
  figures(p, j, &g);
  static const char *const what[SC__N] = {"map 1:1", "with a loss", "many:1", "with no home",
                                          "read through another object"};
  fputs("## Scope\n\nOf ", f);
  fprintf(f, "%u object%s: ", p->nsources, pl_s(p->nsources));
  for (int i = 0; i < SC__N; i++) fprintf(f, "%s%d %s", i ? ", " : "", g.n[i], what[i]);
  double read = 0, planned = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, cJSON_GetObjectItem(j, "objects")) {
    read += num(o, "read"); planned += num(o, "planned");
  }
  char a[32], b[32], c[32];
  hms(a, sizeof a, g.total * 0.5);
  hms(b, sizeof b, g.total * 0.25);
  hms(c, sizeof c, g.total * 0.25);
  fprintf(f, ". %.0f record%s read, %.0f planned. %.0f request%s (%.0f planned call%s, %.0f "
          "lookup%s, %.0f read%s to verify): %s at 40 per 20 s (API key), %s at 80 per 20 s "
          "(OAuth), %s at 40 per 10 s (enterprise). Complexity grade: **%c**. The tables are in "
          "scope.md (`hmaprun scope --target URL` adds the account's own rate).\n\n",
          read, pl_s(read), planned, g.total, pl_s(g.total), g.c.writes, pl_s(g.c.writes),
          g.c.lookups, pl_s(g.c.lookups), g.c.verify, pl_s(g.c.verify), a, b, c, g.grade);
  free(g.k);
}

static void write_scope(const hm_program *p, const cJSON *j, FILE *f, double account) {
  sc_fig g;
  figures(p, j, &g);
  int *n = g.n;
  sc_kind *k = g.k;
  fprintf(f, "# Scope: %s\n\n| of %u objects | |\n|---|---|\n", K(p, p->title), p->nsources);
  for (int i = 0; i < SC__N; i++) {
    fprintf(f, "| %u %s | ", (unsigned)n[i], sc_title[i]);
    int shown = 0;
    for (uint32_t s = 0; s < p->nsources; s++)
      if (k[s] == (sc_kind)i) {
        fputs(shown++ ? ", " : "", f);
        hm_md_text(f, K(p, p->sources[s].name));
      }
    fputs(" |\n", f);
  }
  fputs("\n## Records per object\n\n| object | records | planned | rejected |\n|---|---|---|---|\n",
        f);
  const cJSON *o;
  cJSON_ArrayForEach(o, cJSON_GetObjectItem(j, "objects")) {
    fputs("| ", f); hm_md_text(f, o->string);
    fprintf(f, " | %.0f | %.0f | %.0f |\n", num(o, "read"), num(o, "planned"), num(o, "rejected"));
  }
  fputs("\n## Calls per Gorgias object\n\n| phase | object | calls |\n|---|---|---|\n", f);
  cJSON_ArrayForEach(o, cJSON_GetObjectItem(cJSON_GetObjectItem(j, "calls"), "by_target")) {
    const cJSON *ph = cJSON_GetObjectItem(o, "phase"), *tg = cJSON_GetObjectItem(o, "target");
    fprintf(f, "| %s | ", cJSON_IsString(ph) ? ph->valuestring : "?");
    hm_md_text(f, cJSON_IsString(tg) ? tg->valuestring : "?");
    fprintf(f, " | %.0f |\n", num(o, "calls"));
  }
  sc_calls c = g.c;
  double total = g.total;
  fprintf(f, "\n## Time\n\n%.0f requests: %.0f planned calls (uploads, creates, messages, "
          "updates), %.0f lookups of existing objects, %.0f reads to verify.\n\n"
          "| rate | run | verify | total |\n|---|---|---|---|\n", total, c.writes, c.lookups,
          c.verify);
  for (int i = account > 0 ? -1 : 0; i < 3; i++) {
    char a[32], b[32], t[32];
    double per = i < 0 ? 20.0 / account : rate[i].window / rate[i].per;
    if (i < 0) {
      snprintf(a, sizeof a, "%.0f", account);
      fprintf(f, "| this account, %s per 20 s (its answer) ", a);
    } else {
      fprintf(f, "| %s ", rate[i].name);
    }
    hms(a, sizeof a, (c.writes + c.lookups) * per);
    hms(b, sizeof b, c.verify * per);
    hms(t, sizeof t, total * per);
    fprintf(f, "| %s | %s | %s |\n", a, b, t);
  }
  fprintf(f, "\nComplexity grade: **%c** (docs/guide.md, \"Scope\": A under 1 h at the API-key "
          "rate, B under 8 h, C under 48 h, D beyond; one step worse when more than a third of "
          "the objects are lossy or have no home).\n",
          g.grade);
  free(k);
}

int hm_plan_scope(const hm_program *p, const char *out_dir, FILE *echo, double account_limit,
                  char *err, size_t errlen) {
  char path[4096];
  hm_buf b; hm_buf_init(&b);
  snprintf(path, sizeof path, "%s/report.json", out_dir);
  int e = hm_buf_read_path(&b, path);
  cJSON *j = e ? NULL : cJSON_Parse(hm_buf_cstr(&b));
  hm_buf_free(&b);
  if (!j) { snprintf(err, errlen, "%s: %s", path, e ? strerror(e) : "not JSON"); return -1; }
  snprintf(path, sizeof path, "%s/scope.md", out_dir);
  FILE *f = fopen(path, "w+");
  if (!f) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); cJSON_Delete(j); return -1; }
  write_scope(p, j, f, account_limit);
  cJSON_Delete(j);
  if (echo) {
    rewind(f);
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, f));) fwrite(buf, 1, n, echo);
  }
  if (fclose(f)) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
  return 0;
}
