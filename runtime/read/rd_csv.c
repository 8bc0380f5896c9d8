/* hm_csv: the CSV reader, RFC 4180 as iTop's export-v2 writes it (header row of
 * field names, quoted cells with doubled quotes and embedded newlines, ',' ';'
 * or tab, CRLF or LF, UTF-8 checked byte by byte).
 *
 * Hot path: a record's cells are unescaped into one reusable scratch buffer,
 * each NUL-terminated, then copied into the caller's arena with one allocation;
 * the record's keys array is the header's, shared (cap == n, so adding a key
 * copies it first). Runs of ordinary bytes are found with a class table and
 * copied with memcpy. A record may be any size up to HM_MAX_RECORD; beyond that
 * it is reported bad and skipped without being stored, so memory stays bounded
 * even when an unterminated quote swallows the rest of a file.
 *
 * Lenient on purpose: a quote inside an unquoted cell is data; blank lines are
 * skipped; a lone CR ends a line as LF and CRLF do (old Mac exports), in a
 * quoted cell too (where it is kept as data). Strict on purpose: text after a
 * closing quote, a quote never closed, a row whose cell count differs from the
 * header's, a NUL byte anywhere, more than HM_CSV_MAX_FIELDS cells. */
#include "rd.h"
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>

static void put(hm_reader *r, const char *p, size_t n) {
  if (r->bad) return;
  if (r->scratch.len + n > HM_MAX_RECORD) {
    hm_reader_fail(r, r->rec_line, 1, "record larger than %s (an unterminated quote?)",
                   HM_MAX_RECORD_TEXT);
    r->bad = true;
    return;
  }
  hm_buf_put(&r->scratch, p, n);
}

static void cell_begin(hm_reader *r) {
  if (r->bad && r->ncell) return;          /* a bad record's cells are never used: stay bounded */
  if (r->ncell == HM_CSV_MAX_FIELDS) {
    hm_reader_fail(r, r->rec_line, 1, "more than %u fields", (unsigned)HM_CSV_MAX_FIELDS);
    r->bad = true;
    return;
  }
  if (r->ncell == r->cellcap) {
    r->cellcap = r->cellcap ? r->cellcap * 2 : 64;
    r->cell = realloc(r->cell, r->cellcap * sizeof *r->cell);
  }
  r->cell[r->ncell++] = r->scratch.len;
}

static void cell_end(hm_reader *r) { put(r, "", 1); }

static void newline(hm_reader *r) {       /* consumes the '\n' at pos */
  r->pos++;
  r->line++;
  r->line_start = r->buf_abs + r->pos;
}

/* The UTF-8 sequence at pos: copied if valid, else reported (once per record). */
static int take_utf8(hm_reader *r) {
  int n = hm_in_fill(r, 4);
  if (n < 0) return -2;
  int l = hm_utf8_seq((const unsigned char *)r->buf + r->pos, (size_t)n);
  if (!l) {
    if (!r->bad)
      hm_reader_fail(r, r->line, hm_in_col(r), "invalid UTF-8 byte 0x%02X",
                     (unsigned char)r->buf[r->pos]);
    r->bad = true;
    l = 1;
  }
  put(r, r->buf + r->pos, (size_t)l);
  r->pos += (size_t)l;
  return 0;
}

enum { END_CELL = 1, END_RECORD = 2, END_FILE = 3 };

/* At a byte that may end a cell: 0 if it does not. */
static int cell_stop(hm_reader *r, int *rc) {
  unsigned char c = (unsigned char)r->buf[r->pos];
  *rc = 0;
  if (c == (unsigned char)r->sep) { r->pos++; return END_CELL; }
  if (c == '\n') { newline(r); return END_RECORD; }
  if (c == '\r') {
    int n = hm_in_fill(r, 2);
    if (n < 0) { *rc = -2; return END_FILE; }
    if (n == 2 && r->buf[r->pos + 1] == '\n') r->pos++;
    newline(r);                            /* CRLF, or a lone CR */
    return END_RECORD;
  }
  return 0;
}

