/* hm_run: the `run` and `status` commands — option parsing, the rehearsal mode
 * that executes a calls.ndjson written by `hmaprun plan` (validated whole before
 * the first call, so a bad file stops before anything is sent), and the status
 * table read from the state database. The executor itself is rn_exec.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_calls.h"
#include "rn.h"
#include "hm_run.h"

/* ---- options ---- */

typedef struct run_args {
  hm_exec_opts o;
  const char *hbc, *plan, *map_hash_arg, *probe;
  int help, nsets;   /* --set values are the planner's (hmaprun.c): only counted here */
  int max_upload_given;
} run_args;

static const char *RUN_USAGE =
    "usage: hmaprun run FILE.hbc --data DIR --target URL --state state.db [options]\n"
    "       hmaprun run --plan calls.ndjson --target URL --state state.db [--data DIR] [options]\n"
    "Migrates into Gorgias, exactly once: after any crash or kill, the same command resumes.\n"
    "Credentials: GORGIAS_EMAIL and GORGIAS_API_KEY, or --credentials-file FILE (KEY=value "
    "lines).\n"
    "  --plan FILE            rehearsal: execute a calls.ndjson written by `hmaprun plan`\n"
    "  --data DIR             export directory (uploads are read relative to it)\n"
    "  --target URL           https://{domain}.gorgias.com or an hmap-sandbox URL\n"
    "  --state FILE           state database (created if missing)\n"
    "  --sample N             the stratified sample `hmaprun plan --sample N` shows\n"
    "                         (with --plan: the first N records of each object)\n"
    "  --set NAME=VALUE       override a setting of the map, as `hmaprun plan` does (not with "
    "--plan)\n"
    "  --probe FILE           the planner settings a `hmaprun probe` file settled for this\n"
    "                         account (not with --plan: give it to `hmaprun plan`)\n"
    "  --delta                cutover re-run: new records created, changed ones updated\n"
    "  --force-map-change     resume a state written by another map or other --set values\n"
    "  --retarget             the state was made against another URL of this same account:\n"
    "                         bind it to --target (never for another account: use a new state)\n"
    "  --recover              the state lost its record of some calls (refused otherwise): every\n"
    "                         create it does not know is looked up in Gorgias before it is sent\n"
    "  --resend-in-doubt      send again the in-doubt creates that nothing identifies for a "
    "lookup\n"
    "                         (after checking Gorgias: they may be there already)\n"
    "  --allow-active-rules   start although active rules listen to ticket events\n"
    "  --rate-window SECONDS  the account's bucket drains in SECONDS (default 20; 10 for\n"
    "                         enterprise accounts); the limit is read from every answer\n"
    "  --allow-rule NAME      start although the active rule NAME listens to ticket events\n"
    "                         (repeatable; the others still stop the run)\n"
    "  --allow-setting TYPE.KEY  start although the account setting TYPE.KEY (e.g.\n"
    "                         auto-merge.tickets.enabled) is on (repeatable)\n"
    "  --allow-active-settings  start although settings act on imported tickets\n"
    "  --pause-automation     pause every rule and setting that would stop the run, and put\n"
    "                         them back when it ends (recorded in the state first)\n"
    "  --pause-rule NAME      pause the active rule NAME for the run (repeatable)\n"
    "  --pause-setting TYPE.KEY  switch the setting off for the run (repeatable)\n"
    "  --prove-writes         prove write permission per kind with an admin key too (a key\n"
    "                         of another role is always checked): an unchanged PUT on an\n"
    "                         existing user, team, customer and tag the plan writes\n"
    "  --log-json             JSON event lines on stderr, each with an ISO-8601 UTC \"ts\"\n"
    "  --log-every SECONDS    when stderr is not a terminal: a timestamped progress line this\n"
    "                         often (default 5) and at each phase\n"
    "  --map-hash HEX         map digest for a --plan without a header line (hand-written)\n"
    "  --report FILE          reconciliation report (default: STATE.report.json)\n"
    "  --max-upload-bytes N   larger attachments are flagged, not sent (default: the plan's\n"
    "                         max_upload_bytes; another value than the plan's is refused)\n"
    "  --max-answer-bytes N   largest answer read from Gorgias (default 8 MiB); a larger one\n"
    "                         is aborted and the call is treated as unanswered\n"
    "  --in-doubt-wait S      after a crash, let unanswered creates age S seconds before\n"
    "                         looking them up (default 30 / time scale: requests in flight land)\n"
    "  --help-center-url URL  the Help Center API's own host (default: Gorgias' for a\n"
    "                         *.gorgias.com target; the target itself otherwise)\n"
    "  --time-scale X         rehearsals against hmap-sandbox --time-scale X (windows / X)\n"
    "  --no-preflight         skip the account and rules checks (tests only)\n"
    "Exit: 0 done, 1 rejected records, 2 usage/input, 3 target refused, 4 interrupted "
    "(resumable)\n";

