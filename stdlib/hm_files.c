/* hm_files: builtins about attachments — basename, url_decode, ext, mime_type and
 * b64_size (iTop exports attachment contents as base64; Gorgias wants sizes).
 *
 * Paths may come from Windows servers (SmarterTrack), so '\' separates
 * folders as well as '/'. */
#include "hm_std.h"
#include "hm_gorgias.h"
#include <string.h>

static void base_span(const char **s, size_t *n) {
  const char *p = *s;
  size_t len = *n;
  while (len && (p[len - 1] == '/' || p[len - 1] == '\\')) len--;   /* "a/b/" is "b" */
  size_t start = len;
  while (start && p[start - 1] != '/' && p[start - 1] != '\\') start--;
  *s = p + start;
  *n = len - start;
}

HM_BI_TEXT(basename) {
  hm_trim_span(&s, &n);
  base_span(&s, &n);
  *out = hv_str_copy(ctx->arena, s, n);
  return 0;
}

static int hex_val(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decoding of a URL's path segment (RFC 3986): '+' is a plus there,
 * not a space. A '%' without two hex digits stays as written; when the
 * decoded bytes are not UTF-8 the text is returned unchanged with a warn flag,
 * so no name is ever mangled silently. */
HM_BI_TEXT(url_decode) {
  hm_sb b;
  hm_sb_init(&b, ctx->arena, n + 1);
  for (size_t i = 0; i < n; i++) {
    int hi = s[i] == '%' && n - i > 2 ? hex_val((unsigned char)s[i + 1]) : -1;
    int lo = hi >= 0 ? hex_val((unsigned char)s[i + 2]) : -1;
    if (lo < 0) { hm_sb_putc(&b, s[i]); continue; }
    hm_sb_putc(&b, (char)(hi * 16 + lo));
    i += 2;
  }
  hm_value v = hm_sb_value(&b);
  if (hm_utf8_valid(v.u.str, v.len)) { *out = v; return 0; }
  hm_flagf(ctx, HM_SEV_WARN, "url_decode: %s decodes to bytes that are not UTF-8: kept as written",
           hm_quote(ctx, s, n));
  *out = hv_str_copy(ctx->arena, s, n);
  return 0;
}

/* Extension without the dot, lower-cased; "" when there is none (a leading
 * dot, as in ".htaccess", names the file rather than starting an extension). */
static void ext_span(const char *s, size_t n, const char **e, size_t *en) {
  hm_trim_span(&s, &n);
  base_span(&s, &n);
  *e = s + n;
  *en = 0;
  for (size_t i = n; i > 1; i--)
    if (s[i - 1] == '.') { *e = s + i; *en = n - i; return; }
}

HM_BI_TEXT(ext) {
  const char *e; size_t en;
  ext_span(s, n, &e, &en);
  hm_sb b;
  hm_sb_init(&b, ctx->arena, en + 1);
  hm_sb_put_cased(&b, e, en, false);
  *out = hm_sb_value(&b);
  return 0;
}

/* The types are the Gorgias profile's one table (stdlib/gorgias/hm_gorgias.c). */
HM_BI_TEXT(mime_type) {
  const char *e; size_t en;
  ext_span(s, n, &e, &en);
  const char *type = hm_gorgias_mime(e, en);
  *out = hv_str(type ? type : HM_GORGIAS_MIME_DEFAULT);
  return 0;
}

static bool b64_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '+' || c == '/' || c == '-' || c == '_';
}

/* Size in bytes of what the base64 text decodes to, without decoding it.
 * Accepts line breaks, missing padding, the URL-safe alphabet and a
 * "data:...;base64," prefix; anything else is a failure, not a guess. */
HM_BI_TEXT(b64_size) {
  const char *orig = s; size_t on = n;
  if (n >= 5 && memcmp(s, "data:", 5) == 0) {
    size_t i = 0;
    while (i < n && s[i] != ',') i++;
    if (i == n)
      return hm_fail(ctx, out, "b64_size: data URL without ',' in \"%s\"", hm_quote(ctx, orig, on));
    if (i < 7 || memcmp(s + i - 7, ";base64", 7) != 0)
      return hm_fail(ctx, out, "b64_size: data URL \"%s\" is not base64", hm_quote(ctx, orig, on));
    s += i + 1; n -= i + 1;
  }
  size_t chars = 0, pad = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=' ) { pad++; continue; }
    if (!b64_char(c) || pad)
      return hm_fail(ctx, out, "b64_size: \"%s\" is not base64 (byte %zu)", hm_quote(ctx, orig, on),
                     (size_t)(s - orig) + i + 1);
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (b64_char(c)) chars++;
  }
  if (chars % 4 == 1 || pad > 2 || (pad && (chars + pad) % 4 != 0))
    return hm_fail(ctx, out, "b64_size: \"%s\" has a truncated last group",
                   hm_quote(ctx, orig, on));
  size_t bytes = chars / 4 * 3 + (chars % 4 == 2 ? 1 : chars % 4 == 3 ? 2 : 0);
  *out = hv_num((double)bytes);
  return 0;
}
