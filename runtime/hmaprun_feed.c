/* hm_plan_runner: plans the whole migration into a temporary calls file
 * (the planner streams, the executor pulls), then hands the calls out one by
 * one as cJSON. The plan's report goes to a temporary folder that is removed
 * on close: `hmaprun plan` is where people read reports. */
#include "hmaprun_feed.h"
#include "hm_calls.h"
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


/* The plan's typed header (common/hm_calls.h), the first line the planner
 * wrote: the upload limit comes from it, as for `run --plan`, and its map hash
 * must be the one this run stamps. */
static int read_header(runner *r, const char *hash_hex, long long *max_upload_bytes, char *err,
                       size_t errlen) {
  ssize_t n = getline(&r->line, &r->cap, r->calls);
  cJSON *h = n > 0 ? cJSON_Parse(r->line) : NULL;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, "hmap_plan");
  const cJSON *max = cJSON_GetObjectItemCaseSensitive(h, "max_upload_bytes");
  const cJSON *mh = cJSON_GetObjectItemCaseSensitive(h, "map_hash");
  int ok = cJSON_IsNumber(v) && v->valuedouble == HM_PLAN_FORMAT && cJSON_IsString(mh) &&
           !strcmp(mh->valuestring, hash_hex);
  if (ok) *max_upload_bytes = cJSON_IsNumber(max) ? (long long)max->valuedouble : 0;
  else snprintf(err, errlen, "the planner wrote no valid plan header");
  cJSON_Delete(h);
  return ok ? 0 : 2;
}

static int r_open(void *self, const char *hbc_path, const char *data_dir, long sample,
                  char hash_hex[65], long long *max_upload_bytes, char *err, size_t errlen) {
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
  rewind(r->calls);
  if (read_header(r, hash_hex, max_upload_bytes, err, errlen)) return 2;
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
