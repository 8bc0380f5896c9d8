/* hm_convert: conversions between kinds — text(x), number(s), int(s), len(x).
 *
 * number and int are strict on purpose: "12,5", "1 000", "0x1F", "nan" or
 * "12abc" fail with the text quoted, instead of turning into 12 or 0 the way
 * atof would and silently corrupting a migrated value. */
#include "hm_std.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

HM_BI(text) {
  (void)argc;
  HM_PROPAGATE(argv[0], out);
  *out = hv_to_str(ctx->arena, argv[0]);
  return 0;
}

/* Decimal grammar: [+-] digits [. digits] [(e|E) [+-] digits], or with the
 * integer part empty (".5"). Returns false when s is anything else. */
static bool decimal_syntax(const char *s, size_t n, bool *integral) {
  size_t i = 0, digits = 0;
  *integral = true;
  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
  if (i < n && s[i] == '.') {
    i++;
    *integral = false;
    while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
  }
  if (!digits) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    *integral = false;
    size_t ed = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') { i++; ed++; }
    if (!ed) return false;
  }
  return i == n;
}

/* strtod needs a NUL-terminated copy; hmap never calls setlocale, so the
 * decimal point strtod expects is '.', matching decimal_syntax. */
static int parse_number(hm_bctx *ctx, const hm_value *argv, hm_value *out, const char *what,
                        bool want_int) {
  HM_PROPAGATE(argv[0], out);
  hm_value v = argv[0];
  double d;
  if (v.kind == HV_NUM) {
    d = v.u.num;
  } else if (v.kind == HV_STR) {
    const char *s = v.u.str; size_t n = v.len;
    hm_trim_span(&s, &n);
    bool integral;
    if (!decimal_syntax(s, n, &integral))
      return hm_fail(ctx, out, "%s \"%s\" is not a number", what, hm_quote(ctx, v.u.str, v.len));
    char *copy = hm_arena_strndup(ctx->arena, s, n);
    d = strtod(copy, NULL);
    if (!isfinite(d))
      return hm_fail(ctx, out, "%s \"%s\" is out of range", what, hm_quote(ctx, v.u.str, v.len));
  } else {
    return hm_fail(ctx, out, "%s: a %s is not a number", what, hv_kind_name((hm_kind)v.kind));
  }
  if (want_int) {
    if (d != floor(d)) {
      const char *t = hv_to_str(ctx->arena, v).u.str;
      return hm_fail(ctx, out, "int \"%s\" is not a whole number", hm_quote(ctx, t, strlen(t)));
    }
    if (fabs(d) > 9007199254740992.0)
      return hm_fail(ctx, out, "int: %.17g is too large to be exact", d);
  }
  *out = hv_num(d == 0 ? 0 : d);   /* no negative zero in output */
  return 0;
}

HM_BI(number) { (void)argc; return parse_number(ctx, argv, out, "number", false); }
HM_BI(int) { (void)argc; return parse_number(ctx, argv, out, "int", true); }

/* Characters of a string (code points, not bytes), items of a list, keys of a record. */
HM_BI(len) {
  (void)argc;
  HM_PROPAGATE(argv[0], out);
  hm_value v = argv[0];
  if (v.kind == HV_LIST) { *out = hv_num(v.u.list->n); return 0; }
  if (v.kind == HV_REC) { *out = hv_num(v.u.rec->n); return 0; }
  const char *s; size_t n;
  hm_arg_text(ctx, v, &s, &n);
  *out = hv_num((double)hm_utf8_count(s, n));
  return 0;
}