/* --name value or --name=value. Returns the value or NULL; advances *i. */
static const char *opt_value(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n)) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (argv[*i][n] || *i + 1 >= argc) return NULL;
  return argv[++*i];
}

static int parse_long(const char *s, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < 0) return -1;
  *out = v;
  return 0;
}

static int add_name(const char **list, int *n, const char *v, const char *flag) {
  if (*n == 32) {
    fprintf(stderr, "hmaprun run: %s: at most 32 names\n", flag);
    return 2;
  }
  list[(*n)++] = v;
  return 0;
}

static int parse_run_args(int argc, char **argv, run_args *a) {
  memset(a, 0, sizeof *a);
  a->o.time_scale = 1;
  a->o.in_doubt_wait = 30;
  int in_doubt_given = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    const char *arg = argv[i];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) { a->help = 1; return 0; }
    else if (!strcmp(arg, "--delta")) a->o.delta = 1;
    else if (!strcmp(arg, "--force-map-change")) a->o.force_map_change = 1;
    else if (!strcmp(arg, "--allow-active-rules")) a->o.allow_active_rules = 1;
    else if (!strcmp(arg, "--allow-active-settings")) a->o.allow_active_settings = 1;
    else if (!strcmp(arg, "--pause-automation")) a->o.pause_all = 1;
    else if (!strcmp(arg, "--prove-writes")) a->o.prove_writes = 1;
    else if (!strcmp(arg, "--log-json")) a->o.log_json = 1;
    else if (!strcmp(arg, "--no-preflight")) a->o.no_preflight = 1;
    else if (!strcmp(arg, "--retarget")) a->o.retarget = 1;
    else if (!strcmp(arg, "--recover")) a->o.recover = 1;
    else if (!strcmp(arg, "--resend-in-doubt")) a->o.resend_in_doubt = 1;
    else if ((v = opt_value(argc, argv, &i, "--allow-rule"))) {
      if (a->o.nallow_rules == 32) {
        fprintf(stderr, "hmaprun run: --allow-rule: at most 32 names\n");
        return 2;
      }
      a->o.allow_rules[a->o.nallow_rules++] = v;
    } else if ((v = opt_value(argc, argv, &i, "--allow-setting"))) {
      if (a->o.nallow_settings == 32) {
        fprintf(stderr, "hmaprun run: --allow-setting: at most 32 names\n");
        return 2;
      }
      a->o.allow_settings[a->o.nallow_settings++] = v;
    } else if ((v = opt_value(argc, argv, &i, "--pause-rule"))) {
      if (add_name(a->o.pause_rules, &a->o.npause_rules, v, "--pause-rule")) return 2;
    } else if ((v = opt_value(argc, argv, &i, "--pause-setting"))) {
      if (add_name(a->o.pause_settings, &a->o.npause_settings, v, "--pause-setting")) return 2;
    } else if ((v = opt_value(argc, argv, &i, "--plan"))) a->plan = v;
    else if ((v = opt_value(argc, argv, &i, "--set"))) a->nsets++;
    else if ((v = opt_value(argc, argv, &i, "--probe"))) a->probe = v;
    else if ((v = opt_value(argc, argv, &i, "--data"))) a->o.data_dir = v;
    else if ((v = opt_value(argc, argv, &i, "--target"))) a->o.target = v;
    else if ((v = opt_value(argc, argv, &i, "--state"))) a->o.state_path = v;
    else if ((v = opt_value(argc, argv, &i, "--credentials-file"))) a->o.creds_file = v;
    else if ((v = opt_value(argc, argv, &i, "--map-hash"))) a->map_hash_arg = v;
    else if ((v = opt_value(argc, argv, &i, "--report"))) a->o.report_path = v;
    else if ((v = opt_value(argc, argv, &i, "--sample"))) {
      if (parse_long(v, &a->o.sample) || !a->o.sample) {
        fprintf(stderr, "hmaprun run: --sample needs a positive number\n");
        return 2;
      }
    } else if ((v = opt_value(argc, argv, &i, "--max-upload-bytes"))) {
      if (parse_long(v, &a->o.max_upload_bytes)) {
        fprintf(stderr, "hmaprun run: --max-upload-bytes needs a number\n");
        return 2;
      }
      a->max_upload_given = 1;
    } else if ((v = opt_value(argc, argv, &i, "--max-answer-bytes"))) {
      if (parse_long(v, &a->o.max_answer_bytes) || a->o.max_answer_bytes < 1024) {
        fprintf(stderr, "hmaprun run: --max-answer-bytes needs a number of bytes, at least 1024\n");
        return 2;
      }
    } else if ((v = opt_value(argc, argv, &i, "--in-doubt-wait"))) {
      char *end;
      a->o.in_doubt_wait = strtod(v, &end);
      in_doubt_given = 1;
      if (*end || a->o.in_doubt_wait < 0) {
        fprintf(stderr, "hmaprun run: --in-doubt-wait needs seconds\n");
        return 2;
      }
    } else if ((v = opt_value(argc, argv, &i, "--log-every"))) {
      char *end;
      a->o.log_every = strtod(v, &end);
      if (*end || end == v || a->o.log_every <= 0) {
        fprintf(stderr, "hmaprun run: --log-every needs a positive number of seconds\n");
        return 2;
      }
    } else if ((v = opt_value(argc, argv, &i, "--rate-window"))) {
      char *end;
      a->o.rate_window = strtod(v, &end);
      if (*end || end == v || !(a->o.rate_window > 0) || a->o.rate_window > 3600) {
        fprintf(stderr, "hmaprun run: --rate-window needs seconds (10 for an enterprise "
                        "account's 40 per 10 s)\n");
        return 2;
      }
    } else if ((v = opt_value(argc, argv, &i, "--help-center-url"))) {
      if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
        fprintf(stderr, "hmaprun run: --help-center-url %s: expected an http:// or https:// "
                        "URL\n", v);
        return 2;
      }
      a->o.help_center_url = v;
    } else if ((v = opt_value(argc, argv, &i, "--time-scale"))) {
      a->o.time_scale = strtod(v, NULL);
      if (a->o.time_scale <= 0) {
        fprintf(stderr, "hmaprun run: --time-scale needs a positive number\n");
        return 2;
      }
    } else if (!strncmp(arg, "--api-key", 9) || !strncmp(arg, "--password", 10)) {
      fprintf(stderr, "hmaprun run: credentials are never taken from the command line; "
                      "use GORGIAS_EMAIL/GORGIAS_API_KEY or --credentials-file\n");
      return 2;
    } else if (arg[0] == '-') {
      fprintf(stderr, "hmaprun run: unknown option %s\n%s", arg, RUN_USAGE);
      return 2;
    } else if (!a->hbc) a->hbc = arg;
    else { fprintf(stderr, "hmaprun run: unexpected argument %s\n", arg); return 2; }
  }
  if (!in_doubt_given) a->o.in_doubt_wait = 30 / a->o.time_scale;   /* rehearsals scale it too */
  if (!a->plan && !a->hbc) {
    fprintf(stderr, "hmaprun run: give FILE.hbc or --plan calls.ndjson\n%s", RUN_USAGE);
    return 2;
  }
  if (a->plan && a->nsets) {   /* the plan's calls and map_hash already carry its settings */
    fprintf(
        stderr,
        "hmaprun run: --set cannot change %s: its settings were fixed when `hmaprun plan` made it; "
        "plan again with these --set values, or run FILE.hbc --set ...\n",
        a->plan);
    return 2;
  }
  if (a->plan && a->probe) {
    fprintf(stderr, "hmaprun run: --probe cannot change %s: its settings were fixed when "
                    "`hmaprun plan` made it; plan again with --probe %s\n", a->plan, a->probe);
    return 2;
  }
  if (!a->o.target || !a->o.state_path) {
    fprintf(stderr, "hmaprun run: --target and --state are required\n%s", RUN_USAGE);
    return 2;
  }
  return 0;
}

