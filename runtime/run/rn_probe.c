/* rn_probe: `hmaprun probe`, the facts of one Gorgias account that no public
 * source settles, learned by a handful of reversible calls: a test customer, a
 * back-dated imported ticket with an agent message and an internal note, a PUT
 * of created_datetime, a message whose sender has neither id nor e-mail, and
 * with --help-center-id a draft Help Center article embedding an image
 * uploaded as a public attachment, fetched back as a visitor (through the Help
 * Center's own host and token when --help-center-url names one). Each
 * answer is read back and compared with what was sent. Before each create the
 * probe's state (SQLite, table probe_made) holds the list that finds the object
 * by its external id, once created its own path; all are deleted at the end,
 * or by the next probe (or `probe --cleanup`), which first deletes what a
 * killed one left; uploads, which Gorgias cannot delete, are listed. Only real
 * API routes (never /_sandbox). Writes probe.json: {"target", "facts": [{"fact",
 * "value", "evidence"}], "deleted", "left_behind", "undeletable"}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "hm_gorgias.h"
#include "hm_run.h"
#include "rn.h"

static const char *probe_usage =
    "usage: hmaprun probe --target URL --out probe.json [--state FILE] [--credentials-file F]\n"
    "                     [--time-scale X] [--help-center-url URL --help-center-id N]\n"
    "       hmaprun probe --target URL --cleanup [--state FILE] [--out probe.json]\n"
    "\n"
    "  makes a few reversible calls on the account (a test customer, a back-dated\n"
    "  ticket with an agent message and an internal note), compares what Gorgias\n"
    "  kept with what was sent, deletes what it made and writes the facts to --out.\n"
    "  --state FILE   what the probe made, until deleted (default probe.db); a later\n"
    "                 probe deletes what a killed one left\n"
    "  --help-center-id N  also a draft Help Center article in Help Center N with an image\n"
    "                 uploaded as a public attachment (read back, the image fetched\n"
    "                 without credentials, the article deleted), through\n"
    "                 --help-center-url's token host when given\n"
    "  --cleanup      only delete what the state lists (a killed probe's objects)\n"
    "  credentials as for run: GORGIAS_EMAIL and GORGIAS_API_KEY, or --credentials-file\n"
    "\n"
    "exit: 0 facts written, 2 usage or unreadable input, 3 refused, 4 left objects behind\n";

/* The probe's invariant back-dating: far enough back that "now" never equals it. */
#define PROBE_CREATED "2020-01-02T03:04:05Z"
#define PROBE_PUT_CREATED "2019-05-06T07:08:09Z"

typedef struct probe {
  hm_http *h;
  const char *hc_id;   /* the Help Center the draft article goes into, or NULL */
  sqlite3 *db;
  cJSON *facts;
  cJSON *undeletable;  /* what Gorgias cannot delete (uploads): listed, never left silently */
  char tag[48];        /* unique per probe: names, e-mails and external ids carry it */
} probe;

static int db_exec(sqlite3 *db, const char *sql, const char *arg) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  if (arg) sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

static int db_exec2(sqlite3 *db, const char *sql, const char *a, const char *b) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

static int state_open(probe *p, const char *path, char *err, size_t n) {
  if (sqlite3_open(path, &p->db) != SQLITE_OK ||
      db_exec(p->db, "CREATE TABLE IF NOT EXISTS probe_made (path TEXT PRIMARY KEY, "
                     "item TEXT, made TEXT DEFAULT CURRENT_TIMESTAMP)", NULL)) {
    snprintf(err, n, "%s: %s", path, sqlite3_errmsg(p->db));
    return 2;
  }
  return 0;
}

/* Remembered before the probe goes on: a kill after this line leaves a row
   the next probe deletes. */
static int remember(probe *p, const char *path) {
  return db_exec(p->db, "INSERT OR IGNORE INTO probe_made(path) VALUES (?)", path);
}

static void fact(probe *p, const char *name, const char *value, cJSON *evidence) {
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "fact", name);
  cJSON_AddStringToObject(f, "value", value);
  cJSON_AddItemToObject(f, "evidence", evidence ? evidence : cJSON_CreateObject());
  cJSON_AddItemToArray(p->facts, f);
}

