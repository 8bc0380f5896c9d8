/* check_plan: invariants every calls.ndjson must keep, whatever the map:
 * line 1 is the typed header (common/hm_calls.h: hmap_plan, a 64-hex map_hash,
 * max_upload_bytes); seq counts up from 1 on the lines after it; each call has a known phase, a
 * method, a path, a source and a hash; refs are created once; and every reference ({"$ref": R} in a
 * body, {ref:R} in a path) names a ref an EARLIER call created — the dependency order the run
 * relies on; "flags" only on a record's first call. With a run report (the client's
 * STATE.report.json), also checks the run created what the plan planned.
 *
 * usage: check_plan CALLS.ndjson [RUN_REPORT.json] */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct refs { char **v; size_t n, cap; } refs;

static int has(const refs *r, const char *s) {
  for (size_t i = 0; i < r->n; i++)
    if (!strcmp(r->v[i], s)) return 1;
  return 0;
}

static void add(refs *r, const char *s) {
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 64;
    r->v = realloc(r->v, r->cap * sizeof *r->v);
    if (!r->v) abort();
  }
  r->v[r->n++] = strdup(s);
}

static int fails;
static long lineno;

static void fail(const char *what, const char *detail) {
  fprintf(stderr, "calls.ndjson:%ld: %s%s%s\n", lineno, what, detail ? ": " : "",
          detail ? detail : "");
  fails++;
}

static void check_refs(const cJSON *j, const refs *made) {
  if (cJSON_IsObject(j)) {
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "$ref");
    if (cJSON_IsString(r) && !has(made, r->valuestring))
      fail("reference to a ref not created before", r->valuestring);
  }
  for (const cJSON *c = j ? j->child : NULL; c; c = c->next) check_refs(c, made);
}

static void check_path(const char *path, const refs *made) {
  for (const char *p = strstr(path, "{ref:"); p; p = strstr(p + 1, "{ref:")) {
    const char *end = strchr(p, '}');
    if (!end) { fail("unterminated {ref: in path", path); return; }
    char buf[1024];
    snprintf(buf, sizeof buf, "%.*s", (int)(end - p - 5), p + 5);
    if (!has(made, buf)) fail("path refers to a ref not created before", buf);
  }
}

/* "flags" (the map's flags on a record) only on the record's first call,
 * never empty, each with a severity and a message (docs/plan.md "Calls"). */
static void check_flags(const cJSON *c, refs *records) {
  const cJSON *src = cJSON_GetObjectItemCaseSensitive(c, "source");
  const char *o = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(src, "object"));
  const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(src, "key"));
  char rec[1024];
  snprintf(rec, sizeof rec, "%s\t%s", o ? o : "", k ? k : "");
  const cJSON *flags = cJSON_GetObjectItemCaseSensitive(c, "flags");
  int first = !has(records, rec);
  if (first) add(records, rec);
  if (!flags) return;
  if (!first) fail("flags on a call that is not its record's first", rec);
  if (!cJSON_IsArray(flags) || !cJSON_GetArraySize(flags)) fail("flags not a non-empty list", rec);
  const cJSON *f;
  cJSON_ArrayForEach(f, flags) {
    const char *sev = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "severity"));
    if (!sev || (strcmp(sev, "info") && strcmp(sev, "warn") && strcmp(sev, "review")) ||
        !cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f, "message")))
      fail("a flag without severity or message", rec);
  }
}

static long count_member(const cJSON *objects, const char *name) {
  long n = 0;
  for (const cJSON *o = objects ? objects->child : NULL; o; o = o->next) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsNumber(v)) n += (long)v->valuedouble;
  }
  return n;
}

/* The header: the format, a 64-hex map hash and a positive upload limit. */
static void check_header(const cJSON *h) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, "hmap_plan");
  const char *mh = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "map_hash"));
  const cJSON *max = cJSON_GetObjectItemCaseSensitive(h, "max_upload_bytes");
  if (!cJSON_IsNumber(v) || v->valuedouble != 1) fail("no plan header (hmap_plan 1)", NULL);
  if (!mh || strlen(mh) != 64 || strspn(mh, "0123456789abcdef") != 64) fail("header map_hash", mh);
  if (!cJSON_IsNumber(max) || max->valuedouble < 1) fail("header max_upload_bytes", NULL);
  if (cJSON_GetObjectItemCaseSensitive(h, "path")) fail("a header with a path", NULL);
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: check_plan CALLS.ndjson [RUN_REPORT.json]\n"); return 2; }
  FILE *f = fopen(argv[1], "r");
  if (!f) { perror(argv[1]); return 2; }
  refs made = {0}, records = {0};
  char *line = NULL;
  size_t cap = 0;
  long messages = 0;
  while (getline(&line, &cap, f) > 0) {
    lineno++;
    cJSON *c = cJSON_Parse(line);
    if (!c) { fail("not JSON", NULL); continue; }
    if (lineno == 1) { check_header(c); cJSON_Delete(c); continue; }
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(c, "seq");
    const char *phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "phase"));
    const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "path"));
    const char *ref = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "ref"));
    if (!cJSON_IsNumber(seq) || (long)seq->valuedouble != lineno - 1)
      fail("seq is not the line number", NULL);
    if (!phase || (strcmp(phase, "upload") && strcmp(phase, "create") && strcmp(phase, "message") &&
                   strcmp(phase, "update")))
      fail("unknown phase", phase);
    if (!cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "method")) || !path)
      fail("no method or path", NULL);
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c, "source"))) fail("no source", NULL);
    if (!cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "hash"))) fail("no hash", NULL);
    if (phase && !strcmp(phase, "upload") &&
        !cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "file")))
      fail("upload without file", NULL);
    if (phase && strcmp(phase, "upload") &&
        !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c, "body")))
      fail("no body", NULL);
    if (path) check_path(path, &made);
    check_refs(cJSON_GetObjectItemCaseSensitive(c, "body"), &made);
    check_flags(c, &records);
    if (phase && (!strcmp(phase, "create") || !strcmp(phase, "upload"))) {
      if (!ref) fail("create without ref", NULL);
      else if (has(&made, ref)) fail("ref created twice", ref);
      else add(&made, ref);
    }
    if (phase && !strcmp(phase, "message")) messages++;
    cJSON_Delete(c);
  }
  free(line);
  fclose(f);
  if (argc > 2) {
    FILE *r = fopen(argv[2], "r");
    if (!r) { perror(argv[2]); return 2; }
    char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, r);
    buf[n] = 0;
    fclose(r);
    cJSON *rep = cJSON_Parse(buf);
    /* this_run counts calls made (objects is the ledger: records, no messages) */
    const cJSON *objects = cJSON_GetObjectItemCaseSensitive(rep, "this_run");
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rep, "status"));
    long created = count_member(objects, "created"),
         added = count_member(objects, "messages_added");
    if (!status || strcmp(status, "done")) {
      fprintf(stderr, "run status %s, want done\n", status ? status : "?");
      fails++;
    }
    /* created counts records (a ticket with its uploads is one): every record
       the plan names has a create or upload call (an update follows its create) */
    if (created != (long)records.n || added != messages) {
      fprintf(stderr, "run created %ld records and %ld messages; the plan has %ld and %ld\n",
              created, added, (long)records.n, messages);
      fails++;
    }
    cJSON_Delete(rep);
  }
  for (size_t i = 0; i < made.n; i++) free(made.v[i]);
  free(made.v);
  for (size_t i = 0; i < records.n; i++) free(records.v[i]);
  free(records.v);
  return fails ? 1 : 0;
}
