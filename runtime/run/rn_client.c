/* hm_client: the glue the four commands share — connecting with credentials
 * that never leave this process, the signal flag, JSON helpers, and the
 * field-level comparison verify uses (kept here because run's tests use it too).
 * The signal flag is the only global mutable state of the runtime: a signal
 * handler cannot be given a context, so SIGINT/SIGTERM set it and every loop
 * (and every libcurl transfer, via its progress callback) polls it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rn.h"

static volatile sig_atomic_t hm_client_stop_flag;

static void on_signal(int sig) { (void)sig; hm_client_stop_flag = 1; }

const volatile sig_atomic_t *hm_client_install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  return &hm_client_stop_flag;
}

/* Connects with a's options and checks the state belongs to this account
 * (hm_target_bind; strict: an account that does not answer is refused). 0, or
 * an exit code with the reason on stderr and *h NULL: before any write. */
int hm_client_connect_bound(const hm_target_args *a, hm_store *st,
                            const volatile sig_atomic_t *stop, int strict, const char *command,
                            hm_http **h) {
  char err[1024];
  int rc = hm_client_connect(a->target, a->creds_file, a->time_scale, a->log_json, stop, h, err,
                             sizeof err);
  if (!rc) {
    hm_http_set_max_answer(*h, a->max_answer_bytes);
    if (a->help_center_url) hm_http_set_help_center(*h, a->help_center_url);
    rc = hm_target_bind(st, *h, a->state, a->target, a->retarget, strict, command, err,
                        sizeof err);
    if (rc) { hm_http_close(*h); *h = NULL; }
  }
  if (rc) fprintf(stderr, "hmaprun %s: %s\n", command, err);
  return rc;
}

int hm_client_connect(const char *target, const char *creds_file, double time_scale, int log_json,
                      const volatile sig_atomic_t *stop, hm_http **out, char *err, size_t errlen) {
  *out = NULL;
  if (!target) { snprintf(err, errlen, "--target URL is required"); return 2; }
  hm_creds c;
  int rc = hm_creds_load(&c, creds_file, err, errlen);
  if (rc) return rc;
  hm_http_opts o = { .time_scale = time_scale, .log_json = log_json, .stop = stop };
  *out = hm_http_open(target, &c, &o, err, errlen);
  hm_creds_wipe(&c);
  return *out ? 0 : 2;
}

int hm_account_limit(const char *target, const char *creds_file, double *limit, char *err,
                     size_t errlen) {
  hm_http *h;
  int rc = hm_client_connect(target, creds_file, 1.0, 0, NULL, &h, err, errlen);
  if (rc) return rc;
  rc = hm_preflight_account(h, err, errlen);
  if (!rc) *limit = hm_http_get_rl(h)->limit;
  hm_http_close(h);
  return rc;
}

const char *hm_rn_json_str(const cJSON *o, const char *key) {
  const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

long long hm_rn_json_id(const cJSON *o) {
  return hm_answer_id(o ? cJSON_GetObjectItemCaseSensitive(o, "id") : NULL);
}

void hm_hash_hex(const char *s, char out[17]) {
  /* stored in state databases and compared across runs: the V0 basis */
  snprintf(out, 17, "%016llx", (unsigned long long)hm_fnv1a64_v0_str(s));
}

/* ISO-8601 instant -> seconds since the epoch; a naive time is UTC (Gorgias
 * answers in UTC without an offset). Returns 0 if s is not a date-time. */
static int parse_instant(const char *s, double *out) {
  int y, mo, d, h = 0, mi = 0, n = 0;
  double sec = 0;
  if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return 0;
  const char *p = s + n;
  if (*p == 'T' || *p == ' ') {
    int m = 0;
    if (sscanf(p + 1, "%2d:%2d:%lf%n", &h, &mi, &sec, &m) != 3) return 0;
    p += 1 + m;
  } else if (*p) {
    return 0;
  }
  double off = 0;
  if (*p == 'Z') p++;
  else if (*p == '+' || *p == '-') {
    int oh = 0, om = 0;
    if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1 && sscanf(p + 1, "%2d%2d", &oh, &om) < 1) return 0;
    off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    p += strlen(p);
  }
  if (*p) return 0;
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
  *out = (double)timegm(&tm) + sec - off;
  return 1;
}

static void show(hm_buf *out, const cJSON *v) {
  if (!v) { hm_buf_puts(out, "(absent)"); return; }
  char *t = cJSON_PrintUnformatted(v);
  if (t && strlen(t) > 120) { t[117] = '.'; t[118] = '.'; t[119] = '.'; t[120] = 0; }
  hm_buf_puts(out, t ? t : "?");
  free(t);
}