/* The evidence of one call: method, path, status and what came back wrong. */
static cJSON *evidence(const char *method, const char *path, const hm_http_resp *r) {
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "request", method);
  cJSON_AddStringToObject(e, "path", path);
  cJSON_AddNumberToObject(e, "status", (double)r->status);
  if (r->status >= 400 || r->status == 0) cJSON_AddStringToObject(e, "error", r->err);
  return e;
}

static int ok(const hm_http_resp *r) { return r->status >= 200 && r->status < 300; }

/* The list that finds an object by the external id it was created with: a
   probe killed while its create was under way leaves this row, and the next
   one deletes what the list holds. */
static int remember_lookup(probe *p, const char *coll, const char *item_tmpl, const cJSON *body,
                           char *query, size_t cap) {
  const char *param = hm_gorgias_filter(coll, "external_id");
  const char *ext = hm_rn_json_str(body, "external_id");
  if (!param || !ext) return -1;
  hm_buf b = {0};
  hm_buf_printf(&b, "%s?%s=", coll, param);
  hm_http_query_escape(&b, ext);
  snprintf(query, cap, "%s", b.data);
  hm_buf_free(&b);
  return db_exec2(p->db, "INSERT OR IGNORE INTO probe_made(path, item) VALUES (?, ?)", query,
                  item_tmpl);
}

/* POST body to coll; on success the new object's item path in item and its id.
   The lookup row stands until the item's own row is written. */
static long long create(probe *p, const char *coll, const char *item_tmpl, const cJSON *body,
                        char *item, size_t cap, hm_http_resp *r) {
  char query[320];
  if (remember_lookup(p, coll, item_tmpl, body, query, sizeof query)) return 0;
  hm_http_request(p->h, "POST", coll, body, 0, r);
  long long id = ok(r) ? hm_rn_json_id(r->json) : 0;
  if (!id) return 0;   /* the lookup row stays: an unanswered create may have landed */
  char num[32];
  snprintf(num, sizeof num, "%lld", id);
  hm_gorgias_fill(item, cap, item_tmpl, num);
  if (remember(p, item) == 0) db_exec(p->db, "DELETE FROM probe_made WHERE path = ?", query);
  return id;
}

/* GET item and compare with sent: the fields kept, or the differences. */
static void read_back(probe *p, const char *name, const char *item, const cJSON *sent) {
  hm_http_resp r = {0};
  hm_http_request(p->h, "GET", item, NULL, 1, &r);
  cJSON *ev = evidence("GET", item, &r);
  hm_buf diff = {0};
  int n = ok(&r) ? hm_rn_json_diff(sent, r.json, "", &diff) : -1;
  if (n > 0) cJSON_AddStringToObject(ev, "differences", diff.data ? diff.data : "");
  fact(p, name, n == 0 ? "kept" : n > 0 ? "changed" : "unreadable", ev);
  hm_buf_free(&diff);
  hm_http_resp_free(&r);
}

static long long probe_customer(probe *p, char *item, size_t cap) {
  char email[96], ext[80];
  snprintf(email, sizeof email, "%s@example.invalid", p->tag);
  snprintf(ext, sizeof ext, "%s:customer", p->tag);
  cJSON *b = cJSON_CreateObject();
  cJSON_AddStringToObject(b, "email", email);
  cJSON_AddStringToObject(b, "name", p->tag);
  cJSON_AddStringToObject(b, "external_id", ext);
  const hm_gorgias_kind *k = &HM_GORGIAS[HM_GK_CUSTOMER];
  hm_http_resp r = {0};
  long long id = create(p, k->collection, k->item, b, item, cap, &r);
  if (!id) fact(p, "customer_create", "refused", evidence("POST", k->collection, &r));
  else read_back(p, "customer_fields", item, b);
  hm_http_resp_free(&r);
  cJSON_Delete(b);
  return id;
}

static cJSON *message(const char *channel, int from_agent, const char *text) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "channel", channel);
  cJSON_AddStringToObject(m, "via", "api");
  cJSON_AddBoolToObject(m, "from_agent", from_agent);
  cJSON_AddStringToObject(m, "body_text", text);
  cJSON_AddStringToObject(m, "created_datetime", PROBE_CREATED);
  cJSON_AddStringToObject(m, "sent_datetime", PROBE_CREATED);
  return m;
}

