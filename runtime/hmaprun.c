/* hmaprun: the runtime's one program. `plan` (the dry run, runtime/plan/) is
 * parsed here; `run`, `rollback`, `verify` and `status` are the run layer's
 * (runtime/run/hm_run.h), `run` fed by the planner (hmaprun_feed.c). libcurl is
 * initialised only for the commands that talk to Gorgias. Exit codes follow
 * ../shared/DESIGN.md: 0 done, 1 rejected records, 2 usage or unreadable input,
 * 3 and 4 from the run layer. */
#include <errno.h>
#include <unistd.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_builtins.h"
#include "hm_bytecode.h"
#include "hm_extract.h"
#include "hm_plan.h"
#include "hm_psettings.h"
#include "hm_run.h"
#include "hmaprun_feed.h"
#include "hm_version.h"

static const char *usage_text =
    "usage: hmaprun <command> [options]\n"
    "\n"
    "commands:\n"
    "  plan FILE.hbc --data DIR --out DIR [--sample N] [--target URL] [--set NAME=VALUE]...\n"
    "       [--probe FILE]\n"
    "      dry run: writes calls.ndjson, report.json, report.md and gap exports to DIR\n"
    "  scope FILE.hbc --data DIR --out DIR [--target URL] [--set NAME=VALUE]...\n"
    "      the plan's counts without its calls: prints scope.md (objects, calls, time, grade;\n"
    "      with --target, the time at that account's rate too)\n"
    "  run FILE.hbc --data DIR --target URL --state state.db [--sample N] [--delta] [--set "
    "NAME=VALUE]...\n"
    "      the real migration (credentials from GORGIAS_EMAIL and GORGIAS_API_KEY)\n"
    "  rollback --state state.db --target URL\n"
    "  preflight --target URL [--allow-*/--pause-* as run]\n"
    "      what the run's preflight finds (rules, settings, role); sends no write\n"
    "  restore-automation --state state.db --target URL\n"
    "      put back the rules and settings a run paused (--pause-automation) and left paused\n"
    "  verify --state state.db --target URL [--map FILE.hbc --data DIR [--sample N]]\n"
    "  status --state state.db\n"
    "  probe --target URL --out probe.json [--state FILE]\n"
    "      a few reversible calls: what the account keeps, refuses or changes (facts + evidence)\n"
    "  extract itop --url URL --out DIR FILE.hbc [--since DATE]\n"
    "      the export folder the map reads, from a live iTop (HMAP_ITOP_USER, HMAP_ITOP_PASSWORD)\n"
    "  extract atera --out DIR [--url URL]    (key: HMAP_ATERA_API_KEY or --credentials-file)\n"
    "      the folder maps/atera_to_gorgias.hmap reads, from an Atera account\n"
    "  --version         version and git revision\n"
    "\n"
    "Run `hmaprun <command> --help` for a command's options.\n";

static const char *plan_usage =
    "usage: hmaprun plan FILE.hbc --data DIR --out DIR [--sample N] [--target URL] "
    "[--set NAME=VALUE]...\n"
    "                    [--probe FILE]\n"
    "\n"
    "  --data DIR        the exported records (source paths are relative to it)\n"
    "  --out DIR         where calls.ndjson, report.json, report.md and exports go\n"
    "  --sample N        a stratified sample of N records per object (the report says why each was "
    "picked)\n"
    "  --set NAME=VALUE  override a setting of the map (converted to its type), or give a planner "
    "setting\n"
    "                    (a list setting: --set NAME=a,b,c, each item of its items' type; "
    "NAME= for none)\n"
    "  --target URL      scope.md also gives the time at this account's rate (one GET of the\n"
    "                    account; credentials as for run; nothing is written to it)\n"
    "  --credentials-file FILE  GORGIAS_EMAIL=/GORGIAS_API_KEY= lines, instead of the environment\n"
    "  --probe FILE      the planner settings a `hmaprun probe` of the account settled\n"
    "                    (its --out); a --set of the same name wins\n"
    "\n"
    "exit: 0 nothing rejected, 1 records rejected, 2 usage or unreadable input\n";

/* The usage, then the planner settings from their one table. */
static void plan_help(FILE *f) {
  fputs(plan_usage, f);
  fputs("\nplanner settings (the planner reads them; --set gives them whether or not the map "
        "declares them):\n",
        f);
  for (int i = 0; i < HM_PSET__COUNT; i++) {
    const hm_pset *d = hm_pset_get((hm_pset_id)i);
    fprintf(f, "  %-18s %s%s%s\n  %-18s %s\n", d->name, hm_pset_kind_name(d->kind),
            d->def ? ", default " : "", d->def ? d->def : "", "", d->meaning);
  }
}

static int usage_error(const char *msg, const char *usage) {
  fprintf(stderr, "hmaprun: %s\n%s", msg, usage);
  return 2;
}

