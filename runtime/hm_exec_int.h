/* hm_exec_int: what the executor's files share (hm_exec.c sends, hm_resolve.c
 * resolves references and finds existing objects). Internal to hmclient. */
#ifndef HM_EXEC_INT_H
#define HM_EXEC_INT_H
#include <cjson/cJSON.h>
#include "hm_client.h"
#include "hm_run.h"
#include "hm_state.h"

typedef struct hm_count { long long read, created, updated, skipped, rejected, failed, reused, flagged; } hm_count;

struct hm_exec {
  hm_exec_opts o;
  hm_http *http;
  hm_state *st;
  long long run;
  char *report_path;
  cJSON *counts;        /* object -> hm_count stored as a JSON object of numbers */
  cJSON *agents;        /* lower(email) -> id; NULL until first needed */
  cJSON *known_tags;    /* tag names in the account (object used as a set); NULL until needed */
  hm_progress prog;
  int fatal;            /* exit code that ended the run (3, 4), 0 if none */
  long long rejected, failed;
  const char *last_phase;
  int unresolved;       /* agents of the call being resolved that Gorgias does not have (yet):
                           +1 per fallback used, +2 per agent left unassigned */
  int quiet;            /* resolving only to test: no flags */
  char lookup_err[600]; /* why the last lookup could not read its list to the end */
  hm_seen planned_refs; /* --delta: refs of this run's calls, to find what left the source */
  cJSON *source_gone;   /* --delta: id map rows no call of this run names (report), or NULL */
};

/* Appended to a content hash, with the unresolved score, when an agent did
 * not resolve at the time ("<hash>?unresolved=2"): a --delta run retries the
 * record once its agents resolve better (the agent or its fallback exists). */
#define HM_UNRESOLVED_MARK "?unresolved="

/* A planned call, unpacked once. */
typedef struct call {
  long long seq;
  const char *phase, *method, *path, *object, *key, *target, *ref, *hash, *file, *name, *ctype;
  const char *flag_text;
  const cJSON *body, *unique;
  char key_buf[600], hash_buf[17], num_key[32];
  char *subject;        /* owned */
} call;

/* A flag on the call's record (state flags table + report count). */
void hm_exec_flag(hm_exec *ex, const call *k, const char *sev, const char *msg);
/* A note for the user (stderr, or a JSON event with --log-json). */
void hm_exec_note(hm_exec *ex, const char *level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* hm_resolve.c */
/* A copy of {"body": body, "unique": unique} with every reference resolved and
 * the path's placeholders filled (*path, malloc'd); NULL with the reason in why
 * when a reference has no object. */
cJSON *hm_resolve_copy(hm_exec *ex, const call *k, const cJSON *body, char **path, char *why, size_t whylen);
/* An existing object by one unique field (each in turn when only is NULL),
 * listed under coll; *by names the field that matched, *status is 0 or the
 * failing HTTP status (-1: no answer). */
cJSON *hm_resolve_lookup(hm_exec *ex, const char *coll, const cJSON *body, const cJSON *unique,
                         const char *only, const char **by, long *status);
/* Add a Gorgias user to the agents-by-e-mail map (ctx: the map). */
int hm_resolve_learn_agent(void *ctx, const cJSON *user);

#endif
