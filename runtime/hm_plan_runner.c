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

static size_t set_name_len(const char *set) {
  const char *eq = strchr(set, '=');
  return eq ? (size_t)(eq - set) : strlen(set);
}

static int by_set_name(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  size_t nx = set_name_len(x), ny = set_name_len(y);
  int c = memcmp(x, y, nx < ny ? nx : ny);
  return c ? c : (nx > ny) - (nx < ny);
}

/* 64-bit FNV-1a lanes, as the bytecode's own digest: it detects a change,
   nothing more. */
static void lanes_add(uint64_t h[4], const void *data, size_t len) {
  const unsigned char *p = data;
  for (int lane = 0; lane < 4; lane++)
    for (size_t i = 0; i < len; i++) { h[lane] ^= p[i]; h[lane] *= 1099511628211ull; h[lane] ^= h[lane] >> 29; }
}

/* Each name once, with its last value (the one the planner keeps), sorted
   by name. */
static int last_of_each_name(const char *const *sets, int nsets, const char **out) {
  int n = 0;
  for (int i = nsets - 1; i >= 0; i--) {
    int later = 0;
    for (int j = 0; j < n && !later; j++) later = !by_set_name(&sets[i], &out[j]);
    if (!later) out[n++] = sets[i];
  }
  qsort(out, (size_t)n, sizeof *out, by_set_name);
  return n;
}

/* The map digest stamped on state rows. With --set values it also covers
   them, so resuming with other settings is refused like resuming with another
   map: each name once (its last value, the one the planner keeps), sorted by
   name, so the order on the command line does not matter. Without --set it is
   the program's digest alone, so states written before stay resumable. */
static void map_hash(const hm_program *p, const char *const *sets, int nsets, char out[65]) {
  uint8_t d[32];
  memcpy(d, p->hash, 32);
  const char **last = calloc((size_t)nsets + 1, sizeof *last);
  if (!last) abort();
  int n = last_of_each_name(sets, nsets, last);
  if (n) {
    uint64_t h[4];
    for (int lane = 0; lane < 4; lane++) h[lane] = 1469598103934665603ull ^ (0x9E3779B97F4A7C15ull * (uint64_t)(lane + 1));
    lanes_add(h, p->hash, 32);
    for (int i = 0; i < n; i++) lanes_add(h, last[i], strlen(last[i]) + 1);   /* NUL: "a=b","c" != "a=bc" */
    for (int lane = 0; lane < 4; lane++)
      for (int b = 0; b < 8; b++) d[lane * 8 + b] = (uint8_t)(h[lane] >> (8 * b));
  }
  free(last);
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int r_open(void *self, const char *hbc_path, const char *data_dir, long sample, char hash_hex[65],
                  char *err, size_t errlen) {
  runner *r = self;
  r->p = hm_plan_load(hbc_path, err, errlen);
  if (!r->p || hm_plan_check_sets(r->p, r->sets, r->nsets, err, errlen)) return 2;
  map_hash(r->p, r->sets, r->nsets, hash_hex);
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
