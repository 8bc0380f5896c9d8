/* ex_atera: `hmaprun extract atera` — an Atera account to the export folder
 * maps/atera_to_gorgias.hmap reads (docs/extract.md, docs/exports.md): the
 * paged lists (page/itemsInPage until nextLink is empty, pages of a live list
 * de-duplicated by key), per ticket its comments, work hours, attachment URLs
 * with their files and custom values, per customer and contact their custom
 * values, the account's time zone, and manifest.json: counts per file (which
 * `hmaprun plan` checks), tickets per status, each attachment saved, and the
 * finished units that --resume keeps. The API key comes from the environment or
 * a file, never argv (ex_ahttp.c sends it). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ex.h"
#include "hm_extract.h"
#include "hm_run.h"

static const char *usage =
    "usage: hmaprun extract atera --out DIR [--url URL] [--resume] [--credentials-file FILE]\n"
    "                             [--auth auto|x-api-key|bearer] [--page-size N] [--rate N]\n"
    "\n"
    "  --out DIR          the export folder maps/atera_to_gorgias.hmap reads\n"
    "  --url URL          the API root (default https://app.atera.com)\n"
    "  --resume           keep what a stopped extraction finished (from manifest.json)\n"
    "  --credentials-file FILE  a line key=SECRET; default: the environment HMAP_ATERA_API_KEY\n"
    "  --auth MODE        how the key is sent: X-API-KEY header, Bearer (a JWT), or auto\n"
    "                     (Bearer for a key over 100 characters, the default)\n"
    "  --page-size N      itemsInPage asked for (default 50, Atera's documented maximum)\n"
    "  --rate N           at most N requests a second on average (default 5)\n"
    "\n"
    "exit: 0 done, 2 usage or unwritable folder, 3 Atera refused, 4 no answer (run again "
    "with --resume)\n";

typedef struct ax_opts {
  const char *url, *out, *creds_file, *auth;
  int resume;
  long page_size;
  double rate;
} ax_opts;

typedef struct ax {
  ax_opts o;
  ex_ahttp *h;
  cJSON *manifest, *files, *done, *ids, *by_status, *saved;
  const char *cur_key;   /* the id member of the list being read (note_id) */
  long reported;         /* totalItemCount of the list's first page (-1: none) */
  char err[2048];
} ax;

typedef void (*item_fn)(ax *x, const cJSON *item);

static int parse_opts(int argc, char **argv, ax_opts *o) {
  memset(o, 0, sizeof *o);
  o->url = "https://app.atera.com";
  o->auth = "auto";
  o->page_size = 50;
  o->rate = 5;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--resume")) { o->resume = 1; continue; }
    if (!v) return -1;
    i++;
    if (!strcmp(a, "--url")) o->url = v;
    else if (!strcmp(a, "--out")) o->out = v;
    else if (!strcmp(a, "--credentials-file")) o->creds_file = v;
    else if (!strcmp(a, "--auth")) o->auth = v;
    else if (!strcmp(a, "--page-size")) o->page_size = atol(v);
    else if (!strcmp(a, "--rate")) o->rate = atof(v);
    else return -1;
  }
  if (strcmp(o->auth, "auto") && strcmp(o->auth, "x-api-key") && strcmp(o->auth, "bearer"))
    return -1;
  return o->out && o->page_size > 0 && o->rate > 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- the key */

static int take_key(char *dst, size_t cap, const char *v, char *err, size_t errlen) {
  size_t n = strcspn(v, "\r\n");
  if (!n || n >= cap) {
    snprintf(err, errlen, "the API key is %s", n ? "too long" : "empty");
    return 2;
  }
  memcpy(dst, v, n);
  dst[n] = 0;
  return 0;
}

