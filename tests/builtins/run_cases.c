/* run_cases: the table-driven test runner of the builtins.
 *
 * Each case file holds one call per line with its exact expected outcome:
 *
 *   trim("  a ") = "a"
 *   truncate("héllo", 2) = "hé" ; warn "truncated from 5 to 2 characters"
 *   number("12,5") ! "number \"12,5\" is not a number"
 *   first([]) = missing(empty)
 *
 * `= value` expects success with exactly that value (kind, why of a missing,
 * text byte for byte); `! "reason"` expects failure with exactly that reason;
 * `; sev "message"` lists the flags expected, in order — a case without them
 * expects no flag at all. Values: missing[(absent|lookup|parse|nomatch|empty)],
 * null, true, false, numbers, "strings" (JSON escapes plus \xHH for raw bytes),
 * [lists] and {key: value} records. Lines starting with # are comments.
 * In a .md file only the lines inside ```cases fences are read, so the
 * examples in docs/builtins.md are tests too.
 *
 * Modes: run_cases FILE...            run the cases
 *        run_cases --cover FILE...    fail unless every builtin has a case
 *        run_cases --docs FILE.md     fail unless every builtin has a "### name" entry
 *        run_cases --fuzz N           N rounds of hostile arguments to every builtin
 *        run_cases --api              the table's invariants and the compile-time checks
 *        run_cases --tzif FILE        damaged copies of a TZif file must never crash the reader
 *        run_cases --hostile          200 KB hostile inputs: no builtin may go quadratic */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hm_builtins.h"
#include "hm_tz.h"

typedef struct flag_rec { hm_severity sev; char msg[512]; } flag_rec;
typedef struct flags { flag_rec items[8]; int n; } flags;

static void on_flag(void *user, hm_severity sev, const char *msg) {
  flags *f = user;
  if (f->n < 8) {
    f->items[f->n].sev = sev;
    snprintf(f->items[f->n].msg, sizeof f->items[0].msg, "%s", msg);
  }
  f->n++;
}

/* ---- a tiny parser for the case notation ---- */
typedef struct parser { const char *p; hm_arena *a; const char *err; } parser;

static void skip_ws(parser *ps) { while (*ps->p == ' ' || *ps->p == '\t') ps->p++; }
static int eat(parser *ps, char c) {
  skip_ws(ps);
  if (*ps->p == c) {
    ps->p++;
    return 1;
  }
  return 0;
}
static int word(parser *ps, const char *w) {
  skip_ws(ps);
  size_t n = strlen(w);
  if (strncmp(ps->p, w, n) == 0 && !((ps->p[n] >= 'a' && ps->p[n] <= 'z') || ps->p[n] == '_')) {
    ps->p += n;
    return 1;
  }
  return 0;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static void put_utf8(hm_buf *b, unsigned cp) {
  if (cp < 0x80) hm_buf_putc(b, (char)cp);
  else if (cp < 0x800) {
    hm_buf_putc(b, (char)(0xC0 | (cp >> 6)));
    hm_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    hm_buf_putc(b, (char)(0xE0 | (cp >> 12))); hm_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    hm_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  } else {
    hm_buf_putc(b, (char)(0xF0 | (cp >> 18))); hm_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
    hm_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F))); hm_buf_putc(b, (char)(0x80 | (cp & 0x3F)));
  }
}

