/* hm_text: the string builtins — trimming and case, literal replace, split and
 * join, truncate, names, e-mail addresses, prefix tests, slugs and tags.
 *
 * All of them work on UTF-8 by code point and keep invalid bytes as they are
 * (never split, never dropped), because exports are often half Latin-1 and a
 * migration must not lose text it could not read. */
#include "hm_std.h"
#include <string.h>

/* Position of needle in hay, or -1. memmem is a GNU extension; this is C11. */
static long find_bytes(const char *hay, size_t hn, const char *needle, size_t nn, size_t from) {
  if (nn == 0) return (long)from;
  for (size_t i = from; i + nn <= hn; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, nn) == 0) return (long)i;
  return -1;
}

static bool ascii_ieq(const char *a, size_t an, const char *b) {
  size_t bn = strlen(b);
  if (an != bn) return false;
  for (size_t i = 0; i < an; i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
    if (x != y) return false;
  }
  return true;
}

HM_BI_TEXT(trim) {
  hm_trim_span(&s, &n);
  *out = hv_strn(s, n);        /* a view into the argument: it lives as long */
  if (s[n] != 0) *out = hv_str_copy(ctx->arena, s, n);
  return 0;
}

static int case_map(hm_bctx *ctx, const char *s, size_t n, hm_value *out, bool upper) {
  hm_sb b;
  hm_sb_init(&b, ctx->arena, n + 1);
  hm_sb_put_cased(&b, s, n, upper);
  *out = hm_sb_value(&b);
  return 0;
}

HM_BI_TEXT(lower) { return case_map(ctx, s, n, out, false); }
HM_BI_TEXT(upper) { return case_map(ctx, s, n, out, true); }

HM_BI(replace) {
  (void)argc;
  for (int i = 0; i < 3; i++) HM_PROPAGATE(argv[i], out);
  const char *s, *from, *to; size_t n, fn, tn;
  hm_arg_text(ctx, argv[0], &s, &n);
  hm_arg_text(ctx, argv[1], &from, &fn);
  hm_arg_text(ctx, argv[2], &to, &tn);
  if (fn == 0) { *out = hv_str_copy(ctx->arena, s, n); return 0; }
  hm_sb b;
  hm_sb_init(&b, ctx->arena, n + 1);
  size_t at = 0;
  long hit;
  while ((hit = find_bytes(s, n, from, fn, at)) >= 0) {
    hm_sb_put(&b, s + at, (size_t)hit - at);
    hm_sb_put(&b, to, tn);
    at = (size_t)hit + fn;
  }
  hm_sb_put(&b, s + at, n - at);
  *out = hm_sb_value(&b);
  return 0;
}

static void push_trimmed(hm_bctx *ctx, hm_value *list, const char *s, size_t n) {
  hm_trim_span(&s, &n);
  if (n) hv_list_push(ctx->arena, list, hv_str_copy(ctx->arena, s, n));
}

/* An empty separator splits on runs of white space. */
HM_BI(split) {
  (void)argc;
  HM_PROPAGATE(argv[0], out);
  HM_PROPAGATE(argv[1], out);
  const char *s, *sep; size_t n, sn;
  hm_arg_text(ctx, argv[0], &s, &n);
  hm_arg_text(ctx, argv[1], &sep, &sn);
  hm_value list = hv_list_new(ctx->arena, 4);
  if (sn == 0) {
    size_t i = 0, start = 0;
    while (i < n) {
      size_t j = i;
      if (hm_cp_space(hm_utf8_next(s, n, &j))) {
        push_trimmed(ctx, &list, s + start, i - start);
        start = j;
      }
      i = j;
    }
    push_trimmed(ctx, &list, s + start, n - start);
  } else {
    size_t at = 0;
    long hit;
    while ((hit = find_bytes(s, n, sep, sn, at)) >= 0) {
      push_trimmed(ctx, &list, s + at, (size_t)hit - at);
      at = (size_t)hit + sn;
    }
    push_trimmed(ctx, &list, s + at, n - at);
  }
  *out = list;
  return 0;
}