static int load_key(char *key, size_t cap, const char *path, char *err, size_t errlen) {
  key[0] = 0;
  hm_secret_no_core();
  int rc = 0;
  if (path) {
    FILE *f = fopen(path, "r");
    if (!f) { snprintf(err, errlen, "%s: cannot read the credentials file", path); return 2; }
    char line[2100];
    while (!rc && fgets(line, sizeof line, f)) {
      char *eq = strchr(line, '=');
      if (line[0] == '#' || !eq) continue;
      *eq = 0;
      if (!strcmp(line, "key") || !strcmp(line, "HMAP_ATERA_API_KEY"))
        rc = take_key(key, cap, eq + 1, err, errlen);
    }
    fclose(f);
    hm_secret_wipe(line, sizeof line);
  } else {
    char *k = getenv("HMAP_ATERA_API_KEY");
    if (k) { rc = take_key(key, cap, k, err, errlen); hm_secret_wipe(k, strlen(k)); }
    unsetenv("HMAP_ATERA_API_KEY");
  }
  if (!rc && !key[0]) {
    snprintf(err, errlen, "no Atera API key: set HMAP_ATERA_API_KEY, or pass "
                          "--credentials-file FILE (a line key=...)");
    rc = 2;
  }
  return rc;
}

/* ---------------------------------------------------------------- one answer */

/* GET url as JSON: 0, 3 (refused, or not JSON) or 4 (no answer), err set. */
static int get_json(ax *x, const char *url, cJSON **ans) {
  hm_buf b; hm_buf_init(&b);
  char why[512] = "";
  long st = ex_ahttp_get(x->h, url, &b, why, sizeof why);
  *ans = st == 200 ? cJSON_ParseWithLength(b.data ? b.data : "", b.len) : NULL;
  hm_buf_free(&b);
  if (*ans) return 0;
  if (!st) { snprintf(x->err, sizeof x->err, "no answer from Atera for %s: %s", url, why);
             return 4; }
  if (st == 200)
    snprintf(x->err, sizeof x->err, "Atera answered %s with something that is not JSON", url);
  else if (st == 401 || st == 403)
    snprintf(x->err, sizeof x->err, "Atera refused %s (status %ld): check the API key "
             "(HMAP_ATERA_API_KEY or --credentials-file) and --auth", url, st);
  else snprintf(x->err, sizeof x->err, "Atera answered %s with status %ld", url, st);
  return 3;
}

/* Indented, so that a record's position in the report (FILE:LINE) names its line. */
static int write_json(ax *x, const char *rel, const cJSON *j) {
  char *text = cJSON_Print(j);
  int rc = text ? ex_write_file(x->o.out, rel, text, strlen(text)) : -1;
  free(text);
  if (rc) snprintf(x->err, sizeof x->err, "%s/%s: cannot write", x->o.out, rel);
  return rc ? 2 : 0;
}

/* The page files an earlier, stopped pass left in rel (a unit starts afresh). */
static void clear_pages(ax *x, const char *rel) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/%s", x->o.out, rel);
  DIR *d = opendir(dir);
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (!strncmp(e->d_name, "page-", 5)) {
      char f[4400];
      snprintf(f, sizeof f, "%s/%s", dir, e->d_name);
      unlink(f);
    }
  if (d) closedir(d);
}

/* The item's identity: its key member, or its whole text (comments have no id). */
static char *identity(const cJSON *it, const char *key) {
  const cJSON *k = key ? cJSON_GetObjectItemCaseSensitive(it, key) : NULL;
  char num[64];
  if (cJSON_IsNumber(k)) {
    snprintf(num, sizeof num, "#%.17g", k->valuedouble);
    return strdup(num);
  }
  if (cJSON_IsString(k)) {
    char *s = malloc(strlen(k->valuestring) + 2);
    if (s) sprintf(s, "$%s", k->valuestring);
    return s;
  }
  return cJSON_PrintUnformatted(it);
}

/* Whether the page after this one exists: nextLink when the answer has it
   ("" or null at the end), else totalPages, else a full page. */
static int more_pages(const cJSON *ans, long page, long got, long asked) {
  const cJSON *nl = cJSON_GetObjectItemCaseSensitive(ans, "nextLink");
  const cJSON *tp = cJSON_GetObjectItemCaseSensitive(ans, "totalPages");
  if (!got) return 0;
  if (cJSON_IsString(nl)) return nl->valuestring[0] != 0;
  if (nl) return 0;
  if (cJSON_IsNumber(tp)) return page < (long)tp->valuedouble;
  return got >= asked;
}