static int parse_string(parser *ps, hm_value *out) {
  if (!eat(ps, '"')) { ps->err = "expected a string"; return -1; }
  hm_buf b;
  hm_buf_init(&b);
  while (*ps->p && *ps->p != '"') {
    char c = *ps->p++;
    if (c != '\\') { hm_buf_putc(&b, c); continue; }
    c = *ps->p++;
    switch (c) {
    case 'n': hm_buf_putc(&b, '\n'); break;
    case 't': hm_buf_putc(&b, '\t'); break;
    case 'r': hm_buf_putc(&b, '\r'); break;
    case '0': hm_buf_putc(&b, '\0'); break;
    case 'x': {
      int h = hexval(ps->p[0]), l = h < 0 ? -1 : hexval(ps->p[1]);
      if (l < 0) { ps->err = "bad \\x escape"; hm_buf_free(&b); return -1; }
      hm_buf_putc(&b, (char)(h * 16 + l));
      ps->p += 2;
      break;
    }
    case 'u': {
      unsigned cp = 0;
      for (int i = 0; i < 4; i++) {
        int h = hexval(ps->p[i]);
        if (h < 0) { ps->err = "bad \\u escape"; hm_buf_free(&b); return -1; }
        cp = cp * 16 + (unsigned)h;
      }
      ps->p += 4;
      put_utf8(&b, cp);
      break;
    }
    case 0: ps->err = "unterminated string"; hm_buf_free(&b); return -1;
    default: hm_buf_putc(&b, c);
    }
  }
  if (*ps->p != '"') { ps->err = "unterminated string"; hm_buf_free(&b); return -1; }
  ps->p++;
  *out = hv_str_copy(ps->a, b.data ? b.data : "", b.len);
  hm_buf_free(&b);
  return 0;
}

static int parse_value(parser *ps, hm_value *out) {
  skip_ws(ps);
  if (*ps->p == '"') return parse_string(ps, out);
  if (word(ps, "missing")) {
    hm_missing_why why = HM_WHY_ABSENT;
    if (eat(ps, '(')) {
      static const char *whys[] = {"absent", "lookup", "parse", "nomatch", "empty"};
      int found = 0;
      for (int i = 0; i < 5 && !found; i++)
        if (word(ps, whys[i])) { why = (hm_missing_why)i; found = 1; }
      if (!found || !eat(ps, ')')) { ps->err = "bad missing(...)"; return -1; }
    }
    *out = hv_missing(why);
    return 0;
  }
  if (word(ps, "null")) { *out = hv_null(); return 0; }
  if (word(ps, "true")) { *out = hv_bool(true); return 0; }
  if (word(ps, "false")) { *out = hv_bool(false); return 0; }
  if (eat(ps, '[')) {
    *out = hv_list_new(ps->a, 2);
    if (eat(ps, ']')) return 0;
    do {
      hm_value item;
      if (parse_value(ps, &item)) return -1;
      hv_list_push(ps->a, out, item);
    } while (eat(ps, ','));
    if (!eat(ps, ']')) { ps->err = "expected ]"; return -1; }
    return 0;
  }
  if (eat(ps, '{')) {
    *out = hv_rec_new(ps->a, 2);
    if (eat(ps, '}')) return 0;
    do {
      skip_ws(ps);
      const char *k = ps->p;
      while ((*ps->p >= 'a' && *ps->p <= 'z') || *ps->p == '_') ps->p++;
      if (ps->p == k || !eat(ps, ':')) { ps->err = "expected key:"; return -1; }
      const char *key = hm_arena_strndup(ps->a, k, (size_t)(strchr(k, ':') - k));
      hm_value v;
      if (parse_value(ps, &v)) return -1;
      hv_rec_set(ps->a, out, key, v);
    } while (eat(ps, ','));
    if (!eat(ps, '}')) { ps->err = "expected }"; return -1; }
    return 0;
  }
  char *end;
  double d = strtod(ps->p, &end);
  if (end == ps->p) { ps->err = "expected a value"; return -1; }
  ps->p = end;
  *out = hv_num(d);
  return 0;
}