static void join_part(hm_bctx *ctx, hm_sb *b, const char *sep, size_t sn, hm_value v, int *parts,
                      int depth) {
  if (hv_is_nothing(v)) return;
  if (v.kind == HV_LIST) {
    if (depth > 32) return;
    for (uint32_t i = 0; i < v.u.list->n; i++)
      join_part(ctx, b, sep, sn, v.u.list->items[i], parts, depth + 1);
    return;
  }
  const char *s; size_t n;
  hm_arg_text(ctx, v, &s, &n);
  if (n == 0) return;
  if ((*parts)++) hm_sb_put(b, sep, sn);
  hm_sb_put(b, s, n);
}

/* Missing, null and "" parts are skipped so `join(" ", first, last)` never
 * leaves a stray separator; nothing at all to join is missing, for `??`. */
HM_BI(join) {
  HM_PROPAGATE(argv[0], out);
  const char *sep; size_t sn;
  hm_arg_text(ctx, argv[0], &sep, &sn);
  hm_sb b;
  hm_sb_init(&b, ctx->arena, 64);
  int parts = 0;
  for (int i = 1; i < argc; i++) join_part(ctx, &b, sep, sn, argv[i], &parts, 0);
  *out = parts ? hm_sb_value(&b) : hv_missing(HM_WHY_EMPTY);
  return 0;
}

HM_BI(truncate) {
  (void)argc;
  HM_PROPAGATE(argv[0], out);
  HM_PROPAGATE(argv[1], out);
  const char *s; size_t n;
  hm_arg_text(ctx, argv[0], &s, &n);
  long max;
  if (!hm_arg_int(ctx, argv[1], &max))
    return hm_fail(ctx, out, "truncate: length must be a whole number");
  if (max < 0) max = 0;
  size_t i = 0, chars = 0;
  while (i < n && chars < (size_t)max) { hm_utf8_next(s, n, &i); chars++; }
  if (i >= n) { *out = argv[0].kind == HV_STR ? argv[0] : hv_strn(s, n); return 0; }
  size_t total = chars + hm_utf8_count(s + i, n - i);
  hm_flagf(ctx, HM_SEV_WARN, "truncated from %zu to %ld characters", total, max);
  *out = hv_str_copy(ctx->arena, s, i);
  return 0;
}

/* ---- names ---- */

typedef struct span { const char *s; size_t n; } span;

static bool is_particle(span w) {
  static const char *particles[] = {"van", "von", "de",  "da",  "di",  "del", "della", "der",
                                    "den", "du",  "le",  "la",  "ter", "ten", "bin",   "ibn",
                                    "al",  "el",  "dos", "das", "do",  "st.", "mac",   NULL};
  for (int i = 0; particles[i]; i++)
    if (ascii_ieq(w.s, w.n, particles[i])) return true;
  return false;
}

static bool is_suffix(span w) {
  static const char *suffixes[] = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "md", NULL};
  for (int i = 0; suffixes[i]; i++)
    if (ascii_ieq(w.s, w.n, suffixes[i])) return true;
  return false;
}

static size_t words_of(const char *s, size_t n, span *w, size_t max) {
  size_t k = 0, i = 0;
  while (i < n && k < max) {
    size_t j = i;
    while (j < n) { size_t t = j; if (hm_cp_space(hm_utf8_next(s, n, &t))) break; j = t; }
    if (j > i) w[k++] = (span){s + i, j - i};
    if (j >= n) break;
    size_t t = j;
    hm_utf8_next(s, n, &t);
    i = t;
  }
  return k;
}

/* "Last, First [Middle]" or "First [Middle] Last"; the last name starts at a
 * particle (van, de, von…) when there is one, so nothing is dropped: every word
 * lands in exactly one of the two halves. A suffix after a comma ("Jr.") stays
 * with the last name. */
