/* fuzz_html: the HTML builtins (sanitize_html, html_to_text, has_html,
 * text_to_html) on arbitrary bytes, called through the builtin table as the VM
 * calls them, so the harness holds whatever parser is behind the entry points.
 * Invariants: each returns its declared type; sanitised HTML is a fixed point
 * (sanitising it again changes nothing and flags nothing); text_to_html's
 * output has nothing for sanitize_html to remove. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hm_builtins.h"

static int nflags;
static void on_flag(void *user, hm_severity sev, const char *msg) {
  (void)user; (void)sev;
  if (!msg) abort();
  nflags++;
}

/* Calls builtin NAME on one argument; aborts unless it succeeds with a value of KIND. */
static hm_value call(hm_arena *a, hm_std_state *std, const char *name, hm_value arg, hm_kind kind) {
  static int idx[4] = {-1, -1, -1, -1};
  static const char *names[4];
  int slot = 0;
  while (slot < 4 && names[slot] && strcmp(names[slot], name) != 0) slot++;
  if (slot == 4) abort();
  if (!names[slot]) { names[slot] = name; idx[slot] = hm_builtin_find(name); }
  if (idx[slot] < 0) abort();
  hm_bctx ctx = {a, NULL, on_flag, NULL, std};
  hm_value out;
  if (hm_builtins[idx[slot]].fn(&ctx, 1, &arg, &out) != 0 || out.kind != kind) abort();
  if (kind == HV_STR && !out.u.str) abort();
  return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static hm_std_state *std;
  if (!std) std = hm_std_state_new();
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_value in = hv_str_copy(&a, (const char *)data, size);
  hm_value clean = call(&a, std, "sanitize_html", in, HV_STR);
  nflags = 0;
  hm_value again = call(&a, std, "sanitize_html", clean, HV_STR);
  if (nflags || !hv_equal(clean, again)) abort();
  call(&a, std, "html_to_text", in, HV_STR);
  call(&a, std, "has_html", in, HV_BOOL);
  hm_value html = call(&a, std, "text_to_html", in, HV_STR);
  nflags = 0;
  call(&a, std, "sanitize_html", html, HV_STR);
  if (nflags) abort();
  hm_arena_free(&a);
  return 0;
}