/* ---- the rehearsal plan file ---- */

/* The plan file is read twice: once to check every line and count what is
 * planned (before the first call, so a bad file sends nothing), once to
 * execute it — memory stays bounded by one call, whatever the migration's size. */
typedef struct plan_file {
  const char *path;
  const char *data_dir;   /* --data: the only folder uploads are read from */
  FILE *f;             /* the executing pass */
  char *line;
  size_t cap;
  long lineno;
  long long n;         /* planned calls */
  char map_hash[80];
  long long max_upload;   /* the header's max_upload_bytes; 0: no header */
  long sample;
  cJSON *per_object;   /* sample: object -> records kept (per pass) */
  cJSON *dropped;      /* sample: refs left out (per pass) */
  cJSON *totals;       /* object -> records planned, after the sample */
  hm_seen records;     /* "object\tkey" of the records counted in totals */
  cJSON *creates;      /* objects with a create call: their records are their creates */
  cJSON *targets;      /* Gorgias kinds the plan writes (set): the preflight's write check */
  char changed[700];   /* the executing pass found a line the first pass accepted refused */
} plan_file;

/* common/hm_calls.h: a header has "hmap_plan" and no "path". */
static int is_header(const cJSON *c) {
  return cJSON_IsObject(c) && !cJSON_GetObjectItemCaseSensitive(c, "path") &&
         cJSON_GetObjectItemCaseSensitive(c, "hmap_plan");
}

