/* hm_client: glue shared by the run, verify, rollback and status commands —
 * opening an authenticated connection, the preflight, the signal flag, and the
 * small JSON helpers they all need. Internal to hmclient. */
#ifndef HM_CLIENT_H
#define HM_CLIENT_H
#include <signal.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "hm_http.h"
#include "hm_progress.h"

/* Credentials (file or environment) + connection. 0, or 2 with err. */
int hm_client_connect(const char *target, const char *creds_file, double time_scale, int log_json,
                      const volatile sig_atomic_t *stop, hm_http **out, char *err, size_t errlen);
/* Account reachable, credentials accepted, no active rule that fires on
 * ticket-created / ticket-message-created (unless allowed). 0, 3 or 4. */
int hm_preflight(hm_http *h, int allow_active_rules, hm_progress *p, char *err, size_t errlen);

/* SIGINT/SIGTERM set the flag returned here (the one piece of global mutable
 * state: a signal handler cannot be given a context). */
const volatile sig_atomic_t *hm_client_install_signals(void);

/* The options verify and rollback share. 0, or 2 after printing usage. */
typedef struct hm_target_args {
  const char *state, *target, *creds_file;
  double time_scale;
  int log_json, json, dry_run, help;
} hm_target_args;
int hm_target_args_parse(int argc, char **argv, const char *usage, hm_target_args *a);

const char *hm_json_str(const cJSON *o, const char *key);      /* NULL unless a string */
long long hm_json_id(const cJSON *o);                          /* "id" as integer, 0 if none */
/* Compare expected (what was sent) with actual (what Gorgias holds): every
 * field of expected must be present and equal in actual (objects by subset,
 * arrays element-wise, datetimes by instant). Differences are appended to out
 * as "path: expected X, found Y" lines; returns their count. */
int hm_json_diff(const cJSON *expected, const cJSON *actual, const char *path, hm_buf *out);
/* FNV-1a 64 of s, as 16 hex digits. */
void hm_hash_hex(const char *s, char out[17]);

#endif