/* ---- printing values for failure messages ---- */
static void show(hm_buf *b, hm_value v) {
  static const char *whys[] = {"absent", "lookup", "parse", "nomatch", "empty"};
  if (v.kind == HV_MISSING) {
    hm_buf_printf(b, "missing(%s)", v.why < 5 ? whys[v.why] : "?");
    return;
  }
  if (v.kind == HV_STR) {
    hm_buf_putc(b, '"');
    for (uint32_t i = 0; i < v.len; i++) {
      unsigned char c = (unsigned char)v.u.str[i];
      if (c == '"' || c == '\\') hm_buf_printf(b, "\\%c", c);
      else if (c == '\n') hm_buf_puts(b, "\\n");
      else if (c < 0x20 || c == 0x7F) hm_buf_printf(b, "\\x%02x", c);
      else hm_buf_putc(b, (char)c);
    }
    hm_buf_putc(b, '"');
    return;
  }
  if (v.kind == HV_LIST) {
    hm_buf_putc(b, '[');
    for (uint32_t i = 0; i < v.u.list->n; i++) {
      if (i) hm_buf_puts(b, ", ");
      show(b, v.u.list->items[i]);
    }
    hm_buf_putc(b, ']');
    return;
  }
  if (v.kind == HV_REC) {
    hm_buf_putc(b, '{');
    for (uint32_t i = 0; i < v.u.rec->n; i++) {
      if (i) hm_buf_puts(b, ", ");
      hm_buf_printf(b, "%s: ", v.u.rec->keys[i]);
      show(b, v.u.rec->vals[i]);
    }
    hm_buf_putc(b, '}');
    return;
  }
  hv_to_json(b, v);
}

/* Exact equality, including the reason a value is missing and record key order. */
static int same(hm_value a, hm_value b) {
  if (a.kind != b.kind) return 0;
  if (a.kind == HV_MISSING) return a.why == b.why;
  if (a.kind == HV_LIST) {
    if (a.u.list->n != b.u.list->n) return 0;
    for (uint32_t i = 0; i < a.u.list->n; i++)
      if (!same(a.u.list->items[i], b.u.list->items[i])) return 0;
    return 1;
  }
  if (a.kind == HV_REC) {
    if (a.u.rec->n != b.u.rec->n) return 0;
    for (uint32_t i = 0; i < a.u.rec->n; i++)
      if (strcmp(a.u.rec->keys[i], b.u.rec->keys[i]) || !same(a.u.rec->vals[i], b.u.rec->vals[i]))
        return 0;
    return 1;
  }
  return hv_equal(a, b);
}

/* Every string a builtin returns must be NUL-terminated at its length. */
static int well_formed(hm_value v) {
  if (v.kind == HV_STR) return v.u.str && v.u.str[v.len] == 0;
  if (v.kind == HV_LIST) {
    for (uint32_t i = 0; i < v.u.list->n; i++) if (!well_formed(v.u.list->items[i])) return 0;
  }
  if (v.kind == HV_REC) {
    for (uint32_t i = 0; i < v.u.rec->n; i++) if (!well_formed(v.u.rec->vals[i])) return 0;
  }
  return 1;
}

static const char *sev_name(hm_severity s) {
  return s == HM_SEV_INFO ? "info" : s == HM_SEV_WARN ? "warn" : "review";
}

typedef struct run { int cases, failures; hm_std_state *std; int use_std; char seen[256]; } run;

static void fail_case(run *r, const char *file, int line, const char *text, const char *why,
                      hm_buf *detail) {
  fprintf(stderr, "%s:%d: FAIL %s\n  %s%s\n", file, line, text, why,
          detail && detail->len ? hm_buf_cstr(detail) : "");
  r->failures++;
}