/* What a map hash may hold: hmaprun plan writes 64 hex digits; a hand-written
 * rehearsal plan names its own. */
#define HASH_CHARS "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

/* The header's members, checked: 0, or 2 with err. */
static int read_header(plan_file *pf, const cJSON *c, char *err, size_t errlen) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "hmap_plan");
  const cJSON *max = cJSON_GetObjectItemCaseSensitive(c, "max_upload_bytes");
  const char *h = hm_rn_json_str(c, "map_hash");
  if (pf->lineno != 1)
    snprintf(err, errlen, "%s:%ld: a plan header after the first line", pf->path, pf->lineno);
  else if (!cJSON_IsNumber(v) || v->valuedouble != HM_PLAN_FORMAT)
    snprintf(err, errlen,
             "%s:1: plan format %g, this hmaprun reads %d: plan again with this hmaprun", pf->path,
             cJSON_IsNumber(v) ? v->valuedouble : -1.0, HM_PLAN_FORMAT);
  else if (!h || !*h || strlen(h) > 64 || strspn(h, HASH_CHARS) != strlen(h))
    snprintf(err, errlen, "%s:1: the header's map_hash is not 1 to 64 letters, digits, - or _",
             pf->path);
  else if (max && (!cJSON_IsNumber(max) || max->valuedouble < 1 || max->valuedouble > 9.0e15))
    snprintf(err, errlen, "%s:1: the header's max_upload_bytes is not a positive count", pf->path);
  else {
    snprintf(pf->map_hash, sizeof pf->map_hash, "%s", h);
    pf->max_upload = max ? (long long)max->valuedouble : 0;
    return 0;
  }
  return 2;
}

/* The plan's upload limit is the run's: without --max-upload-bytes the run
 * takes it; a different --max-upload-bytes would upload files the plan
 * flagged as skipped (or skip others), so it is refused. */
static int take_upload_limit(run_args *a, long long plan_max) {
  if (plan_max <= 0) return 0;
  if (!a->max_upload_given) { a->o.max_upload_bytes = (long)plan_max; return 0; }
  if (a->o.max_upload_bytes == plan_max) return 0;
  fprintf(stderr,
          "hmaprun run: --max-upload-bytes %ld differs from the plan's max_upload_bytes %lld (the "
          "uploads the "
          "plan flagged are the ones the run skips); plan with --set max_upload_bytes=%ld\n",
          a->o.max_upload_bytes, plan_max, a->o.max_upload_bytes);
  return 2;
}

static const char *call_object(const cJSON *c) {
  const char *o = hm_rn_json_str(cJSON_GetObjectItemCaseSensitive(c, "source"), "object");
  return o ? o : hm_rn_json_str(c, "target");
}

static int creates(const cJSON *c) {
  const char *ph = hm_rn_json_str(c, "phase");
  return !ph || !strcmp(ph, "create") || !strcmp(ph, "upload");
}

/* One more planned record of c's object, unless c is another call of a
 * record already counted (a ticket's create and its uploads are one record:
 * the plan's "planned", docs/run.md "Counts"). */
static void count_record(plan_file *pf, const cJSON *c) {
  if (!creates(c)) return;
  const char *obj = call_object(c), *target = hm_rn_json_str(c, "target");
  if (!pf->targets) pf->targets = cJSON_CreateObject();
  if (target && !cJSON_HasObjectItem(pf->targets, target))
    cJSON_AddTrueToObject(pf->targets, target);
  const char *ph = hm_rn_json_str(c, "phase");
  if (ph && !strcmp(ph, "create") && obj && !cJSON_HasObjectItem(pf->creates, obj))
    cJSON_AddTrueToObject(pf->creates, obj);
  const char *key = hm_rn_json_str(cJSON_GetObjectItemCaseSensitive(c, "source"), "key");
  char rec[700];
  snprintf(rec, sizeof rec, "%s\t%s", obj ? obj : "?", key ? key : hm_rn_json_str(c, "ref"));
  if (key && hm_seen_add(&pf->records, rec)) return;
  cJSON *t = cJSON_GetObjectItemCaseSensitive(pf->totals, obj ? obj : "?");
  if (!t) t = cJSON_AddNumberToObject(pf->totals, obj ? obj : "?", 0);
  cJSON_SetNumberValue(t, t->valuedouble + 1);
}

