/* The two commands around the automation a run must not wake (docs/run.md
 * "Preflight" and "Pausing automation"):
 * - `hmaprun preflight --target URL`: every finding of the run's preflight
 *   (rules, settings, the key's role), with the same allow/pause options and
 *   the exit code the run would have (0 starts, 3 refused); reads only;
 * - `hmaprun restore-automation --state DB --target URL`: puts back what an
 *   abandoned run paused (rn_pause.c), and nothing else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rn.h"

static const char *PREFLIGHT_USAGE =
    "usage: hmaprun preflight --target URL [--credentials-file FILE] [--time-scale X]\n"
    "       [--allow-rule NAME]... [--allow-active-rules] [--allow-setting TYPE.KEY]...\n"
    "       [--allow-active-settings] [--pause-rule NAME]... [--pause-setting TYPE.KEY]...\n"
    "       [--pause-automation] [--prove-writes] [--log-json]\n"
    "  Lists what `hmaprun run` with the same options would find before its first write:\n"
    "  active rules on ticket events, account settings acting on imported tickets, the\n"
    "  key's role. Sends no write, except with --prove-writes: an unchanged PUT on an\n"
    "  existing user, team, customer and tag proves the key may write each kind.\n"
    "  Exit: 0 the run would start, 2 usage, 3 it would be refused, 4 target unreachable.\n";

typedef struct names { const char *v[32]; int n; } names;

typedef struct pf_args {
  const char *target, *creds_file;
  double time_scale;
  int log_json, allow_rules_all, allow_settings_all, pause_all, prove;
  names allow_rules, allow_settings, pause_rules, pause_settings;
} pf_args;

static int value_of(int argc, char **argv, int *i, const char *name, const char **out) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n)) return 0;
  if (argv[*i][n] == '=') { *out = argv[*i] + n + 1; return 1; }
  if (argv[*i][n] || *i + 1 >= argc) return 0;
  *out = argv[++*i];
  return 1;
}

static int push(names *l, const char *v) {
  if (l->n == 32) { fprintf(stderr, "hmaprun preflight: at most 32 names per option\n"); return 2; }
  l->v[l->n++] = v;
  return 0;
}

static int parse_pf(int argc, char **argv, pf_args *a, int *help) {
  static const char *const FLAGS[] = { "--allow-active-rules", "--allow-active-settings",
                                       "--pause-automation", "--log-json", "--prove-writes" };
  for (int i = 1; i < argc; i++) {
    const char *v = NULL, *arg = argv[i];
    int *flag[] = { &a->allow_rules_all, &a->allow_settings_all, &a->pause_all, &a->log_json,
                    &a->prove };
    int k = 0, rc = 0;
    while (k < 5 && strcmp(arg, FLAGS[k])) k++;
    if (k < 5) { *flag[k] = 1; continue; }
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) { *help = 1; return 0; }
    if (value_of(argc, argv, &i, "--target", &v)) a->target = v;
    else if (value_of(argc, argv, &i, "--credentials-file", &v)) a->creds_file = v;
    else if (value_of(argc, argv, &i, "--time-scale", &v)) a->time_scale = strtod(v, NULL);
    else if (value_of(argc, argv, &i, "--allow-rule", &v)) rc = push(&a->allow_rules, v);
    else if (value_of(argc, argv, &i, "--allow-setting", &v)) rc = push(&a->allow_settings, v);
    else if (value_of(argc, argv, &i, "--pause-rule", &v)) rc = push(&a->pause_rules, v);
    else if (value_of(argc, argv, &i, "--pause-setting", &v)) rc = push(&a->pause_settings, v);
    else rc = 2, fprintf(stderr, "hmaprun preflight: unexpected argument %s\n", arg);
    if (rc) return rc;
  }
  if (!a->target || a->time_scale <= 0) {
    fprintf(stderr, "hmaprun preflight: --target URL is required\n%s", PREFLIGHT_USAGE);
    return 2;
  }
  return 0;
}

/* Rules, then settings, each printed with what it found; the worst code. */
static int findings(hm_http *h, const pf_args *a, hm_progress *p) {
  char err[8192] = "";
  cJSON *paused = cJSON_CreateArray();
  int rc = hm_preflight_rules_pausing(
      h, &(hm_rule_allow){a->allow_rules_all, a->allow_rules.v, a->allow_rules.n},
      &(hm_rule_allow){a->pause_all, a->pause_rules.v, a->pause_rules.n}, paused, p, err,
      sizeof err);
  if (err[0]) fprintf(stderr, "hmaprun preflight: %s\n", err);
  err[0] = 0;
  int rs = hm_preflight_settings_pausing(
      h, &(hm_rule_allow){a->allow_settings_all, a->allow_settings.v, a->allow_settings.n},
      &(hm_rule_allow){a->pause_all, a->pause_settings.v, a->pause_settings.n}, paused, p, err,
      sizeof err);
  if (err[0]) fprintf(stderr, "hmaprun preflight: %s\n", err);
  hm_preflight_role(h, p);
  cJSON *refused = cJSON_CreateObject();
  long long calls = 0;
  if (a->prove) hm_prove_writes(h, NULL, p, refused, &calls);
  cJSON_Delete(refused);
  cJSON_Delete(paused);
  return rc > rs ? rc : rs;
}

