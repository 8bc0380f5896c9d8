/* ex_cmd: `hmaprun extract itop` — options, the iTop credentials (environment
 * or a file, never argv), one pass over the map's jobs (ex_jobs.c) page by
 * page, the progress lines, --since, --resume and manifest.json (counts per
 * file and class, columns and classes this iTop lacks). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ex.h"
#include "hm_extract.h"
#include "hm_run.h"

static const char *usage =
    "usage: hmaprun extract itop --url URL --out DIR MAP.hbc [--since DATE] [--resume]\n"
    "                            [--credentials-file FILE] [--page-size N] [--rate N]\n"
    "\n"
    "  --url URL          the iTop root (the folder holding webservices/rest.php)\n"
    "  --out DIR          the export folder the map reads (hmaprun plan --data DIR)\n"
    "  --since DATE       only tickets and attachments changed since DATE (Y-m-d[ H:i:s],\n"
    "                     iTop's time zone): the delta before a cutover\n"
    "  --resume           keep the files a stopped extraction finished\n"
    "  --credentials-file FILE  lines user=LOGIN and password=SECRET; default: the\n"
    "                     environment HMAP_ITOP_USER and HMAP_ITOP_PASSWORD\n"
    "  --page-size N      objects per REST call (default 100)\n"
    "  --rate N           at most N REST calls a second on average (default 20)\n"
    "\n"
    "exit: 0 done, 2 usage or unreadable input, 3 iTop refused, 4 no answer (run again with "
    "--resume)\n";

typedef struct ex_opts {
  const char *url, *out, *hbc, *creds_file, *since;
  int resume;
  long page_size;
  double rate;
} ex_opts;

typedef struct ex_run {
  ex_opts o;
  ex_rest rest;
  cJSON *manifest, *files, *missing_cols, *missing_classes;
  long nfiles;
} ex_run;

static int parse_opts(int argc, char **argv, ex_opts *o) {
  memset(o, 0, sizeof *o);
  o->page_size = 100;
  o->rate = 20;
  if (argc < 2 || strcmp(argv[1], "itop")) return -1;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--resume")) { o->resume = 1; continue; }
    if (a[0] != '-') { if (o->hbc) return -1; o->hbc = a; continue; }
    if (!v) return -1;
    i++;
    if (!strcmp(a, "--url")) o->url = v;
    else if (!strcmp(a, "--out")) o->out = v;
    else if (!strcmp(a, "--since")) o->since = v;
    else if (!strcmp(a, "--credentials-file")) o->creds_file = v;
    else if (!strcmp(a, "--page-size")) o->page_size = atol(v);
    else if (!strcmp(a, "--rate")) o->rate = atof(v);
    else return -1;
  }
  if (!o->url || !o->out || !o->hbc || o->page_size < 1 || o->rate <= 0) return -1;
  return 0;
}

/* ---------------------------------------------------------------- credentials */

/* Read by run's one credentials reader (rn_creds.c): file lines user=/password=
 * (or the variables' names), else the environment. */
static const char *const ITOP_USER[] = {"HMAP_ITOP_USER", "user", NULL};
static const char *const ITOP_SECRET[] = {"HMAP_ITOP_PASSWORD", "password", NULL};
static const hm_creds_source ITOP_CREDS = {
    ITOP_USER, ITOP_SECRET,
    "no iTop credentials: set HMAP_ITOP_USER and HMAP_ITOP_PASSWORD, or pass "
    "--credentials-file FILE (lines user=... and password=...)"};

/* ---------------------------------------------------------------- one job */

static void join_fields(hm_buf *b, const ex_job *j) {
  for (size_t i = 0; i < j->nfields; i++) {
    if (i) hm_buf_putc(b, ',');
    hm_buf_puts(b, j->fields[i]);
  }
}

/* `SELECT cls`, or its delta: tickets by last_update, files by creation_date.
   A class without that attribute is extracted whole (the run's --delta skips
   what is already migrated). */
static void oql_of(hm_buf *q, const ex_job *j, const char *since, int delta) {
  hm_buf_printf(q, "SELECT %s", j->cls);
  if (!since || !delta) return;
  const char *att = j->files_dir ? "creation_date" : "last_update";
  hm_buf_printf(q, " WHERE %s >= '%s'", att, since);
}

