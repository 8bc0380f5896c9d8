/* hm_buf: a growable byte buffer (malloc-backed) for building output text,
 * bytecode images and JSON without fixed-size limits. */
#ifndef HM_BUF_H
#define HM_BUF_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct hm_buf { char *data; size_t len, cap; } hm_buf;

void hm_buf_init(hm_buf *b);
void hm_buf_free(hm_buf *b);
void hm_buf_grow(hm_buf *b, size_t extra);
/* inline, with hm_buf_put and hm_buf_putc: output is built a few bytes at a time */
static inline void hm_buf_reserve(hm_buf *b, size_t extra) {
  if (b->len + extra + 1 > b->cap) hm_buf_grow(b, extra);
}
static inline void hm_buf_put(hm_buf *b, const void *p, size_t n) {
  hm_buf_reserve(b, n);
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
}
void hm_buf_puts(hm_buf *b, const char *s);
static inline void hm_buf_putc(hm_buf *b, char c) {
  if (b->len + 2 > b->cap) hm_buf_reserve(b, 1);   /* the byte and the NUL */
  b->data[b->len++] = c;
  b->data[b->len] = 0;
}
void hm_buf_printf(hm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void hm_buf_u8(hm_buf *b, uint8_t v) { hm_buf_putc(b, (char)v); }
static inline void hm_buf_u32(hm_buf *b, uint32_t v) {   /* little-endian, whatever the host */
  unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 24)};
  hm_buf_put(b, c, 4);
}
void hm_buf_f64(hm_buf *b, double v);     /* IEEE-754 bits, little-endian */
/* JSON string literal with escapes; invalid UTF-8 bytes become U+FFFD. */
void hm_buf_json_str(hm_buf *b, const char *s, size_t n);
const char *hm_buf_cstr(hm_buf *b);       /* NUL-terminated view; stays owned by b */
/* Appends everything left in f; -1 on a read error. */
int hm_buf_read(hm_buf *b, FILE *f);
/* Appends the whole file; 0, or the errno of the failure. */
int hm_buf_read_path(hm_buf *b, const char *path);

#endif
