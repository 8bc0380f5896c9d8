/* hm_std: what the builtin implementation files share and nobody else needs —
 * argument coercion (the missing/null propagation rule lives here, once), an
 * arena-backed string builder, UTF-8 stepping and case mapping, failure and
 * flag helpers, and the prototypes the table in hm_builtins.c points at. */
#ifndef HM_STD_H
#define HM_STD_H
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include "hm_builtins.h"
#include "hm_utf8.h"
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ---- string builder in the per-record arena (no malloc, nothing to free) ---- */
typedef struct hm_sb { hm_arena *a; char *p; size_t len, cap; } hm_sb;
void hm_sb_init(hm_sb *b, hm_arena *a, size_t cap);
void hm_sb_put(hm_sb *b, const char *s, size_t n);
void hm_sb_puts(hm_sb *b, const char *s);
void hm_sb_putc(hm_sb *b, char c);
void hm_sb_put_cp(hm_sb *b, uint32_t cp);      /* one code point as UTF-8 */
hm_value hm_sb_value(hm_sb *b);               /* the built text as a string value */

/* ---- arguments ---- */
/* The propagation rule: a missing or null argument is returned as the result,
 * unchanged, so `??` and the report still see which nothing it was. */
#define HM_PROPAGATE(v, out) \
  do { if (hv_is_nothing(v)) { *(out) = (v); return 0; } } while (0)
/* Text view of a present argument: strings as they are, numbers and bools in
 * their text form, lists and records as JSON. Call after HM_PROPAGATE. */
void hm_arg_text(hm_bctx *ctx, hm_value v, const char **s, size_t *n);
/* Whole number argument (e.g. truncate's n, capture's group); false if not one. */
bool hm_arg_int(hm_bctx *ctx, hm_value v, long *out);
/* A builtin of one text argument, the common case: the propagation rule and
 * the text view of argument 0 are applied here, once. The body that follows
 * sees ctx, the text s (n bytes, not always NUL-terminated at n) and out. */
#define HM_BI_TEXT(name)                                                                        \
  static int hm_bi_##name##_text(hm_bctx *ctx, const char *s, size_t n, hm_value *out);          \
  HM_BI(name) {                                                                                   \
    (void)argc;                                                                                   \
    HM_PROPAGATE(argv[0], out);                                                                   \
    const char *s; size_t n;                                                                      \
    hm_arg_text(ctx, argv[0], &s, &n);                                                            \
    return hm_bi_##name##_text(ctx, s, n, out);                                                   \
  }                                                                                               \
  static int hm_bi_##name##_text(hm_bctx *ctx __attribute__((unused)), const char *s, size_t n,  \
                                 hm_value *out)

/* ---- failure and flags ---- */
/* Sets ctx->error (printf-style, in the arena), *out = missing(PARSE), returns -1. */
int hm_fail(hm_bctx *ctx, hm_value *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hm_flagf(hm_bctx *ctx, hm_severity sev, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A short, printable quote of user text for messages: at most 60 characters,
 * invalid UTF-8 shown as U+FFFD, control characters as spaces. */
const char *hm_quote(hm_bctx *ctx, const char *s, size_t n);

/* ---- UTF-8 ---- */
/* hm_utf8_next, hm_utf8_count, HM_BAD_BYTE: common/hm_utf8.h. */
uint32_t hm_cp_lower(uint32_t cp);
uint32_t hm_cp_upper(uint32_t cp);
bool hm_cp_space(uint32_t cp);                   /* ASCII and Unicode white space, BOM */
/* Case-maps s into the builder (keeps invalid bytes as they are). */
void hm_sb_put_cased(hm_sb *b, const char *s, size_t n, bool upper);
/* Byte range of s without leading/trailing white space (hm_cp_space). */
void hm_trim_span(const char **s, size_t *n);

/* ---- per-run caches (hm_stdstate.c) ---- */
/* A compiled regex for pattern; NULL with err set when it does not compile.
 * With st == NULL the caller owns the result (*owned = true) and frees it. */
pcre2_code *hm_state_regex(hm_std_state *st, const char *pat, size_t n,
                           char *err, size_t errlen, bool *owned);
/* The zone called name, loaded from tzdata once per run; NULL if unknown. With
 * st == NULL the caller owns the result (*owned = true) and frees it. */
struct hm_tz;
struct hm_tz *hm_state_zone(hm_std_state *st, const char *name, bool *owned);

/* ---- builtins (one function per table row) ---- */
#define HM_BI(name) int hm_bi_##name(hm_bctx *ctx, int argc, const hm_value *argv, hm_value *out)
/* hm_text.c */
HM_BI(trim); HM_BI(lower); HM_BI(upper); HM_BI(replace); HM_BI(split); HM_BI(join);
HM_BI(truncate); HM_BI(first_name); HM_BI(last_name); HM_BI(local_part); HM_BI(domain);
HM_BI(is_email); HM_BI(contains); HM_BI(starts_with); HM_BI(ends_with); HM_BI(slug);
HM_BI(tag); HM_BI(nonempty);
/* hm_convert.c */
HM_BI(text); HM_BI(number); HM_BI(int); HM_BI(len);
/* hm_list.c */
HM_BI(first); HM_BI(last); HM_BI(count); HM_BI(unique); HM_BI(flatten);
/* hm_files.c */
HM_BI(basename); HM_BI(url_decode); HM_BI(ext); HM_BI(mime_type); HM_BI(b64_size);
/* hm_regex.c */
HM_BI(replace_re); HM_BI(matches); HM_BI(capture);
/* hm_html.c, hm_sanitize.c */
HM_BI(html_to_text); HM_BI(text_to_html); HM_BI(sanitize_html); HM_BI(has_html);
/* hm_date.c */
HM_BI(date);
/* hm_caselog.c */
HM_BI(split_caselog);

#endif
