/* pl_load: what `plan` and `run` both do before planning: load a .hbc
 * (verified, its builtin calls checked against this runtime's table) and
 * refuse --set values that can be refused up front. `plan` and `run FILE.hbc`
 * both load through it, so neither has a loader of its own. */
#include "hm_plan.h"
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "hm_builtins.h"
#include "hm_std.h"

hm_program *hm_plan_load(const char *path, char *err, size_t errlen) {
  hm_program *p = hm_bc_load_file(path, err, errlen);
  if (p && hm_bc_check_calls(p, hm_builtin_count, err, errlen)) { hm_bc_free(p); p = NULL; }
  return p;
}

/* Where setting k is passed straight as date()'s zone (a LOADSET right before
 * CALL date with three arguments, so on some path its value is the zone):
 * the rule and pc, or false. Zones built by expressions are not followed. */
typedef struct use_at { const hm_rule *rule; const hm_code *code; uint32_t pc; } use_at;

static bool zone_use_in(const hm_code *c, uint32_t k, int date_fn, uint32_t *pc) {
  for (uint32_t i = 1; i < c->ncode; i++) {
    uint32_t ins = c->code[i], prev = c->code[i - 1];
    if (HM_OP(ins) == HOP_CALL && (int)HM_A16(ins) == date_fn && HM_B(ins) == 3 &&
        HM_OP(prev) == HOP_LOADSET && HM_A(prev) == k) {
      *pc = i;
      return true;
    }
  }
  return false;
}

static bool zone_use(const hm_program *p, uint32_t k, use_at *at) {
  int date_fn = hm_builtin_find("date");
  for (uint32_t r = 0; r < p->nrules; r++) {
    const hm_rule *rule = &p->rules[r];
    at->rule = rule;
    at->code = &rule->body;
    if (zone_use_in(at->code, k, date_fn, &at->pc)) return true;
    at->code = &rule->after;
    if (rule->has_after && zone_use_in(at->code, k, date_fn, &at->pc)) return true;
  }
  return false;
}

static uint32_t setting_index(const hm_program *p, const char *name, size_t n) {
  for (uint32_t k = 0; k < p->nsettings; k++) {
    const hm_const *c = &p->consts[p->settings[k].name];
    if (c->len == n && !memcmp(c->str, name, n)) return k;
  }
  return HM_BC_NONE;
}

static void use_location(const hm_program *p, const use_at *at, char *buf, size_t n) {
  uint32_t line = at->rule->line, col = at->rule->col;
  for (uint32_t i = 0; i < at->code->nlines && at->code->lines[i].pc <= at->pc; i++) {
    line = at->code->lines[i].line;
    col = at->code->lines[i].col;
  }
  const char *file = at->rule->file < p->nconsts ? p->consts[at->rule->file].str : "map";
  snprintf(buf, n, "%s:%u:%u", file, line, col);
}

int hm_plan_check_sets(const hm_program *p, const char *const *sets, int nsets, char *err,
                       size_t errlen) {
  for (int i = 0; i < nsets; i++) {
    const char *eq = strchr(sets[i], '=');
    uint32_t k = eq ? setting_index(p, sets[i], (size_t)(eq - sets[i])) : HM_BC_NONE;
    use_at at;
    char why[300], where[300];
    if (k == HM_BC_NONE || !zone_use(p, k, &at) || !hm_date_zone_check(eq + 1, why, sizeof why))
      continue;
    use_location(p, &at, where, sizeof where);
    snprintf(err, errlen, "--set %s: %s; setting %.*s is the time zone of date() at %s", sets[i],
             why, (int)(eq - sets[i]), sets[i], where);
    return 2;
  }
  return 0;
}