/* The attribute named in "invalid attribute code 'X'" (NULL if not that). */
static char *bad_attribute(const char *err) {
  const char *p = strstr(err, "invalid attribute code '");
  if (!p) return NULL;
  p += 24;
  return strndup(p, strcspn(p, "'"));
}

static void drop_field(ex_job *j, const char *f) {
  size_t k = 0;
  for (size_t i = 0; i < j->nfields; i++)
    if (strcmp(j->fields[i], f)) j->fields[k++] = j->fields[i];
  j->nfields = k;
}

typedef struct job_out { hm_buf csv; cJSON *objects; long count, files; } job_out;

static int save_files(ex_run *x, const ex_job *j, const char *id, const cJSON *fields,
                      char *err, size_t errlen) {
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(fields, "contents");
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(c, "data");
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "filename");
  if (!cJSON_IsString(data)) return 0;
  char safe[256], rel[512];
  ex_safe_name(safe, sizeof safe, cJSON_IsString(name) ? name->valuestring : "");
  snprintf(rel, sizeof rel, "%s/%s/%s", j->files_dir, id, safe);
  hm_buf bytes; hm_buf_init(&bytes);
  int rc = 0;
  if (ex_b64_decode(&bytes, data->valuestring))
    fprintf(stderr, "hmaprun: warning: %s %s: contents are not base64; file not written\n",
            j->cls, id);
  else if (ex_write_file(x->o.out, rel, bytes.data, bytes.len)) {
    snprintf(err, errlen, "%s/%s: cannot write", x->o.out, rel);
    rc = 2;
  }
  hm_buf_free(&bytes);
  return rc;
}

static int one_object(ex_run *x, const ex_job *j, const cJSON *obj, job_out *out,
                      char *err, size_t errlen) {
  const cJSON *fields = cJSON_GetObjectItemCaseSensitive(obj, "fields");
  const cJSON *key = cJSON_GetObjectItemCaseSensitive(obj, "key");
  char id[32];
  if (cJSON_IsString(key)) snprintf(id, sizeof id, "%s", key->valuestring);
  else snprintf(id, sizeof id, "%d", cJSON_IsNumber(key) ? key->valueint : 0);
  out->count++;
  if (j->kind == EX_CSV) { ex_csv_row(&out->csv, j, fields); return 0; }
  if (j->kind == EX_JSON) {
    cJSON_AddItemToObject(out->objects, obj->string, cJSON_Duplicate(obj, 1));
    if (!j->files_dir || !cJSON_GetObjectItemCaseSensitive(fields, "contents")) return 0;
    out->files++;
    return save_files(x, j, id, fields, err, errlen);
  }
  /* EX_OBJFILES: one reply per object, named after its id */
  cJSON *reply = cJSON_CreateObject();
  cJSON_AddNumberToObject(reply, "code", 0);
  cJSON_AddStringToObject(reply, "message", "Found: 1");
  cJSON *objs = cJSON_AddObjectToObject(reply, "objects");
  cJSON_AddItemToObject(objs, obj->string, cJSON_Duplicate(obj, 1));
  char *text = cJSON_PrintUnformatted(reply);
  cJSON_Delete(reply);
  hm_buf rel; hm_buf_init(&rel);
  const char *star = strchr(j->path, '*');
  hm_buf_put(&rel, j->path, (size_t)(star - j->path));
  hm_buf_puts(&rel, id);
  hm_buf_puts(&rel, star + 1);
  int rc = ex_write_file(x->o.out, hm_buf_cstr(&rel), text, strlen(text));
  if (rc) snprintf(err, errlen, "%s/%s: cannot write", x->o.out, hm_buf_cstr(&rel));
  hm_buf_free(&rel);
  free(text);
  return rc ? 2 : 0;
}

/* Every page of the job's query; 0, or an exit code with err. */
static int fetch_pages(ex_run *x, const ex_job *j, int delta, job_out *out, char *err,
                       size_t errlen) {
  hm_buf q, f; hm_buf_init(&q); hm_buf_init(&f);
  oql_of(&q, j, x->o.since, delta);
  join_fields(&f, j);
  hm_seen seen = {0};
  int rc = 0;
  for (long page = 1; !rc; page++) {
    cJSON *ans;
    rc = ex_rest_get(&x->rest, j->cls, hm_buf_cstr(&q), hm_buf_cstr(&f), x->o.page_size, page,
                     &ans, err, errlen);
    if (rc) break;
    const cJSON *objs = cJSON_GetObjectItemCaseSensitive(ans, "objects"), *o;
    long n = 0;
    cJSON_ArrayForEach(o, objs) {
      n++;
      /* pages of a changing class may overlap: each object once */
      if (!rc && !hm_seen_add(&seen, o->string)) rc = one_object(x, j, o, out, err, errlen);
    }
    cJSON_Delete(ans);
    fprintf(stderr, "extract: %-28s %6ld objects (%ld REST calls)\n", j->path, out->count,
            x->rest.requests);
    if (n < x->o.page_size) break;
  }
  hm_seen_free(&seen);
  hm_buf_free(&q);
  hm_buf_free(&f);
  return rc;
}

