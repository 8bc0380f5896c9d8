/* hm_childidx: child records by parent key, so a parent is joined to its
 * children without holding any whole file in memory. The records, in a
 * compact binary encoding of their values (below), are written in runs of
 * equal parent keys as rows of an hm_spill (memory, then an unlinked
 * temporary file in $TMPDIR), in source order. The encoding, not JSON text,
 * because reading children back as JSON is a parse per comment, a third of a
 * plan's time; holding the rows in SQLite would cost another third (writing
 * them through its pages).
 *
 * Children are read back in one of two ways. When every parent's children
 * are one run of consecutive rows (the case in every export we know), by a
 * cursor walking the rows in write order: a parent asked for in the same
 * order gets the run under the cursor, a step per row instead of a search.
 * Any other parent goes through an index of the rows by key, in a SQLite
 * temporary database (bounded memory whatever the number of keys), and
 * moves the cursor past its run.
 *
 * When the runs' keys also ascend (in key_cmp's order: ids counting up), a
 * parent whose key is beyond the cursor's last run needs no index either: its
 * run is ahead or nowhere. The index is then built only when a parent comes
 * back to a key at or behind the cursor, usually never. */
#include "hm_read.h"
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rd.h"

/* Member names repeat in every record of a source: each distinct name is
 * kept once, here, and a record's members refer to it by number (a u16;
 * KEY_INLINE then the text, for names past KEYS_MAX or needing repair).
 * Records read back share these copies of their names. Writing and copying
 * every name of every child costs a tenth of a plan. */
#define KEYS_MAX 4096u
#define KEY_INLINE 0xFFFFu
typedef struct keytab {
  char **name;
  uint32_t n;
  uint32_t *slot;   /* 2 * KEYS_MAX: id + 1 by name hash, 0 when free */
} keytab;

/* A row: u32 key size (with its NUL), u32 data size, the key, the data. */
struct hm_childidx {
  keytab keys;
  hm_spill rows;
  sqlite3 *db;          /* the index of rows by key: NULL until a lookup needs it */
  sqlite3_stmt *get;    /* the offsets of one key's rows, in write order */
  bool grouped;         /* each key is one run of rows: the cursor serves them */
  bool sorted;          /* the runs' keys ascend */
  uint64_t cur;         /* offset of the row under the cursor; the spill's size past the last */
  hm_buf cur_key;       /* that row's key */
  uint64_t cur_data;    /* and where its data lies */
  uint32_t cur_len;
  hm_buf passed;        /* sorted: the key of the last row the cursor went past */
  uint64_t count;       /* children */
  uint64_t runs;        /* runs of equal consecutive parent keys while filling */
};

/* A strict total order on keys in which counting ids ascend: shorter first. */
static int key_cmp(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la != lb) return la < lb ? -1 : 1;
  return memcmp(a, b, la);
}

/* The record's parent key as text in a, or NULL with why set. */
static const char *parent_key(const hm_source *s, const char *field, const hm_record *rec,
                              hm_arena *a, const char **why) {
  if (s->parent_by_path || !field) {
    if (!rec->path_key) *why = "no parent key: the source path has no '*' to take it from";
    return rec->path_key;
  }
  hm_value v = hv_rec_get(&rec->value, field);
  switch (v.kind) {
  case HV_STR: case HV_NUM: case HV_BOOL: return hv_to_str(a, v).u.str;
  case HV_MISSING:
    *why = hm_arena_printf(a, "no parent key: field '%s' is missing", field);
    return NULL;
  case HV_NULL: *why = hm_arena_printf(a, "no parent key: field '%s' is null", field); return NULL;
  default:
    *why = hm_arena_printf(a, "no parent key: field '%s' is %s", field,
                           v.kind == HV_LIST ? "a list" : "a record");
    return NULL;
  }
}

