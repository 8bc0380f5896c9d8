/* hm_childidx: child records indexed by parent key in a SQLite temporary
 * database. sqlite3_open("") gives a private on-disk database in the temp dir
 * ($SQLITE_TMPDIR / $TMPDIR / /tmp) that SQLite deletes on close, so the index
 * holds inputs larger than memory and leaves nothing behind. Records are stored
 * as a compact binary encoding of their value (below) with their sequence
 * number: one transaction for the whole build, the index created after the
 * rows (cheaper than keeping it up to date row by row). The encoding, not JSON
 * text, because reading children back was a JSON parse per comment: a third
 * of a plan's time. */
#include "hm_childidx.h"
#include <cjson/cJSON.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_json.h"
#include "hm_reader_impl.h"

/* Children are read back in one of two ways. Through the index, one query
 * per parent, which is right whatever the order. And, when every parent's
 * children are one run of consecutive rows (the case in every export we
 * know), by a cursor walking the rows in write order: a parent asked for in
 * the same order gets the run under the cursor, a step per child instead of
 * an index search, which was most of the join's cost. Any other parent goes
 * through the index and moves the cursor past its run.
 *
 * When the runs' keys also ascend (in key_cmp's order: ids counting up), a
 * parent whose key is beyond the cursor's last run needs no index either: its
 * run is ahead or nowhere. The index is then built only when a parent comes
 * back to a key at or behind the cursor, usually never. */
struct hm_childidx {
  sqlite3 *db;
  sqlite3_stmt *get;    /* seq, rec of one parent's children, through the index */
  sqlite3_stmt *scan;   /* seq, pkey, rec of the rows after a seq; NULL unless grouped */
  bool on_row;          /* scan stands on a row not handed out yet */
  bool sorted;          /* the runs' keys ascend */
  hm_buf passed;        /* sorted: the key of the last row the scan went past */
  uint64_t count;       /* children */
  uint64_t rows;
  uint64_t runs;        /* runs of equal consecutive parent keys while filling */
};

/* A strict total order on keys in which counting ids ascend: shorter first. */
static int key_cmp(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la != lb) return la < lb ? -1 : 1;
  return memcmp(a, b, la);
}

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

/* The encoding: a kind byte, then for a bool one byte, a number its 8 bytes,
 * a string its u32 length and bytes, a list its u32 count and items, a record
 * its u32 count and (u32 key length, key bytes, value) members. It gives back
 * exactly the value a JSON round trip (hv_to_json, then cJSON) gave, which is
 * what this index stored before: missing and non-finite numbers read as null,
 * missing members are left out, and the strings of a record that did not come
 * from JSON text get hm_buf_json_str's repair (see repaired). */
enum { ENC_NULL, ENC_FALSE, ENC_TRUE, ENC_NUM, ENC_STR, ENC_LIST, ENC_REC };

static void put_u32(hm_buf *b, size_t n) { hm_buf_u32(b, (uint32_t)n); }

/* A string as the JSON round trip gives it back: cut at its first NUL, and
 * invalid UTF-8 replaced. Only strings that need it pay for the round trip. */
static void put_text(hm_buf *b, const char *s, size_t n, bool repair) {
  if (repair && (memchr(s, 0, n) || hm_utf8_check((const unsigned char *)s, n) < n)) {
    hm_buf json;
    hm_buf_init(&json);
    hm_buf_json_str(&json, s, n);
    cJSON *j = cJSON_ParseWithLength(json.data, json.len);
    const char *t = j && j->valuestring ? j->valuestring : "";
    put_u32(b, strlen(t));
    hm_buf_put(b, t, strlen(t));
    cJSON_Delete(j);
    hm_buf_free(&json);
    return;
  }
  n = strnlen(s, n);
  put_u32(b, n);
  hm_buf_put(b, s, n);
}