/* A NUL byte at pos: never data (C strings downstream would cut the cell). */
static void nul_byte(hm_reader *r) {
  if (!r->bad)
    hm_reader_fail(r, r->line, hm_in_col(r), "NUL byte in %s", r->cols ? "a field" : "the header");
  r->bad = true;
  r->pos++;
}

static int unquoted_cell(hm_reader *r) {
  for (;;) {
    if (r->pos == r->len) {
      int n = hm_in_fill(r, 1);
      if (n < 0) return -2;
      if (n == 0) return END_FILE;
    }
    const unsigned char *b = (const unsigned char *)r->buf;
    size_t i = r->pos, end = r->len;
    while (i < end && !r->ucls[b[i]]) i++;
    if (i > r->pos) put(r, r->buf + r->pos, i - r->pos);
    r->pos = i;
    if (i == end) continue;
    int rc, stop = cell_stop(r, &rc);
    if (rc) return rc;
    if (stop) return stop;
    if ((unsigned char)r->buf[r->pos] >= 0x80) { if (take_utf8(r) < 0) return -2; continue; }
    if (r->buf[r->pos] == 0) { nul_byte(r); continue; }
    put(r, r->buf + r->pos, 1);             /* '"': data */
    r->pos++;
  }
}

/* A CR inside quotes is data; CRLF or a lone CR also starts a new line. */
static int quoted_cr(hm_reader *r) {
  int n = hm_in_fill(r, 2);
  if (n < 0) return -2;
  if (n == 2 && r->buf[r->pos + 1] == '\n') { put(r, "\r", 1); r->pos++; put(r, "\n", 1); }
  else put(r, "\r", 1);
  newline(r);
  return 0;
}

static int quoted_cell(hm_reader *r) {
  uint64_t qline = r->line, qcol = hm_in_col(r);
  r->pos++;
  for (;;) {
    if (r->pos == r->len) {
      int n = hm_in_fill(r, 1);
      if (n < 0) return -2;
      if (n == 0) {
        if (!r->bad) hm_reader_fail(r, qline, qcol, "unterminated quoted field");
        r->bad = true;
        return END_FILE;
      }
    }
    const unsigned char *b = (const unsigned char *)r->buf;
    size_t i = r->pos, end = r->len;
    while (i < end && !r->qcls[b[i]]) i++;
    if (i > r->pos) put(r, r->buf + r->pos, i - r->pos);
    r->pos = i;
    if (i == end) continue;
    if (b[i] == '\n') { put(r, "\n", 1); newline(r); continue; }
    if (b[i] == '\r') { if (quoted_cr(r) < 0) return -2; continue; }
    if (b[i] == 0) { nul_byte(r); continue; }
    if (b[i] >= 0x80) { if (take_utf8(r) < 0) return -2; continue; }
    int n = hm_in_fill(r, 2);               /* a quote: doubled, or the end of the cell */
    if (n < 0) return -2;
    if (n == 2 && r->buf[r->pos + 1] == '"') { put(r, "\"", 1); r->pos += 2; continue; }
    r->pos++;
    n = hm_in_fill(r, 1);
    if (n < 0) return -2;
    if (n == 0) return END_FILE;
    int rc, stop = cell_stop(r, &rc);
    if (rc) return rc;
    if (stop) return stop;
    if (!r->bad) {
      unsigned char c = (unsigned char)r->buf[r->pos];
      if (c >= 0x20 && c < 0x7F)
        hm_reader_fail(r, r->line, hm_in_col(r), "unexpected '%c' after a closing quote", c);
      else
        hm_reader_fail(r, r->line, hm_in_col(r), "unexpected byte 0x%02X after a closing quote", c);
    }
    r->bad = true;
    return unquoted_cell(r);                /* resynchronise at the next separator */
  }
}

/* Skips blank lines. 1 = a record starts at pos, 0 = end of file, -2 = I/O. */
static int skip_blank_lines(hm_reader *r) {
  for (;;) {
    int n = hm_in_fill(r, 2);
    if (n < 0) return -2;
    if (n == 0) return 0;
    char c = r->buf[r->pos];
    if (c == '\n') { newline(r); continue; }
    if (c == '\r') { if (n == 2 && r->buf[r->pos + 1] == '\n') r->pos++; newline(r); continue; }
    return 1;
  }
}

