/* hm_support: the plumbing every builtin shares — arena string builder,
 * argument coercion, failure/flag reporting, UTF-8 stepping and a small
 * deterministic case map. Kept out of the builtins so each of them reads as
 * its own rule and the missing/null/number-to-text conventions exist once.
 *
 * Case mapping is our own table (ASCII, Latin-1, Latin Extended-A, Greek,
 * Cyrillic) rather than towlower(): the libc answer depends on the process
 * locale, which is global state and differs between machines. */
#include "hm_std.h"
#include <stdio.h>
#include <string.h>

void hm_sb_init(hm_sb *b, hm_arena *a, size_t cap) {
  b->a = a;
  b->len = 0;
  b->cap = cap < 16 ? 16 : cap;
  b->p = hm_arena_alloc(a, b->cap);
}

static void sb_grow(hm_sb *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return;
  size_t cap = b->cap * 2;
  while (cap < b->len + extra + 1) cap *= 2;
  b->p = hm_arena_realloc(b->a, b->p, b->cap, cap);
  b->cap = cap;
}

void hm_sb_put(hm_sb *b, const char *s, size_t n) {
  if (!n) return;
  sb_grow(b, n);
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

void hm_sb_puts(hm_sb *b, const char *s) { hm_sb_put(b, s, strlen(s)); }
void hm_sb_putc(hm_sb *b, char c) { hm_sb_put(b, &c, 1); }

void hm_sb_put_cp(hm_sb *b, uint32_t cp) {
  char u[4];
  if (cp & HM_BAD_BYTE) { hm_sb_putc(b, (char)(cp & 0xff)); return; }
  if (cp < 0x80) { hm_sb_putc(b, (char)cp); return; }
  hm_sb_put(b, u, hm_utf8_encode(cp, u));
}

hm_value hm_sb_value(hm_sb *b) {
  sb_grow(b, 0);
  b->p[b->len] = 0;
  return hv_strn(b->p, b->len);
}

void hm_arg_text(hm_bctx *ctx, hm_value v, const char **s, size_t *n) {
  if (v.kind != HV_STR) v = hv_to_str(ctx->arena, v);
  *s = v.u.str ? v.u.str : "";
  *n = v.len;
}

bool hm_arg_int(hm_bctx *ctx, hm_value v, long *out) {
  (void)ctx;
  if (v.kind != HV_NUM || !(v.u.num >= -1e15 && v.u.num <= 1e15)) return false;
  long l = (long)v.u.num;
  if ((double)l != v.u.num) return false;
  *out = l;
  return true;
}

int hm_fail(hm_bctx *ctx, hm_value *out, const char *fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ctx->error = hm_arena_strdup(ctx->arena, buf);
  *out = hv_missing(HM_WHY_PARSE);
  return -1;
}

void hm_flagf(hm_bctx *ctx, hm_severity sev, const char *fmt, ...) {
  if (!ctx->flag) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ctx->flag(ctx->user, sev, buf);
}

const char *hm_quote(hm_bctx *ctx, const char *s, size_t n) {
  hm_sb b;
  hm_sb_init(&b, ctx->arena, 64);
  size_t i = 0, chars = 0;
  while (i < n) {
    if (chars == 60) { hm_sb_puts(&b, "..."); break; }
    uint32_t cp = hm_utf8_next(s, n, &i);
    if (cp & HM_BAD_BYTE) cp = 0xFFFD;
    else if (cp < 0x20 || cp == 0x7F) cp = ' ';
    hm_sb_put_cp(&b, cp);
    chars++;
  }
  return hm_sb_value(&b).u.str;
}

/* Pairs where upper and lower differ by a fixed distance over a range. */
uint32_t hm_cp_lower(uint32_t cp) {
  if (cp & HM_BAD_BYTE) return cp;
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if (cp < 0xC0) return cp;
  if (cp <= 0xDE && cp != 0xD7) return cp + 32;
  if (cp == 0x130) return 'i';                                          /* İ */
  if (cp >= 0x100 && cp <= 0x137) return cp | 1; /* Ā..ķ: even upper, odd lower */
  if (cp >= 0x139 && cp <= 0x148) return (cp & 1) ? cp + 1 : cp;        /* Ĺ..ň: odd upper */
  if (cp >= 0x14A && cp <= 0x177) return cp | 1;
  if (cp == 0x178) return 0xFF;
  if (cp >= 0x179 && cp <= 0x17E) return (cp & 1) ? cp + 1 : cp;
  if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) return cp + 32;        /* Greek */
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;                       /* Cyrillic А..Я */
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;                       /* Ѐ..Џ */
  return cp;
}

uint32_t hm_cp_upper(uint32_t cp) {
  if (cp & HM_BAD_BYTE) return cp;
  if (cp >= 'a' && cp <= 'z') return cp - 32;
  if (cp < 0xE0) return cp;
  if (cp <= 0xFE && cp != 0xF7) return cp - 32;
  if (cp == 0xFF) return 0x178;
  if (cp == 0x131) return 'I';                                          /* ı */
  if (cp >= 0x100 && cp <= 0x137 && cp != 0x130) return cp & ~1u;
  if (cp >= 0x139 && cp <= 0x148) return (cp & 1) ? cp : cp - 1;
  if (cp >= 0x14A && cp <= 0x177) return cp & ~1u;
  if (cp >= 0x179 && cp <= 0x17E) return (cp & 1) ? cp : cp - 1;
  if (cp >= 0x3B1 && cp <= 0x3CB && cp != 0x3C2) return cp - 32;
  if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
  return cp;
}

bool hm_cp_space(uint32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

void hm_sb_put_cased(hm_sb *b, const char *s, size_t n, bool upper) {
  size_t i = 0;
  while (i < n) {
    uint32_t cp = hm_utf8_next(s, n, &i);
    hm_sb_put_cp(b, upper ? hm_cp_upper(cp) : hm_cp_lower(cp));
  }
}

void hm_trim_span(const char **s, size_t *n) {
  const char *p = *s;
  size_t len = *n, i = 0;
  while (i < len) {
    size_t j = i;
    if (!hm_cp_space(hm_utf8_next(p, len, &j))) break;
    i = j;
  }
  p += i; len -= i;
  /* From the end: step back over one UTF-8 sequence at a time. */
  while (len > 0) {
    size_t start = len - 1;
    while (start > 0 && len - start < 4 && ((unsigned char)p[start] & 0xC0) == 0x80) start--;
    size_t j = start;
    uint32_t cp = hm_utf8_next(p, len, &j);
    if (j != len) { start = len - 1; j = start; cp = hm_utf8_next(p, len, &j); }
    if (!hm_cp_space(cp)) break;
    len = start;
  }
  *s = p; *n = len;
}
