/* hm_target: the binding of a state database to one Gorgias account. A
 * state's id map holds that account's ids: used against another account,
 * rollback would delete objects it never made and run would skip records it
 * never created there. The binding is the normalized base URL plus the
 * account's identity from GET /api/account (domain, and id when the answer
 * has one), recorded at first use; any later run, verify or rollback compares
 * before its first write. --retarget records a new binding (the old one is
 * kept in target_history, shown by `hmaprun status`). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "hm_gorgias.h"
#include "rn.h"

void hm_target_normalize(const char *url, char *out, size_t n) {
  snprintf(out, n, "%s", url ? url : "");
  char *host = strstr(out, "://");
  host = host ? host + 3 : out;
  char *end = host + strcspn(host, "/?#");
  for (char *p = out; p < end; p++) *p = (char)tolower((unsigned char)*p);
  size_t len = strlen(out);
  while (len > (size_t)(host - out) && out[len - 1] == '/') out[--len] = 0;
}

void hm_target_identity(const cJSON *account, char *out, size_t n) {
  out[0] = 0;
  const char *domain = hm_rn_json_str(account, "domain");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(account, "id");
  size_t len = 0;
  if (domain) len = (size_t)snprintf(out, n, "domain=%s", domain);
  if (len >= n) return;
  if (cJSON_IsNumber(id))
    snprintf(out + len, n - len, "%sid=%.0f", len ? ", " : "", id->valuedouble);
  else if (cJSON_IsString(id))
    snprintf(out + len, n - len, "%sid=%s", len ? ", " : "", id->valuestring);
}

/* The account behind the connection: 0 with ident filled, -1 when no answer
 * came (ident ""), 3 credentials refused, 4 stopped. */
static int probe_account(hm_http *h, char *ident, size_t n, char *err, size_t errlen) {
  ident[0] = 0;
  hm_http_resp r;
  hm_http_set_attempts(h, 3);   /* a wrong --target should not take a minute to say so */
  hm_http_request(h, "GET", HM_GORGIAS_ROUTES.account, NULL, 1, &r);
  hm_http_set_attempts(h, 0);
  int rc = -1;
  if (r.status == 401 || r.status == 403) {
    snprintf(err, errlen, "Gorgias refused the credentials (%s): check GORGIAS_EMAIL and "
             "GORGIAS_API_KEY", r.err);
    rc = 3;
  } else if (r.status >= 200 && r.status < 300) {
    hm_target_identity(r.json, ident, n);
    hm_http_keep_account(h, r.json);
    rc = 0;
  } else if (hm_http_stopped(h)) {
    snprintf(err, errlen, "interrupted");
    rc = 4;
  } else {
    snprintf(err, errlen, "%s", r.err[0] ? r.err : "unexpected answer");
  }
  hm_http_resp_free(&r);
  return rc;
}

static const char *shown(const char *account) {
  return account[0] ? account : "account not identified";
}

static void refuse(const char *state_path, const char *old_url, const char *old_acc,
                   const char *url, const char *acc, char *err, size_t errlen) {
  snprintf(err, errlen,
           "%s belongs to another Gorgias account: it was made against %s (%s), and --target is "
           "%s (%s). Its ids are that account's: rollback here would delete, and run would skip, "
           "objects this state never made here. Use a new --state for this account; pass "
           "--retarget only if %s is the same account under a new address (see docs/run.md, "
           "\"Which account a state belongs to\")",
           state_path, old_url, shown(old_acc), url, shown(acc), url);
}

int hm_target_bind(hm_store *st, hm_http *h, const char *state_path, const char *target,
                   int retarget, int strict, const char *command, char *err, size_t errlen) {
  char url[512], acc[256], old_url[512] = "", old_acc[256] = "";
  hm_target_normalize(target, url, sizeof url);
  int probe = probe_account(h, acc, sizeof acc, err, errlen);
  if (probe > 0) return probe;
  if (probe < 0 && strict) {
    char why[600];
    snprintf(why, sizeof why, "%s", err);
    snprintf(err, errlen, "the target account is not reachable: %s", why);
    return 3;
  }
  const char *v = hm_store_get_meta(st, "target_url");
  int bound = v != NULL;
  if (v) snprintf(old_url, sizeof old_url, "%s", v);
  else if ((v = hm_store_last_run_target(st))) hm_target_normalize(v, old_url, sizeof old_url);
  v = bound ? hm_store_get_meta(st, "target_account") : NULL;
  if (v) snprintf(old_acc, sizeof old_acc, "%s", v);
  /* An account not identified on either side is judged by the URL alone. */
  int same_acc = !old_acc[0] || !acc[0] || !strcmp(old_acc, acc);
  int same = !old_url[0] || (!strcmp(old_url, url) && same_acc);
  if (probe < 0)
    fprintf(stderr, "hmaprun %s: warning: cannot identify the account at %s (%s); %s\n", command,
            url, err, same ? "the base URL matches the state's" : "another base URL");
  err[0] = 0;
  if (!same && !retarget) {
    refuse(state_path, old_url, old_acc, url, acc, err, errlen);
    return 2;
  }
  if (same && bound && (old_acc[0] || !acc[0])) return 0;   /* nothing new to record */
  if (hm_store_target_set(st, url, acc, command, !same && bound)) {
    snprintf(err, errlen, "%s: cannot record the target account in the state database", state_path);
    return 2;
  }
  if (!same)
    fprintf(stderr, "hmaprun %s: --retarget: %s is now bound to %s (%s); it was bound to %s (%s), "
            "kept in its history (hmaprun status)\n", command, state_path, url, shown(acc), old_url,
            shown(old_acc));
  return 0;
}

typedef struct history_ctx { cJSON *arr; } history_ctx;

static int show_former(void *ctx, const char *const *row) {
  history_ctx *c = ctx;
  if (!c->arr) {
    printf("  before: %s (%s), bound %s, replaced %s by %s --retarget\n", row[0], shown(row[1]),
           row[2], row[3], row[4]);
    return 0;
  }
  cJSON *o = cJSON_CreateObject();
  static const char *const names[] = { "url", "account", "bound", "replaced", "command" };
  for (int i = 0; i < 5; i++) cJSON_AddStringToObject(o, names[i], row[i]);
  cJSON_AddItemToArray(c->arr, o);
  return 0;
}

void hm_target_status(hm_store *st, cJSON *json) {
  char url[512] = "", acc[256] = "", bound[40] = "";
  const char *v = hm_store_get_meta(st, "target_url");
  if (v) snprintf(url, sizeof url, "%s", v);
  if ((v = hm_store_get_meta(st, "target_account"))) snprintf(acc, sizeof acc, "%s", v);
  if ((v = hm_store_get_meta(st, "target_bound"))) snprintf(bound, sizeof bound, "%s", v);
  history_ctx c = { NULL };
  if (json) {
    cJSON *t = cJSON_AddObjectToObject(json, "target");
    cJSON_AddStringToObject(t, "url", url);
    cJSON_AddStringToObject(t, "account", acc);
    cJSON_AddStringToObject(t, "bound", bound);
    c.arr = cJSON_AddArrayToObject(json, "former_targets");
  } else if (url[0]) {
    printf("target: %s (%s), bound %s\n", url, shown(acc), bound);
  } else {
    printf("target: none yet (bound at the first run)\n");
  }
  hm_store_each_target_history(st, show_former, &c);
}