/* Does any {"$ref"} or "{ref:...}" in c name a dropped ref? */
static int mentions_dropped(const cJSON *c, const cJSON *dropped) {
  if (cJSON_IsString(c)) {
    const char *p = c->valuestring;
    while ((p = strstr(p, "{ref:"))) {
      const char *e = strchr(p, '}');
      if (!e) break;
      char ref[512];
      snprintf(ref, sizeof ref, "%.*s", (int)(e - p - 5), p + 5);
      char *h = strchr(ref, '#');
      if (h) *h = 0;
      if (cJSON_GetObjectItemCaseSensitive(dropped, ref)) return 1;
      p = e;
    }
    return 0;
  }
  const char *r = cJSON_IsObject(c) ? hm_rn_json_str(c, "$ref") : NULL;
  if (r && cJSON_GetObjectItemCaseSensitive(dropped, r)) return 1;
  const cJSON *it;
  cJSON_ArrayForEach(it, c) if (mentions_dropped(it, dropped)) return 1;
  return 0;
}

/* --sample over a plan file: the first N records of each object, and only the
 * calls whose references stay inside the sample. (`run FILE.hbc --sample N`
 * uses the planner's stratified sample instead.) */
static int sample_keep(plan_file *pf, const cJSON *c) {
  const char *ref = hm_rn_json_str(c, "ref");
  int keep = !mentions_dropped(c, pf->dropped);
  if (keep && creates(c)) {
    const char *obj = call_object(c);
    cJSON *n = cJSON_GetObjectItemCaseSensitive(pf->per_object, obj ? obj : "?");
    if (!n) n = cJSON_AddNumberToObject(pf->per_object, obj ? obj : "?", 0);
    if (n->valuedouble >= (double)pf->sample &&
        !(hm_rn_json_str(c, "phase") && !strcmp(hm_rn_json_str(c, "phase"), "upload")))
      keep = 0;
    else cJSON_SetNumberValue(n, n->valuedouble + 1);
  }
  if (!keep && ref && !cJSON_GetObjectItemCaseSensitive(pf->dropped, ref))
    cJSON_AddTrueToObject(pf->dropped, ref);
  return keep;
}

/* What makes a line unusable as a planned call, or NULL. */
static const char *plan_line_problem(const cJSON *c) {
  const char *phase = hm_rn_json_str(c, "phase"), *method = hm_rn_json_str(c, "method");
  if (!hm_rn_json_str(c, "path")) return "planned call without \"path\"";
  if (cJSON_GetObjectItemCaseSensitive(c, "phase") && !phase) return "\"phase\" is not a string";
  if (phase && strcmp(phase, "upload") && strcmp(phase, "create") && strcmp(phase, "message") &&
      strcmp(phase, "update"))
    return "\"phase\" must be upload, create, message or update";
  if (method && strcmp(method, "POST") && strcmp(method, "PUT"))
    return "\"method\" must be POST or PUT";
  if (phase && !strcmp(phase, "upload") && !hm_rn_json_str(c, "file"))
    return "an upload needs \"file\"";
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(c, "body");
  if (body && !cJSON_IsObject(body) && !cJSON_IsArray(body)) return "\"body\" must be an object";
  const cJSON *ref = cJSON_GetObjectItemCaseSensitive(c, "ref");
  if (ref && !cJSON_IsString(ref) && !cJSON_IsNull(ref)) return "\"ref\" must be a string";
  return hm_plancheck_flags(c);
}

/* Next line as a call: *out NULL at a blank or header line. 0, or 2 with err. */
static int read_call(plan_file *pf, ssize_t len, cJSON **out, char *err, size_t errlen) {
  *out = NULL;
  char *line = pf->line;
  while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
  if (!len) return 0;
  cJSON *c = cJSON_ParseWithLength(line, (size_t)len);
  if (!cJSON_IsObject(c)) {
    snprintf(err, errlen, "%s:%ld: not a JSON object", pf->path, pf->lineno);
    cJSON_Delete(c);
    return 2;
  }
  if (is_header(c)) {
    int rc = read_header(pf, c, err, errlen);
    cJSON_Delete(c);
    return rc;
  }
  const char *why = plan_line_problem(c);
  char unsafe[800];
  if (!why && hm_plancheck_line(c, pf->data_dir, unsafe, sizeof unsafe)) why = unsafe;
  if (why) {
    snprintf(err, errlen, "%s:%ld: %s", pf->path, pf->lineno, why);
    cJSON_Delete(c);
    return 2;
  }
  *out = c;
  return 0;
}

