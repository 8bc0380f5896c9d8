/* hm_builtins: THE table of builtins. hmapc's checker reads names, arities,
 * argument/result types, fallible and may_miss from it; hmaprun's VM calls
 * the same rows by index, so the two can never disagree. Adding a builtin is
 * one row here plus its function in the file of its concern; docs/builtins.md
 * has one entry per row and tests/builtins checks both stay in step.
 *
 * Row order is the call index baked into bytecode: append new rows at the end
 * and never reorder or remove one (the bytecode version would have to change). */
#include "hm_std.h"
#include <string.h>

#define S HT_STR
#define N HT_NUM
#define A HT_ANY
#define L HT_LIST
#define B HT_BOOL
#define ROW(nm, lo, hi, a0, a1, a2, a3, ret, fallible, may_miss, doc) \
  {#nm, lo, hi, {a0, a1, a2, a3}, ret, fallible, may_miss, hm_bi_##nm, doc}

const hm_builtin hm_builtins[] = {
    /* text */
    ROW(trim, 1, 1, S, 0, 0, 0, S, 0, 0,
        "trim(s): s without leading/trailing white space (Unicode spaces, NBSP, BOM)"),
    ROW(lower, 1, 1, S, 0, 0, 0, S, 0, 0, "lower(s): lower case (ASCII, Latin, Greek, Cyrillic)"),
    ROW(upper, 1, 1, S, 0, 0, 0, S, 0, 0, "upper(s): upper case (ASCII, Latin, Greek, Cyrillic)"),
    ROW(replace, 3, 3, S, S, S, 0, S, 0, 0,
        "replace(s, from, to): every literal occurrence of from replaced by to"),
    ROW(replace_re, 3, 3, S, S, S, 0, S, 0, 0,
        "replace_re(s, re, to): every match of the PCRE2 regex re replaced by to (\\1..\\9 are "
        "groups)"),
    ROW(matches, 2, 2, S, S, 0, 0, B, 0, 0,
        "matches(s, re): true when the regex re matches somewhere in s"),
    ROW(capture, 2, 3, S, S, A, 0, S, 1, 0,
        "capture(s, re[, group]): text of group (number or name; default 1, or 0 without groups); "
        "fails without a match"),
    ROW(split, 2, 2, S, S, 0, 0, L, 0, 0,
        "split(s, sep): list of trimmed non-empty parts; sep \"\" splits on white space"),
    ROW(join, 2, 4, S, A, A, A, S, 0, 1,
        "join(sep, a[, b, c]): non-empty parts (lists are spread) joined by sep; missing when "
        "nothing is left"),
    ROW(truncate, 2, 2, S, N, 0, 0, S, 0, 0,
        "truncate(s, n): at most n characters (never splits UTF-8); flags warn when it cuts"),
    ROW(first_name, 1, 1, S, 0, 0, 0, S, 0, 1,
        "first_name(full): given name(s) from \"First Middle Last\" or \"Last, First\""),
    ROW(last_name, 1, 1, S, 0, 0, 0, S, 0, 1,
        "last_name(full): family name (from a particle such as van/de on); missing for one word"),
    ROW(local_part, 1, 1, S, 0, 0, 0, S, 0, 1,
        "local_part(email): text before the last @ (\"Name <a@b>\" accepted); missing without @"),
    ROW(domain, 1, 1, S, 0, 0, 0, S, 0, 1,
        "domain(email): lower-cased text after the last @; missing without @"),
    ROW(is_email, 1, 1, S, 0, 0, 0, B, 0, 0,
        "is_email(s): true when s is a deliverable-looking address"),
    /* html */
    ROW(html_to_text, 1, 1, S, 0, 0, 0, S, 0, 0,
        "html_to_text(s): plain text; blocks become line breaks, entities decoded, white space "
        "collapsed"),
    ROW(text_to_html, 1, 1, S, 0, 0, 0, S, 0, 0,
        "text_to_html(s): escaped HTML; blank lines make paragraphs, line breaks <br>"),
    ROW(sanitize_html, 1, 1, S, 0, 0, 0, S, 0, 0,
        "sanitize_html(s): HTML parsed as a browser does, written back from an allowlist of "
        "elements, attributes and URL schemes; flags review"),
    ROW(has_html, 1, 1, S, 0, 0, 0, B, 0, 0, "has_html(s): true when s contains HTML tags"),
    /* dates */
    ROW(date, 1, 3, S, S, S, 0, HT_DATE, 1, 0,
        "date(s[, format[, tz]]): ISO-8601 UTC \"YYYY-MM-DDTHH:MM:SS[.ffffff]Z\" (the input's "
        "fraction, up to 6 digits); format strptime-like, tz an IANA zone"),
    /* conversions */
    ROW(number, 1, 1, S, 0, 0, 0, N, 1, 0, "number(s): decimal number; fails on anything else"),
    ROW(int, 1, 1, S, 0, 0, 0, N, 1, 0,
        "int(s): whole number; fails on fractions and anything else"),
    ROW(text, 1, 1, A, 0, 0, 0, S, 0, 0,
        "text(x): x as text (numbers without trailing zeros, lists and records as JSON)"),
    ROW(len, 1, 1, A, 0, 0, 0, N, 0, 0,
        "len(x): characters of a string, items of a list, keys of a record"),
    ROW(nonempty, 1, 1, A, 0, 0, 0, A, 0, 1,
        "nonempty(s): null when s is \"\", only white space or an empty list; else s"),
    /* lists */
    ROW(first, 1, 1, L, 0, 0, 0, A, 0, 1, "first(list): first item; missing for []"),
    ROW(last, 1, 1, L, 0, 0, 0, A, 0, 1, "last(list): last item; missing for []"),
    ROW(count, 1, 1, L, 0, 0, 0, N, 0, 0, "count(list): number of items"),
    ROW(unique, 1, 1, L, 0, 0, 0, L, 0, 0,
        "unique(list): items without repeats, first occurrence kept, order kept"),
    ROW(flatten, 1, 1, L, 0, 0, 0, L, 0, 0, "flatten(list): nested lists spread into one list"),
    /* tests on text */
    ROW(contains, 2, 2, A, A, 0, 0, B, 0, 0,
        "contains(s, sub): sub occurs in s; on a list, an item equals sub"),
    ROW(starts_with, 2, 2, S, S, 0, 0, B, 0, 0, "starts_with(s, p): s begins with p"),
    ROW(ends_with, 2, 2, S, S, 0, 0, B, 0, 0, "ends_with(s, p): s ends with p"),
    ROW(slug, 1, 1, S, 0, 0, 0, S, 0, 0,
        "slug(s): lower-case words joined by '-', Latin accents removed"),
    ROW(tag, 2, 2, S, S, 0, 0, S, 0, 1,
        "tag(prefix, value): \"prefix:value\" lower-cased, spaces as _; missing for an empty "
        "value"),
    /* files */
    ROW(basename, 1, 1, S, 0, 0, 0, S, 0, 0, "basename(path): last part of a / or \\ path"),
    ROW(ext, 1, 1, S, 0, 0, 0, S, 0, 0,
        "ext(path): lower-cased extension without the dot, \"\" if none"),
    ROW(mime_type, 1, 1, S, 0, 0, 0, S, 0, 0,
        "mime_type(filename): MIME type from the extension, application/octet-stream if unknown"),
    ROW(b64_size, 1, 1, S, 0, 0, 0, N, 1, 0,
        "b64_size(s): byte size of decoded base64 text; fails when s is not base64"),
    /* iTop */
    ROW(split_caselog, 1, 1, S, 0, 0, 0, L, 0, 0,
        "split_caselog(text): iTop case log → list of {date, user, user_id, text}, oldest first"),
    /* added later: at the end, so compiled maps keep their builtin numbers */
    ROW(url_decode, 1, 1, S, 0, 0, 0, S, 0, 0,
        "url_decode(s): %XX escapes of a URL decoded ('+' stays); unchanged, flagged warn, "
        "if the result is not UTF-8"),
};

const int hm_builtin_count = (int)(sizeof hm_builtins / sizeof hm_builtins[0]);

int hm_builtin_find(const char *name) {
  if (!name) return -1;
  for (int i = 0; i < hm_builtin_count; i++)
    if (strcmp(hm_builtins[i].name, name) == 0) return i;
  return -1;
}