static void run_line(run *r, const char *file, int lineno, const char *text) {
  hm_arena a;
  hm_arena_init(&a, 4096);
  parser ps = {text, &a, NULL};
  hm_buf msg;
  hm_buf_init(&msg);
  skip_ws(&ps);
  const char *name0 = ps.p;
  while ((*ps.p >= 'a' && *ps.p <= 'z') || (*ps.p >= '0' && *ps.p <= '9') || *ps.p == '_') ps.p++;
  char name[64];
  snprintf(name, sizeof name, "%.*s", (int)(ps.p - name0), name0);
  int idx = hm_builtin_find(name);
  hm_value args[HM_BUILTIN_MAXARGS + 1];
  int argc = 0;
  hm_value expect = hv_missing(HM_WHY_ABSENT);
  hm_value expect_err = hv_missing(HM_WHY_ABSENT);
  int want_fail = 0;
  flags want = {0};
  if (idx < 0) { ps.err = "no such builtin"; goto bad; }
  r->seen[idx] = 1;
  if (!eat(&ps, '(')) { ps.err = "expected ("; goto bad; }
  if (!eat(&ps, ')')) {
    do {
      if (argc > HM_BUILTIN_MAXARGS) { ps.err = "too many arguments"; goto bad; }
      if (parse_value(&ps, &args[argc++])) goto bad;
    } while (eat(&ps, ','));
    if (!eat(&ps, ')')) { ps.err = "expected )"; goto bad; }
  }
  if (eat(&ps, '=')) { if (parse_value(&ps, &expect)) goto bad; }
  else if (eat(&ps, '!')) { want_fail = 1; if (parse_string(&ps, &expect_err)) goto bad; }
  else { ps.err = "expected = or !"; goto bad; }
  while (eat(&ps, ';')) {
    hm_severity sev;
    if (word(&ps, "info")) sev = HM_SEV_INFO;
    else if (word(&ps, "warn")) sev = HM_SEV_WARN;
    else if (word(&ps, "review")) sev = HM_SEV_REVIEW;
    else { ps.err = "expected info, warn or review"; goto bad; }
    hm_value m;
    if (parse_string(&ps, &m)) goto bad;
    if (want.n < 8) {
      want.items[want.n].sev = sev;
      snprintf(want.items[want.n].msg, 512, "%s", m.u.str);
      want.n++;
    }
  }
  skip_ws(&ps);
  if (*ps.p) { ps.err = "trailing text"; goto bad; }
  const hm_builtin *b = &hm_builtins[idx];
  if (argc < b->min_args || argc > b->max_args) {
    ps.err = "wrong number of arguments for the table";
    goto bad;
  }

  flags got = {0};
  hm_bctx ctx = {&a, &got, on_flag, NULL, r->use_std ? r->std : NULL};
  hm_value out = hv_str("(unset)");
  int rc = b->fn(&ctx, argc, args, &out);
  r->cases++;
  if (want_fail) {
    if (rc != -1) {
      show(&msg, out);
      fail_case(r, file, lineno, text, "expected failure, got ", &msg);
      goto done;
    }
    if (!ctx.error || strcmp(ctx.error, expect_err.u.str) != 0) {
      hm_buf_printf(&msg, "expected reason: %s\n  got reason:      %s", expect_err.u.str,
                    ctx.error ? ctx.error : "(none)");
      fail_case(r, file, lineno, text, "", &msg);
      goto done;
    }
    if (out.kind != HV_MISSING || out.why != HM_WHY_PARSE) {
      fail_case(r, file, lineno, text, "failure without missing(parse) result", NULL);
      goto done;
    }
  } else {
    if (rc != 0) {
      hm_buf_printf(&msg, "%s", ctx.error ? ctx.error : "(no reason)");
      fail_case(r, file, lineno, text, "unexpected failure: ", &msg);
      goto done;
    }
    if (!same(out, expect)) {
      hm_buf_puts(&msg, "expected: "); show(&msg, expect);
      hm_buf_puts(&msg, "\n  got:      "); show(&msg, out);
      fail_case(r, file, lineno, text, "", &msg);
      goto done;
    }
    if (!well_formed(out)) {
      fail_case(r, file, lineno, text, "string result not NUL-terminated", NULL);
      goto done;
    }
  }
  int ok = got.n == want.n;
  for (int i = 0; ok && i < got.n && i < 8; i++)
    ok = got.items[i].sev == want.items[i].sev && strcmp(got.items[i].msg, want.items[i].msg) == 0;
  if (!ok) {
    hm_buf_puts(&msg, "expected flags:");
    for (int i = 0; i < want.n && i < 8; i++)
      hm_buf_printf(&msg, " %s \"%s\";", sev_name(want.items[i].sev), want.items[i].msg);
    hm_buf_puts(&msg, "\n  got flags:     ");
    for (int i = 0; i < got.n && i < 8; i++)
      hm_buf_printf(&msg, " %s \"%s\";", sev_name(got.items[i].sev), got.items[i].msg);
    fail_case(r, file, lineno, text, "", &msg);
  }
  goto done;
bad:
  fprintf(stderr, "%s:%d: bad case (%s) near: %s\n", file, lineno, ps.err ? ps.err : "?", ps.p);
  r->failures++;
done:
  hm_buf_free(&msg);
  hm_arena_free(&a);
}

