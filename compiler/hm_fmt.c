/* hm_fmt: the layout `hmapc fmt` gives a map (see hm_fmt.h for the rules). One pass over
 * the lines with a stack of the brackets still open; strings, raw strings, `quoted`
 * names and comments are skipped when brackets are counted. */
#include "hm_fmt.h"
#include <stdbool.h>
#include <string.h>

#define MAX_OPEN 256            /* deeper brackets keep their own indentation */

typedef struct opener {
  bool block;                   /* the last token of its line: its lines are statements */
  int base;                     /* block: the new indentation of its statement's first line */
  int align;                    /* not a block: the new column its inner lines line up at */
  int stmt_old, stmt_new;       /* the statement it opened in, current again when it closes */
} opener;

typedef struct fmt {
  opener open[MAX_OPEN];
  int depth;
  int stmt_old, stmt_new;       /* the current statement's first line: old and new indent */
  bool cont;                    /* the last code line ended inside an expression */
  int blank_run;
  hm_buf *out;
} fmt;

typedef struct line { const char *s; size_t len; } line;

static int indent_of(line l) {
  int n = 0;
  for (size_t i = 0; i < l.len && (l.s[i] == ' ' || l.s[i] == '\t'); i++)
    n += l.s[i] == '\t' ? 2 : 1;
  return n;
}

static size_t skip_ws(line l) {
  size_t i = 0;
  while (i < l.len && (l.s[i] == ' ' || l.s[i] == '\t')) i++;
  return i;
}

/* Index past a string or quoted name starting at i (its opening quote). */
static size_t skip_quoted(line l, size_t i) {
  char q = l.s[i];
  bool raw = q == '"' && i > 0 && l.s[i - 1] == 'r';
  for (i++; i < l.len && l.s[i] != q; i++)
    if (l.s[i] == '\\' && !raw && q == '"') i++;
  return i < l.len ? i + 1 : l.len;
}

/* Word w at i, followed by a blank or the end of the line (trailing blanks are trimmed, so
   "or " and "or" must read alike). */
static bool word_at(line l, size_t i, const char *w) {
  size_t n = strlen(w);
  if (l.len - i < n || strncmp(l.s + i, w, n)) return false;
  return i + n == l.len || l.s[i + n] == ' ' || l.s[i + n] == '\t' || l.s[i + n] == '\r';
}

static bool starts_with_op(line l, size_t i) {
  static const char *const ops[] = {"??", "?", ":", "+", "-", "*", "/", "==", "!=", "=>", ".",
                                    "&&", "||", "<", ">"};
  for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
    size_t n = strlen(ops[k]);      /* the text need not end in NUL: compare within it */
    if (l.len - i >= n && !memcmp(l.s + i, ops[k], n)) return true;
  }
  return word_at(l, i, "and") || word_at(l, i, "or") || word_at(l, i, "in");
}

/* `when`, `lossy` and `flag` start a statement or continue one (a rule's header, a
   branch's annotation), and so do a source's options (`ignore` is also a statement in a
   rule): a continuation when indented past its statement's first line, so an option on
   its own line stays under its `source` instead of reading as a declaration. */
static bool starts_with_annotation(line l, size_t i) {
  static const char *const words[] = {"when", "lossy", "flag", "key", "parent", "distinct",
                                      "optional", "records", "sep", "encoding", "files",
                                      "ignore", "table"};
  for (size_t k = 0; k < sizeof words / sizeof *words; k++)
    if (word_at(l, i, words[k])) return true;
  return false;
}

/* A line `k: v,` of an old-style record: its comma ends a member, not the statement. */
static bool old_record_member(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
                   || (i && s[i] >= '0' && s[i] <= '9')))
    i++;
  return i > 0 && i < n && s[i] == ':';
}

static bool ends_with_op(const char *s, size_t n) {
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (!n) return false;
  if (s[n - 1] && strchr("?+-*/=<>|&", s[n - 1])) return true;
  if (s[n - 1] == ',') return !old_record_member(s, n);    /* `tags += a,` goes on below */
  return (n >= 4 && !memcmp(s + n - 4, " and", 4)) || (n >= 3 && !memcmp(s + n - 3, " or", 3)) ||
         (n >= 3 && !memcmp(s + n - 3, " in", 3));
}