/* Reads one record into scratch/cell. 1 = read (r->bad says if it is bad), 0 = end, -2 = I/O. */
static int read_record(hm_reader *r) {
  r->scratch.len = 0;
  r->ncell = 0;
  r->bad = false;
  int rc = skip_blank_lines(r);
  if (rc <= 0) return rc;
  r->rec_line = r->line;
  for (;;) {
    cell_begin(r);
    int end, n = hm_in_fill(r, 1);
    if (n < 0) return -2;
    if (n == 0) end = END_FILE;
    else end = r->buf[r->pos] == '"' ? quoted_cell(r) : unquoted_cell(r);
    if (end < 0) return -2;
    cell_end(r);
    if (end != END_CELL) return 1;
  }
}

static void init_classes(hm_reader *r) {
  memset(r->ucls, 0, sizeof r->ucls);
  memset(r->qcls, 0, sizeof r->qcls);
  for (int c = 0x80; c < 0x100; c++) r->ucls[c] = r->qcls[c] = 1;
  r->ucls['"'] = r->ucls['\n'] = r->ucls['\r'] = r->ucls[0] = 1;
  r->ucls[(unsigned char)r->sep] = 1;
  r->qcls['"'] = r->qcls['\n'] = r->qcls['\r'] = r->qcls[0] = 1;
}

/* A column the source needs (its key, its parent field) missing from the
   header would make every row fail later, or worse be guarded out quietly. */
static int require_column(hm_reader *r, uint32_t field, const char *role) {
  const hm_program *p = r->p;
  if (field == HM_BC_NONE || field >= p->nconsts || !p->consts[field].str) return 0;
  const char *name = p->consts[field].str;
  for (uint32_t i = 0; i < r->ncols; i++)
    if (strcmp(r->cols[i], name) == 0) return 0;
  const hm_source *s = &p->sources[r->src];
  const char *src = s->name < p->nconsts && p->consts[s->name].str ? p->consts[s->name].str : "?";
  const char *near = hm_closest_name(name, r->cols, r->ncols);
  hm_reader_fail(r, r->rec_line, 1, "no column '%s' in the header (the %s of source %s)%s%s%s",
                 name, role, src, near ? "; did you mean '" : "", near ? near : "",
                 near ? "'?" : "");
  return -1;
}

/* Whether two column names are one ignoring case and '_': SQL identifiers are
   case-insensitive (TicketID is TicketId), and scripts against real SmarterTrack databases
   write userid_customer where the schema has UserIdCustomer. */
static bool same_name(const char *a, const char *b) {
  for (;;) {
    while (*a == '_') a++;
    while (*b == '_') b++;
    if (!*a || !*b) return !*a && !*b;
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
    a++, b++;
  }
}

/* The name the map reads for header column `col`: an exact name the map knows stays; else the
   first known name that is the same ignoring case and '_'. */
static const char *known_spelling(const hm_reader *r, const char *col) {
  const hm_program *p = r->p;
  const hm_source *s = &p->sources[r->src];
  const char *pick = NULL;
  for (uint32_t i = 0; i < s->nfields + 3; i++) {
    uint32_t k = i < s->nfields ? s->fields[i]
                 : i == s->nfields ? s->key : i == s->nfields + 1 ? s->parent_by : HM_BC_NONE;
    const char *name = k < p->nconsts ? p->consts[k].str : NULL;
    if (!name) continue;
    if (strcmp(name, col) == 0) return col;
    if (!pick && same_name(name, col)) pick = name;
  }
  for (uint32_t i = 0; i < s->nignores; i++) {
    uint32_t a = s->ignores[i];
    uint32_t k = a < p->nannots ? p->annots[a].field : HM_BC_NONE;
    const char *name = k < p->nconsts ? p->consts[k].str : NULL;
    if (!name) continue;
    if (strcmp(name, col) == 0) return col;
    if (!pick && same_name(name, col)) pick = name;
  }
  return pick ? pick : col;
}