static void split_name(const char *s, size_t n, span *first, span *last) {
  *first = (span){NULL, 0};
  *last = (span){NULL, 0};
  hm_trim_span(&s, &n);
  if (!n) return;
  long comma = find_bytes(s, n, ",", 1, 0);
  span tail = {NULL, 0};
  if (comma >= 0) {
    span a = {s, (size_t)comma}, b = {s + comma + 1, n - (size_t)comma - 1};
    hm_trim_span(&a.s, &a.n);
    hm_trim_span(&b.s, &b.n);
    if (!is_suffix(b)) {
      *last = a;
      *first = b;
      if (!first->n) first->s = NULL;
      if (!last->n) last->s = NULL;
      return;
    }
    tail = b;
    n = (size_t)comma;
    hm_trim_span(&s, &n);
  }
  span w[64];
  size_t k = words_of(s, n, w, 64);
  if (k == 0) return;
  if (k == 1) {
    *first = w[0];
    if (tail.n) *last = tail;
    return;
  }
  size_t cut = k - 1;
  for (size_t i = 1; i + 1 < k; i++)
    if (is_particle(w[i])) { cut = i; break; }
  *first = (span){w[0].s, (size_t)(w[cut - 1].s + w[cut - 1].n - w[0].s)};
  *last = (span){w[cut].s, (size_t)(s + n - w[cut].s)};
  if (tail.n) last->n = (size_t)(tail.s + tail.n - last->s);
}

static int name_part(hm_bctx *ctx, const char *s, size_t n, hm_value *out, bool want_last) {
  span first, last;
  split_name(s, n, &first, &last);
  span r = want_last ? last : first;
  *out = r.s ? hv_str_copy(ctx->arena, r.s, r.n) : hv_missing(HM_WHY_EMPTY);
  return 0;
}

HM_BI_TEXT(first_name) { return name_part(ctx, s, n, out, false); }
HM_BI_TEXT(last_name) { return name_part(ctx, s, n, out, true); }

/* ---- e-mail ---- */

/* The address inside "Name <addr>" or "mailto:addr", trimmed. */
static span address_of(const char *s, size_t n) {
  hm_trim_span(&s, &n);
  long lt = find_bytes(s, n, "<", 1, 0);
  if (lt >= 0) {
    long gt = find_bytes(s, n, ">", 1, (size_t)lt);
    if (gt > lt) { s += lt + 1; n = (size_t)(gt - lt - 1); hm_trim_span(&s, &n); }
  }
  if (n >= 7 && ascii_ieq(s, 7, "mailto:")) { s += 7; n -= 7; }
  return (span){s, n};
}

static long last_at(span a) {
  for (size_t i = a.n; i > 0; i--)
    if (a.s[i - 1] == '@') return (long)(i - 1);
  return -1;
}

HM_BI_TEXT(local_part) {
  span a = address_of(s, n);
  long at = last_at(a);
  *out = at > 0 ? hv_str_copy(ctx->arena, a.s, (size_t)at) : hv_missing(HM_WHY_PARSE);
  return 0;
}

HM_BI_TEXT(domain) {
  span a = address_of(s, n);
  long at = last_at(a);
  if (at < 0 || (size_t)at + 1 >= a.n) { *out = hv_missing(HM_WHY_PARSE); return 0; }
  hm_sb b;
  hm_sb_init(&b, ctx->arena, a.n);
  hm_sb_put_cased(&b, a.s + at + 1, a.n - (size_t)at - 1, false);
  *out = hm_sb_value(&b);
  return 0;
}

static bool local_ok(const char *s, size_t n) {
  if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.') return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      continue;
    if (c == '.' && s[i + 1] != '.') continue;
    if (c && strchr("!#$%&'*+/=?^_`{|}~-", c)) continue;
    return false;
  }
  return true;
}

