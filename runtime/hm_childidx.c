/* hm_childidx: child records indexed by parent key in a SQLite temporary
 * database. sqlite3_open("") gives a private on-disk database in the temp dir
 * ($SQLITE_TMPDIR / $TMPDIR / /tmp) that SQLite deletes on close, so the index
 * holds inputs larger than memory and leaves nothing behind. Records are stored
 * as JSON text (a JSON record's own text, hv_to_json of a CSV row) with their
 * sequence number: one transaction for the whole build, the index created after
 * the rows (cheaper than keeping it up to date row by row). */
#include "hm_childidx.h"
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_json.h"
#include "hm_reader_impl.h"

struct hm_childidx {
  sqlite3 *db;
  sqlite3_stmt *get;
  uint64_t count;
};

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
  snprintf(err, errlen, "child index: %s", msg ? msg : sqlite3_errmsg(db));
  sqlite3_free(msg);
  return -1;
}

/* The record's parent key as text in a, or NULL with why set. */
static const char *parent_key(const hm_source *s, const char *field, const hm_record *rec, hm_arena *a,
                              const char **why) {
  if (s->parent_by_path || !field) {
    if (!rec->path_key) *why = "no parent key: the source path has no '*' to take it from";
    return rec->path_key;
  }
  hm_value v = hv_rec_get(&rec->value, field);
  switch (v.kind) {
  case HV_STR: case HV_NUM: case HV_BOOL: return hv_to_str(a, v).u.str;
  case HV_MISSING: *why = hm_arena_printf(a, "no parent key: field '%s' is missing", field); return NULL;
  case HV_NULL: *why = hm_arena_printf(a, "no parent key: field '%s' is null", field); return NULL;
  default: *why = hm_arena_printf(a, "no parent key: field '%s' is %s", field, v.kind == HV_LIST ? "a list" : "a record");
    return NULL;
  }
}

static void report(hm_bad_record_fn bad, void *user, uint32_t src, const char *msg) {
  if (bad) bad(user, src, msg);
}

static int fill(hm_childidx *x, const hm_program *p, uint32_t src, hm_reader *r, hm_bad_record_fn bad,
                void *user, char *err, size_t errlen) {
  const hm_source *s = &p->sources[src];
  const char *field = s->parent_by != HM_BC_NONE && s->parent_by < p->nconsts ? p->consts[s->parent_by].str : NULL;
  sqlite3_stmt *ins = NULL;
  if (sqlite3_prepare_v2(x->db, "INSERT INTO child(seq, pkey, rec) VALUES (?, ?, ?)", -1, &ins, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "child index: %s", sqlite3_errmsg(x->db));
    return -1;
  }
  hm_arena a;
  hm_arena_init(&a, 64 * 1024);
  hm_buf json;
  hm_buf_init(&json);
  int rc = 0;
  for (;;) {
    hm_arena_reset(&a);
    hm_record rec;
    int got = hm_reader_next(r, &a, &rec);
    if (got == 0) break;
    if (got == -2) { snprintf(err, errlen, "%s", hm_reader_error(r)); rc = -1; break; }
    if (got == -1) { report(bad, user, src, hm_reader_error(r)); continue; }
    const char *why = NULL;
    const char *key = parent_key(s, field, &rec, &a, &why);
    if (!key) {
      char *msg = hm_arena_printf(&a, "%s:%llu:1: %s", rec.file, (unsigned long long)rec.line, why);
      report(bad, user, src, msg);
      continue;
    }
    size_t len = 0;
    const char *text = hm_reader_raw_json(r, &len);   /* JSON records: their own text */
    /* ...unless the element was a scalar wrapped as {"value": ...} by the reader */
    while (text && len && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) { text++; len--; }
    if (text && len && *text != '{') text = NULL;
    if (!text) {
      json.len = 0;
      hv_to_json(&json, rec.value);
      text = json.data;
      len = json.len;
    }
    sqlite3_bind_int64(ins, 1, (sqlite3_int64)++x->count);
    sqlite3_bind_text(ins, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, text, (int)len, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) {
      snprintf(err, errlen, "child index: %s", sqlite3_errmsg(x->db));
      rc = -1;
      break;
    }
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  hm_buf_free(&json);
  hm_arena_free(&a);
  return rc;
}

hm_childidx *hm_childidx_build(const hm_program *p, uint32_t child_src, const char *data_dir,
                               hm_bad_record_fn bad, void *user, char *err, size_t errlen) {
  hm_reader *r = hm_reader_open(p, child_src, data_dir, err, errlen);
  if (!r) return NULL;
  hm_childidx *x = calloc(1, sizeof *x);
  if (sqlite3_open("", &x->db) != SQLITE_OK) {
    snprintf(err, errlen, "child index: cannot create a temporary database: %s", sqlite3_errmsg(x->db));
    goto fail;
  }
  if (exec(x->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-16384;"
                  "CREATE TABLE child(seq INTEGER PRIMARY KEY, pkey TEXT NOT NULL, rec TEXT NOT NULL);"
                  "BEGIN", err, errlen) < 0)
    goto fail;
  if (fill(x, p, child_src, r, bad, user, err, errlen) < 0) goto fail;
  if (exec(x->db, "CREATE INDEX child_pkey ON child(pkey, seq); COMMIT", err, errlen) < 0) goto fail;
  if (sqlite3_prepare_v2(x->db, "SELECT rec FROM child WHERE pkey = ? ORDER BY seq", -1, &x->get, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "child index: %s", sqlite3_errmsg(x->db));
    goto fail;
  }
  hm_reader_close(r);
  return x;
fail:
  hm_reader_close(r);
  hm_childidx_free(x);
  return NULL;
}

int hm_childidx_get(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out) {
  *out = hv_list_new(a, 0);
  sqlite3_bind_text(x->get, 1, parent_key, -1, SQLITE_STATIC);
  int rc, ret = 0;
  while ((rc = sqlite3_step(x->get)) == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(x->get, 0);
    int n = sqlite3_column_bytes(x->get, 0);
    cJSON *j = cJSON_ParseWithLength(text, (size_t)n);
    hv_list_push(a, out, j ? hm_json_to_value(j, a) : hv_missing(HM_WHY_PARSE));
    cJSON_Delete(j);
  }
  if (rc != SQLITE_DONE) { *out = hv_list_new(a, 0); ret = -1; }
  sqlite3_reset(x->get);
  sqlite3_clear_bindings(x->get);
  return ret;
}

uint64_t hm_childidx_count(const hm_childidx *x) { return x ? x->count : 0; }

void hm_childidx_free(hm_childidx *x) {
  if (!x) return;
  sqlite3_finalize(x->get);
  sqlite3_close(x->db);
  free(x);
}