/* Every page of api into rel/page-NNNN.json, each item once. */
static int paged(ax *x, const char *api, const char *rel, const char *key, item_fn fn,
                 long *count) {
  clear_pages(x, rel);
  x->reported = -1;
  hm_seen seen = {0};
  int rc = 0;
  for (long page = 1; !rc; page++) {
    char url[2048], out[2048];
    snprintf(url, sizeof url, "%s%cpage=%ld&itemsInPage=%ld", api, strchr(api, '?') ? '&' : '?',
             page, x->o.page_size);
    cJSON *ans;
    if ((rc = get_json(x, url, &ans))) break;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(ans, "items"), *it;
    if (!cJSON_IsObject(ans) || (items && !cJSON_IsArray(items) && !cJSON_IsNull(items))) {
      snprintf(x->err, sizeof x->err, "Atera answered %.1900s with no page of items", url);
      cJSON_Delete(ans);
      rc = 3;
      break;
    }
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(ans, "totalItemCount");
    if (page == 1 && cJSON_IsNumber(total)) x->reported = (long)total->valuedouble;
    cJSON *keep = cJSON_CreateArray();
    long got = 0;
    cJSON_ArrayForEach(it, items) {
      got++;
      char *id = identity(it, key);
      int again = id ? hm_seen_add(&seen, id) : 0;
      free(id);
      if (again) continue;   /* a live list shifted between two pages */
      (*count)++;
      if (fn) fn(x, it);
      cJSON_AddItemToArray(keep, cJSON_Duplicate(it, 1));
    }
    if (items) cJSON_ReplaceItemInObjectCaseSensitive(ans, "items", keep);
    else cJSON_Delete(keep);
    snprintf(out, sizeof out, "%s/page-%04ld.json", rel, page);
    rc = write_json(x, out, ans);
    int more = more_pages(ans, page, got, x->o.page_size);
    cJSON_Delete(ans);
    if (!more) break;
  }
  hm_seen_free(&seen);
  return rc;
}

/* A bare array (attachments, custom values) to rel: 0 or an exit code; *arr
   keeps the answer when arr is given. */
static int bare(ax *x, const char *api, const char *rel, cJSON **arr) {
  cJSON *ans;
  int rc = get_json(x, api, &ans);
  if (rc) return rc;
  if (cJSON_IsNull(ans)) { cJSON_Delete(ans); ans = cJSON_CreateArray(); }
  if (!cJSON_IsArray(ans)) {
    snprintf(x->err, sizeof x->err, "Atera answered %s with no array", api);
    cJSON_Delete(ans);
    return 3;
  }
  rc = write_json(x, rel, ans);
  if (arr && !rc) *arr = ans;
  else cJSON_Delete(ans);
  return rc;
}

/* ---------------------------------------------------------------- manifest */

static int unit_done(const ax *x, const char *unit) {
  const cJSON *u;
  cJSON_ArrayForEach(u, x->done)
    if (cJSON_IsString(u) && !strcmp(u->valuestring, unit)) return 1;
  return 0;
}

static int save_manifest(ax *x, int complete) {
  cJSON_ReplaceItemInObjectCaseSensitive(x->manifest, "complete", cJSON_CreateBool(complete));
  char *text = cJSON_Print(x->manifest);
  int rc = text ? ex_write_file(x->o.out, "manifest.json", text, strlen(text)) : -1;
  free(text);
  if (rc) snprintf(x->err, sizeof x->err, "%s/manifest.json: cannot write", x->o.out);
  return rc ? 2 : 0;
}

static int finish_unit(ax *x, const char *unit) {
  cJSON_AddItemToArray(x->done, cJSON_CreateString(unit));
  return save_manifest(x, 0);
}

static cJSON *member(cJSON *prev, const char *name, int array) {
  cJSON *m = cJSON_DetachItemFromObjectCaseSensitive(prev, name);
  if (m && (array ? cJSON_IsArray(m) : cJSON_IsObject(m))) return m;
  cJSON_Delete(m);
  return array ? cJSON_CreateArray() : cJSON_CreateObject();
}

