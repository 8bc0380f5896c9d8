/* hm_plan: the plan layer's interface (runtime/plan/): loading a .hbc with its
 * --set values, and the dry-run planner. Sections name the file that exports
 * each group; pl.h is what the layer's files share. */
#ifndef HM_PLAN_H
#define HM_PLAN_H
#include <stddef.h>
#include <stdio.h>
#include "hm_bytecode.h"
#include "hm_builtins.h"

/* ==== pl_load.c ====
 * hm_plan_load: the .hbc loader of `plan` and `run`, and the --set values
 * refused before anything is planned (see pl_load.c). */
/* A .hbc file loaded, verified, and checked against this runtime's builtins
   (NULL and err says why): the one loader of `plan` and `run`. */
hm_program *hm_plan_load(const char *path, char *err, size_t errlen);
/* The --set values that can be refused before planning: a setting the map
   passes as date()'s zone must name a zone date() can load. Returns 0, or 2
   (usage error) with err naming the setting, its value and the map line. */
int hm_plan_check_sets(const hm_program *p, const char *const *sets, int nsets, char *err,
                       size_t errlen);

/* ==== pl_plan.c ====
 * hm_plan: the dry-run planner. It streams every source (in the program's
 * dependency order) through the VM and turns what the rules emit into the
 * planned API calls of calls.ndjson (the contract in runtime/run/hm_run.h), plus
 * the report. Nothing here talks to the network: `hmaprun run` executes the
 * same calls.
 *
 * Decisions a reader of the plan should know (docs in docs/plan.md):
 * - ref names are "<Source>:<key>" for the first rule of a source; another
 *   rule of the same source with a different target is "<Source>:<key>:<Target>";
 *   uploads are "upload:<path>"; a follow-up message is
 *   "<ticket ref>/message/<n>" (n = its 1-based position in the thread);
 * - `lookup S(k)` finds the object planned from record k of S by its first
 *   rule; a record rejected, guarded out or not yet planned is a miss;
 * - `agent(e)` is the User a rule of this map planned with e-mail e, else a
 *   run-time {"$agent": e}; with a setting `known_agents` (comma-separated
 *   e-mails, the account's existing agents) an e-mail not listed is a miss,
 *   so fallbacks and flags show up in dry runs;
 * - two records of one source with the same key: the second is rejected (in
 *   a distinct source it is a repeat: counted, no rule, no call);
 * - a public message (not channel internal-note, public not false) without
 *   sent_datetime gets its created_datetime (else the ticket's), with one info
 *   flag per ticket; with neither the record is rejected: Gorgias would e-mail
 *   the customer. */
typedef struct hm_plan_opts {
  const char *data_dir;
  const char *out_dir;            /* report.json, report.md, exports; created if absent */
  FILE *calls;                    /* where calls go; NULL = out_dir/calls.ndjson */
  long sample;                    /* > 0: stratified sample of N records per object */
  const char *const *sets;        /* "NAME=VALUE" overrides of settings */
  int nsets;
  const hm_builtin *builtins;
  int nbuiltins;
  struct hm_std_state *std;       /* builtins' caches, may be NULL */
  int quiet;                      /* no summary line on stderr */
} hm_plan_opts;

/* Plans the migration. Returns the process exit code: 0 nothing rejected, 1
 * records rejected (or unreadable), 2 usage or unreadable input (err says why;
 * a missing data file is found before anything is written). */
int hm_plan_run(const hm_program *p, const hm_plan_opts *o, char *err, size_t errlen);

/* scope.md in out_dir from the report.json a plan wrote there (pl_scope.c):
   objects 1:1, lossy, many:1, without a home (N of M), records and calls per
   object, the time at each Gorgias rate with lookups and verify, the
   complexity grade; with account_limit > 0 (requests per 20 s, read from the
   target account) the time at that rate too. A copy goes to echo when it is
   not NULL. 0 or -1 + err. */
int hm_plan_scope(const hm_program *p, const char *out_dir, FILE *echo, double account_limit,
                  char *err, size_t errlen);

/* The map digest (64 hex digits) that `run FILE.hbc` stamps on the state and
 * `plan` writes into report.json (read back by `run --plan`): one function, so
 * both refuse a resume under other settings alike. With --set values it also
 * covers them — each name once with its last value (the one the planner
 * keeps), sorted by name, so their order does not matter; without, it is the
 * program's digest alone, so states written before stay resumable. */
void hm_plan_map_hash(const hm_program *p, const char *const *sets, int nsets, char out[65]);

/* ---- stratified sampling (pl_sample.c) ---- */

/* What a record exercises, measured by a dry run of its rules. */
typedef struct hm_sample_feat {
  uint64_t index;                 /* reader's 1-based record number */
  const char *key;
  uint32_t children;              /* thread length: child records joined */
  uint32_t uploads;               /* attachments */
  int non_ascii, html, fallback, flagged;
} hm_sample_feat;

typedef struct hm_sample hm_sample;
/* Memory is bounded by n, not by the number of records. */
hm_sample *hm_sample_new(long n);
void hm_sample_add(hm_sample *s, const hm_sample_feat *f);
/* Decides. Afterwards hm_sample_reason(index) is the reason a record was
 * picked, or NULL; hm_sample_picked lists picks in record order. */
void hm_sample_finish(hm_sample *s);
const char *hm_sample_reason(const hm_sample *s, uint64_t index);
uint32_t hm_sample_count(const hm_sample *s);
void hm_sample_picked(const hm_sample *s, uint32_t i, const char **key, const char **reason);
void hm_sample_free(hm_sample *s);

#endif
