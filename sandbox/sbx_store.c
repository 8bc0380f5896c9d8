/* sbx_store: the sandbox's storage — every object is a JSON document in SQLite,
 * keyed by (kind, integer id) with an optional parent id (a message's ticket).
 * Ids come from a per-kind sequence so a deleted id is never reused (Gorgias
 * never reuses ids, and a client's id map must not be fooled). One connection
 * and one mutex: a request's reads and writes form one atomic step. */
#include "sbx.h"
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct hm_sbx_store {
  sqlite3 *db;
  pthread_mutex_t mu;
};

static const char *SCHEMA_SQL =
    "CREATE TABLE IF NOT EXISTS objects(kind TEXT NOT NULL, id INTEGER NOT NULL,"
    " parent INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL, PRIMARY KEY(kind, id));"
    "CREATE INDEX IF NOT EXISTS objects_parent ON objects(kind, parent);"
    "CREATE INDEX IF NOT EXISTS objects_email ON objects(kind, json_extract(doc, '$.email'));"
    "CREATE INDEX IF NOT EXISTS objects_external_id ON objects(kind, json_extract(doc, "
    "'$.external_id'));"
    "CREATE INDEX IF NOT EXISTS objects_name ON objects(kind, json_extract(doc, '$.name'));"
    "CREATE TABLE IF NOT EXISTS seq(kind TEXT PRIMARY KEY, next INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS blobs(id INTEGER PRIMARY KEY, data BLOB NOT NULL);";

hm_sbx_store *hm_sbx_store_open(const char *path, char *err, size_t errlen) {
  hm_sbx_store *st = calloc(1, sizeof *st);
  if (!st) { snprintf(err, errlen, "out of memory"); return NULL; }
  const char *p = path ? path : ":memory:";
  if (sqlite3_open_v2(p, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK) {
    snprintf(err, errlen, "cannot open database %s: %s", p, st->db ? sqlite3_errmsg(st->db) : "?");
    sqlite3_close(st->db);
    free(st);
    return NULL;
  }
  char *msg = NULL;
  if (path)
    sqlite3_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
  if (sqlite3_exec(st->db, SCHEMA_SQL, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "cannot initialise database %s: %s", p, msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(st->db);
    free(st);
    return NULL;
  }
  pthread_mutex_init(&st->mu, NULL);
  return st;
}

void hm_sbx_store_close(hm_sbx_store *st) {
  if (!st) return;
  sqlite3_close(st->db);
  pthread_mutex_destroy(&st->mu);
  free(st);
}

void hm_sbx_store_lock(hm_sbx_store *st) { pthread_mutex_lock(&st->mu); }
void hm_sbx_store_unlock(hm_sbx_store *st) { pthread_mutex_unlock(&st->mu); }

int hm_sbx_store_begin(hm_sbx_store *st) {
  return sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}
int hm_sbx_store_commit(hm_sbx_store *st) {
  return sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}
void hm_sbx_store_rollback(hm_sbx_store *st) { sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL); }

static sqlite3_stmt *prep(hm_sbx_store *st, const char *sql) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) return NULL;
  return s;
}

/* The one integer SQL answers for KIND (and ID, if SQL has a ?2); -1 if no row. */
static long long int_of(hm_sbx_store *st, const char *sql, const char *kind, long long id) {
  sqlite3_stmt *s = prep(st, sql);
  if (!s) return -1;
  sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count(s) >= 2) sqlite3_bind_int64(s, 2, id);
  long long v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_finalize(s);
  return v;
}

static long long next_id(hm_sbx_store *st, const char *kind) {
  return int_of(st,
                "INSERT INTO seq(kind, next) VALUES(?1, 2) ON CONFLICT(kind) DO UPDATE SET next = "
                "next + 1 RETURNING next - 1",
                kind, 0);
}

static int write_doc(hm_sbx_store *st, const char *sql, const char *kind, long long id,
                     long long parent, const cJSON *doc) {
  char *text = cJSON_PrintUnformatted(doc);
  sqlite3_stmt *s = text ? prep(st, sql) : NULL;
  int rc = -1;
  if (s) {
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    sqlite3_bind_int64(s, 3, parent);
    sqlite3_bind_text(s, 4, text, -1, SQLITE_STATIC);
    rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(s);
  }
  free(text);
  return rc;
}