/* The whole .hbc file, loaded and verified; NULL with a message on stderr. */
static hm_program *load_program(const char *path) {
  char err[512] = "";
  hm_program *p = hm_plan_load(path, err, sizeof err);
  if (!p) fprintf(stderr, "hmaprun: %s: %s\n", path, err[0] ? err : "not a valid .hbc file");
  return p;
}

/* The planner settings probe.json settles (hm_probe_sets), appended to sets
   unless a --set names them already. lines holds them and must outlive sets.
   0, or 2 with a message on stderr. */
static int add_probe_sets(const char *file, const char **sets, int *nsets, char *lines,
                          size_t n) {
  char err[1024] = "";
  if (!file) return 0;
  if (hm_probe_sets(file, lines, n, err, sizeof err)) {
    fprintf(stderr, "hmaprun: %s\n", err);
    return 2;
  }
  for (char *l = lines, *nl; *l; l = nl + 1) {
    nl = strchr(l, '\n');
    *nl = 0;
    size_t name = strcspn(l, "=");
    int given = 0;
    for (int i = 0; i < *nsets && !given; i++)
      given = !strncmp(sets[i], l, name) && sets[i][name] == '=';
    if (!given) sets[(*nsets)++] = l;
  }
  return 0;
}

/* The value of `--probe FILE` among argv, or NULL. */
static const char *probe_file(int argc, char **argv) {
  for (int i = 0; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--probe")) return argv[i + 1];
  return NULL;
}

/* `plan`, or with scope set `scope`: the same dry run with its calls
   thrown away (never written) and scope.md printed on stdout. */
static int plan_main(int argc, char **argv, int scope) {
  const char *hbc = NULL, *target = NULL, *creds = NULL, *probe = NULL;
  char probe_lines[1024];
  hm_plan_opts o = {0};
  const char **sets = calloc((size_t)argc + 8, sizeof *sets);
  if (!sets) abort();
  int rc = 0;
  for (int i = 1; i < argc && !rc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { plan_help(stdout); free(sets); return 0; }
    if (!strcmp(a, "--target") || !strcmp(a, "--credentials-file")) {
      if (!val) { rc = usage_error("missing value after an option", plan_usage); break; }
      *(strcmp(a, "--target") ? &creds : &target) = val;
      i++;
    } else if (!strcmp(a, "--data") || !strcmp(a, "--out") || !strcmp(a, "--sample") ||
        !strcmp(a, "--set") || !strcmp(a, "--probe")) {
      if (!val) { rc = usage_error("missing value after an option", plan_usage); break; }
      i++;
      if (!strcmp(a, "--data")) o.data_dir = val;
      else if (!strcmp(a, "--probe")) probe = val;
      else if (!strcmp(a, "--out")) o.out_dir = val;
      else if (!strcmp(a, "--set")) sets[o.nsets++] = val;
      else {
        char *end;
        errno = 0;
        o.sample = strtol(val, &end, 10);
        if (*end || errno || o.sample <= 0)
          rc = usage_error("--sample expects a positive number", plan_usage);
      }
    } else if (a[0] == '-' && a[1]) {
      char msg[300];
      snprintf(msg, sizeof msg, "unknown option %s", a);
      rc = usage_error(msg, plan_usage);
    } else if (!hbc) {
      hbc = a;
    } else {
      rc = usage_error("only one FILE.hbc", plan_usage);
    }
  }
  if (!rc && (!hbc || !o.data_dir || !o.out_dir))
    rc = usage_error("plan needs FILE.hbc, --data DIR and --out DIR", plan_usage);
  if (!rc) rc = add_probe_sets(probe, sets, &o.nsets, probe_lines, sizeof probe_lines);
  hm_program *p = rc ? NULL : load_program(hbc);
  if (!rc && !p) rc = 2;
  if (!rc) {
    char err[1024] = "";
    rc = hm_plan_check_sets(p, sets, o.nsets, err, sizeof err);
    if (rc) fprintf(stderr, "hmaprun: %s\n", err);
  }
  double limit = 0;   /* scope --target: the account's own rate */
  if (!rc && target) {
    char err[1024] = "";
    hm_run_curl_init();
    rc = hm_account_limit(target, creds, &limit, err, sizeof err);
    curl_global_cleanup();
    if (rc) fprintf(stderr, "hmaprun %s: %s\n", scope ? "scope" : "plan", err);
  }
  if (!rc) {
    o.sets = sets;
    o.builtins = hm_builtins;
    o.nbuiltins = hm_builtin_count;
    o.std = hm_std_state_new();
    char err[1024] = "";
    FILE *sink = scope ? fopen("/dev/null", "w") : NULL;
    if (scope && !sink) { fprintf(stderr, "hmaprun: /dev/null: %s\n", strerror(errno)); rc = 2; }
    o.calls = sink;
    o.quiet = scope;
    if (!rc) rc = hm_plan_run(p, &o, err, sizeof err);
    if (rc == 2) fprintf(stderr, "hmaprun: %s\n", err);
    if (sink) fclose(sink);
    /* again with the account's rate (hm_plan_run wrote it without), printed by scope */
    if ((scope || target) && rc < 2 &&
        hm_plan_scope(p, o.out_dir, scope ? stdout : NULL, limit, err, sizeof err)) {
      fprintf(stderr, "hmaprun: %s\n", err);
      rc = 2;
    }
    hm_std_state_free(o.std);
  }
  if (p) hm_bc_free(p);
  free(sets);
  return rc;
}

/* `run --max-upload-bytes N` without `--set max_upload_bytes=...`: the
   planner's limit too, so the plan flags the uploads the run skips. */
static const char *upload_limit_set(int argc, char **argv, const char *const *sets, int nsets,
                                    char *buf, size_t n) {
  for (int i = 0; i < nsets; i++)
    if (!strncmp(sets[i], "max_upload_bytes=", 17)) return NULL;
  for (int i = 0; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--max-upload-bytes")) {
      snprintf(buf, n, "max_upload_bytes=%s", argv[i + 1]);
      return buf;
    }
  return NULL;
}

/* `run`: the client's command, fed by the planner; `--set` goes to the planner,
   so plan and run read the same settings (the client only refuses it with
   --plan, whose settings the plan fixed). */
static int cmd_run(int argc, char **argv) {
  const char **sets = calloc((size_t)argc + 8, sizeof *sets);
  if (!sets) abort();
  int nsets = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--set") && i + 1 < argc) sets[nsets++] = argv[++i];
    else if (!strncmp(argv[i], "--set=", 6)) sets[nsets++] = argv[i] + 6;
  }
  char limit[64], probe_lines[1024];
  const char *extra = upload_limit_set(argc, argv, sets, nsets, limit, sizeof limit);
  if (extra) sets[nsets++] = extra;
  if (add_probe_sets(probe_file(argc, argv), sets, &nsets, probe_lines, sizeof probe_lines)) {
    free(sets);
    return 2;
  }
  hm_run_planner *pl = hm_plan_runner_new();
  hm_plan_runner_sets(pl, sets, nsets);
  int rc = hm_run_main_with(argc, argv, pl);
  hm_plan_runner_free(pl);
  free(sets);
  return rc;
}

