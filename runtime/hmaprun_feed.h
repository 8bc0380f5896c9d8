/* hm_plan_runner: the planner as the client's hm_run_planner, so
 * `hmaprun run FILE.hbc --data DIR` executes exactly the calls that
 * `hmaprun plan` would write (same order, same sample). */
#ifndef HM_PLAN_RUNNER_H
#define HM_PLAN_RUNNER_H
#include "hm_bytecode.h"
#include "hm_plan.h"
#include "hm_run.h"

/* The caller owns the planner (no process-wide state): free it with
   hm_plan_runner_free once the run is over. */
hm_run_planner *hm_plan_runner_new(void);
void hm_plan_runner_free(hm_run_planner *pl);
/* `run --set NAME=VALUE`: the same overrides `plan` takes (strings stay owned
   by the caller), so a run migrates exactly what the dry run showed. */
void hm_plan_runner_sets(hm_run_planner *pl, const char *const *sets, int nsets);

#endif