long long hm_sbx_store_insert(hm_sbx_store *st, const char *kind, long long parent, cJSON *doc,
                              const char *uri_fmt) {
  long long id = next_id(st, kind);
  if (id < 0) return -1;
  if (uri_fmt) {
    char uri[256];
    snprintf(uri, sizeof uri, uri_fmt, id);
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "uri");
    cJSON_AddStringToObject(doc, "uri", uri);
  }
  cJSON_DeleteItemFromObjectCaseSensitive(doc, "id");
  /* id first, as Gorgias prints it: detach the members, add id, re-link them */
  cJSON *rest = doc->child;
  doc->child = NULL;
  cJSON_AddNumberToObject(doc, "id", (double)id);
  if (rest) {
    cJSON *idv = doc->child, *last = rest->prev;
    idv->next = rest;
    rest->prev = idv;
    idv->prev = last;  /* cJSON keeps the last member in child->prev */
  }
  if (write_doc(st, "INSERT INTO objects(kind, id, parent, doc) VALUES(?1, ?2, ?3, ?4)", kind, id,
                parent < 0 ? 0 : parent, doc) != 0)
    return -1;
  return id;
}

int hm_sbx_store_put(hm_sbx_store *st, const char *kind, long long id, const cJSON *doc) {
  long long parent = hm_sbx_store_parent(st, kind, id);
  return write_doc(st,
                   "INSERT OR REPLACE INTO objects(kind, id, parent, doc) VALUES(?1, ?2, ?3, ?4)",
                   kind, id, parent < 0 ? 0 : parent, doc);
}

cJSON *hm_sbx_store_get(hm_sbx_store *st, const char *kind, long long id) {
  sqlite3_stmt *s = prep(st, "SELECT doc FROM objects WHERE kind = ?1 AND id = ?2");
  if (!s) return NULL;
  sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, id);
  cJSON *doc = NULL;
  if (sqlite3_step(s) == SQLITE_ROW) doc = cJSON_Parse((const char *)sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  return doc;
}

long long hm_sbx_store_parent(hm_sbx_store *st, const char *kind, long long id) {
  return int_of(st, "SELECT parent FROM objects WHERE kind = ?1 AND id = ?2", kind, id);
}

static int exec_kind_id(hm_sbx_store *st, const char *sql, const char *kind, long long id) {
  sqlite3_stmt *s = prep(st, sql);
  if (!s) return -1;
  sqlite3_bind_text(s, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, id);
  int rc = sqlite3_step(s) == SQLITE_DONE ? sqlite3_changes(st->db) : -1;
  sqlite3_finalize(s);
  return rc;
}

int hm_sbx_store_delete(hm_sbx_store *st, const char *kind, long long id) {
  return exec_kind_id(st, "DELETE FROM objects WHERE kind = ?1 AND id = ?2", kind, id);
}

int hm_sbx_store_delete_children(hm_sbx_store *st, const char *kind, long long parent) {
  return exec_kind_id(st, "DELETE FROM objects WHERE kind = ?1 AND parent = ?2", kind, parent);
}

int hm_sbx_store_reset(hm_sbx_store *st) {
  return sqlite3_exec(st->db, "DELETE FROM objects; DELETE FROM seq; DELETE FROM blobs;", NULL,
                      NULL, NULL) == SQLITE_OK
             ? 0
             : -1;
}

int hm_sbx_store_put_blob(hm_sbx_store *st, long long id, const void *data, size_t len) {
  sqlite3_stmt *s = prep(st, "INSERT OR REPLACE INTO blobs(id, data) VALUES(?1, ?2)");
  if (!s) return -1;
  sqlite3_bind_int64(s, 1, id);
  sqlite3_bind_blob64(s, 2, len ? data : "", len, SQLITE_STATIC);
  int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
  sqlite3_finalize(s);
  return rc;
}

void *hm_sbx_store_get_blob(hm_sbx_store *st, long long id, size_t *len) {
  sqlite3_stmt *s = prep(st, "SELECT data FROM blobs WHERE id = ?1");
  if (!s) return NULL;
  sqlite3_bind_int64(s, 1, id);
  void *out = NULL;
  if (sqlite3_step(s) == SQLITE_ROW) {
    size_t n = (size_t)sqlite3_column_bytes(s, 0);
    out = malloc(n ? n : 1);
    if (out) { if (n) memcpy(out, sqlite3_column_blob(s, 0), n); *len = n; }
  }
  sqlite3_finalize(s);
  return out;
}