static void manifest_init(ax *x) {
  cJSON *prev = NULL;
  if (x->o.resume) {
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.json", x->o.out);
    hm_buf b; hm_buf_init(&b);
    if (!hm_buf_read_path(&b, path)) prev = cJSON_ParseWithLength(b.data, b.len);
    hm_buf_free(&b);
  }
  cJSON *m = x->manifest = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "source", "atera");
  cJSON_AddStringToObject(m, "url", x->o.url);
  cJSON_AddBoolToObject(m, "complete", 0);
  cJSON *tz = cJSON_DetachItemFromObjectCaseSensitive(prev, "time_zone");
  cJSON_AddItemToObject(m, "time_zone", tz ? tz : cJSON_CreateNull());
  cJSON_AddItemToObject(m, "files", x->files = member(prev, "files", 0));
  x->by_status = member(prev, "tickets_by_status", 0);
  cJSON_AddItemToObject(m, "tickets_by_status", x->by_status);
  cJSON_AddItemToObject(m, "attachments", x->saved = member(prev, "attachments", 1));
  cJSON_AddItemToObject(m, "ids", x->ids = member(prev, "ids", 0));
  cJSON_AddItemToObject(m, "done", x->done = member(prev, "done", 1));
  cJSON_Delete(prev);
}

static void count_file(ax *x, const char *path, long n) {
  cJSON *e = cJSON_CreateObject();
  cJSON_AddNumberToObject(e, "count", (double)n);
  if (cJSON_GetObjectItemCaseSensitive(x->files, path))
    cJSON_ReplaceItemInObjectCaseSensitive(x->files, path, e);
  else cJSON_AddItemToObject(x->files, path, e);
}

/* ---------------------------------------------------------------- the lists */

static void note_id(ax *x, const cJSON *it) {
  const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, x->cur_key);
  cJSON *arr = cJSON_GetObjectItemCaseSensitive(x->ids, x->cur_key);
  if (cJSON_IsNumber(k)) cJSON_AddItemToArray(arr, cJSON_CreateNumber(k->valuedouble));
  if (strcmp(x->cur_key, "TicketID")) return;
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "TicketStatus");
  const char *st = cJSON_IsString(s) ? s->valuestring : "(none)";
  cJSON *n = cJSON_GetObjectItemCaseSensitive(x->by_status, st);
  if (n) cJSON_SetNumberValue(n, n->valuedouble + 1);
  else cJSON_AddNumberToObject(x->by_status, st, 1);
}

static int one_list(ax *x, const ex_atera_list *l) {
  if (unit_done(x, l->path)) {
    fprintf(stderr, "extract: %-28s kept (--resume)\n", l->path);
    return 0;
  }
  int ids = !strcmp(l->path, "customers") || !strcmp(l->path, "contacts") ||
            !strcmp(l->path, "tickets");
  cJSON_DeleteItemFromObjectCaseSensitive(x->ids, l->key);
  cJSON_AddItemToObject(x->ids, l->key, cJSON_CreateArray());
  if (!strcmp(l->path, "tickets")) {
    cJSON_DeleteItemFromObjectCaseSensitive(x->manifest, "tickets_by_status");
    cJSON_AddItemToObject(x->manifest, "tickets_by_status", x->by_status = cJSON_CreateObject());
  }
  long n = 0;
  x->cur_key = l->key;
  int rc = paged(x, l->api, l->path, l->key, ids ? note_id : NULL, &n);
  x->cur_key = NULL;
  fprintf(stderr, "extract: %-28s %6ld records (%ld requests)\n", l->path, n,
          ex_ahttp_stats(x->h)->requests);
  if (rc) return rc;
  count_file(x, l->path, n);
  if (x->reported >= 0) {
    /* a live list: records made or deleted while it was read (sources-atera-smartertrack.md
       AT-9); the plan checks `count`, this says what Atera announced */
    cJSON_AddNumberToObject(cJSON_GetObjectItemCaseSensitive(x->files, l->path), "reported",
                            (double)x->reported);
    if (x->reported != n)
      fprintf(stderr, "hmaprun: warning: %s: Atera announced %ld records, %ld were read (the "
                      "list changed while it was read?): run again before the cutover\n",
              l->path, x->reported, n);
  }
  return finish_unit(x, l->path);
}

/* ---------------------------------------------------------------- per record */

/* The file name the map gives an attachment: the URL's last path segment
   without query or fragment (maps/atera_to_gorgias.hmap), made one safe path
   component. */