/* The message sent with this body_text among the ticket's, or NULL. */
static const cJSON *message_with(const cJSON *list, const char *text) {
  const cJSON *d = cJSON_IsArray(list) ? list : cJSON_GetObjectItemCaseSensitive(list, "data");
  for (const cJSON *m = cJSON_IsArray(d) ? d->child : NULL; m; m = m->next) {
    const char *t = hm_rn_json_str(m, "body_text");
    if (t && !strcmp(t, text)) return m;
  }
  return NULL;
}

/* The agent message and the internal note as the ticket's message list shows them. */
static void read_back_messages(probe *p, long long ticket, const cJSON *sent) {
  char path[200];
  snprintf(path, sizeof path, "%s%lld", HM_GORGIAS_ROUTES.ticket_messages, ticket);
  hm_http_resp r = {0};
  hm_http_request(p->h, "GET", path, NULL, 1, &r);
  cJSON *ev = evidence("GET", path, &r);
  hm_buf diff = {0};
  int missing = 0, n = 0;
  for (const cJSON *m = ok(&r) ? sent->child : NULL; m; m = m->next) {
    const cJSON *got = message_with(r.json, hm_rn_json_str(m, "body_text"));
    if (!got) missing++;
    else n += hm_rn_json_diff(m, got, hm_rn_json_str(m, "channel"), &diff);
  }
  if (n) cJSON_AddStringToObject(ev, "differences", diff.data ? diff.data : "");
  const char *v = !ok(&r) ? "unreadable" : missing ? "missing" : n ? "changed" : "kept";
  fact(p, "ticket_messages", v, ev);
  hm_buf_free(&diff);
  hm_http_resp_free(&r);
}

/* The ticket's fields the account dropped: each member of what was sent that
   reads back absent or null, as "Ticket.FIELD": "sent X, read back Y" (the
   planner moves such a field's value into an internal note, --probe). A value
   read back otherwise (a status Gorgias changed) is ticket_fields' difference,
   not a reason to leave the field out of every ticket. */
static void probe_refused_fields(probe *p, const char *item, const cJSON *sent) {
  hm_http_resp r = {0};
  hm_http_request(p->h, "GET", item, NULL, 1, &r);
  cJSON *ev = evidence("GET", item, &r), *fields = cJSON_CreateObject();
  for (const cJSON *f = ok(&r) ? sent->child : NULL; f; f = f->next) {
    const cJSON *got = cJSON_GetObjectItemCaseSensitive(r.json, f->string);
    hm_buf d = {0};
    if ((got && !cJSON_IsNull(got)) || hm_rn_json_diff(f, got, f->string, &d) == 0) {
      hm_buf_free(&d);
      continue;
    }
    char *a = cJSON_PrintUnformatted(f), *b = got ? cJSON_PrintUnformatted(got) : NULL;
    char key[160], why[400];
    snprintf(key, sizeof key, "%s.%s", HM_GORGIAS[HM_GK_TICKET].name, f->string);
    snprintf(why, sizeof why, "sent %.150s, read back %.150s", a ? a : "?", b ? b : "nothing");
    cJSON_AddStringToObject(fields, key, why);
    free(a);
    free(b);
    hm_buf_free(&d);
  }
  const char *v = !ok(&r) ? "unreadable" : cJSON_GetArraySize(fields) ? "some" : "none";
  cJSON_AddItemToObject(ev, "fields", fields);
  fact(p, "refused_fields", v, ev);
  hm_http_resp_free(&r);
}

