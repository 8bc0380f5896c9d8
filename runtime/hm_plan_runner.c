/* hm_plan_runner: plans the whole migration into a temporary calls file
 * (the planner streams, the executor pulls), then hands the calls out one by
 * one as cJSON. The plan's report goes to a temporary folder that is removed
 * on close: `hmaprun plan` is where people read reports. */
#include "hm_plan_runner.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hm_builtins.h"
#include "hm_plan.h"

typedef struct runner {
  hm_program *p;
  FILE *calls;
  char dir[64];
  char *line; size_t cap;
  const char *const *sets; int nsets;
} runner;

static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char path[512];
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

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
    if (HM_OP(ins) == HOP_CALL && (int)HM_A16(ins) == date_fn && HM_B(ins) == 3 && HM_OP(prev) == HOP_LOADSET &&
        HM_A(prev) == k) {
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

int hm_plan_check_sets(const hm_program *p, const char *const *sets, int nsets, char *err, size_t errlen) {
  for (int i = 0; i < nsets; i++) {
    const char *eq = strchr(sets[i], '=');
    uint32_t k = eq ? setting_index(p, sets[i], (size_t)(eq - sets[i])) : HM_BC_NONE;
    use_at at;
    char why[300], where[300];
    if (k == HM_BC_NONE || !zone_use(p, k, &at) || !hm_date_zone_check(eq + 1, why, sizeof why)) continue;
    use_location(p, &at, where, sizeof where);
    snprintf(err, errlen, "--set %s: %s; setting %.*s is the time zone of date() at %s", sets[i], why,
             (int)(eq - sets[i]), sets[i], where);
    return 2;
  }
  return 0;
}

static int r_open(void *self, const char *hbc_path, const char *data_dir, long sample, char hash_hex[65],
                  long long *max_upload_bytes, char *err, size_t errlen) {
  runner *r = self;
  r->p = hm_plan_load(hbc_path, err, errlen);
  if (!r->p || hm_plan_check_sets(r->p, r->sets, r->nsets, err, errlen)) return 2;
  hm_plan_map_hash(r->p, r->sets, r->nsets, hash_hex);
  snprintf(r->dir, sizeof r->dir, "/tmp/hmaprun-plan-XXXXXX");
  if (!mkdtemp(r->dir)) { snprintf(err, errlen, "cannot create a temporary folder"); return 2; }
  r->calls = tmpfile();
  if (!r->calls) { snprintf(err, errlen, "cannot create a temporary file"); return 2; }
  hm_plan_opts o = {0};
  o.data_dir = data_dir;
  o.out_dir = r->dir;
  o.calls = r->calls;
  o.sample = sample;
  o.sets = r->sets;
  o.nsets = r->nsets;
  o.builtins = hm_builtins;
  o.nbuiltins = hm_builtin_count;
  o.std = hm_std_state_new();
  o.quiet = 1;
  int rc = hm_plan_run(r->p, &o, err, errlen);
  hm_std_state_free(o.std);
  if (rc == 2) return 2;
  *max_upload_bytes = hm_run_report_upload_limit(r->dir);
  rewind(r->calls);
  return rc;   /* 1: the plan rejected records; the run finishes with exit 1 */
}

static int r_next(void *self, cJSON **call, char *err, size_t errlen) {
  runner *r = self;
  *call = NULL;
  if (!r->calls) return 0;
  ssize_t n = getline(&r->line, &r->cap, r->calls);
  if (n <= 0) return 0;
  *call = cJSON_Parse(r->line);
  if (!*call) { snprintf(err, errlen, "planned call is not JSON"); return 2; }
  return 0;
}

static void r_close(void *self) {
  runner *r = self;
  if (r->calls) fclose(r->calls);
  if (r->dir[0]) remove_dir(r->dir);
  if (r->p) hm_bc_free(r->p);
  free(r->line);
  memset(r, 0, sizeof *r);
}

hm_run_planner *hm_plan_runner_new(void) {
  hm_run_planner *pl = calloc(1, sizeof *pl);
  runner *r = calloc(1, sizeof *r);
  if (!pl || !r) abort();
  pl->self = r;
  pl->open = r_open;
  pl->next = r_next;
  pl->close = r_close;
  return pl;
}

void hm_plan_runner_sets(hm_run_planner *pl, const char *const *sets, int nsets) {
  runner *r = pl->self;
  r->sets = sets;
  r->nsets = nsets;
}

void hm_plan_runner_free(hm_run_planner *pl) {
  if (!pl) return;
  free(pl->self);
  free(pl);
}