static bool domain_ok(const char *s, size_t n) {
  if (n == 0 || n > 253) return false;
  size_t labels = 0, start = 0;
  bool tld_alpha = false;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] != '.') {
      unsigned char c = (unsigned char)s[i];
      if (!(c >= 0x80 || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9')))
        return false;
      continue;
    }
    size_t len = i - start;
    if (len == 0 || len > 63 || s[start] == '-' || s[i - 1] == '-') return false;
    tld_alpha = false;
    for (size_t k = start; k < i; k++)
      if (!((unsigned char)s[k] >= '0' && (unsigned char)s[k] <= '9')) tld_alpha = true;
    labels++;
    start = i + 1;
  }
  return labels >= 2 && tld_alpha;
}

/* Pragmatic, not RFC 5322: what a helpdesk can send mail to. UTF-8 local parts
 * and domains (EAI, IDN) are accepted; quoted local parts and IP literals not. */
HM_BI_TEXT(is_email) {
  hm_trim_span(&s, &n);
  long at = last_at((span){s, n});
  bool ok = at > 0 && hm_utf8_valid(s, n) && find_bytes(s, (size_t)at, "@", 1, 0) < 0 &&
            local_ok(s, (size_t)at) && domain_ok(s + at + 1, n - (size_t)at - 1);
  *out = hv_bool(ok);
  return 0;
}

/* ---- tests on text ---- */

static bool text_equal(hm_bctx *ctx, hm_value a, hm_value b) {
  if (hv_equal(a, b)) return true;
  if (hv_is_nothing(a) || hv_is_nothing(b) || a.kind == HV_LIST || a.kind == HV_REC) return false;
  const char *x, *y; size_t xn, yn;
  hm_arg_text(ctx, a, &x, &xn);
  hm_arg_text(ctx, b, &y, &yn);
  return xn == yn && memcmp(x, y, xn) == 0;
}

/* On a list: is an item equal (as text) to sub. On text: substring. */
HM_BI(contains) {
  (void)argc;
  HM_PROPAGATE(argv[0], out);
  HM_PROPAGATE(argv[1], out);
  if (argv[0].kind == HV_LIST) {
    bool hit = false;
    for (uint32_t i = 0; i < argv[0].u.list->n && !hit; i++)
      hit = text_equal(ctx, argv[0].u.list->items[i], argv[1]);
    *out = hv_bool(hit);
    return 0;
  }
  const char *s, *sub; size_t n, sn;
  hm_arg_text(ctx, argv[0], &s, &n);
  hm_arg_text(ctx, argv[1], &sub, &sn);
  *out = hv_bool(find_bytes(s, n, sub, sn, 0) >= 0);
  return 0;
}

static int affix_test(hm_bctx *ctx, const hm_value *argv, hm_value *out, bool at_end) {
  HM_PROPAGATE(argv[0], out);
  HM_PROPAGATE(argv[1], out);
  const char *s, *p; size_t n, pn;
  hm_arg_text(ctx, argv[0], &s, &n);
  hm_arg_text(ctx, argv[1], &p, &pn);
  *out = hv_bool(pn <= n && memcmp(at_end ? s + n - pn : s, p, pn) == 0);
  return 0;
}

HM_BI(starts_with) { (void)argc; return affix_test(ctx, argv, out, false); }
HM_BI(ends_with) { (void)argc; return affix_test(ctx, argv, out, true); }

/* "" or only white space becomes null (an empty list too); anything else is
 * returned unchanged. Lets a map say `nonempty(src.phone) ?? "n/a"`. */
HM_BI(nonempty) {
  (void)ctx; (void)argc;
  HM_PROPAGATE(argv[0], out);
  hm_value v = argv[0];
  if (v.kind == HV_LIST && v.u.list->n == 0) { *out = hv_null(); return 0; }
  if (v.kind == HV_STR) {
    const char *s = v.u.str; size_t n = v.len;
    hm_trim_span(&s, &n);
    if (n == 0) { *out = hv_null(); return 0; }
  }
  *out = v;
  return 0;
}