/* String fields with an expression index: compared as text with the path inlined
 * (the index only applies to the identical expression). Paths are code constants. */
static int indexed(const char *path) {
  return strcmp(path, "$.email") == 0 || strcmp(path, "$.external_id") == 0 ||
         strcmp(path, "$.name") == 0;
}

cJSON *hm_sbx_store_query(hm_sbx_store *st, const hm_sbx_query *q) {
  char sql[1024];
  int n = snprintf(sql, sizeof sql, "SELECT doc FROM objects WHERE kind = ?1");
  if (q->parent >= 0) n += snprintf(sql + n, sizeof sql - n, " AND parent = ?2");
  for (int i = 0; i < q->nfilters; i++) {
    /* lower() folds ASCII only, like the strncasecmp search it replaced */
    if (q->fcontains[i])
      n += snprintf(sql + n, sizeof sql - n,
                    " AND instr(lower(CAST(json_extract(doc, ?%d) AS TEXT)), lower(?%d)) > 0",
                    10 + 2 * i, 11 + 2 * i);
    else if (q->fvalue[i] && indexed(q->fpath[i]))
      n += snprintf(sql + n, sizeof sql - n, " AND json_extract(doc, '%s') = ?%d", q->fpath[i],
                    11 + 2 * i);
    else if (q->fvalue[i])
      n += snprintf(sql + n, sizeof sql - n, " AND CAST(json_extract(doc, ?%d) AS TEXT) = ?%d",
                    10 + 2 * i, 11 + 2 * i);
    else n += snprintf(sql + n, sizeof sql - n, " AND json_extract(doc, ?%d) IS NULL", 10 + 2 * i);
  }
  /* walking backwards (prev page) flips the order, the caller flips it back */
  int desc = q->before_mode ? !q->desc : q->desc;
  const char *op = desc ? "<" : ">", *dir = desc ? "DESC" : "ASC";
  static const char KEY[] = "COALESCE(CAST(json_extract(doc, ?4) AS TEXT), '')";
  if (q->after > 0 && q->sort_path)
    n += snprintf(sql + n, sizeof sql - n, " AND (%s %s ?5 OR (%s = ?5 AND id %s ?3))", KEY, op,
                  KEY, op);
  else if (q->after > 0)
    n += snprintf(sql + n, sizeof sql - n, " AND id %s ?3", op);
  int by_index = 0;
  for (int i = 0; i < q->nfilters; i++)
    by_index |= q->fvalue[i] && !q->fcontains[i] && indexed(q->fpath[i]);
  /* "+id" keeps the planner on the filter's index instead of walking the primary key */
  if (q->sort_path) n += snprintf(sql + n, sizeof sql - n, " ORDER BY %s %s, id %s", KEY, dir, dir);
  else n += snprintf(sql + n, sizeof sql - n, " ORDER BY %sid %s", by_index ? "+" : "", dir);
  if (q->limit > 0) snprintf(sql + n, sizeof sql - n, " LIMIT %d", q->limit);
  sqlite3_stmt *s = prep(st, sql);
  if (!s) return NULL;
  sqlite3_bind_text(s, 1, q->kind, -1, SQLITE_STATIC);
  if (q->parent >= 0) sqlite3_bind_int64(s, 2, q->parent);
  if (q->after > 0) sqlite3_bind_int64(s, 3, q->after);
  if (q->sort_path) sqlite3_bind_text(s, 4, q->sort_path, -1, SQLITE_STATIC);
  if (q->sort_path && q->after > 0)
    sqlite3_bind_text(s, 5, q->after_key ? q->after_key : "", -1, SQLITE_STATIC);
  for (int i = 0; i < q->nfilters; i++) {
    if (q->fcontains[i] || !indexed(q->fpath[i]) || !q->fvalue[i])
      sqlite3_bind_text(s, 10 + 2 * i, q->fpath[i], -1, SQLITE_STATIC);
    if (q->fvalue[i]) sqlite3_bind_text(s, 11 + 2 * i, q->fvalue[i], -1, SQLITE_STATIC);
  }
  cJSON *arr = cJSON_CreateArray();
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    cJSON *doc = cJSON_Parse((const char *)sqlite3_column_text(s, 0));
    if (!doc) continue;
    if (q->before_mode) cJSON_InsertItemInArray(arr, 0, doc);
    else cJSON_AddItemToArray(arr, doc);
  }
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) { cJSON_Delete(arr); return NULL; }
  return arr;
}
