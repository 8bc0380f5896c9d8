/* rd_sqlite: the SQLite reader (`from sqlite "FILE" table "T"`): the rows of one table of a
 * database file in the export folder, read straight from the database as SmarterTrack ships
 * it, no export step. A row becomes the record a CSV export of the table would give:
 * integers and reals as their text, text as it is; but a NULL is absent (missing, as a
 * JSON member left out), not the empty value a CSV cell cannot tell from '' — so a `??`
 * takes its fallback and a field set from it is left out (tests/plan/sqlite_null.sh); the
 * reference map reads an empty CSV cell of an optional column as absent too, and plans the
 * same calls from either (tests/plan/st_spellings.sh). The database is opened read-only;
 * the table name is matched as SQLite matches it, ignoring case; an `optional` source's
 * table the database lacks reads as no records (the plan says so). Invalid UTF-8 or binary
 * data in a cell is a bad record naming its row and column, never a cut or dropped value. */
#include "rd.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *table_of(const hm_reader *r) {
  const hm_source *s = &r->p->sources[r->src];
  return s->records < r->p->nconsts && r->p->consts[s->records].str
             ? r->p->consts[s->records].str : "";
}

void hm_sqlite_close(hm_reader *r) {
  sqlite3_finalize(r->stmt);
  sqlite3_close(r->db);
  r->stmt = NULL;
  r->db = NULL;
}

/* "no table T" with the closest table name of the database, if one is close. */
static void no_table(hm_reader *r, const char *table) {
  sqlite3_stmt *q = NULL;
  const char *names[512], *near = NULL;
  size_t n = 0;
  hm_arena a;
  hm_arena_init(&a, 4096);
  if (sqlite3_prepare_v2(r->db, "SELECT name FROM sqlite_master WHERE type IN ('table','view')",
                         -1, &q, NULL) == SQLITE_OK)
    while (n < 512 && sqlite3_step(q) == SQLITE_ROW)
      names[n++] = hm_arena_strdup(&a, (const char *)sqlite3_column_text(q, 0));
  sqlite3_finalize(q);
  near = hm_closest_name(table, names, n);
  hm_reader_fail(r, 1, 1, "no table '%s' in the database%s%s%s", table,
                 near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
  hm_arena_free(&a);
}

/* SELECT * in rowid order (the order rows were written), or in the table's own order for a
   table without rowids. */
static int prepare(hm_reader *r, const char *table) {
  hm_buf q;
  hm_buf_init(&q);
  hm_buf_puts(&q, "SELECT * FROM \"");
  for (const char *c = table; *c; c++) {
    if (*c == '"') hm_buf_putc(&q, '"');
    hm_buf_putc(&q, *c);
  }
  hm_buf_puts(&q, "\"");
  size_t plain = q.len;
  hm_buf_puts(&q, " ORDER BY rowid");
  hm_buf_putc(&q, 0);
  int rc = sqlite3_prepare_v2(r->db, q.data, -1, &r->stmt, NULL);
  if (rc != SQLITE_OK) {
    q.data[plain] = 0;
    rc = sqlite3_prepare_v2(r->db, q.data, -1, &r->stmt, NULL);
  }
  hm_buf_free(&q);
  return rc;
}

int hm_sqlite_begin(hm_reader *r) {
  const char *rel = hm_reader_file(r), *table = table_of(r);
  char *full = hm_arena_printf(&r->life, "%s/%s", r->data_dir, rel);
  r->row = 0;
  r->rec_line = 1;
  if (sqlite3_open_v2(full, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    hm_reader_fail(r, 1, 1, "cannot open the SQLite database: %s",
                   r->db ? sqlite3_errmsg(r->db) : "out of memory");
    return -1;
  }
  sqlite3_busy_timeout(r->db, 5000);
  if (prepare(r, table) != SQLITE_OK) {
    bool optional = r->p->sources[r->src].flags & HM_SRC_OPTIONAL;
    if (strstr(sqlite3_errmsg(r->db), "no such table") && optional) {
      hm_sqlite_close(r);   /* an optional source's table the database lacks: no records */
      r->absent = true;
      return 0;
    }
    if (strstr(sqlite3_errmsg(r->db), "no such table")) no_table(r, table);
    else hm_reader_fail(r, 1, 1, "table '%s': %s", table, sqlite3_errmsg(r->db));
    return -1;
  }
  int n = sqlite3_column_count(r->stmt);
  const char **cols = hm_arena_alloc(&r->life, ((size_t)n + 1) * sizeof *cols);
  for (int i = 0; i < n; i++) {
    const char *c = sqlite3_column_name(r->stmt, i);
    cols[i] = c ? c : "";
  }
  return hm_header_set(r, cols, (uint32_t)n);
}

/* Cell i of the current row as a value in arena a; -1 (error set) when it is not text. */
static int cell(hm_reader *r, int i, hm_arena *a, hm_value *out) {
  int type = sqlite3_column_type(r->stmt, i);
  if (type == SQLITE_NULL) { *out = hv_missing(HM_WHY_ABSENT); return 0; }
  const unsigned char *t = type == SQLITE_BLOB ? sqlite3_column_blob(r->stmt, i)
                                               : sqlite3_column_text(r->stmt, i);
  size_t n = (size_t)sqlite3_column_bytes(r->stmt, i);
  size_t bad = t ? hm_utf8_check(t, n) : 0;
  if (bad == n && t && memchr(t, 0, n)) bad = (size_t)((const unsigned char *)memchr(t, 0, n) - t);
  if (bad < n) {
    hm_reader_fail(r, r->row, 1, "table '%s' row %llu, column '%s': %s at byte %zu", table_of(r),
                   (unsigned long long)r->row, r->cols[i],
                   type == SQLITE_BLOB ? "binary data, not text" : "invalid UTF-8", bad + 1);
    return -1;
  }
  char *s = hm_arena_alloc(a, n + 1);
  if (n) memcpy(s, t, n);
  s[n] = 0;
  *out = hv_strn(s, n);
  hm_count_bit_word(r, s, n);
  return 0;
}

int hm_sqlite_next(hm_reader *r, hm_arena *a, hm_record *out) {
  if (!r->stmt) return 0;   /* an absent optional table */
  int rc = sqlite3_step(r->stmt);
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) {
    hm_reader_fail(r, r->row + 1, 1, "table '%s': %s", table_of(r), sqlite3_errmsg(r->db));
    return -2;
  }
  r->row++;
  hm_rec *rec = hm_arena_alloc(a, sizeof *rec);
  rec->n = rec->cap = r->ncols;
  rec->keys = r->cols;
  rec->vals = hm_arena_alloc(a, (r->ncols + 1) * sizeof *rec->vals);
  for (uint32_t i = 0; i < r->ncols; i++)
    if (cell(r, (int)i, a, &rec->vals[i]) < 0) return -1;
  memset(&out->value, 0, sizeof out->value);
  out->value.kind = HV_REC;
  out->value.u.rec = rec;
  out->line = r->row;
  return 1;
}