static long long probe_ticket(probe *p, long long customer, char *item, size_t cap) {
  char ext[80];
  snprintf(ext, sizeof ext, "%s:ticket", p->tag);
  cJSON *b = cJSON_CreateObject(), *c = cJSON_CreateObject(), *ms = cJSON_CreateArray();
  cJSON_AddStringToObject(b, "subject", p->tag);
  cJSON_AddStringToObject(b, "status", "closed");
  cJSON_AddStringToObject(b, "channel", "api");
  cJSON_AddStringToObject(b, "via", "api");
  cJSON_AddStringToObject(b, "external_id", ext);
  cJSON_AddStringToObject(b, "created_datetime", PROBE_CREATED);
  /* the time-line fields a plan may send whose keeping no public source settles
     (gorgias-fidelity.md 1.8): refused_fields says which the account drops */
  for (const char *const *f = HM_GORGIAS_TICKET_TIMELINE; *f; f++)
    cJSON_AddStringToObject(b, *f, PROBE_CREATED);
  cJSON_AddNumberToObject(c, "id", (double)customer);
  cJSON_AddItemToObject(b, "customer", c);
  cJSON_AddItemToArray(ms, message("api", 1, "hmap probe: agent message"));
  cJSON_AddItemToArray(ms, message("internal-note", 1, "hmap probe: internal note"));
  cJSON_AddItemToObject(b, HM_GORGIAS_ROUTES.nested_list, ms);
  const hm_gorgias_kind *k = &HM_GORGIAS[HM_GK_TICKET];
  hm_http_resp r = {0};
  long long id = create(p, k->collection, k->item, b, item, cap, &r);
  if (!id) fact(p, "ticket_create", "refused", evidence("POST", k->collection, &r));
  cJSON *sent = cJSON_DetachItemFromObject(b, HM_GORGIAS_ROUTES.nested_list);
  if (id) read_back(p, "ticket_fields", item, b);
  if (id) probe_refused_fields(p, item, b);
  if (id) read_back_messages(p, id, sent);
  cJSON_Delete(sent);
  hm_http_resp_free(&r);
  cJSON_Delete(b);
  return id;
}

/* created_datetime on PUT: refused (an error), ignored (kept the create's) or applied. */
static void probe_put_created(probe *p, const char *item) {
  cJSON *b = cJSON_CreateObject();
  cJSON_AddStringToObject(b, "created_datetime", PROBE_PUT_CREATED);
  hm_http_resp r = {0};
  hm_http_request(p->h, "PUT", item, b, 1, &r);
  cJSON *ev = evidence("PUT", item, &r);
  const char *v = "refused";
  if (ok(&r)) {
    hm_http_resp g = {0};
    hm_http_request(p->h, "GET", item, NULL, 1, &g);
    hm_buf d = {0};
    v = !ok(&g) ? "unreadable" : hm_rn_json_diff(b, g.json, "", &d) == 0 ? "applied" : "ignored";
    const char *now = hm_rn_json_str(g.json, "created_datetime");
    if (now) cJSON_AddStringToObject(ev, "read_back", now);
    hm_buf_free(&d);
    hm_http_resp_free(&g);
  }
  fact(p, "put_created_datetime", v, ev);
  hm_http_resp_free(&r);
  cJSON_Delete(b);
}

/* A message whose sender has neither id nor e-mail: accepted or refused. */
static void probe_anonymous_sender(probe *p, long long ticket) {
  char coll[160], num[32];
  snprintf(num, sizeof num, "%lld", ticket);
  hm_gorgias_fill(coll, sizeof coll, HM_GORGIAS[HM_GK_MESSAGE].collection, num);
  cJSON *b = message("api", 1, "hmap probe: anonymous sender"), *s = cJSON_CreateObject();
  cJSON_AddStringToObject(s, "name", p->tag);
  cJSON_AddItemToObject(b, "sender", s);
  hm_http_resp r = {0};
  hm_http_request(p->h, "POST", coll, b, 0, &r);
  fact(p, "anonymous_sender", ok(&r) ? "accepted" : "refused", evidence("POST", coll, &r));
  /* an accepted message goes with its ticket */
  hm_http_resp_free(&r);
  cJSON_Delete(b);
}

static int collect_id(void *ctx, const cJSON *item) {
  long long id = hm_rn_json_id(item);
  if (id) cJSON_AddItemToArray(ctx, cJSON_CreateNumber((double)id));
  return 0;
}

/* DELETE one path; 1 when it is gone (a 404 is gone too). */
static int delete_one(probe *p, const char *path, cJSON *log) {
  hm_http_resp r = {0};
  hm_http_request(p->h, "DELETE", path, NULL, 1, &r);
  if (log) cJSON_AddItemToArray(log, evidence("DELETE", path, &r));
  int gone = ok(&r) || r.status == 404;
  hm_http_resp_free(&r);
  return gone;
}

/* The ids of a Help Center list's items whose translation has the title. */
typedef struct titled { cJSON *ids; const char *title; } titled;

static int collect_titled(void *ctx, const cJSON *item) {
  titled *t = ctx;
  const char *title = hm_rn_json_str(cJSON_GetObjectItemCaseSensitive(item, "translation"),
                                     "title");
  if (title && !strcmp(title, t->title)) collect_id(t->ids, item);
  return 0;
}