static int differ(const char *path, const cJSON *e, const cJSON *a, hm_buf *out) {
  hm_buf_printf(out, "%s: expected ", path);
  show(out, e);
  hm_buf_puts(out, ", found ");
  show(out, a);
  hm_buf_putc(out, '\n');
  return 1;
}

static int scalar_equal(const cJSON *e, const cJSON *a) {
  if (cJSON_IsString(e) && cJSON_IsString(a)) {
    if (!strcmp(e->valuestring, a->valuestring)) return 1;
    double te, ta;
    return parse_instant(e->valuestring, &te) && parse_instant(a->valuestring, &ta) && te == ta;
  }
  if (cJSON_IsNumber(e) && cJSON_IsNumber(a)) return e->valuedouble == a->valuedouble;
  if (cJSON_IsNumber(e) && cJSON_IsString(a)) return e->valuedouble == strtod(a->valuestring, NULL);
  if (cJSON_IsBool(e) && cJSON_IsBool(a)) return cJSON_IsTrue(e) == cJSON_IsTrue(a);
  if (cJSON_IsNull(e)) return !a || cJSON_IsNull(a);
  return 0;
}

/* custom_fields go in as [{id, value}] and come back keyed by field id. */
static int diff_keyed(const cJSON *e, const cJSON *a, const char *path, hm_buf *out) {
  int n = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, e) {
    char id[32], sub[512];
    snprintf(id, sizeof id, "%lld", hm_rn_json_id(it));
    snprintf(sub, sizeof sub, "%s[%s]", path, id);
    const cJSON *got = cJSON_GetObjectItemCaseSensitive(a, id);
    const cJSON *gv = cJSON_IsObject(got) ? cJSON_GetObjectItemCaseSensitive(got, "value") : got;
    n += hm_rn_json_diff(cJSON_GetObjectItemCaseSensitive(it, "value"), gv, sub, out);
  }
  return n;
}

/* {"id": null} (unassign) reads back as null. */
static int all_null(const cJSON *o) {
  const cJSON *it;
  cJSON_ArrayForEach(it, o) if (!cJSON_IsNull(it)) return 0;
  return 1;
}

/* The member name path ends with ("messages[2].body_html" -> "body_html"). */
static const char *last_name(const char *path) {
  const char *dot = strrchr(path, '.');
  return dot ? dot + 1 : path;
}

/* Lists Gorgias answers in its own order (tags, a customer's channels): a set. */
static int is_set(const char *path) {
  const char *n = last_name(path);
  return !strcmp(n, "tags") || !strcmp(n, "channels");
}

/* HTML as Gorgias may give it back: runs of white space as one space, none
   between tags, void tags without their "/" and the apostrophe however it
   is escaped. Text differences stay differences. */
static void html_norm(const char *s, hm_buf *out) {
  static const char *const apos[] = {"&#39;", "&#x27;", "&apos;"};
  while (*s) {
    size_t ws = strspn(s, " \t\r\n");
    if (ws) {
      int between = (out->len && out->data[out->len - 1] == '>') || s[ws] == '<' || !s[ws];
      if (!between && out->len) hm_buf_putc(out, ' ');
      s += ws;
      continue;
    }
    if (s[0] == '/' && s[1] == '>') {
      if (out->len && out->data[out->len - 1] == ' ') out->len--;
      s++;
      continue;
    }
    size_t i = 0;
    while (i < 3 && strncmp(s, apos[i], strlen(apos[i]))) i++;
    if (i < 3) { hm_buf_putc(out, '\''); s += strlen(apos[i]); continue; }
    hm_buf_putc(out, *s++);
  }
  hm_buf_cstr(out);
}

static int html_equal(const char *path, const cJSON *e, const cJSON *a) {
  const char *n = last_name(path);
  size_t len = strlen(n);
  if (!cJSON_IsString(e) || !cJSON_IsString(a) || len < 4 || strcmp(n + len - 4, "html"))
    return 0;
  hm_buf x, y;
  hm_buf_init(&x);
  hm_buf_init(&y);
  html_norm(e->valuestring, &x);
  html_norm(a->valuestring, &y);
  int same = x.len == y.len && (!x.len || !memcmp(x.data, y.data, x.len));
  hm_buf_free(&x);
  hm_buf_free(&y);
  return same;
}

/* Each expected item matched with an actual one it does not differ from, in
   any order; what is left over is listed. */