static int write_out(ex_run *x, const ex_job *j, job_out *out, char *err, size_t errlen) {
  int rc = 0;
  if (j->kind == EX_OBJFILES) {
    /* the folder of the per-object files, even with none in it */
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", (int)(strchr(j->path, '*') - j->path), j->path);
    rc = ex_make_dir(x->o.out, dir);
  } else if (j->kind == EX_CSV) {
    rc = ex_write_file(x->o.out, j->path, out->csv.data, out->csv.len);
  } else if (j->kind == EX_JSON) {
    cJSON *reply = cJSON_CreateObject();
    cJSON_AddNumberToObject(reply, "code", 0);
    char msg[48];
    snprintf(msg, sizeof msg, "Found: %ld", out->count);
    cJSON_AddStringToObject(reply, "message", msg);
    cJSON_AddItemToObject(reply, "objects", out->objects);
    out->objects = NULL;
    char *text = cJSON_PrintUnformatted(reply);
    cJSON_Delete(reply);
    rc = ex_write_file(x->o.out, j->path, text, strlen(text));
    free(text);
  }
  if (rc) snprintf(err, errlen, "%s/%s: cannot write", x->o.out, j->path);
  return rc ? 2 : 0;
}

static void note_job(ex_run *x, const ex_job *j, long count, long files) {
  cJSON *e = cJSON_AddObjectToObject(x->files, j->path);
  cJSON_AddStringToObject(e, "class", j->cls);
  cJSON_AddNumberToObject(e, "count", (double)count);
  if (files) cJSON_AddNumberToObject(e, "files", (double)files);
}

/* One job, retried without a column this iTop lacks (a column of a stdlib
   schema the export may leave out: the plan reports it); a class this iTop
   lacks is left out of the folder and named in the manifest. */
static int run_job(ex_run *x, ex_job *j, char *err, size_t errlen) {
  for (int delta = x->o.since != NULL;;) {
    job_out out = { .count = 0 };
    hm_buf_init(&out.csv);
    if (j->kind == EX_CSV) ex_csv_header(&out.csv, j);
    out.objects = cJSON_CreateObject();
    int rc = fetch_pages(x, j, delta, &out, err, errlen);
    if (!rc) rc = write_out(x, j, &out, err, errlen);
    if (!rc) note_job(x, j, out.count, out.files);
    hm_buf_free(&out.csv);
    cJSON_Delete(out.objects);
    if (rc != 3) return rc;
    char *bad = bad_attribute(err);
    if (bad && !j->declared && strcmp(bad, "id")) {
      fprintf(stderr, "hmaprun: warning: %s: this iTop's %s has no attribute %s: column left "
                      "out (the plan reports it)\n", j->path, j->cls, bad);
      char col[256];
      snprintf(col, sizeof col, "%s.%s", j->cls, bad);
      cJSON_AddItemToArray(x->missing_cols, cJSON_CreateString(col));
      drop_field(j, bad);
      free(bad);
      continue;
    }
    free(bad);
    if (strstr(err, "is not a valid class")) {
      fprintf(stderr, "hmaprun: warning: %s: this iTop has no class %s: file not written\n",
              j->path, j->cls);
      cJSON_AddItemToArray(x->missing_classes, cJSON_CreateString(j->cls));
      return 0;
    }
    if (!delta) return rc;
    delta = 0;   /* no last_update/creation_date on this class: all of it */
  }
}

/* ---------------------------------------------------------------- resume, manifest */

/* With --resume, the files of the previous manifest are kept as they are. */
static cJSON *previous_manifest(const ex_run *x) {
  char path[4096];
  snprintf(path, sizeof path, "%s/manifest.json", x->o.out);
  hm_buf b; hm_buf_init(&b);
  cJSON *m = hm_buf_read_path(&b, path) ? NULL : cJSON_ParseWithLength(b.data, b.len);
  hm_buf_free(&b);
  return m;
}

