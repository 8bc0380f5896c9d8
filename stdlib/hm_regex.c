/* hm_regex: matches, capture and replace_re on PCRE2 (Perl syntax: \d, \s,
 * lazy quantifiers, named groups), the dialect consultants already know from
 * every other tool. Subjects may hold invalid UTF-8; PCRE2 is told to treat
 * such bytes as unmatchable rather than fail.
 *
 * A pattern that does not compile is a bug in the map: hmapc should refuse it
 * with hm_regex_check; if one still reaches run time the call fails. */
#include "hm_std.h"
#include <string.h>

typedef struct rx {
  pcre2_code *code;
  bool owned;
} rx;

static int rx_open(hm_bctx *ctx, const hm_value *re_arg, rx *r, hm_value *out) {
  const char *pat; size_t pn;
  hm_arg_text(ctx, *re_arg, &pat, &pn);
  char err[200];
  r->code = hm_state_regex(ctx->std, pat, pn, err, sizeof err, &r->owned);
  if (!r->code) return hm_fail(ctx, out, "bad regex /%s/: %s", hm_quote(ctx, pat, pn), err);
  return 0;
}

static void rx_close(rx *r) {
  if (r->owned) pcre2_code_free(r->code);
}

/* Runs one match; returns the match data (caller frees) or NULL on no match. */
static pcre2_match_data *rx_match(const rx *r, const char *s, size_t n) {
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->code, NULL);
  if (!md) return NULL;
  if (pcre2_match(r->code, (PCRE2_SPTR)s, n, 0, 0, md, NULL) < 0) { pcre2_match_data_free(md); return NULL; }
  return md;
}

HM_BI(matches) {
  (void)argc;
  HM_PROPAGATE(argv[0], out);
  HM_PROPAGATE(argv[1], out);
  rx r;
  if (rx_open(ctx, &argv[1], &r, out)) return -1;
  const char *s; size_t n;
  hm_arg_text(ctx, argv[0], &s, &n);
  pcre2_match_data *md = rx_match(&r, s, n);
  *out = hv_bool(md != NULL);
  pcre2_match_data_free(md);
  rx_close(&r);
  return 0;
}

/* Group number from the optional third argument: a number, a digit string or
 * a group name. Default: 1 when the pattern has groups, else the whole match. */
static int group_of(hm_bctx *ctx, int argc, const hm_value *argv, const rx *r, uint32_t *g, hm_value *out) {
  uint32_t groups = 0;
  pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &groups);
  if (argc < 3 || hv_is_nothing(argv[2])) { *g = groups ? 1 : 0; return 0; }
  long num;
  bool numeric = hm_arg_int(ctx, argv[2], &num);
  if (!numeric && argv[2].kind == HV_STR && argv[2].len > 0 && argv[2].len < 4) {
    numeric = true;
    num = 0;
    for (uint32_t i = 0; i < argv[2].len && numeric; i++) {
      char c = argv[2].u.str[i];
      numeric = c >= '0' && c <= '9';
      num = num * 10 + (c - '0');
    }
  }
  if (numeric) {
    if (num < 0 || (uint32_t)num > groups)
      return hm_fail(ctx, out, "capture: no group %ld (the regex has %u)", num, groups);
    *g = (uint32_t)num;
    return 0;
  }
  const char *name; size_t nn;
  hm_arg_text(ctx, argv[2], &name, &nn);
  int idx = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)name);
  if (idx < 0) return hm_fail(ctx, out, "capture: no group named \"%s\"", hm_quote(ctx, name, nn));
  *g = (uint32_t)idx;
  return 0;
}

HM_BI(capture) {
  HM_PROPAGATE(argv[0], out);
  HM_PROPAGATE(argv[1], out);
  rx r;
  if (rx_open(ctx, &argv[1], &r, out)) return -1;
  const char *s, *pat; size_t n, pn;
  hm_arg_text(ctx, argv[0], &s, &n);
  hm_arg_text(ctx, argv[1], &pat, &pn);
  uint32_t g = 0;
  int rc = group_of(ctx, argc, argv, &r, &g, out);
  pcre2_match_data *md = rc ? NULL : rx_match(&r, s, n);
  if (!rc && !md)
    rc = hm_fail(ctx, out, "\"%s\" does not match /%s/", hm_quote(ctx, s, n), hm_quote(ctx, pat, pn));
  if (!rc) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (g >= pcre2_get_ovector_count(md) || ov[2 * g] == PCRE2_UNSET)
      rc = hm_fail(ctx, out, "group %u of /%s/ took no part in the match", g, hm_quote(ctx, pat, pn));
    else
      *out = hv_str_copy(ctx->arena, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
  }
  pcre2_match_data_free(md);
  rx_close(&r);
  return rc;
}

/* Our replacement syntax (\1..\9, \\ for a backslash) turned into PCRE2's
 * ($1, $$ for a dollar), so a literal $ in `to` stays a dollar. */
static void to_pcre2_replacement(hm_sb *b, const char *to, size_t tn) {
  for (size_t i = 0; i < tn; i++) {
    char c = to[i];
    if (c == '$') { hm_sb_puts(b, "$$"); continue; }
    if (c == '\\' && i + 1 < tn) {
      char d = to[i + 1];
      if (d >= '0' && d <= '9') { hm_sb_puts(b, "${"); hm_sb_putc(b, d); hm_sb_putc(b, '}'); i++; continue; }
      if (d == '\\') { hm_sb_putc(b, '\\'); i++; continue; }
    }
    hm_sb_putc(b, c);
  }
}

HM_BI(replace_re) {
  (void)argc;
  for (int i = 0; i < 3; i++) HM_PROPAGATE(argv[i], out);
  rx r;
  if (rx_open(ctx, &argv[1], &r, out)) return -1;
  const char *s, *to; size_t n, tn;
  hm_arg_text(ctx, argv[0], &s, &n);
  hm_arg_text(ctx, argv[2], &to, &tn);
  hm_sb rep;
  hm_sb_init(&rep, ctx->arena, tn * 2 + 1);
  to_pcre2_replacement(&rep, to, tn);
  uint32_t opts = PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH | PCRE2_SUBSTITUTE_UNSET_EMPTY;
  PCRE2_SIZE cap = n + n / 2 + 64;
  int rc;
  for (int attempt = 0; attempt < 2; attempt++) {
    PCRE2_UCHAR *buf = hm_arena_alloc(ctx->arena, cap + 1);
    PCRE2_SIZE len = cap;
    rc = pcre2_substitute(r.code, (PCRE2_SPTR)s, n, 0, opts, NULL, NULL, (PCRE2_SPTR)rep.p, rep.len, buf, &len);
    if (rc >= 0) { *out = hv_strn((const char *)buf, len); break; }
    if (rc != PCRE2_ERROR_NOMEMORY) break;
    cap = len;   /* the size pcre2 says it needs */
  }
  if (rc < 0) {
    PCRE2_UCHAR msg[200];
    pcre2_get_error_message(rc, msg, sizeof msg);
    rc = hm_fail(ctx, out, "replace_re: %s", (const char *)msg);
  } else {
    rc = 0;
  }
  rx_close(&r);
  return rc;
}
