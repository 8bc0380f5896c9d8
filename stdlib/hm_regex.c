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
  if (pcre2_match(r->code, (PCRE2_SPTR)s, n, 0, 0, md, NULL) < 0) {
    pcre2_match_data_free(md);
    return NULL;
  }
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
static int group_of(hm_bctx *ctx, int argc, const hm_value *argv, const rx *r, uint32_t *g,
                    hm_value *out) {
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
    rc = hm_fail(ctx, out, "\"%s\" does not match /%s/", hm_quote(ctx, s, n),
                 hm_quote(ctx, pat, pn));
  if (!rc) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (g >= pcre2_get_ovector_count(md) || ov[2 * g] == PCRE2_UNSET)
      rc = hm_fail(ctx, out, "group %u of /%s/ took no part in the match", g,
                   hm_quote(ctx, pat, pn));
    else
      *out = hv_str_copy(ctx->arena, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
  }
  pcre2_match_data_free(md);
  rx_close(&r);
  return rc;
}

/* Checks the groups `to` refers to (\0..\9) exist, before any output. */
static int check_refs(hm_bctx *ctx, const rx *r, const char *to, size_t tn, const char *pat,
                      size_t pn, hm_value *out) {
  uint32_t groups = 0;
  pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &groups);
  for (size_t i = 0; i + 1 < tn; i++) {
    if (to[i] != '\\') continue;
    char d = to[i + 1];
    if (d >= '0' && d <= '9' && (uint32_t)(d - '0') > groups)
      return hm_fail(ctx, out, "replace_re: no group \\%c in /%s/", d, hm_quote(ctx, pat, pn));
    i++;
  }
  return 0;
}

/* `to` with \N replaced by group N of the match (empty if it took no part)
 * and \\ by one backslash; any other character is literal, $ included. */
static void put_replacement(hm_sb *b, const char *s, const PCRE2_SIZE *ov, const char *to,
                            size_t tn) {
  for (size_t i = 0; i < tn; i++) {
    char c = to[i];
    if (c == '\\' && i + 1 < tn) {
      char d = to[i + 1];
      if (d >= '0' && d <= '9') {
        int g = d - '0';
        if (ov[2 * g] != PCRE2_UNSET) hm_sb_put(b, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
        i++;
        continue;
      }
      if (d == '\\') { hm_sb_putc(b, '\\'); i++; continue; }
    }
    hm_sb_putc(b, c);
  }
}

/* Our own global loop rather than pcre2_substitute: it checks the subject's
 * UTF-8 once instead of once per match (which made long texts quadratic),
 * and empty matches advance by a whole character, never inside one. */
HM_BI(replace_re) {
  (void)argc;
  for (int i = 0; i < 3; i++) HM_PROPAGATE(argv[i], out);
  rx r;
  if (rx_open(ctx, &argv[1], &r, out)) return -1;
  const char *s, *to, *pat; size_t n, tn, pn;
  hm_arg_text(ctx, argv[0], &s, &n);
  hm_arg_text(ctx, argv[2], &to, &tn);
  hm_arg_text(ctx, argv[1], &pat, &pn);
  int rc = check_refs(ctx, &r, to, tn, pat, pn, out);
  pcre2_match_data *md = rc ? NULL : pcre2_match_data_create_from_pattern(r.code, NULL);
  if (!rc && !md) rc = hm_fail(ctx, out, "replace_re: out of memory");
  if (rc) { rx_close(&r); return rc; }
  hm_sb b;
  hm_sb_init(&b, ctx->arena, n + 16);
  size_t start = 0, copied = 0;
  uint32_t opts = 0;
  while (start <= n) {
    int m = pcre2_match(r.code, (PCRE2_SPTR)s, n, start, opts | (start ? PCRE2_NO_UTF_CHECK : 0),
                        md, NULL);
    if (m == PCRE2_ERROR_NOMATCH && opts) {      /* no non-empty match here: step one character */
      opts = 0;
      if (start >= n) break;
      hm_utf8_next(s, n, &start);
      continue;
    }
    if (m < 0) break;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    hm_sb_put(&b, s + copied, ov[0] - copied);
    put_replacement(&b, s, ov, to, tn);
    copied = ov[1];
    opts = ov[0] == ov[1] ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
    start = ov[1];
  }
  hm_sb_put(&b, s + copied, n - copied);
  pcre2_match_data_free(md);
  rx_close(&r);
  *out = hm_sb_value(&b);
  return 0;
}