/* ---- slugs and tags ---- */

/* ASCII spelling of Latin-1 and Latin Extended-A letters (U+00C0..U+017F). */
static const char *latin1_ascii[64] = {
  "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
  "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
  "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
  "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y"};
static const char latin_ext_a[] =
  "aaaaaa" "cccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh" "iiiiiiiiii" "ii" "jj" "kkk"
  "llllllllll" "nnnnnnnnn" "oooooo" "oo" "rrrrrr" "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy"
  "zzzzzz" "s";
_Static_assert(sizeof latin_ext_a == 129, "one letter per code point U+0100..U+017F");

/* Lower-case ASCII words joined by '-'; accented Latin letters lose their
 * accents; letters of other scripts are kept (lower-cased) rather than lost. */
HM_BI_TEXT(slug) {
  hm_sb b;
  hm_sb_init(&b, ctx->arena, n + 1);
  bool dash = false;
  size_t i = 0;
  while (i < n) {
    uint32_t cp = hm_cp_lower(hm_utf8_next(s, n, &i));
    const char *ascii = NULL;
    char one[2] = {0, 0};
    bool keep_cp = false;
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) { one[0] = (char)cp; ascii = one; }
    else if (cp >= 0xC0 && cp <= 0xFF) ascii = latin1_ascii[cp - 0xC0];
    else if (cp == 0x133) ascii = "ij";
    else if (cp == 0x153) ascii = "oe";
    else if (cp >= 0x100 && cp <= 0x17F) { one[0] = latin_ext_a[cp - 0x100]; ascii = one;
    } else if (!(cp & HM_BAD_BYTE) && cp >= 0x370 && !(cp >= 0x2000 && cp <= 0x2BFF) &&
               !(cp >= 0x3000 && cp <= 0x303F) && !(cp >= 0xFE00 && cp <= 0xFE6F) &&
               !(cp >= 0xFF00 && cp <= 0xFF0F) && !hm_cp_space(cp))
      keep_cp = true;
    if (!ascii && !keep_cp) { dash = b.len > 0; continue; }
    if (dash) { hm_sb_putc(&b, '-'); dash = false; }
    if (ascii) hm_sb_puts(&b, ascii);
    else hm_sb_put_cp(&b, cp);
  }
  *out = hm_sb_value(&b);
  return 0;
}

/* Lower-cased, each run of white space as one "_". */
static void put_tag_part(hm_sb *b, const char *s, size_t n) {
  size_t i = 0;
  bool space = false;
  while (i < n) {
    uint32_t cp = hm_utf8_next(s, n, &i);
    if (hm_cp_space(cp)) { space = true; continue; }
    if (space) { hm_sb_putc(b, '_'); space = false; }
    hm_sb_put_cp(b, hm_cp_lower(cp));
  }
}

/* "prefix:value", lower-cased, white space runs as "_": Gorgias tags built
 * from source values (`tag("type", src.Type)` → "type:service_request"). */
HM_BI(tag) {
  (void)argc;
  HM_PROPAGATE(argv[0], out);
  HM_PROPAGATE(argv[1], out);
  const char *p, *v; size_t pn, vn;
  hm_arg_text(ctx, argv[0], &p, &pn);
  hm_arg_text(ctx, argv[1], &v, &vn);
  hm_trim_span(&p, &pn);
  hm_trim_span(&v, &vn);
  if (vn == 0) { *out = hv_missing(HM_WHY_EMPTY); return 0; }
  hm_sb b;
  hm_sb_init(&b, ctx->arena, pn + vn + 2);
  put_tag_part(&b, p, pn);
  if (pn) hm_sb_putc(&b, ':');
  put_tag_part(&b, v, vn);
  *out = hm_sb_value(&b);
  return 0;
}