/* The encoding: a kind byte, then for a bool one byte, a number its 8 bytes,
 * a string its u32 length and bytes, a list its u32 count and items, a record
 * its u32 count and (u16 name number, value) members (see keytab). It gives back
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

static uint32_t keytab_id(keytab *kt, const char *k, size_t n) {
  if (!kt->slot && !(kt->slot = calloc(2 * KEYS_MAX, sizeof *kt->slot))) abort();
  uint32_t h = hm_fnv1a32_add(HM_FNV32_OFFSET, k, n);
  for (h &= 2 * KEYS_MAX - 1; kt->slot[h]; h = (h + 1) & (2 * KEYS_MAX - 1)) {
    const char *name = kt->name[kt->slot[h] - 1];
    if (!strncmp(name, k, n) && !name[n]) return kt->slot[h] - 1;
  }
  if (kt->n == KEYS_MAX) return KEY_INLINE;
  if (!(kt->n % 64) && !(kt->name = realloc(kt->name, (kt->n + 64) * sizeof *kt->name))) abort();
  if (!(kt->name[kt->n] = strndup(k, n))) abort();
  kt->slot[h] = ++kt->n;
  return kt->n - 1;
}

static void keytab_free(keytab *kt) {
  for (uint32_t i = 0; i < kt->n; i++) free(kt->name[i]);
  free(kt->name);
  free(kt->slot);
}

static void put_key(hm_buf *b, keytab *kt, const char *k, bool repair) {
  size_t n = strlen(k);
  uint32_t id =
      repair && hm_utf8_check((const unsigned char *)k, n) < n ? KEY_INLINE : keytab_id(kt, k, n);
  unsigned char c[2] = {(unsigned char)id, (unsigned char)(id >> 8)};
  hm_buf_put(b, c, 2);
  if (id == KEY_INLINE) put_text(b, k, n, repair);
}

static void encode(hm_buf *b, keytab *kt, hm_value v, bool repair) {
  switch (v.kind) {
  case HV_BOOL: hm_buf_u8(b, v.u.b ? ENC_TRUE : ENC_FALSE); return;
  case HV_NUM:
    if (!isfinite(v.u.num)) break;
    hm_buf_u8(b, ENC_NUM); hm_buf_f64(b, v.u.num); return;
  case HV_STR: hm_buf_u8(b, ENC_STR); put_text(b, v.u.str, v.len, repair); return;
  case HV_LIST:
    hm_buf_u8(b, ENC_LIST); put_u32(b, v.u.list->n);
    for (uint32_t i = 0; i < v.u.list->n; i++) encode(b, kt, v.u.list->items[i], repair);
    return;
  case HV_REC: {
    uint32_t n = 0;
    for (uint32_t i = 0; i < v.u.rec->n; i++) n += v.u.rec->vals[i].kind != HV_MISSING;
    hm_buf_u8(b, ENC_REC); put_u32(b, n);
    for (uint32_t i = 0; i < v.u.rec->n; i++) {
      if (v.u.rec->vals[i].kind == HV_MISSING) continue;
      put_key(b, kt, v.u.rec->keys[i], repair);
      encode(b, kt, v.u.rec->vals[i], repair);
    }
    return;
  }
  default: break;   /* missing, null; references never come from a reader */
  }
  hm_buf_u8(b, ENC_NULL);
}

typedef struct dec { const unsigned char *p, *end; const keytab *kt; bool bad; } dec;

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