/* `verify --map FILE.hbc --data DIR`: the planner recomputes what Gorgias
   should hold, with the same --set values as the run. */
static int cmd_verify(int argc, char **argv) {
  const char **sets = calloc((size_t)argc + 8, sizeof *sets);
  if (!sets) abort();
  int nsets = 0;
  for (int i = 0; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--set")) sets[nsets++] = argv[++i];
  char probe_lines[1024];
  if (add_probe_sets(probe_file(argc, argv), sets, &nsets, probe_lines, sizeof probe_lines)) {
    free(sets);
    return 2;
  }
  hm_run_planner *pl = hm_plan_runner_new();
  hm_plan_runner_sets(pl, sets, nsets);
  int rc = hm_verify_main_with(argc, argv, pl);
  hm_plan_runner_free(pl);
  free(sets);
  return rc;
}

/* The commands that talk to Gorgias, with libcurl initialised around them. */
static int client_main(const char *cmd, int argc, char **argv) {
  hm_run_curl_init();   /* curl_global_init, with an allocator that wipes what libcurl frees */
  int rc;
  if (!strcmp(cmd, "run")) rc = cmd_run(argc, argv);
  else if (!strcmp(cmd, "rollback")) rc = hm_rollback_main(argc, argv);
  else if (!strcmp(cmd, "verify")) rc = cmd_verify(argc, argv);
  else if (!strcmp(cmd, "probe")) rc = hm_probe_main(argc, argv);
  else if (!strcmp(cmd, "preflight")) rc = hm_preflight_main(argc, argv);
  else if (!strcmp(cmd, "restore-automation")) rc = hm_restore_automation_main(argc, argv);
  else rc = hm_status_main(argc, argv);
  curl_global_cleanup();
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) { fputs(usage_text, stderr); return 2; }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
    printf("hmaprun %s (git %s)\n", HM_VERSION, HM_GIT_REVISION);
    return 0;
  }
  if (!strcmp(cmd, "plan")) return plan_main(argc - 1, argv + 1, 0);
  if (!strcmp(cmd, "scope")) return plan_main(argc - 1, argv + 1, 1);
  if (!strcmp(cmd, "extract")) return hm_extract_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "run") || !strcmp(cmd, "rollback") || !strcmp(cmd, "verify") ||
      !strcmp(cmd, "status") || !strcmp(cmd, "probe") || !strcmp(cmd, "preflight") ||
      !strcmp(cmd, "restore-automation"))
    return client_main(cmd, argc - 1, argv + 1);
  fprintf(stderr, "hmaprun: unknown command \"%s\"\n%s", cmd, usage_text);
  return 2;
}
