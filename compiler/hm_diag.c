/* hm_diag: collecting, sorting and printing diagnostics; see hm_diag.h. */
#include "hm_diag.h"
#include "hm_edit.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *id; int error; } code_info[HC__COUNT] = {
#define CODE(id, sev, summary) {#id, sizeof(#sev) == sizeof("error")},
#include "hm_codes.def"
#undef CODE
};

const char *hm_code_id(hm_dcode c) { return code_info[c].id; }
int hm_code_is_error(hm_dcode c) { return code_info[c].error; }

void hm_diags_init(hm_diags *d, hm_arena *arena) {
  memset(d, 0, sizeof *d);
  d->arena = arena;
}

void hm_diags_free(hm_diags *d) {
  for (uint32_t i = 0; i < d->nfiles; i++) free(d->files[i].line_starts);
  free(d->files);
  free(d->items);
  free(d->seen);
  d->files = NULL; d->items = NULL; d->seen = NULL;
}

uint32_t hm_diags_add_file(hm_diags *d, const char *path, const char *text, size_t len) {
  if (d->nfiles == d->capfiles) {
    d->capfiles = d->capfiles ? d->capfiles * 2 : 8;
    d->files = realloc(d->files, d->capfiles * sizeof *d->files);
    if (!d->files) abort();
  }
  d->files[d->nfiles] = (hm_srcfile){path, text, len, NULL, 0};
  return d->nfiles++;
}

static uint32_t diag_hash(hm_loc loc, hm_dcode code, const char *msg) {
  uint32_t h = 2166136261u;   /* FNV-1a over the key's fields and the message */
  uint32_t key[4] = {loc.file, loc.line, loc.col, (uint32_t)code};
  const unsigned char *k = (const unsigned char *)key;
  for (size_t i = 0; i < sizeof key; i++) h = (h ^ k[i]) * 16777619u;
  for (const unsigned char *p = (const unsigned char *)msg; *p; p++) h = (h ^ *p) * 16777619u;
  return h;
}

static int same_diag(const hm_diag *g, hm_loc loc, hm_dcode code, const char *msg) {
  return g->code == code && g->loc.file == loc.file && g->loc.line == loc.line &&
         g->loc.col == loc.col && strcmp(g->msg, msg) == 0;
}

/* The slot of the key in d->seen: the item's (index + 1), or 0 where it would go. */
static uint32_t *seen_slot(hm_diags *d, hm_loc loc, hm_dcode code, const char *msg) {
  uint32_t mask = d->seencap - 1, i = diag_hash(loc, code, msg) & mask;
  while (d->seen[i] && !same_diag(&d->items[d->seen[i] - 1], loc, code, msg))
    i = (i + 1) & mask;
  return &d->seen[i];
}

/* Keeps the table at most half full, so probes stay short and always end. */
static void seen_grow(hm_diags *d) {
  if (d->seencap && (d->n + 1) * 2 <= d->seencap) return;
  free(d->seen);
  d->seencap = d->seencap ? d->seencap * 2 : 64;
  d->seen = calloc(d->seencap, sizeof *d->seen);
  if (!d->seen) abort();
  for (uint32_t j = 0; j < d->n; j++)
    *seen_slot(d, d->items[j].loc, d->items[j].code, d->items[j].msg) = j + 1;
}

void hm_diag_at(hm_diags *d, hm_loc loc, hm_dcode code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  seen_grow(d);
  uint32_t *slot = seen_slot(d, loc, code, msg);
  d->last_dropped = *slot != 0;
  if (d->last_dropped) return;
  if (d->n == d->cap) {
    d->cap = d->cap ? d->cap * 2 : 16;
    d->items = realloc(d->items, d->cap * sizeof *d->items);
    if (!d->items) abort();
  }
  d->items[d->n++] = (hm_diag){loc, code, hm_arena_strdup(d->arena, msg), NULL, loc};
  *slot = d->n;
  if (hm_code_is_error(code)) d->errors++; else d->warnings++;
}

void hm_diag_fix(hm_diags *d, hm_loc at, const char *text) {
  if (!d->n || d->last_dropped) return;
  d->items[d->n - 1].fix = hm_arena_strdup(d->arena, text);
  d->items[d->n - 1].fix_loc = at;
}

/* The end column of a one-line span (a point is one character wide). */
static uint32_t span_end(hm_loc l) { return l.end_line == l.line ? l.end_col : l.col + 1; }

static int diag_cmp(const void *x, const void *y) {
  const hm_diag *a = x, *b = y;
  if (a->loc.file != b->loc.file) return a->loc.file < b->loc.file ? -1 : 1;
  if (a->loc.line != b->loc.line) return a->loc.line < b->loc.line ? -1 : 1;
  if (a->loc.col != b->loc.col) return a->loc.col < b->loc.col ? -1 : 1;
  return 0;
}