/* Renames each header column to the map's spelling of it. Two columns that are one name
   that way (TicketID and TicketId) cannot both be that name: the header is refused. */
static int canonical_header(hm_reader *r, const char **cols, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *want = known_spelling(r, cols[i]);
    if (want == cols[i]) continue;
    for (size_t j = 0; j < n; j++) {
      if (j == i || !same_name(cols[j], want)) continue;
      size_t a = i < j ? i : j, b = i < j ? j : i;
      hm_reader_fail(r, r->rec_line, 1,
                     "columns '%s' and '%s' are one name ignoring case and '_' "
                     "(fields %zu and %zu): keep one", cols[a], cols[b], a + 1, b + 1);
      return -1;
    }
    cols[i] = want;
  }
  return 0;
}

int hm_csv_begin(hm_reader *r) {
  init_classes(r);
  int rc = read_record(r);
  if (rc < 0) return -1;
  if (rc == 0) { hm_reader_fail(r, r->line, 1, "empty file, expected a header row"); return -1; }
  if (r->bad) return -1;
  const char **cols = hm_arena_alloc(&r->life, r->ncell * sizeof *cols);
  for (size_t i = 0; i < r->ncell; i++) cols[i] = r->scratch.data + r->cell[i];
  return hm_header_set(r, cols, (uint32_t)r->ncell);
}

void hm_count_bit_word(hm_reader *r, const char *s, size_t n) {
  if ((n == 4 && strncasecmp(s, "true", 4) == 0) || (n == 5 && strncasecmp(s, "false", 5) == 0))
    r->bit_words++;
}

int hm_header_set(hm_reader *r, const char **cols, uint32_t n) {
  r->ncols = n;
  size_t first, second;
  if (hm_names_dup(cols, n, true, &first, &second)) {
    hm_reader_fail(r, r->rec_line, 1,
                   "column '%s' appears twice in the header (fields %zu and %zu)", cols[second],
                   first + 1, second + 1);
    return -1;
  }
  for (size_t i = 0; i < n; i++) cols[i] = hm_arena_strdup(&r->life, cols[i]);
  if (canonical_header(r, cols, n) < 0) return -1;
  r->cols = cols;
  const hm_source *s = &r->p->sources[r->src];
  if (require_column(r, s->key, "key") < 0) return -1;
  if (!s->parent_by_path && require_column(r, s->parent_by, "parent field") < 0) return -1;
  for (uint32_t i = 0; i < s->nfields && (s->flags & HM_SRC_DECLARED); i++)
    if (require_column(r, s->fields[i], "declared column") < 0) return -1;
  return 0;
}

int hm_csv_next(hm_reader *r, hm_arena *a, hm_record *out) {
  int rc = read_record(r);
  if (rc <= 0) return rc;
  if (r->bad) return -1;
  if (r->ncell != r->ncols) {
    hm_reader_fail(r, r->rec_line, 1, "wrong number of fields: %zu, the header has %u", r->ncell,
                   r->ncols);
    return -1;
  }
  char *bytes = hm_arena_alloc(a, r->scratch.len);
  memcpy(bytes, r->scratch.data, r->scratch.len);
  hm_rec *rec = hm_arena_alloc(a, sizeof *rec);
  rec->n = rec->cap = r->ncols;
  rec->keys = r->cols;
  rec->vals = hm_arena_alloc(a, r->ncols * sizeof *rec->vals);
  for (uint32_t i = 0; i < r->ncols; i++) {
    size_t start = r->cell[i];
    size_t stop = i + 1 < r->ncols ? r->cell[i + 1] - 1 : r->scratch.len - 1;
    rec->vals[i] = hv_strn(bytes + start, stop - start);
    hm_count_bit_word(r, bytes + start, stop - start);
  }
  memset(&out->value, 0, sizeof out->value);
  out->value.kind = HV_REC;
  out->value.u.rec = rec;
  out->line = r->rec_line;
  return 1;
}
