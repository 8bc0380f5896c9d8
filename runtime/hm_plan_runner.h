/* hm_plan_runner: the planner as the client's hm_run_planner, so
 * `hmaprun run FILE.hbc --data DIR` executes exactly the calls that
 * `hmaprun plan` would write (same order, same sample). */
#ifndef HM_PLAN_RUNNER_H
#define HM_PLAN_RUNNER_H
#include "hm_bytecode.h"
#include "hm_run.h"

/* The caller owns the planner (no process-wide state): free it with
   hm_plan_runner_free once the run is over. */
hm_run_planner *hm_plan_runner_new(void);
void hm_plan_runner_free(hm_run_planner *pl);
/* A .hbc file loaded, verified, and checked against this runtime's builtins
   (NULL and err says why): the one loader of `plan` and `run`. */
hm_program *hm_plan_load(const char *path, char *err, size_t errlen);
/* `run --set NAME=VALUE`: the same overrides `plan` takes (strings stay owned
   by the caller), so a run migrates exactly what the dry run showed. */
/* The --set values that can be refused before planning: a setting the map
   passes as date()'s zone must name a zone date() can load. Returns 0, or 2
   (usage error) with err naming the setting, its value and the map line. */
int hm_plan_check_sets(const hm_program *p, const char *const *sets, int nsets, char *err, size_t errlen);
void hm_plan_runner_sets(hm_run_planner *pl, const char *const *sets, int nsets);

#endif