static const char *take_key(dec *d, hm_arena *a) {
  unsigned char c[2] = {0, 0};
  take(d, c, 2);
  uint32_t id = (uint32_t)c[0] | (uint32_t)c[1] << 8, len;
  if (id == KEY_INLINE) return take_text(d, a, &len);
  if (id >= d->kt->n) { d->bad = true; return ""; }
  return d->kt->name[id];
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
    if (n > (size_t)(d->end - d->p)) {
      d->bad = true;
      return hv_null();
    } /* each item is a byte at least */
    hm_value v = hv_list_new(a, n);
    for (uint32_t i = 0; i < n && !d->bad; i++)
      v.u.list->items[v.u.list->n++] = decode(d, a, depth + 1);
    return v;
  }
  case ENC_REC: {
    uint32_t n = take_u32(d);
    if (n > (size_t)(d->end - d->p)) { d->bad = true; return hv_null(); }
    hm_value v = hv_rec_new(a, n);
    for (uint32_t i = 0; i < n && !d->bad; i++) {
      v.u.rec->keys[i] = take_key(d, a);
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
  while (text && len && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) {
    text++;
    len--;
  }
  return text && len && *text == '{';
}

/* A row holds the encoded children of one run of a parent key, up to
 * ROW_MAX bytes (a longer run takes several rows): memory stays bounded
 * whatever a parent's number of children. */
#define ROW_MAX (64 * 1024)

static int flush_row(hm_childidx *x, const hm_buf *key, hm_buf *row) {
  if (!row->len) return 0;
  hm_buf head;
  hm_buf_init(&head);
  hm_buf_u32(&head, (uint32_t)key->len + 1);
  hm_buf_u32(&head, (uint32_t)row->len);
  int rc = hm_spill_append(&x->rows, head.data, head.len) < 0 ||
           hm_spill_append(&x->rows, key->data, key->len + 1) < 0 ||
           hm_spill_append(&x->rows, row->data, row->len) < 0 ? -1 : 0;
  hm_buf_free(&head);
  row->len = 0;
  return rc;
}

/* Starts a row for one child; a new key (or a full row) writes out the row before. */
static int add_child(hm_childidx *x, hm_buf *prev, hm_buf *row, const char *key) {
  if (!x->runs || strcmp(prev->data, key)) {
    if (flush_row(x, prev, row) < 0) return -1;
    if (x->runs && key_cmp(prev->data, key) > 0) x->sorted = false;
    x->runs++;
    prev->len = 0;
    hm_buf_puts(prev, key);
  } else if (row->len >= ROW_MAX && flush_row(x, prev, row) < 0) {
    return -1;
  }
  x->count++;
  return 0;
}

static void spill_error(char *err, size_t errlen) {
  snprintf(err, errlen, "child index: cannot write a temporary file in %s: %s",
           getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", strerror(errno));
}

static int fill(hm_childidx *x, const hm_program *p, uint32_t src, hm_reader *r,
                hm_bad_record_fn bad, void *user, char *err, size_t errlen) {
  const hm_source *s = &p->sources[src];
  const char *field =
      s->parent_by != HM_BC_NONE && s->parent_by < p->nconsts ? p->consts[s->parent_by].str : NULL;
  hm_arena a;
  hm_arena_init(&a, 64 * 1024);
  hm_buf row, prev;
  hm_buf_init(&row);
  hm_buf_init(&prev);
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
    if (add_child(x, &prev, &row, key) < 0) { spill_error(err, errlen); rc = -1; break; }
    encode(&row, &x->keys, rec.value, !from_json_text(r));
  }
  if (!rc && flush_row(x, &prev, &row) < 0) { spill_error(err, errlen); rc = -1; }
  hm_buf_free(&row);
  hm_buf_free(&prev);
  hm_arena_free(&a);
  return rc;
}

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The row at off: its key (valid until the next read of the spill), where its
   data lies and where the next row starts. */
static int read_head(hm_childidx *x, uint64_t off, const char **key, uint64_t *data,
                     uint32_t *len) {
  const unsigned char *h = hm_spill_view(&x->rows, off, 8);
  if (!h) return -1;
  uint32_t klen = le32(h), dlen = le32(h + 4);
  const unsigned char *k = hm_spill_view(&x->rows, off + 8, klen);
  if (!k || !klen || k[klen - 1]) return -1;
  *key = (const char *)k;
  *data = off + 8 + klen;
  *len = dlen;
  return 0;
}

/* Puts the cursor on the row at off (or past the end). */
static int move_to(hm_childidx *x, uint64_t off) {
  x->cur = off;
  if (off >= hm_spill_size(&x->rows)) return 0;
  const char *key;
  if (read_head(x, off, &key, &x->cur_data, &x->cur_len) < 0) return -1;
  x->cur_key.len = 0;
  hm_buf_puts(&x->cur_key, key);
  return 0;
}

static bool on_row(const hm_childidx *x) { return x->cur < hm_spill_size(&x->rows); }
static uint64_t row_end(const hm_childidx *x) { return x->cur_data + x->cur_len; }

/* The children in the data of a row, in order. */
static int push_row(hm_childidx *x, uint64_t data, uint32_t len, hm_arena *a, hm_value *out) {
  const unsigned char *blob = hm_spill_view(&x->rows, data, len);
  if (!blob) return -1;
  dec d = {blob, blob + len, &x->keys, false};
  while (d.p < d.end) {
    hm_value v = decode(&d, a, 0);
    hv_list_push(a, out, d.bad ? hv_missing(HM_WHY_PARSE) : v);
    if (d.bad) break;
  }
  return 0;
}

static int exec(sqlite3 *db, const char *sql) {
  return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Every row's key and offset into the index, in one transaction; the index
   on them made after the rows (cheaper than keeping it up to date). */
static int index_rows(hm_childidx *x) {
  sqlite3_stmt *ins = NULL;
  if (sqlite3_prepare_v2(x->db, "INSERT INTO row(pkey, off) VALUES (?, ?)", -1, &ins, NULL) !=
      SQLITE_OK)
    return -1;
  int rc = exec(x->db, "BEGIN");
  for (uint64_t off = 0; !rc && off < hm_spill_size(&x->rows);) {
    const char *key;
    uint64_t data;
    uint32_t len;
    if (read_head(x, off, &key, &data, &len) < 0) { rc = -1; break; }
    sqlite3_bind_text(ins, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(ins, 2, (sqlite3_int64)off);
    if (sqlite3_step(ins) != SQLITE_DONE) rc = -1;
    sqlite3_reset(ins);
    off = data + len;
  }
  sqlite3_finalize(ins);
  if (!rc) rc = exec(x->db, "COMMIT; CREATE INDEX row_pkey ON row(pkey, off)");
  return rc;
}

/* The index, made on first need. sqlite3_open("") gives a private on-disk
   database in the temp dir that SQLite deletes on close; a 2 MiB page cache
   keeps memory flat whatever the number of keys. */
static int need_index(hm_childidx *x) {
  if (x->get) return 0;
  if (sqlite3_open("", &x->db) != SQLITE_OK ||
      exec(x->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2048;"
                  "CREATE TABLE row(pkey TEXT NOT NULL, off INTEGER NOT NULL)") < 0 ||
      index_rows(x) < 0)
    return -1;
  return sqlite3_prepare_v2(x->db, "SELECT off FROM row WHERE pkey = ? ORDER BY off", -1, &x->get,
                            NULL) == SQLITE_OK
             ? 0
             : -1;
}

/* Whether each key is a single run (as many runs as keys; ascending keys are
   that without counting). */
static int check_grouped(hm_childidx *x) {
  x->grouped = x->sorted;
  if (x->grouped) return 0;
  if (need_index(x) < 0) return -1;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(x->db, "SELECT count(DISTINCT pkey) FROM row", -1, &st, NULL) != SQLITE_OK)
    return -1;
  x->grouped = sqlite3_step(st) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) == x->runs;
  sqlite3_finalize(st);
  return 0;
}

static const char *index_error(hm_childidx *x) {
  return x->db ? sqlite3_errmsg(x->db) : "cannot create a temporary database";
}

hm_childidx *hm_childidx_build(const hm_program *p, uint32_t child_src, const char *data_dir,
                               hm_bad_record_fn bad, void *user, char *err, size_t errlen) {
  hm_reader *r = hm_reader_open(p, child_src, data_dir, err, errlen);
  if (!r) return NULL;
  hm_childidx *x = calloc(1, sizeof *x);
  if (!x) abort();
  hm_spill_init(&x->rows);
  hm_buf_init(&x->cur_key);
  hm_buf_init(&x->passed);
  x->sorted = true;
  int rc = fill(x, p, child_src, r, bad, user, err, errlen);
  hm_reader_close(r);
  if (!rc && (check_grouped(x) < 0 || move_to(x, 0) < 0)) {
    snprintf(err, errlen, "child index: %s", index_error(x));
    rc = -1;
  }
  if (rc) { hm_childidx_free(x); return NULL; }
  return x;
}

/* Sorted: moves the cursor past the rows whose keys come before parent_key. */
static int skip_before(hm_childidx *x, const char *parent_key) {
  while (on_row(x) && key_cmp(x->cur_key.data, parent_key) < 0) {
    x->passed.len = 0;
    hm_buf_put(&x->passed, x->cur_key.data, x->cur_key.len);
    if (move_to(x, row_end(x)) < 0) return -1;
  }
  return 0;
}

/* The run under the cursor (its key is parent_key), leaving the cursor after it. */
static int take_run(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out) {
  do {
    if (push_row(x, x->cur_data, x->cur_len, a, out) < 0 || move_to(x, row_end(x)) < 0) return -1;
  } while (on_row(x) && !strcmp(x->cur_key.data, parent_key));
  return 0;
}

/* Through the index; *end is where the key's last row ends (0 when none). */
static int lookup(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out,
                  uint64_t *end) {
  sqlite3_bind_text(x->get, 1, parent_key, -1, SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(x->get)) == SQLITE_ROW) {
    const char *key;
    uint64_t data;
    uint32_t len;
    if (read_head(x, (uint64_t)sqlite3_column_int64(x->get, 0), &key, &data, &len) < 0 ||
        push_row(x, data, len, a, out) < 0) {
      rc = SQLITE_IOERR;
      break;
    }
    *end = data + len;
  }
  sqlite3_reset(x->get);
  sqlite3_clear_bindings(x->get);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* Sorted and parent_key beyond the rows passed: its run is ahead or nowhere. */
static int get_ahead(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out) {
  if (skip_before(x, parent_key) < 0) return -1;
  if (!on_row(x) || strcmp(x->cur_key.data, parent_key)) return 0;
  x->passed.len = 0;
  hm_buf_puts(&x->passed, parent_key);
  return take_run(x, parent_key, a, out);
}

int hm_childidx_get(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out) {
  *out = hv_list_new(a, 0);
  int ret;
  if (x->grouped && x->sorted && (!x->passed.len || key_cmp(x->passed.data, parent_key) < 0)) {
    ret = get_ahead(x, parent_key, a, out);
  } else if (x->grouped && on_row(x) && !strcmp(x->cur_key.data, parent_key)) {
    ret = take_run(x, parent_key, a, out);
  } else {
    uint64_t end = 0;
    ret = need_index(x);
    if (!ret) ret = lookup(x, parent_key, a, out, &end);
    if (!ret && x->grouped && !x->sorted && end) ret = move_to(x, end);
  }
  if (ret) *out = hv_list_new(a, 0);
  return ret;
}

uint64_t hm_childidx_count(const hm_childidx *x) { return x ? x->count : 0; }

void hm_childidx_free(hm_childidx *x) {
  if (!x) return;
  sqlite3_finalize(x->get);
  sqlite3_close(x->db);
  hm_spill_free(&x->rows);
  keytab_free(&x->keys);
  hm_buf_free(&x->cur_key);
  hm_buf_free(&x->passed);
  free(x);
}
