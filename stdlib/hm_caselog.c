/* hm_caselog: split_caselog(text) — an iTop case log exported as one text
 * blob (export-v2 CSV) back into its entries, each a record
 * {date, user, user_id, text}, returned OLDEST FIRST whatever the blob order.
 *
 * iTop writes each entry after a separator built from
 *   "\n========== %1$s : %2$s (%3$d) ============\n\n"
 * (date "Y-m-d H:i:s" in server time, author's friendly name, user id with
 * 0 for none). Two shapes reach us (itop-sources.md §3):
 *
 *  - formatted_text=1, the raw blob, newest entry first, one separator per
 *    line. A line is a boundary only if ALL of these hold: it is a whole line
 *    of exactly that shape (10 '=', a valid date and time, " : ", a name,
 *    " (digits) ", 12 '='); it is followed by the blank line iTop writes (or
 *    by the end of the text); and its date is not newer than the boundary
 *    above it (the blob runs newest first, so a quoted separator with a
 *    later date is text). Anything else that merely looks like a separator —
 *    inside a line, without the blank line, with a bad date — stays text.
 *  - formatted_text=0 (the default), where Html2Text ran twice and every
 *    newline became a space: the log is one line, oldest entry first. Used
 *    only when no line-shaped boundary exists: separators are then found
 *    inline, preceded by a space (or the start) and followed by a space (or
 *    the end), with dates not older than the previous boundary.
 *
 * Text before the first boundary (iTop's un-indexed text, e.g. a field that
 * was converted into a case log) becomes an entry with null date, user and
 * user_id, listed first. The date is left as iTop wrote it (server local
 * time, no offset): pass it to date(e.date, "%F %T", <server zone>).
 * user_id 0, iTop's way of printing "no user", becomes null. */
#include "hm_std.h"
#include <string.h>

typedef struct sep {
  size_t start, end;          /* the separator's bytes */
  const char *date;           /* 19 bytes */
  const char *user; size_t un;
  const char *uid; size_t idn;
} sep;

static bool dig(char c) { return c >= '0' && c <= '9'; }

