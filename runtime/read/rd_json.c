/* hm_jsonsrc: the JSON readers. NDJSON is read line by line. A JSON document
 * (an array of records, an Atera page envelope {"items": [...]}, an iTop REST
 * reply {"objects": {"UserRequest::12": {...}}}) is walked as a stream: a small
 * scanner follows the records path ("*", "items.*", "objects.*") through the
 * containers, skips everything off the path without storing it, and finds the
 * byte extent of each record by tracking strings and brackets. Only that extent
 * is handed to cJSON, so memory is bounded by the largest record, not the file.
 *
 * That is the general path. Most records lie whole in the read buffer and are
 * read by a fast parser that takes a common subset of JSON: such a record (an
 * object, or an NDJSON line) is parsed once, in place, with UTF-8 checked as
 * its strings are scanned. When the record runs past the buffer's end or the
 * fast parser refuses it, nothing has been consumed and the general path
 * (extent, copy, UTF-8 check, cJSON) reads it and decides any error.
 *
 * A record that cJSON rejects, that is not an object or not valid UTF-8, that
 * holds a NUL (raw or \u0000) or names a member twice in one object is a
 * bad record and reading goes on after it (its extent is known). A break in the
 * structure around the records (a missing comma, the file ending inside the
 * array) cannot be resynchronised: it is reported once and the rest of that
 * file is skipped. */
#include "rd.h"
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_read.h"

void hm_jsonsrc_init(hm_reader *r) {
  const hm_source *s = &r->p->sources[r->src];
  const char *path = NULL;
  if (s->records != HM_BC_NONE && s->records < r->p->nconsts) path = r->p->consts[s->records].str;
  if (!path) path = r->fmt == HF_JSON_PAGES ? "items.*" : "*";
  r->records_path = path;
  uint32_t n = *path ? 1 : 0;
  for (const char *c = path; *c; c++) n += *c == '.';
  r->comp = hm_arena_alloc(&r->life, (n + 1) * sizeof *r->comp);
  r->ncomp = 0;
  const char *start = path;
  for (const char *c = path;; c++) {
    if (*path && (*c == '.' || *c == 0)) {
      r->comp[r->ncomp++] = hm_arena_strndup(&r->life, start, (size_t)(c - start));
      start = c + 1;
    }
    if (!*c) break;
  }
}

int hm_jsonsrc_begin(hm_reader *r) {
  r->sp = 0;
  r->root_done = false;
  r->dead = false;
  return 0;
}

/* ---- scanning ---- */

static void newline_at(hm_reader *r, size_t i) {
  r->line++;
  r->line_start = r->buf_abs + i + 1;
}

/* Next byte without consuming it: >= 0, -1 at end of file, -2 on I/O error. */
static int peek(hm_reader *r) {
  if (r->pos == r->len) {
    int n = hm_in_fill(r, 1);
    if (n < 0) return -2;
    if (n == 0) return -1;
  }
  return (unsigned char)r->buf[r->pos];
}

static int skip_ws(hm_reader *r) {
  for (;;) {
    int c = peek(r);
    if (c == ' ' || c == '\t' || c == '\r') r->pos++;
    else if (c == '\n') { newline_at(r, r->pos); r->pos++; }
    else return c;
  }
}

static const char *describe(int c, char *buf, size_t n) {
  if (c < 0) return "the end of the file";
  if (c >= 0x20 && c < 0x7F) snprintf(buf, n, "'%c'", c);
  else snprintf(buf, n, "byte 0x%02X", c);
  return buf;
}

static void put(hm_buf *dst, const char *p, size_t n, bool *big) {
  if (!dst || *big) return;
  if (dst->len + n > HM_MAX_RECORD) { *big = true; return; }
  hm_buf_put(dst, p, n);
}

static bool scalar_byte(unsigned char c) {
  return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ']' || c == '}' ||
           c == ':' || c == '[' || c == '{' || c == '"');
}