static int run_file(run *r, const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) { fprintf(stderr, "%s: cannot open\n", file); return -1; }
  int md = strlen(file) > 3 && strcmp(file + strlen(file) - 3, ".md") == 0;
  int in_fence = !md;
  char line[8192];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    line[strcspn(line, "\r\n")] = 0;
    if (md && strncmp(line, "```", 3) == 0) { in_fence = strcmp(line, "```cases") == 0; continue; }
    const char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (!in_fence || !*p || *p == '#') continue;
    run_line(r, file, lineno, p);
  }
  fclose(f);
  return 0;
}

/* ---- fuzz: hostile arguments must never crash, and results stay well formed ---- */
static uint64_t rng_next(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return *s >> 33;
}

static hm_value fuzz_value(hm_arena *a, uint64_t *s, int depth) {
  static const char *pool[] = {"",
                               " ",
                               "\xff\xfe",
                               "\xc3",
                               "a\xe2\x82",
                               "\xed\xa0\x80",
                               "é",
                               "日本語",
                               "<script>alert(1)</script>",
                               "<p onclick=\"x\">a</p><",
                               "<!--",
                               "&#x110000;&#0;&amp",
                               "a@b",
                               "@",
                               "Smith, ",
                               " , ",
                               "x\0y",
                               "2024-03-31T02:30:00",
                               "31/02/2024",
                               "/Date(-1)/",
                               "/Date(99999999999999999999)/",
                               "%Y%m%d%H%M%S%z",
                               "%",
                               "%q",
                               "Europe/Paris",
                               "../../etc/passwd",
                               "(",
                               "(a)|b",
                               "\\1\\9$0",
                               "(?<n>x)",
                               "data:;base64,",
                               "====",
                               "\n========== 2024-01-02 09:00:00 : A (1) ============\n\n",
                               "9999-12-31T23:59:59+14:00",
                               "-0",
                               "1e309",
                               "0x10",
                               "   \t\n",
                               "ÀÉÎõü ß",
                               "Ǆ",
                               "\xe2\x80\xa8",
                               "%s",
                               "-99999999999999999999"};
  uint64_t k = rng_next(s) % 16;
  if (k == 0) return hv_missing(HM_WHY_ABSENT);
  if (k == 1) return hv_null();
  if (k == 2) return hv_num((double)(int64_t)(rng_next(s) % 2000) - 1000);
  if (k == 3) return hv_num(k == 3 && rng_next(s) % 2 ? NAN : 1e300);
  if (k == 4) return hv_bool(rng_next(s) % 2);
  if (k == 5 && depth < 3) {
    hm_value l = hv_list_new(a, 0);
    uint64_t n = rng_next(s) % 4;
    for (uint64_t i = 0; i < n; i++) hv_list_push(a, &l, fuzz_value(a, s, depth + 1));
    return l;
  }
  if (k == 6) {   /* random bytes */
    size_t n = rng_next(s) % 40;
    char *p = hm_arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++) p[i] = (char)(rng_next(s) & 0xff);
    return hv_strn(p, n);
  }
  if (k == 8 || k == 9) {   /* tokens that matter to the HTML, date, regex and case-log scanners */
    static const char *tok[] = {"<",
                                ">",
                                "/",
                                "=",
                                "\"",
                                "'",
                                "&",
                                "#",
                                ";",
                                "x",
                                "1",
                                "2024-05-02",
                                ":",
                                " ",
                                "\n",
                                "========== ",
                                " ============",
                                " : ",
                                "(",
                                ")",
                                "%",
                                "Y",
                                "%F",
                                "%T",
                                "%z",
                                "\xc3",
                                "\xa9",
                                "script",
                                "on",
                                "javascript:",
                                "&#x",
                                "<!--",
                                "-->",
                                "@",
                                ",",
                                "\\",
                                "\\1",
                                "[",
                                "*",
                                "+02:00",
                                "Z",
                                "T",
                                ".",
                                "Europe/Paris",
                                "/Date(",
                                "<p",
                                "br"};
    hm_buf b;
    hm_buf_init(&b);
    uint64_t n = rng_next(s) % 30;
    for (uint64_t i = 0; i < n; i++) hm_buf_puts(&b, tok[rng_next(s) % (sizeof tok / sizeof *tok)]);
    hm_value v = hv_str_copy(a, b.data ? b.data : "", b.len);
    hm_buf_free(&b);
    return v;
  }
  if (k == 7) {   /* two pool strings glued */
    const char *x = pool[rng_next(s) % (sizeof pool / sizeof *pool)],
               *y = pool[rng_next(s) % (sizeof pool / sizeof *pool)];
    return hv_str(hm_arena_printf(a, "%s%s", x, y));
  }
  const char *x = pool[rng_next(s) % (sizeof pool / sizeof *pool)];
  return hv_str(x);
}