static int two(const char *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

/* "YYYY-MM-DD HH:MM:SS" with plausible fields. */
static bool valid_stamp(const char *p, size_t n) {
  static const char shape[] = "dddd-dd-dd dd:dd:dd";
  if (n < 19) return false;
  for (int i = 0; i < 19; i++)
    if (shape[i] == 'd' ? !dig(p[i]) : p[i] != shape[i]) return false;
  int mon = two(p + 5), day = two(p + 8);
  return mon >= 1 && mon <= 12 && day >= 1 && day <= 31 && two(p + 11) <= 23 && two(p + 14) <= 59 &&
         two(p + 17) <= 59;
}

static const char OPEN[] = "========== ";      /* 10 '=' and a space */
static const char CLOSE[] = " ============";    /* a space and 12 '=' */

/* Parses "========== DATE : NAME (ID) ============" at p, where the close
 * must sit at or before limit. Returns the length, 0 if it is not one. With
 * first_close, the name ends at the first " ============" (inline mode);
 * otherwise the close must end exactly at limit (a whole line). */
static size_t match_sep(const char *p, size_t limit, bool first_close, sep *out) {
  size_t ol = sizeof OPEN - 1, cl = sizeof CLOSE - 1;
  if (limit < ol + 19 + 3 + 3 + cl || memcmp(p, OPEN, ol) != 0 || !valid_stamp(p + ol, limit - ol))
    return 0;
  size_t name = ol + 19;
  if (memcmp(p + name, " : ", 3) != 0 && memcmp(p + name, " :", 2) != 0) return 0;
  name += p[name + 2] == ' ' ? 3 : 2;
  size_t close;
  if (first_close) {
    /* A friendly name is short; bounding the search keeps hostile text
     * (thousands of unclosed separators) linear. */
    if (limit > name + 512 + cl) limit = name + 512 + cl;
    close = name;
    while (close + cl <= limit && memcmp(p + close, CLOSE, cl) != 0) close++;
    if (close + cl > limit) return 0;
  } else {
    close = limit - cl;
    if (memcmp(p + close, CLOSE, cl) != 0) return 0;
  }
  /* Back from the close: ")" digits "(" " ". */
  if (close < 4 || p[close - 1] != ')') return 0;
  size_t d = close - 1;
  while (d > name && dig(p[d - 1])) d--;
  size_t digits = close - 1 - d;
  if (digits == 0 || digits > 10 || d < 2 || p[d - 1] != '(') return 0;
  size_t paren_space = d - 2;
  if (p[paren_space] != ' ') return 0;   /* an empty name may share the space of " : " */
  out->date = p + ol;
  out->user = p + name;
  out->un = paren_space >= name ? paren_space - name : 0;
  out->uid = p + d;
  out->idn = digits;
  return close + cl;
}

static int cmp_stamp(const char *a, const char *b) { return memcmp(a, b, 19); }

static void add_entry(hm_bctx *ctx, hm_value *list, const sep *s, const char *text, size_t tn) {
  hm_arena *a = ctx->arena;
  hm_value rec = hv_rec_new(a, 4);
  hm_trim_span(&text, &tn);
  if (s) {
    hv_rec_set(a, &rec, "date", hv_str_copy(a, s->date, 19));
    const char *u = s->user; size_t un = s->un;
    hm_trim_span(&u, &un);
    hv_rec_set(a, &rec, "user", un ? hv_str_copy(a, u, un) : hv_null());
    size_t z = 0;
    while (z < s->idn && s->uid[z] == '0') z++;
    hv_rec_set(a, &rec, "user_id",
               z == s->idn ? hv_null() : hv_str_copy(a, s->uid + z, s->idn - z));
  } else {
    hv_rec_set(a, &rec, "date", hv_null());
    hv_rec_set(a, &rec, "user", hv_null());
    hv_rec_set(a, &rec, "user_id", hv_null());
  }
  hv_rec_set(a, &rec, "text", hv_str_copy(a, text, tn));
  hv_list_push(a, list, rec);
}

/* Line-shaped boundaries, in text order; returns how many. */
static size_t find_line_seps(const char *s, size_t n, sep *out, size_t max) {
  size_t k = 0;
  const char *last_date = NULL;
  for (size_t i = 0; i < n && k < max;) {
    size_t e = i;
    while (e < n && s[e] != '\n') e++;
    size_t len = e - i;
    if (len && s[i + len - 1] == '\r') len--;
    sep sp;
    size_t m = match_sep(s + i, len, false, &sp);
    /* followed by the blank line iTop writes, or by the end of the text */
    bool blank = e >= n || (e + 1 >= n) || s[e + 1] == '\n' ||
                 (s[e + 1] == '\r' && e + 2 < n && s[e + 2] == '\n');
    if (m && blank && (!last_date || cmp_stamp(sp.date, last_date) <= 0)) {
      sp.start = i;
      sp.end = e;
      out[k++] = sp;
      last_date = sp.date;
    }
    i = e + 1;
  }
  return k;
}

static size_t find_inline_seps(const char *s, size_t n, sep *out, size_t max) {
  size_t k = 0;
  const char *last_date = NULL;
  for (size_t i = 0; i + sizeof OPEN - 1 <= n && k < max; i++) {
    if (s[i] != '=' || (i > 0 && s[i - 1] != ' ')) continue;
    sep sp;
    size_t m = match_sep(s + i, n - i, true, &sp);
    if (!m || (i + m < n && s[i + m] != ' ')) continue;
    if (last_date && cmp_stamp(sp.date, last_date) < 0) continue;
    sp.start = i;
    sp.end = i + m;
    out[k++] = sp;
    last_date = sp.date;
    i += m - 1;
  }
  return k;
}

HM_BI_TEXT(split_caselog) {
  size_t max = n / 40 + 1;             /* a separator is longer than 40 bytes */
  sep *seps = hm_arena_alloc(ctx->arena, max * sizeof *seps);
  bool newest_first = true;
  size_t k = find_line_seps(s, n, seps, max);
  if (k == 0) { k = find_inline_seps(s, n, seps, max); newest_first = false; }
  hm_value list = hv_list_new(ctx->arena, (uint32_t)k + 1);
  const char *lead = s; size_t ln = k ? seps[0].start : n;
  hm_trim_span(&lead, &ln);
  if (ln) add_entry(ctx, &list, NULL, lead, ln);
  for (size_t j = 0; j < k; j++) {
    size_t idx = newest_first ? k - 1 - j : j;
    size_t from = seps[idx].end, to = idx + 1 < k ? seps[idx + 1].start : n;
    add_entry(ctx, &list, &seps[idx], s + from, to - from);
  }
  *out = list;
  return 0;
}