static void encode(hm_buf *b, hm_value v, bool repair) {
  switch (v.kind) {
  case HV_BOOL: hm_buf_u8(b, v.u.b ? ENC_TRUE : ENC_FALSE); return;
  case HV_NUM:
    if (!isfinite(v.u.num)) break;
    hm_buf_u8(b, ENC_NUM); hm_buf_f64(b, v.u.num); return;
  case HV_STR: hm_buf_u8(b, ENC_STR); put_text(b, v.u.str, v.len, repair); return;
  case HV_LIST:
    hm_buf_u8(b, ENC_LIST); put_u32(b, v.u.list->n);
    for (uint32_t i = 0; i < v.u.list->n; i++) encode(b, v.u.list->items[i], repair);
    return;
  case HV_REC: {
    uint32_t n = 0;
    for (uint32_t i = 0; i < v.u.rec->n; i++) n += v.u.rec->vals[i].kind != HV_MISSING;
    hm_buf_u8(b, ENC_REC); put_u32(b, n);
    for (uint32_t i = 0; i < v.u.rec->n; i++) {
      if (v.u.rec->vals[i].kind == HV_MISSING) continue;
      put_text(b, v.u.rec->keys[i], strlen(v.u.rec->keys[i]), repair);
      encode(b, v.u.rec->vals[i], repair);
    }
    return;
  }
  default: break;   /* missing, null; references never come from a reader */
  }
  hm_buf_u8(b, ENC_NULL);
}

typedef struct dec { const unsigned char *p, *end; bool bad; } dec;

static bool take(dec *d, void *out, size_t n) {
  if (d->bad || (size_t)(d->end - d->p) < n) { d->bad = true; return false; }
  memcpy(out, d->p, n);
  d->p += n;
  return true;
}

static uint32_t take_u32(dec *d) {
  unsigned char c[4] = {0};
  take(d, c, 4);
  return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
}

static const char *take_text(dec *d, hm_arena *a, uint32_t *len) {
  *len = take_u32(d);
  if (d->bad || (size_t)(d->end - d->p) < *len) { d->bad = true; *len = 0; return ""; }
  const char *s = hm_arena_strndup(a, (const char *)d->p, *len);
  d->p += *len;
  return s;
}

static hm_value decode(dec *d, hm_arena *a, int depth) {
  unsigned char kind = ENC_NULL;
  if (depth > 1100 || !take(d, &kind, 1)) { d->bad = true; return hv_null(); }
  switch (kind) {
  case ENC_FALSE: return hv_bool(false);
  case ENC_TRUE: return hv_bool(true);
  case ENC_NUM: {
    uint64_t u = take_u32(d);
    u |= (uint64_t)take_u32(d) << 32;
    double x;
    memcpy(&x, &u, 8);
    return hv_num(x);
  }
  case ENC_STR: { uint32_t n; const char *s = take_text(d, a, &n); return hv_strn(s, n); }
  case ENC_LIST: {
    uint32_t n = take_u32(d);
    if (n > (size_t)(d->end - d->p)) { d->bad = true; return hv_null(); }   /* each item is a byte at least */
    hm_value v = hv_list_new(a, n);
    for (uint32_t i = 0; i < n && !d->bad; i++) v.u.list->items[v.u.list->n++] = decode(d, a, depth + 1);
    return v;
  }
  case ENC_REC: {
    uint32_t n = take_u32(d);
    if (n > (size_t)(d->end - d->p)) { d->bad = true; return hv_null(); }
    hm_value v = hv_rec_new(a, n);
    for (uint32_t i = 0; i < n && !d->bad; i++) {
      uint32_t klen;
      v.u.rec->keys[i] = take_text(d, a, &klen);
      v.u.rec->vals[i] = decode(d, a, depth + 1);
      v.u.rec->n++;
    }
    return v;
  }
  default: if (kind != ENC_NULL) d->bad = true; return hv_null();
  }
}

static void report(hm_bad_record_fn bad, void *user, uint32_t src, const char *msg) {
  if (bad) bad(user, src, msg);
}

/* Whether the record just read is cJSON's parse of a JSON object's text (its
 * strings then are exactly what a round trip gives back), rather than a CSV
 * row or a scalar element the reader wrapped as {"value": ...}. */
static bool from_json_text(const hm_reader *r) {
  size_t len = 0;
  const char *text = hm_reader_raw_json(r, &len);
  while (text && len && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) { text++; len--; }
  return text && len && *text == '{';
}

/* A row holds the encoded children of one run of a parent key, up to
 * ROW_MAX bytes (a longer run takes several rows): a third of the inserts and
 * of the scan's steps of a row per child, memory still bounded. */
#define ROW_MAX (64 * 1024)

