/* hm_stdstate: per-run caches of the builtins — compiled regexes and loaded
 * time zones — so a map that calls date(x, fmt, "Europe/Paris") on a million
 * records reads the zone file once, not a million times. The state belongs to
 * one VM (no locks, no globals); without it every call compiles and loads
 * afresh, which is slower but gives the same answers. */
#include "hm_std.h"
#include "hm_tz.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HM_CACHE_MAX 64

typedef struct re_entry { char *pat; size_t n; pcre2_code *code; } re_entry;
typedef struct tz_entry { char *name; hm_tz *tz; } tz_entry;

struct hm_std_state {
  re_entry re[HM_CACHE_MAX];
  int nre;
  tz_entry tz[HM_CACHE_MAX];
  int ntz;
};

hm_std_state *hm_std_state_new(void) {
  hm_std_state *st = calloc(1, sizeof *st);
  if (!st) abort();
  return st;
}

static void drop_regexes(hm_std_state *st) {
  for (int i = 0; i < st->nre; i++) { free(st->re[i].pat); pcre2_code_free(st->re[i].code); }
  st->nre = 0;
}

void hm_std_state_free(hm_std_state *st) {
  if (!st) return;
  drop_regexes(st);
  for (int i = 0; i < st->ntz; i++) { free(st->tz[i].name); hm_tz_free(st->tz[i].tz); }
  free(st);
}

/* UTF mode with invalid-UTF tolerance: bad bytes in a subject simply never
 * match a character, instead of making every match an error. UCP makes \w
 * and \d understand accented letters. */
static pcre2_code *compile_regex(const char *pat, size_t n, char *err, size_t errlen) {
  int code;
  PCRE2_SIZE off;
  pcre2_code *re = pcre2_compile(
      (PCRE2_SPTR)pat, n, PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
  if (!re) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    snprintf(err, errlen, "%s at offset %zu", (const char *)msg, (size_t)off);
  }
  return re;
}

pcre2_code *hm_state_regex(hm_std_state *st, const char *pat, size_t n, char *err, size_t errlen,
                           bool *owned) {
  *owned = st == NULL;
  if (!st) {
    pcre2_code *re = compile_regex(pat, n, err, errlen);
    if (re) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);   /* see below: never quadratic */
    return re;
  }
  for (int i = 0; i < st->nre; i++)
    if (st->re[i].n == n && memcmp(st->re[i].pat, pat, n) == 0) return st->re[i].code;
  pcre2_code *re = compile_regex(pat, n, err, errlen);
  if (!re) return NULL;
  /* JIT for patterns used all run long: besides speed, PCRE2's interpreter
   * rescans the subject for invalid UTF-8 at every match when
   * PCRE2_MATCH_INVALID_UTF is on, which makes a global replace over a long
   * text quadratic; the JIT does not. Where JIT is unsupported this fails
   * and the interpreter is used. */
  pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
  /* Patterns are almost always map constants, so a full cache means a map
   * building patterns from data: start over rather than grow without bound. */
  if (st->nre == HM_CACHE_MAX) drop_regexes(st);
  char *copy = malloc(n + 1);
  if (!copy) abort();
  memcpy(copy, pat, n);
  copy[n] = 0;
  st->re[st->nre++] = (re_entry){copy, n, re};
  return re;
}

hm_tz *hm_state_zone(hm_std_state *st, const char *name, bool *owned) {
  char err[160];
  *owned = st == NULL;
  if (!st) return hm_tz_load(name, err, sizeof err);
  for (int i = 0; i < st->ntz; i++)
    if (strcmp(st->tz[i].name, name) == 0) return st->tz[i].tz;
  hm_tz *tz = hm_tz_load(name, err, sizeof err);
  if (!tz || st->ntz == HM_CACHE_MAX) { *owned = tz != NULL; return tz; }
  char *copy = malloc(strlen(name) + 1);
  if (!copy) abort();
  strcpy(copy, name);
  st->tz[st->ntz++] = (tz_entry){copy, tz};
  return tz;
}

int hm_regex_check(const char *re, char *err, size_t errlen) {
  pcre2_code *code = compile_regex(re, strlen(re), err, errlen);
  if (!code) return -1;
  pcre2_code_free(code);
  return 0;
}