static void attachment_name(const char *url, char *out, size_t cap) {
  size_t end = strcspn(url, "?#");
  const char *seg = url;
  for (size_t i = 0; i < end; i++) if (url[i] == '/') seg = url + i + 1;
  char raw[1024];
  size_t n = (size_t)(url + end - seg) < sizeof raw - 1 ? (size_t)(url + end - seg)
                                                         : sizeof raw - 1;
  memcpy(raw, seg, n);
  raw[n] = 0;
  ex_safe_name(out, cap, raw);
}

/* Each attachment URL at once (a signed URL may expire): a file that cannot
   be fetched is a warning and a manifest entry, and the plan rejects the
   ticket's attachment note as "missing from the export" — never silent. */
static int download(ax *x, long id, const char *url) {
  char name[512], rel[600], why[512] = "";
  attachment_name(url, name, sizeof name);
  snprintf(rel, sizeof rel, "tickets/%ld/attachments/%s", id, name);
  hm_buf b; hm_buf_init(&b);
  long st = ex_ahttp_get(x->h, url, &b, why, sizeof why);
  cJSON *e = cJSON_CreateObject();
  cJSON_AddNumberToObject(e, "ticket", (double)id);
  char *plain = strndup(url, strcspn(url, "?#"));   /* a signed query is a credential */
  cJSON_AddStringToObject(e, "url", plain ? plain : "");
  free(plain);
  int rc = 0;
  if (st == 200) {
    rc = ex_write_file(x->o.out, rel, b.data ? b.data : "", b.len) ? 2 : 0;
    if (rc) snprintf(x->err, sizeof x->err, "%s/%s: cannot write", x->o.out, rel);
    cJSON_AddStringToObject(e, "saved_as", rel);
    cJSON_AddNumberToObject(e, "bytes", (double)b.len);
  } else {
    fprintf(stderr, "hmaprun: warning: ticket %ld: attachment %s not downloaded (%s%ld): the "
                    "plan reports it missing\n", id, name, st ? "status " : "no answer, ", st);
    cJSON_AddStringToObject(e, "failed", st ? "status" : "no answer");
  }
  cJSON_AddItemToArray(x->saved, e);
  hm_buf_free(&b);
  return rc;
}

/* The manifest's attachment entries of ticket id (a unit a stopped run began). */
static void forget_attachments(ax *x, long id) {
  for (int i = cJSON_GetArraySize(x->saved) - 1; i >= 0; i--) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(x->saved, i), "ticket");
    if (cJSON_IsNumber(t) && (long)t->valuedouble == id) cJSON_DeleteItemFromArray(x->saved, i);
  }
}

static int one_ticket(ax *x, long id) {
  char api[256], rel[256], unit[64];
  snprintf(unit, sizeof unit, "tickets/%ld", id);
  if (unit_done(x, unit)) return 0;
  forget_attachments(x, id);
  long n = 0;
  snprintf(api, sizeof api, EX_ATERA.comments, id);
  snprintf(rel, sizeof rel, "tickets/%ld/comments", id);
  int rc = paged(x, api, rel, NULL, NULL, &n);
  snprintf(api, sizeof api, EX_ATERA.workhours, id);
  snprintf(rel, sizeof rel, "tickets/%ld/workhoursrecords", id);
  if (!rc) rc = paged(x, api, rel, "WorkHoursID", NULL, &n);
  snprintf(api, sizeof api, EX_ATERA.ticket_values, id);
  snprintf(rel, sizeof rel, "customvalues/ticketfields/%ld.json", id);
  if (!rc) rc = bare(x, api, rel, NULL);
  cJSON *urls = NULL;
  snprintf(api, sizeof api, EX_ATERA.attachments, id);
  snprintf(rel, sizeof rel, "tickets/%ld/attachments.json", id);
  if (!rc) rc = bare(x, api, rel, &urls);
  const cJSON *u;
  cJSON_ArrayForEach(u, urls)
    if (!rc && cJSON_IsString(u)) rc = download(x, id, u->valuestring);
  cJSON_Delete(urls);
  return rc ? rc : finish_unit(x, unit);
}