static int write_manifest(ex_run *x, int complete) {
  cJSON_ReplaceItemInObject(x->manifest, "complete", cJSON_CreateBool(complete));
  char *text = cJSON_Print(x->manifest);
  int rc = ex_write_file(x->o.out, "manifest.json", text, strlen(text));
  free(text);
  return rc;
}

static void manifest_init(ex_run *x) {
  x->manifest = cJSON_CreateObject();
  cJSON_AddStringToObject(x->manifest, "source", "itop");
  cJSON_AddStringToObject(x->manifest, "url", x->o.url);
  if (x->o.since) cJSON_AddStringToObject(x->manifest, "since", x->o.since);
  cJSON_AddBoolToObject(x->manifest, "complete", 0);
  x->files = cJSON_AddObjectToObject(x->manifest, "files");
  x->missing_cols = cJSON_AddArrayToObject(x->manifest, "missing_columns");
  x->missing_classes = cJSON_AddArrayToObject(x->manifest, "missing_classes");
}

static int run_jobs(ex_run *x, ex_job *jobs, size_t n, char *err, size_t errlen) {
  cJSON *prev = x->o.resume ? previous_manifest(x) : NULL;
  const cJSON *done = cJSON_GetObjectItemCaseSensitive(prev, "files");
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const cJSON *had = cJSON_GetObjectItemCaseSensitive(done, jobs[i].path);
    if (had) {
      cJSON_AddItemToObject(x->files, jobs[i].path, cJSON_Duplicate(had, 1));
      fprintf(stderr, "extract: %-28s kept (--resume)\n", jobs[i].path);
      continue;
    }
    rc = run_job(x, &jobs[i], err, errlen);
    if (write_manifest(x, 0)) { snprintf(err, errlen, "%s: cannot write manifest.json", x->o.out);
                                rc = 2; }
  }
  cJSON_Delete(prev);
  if (!rc && write_manifest(x, 1)) {
    snprintf(err, errlen, "%s: cannot write manifest.json", x->o.out);
    rc = 2;
  }
  return rc;
}

static int extract(ex_run *x, const hm_creds *c, char *err, size_t errlen) {
  hm_program *p = hm_bc_load_file(x->o.hbc, err, errlen);
  if (!p) return 2;
  hm_arena a; hm_arena_init(&a, 1 << 16);
  ex_job *jobs; size_t n;
  int rc = ex_jobs_from_program(p, &a, &jobs, &n, err, errlen);
  hm_http_opts ho = { .time_scale = x->o.rate / 2, .max_answer_bytes = 512L << 20 };
  if (!rc && mkdir(x->o.out, 0755) && errno != EEXIST) {
    snprintf(err, errlen, "%s: cannot create the folder", x->o.out);
    rc = 2;
  }
  if (!rc) x->rest.http = hm_http_open(x->o.url, c, &ho, err, errlen);
  if (!rc && !x->rest.http) rc = 2;
  if (!rc) {
    manifest_init(x);
    rc = run_jobs(x, jobs, n, err, errlen);
    fprintf(stderr, "extract: %s: %zu files, %ld REST calls%s\n", x->o.out, n,
            x->rest.requests, rc ? ", stopped" : "");
  }
  if (x->rest.http) hm_http_close(x->rest.http);
  cJSON_Delete(x->manifest);
  hm_arena_free(&a);
  hm_bc_free(p);
  return rc;
}

int hm_extract_main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "atera")) return ex_atera_main(argc, argv);
  ex_run x;
  memset(&x, 0, sizeof x);
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(usage, stdout);
      return 0;
    }
  if (parse_opts(argc, argv, &x.o)) {
    fputs(usage, stderr);
    return 2;
  }
  char err[1024] = "";
  hm_creds c;
  int rc = hm_creds_read(&c, &ITOP_CREDS, x.o.creds_file, err, sizeof err);
  if (!rc && hm_run_curl_init()) { snprintf(err, sizeof err, "cannot initialise libcurl"); rc = 2; }
  if (!rc) rc = extract(&x, &c, err, sizeof err);
  hm_creds_scrub(&c, err);
  hm_creds_wipe(&c);
  if (rc) fprintf(stderr, "hmaprun: extract: %s\n", err);
  return rc;
}