/* A lookup row: every object its list finds, deleted; 1 when all are gone.
   "LIST#title=T" (Help Center objects have no external id): the list's items
   titled T. */
static int delete_found(probe *p, const char *query, const char *item_tmpl, cJSON *log) {
  cJSON *ids = cJSON_CreateArray();
  char err[256], item[160], num[32], list[320];
  const char *mark = strstr(query, "#title=");
  snprintf(list, sizeof list, "%.*s", mark ? (int)(mark - query) : (int)strlen(query), query);
  titled t = {ids, mark ? mark + 7 : NULL};
  int gone = (mark ? hm_http_list(p->h, list, 0, collect_titled, &t, err, sizeof err)
                   : hm_http_list(p->h, list, 0, collect_id, ids, err, sizeof err)) == 0;
  for (const cJSON *i = ids->child; i; i = i->next) {
    snprintf(num, sizeof num, "%lld", (long long)i->valuedouble);
    hm_gorgias_fill(item, sizeof item, item_tmpl, num);
    gone &= delete_one(p, item, log);
  }
  cJSON_Delete(ids);
  return gone;
}

/* Deletes every remembered object, the last made first (a ticket before its
   customer). Returns how many rows are left. */
static int clean(probe *p, cJSON *log) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(p->db, "SELECT path, item FROM probe_made ORDER BY rowid DESC", -1, &st,
                         NULL) != SQLITE_OK)
    return -1;
  int left = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *path = (const char *)sqlite3_column_text(st, 0);
    const char *tmpl = (const char *)sqlite3_column_text(st, 1);
    if (tmpl ? delete_found(p, path, tmpl, log) : delete_one(p, path, log))
      db_exec(p->db, "DELETE FROM probe_made WHERE path = ?", path);
    else left++;
  }
  sqlite3_finalize(st);
  return left;
}

static int write_out(const char *out, const char *target, cJSON *facts, cJSON *deleted,
                     int left, cJSON *undeletable) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "target", target);
  cJSON_AddItemToObject(o, "facts", facts);
  cJSON_AddItemToObject(o, "deleted", deleted);
  cJSON_AddNumberToObject(o, "left_behind", left);
  /* uploads: Gorgias has no route that deletes one (docs/run.md, rollback) */
  cJSON_AddItemToObject(o, "undeletable", undeletable);
  char *s = cJSON_Print(o);
  FILE *f = fopen(out, "w");
  int rc = f && fputs(s, f) >= 0 && fputc('\n', f) != EOF ? 0 : 2;
  if (f && fclose(f)) rc = 2;
  if (rc) fprintf(stderr, "hmaprun probe: cannot write %s\n", out);
  free(s);
  cJSON_Delete(o);
  return rc;
}

typedef struct probe_args {
  const char *target, *out, *state, *creds, *hc_url, *hc_id;
  double time_scale;
  int cleanup;   /* --cleanup: only delete what the state lists */
} probe_args;

static int parse(int argc, char **argv, probe_args *a) {
  *a = (probe_args){.state = "probe.db", .time_scale = 1};
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) { fputs(probe_usage, stdout); return -1; }
    if (!strcmp(o, "--cleanup")) { a->cleanup = 1; continue; }
    if (!v) { fprintf(stderr, "hmaprun probe: %s needs a value\n%s", o, probe_usage); return 2; }
    if (!strcmp(o, "--target")) a->target = v;
    else if (!strcmp(o, "--out")) a->out = v;
    else if (!strcmp(o, "--state")) a->state = v;
    else if (!strcmp(o, "--credentials-file")) a->creds = v;
    else if (!strcmp(o, "--help-center-url")) a->hc_url = v;
    else if (!strcmp(o, "--help-center-id")) a->hc_id = v;
    else if (!strcmp(o, "--time-scale") && (a->time_scale = atof(v)) > 0) {}
    else { fprintf(stderr, "hmaprun probe: bad option %s\n%s", o, probe_usage); return 2; }
    i++;
  }
  if (a->hc_id && (!*a->hc_id || strspn(a->hc_id, "0123456789") != strlen(a->hc_id))) {
    fprintf(stderr, "hmaprun probe: --help-center-id needs a number\n%s", probe_usage);
    return 2;
  }
  if (a->target && (a->out || a->cleanup)) return 0;
  fprintf(stderr, "hmaprun probe: --target and --out (or --cleanup) are required\n%s",
          probe_usage);
  return 2;
}