static const unsigned char str_stop[256] = {['"'] = 1, ['\\'] = 1, ['\n'] = 1};
static const unsigned char struct_stop[256] = {
    ['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1, ['\n'] = 1};

/* Scans the extent of one value at pos, appending its bytes to dst (NULL: skip).
 * 0 = scanned (*big: too large to keep), -1 = broken structure (error set), -2 = I/O. */
static int scan_value(hm_reader *r, hm_buf *dst, bool *big) {
  int c = peek(r);
  if (c == -2) return -2;
  char what[16];
  uint8_t kinds[HM_JSON_MAX_DEPTH / 8 + 1];  /* bit set: '{' on that level */
  uint32_t depth = 0;
  bool in_str = false, esc = false, scalar = false;
  if (c == '"') in_str = true;
  else if (c != '{' && c != '[') {
    if (c < 0 || !scalar_byte((unsigned char)c)) {
      hm_reader_fail(r, r->line, hm_in_col(r), "expected a JSON value, found %s",
                     describe(c, what, sizeof what));
      return -1;
    }
    scalar = true;
  }
  size_t i = r->pos;
  if (!scalar) {                           /* the opening '"', '{' or '[' */
    if (c != '"') { kinds[0] = c == '{'; depth = 1; }
    i++;
  }
  for (;;) {
    if (i == r->len) {
      put(dst, r->buf + r->pos, i - r->pos, big);
      r->pos = i;
      int n = hm_in_fill(r, 1);
      if (n < 0) return -2;
      i = r->pos;
      if (n == 0) {
        if (scalar) return 0;
        hm_reader_fail(r, r->line, hm_in_col(r), "unexpected end of file inside a JSON %s",
                       in_str ? "string" : "value");
        return -1;
      }
    }
    if (!scalar && !esc) {                 /* fast skip to the next byte that matters */
      const unsigned char *stop = in_str ? str_stop : struct_stop;
      const unsigned char *u = (const unsigned char *)r->buf;
      size_t end = r->len;
      while (i < end && !stop[u[i]]) i++;
      if (i == end) continue;
    }
    unsigned char b = (unsigned char)r->buf[i];
    if (scalar) {
      if (!scalar_byte(b)) break;
      i++;
      continue;
    }
    if (b == '\n') newline_at(r, i);
    if (in_str) {
      if (esc) esc = false;
      else if (b == '\\') esc = true;
      else if (b == '"') { in_str = false; if (depth == 0) { i++; break; } }
    } else if (b == '"') {
      in_str = true;
    } else if (b == '{' || b == '[') {
      if (depth >= HM_JSON_MAX_DEPTH) {
        r->pos = i;
        hm_reader_fail(r, r->line, hm_in_col(r), "JSON nested deeper than %d levels",
                       HM_JSON_MAX_DEPTH);
        return -1;
      }
      if (b == '{') kinds[depth / 8] |= (uint8_t)(1u << (depth % 8));
      else kinds[depth / 8] &= (uint8_t)~(1u << (depth % 8));
      depth++;
    } else if (b == '}' || b == ']') {
      bool obj = (kinds[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1;
      if (obj != (b == '}')) {
        r->pos = i;
        hm_reader_fail(r, r->line, hm_in_col(r), "'%c' closes a JSON %s", b,
                       obj ? "object" : "array");
        return -1;
      }
      if (--depth == 0) { i++; break; }
    }
    i++;
  }
  put(dst, r->buf + r->pos, i - r->pos, big);
  r->pos = i;
  return 0;
}

/* ---- records ---- */

static const char *json_kind(const cJSON *j) {
  switch (j->type & 0xFF) {
  case cJSON_NULL: return "null";
  case cJSON_False: case cJSON_True: return "a boolean";
  case cJSON_Number: return "a number";
  case cJSON_String: return "a string";
  case cJSON_Array: return "an array";
  default: return "something else";
  }
}

/* Position of byte `off` of the record text that starts at line:col. */
static void locate(const hm_buf *t, size_t off, uint64_t line, uint64_t col, uint64_t *l,
                   uint64_t *c) {
  for (size_t i = 0; i < off && i < t->len; i++) {
    if (t->data[i] == '\n') { line++; col = 1; }
    else col++;
  }
  *l = line;
  *c = col;
}

/* A record's text straight into arena values: cJSON's tree (a malloc per
 * node) and the copy out of it cost a third of a plan's time. It reads the
 * common subset of what cJSON accepts and gives exactly the values cJSON +
 * hm_json_text_to_value give (cJSON's whitespace is any byte <= 32 but NUL;
 * its numbers are strtod over the run of [0-9+-eE.], or their text when no
 * double holds them; strings are copied byte for byte). On
 * anything else (\u escapes, a NUL in a string, a string that is not UTF-8, a
 * number strtod does not take whole, very deep nesting, a repeated member
 * name, any syntax error, the end of the text before the end of the value) it
 * answers false and the
 * caller runs cJSON, so cJSON alone decides errors and their columns. */
typedef struct fastjson { const char *p, *end; hm_arena *a; } fastjson;

static void fj_ws(fastjson *f) {   /* not a NUL: cJSON's path reports it */
  while (f->p < f->end && (unsigned char)*f->p <= 32 && *f->p) f->p++;
}

static bool fj_value(fastjson *f, hm_value *out, int depth);

/* The escapes the fast parser decodes itself; \u is cJSON's business. */
static const unsigned char simple_escape[256] = {
    ['b'] = 1, ['f'] = 1, ['n'] = 1, ['r'] = 1, ['t'] = 1, ['"'] = 1, ['\\'] = 1, ['/'] = 1};

/* Whether a byte of a string needs a look: its end, an escape, a NUL (cJSON's
   strings end at one) or part of a multi-byte character. */
static bool str_special(unsigned char c) { return c == '"' || c == '\\' || c == 0 || c >= 0x80; }

/* The first str_special byte at or after c, or end: eight bytes at a time, as
   strings are most of a record's bytes. The word test finds a quote, a
   backslash or a NUL as a zero byte of w ^ that byte (no false hit comes
   before the first true one) and a multi-byte character by its top bit. */
static const char *next_special(const char *c, const char *end) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;
  while (end - c >= 8) {
    uint64_t w, q, b;
    memcpy(&w, c, 8);
    q = w ^ (lo * '"');
    b = w ^ (lo * '\\');
    uint64_t m = (((q - lo) & ~q) | ((b - lo) & ~b) | ((w - lo) & ~w) | w) & hi;
    if (m) return c + __builtin_ctzll(m) / 8;
    c += 8;
  }
#endif
  while (c < end && !str_special((unsigned char)*c)) c++;
  return c;
}

/* The closing quote of the string whose text starts at q, or NULL when the
 * string is not one the fast parser takes: it runs off the end, holds a NUL,
 * an escape other than simple_escape's, or bytes that are not UTF-8 (checked
 * here, so a record parsed in place needs no separate pass). */
static const char *fj_close(const char *q, const char *end, bool *esc) {
  for (;;) {
    q = next_special(q, end);
    if (q == end) return NULL;
    unsigned char c = (unsigned char)*q;
    if (c == '"') return q;
    if (c == '\\') {
      if (end - q < 2 || !simple_escape[(unsigned char)q[1]]) return NULL;
      *esc = true;
      q += 2;
    } else if (c == 0) {
      return NULL;
    } else {
      int n = hm_utf8_seq((const unsigned char *)q, (size_t)(end - q));
      if (!n) return NULL;
      q += n;
    }
  }
}

/* A string at f->p (its opening quote); escapes other than \u decoded. */
static bool fj_string(fastjson *f, const char **str, uint32_t *len) {
  const char *s = f->p + 1;
  bool esc = false;
  const char *q = fj_close(s, f->end, &esc);
  if (!q || q - s > (ptrdiff_t)UINT32_MAX) return false;
  char *d = hm_arena_alloc(f->a, (size_t)(q - s) + 1), *o = d;
  if (!esc) {
    memcpy(d, s, (size_t)(q - s));
    o = d + (q - s);
  } else
    for (const char *c = s; c < q; c++) {
      char ch = *c;
      if (ch == '\\') {
        switch (*++c) {
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        default: ch = *c; break;   /* '"', '\\' or '/': fj_close took no other */
        }
      }
      *o++ = ch;
    }
  *o = 0;
  *str = d;
  *len = (uint32_t)(o - d);
  f->p = q + 1;
  return true;
}

/* An optional '-' and at most 15 digits (ids, counts): exact in a double, so
 * the same value strtod gives (-0 included), without its cost. */
static bool small_int(const char *num, size_t n, double *d) {
  size_t i = num[0] == '-';
  if (n == i || n - i > 15) return false;
  uint64_t v = 0;
  for (size_t k = i; k < n; k++) {
    if (num[k] < '0' || num[k] > '9') return false;
    v = v * 10 + (uint64_t)(num[k] - '0');
  }
  *d = i ? -(double)v : (double)v;
  return true;
}

/* The bytes cJSON takes into a number before handing it to strtod. */
static const unsigned char number_byte[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['+'] = 1, ['-'] = 1, ['e'] = 1, ['E'] = 1, ['.'] = 1};

static bool fj_number(fastjson *f, hm_value *out) {
  char num[64];
  size_t i = 0;
  for (; i < sizeof num - 1 && f->p + i < f->end && number_byte[(unsigned char)f->p[i]]; i++)
    num[i] = f->p[i];
  if (i == sizeof num - 1) return false;
  num[i] = 0;
  double d;
  if (small_int(num, i, &d)) {
    *out = hv_num(d);
    f->p += i;
    return true;
  }
  char *stop;
  d = strtod(num, &stop);
  if (stop != num + i || i == 0) return false;
  *out = hm_jnum_inexact(num, i, d) ? hv_str_copy(f->a, num, i) : hv_num(d);
  f->p += i;
  return true;
}

/* Grows a list or a record by one slot, as hv_list_push does. */
static void *fj_grow(hm_arena *a, void *items, uint32_t n, uint32_t *cap, size_t size) {
  if (n < *cap) return items;
  uint32_t c = *cap ? *cap * 2 : 8;
  items = hm_arena_realloc(a, items, *cap * size, c * size);
  *cap = c;
  return items;
}

static bool fj_array(fastjson *f, hm_value *out, int depth) {
  hm_value v = hv_list_new(f->a, 0);
  hm_list *l = v.u.list;
  f->p++;
  fj_ws(f);
  if (f->p < f->end && *f->p == ']') { f->p++; *out = v; return true; }
  for (;;) {
    l->items = fj_grow(f->a, l->items, l->n, &l->cap, sizeof *l->items);
    fj_ws(f);
    if (!fj_value(f, &l->items[l->n], depth + 1)) return false;
    l->n++;
    fj_ws(f);
    if (f->p >= f->end) return false;
    if (*f->p == ']') { f->p++; *out = v; return true; }
    if (*f->p++ != ',') return false;
  }
}

/* A repeated member name: cJSON's path reports it. */
static bool has_dup(const hm_rec *r) {
  size_t first, second;
  return hm_names_dup(r->keys, r->n, false, &first, &second);
}

static bool fj_object(fastjson *f, hm_value *out, int depth) {
  hm_value v = hv_rec_new(f->a, 0);
  hm_rec *r = v.u.rec;
  f->p++;
  fj_ws(f);
  if (f->p < f->end && *f->p == '}') { f->p++; *out = v; return true; }
  for (;;) {
    uint32_t cap = r->cap, klen;
    r->keys = fj_grow(f->a, r->keys, r->n, &cap, sizeof *r->keys);
    r->vals = fj_grow(f->a, r->vals, r->n, &r->cap, sizeof *r->vals);
    fj_ws(f);
    if (f->p >= f->end || *f->p != '"' || !fj_string(f, &r->keys[r->n], &klen)) return false;
    fj_ws(f);
    if (f->p >= f->end || *f->p++ != ':') return false;
    fj_ws(f);
    if (!fj_value(f, &r->vals[r->n], depth + 1)) return false;
    r->n++;
    fj_ws(f);
    if (f->p >= f->end) return false;
    if (*f->p == '}') { f->p++; *out = v; return !has_dup(r); }
    if (*f->p++ != ',') return false;
  }
}

static bool fj_literal(fastjson *f, const char *word, hm_value v, hm_value *out) {
  size_t n = strlen(word);
  if ((size_t)(f->end - f->p) < n || memcmp(f->p, word, n)) return false;
  f->p += n;
  *out = v;
  return true;
}

static bool fj_value(fastjson *f, hm_value *out, int depth) {
  if (f->p >= f->end || depth > 200) return false;
  switch (*f->p) {
  case 'n': return fj_literal(f, "null", hv_null(), out);
  case 'f': return fj_literal(f, "false", hv_bool(false), out);
  case 't': return fj_literal(f, "true", hv_bool(true), out);
  case '"': {
    const char *str;
    uint32_t len;
    if (!fj_string(f, &str, &len)) return false;
    *out = hv_strn(str, len);
    return true;
  }
  case '[': return fj_array(f, out, depth);
  case '{': return fj_object(f, out, depth);
  default:
    if (*f->p == '-' || (*f->p >= '0' && *f->p <= '9')) return fj_number(f, out);
    return false;
  }
}

/* The record whose text starts at p (at most up to end) as a value and where
 * it ends, or false (see above). Only objects and scalars: an array is an
 * error cJSON's path reports. */
static bool fast_record(const char *p, const char *end, hm_arena *a, hm_value *out,
                        const char **stop) {
  fastjson f = {p, end, a};
  fj_ws(&f);
  if (f.p >= f.end || *f.p == '[' || (unsigned char)*f.p == 0xEF)
    return false; /* 0xEF: a BOM cJSON skips */
  hm_value v;
  if (!fj_value(&f, &v, 0)) return false;
  if (v.kind != HV_REC) {   /* a scalar element: the record {"value": ...}, as below */
    hm_value w = hv_rec_new(a, 1);
    w.u.rec->keys[0] = "value";
    w.u.rec->vals[0] = v;
    w.u.rec->n = 1;
    v = w;
  }
  *out = v;
  *stop = f.p;
  return true;
}

/* Whether only blanks lie in [p, end): what an NDJSON line may have after its object. */
static bool only_blanks(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
  return p >= end;
}

/* Offset of the first NUL in a record's text, raw or as a \u0000 escape in a
   string (C strings downstream would cut the value there), or len. */
static size_t nul_at(const char *s, size_t len) {
  const char *z = memchr(s, 0, len);
  size_t raw = z ? (size_t)(z - s) : len;
  bool in_str = false;
  for (size_t i = 0; i < raw; i++) {
    if (s[i] == '"') in_str = !in_str;
    else if (in_str && s[i] == '\\') {
      if (raw - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0) return i;
      i++;
    }
  }
  return raw;
}

/* Parses the record text in scratch (starting at line:col) into *out. With
 * try_fast false the fast parser has already refused this very text, so only
 * cJSON runs. 1 or -1. */
static int parse_record(hm_reader *r, hm_arena *a, hm_record *out, uint64_t line, uint64_t col,
                        bool whole_line, bool try_fast) {
  hm_buf *t = &r->scratch;
  uint64_t el, ec;
  r->raw = t->data;
  r->rawlen = t->len;
  size_t bad = hm_utf8_check((const unsigned char *)t->data, t->len);
  if (bad < t->len) {
    locate(t, bad, line, col, &el, &ec);
    hm_reader_fail(r, el, ec, "invalid UTF-8 byte 0x%02X", (unsigned char)t->data[bad]);
    return -1;
  }
  const char *end = NULL, *tend = t->data + t->len;
  if (try_fast && fast_record(t->data, tend, a, &out->value, &end) &&
      (!whole_line || only_blanks(end, tend))) {
    out->line = line;
    return 1;
  }
  size_t nul = nul_at(t->data, t->len);
  if (nul < t->len) {
    locate(t, nul, line, col, &el, &ec);
    hm_reader_fail(r, el, ec, "%s",
                   t->data[nul] ? "\\u0000 (a NUL character) in a JSON string"
                                : "NUL byte in JSON text");
    return -1;
  }
  cJSON *j = cJSON_ParseWithLengthOpts(t->data, t->len, &end, 0);
  if (!j) {
    size_t off = end && end >= t->data ? (size_t)(end - t->data) : 0;
    locate(t, off, line, col, &el, &ec);
    if (off >= t->len) hm_reader_fail(r, el, ec, "malformed JSON: unexpected end of the record");
    else hm_reader_fail(r, el, ec, "malformed JSON");
    return -1;
  }
  if (whole_line) {
    size_t off = (size_t)(end - t->data);
    while (off < t->len && (t->data[off] == ' ' || t->data[off] == '\t' || t->data[off] == '\r'))
      off++;
    if (off < t->len) {
      cJSON_Delete(j);
      locate(t, off, line, col, &el, &ec);
      hm_reader_fail(r, el, ec, "unexpected text after the JSON object");
      return -1;
    }
  }
  if (cJSON_IsArray(j)) {
    hm_reader_fail(r, line, col, "expected a JSON object, found %s", json_kind(j));
    cJSON_Delete(j);
    return -1;
  }
  const char *dup = hm_json_dup_member(j);
  if (dup) {
    hm_reader_fail(r, line, col, "member \"%s\" appears twice in one JSON object", dup);
    cJSON_Delete(j);
    return -1;
  }
  if (!cJSON_IsObject(j)) {
    /* Some endpoints answer bare arrays of scalars (Atera's ticket attachments
       are a list of URL strings): each becomes the record {"value": ...}. */
    cJSON *w = cJSON_CreateObject();
    cJSON_AddItemToObject(w, "value", j);
    j = w;
  }
  out->value = hm_json_text_to_value(j, t->data, t->len, a);
  out->line = line;
  cJSON_Delete(j);
  return 1;
}

/* The object record at pos parsed straight from the read buffer, when it
 * lies whole in it and the fast parser takes it (the common case: a buffer
 * holds many records). Nothing is consumed otherwise. Its text is valid UTF-8
 * then: the fast parser checks strings, and what lies outside them is ASCII. */
static bool record_in_place(hm_reader *r, hm_arena *a, hm_record *out) {
  const char *p = r->buf + r->pos, *stop;
  if (r->pos >= r->len || *p != '{' || !fast_record(p, r->buf + r->len, a, &out->value, &stop) ||
      (size_t)(stop - p) > HM_MAX_RECORD)
    return false;
  r->raw = p;
  r->rawlen = (size_t)(stop - p);
  out->line = r->line;
  for (const char *nl = memchr(p, '\n', r->rawlen); nl;
       nl = memchr(nl + 1, '\n', (size_t)(stop - nl - 1)))
    newline_at(r, (size_t)(nl - r->buf));
  r->pos = (size_t)(stop - r->buf);
  return true;
}

static int capture_record(hm_reader *r, hm_arena *a, hm_record *out) {
  if (record_in_place(r, a, out)) return 1;
  uint64_t line = r->line, col = hm_in_col(r);
  size_t seen = r->len - r->pos;           /* what the fast parser saw, if it ran */
  bool big = false;
  r->scratch.len = 0;
  int rc = scan_value(r, &r->scratch, &big);
  if (rc < 0) { r->dead = true; return rc; }
  if (big) {
    hm_reader_fail(r, line, col, "record larger than %s", HM_MAX_RECORD_TEXT);
    return -1;
  }
  bool fast_saw_all = r->scratch.data && r->scratch.data[0] == '{' && r->scratch.len <= seen;
  return parse_record(r, a, out, line, col, false, !fast_saw_all);
}

static void push_level(hm_reader *r, char close, uint32_t comp) {
  if (r->sp == r->stackcap) {
    r->stackcap = r->stackcap ? r->stackcap * 2 : 8;
    r->stack = realloc(r->stack, r->stackcap * sizeof *r->stack);
  }
  r->stack[r->sp++] = (hm_jlevel){close, comp, true, false};
}

/* The value at pos has matched `comp` path components: a record, a container
 * to walk, or a scalar off the path. 1 = record, 0 = nothing yet, -1/-2. */
static int visit(hm_reader *r, uint32_t comp, hm_arena *a, hm_record *out) {
  if (comp == r->ncomp) return capture_record(r, a, out);
  int c = peek(r);
  if (c == '[' && strcmp(r->comp[comp], "*") != 0) {
    /* a named step meets an array: say so rather than find nothing */
    hm_reader_fail(r, r->line, hm_in_col(r),
                   "expected an object holding \"%s\" (records path \"%s\"), found an array",
                   r->comp[comp], r->records_path);
    bool big = false;
    int rc = scan_value(r, NULL, &big);
    if (rc < 0) { r->dead = true; return rc; }
    return -1;
  }
  if (c == '{' || c == '[') {
    push_level(r, c == '{' ? '}' : ']', comp);
    r->pos++;
    return 0;
  }
  bool big = false;
  int rc = scan_value(r, NULL, &big);       /* null, a string...: no records here */
  if (rc < 0) r->dead = true;
  return rc;
}

static int broken(hm_reader *r, const char *expected, int c) {
  char what[16];
  if (c == -2) return -2;
  hm_reader_fail(r, r->line, hm_in_col(r), "expected %s, found %s%s", expected,
                 describe(c, what, sizeof what), c < 0 ? "" : "; skipping the rest of the file");
  r->dead = true;
  return -1;
}

/* Reads the member name at pos into r->key (decoded), then the ':'. */
static int read_member_name(hm_reader *r) {
  bool big = false;
  r->key.len = 0;
  int rc = scan_value(r, &r->key, &big);
  if (rc < 0) { r->dead = true; return rc; }
  hm_buf *k = &r->key;
  if (memchr(k->data, '\\', k->len)) {      /* escapes: let cJSON decode the name */
    cJSON *s = cJSON_ParseWithLength(k->data, k->len);
    k->len = 0;
    if (cJSON_IsString(s)) hm_buf_puts(k, s->valuestring);
    cJSON_Delete(s);
  } else if (k->len >= 2) {
    memmove(k->data, k->data + 1, k->len - 2);
    k->len -= 2;
  }
  hm_buf_putc(k, 0);
  int c = skip_ws(r);
  if (c != ':') return broken(r, "':' after a member name", c);
  r->pos++;
  c = skip_ws(r);
  if (c < 0) return broken(r, "a JSON value", c);
  return 0;
}

static int next_member(hm_reader *r, hm_arena *a, hm_record *out) {
  hm_jlevel *L = &r->stack[r->sp - 1];
  char close = L->close;
  int c = skip_ws(r);
  if (c == close) {
    r->pos++;
    r->sp--;
    if (close == '}' && !L->seen && strcmp(r->comp[L->comp], "*") != 0) {
      hm_reader_fail(r, r->line, hm_in_col(r) - 1,
                     "no \"%s\" member in this object (records path \"%s\")", r->comp[L->comp],
                     r->records_path);
      return -1;
    }
    return 0;
  }
  if (!L->first) {
    if (c != ',') {
      char exp[32];
      snprintf(exp, sizeof exp, "',' or '%c'", close);
      return broken(r, exp, c);
    }
    r->pos++;
    c = skip_ws(r);
  }
  L->first = false;
  uint32_t comp = L->comp;
  const char *want = r->comp[comp];
  bool match = strcmp(want, "*") == 0;
  if (close == '}') {
    if (c != '"') return broken(r, "a member name", c);
    int rc = read_member_name(r);
    if (rc < 0) return rc;
    if (!match && strcmp(r->key.data, want) == 0) match = r->stack[r->sp - 1].seen = true;
  } else if (c < 0) {
    return broken(r, "a JSON value", c);
  }
  if (match) return visit(r, comp + 1, a, out);
  bool big = false;
  int rc = scan_value(r, NULL, &big);
  if (rc < 0) r->dead = true;
  return rc;
}

int hm_jsonsrc_next(hm_reader *r, hm_arena *a, hm_record *out) {
  for (;;) {
    if (r->dead) return 0;
    int rc;
    if (r->sp > 0) {
      rc = next_member(r, a, out);
    } else if (!r->root_done) {
      r->root_done = true;
      int c = skip_ws(r);
      if (c < 0) return broken(r, "a JSON document", c);
      rc = visit(r, 0, a, out);
    } else {
      int c = skip_ws(r);
      r->dead = true;
      if (c == -2) return -2;
      if (c >= 0) {
        hm_reader_fail(r, r->line, hm_in_col(r), "unexpected text after the JSON document");
        return -1;
      }
      return 0;
    }
    if (rc != 0) return rc;
  }
}

/* ---- NDJSON ---- */

/* The line at pos parsed straight from the read buffer, when the buffer holds
 * all of it (up to its newline, or the end of the file) and the fast parser
 * takes it; a blank line is skipped. 1 = a record, 0 = a blank line skipped,
 * -1 = nothing consumed, *tried says whether the fast parser refused the line. */
static int line_in_place(hm_reader *r, hm_arena *a, hm_record *out, bool *tried) {
  const char *s = r->buf + r->pos, *stop;
  const char *nl = memchr(s, '\n', r->len - r->pos);
  if (!nl && !r->eof) return -1;
  size_t n = nl ? (size_t)(nl - s) : r->len - r->pos, len = n, k = 0;
  if (n > HM_MAX_RECORD) return -1;
  while (len && s[len - 1] == '\r') len--;
  while (k < len && (s[k] == ' ' || s[k] == '\t')) k++;
  if (k < len) {
    *tried = true;
    if (!fast_record(s, s + len, a, &out->value, &stop) || !only_blanks(stop, s + len)) return -1;
    r->raw = s;
    r->rawlen = len;
    out->line = r->line;
  }
  r->pos += n;
  if (nl) { newline_at(r, r->pos); r->pos++; }
  return k < len;
}

int hm_ndjson_next(hm_reader *r, hm_arena *a, hm_record *out) {
  for (;;) {
    if (r->pos == r->len) {
      int n = hm_in_fill(r, 1);
      if (n < 0) return -2;
      if (n == 0) return 0;
    }
    bool tried = false;
    int got = line_in_place(r, a, out, &tried);
    if (got == 1) return 1;
    if (got == 0) continue;
    r->scratch.len = 0;
    uint64_t line = r->line;
    bool big = false, any = false;
    for (;;) {                             /* one line into scratch */
      if (r->pos == r->len) {
        int n = hm_in_fill(r, 1);
        if (n < 0) return -2;
        if (n == 0) break;
      }
      any = true;
      const char *s = r->buf + r->pos;
      const char *nl = memchr(s, '\n', r->len - r->pos);
      size_t n = nl ? (size_t)(nl - s) : r->len - r->pos;
      put(&r->scratch, s, n, &big);
      r->pos += n;
      if (nl) { newline_at(r, r->pos); r->pos++; break; }
    }
    if (!any) return 0;
    size_t len = r->scratch.len;
    while (len && (r->scratch.data[len - 1] == '\r')) len--;
    r->scratch.len = len;
    size_t k = 0;
    while (k < len && (r->scratch.data[k] == ' ' || r->scratch.data[k] == '\t')) k++;
    if (k == len && !big) continue;        /* blank line */
    if (big) {
      hm_reader_fail(r, line, 1, "record larger than %s", HM_MAX_RECORD_TEXT);
      return -1;
    }
    return parse_record(r, a, out, line, 1, true, !tried);
  }
}
