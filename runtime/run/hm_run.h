/* hm_run: the entry points of the migration side of hmaprun (run, rollback,
 * verify, status) and the executor interface the planner feeds. hmaprun's main
 * dispatches a sub-command here with argv starting at the sub-command name
 * (argv[0] = "run"); each entry point parses its own options, prints its own
 * --help and returns the process exit code:
 *   0 done, 1 done with rejected records or failed checks, 2 usage or unreadable
 *   input, 3 target refused (auth, preflight), 4 interrupted (resumable).
 *
 * Planned calls (one JSON object each, the shared contract of calls.ndjson):
 *   {"seq", "phase": upload|create|message|update, "method", "path", "body",
 *    "file"/"name"/"content_type" (uploads), "source": {"object","key"}, "rule",
 *    "target", "ref", "unique": {...}, "hash"}
 * References inside bodies: {"$ref": R} (numeric id of the object R created),
 * {"$ref": R, "field": F} (field F of R's create answer), {"$agent": EMAIL}
 * (optional "fallback": EMAIL, "flag": TEXT, "severity": warn|review) = a
 * Gorgias user's id; in paths and in any body string "{ref:R}" (id) or
 * "{ref:R#field}" (e.g. an inline image's <img src="{ref:upload:x.png#url}">).
 * Details: docs/run.md. */
#ifndef HM_RUN_H
#define HM_RUN_H
#include <signal.h>
#include <stddef.h>
#include <cjson/cJSON.h>

int hm_run_main(int argc, char **argv);
int hm_rollback_main(int argc, char **argv);
int hm_verify_main(int argc, char **argv);
struct hm_run_planner;
/* verify with a planner: `--map FILE.hbc --data DIR [--sample N]` compares
 * Gorgias with what the export says it should hold (`--set` is the
 * planner's, given to it by the caller). */
int hm_verify_main_with(int argc, char **argv, const struct hm_run_planner *planner);
int hm_status_main(int argc, char **argv);
/* probe: a few reversible calls that settle what the account keeps, refuses or
 * changes; writes the facts with their evidence (rn_probe.c, docs/run.md). */
int hm_probe_main(int argc, char **argv);
/* hmaprun preflight / restore-automation (rn_cmd_preflight.c). */
int hm_preflight_main(int argc, char **argv);
int hm_restore_automation_main(int argc, char **argv);
/* The planner settings a probe.json settles, as "NAME=VALUE" lines in out (one
   a line; empty when it settles none). 0, or 2 with err naming the file and
   what is wrong with it. */
int hm_probe_sets(const char *file, char *out, size_t n, char *err, size_t errlen);
/* The request limit of the account at target (per 20 s), as its answer to
   GET /api/account gives it (X-Gorgias-Account-Api-Call-Limit; 40 when it
   says nothing). Credentials from creds_file or the environment. 0, or an
   exit code (2 unreadable credentials, 3 or 4 refused) with err. */
int hm_account_limit(const char *target, const char *creds_file, double *limit, char *err,
                     size_t errlen);
/* curl_global_init for the commands above, with an allocator that wipes every
 * block libcurl frees (its request headers carry the Basic credentials). */
int hm_run_curl_init(void);

/* ---- executor, for a planner that plans and runs in one process ---- */

/* A planner plugged into `hmaprun run FILE.hbc --data DIR`: open loads the map
 * and data (writing the map digest as 64 hex digits into hash_hex), next hands
 * out planned calls in dependency order (*call = NULL at the end; the caller
 * frees each call with cJSON_Delete), close releases everything. Functions
 * return 0 or an exit code (2 for unreadable input) with a message in err;
 * open may return 1 when the planning rejected records: the run goes on and
 * ends with exit 1 (as `hmaprun plan` does). */
typedef struct hm_run_planner {
  void *self;
  /* hash_hex: the map hash; *max_upload_bytes: the upload limit the plan
     flagged with (0 if unknown) */
  int (*open)(void *self, const char *hbc_path, const char *data_dir, long sample,
              char hash_hex[65], long long *max_upload_bytes, char *err, size_t errlen);
  int (*next)(void *self, cJSON **call, char *err, size_t errlen);
  void (*close)(void *self);
} hm_run_planner;