static int diff_set(const cJSON *e, const cJSON *a, const char *path, hm_buf *out) {
  int na = cJSON_GetArraySize(a), n = 0;
  char *used = calloc((size_t)na + 1, 1);
  if (!used) abort();
  const cJSON *it;
  cJSON_ArrayForEach(it, e) {
    int found = -1;
    for (int j = 0; j < na && found < 0; j++) {
      hm_buf scratch; hm_buf_init(&scratch);
      if (!used[j] && hm_rn_json_diff(it, cJSON_GetArrayItem(a, j), path, &scratch) == 0)
        found = j;
      hm_buf_free(&scratch);
    }
    if (found >= 0) { used[found] = 1; continue; }
    hm_buf_printf(out, "%s: expected ", path);
    show(out, it);
    hm_buf_puts(out, ", not found\n");
    n++;
  }
  for (int j = 0; j < na; j++)
    if (!used[j]) {
      hm_buf_printf(out, "%s: not expected ", path);
      show(out, cJSON_GetArrayItem(a, j));
      hm_buf_putc(out, '\n');
      n++;
    }
  free(used);
  return n;
}

int hm_rn_json_diff(const cJSON *e, const cJSON *a, const char *path, hm_buf *out) {
  if (!e) return 0;
  if (cJSON_IsArray(e) && cJSON_IsArray(a) && is_set(path)) return diff_set(e, a, path, out);
  if (html_equal(path, e, a)) return 0;
  if (cJSON_IsObject(e)) {
    if ((!a || cJSON_IsNull(a)) && all_null(e)) return 0;
    if (!cJSON_IsObject(a)) return differ(path, e, a, out);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, e) {
      char sub[512];
      snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", it->string);
      n += hm_rn_json_diff(it, cJSON_GetObjectItemCaseSensitive(a, it->string), sub, out);
    }
    return n;
  }
  if (cJSON_IsArray(e)) {
    if (cJSON_IsObject(a)) return diff_keyed(e, a, path, out);
    if (!cJSON_IsArray(a)) return differ(path, e, a, out);
    int ne = cJSON_GetArraySize(e), na = cJSON_GetArraySize(a), n = 0;
    if (ne != na) {
      hm_buf_printf(out, "%s: expected %d item(s), found %d\n", path, ne, na);
      n++;
    }
    for (int i = 0; i < ne && i < na; i++) {
      char sub[512];
      snprintf(sub, sizeof sub, "%s[%d]", path, i);
      n += hm_rn_json_diff(cJSON_GetArrayItem(e, i), cJSON_GetArrayItem(a, i), sub, out);
    }
    return n;
  }
  return scalar_equal(e, a) ? 0 : differ(path, e, a, out);
}

int hm_target_args_parse(int argc, char **argv, const char *usage, hm_target_args *a) {
  memset(a, 0, sizeof *a);
  a->time_scale = 1;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *v = NULL;
    size_t n = 0;
    static const char *const valued[] = { "--state", "--target", "--credentials-file",
                                          "--time-scale", "--max-answer-bytes", "--log-every",
                                          "--help-center-url" };
    for (size_t k = 0; k < 7; k++) {
      n = strlen(valued[k]);
      if (!strncmp(arg, valued[k], n) && (arg[n] == '=' || (!arg[n] && i + 1 < argc))) {
        v = arg[n] == '=' ? arg + n + 1 : argv[++i];
        if (k == 0) a->state = v;
        else if (k == 1) a->target = v;
        else if (k == 2) a->creds_file = v;
        else if (k == 3) a->time_scale = strtod(v, NULL);
        else if (k == 6) a->help_center_url = v;
        else if (k == 5) {
          if ((a->log_every = strtod(v, NULL)) <= 0) {
            fprintf(stderr, "hmaprun: --log-every needs a positive number of seconds\n");
            return 2;
          }
        }
        else if ((a->max_answer_bytes = strtol(v, NULL, 10)) < 1024) {
          fprintf(stderr, "hmaprun: --max-answer-bytes needs a number of bytes, at least 1024\n");
          return 2;
        }
        break;
      }
    }
    if (v) continue;
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
      a->help = 1;
      fputs(usage, stdout);
      return 0;
    }
    if (!strcmp(arg, "--log-json")) a->log_json = 1;
    else if (!strcmp(arg, "--json")) a->json = 1;
    else if (!strcmp(arg, "--dry-run")) a->dry_run = 1;
    else if (!strcmp(arg, "--retarget")) a->retarget = 1;
    else if (!strcmp(arg, "--yes")) a->yes = 1;
    else { fprintf(stderr, "hmaprun: unexpected argument %s\n%s", arg, usage); return 2; }
  }
  if (!a->state || !a->target || a->time_scale <= 0) {
    fprintf(stderr, "hmaprun: --state and --target are required\n%s", usage);
    return 2;
  }
  return 0;
}