static void sample_reset(plan_file *pf) {
  cJSON_Delete(pf->per_object);
  cJSON_Delete(pf->dropped);
  pf->per_object = cJSON_CreateObject();
  pf->dropped = cJSON_CreateObject();
}

/* First pass: every line checked, calls and records counted. */
static int plan_check(plan_file *pf, const char *path, long sample, char *err, size_t errlen) {
  pf->path = path;
  pf->sample = sample;
  pf->totals = cJSON_CreateObject();
  pf->creates = cJSON_CreateObject();
  sample_reset(pf);
  FILE *f = fopen(path, "r");
  if (!f) { snprintf(err, errlen, "%s: cannot read the plan", path); return 2; }
  ssize_t len;
  int rc = 0;
  pf->lineno = 0;
  while (!rc && (len = getline(&pf->line, &pf->cap, f)) >= 0) {
    pf->lineno++;
    cJSON *c;
    rc = read_call(pf, len, &c, err, errlen);
    if (!c) continue;
    pf->n++;
    if (!pf->sample || sample_keep(pf, c)) count_record(pf, c);
    cJSON_Delete(c);
  }
  fclose(f);
  return rc;
}

static cJSON *plan_next(void *ctx) {
  plan_file *pf = ctx;
  ssize_t len;
  while (pf->f && (len = getline(&pf->line, &pf->cap, pf->f)) >= 0) {
    pf->lineno++;
    cJSON *c;
    if (read_call(pf, len, &c, pf->changed, sizeof pf->changed)) return NULL;   /* stop: see run */
    if (!c) continue;
    if (!pf->sample || sample_keep(pf, c)) return c;
    cJSON_Delete(c);
  }
  return NULL;
}

static void plan_free(plan_file *pf) {
  if (pf->f) fclose(pf->f);
  free(pf->line);
  cJSON_Delete(pf->per_object);
  cJSON_Delete(pf->dropped);
  cJSON_Delete(pf->totals);
  cJSON_Delete(pf->creates);
  cJSON_Delete(pf->targets);
  hm_seen_free(&pf->records);
}

/* The planned totals, into the state the executor holds open (one open, one
 * integrity check per run). */
static void record_totals(plan_file *pf, hm_exec *ex) {
  const cJSON *it;
  cJSON_ArrayForEach(it, pf->totals) hm_exec_expect(ex, it->string, (long long)it->valuedouble);
  cJSON_ArrayForEach(it, pf->creates) hm_exec_expect_creates(ex, it->string);
}

/* ---- run ---- */

typedef struct planner_iter { const hm_run_planner *p; int rc; char err[512]; } planner_iter;

static cJSON *planner_next(void *ctx) {
  planner_iter *it = ctx;
  cJSON *c = NULL;
  if (it->rc) return NULL;
  it->rc = it->p->next(it->p->self, &c, it->err, sizeof it->err);
  return it->rc ? NULL : c;
}

/* The planner's calls, back from the temporary file (already checked). */
static cJSON *tmp_next(void *ctx) {
  plan_file *pf = ctx;
  ssize_t len;
  while ((len = getline(&pf->line, &pf->cap, pf->f)) > 0) {
    cJSON *c = cJSON_ParseWithLength(pf->line, (size_t)len);
    if (c) return c;
  }
  return NULL;
}

static int run_plan_file(run_args *a) {
  plan_file pf;
  memset(&pf, 0, sizeof pf);
  pf.data_dir = a->o.data_dir;
  char err[1200] = "";
  if (plan_check(&pf, a->plan, a->o.sample, err, sizeof err)) {
    fprintf(stderr, "hmaprun run: %s\n", err);
    plan_free(&pf);
    return 2;
  }
  a->o.map_hash = a->map_hash_arg ? a->map_hash_arg : pf.map_hash[0] ? pf.map_hash : "none";
  a->o.planned_calls = pf.n;
  if (take_upload_limit(a, pf.max_upload)) { plan_free(&pf); return 2; }
  a->o.write_targets = pf.targets;
  hm_exec *ex;
  int rc = hm_exec_open(&ex, &a->o);
  if (!rc) {
    record_totals(&pf, ex);
    sample_reset(&pf);   /* the executing pass samples again, identically */
    pf.lineno = 0;
    pf.f = fopen(a->plan, "r");
    int xrc = pf.f ? hm_exec_calls(ex, plan_next, &pf) : 2;
    if (pf.changed[0]) {   /* the plan or an upload's file changed after the check */
      fprintf(stderr, "hmaprun run: %s (changed since the plan was checked; "
                      "nothing after it was sent)\n", pf.changed);
      if (!xrc) xrc = 2;
    }
    rc = hm_exec_close(ex, xrc);
  }
  plan_free(&pf);
  return rc;
}