static int fuzz(int rounds) {
  uint64_t seed = 42;
  hm_std_state *std = hm_std_state_new();
  int bad = 0;
  hm_arena a;
  hm_arena_init(&a, 1 << 14);
  for (int round = 0; round < rounds; round++) {
    for (int i = 0; i < hm_builtin_count; i++) {
      const hm_builtin *b = &hm_builtins[i];
      int argc = b->min_args + (int)(rng_next(&seed) % (uint64_t)(b->max_args - b->min_args + 1));
      hm_value args[HM_BUILTIN_MAXARGS];
      for (int k = 0; k < argc; k++) args[k] = fuzz_value(&a, &seed, 0);
      hm_bctx ctx = {&a, NULL, NULL, NULL, round % 2 ? std : NULL};
      hm_value out;
      int rc = b->fn(&ctx, argc, args, &out);
      if (rc == -1 && (!ctx.error || out.kind != HV_MISSING)) {
        fprintf(stderr, "fuzz: %s failed without reason\n", b->name);
        bad++;
      }
      if (rc != 0 && rc != -1) { fprintf(stderr, "fuzz: %s returned %d\n", b->name, rc); bad++; }
      if (rc == 0 && !well_formed(out)) {
        fprintf(stderr, "fuzz: %s returned a malformed string\n", b->name);
        bad++;
      }
      /* Sanitised HTML is a fixed point: sanitising it again changes nothing and flags nothing. */
      if (rc == 0 && out.kind == HV_STR && strcmp(b->name, "sanitize_html") == 0) {
        flags got = {0};
        hm_bctx again = {&a, &got, on_flag, NULL, NULL};
        hm_value twice;
        if (b->fn(&again, 1, &out, &twice) != 0 || !hv_equal(out, twice) || got.n) {
          hm_buf m;
          hm_buf_init(&m);
          show(&m, args[0]);
          hm_buf_puts(&m, " -> ");
          show(&m, out);
          hm_buf_puts(&m, " -> ");
          show(&m, twice);
          fprintf(stderr, "fuzz: sanitize_html is not idempotent: %s\n", hm_buf_cstr(&m));
          hm_buf_free(&m);
          bad++;
        }
      }
    }
    hm_arena_reset(&a);
  }
  hm_arena_free(&a);
  hm_std_state_free(std);
  return bad ? 1 : 0;
}