static void merge(hm_diag *v, hm_diag *tmp, uint32_t lo, uint32_t mid, uint32_t hi) {
  uint32_t i = lo, j = mid, k = lo;
  while (i < mid && j < hi) tmp[k++] = diag_cmp(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
  while (i < mid) tmp[k++] = v[i++];
  while (j < hi) tmp[k++] = v[j++];
  memcpy(v + lo, tmp + lo, (hi - lo) * sizeof *v);
}

/* A stable merge sort (qsort is not stable): diagnostics at the same spot keep
   the order they were emitted in, and n of them sort in O(n log n). */
static void sort_diags(hm_diags *d) {
  if (d->n < 2) return;
  hm_diag *tmp = malloc(d->n * sizeof *tmp);
  if (!tmp) abort();
  for (uint32_t w = 1; w < d->n; w *= 2)
    for (uint32_t lo = 0; lo + w < d->n; lo += 2 * w)
      merge(d->items, tmp, lo, lo + w, lo + 2 * w < d->n ? lo + 2 * w : d->n);
  free(tmp);
  free(d->seen);   /* it held indices of the old order: rebuilt by the next hm_diag_at */
  d->seen = NULL; d->seencap = 0;
}

/* Start of every line of f, built once on the first diagnostic printed, so
   printing n diagnostics does not rescan the file n times. */
static void index_lines(hm_srcfile *f) {
  if (f->line_starts) return;
  uint32_t n = 1;
  for (size_t i = 0; i < f->len; i++) if (f->text[i] == '\n') n++;
  f->line_starts = malloc((n + 1) * sizeof *f->line_starts);
  if (!f->line_starts) abort();
  f->nlines = 0;
  f->line_starts[f->nlines++] = 0;
  for (size_t i = 0; i < f->len; i++) if (f->text[i] == '\n') f->line_starts[f->nlines++] = i + 1;
}

static const char *line_text(hm_srcfile *f, uint32_t line, size_t *len) {
  index_lines(f);
  const char *end = f->text + f->len;
  const char *p = f->text + (line - 1 < f->nlines ? f->line_starts[line - 1] : f->len);
  const char *e = p;
  while (e < end && *e != '\n' && *e != '\r') e++;
  *len = (size_t)(e - p);
  return p;
}

static void print_caret(hm_buf *out, const char *text, size_t len, uint32_t col, uint32_t end_col) {
  /* Columns count characters; tabs are echoed so the caret lines up. */
  hm_buf_puts(out, "  ");
  uint32_t c = 1;
  for (size_t i = 0; i < len && c < col; i++) {
    if (((unsigned char)text[i] & 0xC0) == 0x80) continue;
    hm_buf_putc(out, text[i] == '\t' ? '\t' : ' ');
    c++;
  }
  hm_buf_putc(out, '^');
  for (uint32_t k = col + 1; k < end_col; k++) hm_buf_putc(out, '~');
  hm_buf_putc(out, '\n');
}

static void print_one(hm_diags *d, const hm_diag *g, hm_buf *out, int color) {
  hm_srcfile *f = &d->files[g->loc.file];
  int err = hm_code_is_error(g->code);
  char where[64] = "";
  if (g->loc.line) snprintf(where, sizeof where, ":%u:%u", g->loc.line, g->loc.col);
  if (color)
    hm_buf_printf(out, "\033[1m%s%s: %s%s:\033[0m\033[1m %s [%s]\033[0m\n", f->path, where,
                  err ? "\033[31m" : "\033[35m", err ? "error" : "warning", g->msg,
                  hm_code_id(g->code));
  else
    hm_buf_printf(out, "%s%s: %s: %s [%s]\n", f->path, where, err ? "error" : "warning", g->msg,
                  hm_code_id(g->code));
  if (g->loc.line == 0) return;
  size_t len;
  const char *t = line_text(f, g->loc.line, &len);
  hm_buf_puts(out, "  ");
  hm_buf_put(out, t, len);
  hm_buf_putc(out, '\n');
  print_caret(out, t, len, g->loc.col, span_end(g->loc));
  if (g->fix) {
    if (g->fix_loc.end_line == g->fix_loc.line && g->fix_loc.end_col == g->fix_loc.col)
      hm_buf_printf(out, "  fix: insert `%s` at %u:%u\n", g->fix, g->fix_loc.line,
                    g->fix_loc.col);
    else
      hm_buf_printf(out, "  fix: replace %u:%u-%u with `%s`\n", g->fix_loc.line,
                    g->fix_loc.col, span_end(g->fix_loc), g->fix);
  }
}

/* Byte offset of a (line, col) point of f; columns count characters. */
static size_t offset_of(hm_srcfile *f, uint32_t line, uint32_t col) {
  index_lines(f);
  if (line == 0 || line > f->nlines) return f->len;
  size_t i = f->line_starts[line - 1];
  for (uint32_t c = 1; i < f->len && f->text[i] != '\n'; i++) {
    if (((unsigned char)f->text[i] & 0xC0) == 0x80) continue;
    if (c++ == col) break;
  }
  return i;
}

/* The (line, col) point of a byte offset of f. */
static hm_loc point_of(hm_srcfile *f, uint32_t file, size_t off) {
  uint32_t lo = 0, hi = f->nlines - 1;
  while (lo < hi) {
    uint32_t mid = (lo + hi + 1) / 2;
    if (f->line_starts[mid] <= off) lo = mid; else hi = mid - 1;
  }
  uint32_t col = 1;
  for (size_t i = f->line_starts[lo]; i < off && i < f->len; i++)
    if (((unsigned char)f->text[i] & 0xC0) != 0x80) col++;
  return (hm_loc){file, lo + 1, col, lo + 1, col};
}

/* Past a string, backtick name or comment starting at i (none: i itself). Lines end
   them all: the lexer refuses a string across lines. */
static size_t skip_quoted(const char *t, size_t i, size_t end) {
  char q = t[i];
  if (q == '#') { while (i < end && t[i] != '\n') i++; return i; }
  if (q != '"' && q != '`') return i;
  int raw = q == '`' || (i > 0 && t[i - 1] == 'r');
  for (i++; i < end && t[i] != q && t[i] != '\n'; i++)
    if (!raw && t[i] == '\\' && i + 1 < end) i++;
  return i < end && t[i] == q ? i + 1 : i;
}

hm_loc hm_diag_expr_end(hm_diags *d, hm_loc from, hm_loc last) {
  hm_srcfile *f = &d->files[from.file];
  const char *t = f->text;
  size_t a = offset_of(f, from.line, from.col), b = offset_of(f, last.end_line, last.end_col);
  int depth = 0;
  while (a < b) {
    size_t n = skip_quoted(t, a, b);
    if (n != a) { a = n; continue; }
    if (memchr("([{", t[a], 3)) depth++;
    else if (depth && memchr(")]}", t[a], 3)) depth--;
    a++;
  }
  size_t i = b > a ? b : a, end = i;
  while (depth && i < f->len) {
    if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n') { i++; continue; }
    size_t n = skip_quoted(t, i, f->len);
    if (n != i) { if (t[i] != '#') break; i = n; continue; }
    if (!memchr(")]}", t[i], 3)) break;
    depth--;
    end = ++i;
  }
  return point_of(f, from.file, end);
}

const char *hm_diag_span(hm_diags *d, hm_loc from, hm_loc to) {
  if (from.file != to.file || from.line != to.line || to.col <= from.col) return NULL;
  hm_srcfile *f = &d->files[from.file];
  size_t a = offset_of(f, from.line, from.col), b = offset_of(f, to.line, to.col);
  if (b <= a) return NULL;
  char *s = hm_arena_alloc(d->arena, b - a + 1);
  memcpy(s, f->text + a, b - a);
  s[b - a] = 0;
  return s;
}

/* Output goes through a buffer written in large pieces: stderr is unbuffered,
   and a write per character made 100,000 warnings cost seconds. */
void hm_diags_print(hm_diags *d, FILE *out, int color) {
  sort_diags(d);
  hm_buf b; hm_buf_init(&b);
  for (uint32_t i = 0; i < d->n; i++) {
    print_one(d, &d->items[i], &b, color);
    if (b.len >= 64 * 1024 || i + 1 == d->n) { fwrite(b.data, 1, b.len, out); b.len = 0; }
  }
  hm_buf_free(&b);
}

void hm_diags_json(hm_diags *d, hm_buf *out) {
  sort_diags(d);
  hm_buf_putc(out, '[');
  for (uint32_t i = 0; i < d->n; i++) {
    const hm_diag *g = &d->items[i];
    const char *path = d->files[g->loc.file].path;
    uint32_t end = span_end(g->loc);
    if (i) hm_buf_putc(out, ',');
    hm_buf_puts(out, "\n  {\"file\": ");
    hm_buf_json_str(out, path, strlen(path));
    hm_buf_printf(out,
                  ", \"line\": %u, \"col\": %u, \"end_col\": %u, \"severity\": \"%s\", \"code\": "
                  "\"%s\", \"message\": ",
                  g->loc.line, g->loc.col, end, hm_code_is_error(g->code) ? "error" : "warning",
                  hm_code_id(g->code));
    hm_buf_json_str(out, g->msg, strlen(g->msg));
    if (g->fix) {   /* a one-line span, as the diagnostic's own; empty: an insertion */
      hm_buf_printf(out, ", \"fixes\": [{\"line\": %u, \"col\": %u, \"end_col\": %u, "
                    "\"text\": ", g->fix_loc.line, g->fix_loc.col,
                    g->fix_loc.end_line == g->fix_loc.line ? g->fix_loc.end_col : g->fix_loc.col);
      hm_buf_json_str(out, g->fix, strlen(g->fix));
      hm_buf_puts(out, "}]");
    }
    hm_buf_putc(out, '}');
  }
  hm_buf_puts(out, d->n ? "\n]\n" : "]\n");
}

const char *hm_suggest(const char *word, const char *const *cands, int n) {
  const char *best = NULL;
  size_t bestd = (size_t)-1;
  size_t limit = strlen(word) / 3 + 1;
  if (limit > 3) limit = 3;
  for (int i = 0; i < n; i++) {
    size_t dist = hm_edit_distance(word, cands[i]);
    if (dist < bestd) { bestd = dist; best = cands[i]; }
  }
  return bestd <= limit ? best : NULL;
}