/* Same as hm_run_main, with the planner used for `run FILE.hbc --data DIR`.
 * hm_run_main alone supports only the rehearsal mode `run --plan calls.ndjson`. */
int hm_run_main_with(int argc, char **argv, const hm_run_planner *planner);

/* Lower level: an executor bound to a state database and a target, for callers
 * that produce calls themselves (tests, other front ends). */
typedef struct hm_exec hm_exec;
typedef struct hm_exec_opts {
  const char *target;        /* base URL, e.g. https://acme.gorgias.com */
  const char *state_path;    /* state.db */
  const char *creds_file;    /* NULL: GORGIAS_EMAIL / GORGIAS_API_KEY */
  const char *map_hash;      /* hex digest of the map; stamped on every row */
  const char *data_dir;      /* uploads are read relative to it */
  const char *report_path;   /* reconciliation report (JSON); NULL: <state>.report.json */
  const char *help_center_url;   /* --help-center-url; NULL: the profile's default */
  int delta, force_map_change, allow_active_rules, log_json, no_preflight;
  /* --allow-rule NAME: active rules the consultant allows by name (rn_preflight.c) */
  const char *allow_rules[32]; int nallow_rules;
  /* account settings that act on tickets, allowed by name (TYPE.KEY) or all */
  const char *allow_settings[32]; int nallow_settings, allow_active_settings;
  /* blockers paused for the run and put back at its end (rn_pause.c): all
     (--pause-automation) or by name (--pause-rule NAME, --pause-setting TYPE.KEY) */
  int pause_all;
  /* the preflight's write check per kind (rn_prove.c): forced with an admin key */
  int prove_writes;
  const struct cJSON *write_targets;   /* Gorgias kinds the plan writes (set), or NULL: all */
  const char *pause_rules[32]; int npause_rules;
  const char *pause_settings[32]; int npause_settings;
  double rate_window;        /* --rate-window SECONDS: the bucket drains in it (0: 20) */
  int retarget;              /* bind the state to this target (same account, new address) */
  int recover;               /* the state lost writes: look every unknown create up first */
  int resend_in_doubt;       /* send again the in-doubt creates that nothing identifies */
  long sample;               /* >0: first N records of each object */
  double time_scale; /* X: rate window and backoff divided by X, as hmap-sandbox --time-scale X */
  long max_upload_bytes;     /* default 25 MB */
  long max_answer_bytes;     /* largest answer read; <= 0: 8 MiB (HM_HTTP_MAX_ANSWER_DEFAULT) */
  double
      in_doubt_wait; /* seconds an unanswered create must age before its lookup (CLI default 30) */
  long long planned_calls;   /* for progress and ETA; 0 = unknown */
  double log_every;          /* seconds between progress lines in a log; <= 0: 5 */
  const char *resume_cmd;    /* the command line that resumes (the last line after an interrupt) */
  int planned_rejections;    /* the planner rejected records: a run that ends well exits 1 */
  const volatile sig_atomic_t *stop;   /* set by a signal handler: stop soon, resumable */
} hm_exec_opts;

/* Open state + client, run the preflight. Returns 0 or an exit code. */
int hm_exec_open(hm_exec **ex, const hm_exec_opts *o);
/* Execute one planned call (not consumed). Returns 0, or an exit code that ends
 * the run (3 auth, 4 interrupted/unreachable); rejected records return 0 and
 * are counted. */
int hm_exec_call(hm_exec *ex, const cJSON *call);
/* Records planned for one source object, when known up front (progress and
 * the ledger); creates: the plan creates them (their uploads are not records). */
void hm_exec_expect(hm_exec *ex, const char *object, long long records);
void hm_exec_expect_creates(hm_exec *ex, const char *object);
/* Execute a whole stream: next(ctx) returns the next call (owned by the caller
 * of next, freed by hm_exec_calls) or NULL at the end. */
int hm_exec_calls(hm_exec *ex, cJSON *(*next)(void *ctx), void *ctx);
/* Finish the run (report, run row). Returns the final exit code (0 or 1) unless
 * rc says the run already ended with 2..4, which is kept. Frees ex. */
int hm_exec_close(hm_exec *ex, int rc);

#endif
