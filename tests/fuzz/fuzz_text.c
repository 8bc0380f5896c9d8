/* fuzz_text: every builtin on hostile text, as export data reaches them (dates,
 * numbers, names, emails, iTop case logs, base64, file names). The first byte
 * picks the builtin from the table; the rest is its arguments separated by NUL
 * bytes. Arguments a map can only give as constants are passed only when the
 * compiler would accept them (hm_regex_check, hm_date_format_check,
 * hm_date_zone_check), else a fixed valid one. A number argument is the text
 * read as a number; a list argument the remaining texts.
 * Invariants: a builtin succeeds with a well-formed value, or fails with a
 * reason and a missing value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hm_builtins.h"
#include "hm_value.h"

static void on_flag(void *user, hm_severity sev, const char *msg) {
  (void)user; (void)sev;
  if (!msg || !*msg) abort();
}

static int well_formed(hm_value v) {
  if (v.kind == HV_STR) return v.u.str && v.u.str[v.len] == 0;
  if (v.kind == HV_LIST)
    for (uint32_t i = 0; i < v.u.list->n; i++)
      if (!well_formed(v.u.list->items[i])) return 0;
  if (v.kind == HV_REC)
    for (uint32_t i = 0; i < v.u.rec->n; i++)
      if (!well_formed(v.u.rec->vals[i])) return 0;
  return 1;
}

/* Argument K of builtin B (named NAME) from text S: the text, or a safe constant
 * where the map could only have written a constant the compiler checked. */
static hm_value arg_for(hm_arena *a, const hm_builtin *b, int k, const char *s) {
  char err[256];
  const char *name = b->name;
  int regex = k == 1 && (!strcmp(name, "replace_re") || !strcmp(name, "matches") ||
                         !strcmp(name, "capture"));
  if (regex && (strlen(s) > 64 || hm_regex_check(s, err, sizeof err) != 0)) s = "([a-z]+)@(\\w+)";
  int date = !strcmp(name, "date");
  if (date && k == 1 && hm_date_format_check(s, err, sizeof err) != 0) s = "%d/%m/%Y";
  if (date && k == 2 && hm_date_zone_check(s, err, sizeof err) != 0) s = "UTC";
  if (b->arg_types[k] == HT_NUM) return hv_num(strtod(s, NULL));
  return hv_str_copy(a, s, strlen(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static hm_std_state *std;
  if (!std) std = hm_std_state_new();
  const hm_builtin *b = &hm_builtins[data[0] % (unsigned)hm_builtin_count];
  hm_arena a;
  hm_arena_init(&a, 0);
  char *text = hm_arena_alloc(&a, size);   /* the arguments, each NUL-terminated */
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  const char *parts[8];
  int nparts = 0;
  for (char *p = text; nparts < 8; p += strlen(p) + 1) {
    parts[nparts++] = p;
    if (p + strlen(p) >= text + size - 1) break;
  }
  int argc = nparts < b->min_args ? b->min_args : nparts > b->max_args ? b->max_args : nparts;
  hm_value args[HM_BUILTIN_MAXARGS];
  for (int k = 0; k < argc; k++) {
    const char *s = k < nparts ? parts[k] : "";
    if (b->arg_types[k] == HT_LIST) {
      args[k] = hv_list_new(&a, 0);
      for (int j = k; j < nparts; j++) hv_list_push(&a, &args[k], hv_str(parts[j]));
    } else {
      args[k] = arg_for(&a, b, k, s);
    }
  }
  hm_bctx ctx = {&a, NULL, on_flag, NULL, data[0] & 0x80 ? std : NULL};
  hm_value out;
  int rc = b->fn(&ctx, argc, args, &out);
  if (rc == -1 && (!ctx.error || out.kind != HV_MISSING)) abort();
  if (rc != 0 && rc != -1) abort();
  if (rc == 0 && !well_formed(out)) abort();
  hm_arena_free(&a);
  return 0;
}