static int flush_row(hm_childidx *x, sqlite3_stmt *ins, const hm_buf *key, hm_buf *row) {
  if (!row->len) return 0;
  sqlite3_bind_int64(ins, 1, (sqlite3_int64)++x->rows);
  sqlite3_bind_text(ins, 2, key->data, (int)key->len, SQLITE_STATIC);
  sqlite3_bind_blob(ins, 3, row->data, (int)row->len, SQLITE_STATIC);
  int rc = sqlite3_step(ins);
  sqlite3_reset(ins);
  row->len = 0;
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Appends one child; a new key (or a full row) writes out the row before. */
static int add_child(hm_childidx *x, sqlite3_stmt *ins, hm_buf *prev, hm_buf *row, const char *key) {
  if (!x->runs || strcmp(prev->data, key)) {
    if (flush_row(x, ins, prev, row) < 0) return -1;
    if (x->runs && key_cmp(prev->data, key) > 0) x->sorted = false;
    x->runs++;
    prev->len = 0;
    hm_buf_puts(prev, key);
  } else if (row->len >= ROW_MAX && flush_row(x, ins, prev, row) < 0) {
    return -1;
  }
  x->count++;
  return 0;
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
  hm_buf row, prev;
  hm_buf_init(&row);
  hm_buf_init(&prev);
  int rc = 0;
  bool reader_failed = false;
  for (;;) {
    hm_arena_reset(&a);
    hm_record rec;
    int got = hm_reader_next(r, &a, &rec);
    if (got == 0) break;
    if (got == -2) { snprintf(err, errlen, "%s", hm_reader_error(r)); rc = -1; reader_failed = true; break; }
    if (got == -1) { report(bad, user, src, hm_reader_error(r)); continue; }
    const char *why = NULL;
    const char *key = parent_key(s, field, &rec, &a, &why);
    if (!key) {
      char *msg = hm_arena_printf(&a, "%s:%llu:1: %s", rec.file, (unsigned long long)rec.line, why);
      report(bad, user, src, msg);
      continue;
    }
    if (add_child(x, ins, &prev, &row, key) < 0) { rc = -1; break; }
    encode(&row, rec.value, !from_json_text(r));
  }
  bool db_failed = rc < 0 && !reader_failed;
  if (!rc && flush_row(x, ins, &prev, &row) < 0) { rc = -1; db_failed = true; }
  if (db_failed) snprintf(err, errlen, "child index: %s", sqlite3_errmsg(x->db));
  sqlite3_finalize(ins);
  hm_buf_free(&row);
  hm_buf_free(&prev);
  hm_arena_free(&a);
  return rc;
}

/* Puts the scan on the first row after seq. */
static int seek(hm_childidx *x, sqlite3_int64 seq) {
  sqlite3_reset(x->scan);
  sqlite3_bind_int64(x->scan, 1, seq);
  int rc = sqlite3_step(x->scan);
  x->on_row = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int make_index(hm_childidx *x) {
  if (sqlite3_exec(x->db, "CREATE INDEX child_pkey ON child(pkey, seq)", NULL, NULL, NULL) != SQLITE_OK) return -1;
  return sqlite3_prepare_v2(x->db, "SELECT seq, rec FROM child WHERE pkey = ? ORDER BY seq", -1, &x->get, NULL) ==
                 SQLITE_OK ? 0 : -1;
}

/* The index, built on first need once the scan is open: the scan is put back
 * on the row it stood on afterwards. */
static int need_index(hm_childidx *x) {
  if (x->get) return 0;
  sqlite3_int64 at = x->on_row ? sqlite3_column_int64(x->scan, 0) : INT64_MAX;
  sqlite3_reset(x->scan);
  if (make_index(x) < 0) return -1;
  if (at == INT64_MAX) return 0;   /* the scan had ended */
  return seek(x, at - 1);
}

/* The scan, when each parent key has a single run (as many runs as keys;
 * ascending keys are that without counting). */
static int open_scan(hm_childidx *x) {
  bool grouped = x->sorted;
  if (!grouped) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(x->db, "SELECT count(DISTINCT pkey) FROM child", -1, &st, NULL) != SQLITE_OK) return -1;
    grouped = sqlite3_step(st) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) == x->runs;
    sqlite3_finalize(st);
  }
  if (!grouped) return 0;
  if (sqlite3_prepare_v2(x->db, "SELECT seq, pkey, rec FROM child WHERE seq > ? ORDER BY seq", -1, &x->scan, NULL) !=
      SQLITE_OK)
    return -1;
  return seek(x, 0);
}