/* Damaged zone files (bit flips, truncation) must be refused or read, never crash. */
static int fuzz_tzif(const char *path, int rounds) {
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "%s: cannot open (is tzdata installed?)\n", path); return 1; }
  static unsigned char orig[1 << 16], buf[1 << 16];
  size_t n = fread(orig, 1, sizeof orig, f);
  fclose(f);
  uint64_t seed = 7;
  char err[200];
  hm_tz *tz = hm_tz_parse("orig", orig, n, err, sizeof err);
  int bad = tz == NULL;
  hm_tz_free(tz);
  for (int r = 0; r < rounds; r++) {
    memcpy(buf, orig, n);
    size_t len = n;
    int flips = (int)(rng_next(&seed) % 8) + 1;
    for (int k = 0; k < flips; k++)
      buf[rng_next(&seed) % n] ^= (unsigned char)(1u << (rng_next(&seed) % 8));
    if (rng_next(&seed) % 4 == 0) len = rng_next(&seed) % n;
    tz = hm_tz_parse("fuzz", buf, len, err, sizeof err);
    if (tz) {   /* whatever was read must answer without crashing */
      int64_t utc;
      int32_t off;
      for (int64_t t = -4000000000LL; t < 5000000000LL; t += 123456789) {
        hm_tz_offset_at(tz, t);
        hm_tz_local_to_utc(tz, t, &utc, &off);
      }
      hm_tz_free(tz);
    }
  }
  printf("tzif fuzz: %d rounds\n", rounds);
  return bad;
}

/* Big hostile inputs: every builtin must stay close to linear on them. */
static int hostile(void) {
  static const char *unit[] = {"<a ",
                               "<!",
                               "<a x=\"",
                               "&#",
                               "<!--",
                               "<script>",
                               "</",
                               "< ",
                               "é",
                               "\xff",
                               "a;",
                               "========== 2024-01-01 00:00:00 : x ",
                               "\n========== 2024-01-01 00:00:00 : x (1) ============\n\n",
                               "%Y",
                               "  ",
                               "@",
                               ",",
                               "(a",
                               "<div>",
                               "<b></p>",
                               "<p><b>",
                               "<div></span>"};
  int bad = 0;
  hm_std_state *std = hm_std_state_new();
  hm_arena a;
  hm_arena_init(&a, 1 << 16);
  for (size_t u = 0; u < sizeof unit / sizeof *unit; u++) {
    hm_buf b;
    hm_buf_init(&b);
    while (b.len < 200000) hm_buf_puts(&b, unit[u]);
    hm_value big = hv_str_copy(&a, b.data, b.len);
    hm_buf_free(&b);
    for (int i = 0; i < hm_builtin_count; i++) {
      const hm_builtin *bi = &hm_builtins[i];
      hm_value args[HM_BUILTIN_MAXARGS] = {big, hv_str("a"), hv_str("b"), hv_str("c")};
      if (strcmp(bi->name, "truncate") == 0) args[1] = hv_num(10);
      if (strcmp(bi->name, "date") == 0) args[1] = hv_str("%Y");
      hm_bctx ctx = {&a, NULL, NULL, NULL, std};
      hm_value out;
      clock_t t0 = clock();
      bi->fn(&ctx, bi->max_args, args, &out);
      double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
      if (secs > 0.5) {
        fprintf(stderr, "hostile: %s took %.2fs on %zu x \"%s\"\n", bi->name, secs,
                (size_t)200000 / strlen(unit[u]), unit[u]);
        bad++;
      }
    }
    hm_arena_reset(&a);
  }
  hm_arena_free(&a);
  hm_std_state_free(std);
  printf("hostile: %d slow\n", bad);
  return bad ? 1 : 0;
}

static int check_docs(const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) { fprintf(stderr, "%s: cannot open\n", file); return 1; }
  char seen[256] = {0}, line[4096];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "### ", 4)) continue;
    char name[64];
    if (sscanf(line + 4, "%63[a-z0-9_]", name) == 1) {
      int i = hm_builtin_find(name);
      if (i >= 0) seen[i] = 1;
    }
  }
  fclose(f);
  int missing = 0;
  for (int i = 0; i < hm_builtin_count; i++)
    if (!seen[i]) {
      fprintf(stderr, "%s: no \"### %s\" entry\n", file, hm_builtins[i].name);
      missing++;
    }
  return missing ? 1 : 0;
}

/* The table itself and the compile-time check helpers. */
#define EXPECT(cond)                                                                               \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond);                              \
      bad++;                                                                                       \
    }                                                                                              \
  } while (0)
