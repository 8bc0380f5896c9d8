/* rn_html: STATE.report.html, a run's report for the customer beside
 * STATE.report.json — one self-contained page (no script, nothing fetched: a
 * Content-Security-Policy of default-src 'none' says so to the browser) with
 * the ledger per object as a chart and a table (created, verified once
 * `hmaprun verify` has run (rn_verified.c), updated, rejected, failed,
 * flagged), the failures grouped by reason, the map hash and the tool
 * version. Its numbers are read from the run's report JSON, so the two
 * cannot disagree; every value is escaped. */
#include <stdio.h>
#include <string.h>
#include "hm_html.h"
#include "hm_version.h"
#include "rn.h"

static const char *const COLS[] = {"planned", "created", "verified", "updated", "rejected",
                                   "failed", "in_doubt", "flagged"};
#define NCOLS (sizeof COLS / sizeof *COLS)

static void esc(FILE *f, const char *s) { hm_html_esc(f, s); }

static double num(const cJSON *o, const char *k) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(j) ? j->valuedouble : 0;
}

/* A number of the ledger; "verified" only once verify has run. */
static void cell(FILE *f, const char *tag, const char *attr, const char *k, double v, bool ok) {
  if (ok) fprintf(f, "<%s class=\"n\" %s\"%s\">%.0f</%s>", tag, attr, k, v, tag);
  else fprintf(f, "<%s class=\"n\" %s\"%s\">not yet</%s>", tag, attr, k, tag);
}

static void objects(FILE *f, const cJSON *objs, bool verified) {
  fputs("<table><tr><th>object</th>", f);
  for (size_t i = 0; i < NCOLS; i++) fprintf(f, "<th>%s</th>", COLS[i]);
  fputs("</tr>\n", f);
  const cJSON *o;
  double tot[NCOLS] = {0};
  cJSON_ArrayForEach(o, objs) {
    fputs("<tr class=\"object\" data-object=\"", f); esc(f, o->string);
    fputs("\"><td>", f); esc(f, o->string); fputs("</td>", f);
    for (size_t i = 0; i < NCOLS; i++) {
      cell(f, "td", "data-k=", COLS[i], num(o, COLS[i]), verified || strcmp(COLS[i], "verified"));
      tot[i] += num(o, COLS[i]);
    }
    fputs("</tr>\n", f);
  }
  fputs("<tr><th>all</th>", f);
  for (size_t i = 0; i < NCOLS; i++) {
    char id[32];
    snprintf(id, sizeof id, "n-%s", COLS[i]);
    cell(f, "th", "id=", id, tot[i], verified || strcmp(COLS[i], "verified"));
  }
  fputs("</tr></table>\n", f);
}

/* Per object a bar: planned (grey), created (green) with the verified part
   darker, refused (rejected + failed, red) after it; the numbers beside. */
static void chart(FILE *f, const cJSON *objs, bool verified) {
  double max = 1;
  int n = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, objs) {
    n++;
    double all = num(o, "created") + num(o, "rejected") + num(o, "failed");
    if (num(o, "planned") > max) max = num(o, "planned");
    if (all > max) max = all;
  }
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"%d\" "
          "role=\"img\" aria-label=\"records planned, created, verified and refused per "
          "object\">\n", 22 * n + 10);
  int y = 5;
  cJSON_ArrayForEach(o, objs) {
    double pw = 300 * num(o, "planned") / max, cw = 300 * num(o, "created") / max,
           vw = 300 * num(o, "verified") / max,
           rw = 300 * (num(o, "rejected") + num(o, "failed")) / max;
    fprintf(f, "<g class=\"bar\" data-object=\"");
    esc(f, o->string);
    fprintf(f, "\"><text x=\"0\" y=\"%d\">", y + 13);
    esc(f, o->string);
    fprintf(f, "</text><rect x=\"180\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#ddd\"/>"
            "<rect x=\"180\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#8c8\"/>"
            "<rect x=\"180\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#275\"/>"
            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#c33\"/>",
            y, pw, y, cw, y, verified ? vw : 0, 180 + cw, y, rw);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\">%.0f planned, %.0f created, ", 186 + (pw > cw + rw ?
            pw : cw + rw), y + 13, num(o, "planned"), num(o, "created"));
    if (verified) fprintf(f, "%.0f verified, ", num(o, "verified"));
    fprintf(f, "%.0f refused</text></g>\n", num(o, "rejected") + num(o, "failed"));
    y += 22;
  }
  fputs("</svg>\n", f);
}

static void ledger(FILE *f, const cJSON *report) {
  const cJSON *objs = cJSON_GetObjectItemCaseSensitive(report, "objects");
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(report, "verify");
  fputs("<h2 id=\"objects\">Records per object</h2>\n", f);
  if (!v)
    fputs("<p id=\"verify\">Not verified yet: <code>hmaprun verify</code> reads every "
          "created object back and adds the verified count here.</p>\n", f);
  else
    fprintf(f, "<p id=\"verify\">Verified: %.0f objects read back%s, %.0f with a difference "
            "(verified: the record's object in Gorgias equals what %s).</p>\n",
            num(v, "checked"), num(v, "sample") > 0 ? " (a sample)" : "",
            num(v, "differences"), cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
            v, "against_export")) ? "the export says it should hold" : "the run sent");
  chart(f, objs, v != NULL);
  objects(f, objs, v != NULL);
}

static int failure(void *ctx, const char *object, long status, const char *error, long long n) {
  FILE *f = ctx;
  fputs("<tr class=\"failure\"><td>", f); esc(f, object);
  fprintf(f, "</td><td class=\"n\">%ld</td><td>", status); esc(f, error);
  fprintf(f, "</td><td class=\"n\" data-k=\"count\">%lld</td></tr>\n", n);
  return 0;
}

static void failures(FILE *f, hm_store *st) {
  fputs("<h2 id=\"failures\">Refused and failed calls by reason</h2>\n<table><tr><th>object</th>"
        "<th>HTTP status</th><th>reason</th><th>calls</th></tr>\n", f);
  hm_store_each_failure(st, failure, f);
  fputs("</table>\n", f);
}

void hm_run_html(hm_store *st, const cJSON *report, FILE *f) {
  const cJSON *status = cJSON_GetObjectItemCaseSensitive(report, "status");
  const cJSON *hash = cJSON_GetObjectItemCaseSensitive(report, "map_hash");
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n<title>Migration run</title>\n<style>"
        "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}"
        "svg text{font:12px sans-serif}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
        "padding:.25em .6em;text-align:left}td.n,th.n{text-align:right}"
        "</style></head><body>\n<h1>Migration run</h1>\n<table><tr><th>status</th>"
        "<td id=\"status\">", f);
  esc(f, cJSON_IsString(status) ? status->valuestring : "");
  fprintf(f, "</td></tr><tr><th>run</th><td id=\"run\">%.0f</td></tr>\n", num(report, "run"));
  fputs("<tr><th>map hash</th><td id=\"map-hash\">", f);
  esc(f, cJSON_IsString(hash) ? hash->valuestring : "");
  fputs("</td></tr><tr><th>tool</th><td id=\"version\">hmaprun " HM_VERSION " (git "
        HM_GIT_REVISION ")</td></tr></table>\n", f);
  ledger(f, report);
  failures(f, st);
  fputs("</body></html>\n", f);
}