hm_childidx *hm_childidx_build(const hm_program *p, uint32_t child_src, const char *data_dir,
                               hm_bad_record_fn bad, void *user, char *err, size_t errlen) {
  hm_reader *r = hm_reader_open(p, child_src, data_dir, err, errlen);
  if (!r) return NULL;
  hm_childidx *x = calloc(1, sizeof *x);
  x->sorted = true;
  hm_buf_init(&x->passed);
  if (sqlite3_open("", &x->db) != SQLITE_OK) {
    snprintf(err, errlen, "child index: cannot create a temporary database: %s", sqlite3_errmsg(x->db));
    goto fail;
  }
  /* A 2 MiB page cache: lookups come in parent order, which is mostly the
     order the rows were written, so a bigger cache bought no speed and was
     the only memory that grew with the input (16 MiB at a million tickets). */
  if (exec(x->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2048;"
                  "CREATE TABLE child(seq INTEGER PRIMARY KEY, pkey TEXT NOT NULL, rec BLOB NOT NULL);"
                  "BEGIN", err, errlen) < 0)
    goto fail;
  if (fill(x, p, child_src, r, bad, user, err, errlen) < 0) goto fail;
  if (exec(x->db, "COMMIT", err, errlen) < 0 || (!x->sorted && make_index(x) < 0) || open_scan(x) < 0) {
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

/* The children in a row, in order. */
static void push_row(sqlite3_stmt *st, int col, hm_arena *a, hm_value *out) {
  const unsigned char *blob = sqlite3_column_blob(st, col);
  dec d = {blob, blob + sqlite3_column_bytes(st, col), false};
  while (d.p < d.end) {
    hm_value v = decode(&d, a, 0);
    hv_list_push(a, out, d.bad ? hv_missing(HM_WHY_PARSE) : v);
    if (d.bad) break;
  }
}

static const char *scan_key(hm_childidx *x) { return (const char *)sqlite3_column_text(x->scan, 1); }

/* Sorted: moves the scan past the rows whose keys come before parent_key. */
static int skip_before(hm_childidx *x, const char *parent_key) {
  while (x->on_row && key_cmp(scan_key(x), parent_key) < 0) {
    x->passed.len = 0;
    hm_buf_puts(&x->passed, scan_key(x));
    int rc = sqlite3_step(x->scan);
    x->on_row = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return -1;
  }
  return 0;
}

/* The run under the scan (its key is parent_key), leaving the scan after it. */
static int take_run(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out) {
  int rc;
  do {
    push_row(x->scan, 2, a, out);
    rc = sqlite3_step(x->scan);
  } while (rc == SQLITE_ROW && !strcmp(scan_key(x), parent_key));
  x->on_row = rc == SQLITE_ROW;
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Through the index; *last is the seq of the last child (0 when none). */
static int lookup(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out, sqlite3_int64 *last) {
  sqlite3_bind_text(x->get, 1, parent_key, -1, SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(x->get)) == SQLITE_ROW) {
    *last = sqlite3_column_int64(x->get, 0);
    push_row(x->get, 1, a, out);
  }
  sqlite3_reset(x->get);
  sqlite3_clear_bindings(x->get);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Sorted and parent_key beyond the rows passed: its run is ahead or nowhere. */
static int get_ahead(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out) {
  if (skip_before(x, parent_key) < 0) return -1;
  if (!x->on_row || strcmp(scan_key(x), parent_key)) return 0;
  x->passed.len = 0;
  hm_buf_puts(&x->passed, parent_key);
  return take_run(x, parent_key, a, out);
}

int hm_childidx_get(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out) {
  *out = hv_list_new(a, 0);
  int ret;
  if (x->scan && x->sorted && (!x->passed.len || key_cmp(x->passed.data, parent_key) < 0)) {
    ret = get_ahead(x, parent_key, a, out);
  } else if (x->scan && x->on_row && !strcmp(scan_key(x), parent_key)) {
    ret = take_run(x, parent_key, a, out);
  } else {
    sqlite3_int64 last = 0;
    ret = need_index(x);
    if (!ret) ret = lookup(x, parent_key, a, out, &last);
    if (!ret && x->scan && !x->sorted && last) ret = seek(x, last);
  }
  if (ret) *out = hv_list_new(a, 0);
  return ret;
}

uint64_t hm_childidx_count(const hm_childidx *x) { return x ? x->count : 0; }

void hm_childidx_free(hm_childidx *x) {
  if (!x) return;
  sqlite3_finalize(x->get);
  sqlite3_finalize(x->scan);
  sqlite3_close(x->db);
  hm_buf_free(&x->passed);
  free(x);
}