/* Custom values of each customer or contact (what: customerfields/contactfields). */
static int values_of(ax *x, const char *key, const char *what) {
  const cJSON *id;
  int rc = 0;
  cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(x->ids, key)) {
    char api[256], rel[256];
    snprintf(rel, sizeof rel, "customvalues/%s/%.0f.json", what, id->valuedouble);
    if (rc || unit_done(x, rel)) continue;
    snprintf(api, sizeof api, EX_ATERA.values, what, id->valuedouble);
    rc = bare(x, api, rel, NULL);
    if (!rc) rc = finish_unit(x, rel);
  }
  return rc;
}

static int account(ax *x) {
  if (unit_done(x, "account")) return 0;
  cJSON *ans;
  int rc = get_json(x, EX_ATERA.account, &ans);
  if (rc) return rc;
  const cJSON *tz = cJSON_GetObjectItemCaseSensitive(ans, "TimeZoneName");
  if (cJSON_IsString(tz)) {
    cJSON_ReplaceItemInObjectCaseSensitive(x->manifest, "time_zone",
                                           cJSON_CreateString(tz->valuestring));
    fprintf(stderr, "extract: the account's time zone is \"%s\" (Atera's dates carry no zone: "
                    "plan with --set atera_timezone=<its IANA name>)\n", tz->valuestring);
  }
  cJSON_Delete(ans);
  return finish_unit(x, "account");
}

static int extract(ax *x) {
  int rc = account(x);
  for (size_t i = 0; !rc && i < EX_ATERA.nlists; i++) rc = one_list(x, &EX_ATERA.lists[i]);
  if (!rc && !unit_done(x, "customvalues/customfields.json")) {
    cJSON *defs = NULL;
    rc = bare(x, EX_ATERA.custom_fields, "customvalues/customfields.json", &defs);
    if (!rc) count_file(x, "customvalues/customfields.json", cJSON_GetArraySize(defs));
    cJSON_Delete(defs);
    if (!rc) rc = finish_unit(x, "customvalues/customfields.json");
  }
  const cJSON *id;
  long done = 0;
  cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(x->ids, "TicketID"))
    if (!rc && !(rc = one_ticket(x, (long)id->valuedouble))) done++;
  fprintf(stderr, "extract: %-28s %6ld tickets (%ld requests)\n", "tickets/*", done,
          ex_ahttp_stats(x->h)->requests);
  if (!rc) rc = values_of(x, "CustomerID", "customerfields");
  if (!rc) rc = values_of(x, "EndUserID", "contactfields");
  if (!rc) rc = save_manifest(x, 1);
  else save_manifest(x, 0);
  return rc;
}

int ex_atera_main(int argc, char **argv) {
  ax x;
  memset(&x, 0, sizeof x);
  if (parse_opts(argc, argv, &x.o)) { fputs(usage, stderr); return 2; }
  char key[2048];
  int rc = load_key(key, sizeof key, x.o.creds_file, x.err, sizeof x.err);
  int bearer = !strcmp(x.o.auth, "bearer") || (!strcmp(x.o.auth, "auto") && strlen(key) > 100);
  if (!rc && hm_run_curl_init()) {
    snprintf(x.err, sizeof x.err, "cannot initialise libcurl");
    rc = 2;
  }
  if (!rc && mkdir(x.o.out, 0755) && errno != EEXIST) {
    snprintf(x.err, sizeof x.err, "%s: cannot create the folder", x.o.out);
    rc = 2;
  }
  if (!rc && !(x.h = ex_ahttp_open(x.o.url, key, bearer, x.o.rate))) {
    snprintf(x.err, sizeof x.err, "cannot start libcurl");
    rc = 2;
  }
  hm_secret_wipe(key, sizeof key);
  if (!rc) {
    manifest_init(&x);
    rc = extract(&x);
    const ex_astats *s = ex_ahttp_stats(x.h);
    fprintf(stderr, "extract: %s: %ld requests, %ld throttled (429), %ld retried%s\n", x.o.out,
            s->requests, s->throttled, s->retries, rc ? ", stopped" : "");
  }
  ex_ahttp_close(x.h);
  cJSON_Delete(x.manifest);
  if (rc) fprintf(stderr, "hmaprun: extract atera: %s\n", x.err);
  return rc;
}