static int run_planner(run_args *a, const hm_run_planner *planner) {
  if (!planner) {
    fprintf(stderr,
            "hmaprun run: this build cannot plan %s in-process; run `hmaprun plan` and then "
            "`hmaprun run --plan OUT/calls.ndjson`\n",
            a->hbc);
    return 2;
  }
  if (!a->o.data_dir) {
    fprintf(stderr, "hmaprun run: --data DIR is required with FILE.hbc\n");
    return 2;
  }
  char hash[65] = "", err[512] = "";
  long long plan_max = 0;
  int rc = planner->open(planner->self, a->hbc, a->o.data_dir, a->o.sample, hash, &plan_max, err,
                         sizeof err);
  int planned_rejections = rc == 1;   /* records the map rejected: reported by `plan`, exit 1 */
  if (planned_rejections) rc = 0;
  if (rc) { fprintf(stderr, "hmaprun run: %s\n", err); planner->close(planner->self); return rc; }
  if (take_upload_limit(a, plan_max)) { planner->close(planner->self); return 2; }
  a->o.map_hash = a->map_hash_arg ? a->map_hash_arg : hash;
  /* The planner has planned everything by now: take its calls into a
   * temporary file first, counting the records per object, so the planned
   * totals are in the state before the first call (status can say what is
   * left at any moment, also after an interrupt or a kill -9). */
  plan_file pf;
  memset(&pf, 0, sizeof pf);
  pf.path = "(planner)";
  pf.totals = cJSON_CreateObject();
  pf.creates = cJSON_CreateObject();
  pf.f = tmpfile();
  planner_iter it = { planner, 0, "" };
  cJSON *c;
  while (pf.f && (c = planner_next(&it))) {
    pf.n++;
    char why[800];
    if (hm_plancheck_line(c, a->o.data_dir, why, sizeof why)) {   /* the planner's calls too */
      snprintf(it.err, sizeof it.err, "planned call %lld: %.400s", pf.n, why);
      it.rc = 2;
      cJSON_Delete(c);
      break;
    }
    count_record(&pf, c);
    char *line = cJSON_PrintUnformatted(c);
    if (line) { fputs(line, pf.f); fputc('\n', pf.f); }
    free(line);
    cJSON_Delete(c);
  }
  planner->close(planner->self);
  if (!pf.f || it.rc || fflush(pf.f) || ferror(pf.f)) {
    fprintf(stderr, "hmaprun run: %s\n",
            it.rc ? it.err : "cannot write a temporary file of the planned calls");
    plan_free(&pf);
    return it.rc ? it.rc : 2;
  }
  rewind(pf.f);
  a->o.planned_calls = pf.n;
  a->o.planned_rejections = planned_rejections;
  a->o.write_targets = pf.targets;
  hm_exec *ex;
  rc = hm_exec_open(&ex, &a->o);
  if (!rc) {
    record_totals(&pf, ex);
    rc = hm_exec_close(ex, hm_exec_calls(ex, tmp_next, &pf));
  }
  plan_free(&pf);
  return rc;
}

int hm_run_main_with(int argc, char **argv, const hm_run_planner *planner) {
  run_args a;
  int rc = parse_run_args(argc, argv, &a);
  if (rc) return rc;
  if (a.help) { fputs(RUN_USAGE, stdout); return 0; }
  a.o.stop = hm_client_install_signals();
  char *resume = hm_command_line("hmaprun", argc, argv);   /* no secret is ever in argv */
  a.o.resume_cmd = resume;
  rc = a.plan ? run_plan_file(&a) : run_planner(&a, planner);
  free(resume);
  return rc;
}

int hm_run_main(int argc, char **argv) { return hm_run_main_with(argc, argv, NULL); }

/* ---- status ---- */

static const char *STATUS_USAGE =
  "usage: hmaprun status --state state.db [--json] [--flags]\n"
  "--flags lists every flag of the migration (severity, object, key, text), one a line.\n"
  "Per object, the ledger of the whole migration (docs/run.md, \"Counts\"): planned,\n"
  "created, updated, rejected, failed, in doubt, left, reused, flagged, rolled back.\n";

typedef struct status_ctx { int json; cJSON *arr; long long left; } status_ctx;

/* One object's line of the ledger (rn_ledger.c): the same words and numbers
 * as the run's report, verify and rollback. */