/* Every switch under data that is on, as "type.key.key" (the account's
   settings act on imported tickets: surveys, auto-merge, auto-assign). */
static void switches_on(const cJSON *v, const char *prefix, cJSON *out) {
  if (cJSON_IsTrue(v)) { cJSON_AddItemToArray(out, cJSON_CreateString(prefix)); return; }
  for (const cJSON *c = cJSON_IsObject(v) ? v->child : NULL; c; c = c->next) {
    char path[256];
    snprintf(path, sizeof path, "%s.%s", prefix, c->string);
    switches_on(c, path, out);
  }
}

/* GET of the account: its settings that are switched on. */
static void probe_settings(probe *p) {
  const char *path = HM_GORGIAS_ROUTES.account;
  hm_http_resp r = {0};
  hm_http_request(p->h, "GET", path, NULL, 1, &r);
  cJSON *ev = evidence("GET", path, &r), *on = cJSON_CreateArray();
  const cJSON *set = ok(&r) ? cJSON_GetObjectItemCaseSensitive(r.json, "settings") : NULL;
  for (const cJSON *s = cJSON_IsArray(set) ? set->child : NULL; s; s = s->next) {
    const char *type = hm_rn_json_str(s, "type");
    if (type) switches_on(cJSON_GetObjectItemCaseSensitive(s, "data"), type, on);
  }
  const char *v = !cJSON_IsArray(set) ? "unknown" : cJSON_GetArraySize(on) ? "some_on" : "all_off";
  cJSON_AddItemToObject(ev, "on", on);
  fact(p, "ticket_settings", v, ev);
  hm_http_resp_free(&r);
}

