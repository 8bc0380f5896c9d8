/* hm_utf8: validation, decoding and encoding of UTF-8 (hm_utf8.h). */
#include "hm_utf8.h"
#include <string.h>

int hm_utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  int len;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
  else if (c >= 0xF0 && c <= 0xF4) { len = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
  else return 0;
  if (n < (size_t)len) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (int i = 2; i < len; i++) if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  return len;
}

size_t hm_utf8_check(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    while (i + 8 <= n) {                   /* ASCII fast path, 8 bytes at a time */
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    if (s[i] < 0x80) { i++; continue; }
    int l = hm_utf8_seq(s + i, n - i);
    if (!l) return i;
    i += (size_t)l;
  }
  return n;
}

bool hm_utf8_valid(const char *s, size_t n) {
  return hm_utf8_check((const unsigned char *)s, n) == n;
}

uint32_t hm_utf8_next(const char *s, size_t n, size_t *i) {
  const unsigned char *p = (const unsigned char *)s + *i;
  if (p[0] < 0x80) { (*i)++; return p[0]; }
  int len = hm_utf8_seq(p, n - *i);
  if (!len) { (*i)++; return HM_BAD_BYTE | p[0]; }
  static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t c = p[0] & lead_mask[len];
  for (int k = 1; k < len; k++) c = (c << 6) | (p[k] & 0x3F);
  *i += (size_t)len;
  return c;
}

size_t hm_utf8_count(const char *s, size_t n) {
  size_t i = 0, k = 0;
  while (i < n) { hm_utf8_next(s, n, &i); k++; }
  return k;
}

size_t hm_utf8_leads(const char *s, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
  return c;
}

size_t hm_utf8_encode(uint32_t cp, char out[4]) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) { out[0] = (char)cp; return 1; }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}
