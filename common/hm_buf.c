/* hm_buf: growable byte buffer; see hm_buf.h. */
#include "hm_buf.h"
#include "hm_utf8.h"
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hm_buf_init(hm_buf *b) { b->data = NULL; b->len = b->cap = 0; }
void hm_buf_free(hm_buf *b) { free(b->data); hm_buf_init(b); }

void hm_buf_grow(hm_buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) cap *= 2;
  char *d = realloc(b->data, cap);
  if (!d) { fputs("hmap: out of memory\n", stderr); abort(); }
  b->data = d; b->cap = cap;
}

void hm_buf_puts(hm_buf *b, const char *s) { hm_buf_put(b, s, strlen(s)); }

void hm_buf_printf(hm_buf *b, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n > 0) {
    hm_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    b->len += (size_t)n;
  }
  va_end(ap2);
}

void hm_buf_f64(hm_buf *b, double v) {
  uint64_t u; memcpy(&u, &v, 8);
  hm_buf_u32(b, (uint32_t)u);
  hm_buf_u32(b, (uint32_t)(u >> 32));
}

/* Whether the 8 bytes in w are all printable ASCII other than '"', '\\' and
 * DEL (which the byte loop then takes): the classic "has a byte less than n" word tricks, each
 * exact for "any byte", which is all that is asked. Most text is such runs; a byte at a time
 * costs a tenth of a plan. */
static bool plain8(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  uint64_t ctl = (w - ones * 0x20) & ~w;                    /* a byte < 0x20 */
  uint64_t del = (w ^ (ones * 0x7f)), quo = (w ^ (ones * '"')), bsl = (w ^ (ones * '\\'));
  uint64_t hit = ctl | ((del - ones) & ~del) | ((quo - ones) & ~quo) | ((bsl - ones) & ~bsl) | w;
  return (hit & high) == 0;
}

/* The bytes JSON cannot take as they are (controls, '"', '\\'), and those
 * that need a UTF-8 check (>= 0x80): a table, a load per byte. */
static const unsigned char json_special[256] = {
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,1,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
  1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,
};

/* One byte plain_end stopped at: its escape, or its UTF-8 sequence (U+FFFD
 * if invalid). The index after it. */
static size_t put_special(hm_buf *b, const unsigned char *s, size_t i, size_t n) {
  unsigned char c = s[i];
  if (c == '"' || c == '\\') { hm_buf_putc(b, '\\'); hm_buf_putc(b, (char)c); return i + 1; }
  if (c == '\n') { hm_buf_puts(b, "\\n"); return i + 1; }
  if (c == '\r') { hm_buf_puts(b, "\\r"); return i + 1; }
  if (c == '\t') { hm_buf_puts(b, "\\t"); return i + 1; }
  if (c < 0x20) { hm_buf_printf(b, "\\u%04x", c); return i + 1; }
  if (c < 0x80) { hm_buf_putc(b, (char)c); return i + 1; }
  size_t k = (size_t)hm_utf8_seq(s + i, n - i);
  if (k) { hm_buf_put(b, s + i, k); return i + k; }
  hm_buf_puts(b, "\xEF\xBF\xBD");
  return i + 1;
}

/* Plain runs are scanned and copied in the same pass, a word at a time,
 * into room reserved once: JSON strings are most of what a plan writes. */
void hm_buf_json_str(hm_buf *b, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  hm_buf_reserve(b, n + 2);
  char *d = b->data + b->len;
  *d++ = '"';
  size_t i = 0;
  for (;;) {
    for (; i + 8 <= n; i += 8, d += 8) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (!plain8(w)) break;
      memcpy(d, &w, 8);
    }
    while (i < n && !json_special[s[i]]) *d++ = (char)s[i++];
    if (i == n) break;
    b->len = (size_t)(d - b->data);
    i = put_special(b, s, i, n);
    hm_buf_reserve(b, n - i + 1);   /* the rest and the closing quote */
    d = b->data + b->len;
  }
  *d++ = '"';
  b->len = (size_t)(d - b->data);
  b->data[b->len] = 0;
}

const char *hm_buf_cstr(hm_buf *b) { hm_buf_reserve(b, 0); b->data[b->len] = 0; return b->data; }

int hm_buf_read(hm_buf *b, FILE *f) {
  for (;;) {
    hm_buf_reserve(b, 65536);
    size_t n = fread(b->data + b->len, 1, b->cap - b->len - 1, f);
    b->len += n;
    b->data[b->len] = 0;
    if (n == 0) return ferror(f) ? -1 : 0;
  }
}

int hm_buf_read_path(hm_buf *b, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return errno ? errno : ENOENT;
  int rc = hm_buf_read(b, f);
  int e = errno;
  fclose(f);
  return rc ? (e ? e : EIO) : 0;
}
