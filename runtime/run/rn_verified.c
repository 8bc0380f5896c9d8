/* rn_verified: what the last `hmaprun verify` read back, per source object —
 * records whose Gorgias object equals what was sent ("verified") and those
 * that differ or are missing ("verify_differences") — written into the run's
 * report (the path the run recorded in the state's meta "report_path") and
 * its page, so the customer's page says created, verified, failed. Objects
 * created later by a resumed run are not verified: that run rewrites the
 * report without these counts until verify runs again. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rn.h"

void hm_verified_add(cJSON *tally, const char *object, int same) {
  if (!tally) return;
  cJSON *o = cJSON_GetObjectItemCaseSensitive(tally, object ? object : "");
  if (!o) {
    o = cJSON_AddObjectToObject(tally, object ? object : "");
    cJSON_AddNumberToObject(o, "verified", 0);
    cJSON_AddNumberToObject(o, "verify_differences", 0);
  }
  cJSON *n = cJSON_GetObjectItemCaseSensitive(o, same ? "verified" : "verify_differences");
  cJSON_SetNumberValue(n, n->valuedouble + 1);
}

void hm_verified_remember(hm_store *st, const char *report_path) {
  char abs[PATH_MAX];
  if (report_path && realpath(report_path, abs)) hm_store_set_meta(st, "report_path", abs);
}

static void set_num(cJSON *o, const char *k, double v) {
  cJSON_DeleteItemFromObjectCaseSensitive(o, k);
  cJSON_AddNumberToObject(o, k, v);
}

/* The counts into the report: every object of the ledger gets both words. */
static void merge(cJSON *r, const cJSON *tally, const hm_verified_sum *sum) {
  cJSON *o;
  cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(r, "objects")) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(tally, o->string);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "verified");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(t, "verify_differences");
    set_num(o, "verified", cJSON_IsNumber(v) ? v->valuedouble : 0);
    set_num(o, "verify_differences", cJSON_IsNumber(d) ? d->valuedouble : 0);
  }
  cJSON_DeleteItemFromObjectCaseSensitive(r, "verify");
  cJSON *v = cJSON_AddObjectToObject(r, "verify");
  cJSON_AddNumberToObject(v, "checked", (double)sum->checked);
  cJSON_AddNumberToObject(v, "differences", (double)sum->differences);
  cJSON_AddNumberToObject(v, "sample", (double)sum->sample);
  cJSON_AddBoolToObject(v, "against_export", sum->against_export);
}

static int replace_file(const char *path, const char *text, hm_store *st, const cJSON *r) {
  size_t n = strlen(path);
  char *tmp = malloc(n + 6);
  if (!tmp) return -1;
  snprintf(tmp, n + 6, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  int rc = -1;
  if (f) {
    if (text) { fputs(text, f); fputc('\n', f); }
    else hm_run_html(st, r, f);
    rc = fclose(f) || rename(tmp, path) ? -1 : 0;
  }
  free(tmp);
  return rc;
}

int hm_verified_write(hm_store *st, const cJSON *tally, const hm_verified_sum *sum) {
  const char *p = hm_store_get_meta(st, "report_path");
  if (!p) return 0;   /* a state from before reports were remembered */
  char *json = strdup(p);
  hm_buf b; hm_buf_init(&b);
  cJSON *r = json && !hm_buf_read_path(&b, json) ? cJSON_Parse(hm_buf_cstr(&b)) : NULL;
  hm_buf_free(&b);
  int rc = -1;
  if (r) {
    merge(r, tally, sum);
    char *txt = cJSON_Print(r);
    size_t n = strlen(json);
    bool dot_json = n > 5 && !strcmp(json + n - 5, ".json");
    char *html = malloc(n + 6);
    if (txt && html) {
      snprintf(html, n + 6, "%.*s.html", (int)(dot_json ? n - 5 : n), json);
      rc = replace_file(json, txt, st, r) || replace_file(html, NULL, st, r) ? -1 : 0;
    }
    free(txt);
    free(html);
    cJSON_Delete(r);
  }
  if (rc) fprintf(stderr, "hmaprun verify: the run's report %s could not be updated\n", json);
  free(json);
  return rc;
}