static int status_row(void *ctx, const hm_store_count *c) {
  status_ctx *s = ctx;
  long long left = hm_ledger_left(c);
  if (left > 0) s->left += left;
  if (s->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "object", c->object ? c->object : "");
    hm_ledger_add_json(c, o);
    cJSON_AddItemToArray(s->arr, o);
  } else {
    char planned[32], lefts[32];
    snprintf(planned, sizeof planned, c->total >= 0 ? "%lld" : "?", c->total);
    snprintf(lefts, sizeof lefts, left >= 0 ? "%lld" : "?", left);
    printf("%-24s %7s %7lld %7lld %7lld %7lld %7lld %7s %7lld %7lld %7lld\n",
           c->object ? c->object : "", planned, c->done, c->updated, c->rejected, c->failed,
           c->intent, lefts, c->reused, c->flagged, c->deleted);
  }
  return 0;
}

typedef struct flag_counts { long long review, warn, info, other; } flag_counts;

static int print_flag(void *ctx, const char *sev, const char *object, const char *key,
                      const char *msg) {
  (void)ctx;
  printf("%s %s %s: %s\n", sev ? sev : "?", object ? object : "-", key ? key : "-",
         msg ? msg : "");
  return 0;
}

static int count_flag(void *ctx, const char *sev, const char *object, const char *key,
                      const char *msg) {
  flag_counts *c = ctx;
  (void)object; (void)key; (void)msg;
  if (sev && !strcmp(sev, "review")) c->review++;
  else if (sev && !strcmp(sev, "warn")) c->warn++;
  else if (sev && !strcmp(sev, "info")) c->info++;
  else c->other++;
  return 0;
}

int hm_status_main(int argc, char **argv) {
  const char *state = NULL;
  int json = 0, flags = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(STATUS_USAGE, stdout);
      return 0;
    } else if (!strcmp(argv[i], "--json"))
      json = 1;
    else if (!strcmp(argv[i], "--flags"))
      flags = 1;
    else if ((v = opt_value(argc, argv, &i, "--state"))) state = v;
    else {
      fprintf(stderr, "hmaprun status: unexpected argument %s\n%s", argv[i], STATUS_USAGE);
      return 2;
    }
  }
  if (!state) {
    fprintf(stderr, "hmaprun status: --state is required\n%s", STATUS_USAGE);
    return 2;
  }
  hm_store *st;
  char err[512];
  if (hm_store_open(&st, state, 0, err, sizeof err)) {
    fprintf(stderr, "hmaprun status: %s\n", err);
    return 2;
  }
  if (flags) {   /* the flags themselves: what the counts below count */
    hm_store_each_flag(st, print_flag, NULL);
    hm_store_close(st);
    return 0;
  }
  status_ctx s = { json, json ? cJSON_CreateArray() : NULL, 0 };
  if (!json)
    printf("%-24s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n", "object", "planned", "created",
           "updated", "rejected", "failed", "indoubt", "left", "reused", "flagged", "rolledbk");
  hm_store_each_count(st, 0, status_row, &s);
  flag_counts fc = { 0, 0, 0, 0 };
  hm_store_each_flag(st, count_flag, &fc);
  long long doubt = hm_store_in_doubt(st);
  if (!json) {
    printf("flags: %lld review, %lld warn, %lld info", fc.review, fc.warn, fc.info);
    if (doubt) printf("; %lld call(s) in doubt: run again to resolve them", doubt);
    putchar('\n');
    long long paused = hm_pause_open(st);
    if (paused)
      printf("automation: %lld rule(s)/setting(s) paused by this migration (put back when the "
             "run completes, or: hmaprun restore-automation)\n", paused);
    hm_target_status(st, NULL);
  }
  if (json) {
    cJSON *o = cJSON_CreateObject();
    const char *mh = hm_store_get_meta(st, "map_hash");
    cJSON_AddStringToObject(o, "map_hash", mh ? mh : "");
    cJSON_AddItemToObject(o, "objects", s.arr);
    cJSON *f = cJSON_AddObjectToObject(o, "flags");
    cJSON_AddNumberToObject(f, "review", (double)fc.review);
    cJSON_AddNumberToObject(f, "warn", (double)fc.warn);
    cJSON_AddNumberToObject(f, "info", (double)fc.info);
    cJSON_AddNumberToObject(o, "in_doubt", (double)doubt);
    long long paused = hm_pause_open(st);
    if (paused) cJSON_AddNumberToObject(o, "automation_paused", (double)paused);
    hm_target_status(st, o);
    char *t = cJSON_Print(o);
    puts(t);
    free(t);
    cJSON_Delete(o);
  }
  hm_store_close(st);
  return 0;
}