static int check_api(void) {
  int bad = 0;
  EXPECT(hm_builtin_count == 41);
  for (int i = 0; i < hm_builtin_count; i++) {
    const hm_builtin *b = &hm_builtins[i];
    EXPECT(b->name && b->fn && b->doc && strncmp(b->doc, b->name, strlen(b->name)) == 0);
    EXPECT(b->min_args >= 1 && b->min_args <= b->max_args && b->max_args <= HM_BUILTIN_MAXARGS);
    EXPECT(hm_builtin_find(b->name) == i);   /* also: names are unique */
  }
  EXPECT(hm_builtin_find("nope") == -1);
  EXPECT(hm_builtin_find(NULL) == -1);
  EXPECT(hm_builtin_find("date") >= 0 && hm_builtins[hm_builtin_find("date")].fallible);
  EXPECT(!hm_builtins[hm_builtin_find("trim")].fallible);
  EXPECT(hm_builtins[hm_builtin_find("join")].may_miss);
  char err[200];
  EXPECT(hm_regex_check("^\\d+$", err, sizeof err) == 0);
  EXPECT(hm_regex_check("(", err, sizeof err) == -1 &&
         strcmp(err, "missing closing parenthesis at offset 1") == 0);
  EXPECT(hm_date_format_check("%Y-%m-%d %H:%M:%S", err, sizeof err) == 0);
  EXPECT(hm_date_format_check("%F %T %z", err, sizeof err) == 0);
  EXPECT(hm_date_format_check("%s", err, sizeof err) == 0);
  EXPECT(hm_date_format_check("%d %b %Y %I:%M %p", err, sizeof err) == 0);
  EXPECT(hm_date_format_check("%Y-%m-%q", err, sizeof err) == -1 &&
         strcmp(err, "unknown directive %q in format \"%Y-%m-%q\"") == 0);
  EXPECT(hm_date_format_check("%H:%M", err, sizeof err) == -1 &&
         strcmp(err, "format \"%H:%M\" has no complete date (needs year, month and day)") == 0);
  EXPECT(hm_date_format_check("%F %I:%M", err, sizeof err) == -1 &&
         strcmp(err, "format \"%F %I:%M\" uses %I without %p") == 0);
  EXPECT(hm_date_format_check("%F %", err, sizeof err) == -1 &&
         strcmp(err, "format \"%F %\" ends with a lone %") == 0);
  /* A builtin called with no flag callback and no state must still work. */
  hm_arena a;
  hm_arena_init(&a, 1024);
  hm_bctx ctx = {&a, NULL, NULL, NULL, NULL};
  hm_value args[2] = {hv_str("abcdef"), hv_num(2)}, out;
  EXPECT(hm_builtins[hm_builtin_find("truncate")].fn(&ctx, 2, args, &out) == 0 && out.len == 2);
  hm_arena_free(&a);
  printf("api: %d failures\n", bad);
  return bad ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: run_cases [--api|--cover|--docs|--fuzz N] FILE...\n");
    return 2;
  }
  if (strcmp(argv[1], "--api") == 0) return check_api();
  if (strcmp(argv[1], "--hostile") == 0) return hostile();
  if (strcmp(argv[1], "--tzif") == 0) return argc > 2 ? fuzz_tzif(argv[2], 3000) : 2;
  if (strcmp(argv[1], "--fuzz") == 0) return fuzz(argc > 2 ? atoi(argv[2]) : 200);
  if (strcmp(argv[1], "--docs") == 0) return argc > 2 ? check_docs(argv[2]) : 2;
  int cover = strcmp(argv[1], "--cover") == 0;
  run r = {0};
  r.std = hm_std_state_new();
  /* Run every file twice: without and with the per-run caches, which must agree. */
  for (int pass = 0; pass < 2; pass++) {
    r.use_std = pass;
    for (int i = 1 + cover; i < argc; i++)
      if (run_file(&r, argv[i])) r.failures++;
  }
  hm_std_state_free(r.std);
  if (cover)
    for (int i = 0; i < hm_builtin_count; i++)
      if (!r.seen[i]) {
        fprintf(stderr, "no test case for builtin %s\n", hm_builtins[i].name);
        r.failures++;
      }
  printf("%d cases, %d failures\n", r.cases, r.failures);
  return r.failures ? 1 : 0;
}
