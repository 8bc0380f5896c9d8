/* lsp_docs: the documents the editor has open (full text, replaced on every change) and
 * the translation between hmap's locations (1-based line, column in code points) and
 * LSP positions (0-based line, column in UTF-16 code units). */
#include <stdlib.h>
#include <string.h>
#include "lsp.h"

lsp_doc *lsp_doc_find(lsp_docs *d, const char *uri) {
  if (!uri) return NULL;
  for (size_t i = 0; i < d->n; i++)
    if (!strcmp(d->v[i].uri, uri)) return &d->v[i];
  return NULL;
}

static int hexval(int c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* file:///a/b%20c.hmap -> /a/b c.hmap; another scheme is kept whole (diagnostics name it). */
static char *uri_path(const char *uri) {
  const char *p = strncmp(uri, "file://", 7) ? uri : uri + 7;
  char *out = malloc(strlen(p) + 1), *o = out;
  if (!out) abort();
  for (; *p; p++) {
    int hi, lo;
    if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
      *o++ = (char)(hi * 16 + lo);
      p += 2;
    } else {
      *o++ = *p;
    }
  }
  *o = 0;
  return out;
}

lsp_doc *lsp_doc_open(lsp_docs *d, const char *uri, const char *text, int version) {
  lsp_doc *doc = lsp_doc_find(d, uri);
  if (!doc) {
    if (d->n == d->cap) {
      d->cap = d->cap ? d->cap * 2 : 8;
      d->v = realloc(d->v, d->cap * sizeof *d->v);
      if (!d->v) abort();
    }
    doc = &d->v[d->n++];
    memset(doc, 0, sizeof *doc);
    doc->uri = hm_xstrdup(uri);
    doc->path = uri_path(uri);
  }
  free(doc->text);
  doc->text = hm_xstrdup(text);
  doc->len = strlen(text);
  doc->version = version;
  return doc;
}

static void doc_free(lsp_doc *doc) { free(doc->uri); free(doc->path); free(doc->text); }

void lsp_doc_close(lsp_docs *d, const char *uri) {
  lsp_doc *doc = lsp_doc_find(d, uri);
  if (!doc) return;
  doc_free(doc);
  *doc = d->v[--d->n];
}

void lsp_docs_free(lsp_docs *d) {
  for (size_t i = 0; i < d->n; i++) doc_free(&d->v[i]);
  free(d->v);
}

/* Length of the UTF-8 sequence starting with byte c (1 for a stray byte). */
static size_t seq_len(unsigned char c) {
  return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

static size_t line_start(const char *text, size_t len, uint32_t line0) {
  size_t i = 0;
  for (uint32_t l = 0; l < line0 && i < len; i++)
    if (text[i] == '\n') l++;
  return i;
}

size_t lsp_offset(const char *text, size_t len, int line, int character) {
  size_t i = line_start(text, len, line < 0 ? 0 : (uint32_t)line);
  for (int u = 0; u < character && i < len && text[i] != '\n';) {
    size_t n = seq_len((unsigned char)text[i]);
    u += n == 4 ? 2 : 1;           /* a code point past U+FFFF is two UTF-16 units */
    i += n;
  }
  return i > len ? len : i;
}

cJSON *lsp_position(const char *text, size_t len, uint32_t line, uint32_t col) {
  size_t i = line_start(text, len, line ? line - 1 : 0);
  int units = 0;
  for (uint32_t c = 1; c < col && i < len && text[i] != '\n'; c++) {
    size_t n = seq_len((unsigned char)text[i]);
    units += n == 4 ? 2 : 1;
    i += n;
  }
  cJSON *p = cJSON_CreateObject();
  cJSON_AddNumberToObject(p, "line", line ? line - 1 : 0);
  cJSON_AddNumberToObject(p, "character", units);
  return p;
}

cJSON *lsp_range(const char *text, size_t len, hm_loc loc) {
  cJSON *r = cJSON_CreateObject();
  uint32_t end_line = loc.end_line ? loc.end_line : loc.line;
  uint32_t end_col = loc.end_line ? loc.end_col : loc.col + 1;
  if (end_line == loc.line && end_col <= loc.col) end_col = loc.col + 1;
  cJSON_AddItemToObject(r, "start", lsp_position(text, len, loc.line, loc.col));
  cJSON_AddItemToObject(r, "end", lsp_position(text, len, end_line, end_col));
  return r;
}

static int ident_byte(unsigned char c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

size_t lsp_word_at(const char *text, size_t len, size_t off, size_t *start) {
  size_t s = off > len ? len : off, e = s;
  while (s > 0 && ident_byte((unsigned char)text[s - 1])) s--;
  while (e < len && ident_byte((unsigned char)text[e])) e++;
  *start = s;
  return e - s;
}