int hm_preflight_main(int argc, char **argv) {
  pf_args a = { .time_scale = 1 };
  int help = 0, rc = parse_pf(argc, argv, &a, &help);
  if (help) { fputs(PREFLIGHT_USAGE, stdout); return 0; }
  if (rc) return rc;
  char err[1024];
  hm_http *h = NULL;
  rc = hm_client_connect(a.target, a.creds_file, a.time_scale, a.log_json,
                         hm_client_install_signals(), &h, err, sizeof err);
  if (!rc) rc = hm_preflight_account(h, err, sizeof err);
  hm_progress p;
  hm_progress_init(&p, a.log_json, 0, 2.0 * a.time_scale);
  hm_progress_configure(&p, "preflight", NULL, 0);
  if (rc) fprintf(stderr, "hmaprun preflight: %s\n", err);
  else rc = findings(h, &a, &p);
  printf("preflight: %s\n", rc == 0 ? "the run would start" : rc == 3 ? "the run would be refused"
                           : rc == 4 ? "the target did not answer" : "cannot check");
  hm_http_close(h);
  return rc;
}

/* ---- restore-automation ---- */

static const char *RESTORE_USAGE =
    "usage: hmaprun restore-automation --state state.db --target URL [--credentials-file FILE]\n"
    "       [--time-scale X] [--log-json]\n"
    "  Puts back the rules and settings a run paused for its duration when that run\n"
    "  will not be resumed: each is read back first and only a value that still holds\n"
    "  what the run set is changed. Exit: 0 all put back (or none paused), 1 some were\n"
    "  changed by someone else since and are left as they are, 2 usage, 4 unreachable.\n";

int hm_restore_automation_main(int argc, char **argv) {
  hm_target_args a;
  int rc = hm_target_args_parse(argc, argv, RESTORE_USAGE, &a);
  if (rc || a.help) return rc;
  hm_store *st;
  char err[1024];
  if (hm_store_open_locked(&st, a.state, err, sizeof err)) {
    fprintf(stderr, "hmaprun restore-automation: %s\n", err);
    return 2;
  }
  long long open = hm_pause_open(st);
  hm_http *h = NULL;
  if (open)
    rc = hm_client_connect_bound(&a, st, hm_client_install_signals(), 1, "restore-automation",
                                 &h);
  hm_pause_tally t = { 0 };
  if (open && !rc) {
    hm_progress p;
    hm_progress_init(&p, a.log_json, 0, 2.0 * a.time_scale);
    hm_progress_configure(&p, "restore-automation", NULL, a.log_every);
    rc = hm_pause_restore(h, st, &p, &t);
  }
  if (!rc || rc == 1)
    printf("restore-automation: %lld put back, %lld left as someone changed them, %lld call(s)\n",
           t.restored, t.left, t.calls);
  hm_http_close(h);
  hm_store_close(st);
  return rc;
}