/* The probe's image: a 1x1 transparent PNG. */
static const unsigned char PROBE_PNG[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
    0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
    0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78,
    0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00,
    0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

/* Uploads the probe's image as a public attachment (gorgias-fidelity.md 1.5);
   its url in url, or "" when the upload failed (the fact says why). Gorgias
   has no route that deletes an upload: probe.json lists it as undeletable. */
static void probe_upload_image(probe *p, char *url, size_t cap, cJSON *undeletable) {
  url[0] = 0;
  char path[160], name[80];
  snprintf(path, sizeof path, "%s?%s=%s", HM_GORGIAS[HM_GK_UPLOAD].collection,
           HM_GORGIAS_UPLOAD_TYPE_PARAM, HM_GORGIAS_UPLOAD_PUBLIC);
  snprintf(name, sizeof name, "%s.png", p->tag);
  FILE *f = tmpfile();
  hm_http_resp r = {0};
  if (f && fwrite(PROBE_PNG, 1, sizeof PROBE_PNG, f) == sizeof PROBE_PNG && !fflush(f))
    hm_http_upload(p->h, path, fileno(f), (long long)sizeof PROBE_PNG, name,
                   hm_gorgias_mime("png", 3), &r);
  else
    snprintf(r.err, sizeof r.err, "cannot write a temporary file");
  if (f) fclose(f);
  const cJSON *first = cJSON_IsArray(r.json) ? r.json->child : r.json;
  const char *u = ok(&r) ? hm_rn_json_str(first, "url") : NULL;
  if (u && strpbrk(u, "\"<>")) {   /* not put into HTML as it is */
    cJSON_AddItemToArray(undeletable, cJSON_CreateString(u));
    u = NULL;
    snprintf(r.err, sizeof r.err, "the upload's url has a quote or an angle bracket");
  }
  if (u) {
    snprintf(url, cap, "%s", u);
    cJSON_AddItemToArray(undeletable, cJSON_CreateString(u));
  } else {
    fact(p, "help_center_image", "upload_refused", evidence("POST", path, &r));
  }
  hm_http_resp_free(&r);
}

/* The image of the article as a visitor sees it: public when its url answers
   200 with the bytes uploaded, without credentials. */
static void probe_image_public(probe *p, const char *url) {
  char err[256] = "";
  long long got = 0;
  long status = hm_http_get_public(p->h, url, 1 << 20, &got, err, sizeof err);
  cJSON *ev = cJSON_CreateObject();
  cJSON_AddStringToObject(ev, "url", url);
  cJSON_AddNumberToObject(ev, "status", (double)status);
  if (err[0]) cJSON_AddStringToObject(ev, "error", err);
  int pub = status == 200 && got == (long long)sizeof PROBE_PNG;
  fact(p, "help_center_image", pub ? "public" : status ? "private" : "unreadable", ev);
}

/* A draft article (not current) in Help Center p->hc_id, through the Help
   Center's own host and token when the client has one: created, read back,
   deleted with the rest. Its row is the list and its title until it answers. */
static void probe_help_center(probe *p) {
  const char *host = hm_http_help_center(p->h);
  if (!p->hc_id) {
    fact(p, "help_center_article", "not_checked", NULL);
    fact(p, "help_center_image", "not_checked", NULL);
    return;
  }
  char err[512] = "", coll[200], item_tmpl[200], item[200], num[32], row[320];
  const hm_gorgias_kind *k = &HM_GORGIAS[HM_GK_HC_ARTICLE];
  hm_gorgias_fill(coll, sizeof coll, k->collection, p->hc_id);
  hm_gorgias_fill(item_tmpl, sizeof item_tmpl, k->item, p->hc_id);
  if (host && hm_http_help_center_token(p->h, err, sizeof err)) {
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "error", err);
    fact(p, "help_center_host", "token_refused", ev);
    return;
  }
  cJSON *ev = cJSON_CreateObject();
  cJSON_AddStringToObject(ev, "url", host ? host : "the target");
  fact(p, "help_center_host", host ? "own_host" : "target", ev);
  char img[512], content[700];
  probe_upload_image(p, img, sizeof img, p->undeletable);
  snprintf(content, sizeof content, "<p>hmap probe: draft article</p>%s%s%s",
           img[0] ? "<p><img src=\"" : "", img, img[0] ? "\" alt=\"hmap probe\"></p>" : "");
  cJSON *b = cJSON_CreateObject(), *t = cJSON_AddObjectToObject(b, "translation");
  cJSON_AddStringToObject(t, "title", p->tag);
  cJSON_AddStringToObject(t, "content", content);
  cJSON_AddStringToObject(t, "excerpt", "hmap probe");
  cJSON_AddStringToObject(t, "slug", p->tag);
  cJSON_AddStringToObject(t, "locale", "en-US");
  cJSON_AddBoolToObject(t, "is_current", 0);
  snprintf(row, sizeof row, "%s#title=%s", coll, p->tag);
  hm_http_resp r = {0};
  if (db_exec2(p->db, "INSERT OR IGNORE INTO probe_made(path, item) VALUES (?, ?)", row,
               item_tmpl) == 0)
    hm_http_request(p->h, "POST", coll, b, 0, &r);
  long long id = ok(&r) ? hm_rn_json_id(r.json) : 0;
  if (id) {
    snprintf(num, sizeof num, "%lld", id);
    hm_gorgias_fill(item, sizeof item, item_tmpl, num);
    if (remember(p, item) == 0) db_exec(p->db, "DELETE FROM probe_made WHERE path = ?", row);
    read_back(p, "help_center_article", item, b);
    if (img[0]) probe_image_public(p, img);
  } else {
    fact(p, "help_center_article", "refused", evidence("POST", coll, &r));
  }
  hm_http_resp_free(&r);
  cJSON_Delete(b);
}

static void run_probes(probe *p) {
  probe_settings(p);
  char cust[160] = "", tick[160] = "";
  long long c = probe_customer(p, cust, sizeof cust);
  long long t = c ? probe_ticket(p, c, tick, sizeof tick) : 0;
  probe_help_center(p);
  if (!t) return;
  probe_put_created(p, tick);
  probe_anonymous_sender(p, t);
}

