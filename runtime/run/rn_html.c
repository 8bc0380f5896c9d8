/* rn_html: STATE.report.html, a run's report for the customer beside
 * STATE.report.json — one self-contained page (no script, nothing fetched: a
 * Content-Security-Policy of default-src 'none' says so to the browser) with
 * the ledger per object (created, updated, rejected, failed, flagged), the
 * failures grouped by reason, the map hash and the tool version. Its numbers
 * are read from the run's report JSON, so the two cannot disagree; every
 * value is escaped. */
#include <stdio.h>
#include <string.h>
#include "hm_html.h"
#include "hm_version.h"
#include "rn.h"

static const char *const COLS[] = {"planned", "created", "updated", "rejected", "failed",
                                   "in_doubt", "flagged"};
#define NCOLS (sizeof COLS / sizeof *COLS)

static void esc(FILE *f, const char *s) { hm_html_esc(f, s); }

static double num(const cJSON *o, const char *k) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(j) ? j->valuedouble : 0;
}

static void objects(FILE *f, const cJSON *objs) {
  fputs("<h2 id=\"objects\">Records per object</h2>\n<table><tr><th>object</th>", f);
  for (size_t i = 0; i < NCOLS; i++) fprintf(f, "<th>%s</th>", COLS[i]);
  fputs("</tr>\n", f);
  const cJSON *o;
  double tot[NCOLS] = {0};
  cJSON_ArrayForEach(o, objs) {
    fputs("<tr class=\"object\" data-object=\"", f); esc(f, o->string);
    fputs("\"><td>", f); esc(f, o->string); fputs("</td>", f);
    for (size_t i = 0; i < NCOLS; i++) {
      fprintf(f, "<td class=\"n\" data-k=\"%s\">%.0f</td>", COLS[i], num(o, COLS[i]));
      tot[i] += num(o, COLS[i]);
    }
    fputs("</tr>\n", f);
  }
  fputs("<tr><th>all</th>", f);
  for (size_t i = 0; i < NCOLS; i++)
    fprintf(f, "<th class=\"n\" id=\"n-%s\">%.0f</th>", COLS[i], tot[i]);
  fputs("</tr></table>\n", f);
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
  objects(f, cJSON_GetObjectItemCaseSensitive(report, "objects"));
  failures(f, st);
  fputs("</body></html>\n", f);
}