static void emit(fmt *f, line l, size_t from, int indent) {
  size_t end = l.len;
  while (end > from && (l.s[end - 1] == ' ' || l.s[end - 1] == '\t' || l.s[end - 1] == '\r'))
    end--;
  if (end == from) {                            /* a blank line: at most one in a row */
    if (f->blank_run++ == 0 && f->out->len) hm_buf_putc(f->out, '\n');
    return;
  }
  f->blank_run = 0;
  for (int i = 0; i < indent; i++) hm_buf_putc(f->out, ' ');
  hm_buf_put(f->out, l.s + from, end - from);
  hm_buf_putc(f->out, '\n');
}

/* The new indentation of a line whose first non-blank byte is at `at`. */
static int place(fmt *f, line l, size_t at, int old) {
  const opener *top = f->depth ? &f->open[f->depth - 1] : NULL;
  char c = l.s[at];
  bool comment = c == '#';
  if ((c == '}' || c == ']' || c == ')') && top) {
    int ind = top->block ? top->base : top->align > 0 ? top->align - 1 : 0;
    size_t k = at;
    while (k < l.len && l.s[k] && strchr("}]) \t\r", l.s[k])) k++;
    if (k < l.len && l.s[k] != '#') { f->stmt_old = old; f->stmt_new = ind; }   /* } else { */
    return ind;
  }
  if (top && !top->block) return top->align;
  int stmt = top ? top->base + 2 : 0;
  bool annotation = starts_with_annotation(l, at);
  if (!comment && (f->cont || (!annotation && starts_with_op(l, at))
                   || (annotation && f->stmt_old >= 0 && old > f->stmt_old))) {
    int rel = f->stmt_old >= 0 ? old - f->stmt_old : 2;
    return stmt + (rel < 2 ? 2 : rel);
  }
  if (!comment) { f->stmt_old = old; f->stmt_new = stmt; }
  return stmt;
}

/* Counts the brackets of the line (placed at new indent `ind`), updating the stack. */
static void scan(fmt *f, line l, size_t at, int ind) {
  size_t code_end = at;
  for (size_t i = at; i < l.len; i++) {
    char c = l.s[i];
    if (c == '#') break;
    if (c == '"' || c == '`') { i = skip_quoted(l, i) - 1; code_end = i + 1; continue; }
    if (c != ' ' && c != '\t' && c != '\r') code_end = i + 1;
    if (c == '{' || c == '[' || c == '(') {
      if (f->depth == MAX_OPEN) continue;
      size_t j = i + 1;
      while (j < l.len && (l.s[j] == ' ' || l.s[j] == '\t' || l.s[j] == '\r')) j++;
      opener *o = &f->open[f->depth++];
      o->block = j == l.len || l.s[j] == '#';
      o->base = f->stmt_new;
      o->stmt_old = f->stmt_old;
      o->stmt_new = f->stmt_new;
      if (o->block) { f->stmt_old = -1; f->stmt_new = o->base + 2; }   /* none yet inside */
      /* in output columns: the old indent may hold tabs, the rest is copied byte for byte */
      o->align = ind + (int)((j < l.len ? j : i + 1) - at);
    } else if ((c == '}' || c == ']' || c == ')') && f->depth) {
      const opener *o = &f->open[--f->depth];
      f->stmt_old = o->stmt_old;
      f->stmt_new = o->stmt_new;
    }
  }
  f->cont = code_end > at && ends_with_op(l.s + at, code_end - at);
}

void hm_fmt(const char *text, size_t len, hm_buf *out) {
  fmt f = {.out = out};
  size_t start = 0;
  while (start < len) {
    const char *nl = memchr(text + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - text) : len;
    line l = {text + start, end - start};
    size_t at = skip_ws(l);
    if (at == l.len || (at + 1 == l.len && l.s[at] == '\r')) {
      emit(&f, l, at, 0);
    } else {
      int old = indent_of(l), ind = place(&f, l, at, old);
      emit(&f, l, at, ind);
      if (l.s[at] != '#') scan(&f, l, at, ind);
    }
    start = end + 1;
  }
  while (out->len >= 2 && out->data[out->len - 1] == '\n' && out->data[out->len - 2] == '\n')
    out->data[--out->len] = 0;                 /* one final newline, no blank lines after */
}