int hm_probe_main(int argc, char **argv) {
  probe_args a;
  int rc = parse(argc, argv, &a);
  if (rc) return rc < 0 ? 0 : rc;
  char err[1024] = "";
  probe p = {0};
  rc = hm_client_connect(a.target, a.creds, a.time_scale, 0, hm_client_install_signals(), &p.h,
                         err, sizeof err);
  if (!rc) rc = hm_preflight_account(p.h, err, sizeof err);
  if (!rc && a.hc_url) hm_http_set_help_center(p.h, a.hc_url);
  p.hc_id = a.hc_id;
  if (!rc) rc = state_open(&p, a.state, err, sizeof err);
  if (rc) {
    fprintf(stderr, "hmaprun probe: %s\n", err);
    if (p.h) hm_http_close(p.h);
    sqlite3_close(p.db);
    return rc;
  }
  cJSON *deleted = cJSON_CreateArray();
  int left = clean(&p, deleted);   /* what a killed probe left */
  p.facts = cJSON_CreateArray();
  p.undeletable = cJSON_CreateArray();
  snprintf(p.tag, sizeof p.tag, "hmap-probe-%ld-%ld", (long)time(NULL), (long)getpid());
  if (!left && !a.cleanup) run_probes(&p);
  left = clean(&p, deleted);
  if (a.cleanup)
    fprintf(stderr, "hmaprun probe: --cleanup deleted %d object(s), %d left\n",
            cJSON_GetArraySize(deleted), left);
  rc = a.out ? write_out(a.out, a.target, p.facts, deleted, left, p.undeletable) : 0;
  if (!a.out) { cJSON_Delete(p.facts); cJSON_Delete(deleted); cJSON_Delete(p.undeletable); }
  if (!rc && left) {
    fprintf(stderr, "hmaprun probe: %d object(s) not deleted; %s keeps them for the next probe\n",
            left, a.state);
    rc = 4;
  }
  hm_http_close(p.h);
  sqlite3_close(p.db);
  return rc;
}

/* ---- what plan and run take from probe.json (--probe FILE) ---- */

/* fact -> planner setting: the probe's value of the fact, and the value of
   the setting it gives. A fact the probe could not settle gives none. */
static const struct { const char *fact, *value, *set; } probe_settles[] = {
  {"anonymous_sender", "accepted", "anonymous_sender=accept"},
  {"anonymous_sender", "refused", "anonymous_sender=refuse"},
};

static cJSON *probe_load(const char *file, char *err, size_t errlen) {
  hm_buf b = {0};
  int unread = hm_buf_read_path(&b, file) != 0;
  cJSON *o = unread ? NULL : cJSON_ParseWithLength(b.data ? b.data : "", b.len);
  if (unread) snprintf(err, errlen, "--probe %s: cannot read it", file);
  else if (!o) snprintf(err, errlen, "--probe %s: not JSON", file);
  hm_buf_free(&b);
  return o;
}

/* refused_fields "some": its evidence's field names as the planner setting
   refused_fields=Ticket.a,Ticket.b (appended to out at used; the new length). */
static size_t refused_set(const cJSON *f, char *out, size_t n, size_t used) {
  const cJSON *fields = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(f, "evidence"), "fields");
  hm_buf b = {0};
  for (const cJSON *x = cJSON_IsObject(fields) ? fields->child : NULL; x; x = x->next)
    if (x->string && !strpbrk(x->string, ",\n="))
      hm_buf_printf(&b, "%s%s", b.len ? "," : "refused_fields=", x->string);
  if (b.len && used + b.len + 2 <= n)
    used += (size_t)snprintf(out + used, n - used, "%s\n", b.data);
  hm_buf_free(&b);
  return used;
}

int hm_probe_sets(const char *file, char *out, size_t n, char *err, size_t errlen) {
  out[0] = 0;
  cJSON *o = probe_load(file, err, errlen);
  if (!o) return 2;
  const cJSON *facts = cJSON_GetObjectItemCaseSensitive(o, "facts");
  if (!cJSON_IsArray(facts)) {
    snprintf(err, errlen, "--probe %s: no \"facts\" list (a file `hmaprun probe --out` wrote?)",
             file);
    cJSON_Delete(o);
    return 2;
  }
  size_t used = 0;
  for (const cJSON *f = facts->child; f; f = f->next) {
    const char *name = hm_rn_json_str(f, "fact"), *value = hm_rn_json_str(f, "value");
    if (name && value && !strcmp(name, "refused_fields") && !strcmp(value, "some"))
      used = refused_set(f, out, n, used);
    for (size_t i = 0; name && value && i < sizeof probe_settles / sizeof *probe_settles; i++)
      if (!strcmp(name, probe_settles[i].fact) && !strcmp(value, probe_settles[i].value) &&
          used + strlen(probe_settles[i].set) + 2 <= n)
        used += (size_t)snprintf(out + used, n - used, "%s\n", probe_settles[i].set);
  }
  cJSON_Delete(o);
  return 0;
}
