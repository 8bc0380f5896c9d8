/* hmaprun: the runtime's command line. `plan` (the dry run) lives here; `run`,
 * `rollback`, `verify` and `status` are the client's (runtime/hm_run.h).
 * Built twice: `hmaprun-client` has the client in (HM_HAVE_CLIENT) and runs
 * every command; `hmaprun` has not, and hands the client's commands to the
 * hmaprun-client beside it (HM_EXEC_CLIENT), so a plan does not load libcurl
 * and its TLS and Kerberos libraries: relocating those 37 libraries was most
 * of a small plan's time. Exit codes follow ../shared/DESIGN.md: 0 done, 1
 * rejected records, 2 usage or unreadable input (3 and 4 come from the
 * client). */
#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_builtins.h"
#include "hm_bytecode.h"
#include "hm_plan.h"
#include "hm_plan_load.h"
#include "hm_psettings.h"
#ifdef HM_HAVE_CLIENT
#include "hm_run.h"
#include "hm_plan_runner.h"
#endif

static const char *usage_text =
  "usage: hmaprun <command> [options]\n"
  "\n"
  "commands:\n"
  "  plan FILE.hbc --data DIR --out DIR [--sample N] [--set NAME=VALUE]...\n"
  "      dry run: writes calls.ndjson, report.json, report.md and gap exports to DIR\n"
  "  run FILE.hbc --data DIR --target URL --state state.db [--sample N] [--delta] [--set NAME=VALUE]...\n"
  "      the real migration (credentials from GORGIAS_EMAIL and GORGIAS_API_KEY)\n"
  "  rollback --state state.db --target URL\n"
  "  verify --state state.db --target URL\n"
  "  status --state state.db\n"
  "\n"
  "Run `hmaprun <command> --help` for a command's options.\n";

static const char *plan_usage =
  "usage: hmaprun plan FILE.hbc --data DIR --out DIR [--sample N] [--set NAME=VALUE]...\n"
  "\n"
  "  --data DIR        the exported records (source paths are relative to it)\n"
  "  --out DIR         where calls.ndjson, report.json, report.md and exports go\n"
  "  --sample N        a stratified sample of N records per object (the report says why each was picked)\n"
  "  --set NAME=VALUE  override a setting of the map (converted to its type), or give a planner setting\n"
  "\n"
  "exit: 0 nothing rejected, 1 records rejected, 2 usage or unreadable input\n";

/* The usage, then the planner settings from their one table. */
static void plan_help(FILE *f) {
  fputs(plan_usage, f);
  fputs("\nplanner settings (the planner reads them; --set gives them whether or not the map declares them):\n", f);
  for (int i = 0; i < HM_PSET__COUNT; i++) {
    const hm_pset *d = hm_pset_get((hm_pset_id)i);
    fprintf(f, "  %-18s %s%s%s\n  %-18s %s\n", d->name, hm_pset_kind_name(d->kind), d->def ? ", default " : "",
            d->def ? d->def : "", "", d->meaning);
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

static int plan_main(int argc, char **argv) {
  const char *hbc = NULL;
  hm_plan_opts o = {0};
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  if (!sets) abort();
  int rc = 0;
  for (int i = 1; i < argc && !rc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { plan_help(stdout); free(sets); return 0; }
    if (!strcmp(a, "--data") || !strcmp(a, "--out") || !strcmp(a, "--sample") || !strcmp(a, "--set")) {
      if (!val) { rc = usage_error("missing value after an option", plan_usage); break; }
      i++;
      if (!strcmp(a, "--data")) o.data_dir = val;
      else if (!strcmp(a, "--out")) o.out_dir = val;
      else if (!strcmp(a, "--set")) sets[o.nsets++] = val;
      else {
        char *end;
        errno = 0;
        o.sample = strtol(val, &end, 10);
        if (*end || errno || o.sample <= 0) rc = usage_error("--sample expects a positive number", plan_usage);
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
  hm_program *p = rc ? NULL : load_program(hbc);
  if (!rc && !p) rc = 2;
  if (!rc) {
    char err[1024] = "";
    rc = hm_plan_check_sets(p, sets, o.nsets, err, sizeof err);
    if (rc) fprintf(stderr, "hmaprun: %s\n", err);
  }
  if (!rc) {
    o.sets = sets;
    o.builtins = hm_builtins;
    o.nbuiltins = hm_builtin_count;
    o.std = hm_std_state_new();
    char err[1024] = "";
    rc = hm_plan_run(p, &o, err, sizeof err);
    if (rc == 2) fprintf(stderr, "hmaprun: %s\n", err);
    hm_std_state_free(o.std);
  }
  if (p) hm_bc_free(p);
  free(sets);
  return rc;
}

static int not_built(const char *cmd) {
  fprintf(stderr, "hmaprun: %s is not built\n", cmd);
  return 2;
}

#ifdef HM_EXEC_CLIENT
/* Replaces this process with the hmaprun-client beside this program, same
   arguments and environment (and pid: a kill or a signal reaches the run).
   Returns only on failure. */
static int exec_client(char **argv) {
  char self[4096], path[4200];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) { fprintf(stderr, "hmaprun: cannot find where hmaprun is: %s\n", strerror(errno)); return 2; }
  self[n] = 0;
  char *slash = strrchr(self, '/');
  snprintf(path, sizeof path, "%.*s/hmaprun-client", slash ? (int)(slash - self) : 1, slash ? self : ".");
  argv[0] = path;
  execv(path, argv);
  fprintf(stderr, "hmaprun: %s needs %s (built and installed with hmaprun): %s\n", argv[1], path, strerror(errno));
  return 2;
}
#endif

#ifdef HM_HAVE_CLIENT
/* `run --max-upload-bytes N` without `--set max_upload_bytes=...`: the
   planner's limit too, so the plan flags the uploads the run skips. */
static const char *upload_limit_set(int argc, char **argv, const char *const *sets, int nsets, char *buf, size_t n) {
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
  const char **sets = calloc((size_t)argc + 2, sizeof *sets);
  if (!sets) abort();
  int nsets = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--set") && i + 1 < argc) sets[nsets++] = argv[++i];
    else if (!strncmp(argv[i], "--set=", 6)) sets[nsets++] = argv[i] + 6;
  }
  char limit[64];
  const char *extra = upload_limit_set(argc, argv, sets, nsets, limit, sizeof limit);
  if (extra) sets[nsets++] = extra;
  hm_run_planner *pl = hm_plan_runner_new();
  hm_plan_runner_sets(pl, sets, nsets);
  int rc = hm_run_main_with(argc, argv, pl);
  hm_plan_runner_free(pl);
  free(sets);
  return rc;
}
#endif

int main(int argc, char **argv) {
  if (argc < 2) { fputs(usage_text, stderr); return 2; }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) { fputs(usage_text, stdout); return 0; }
  if (!strcmp(cmd, "plan")) return plan_main(argc - 1, argv + 1);
#ifdef HM_HAVE_CLIENT
  if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
  if (!strcmp(cmd, "rollback")) return hm_rollback_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "verify")) return hm_verify_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "status")) return hm_status_main(argc - 1, argv + 1);
#else
  if (!strcmp(cmd, "run") || !strcmp(cmd, "rollback") || !strcmp(cmd, "verify") || !strcmp(cmd, "status")) {
#ifdef HM_EXEC_CLIENT
    return exec_client(argv);
#else
    return not_built(cmd);
#endif
  }
#endif
  (void)not_built;
  fprintf(stderr, "hmaprun: unknown command \"%s\"\n%s", cmd, usage_text);
  return 2;
}
