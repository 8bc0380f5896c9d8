/* hm_preflight: what must hold before the first write — the account answers,
 * the credentials are accepted, and no active automation rule fires on
 * ticket-created or ticket-message-created (such rules can e-mail customers and
 * bill for every imported ticket). Custom fields the map needs are created by
 * the run itself; existing ones are reused by the executor (looked up first). */
#include <stdio.h>
#include <string.h>
#include "rn.h"

typedef struct rules_ctx { hm_buf names; int active; } rules_ctx;

static int fires_on_creation(const cJSON *rule) {
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rule, "event_types");
  const char *events = cJSON_IsString(ev) ? ev->valuestring : "";
  if (cJSON_IsArray(ev)) {
    const cJSON *it;
    cJSON_ArrayForEach(it, ev)
      if (cJSON_IsString(it) && (!strcmp(it->valuestring, "ticket-created") ||
                                 !strcmp(it->valuestring, "ticket-message-created"))) return 1;
    return 0;
  }
  return strstr(events, "ticket-created") || strstr(events, "ticket-message-created");
}

static int on_rule(void *ctx, const cJSON *rule) {
  rules_ctx *rc = ctx;
  const cJSON *deact = cJSON_GetObjectItemCaseSensitive(rule, "deactivated_datetime");
  if (deact && !cJSON_IsNull(deact)) return 0;
  if (!fires_on_creation(rule)) return 0;
  const char *name = hm_rn_json_str(rule, "name");
  hm_buf_printf(&rc->names, "\n  rule %lld \"%s\"", hm_rn_json_id(rule), name ? name : "");
  rc->active++;
  return 0;
}

int hm_preflight(hm_http *h, int allow_active_rules, hm_progress *p, char *err, size_t errlen) {
  int rc = hm_preflight_account(h, err, errlen);
  return rc ? rc : hm_preflight_rules(h, allow_active_rules, p, err, errlen);
}

int hm_preflight_account(hm_http *h, char *err, size_t errlen) {
  hm_http_resp r;
  hm_http_set_attempts(h, 3);   /* a wrong --target should not take a minute to say so */
  hm_http_request(h, "GET", HM_GORGIAS_ROUTES.account, NULL, 1, &r);
  hm_http_set_attempts(h, 0);
  long st = r.status;
  if (st == 401 || st == 403) {
    snprintf(err, errlen,
             "Gorgias refused the credentials (%s): check GORGIAS_EMAIL and GORGIAS_API_KEY",
             r.err);
    hm_http_resp_free(&r);
    return 3;
  }
  if (st < 200 || st >= 300) {
    snprintf(err, errlen, "the target account is not reachable: %s",
             r.err[0] ? r.err : "unexpected answer");
    hm_http_resp_free(&r);
    return hm_http_stopped(h) ? 4 : 3;
  }
  hm_http_resp_free(&r);
  return 0;
}

int hm_preflight_rules(hm_http *h, int allow_active_rules, hm_progress *p, char *err,
                       size_t errlen) {
  rules_ctx rc = { .active = 0 };
  hm_buf_init(&rc.names);
  /* every page: a rule past any cap could e-mail customers on each import */
  long lst = hm_http_list(h, HM_GORGIAS[HM_GK_RULE].collection, 0, on_rule, &rc, err, errlen);
  if (lst == 401 || lst == 403) { hm_buf_free(&rc.names); return 3; }
  if (lst) {
    char msg[700];
    snprintf(msg, sizeof msg,
             "cannot list automation rules (%s); make sure none fires on ticket creation", err);
    hm_progress_note(p, "warning", msg);
    err[0] = 0;
  }
  int rc_code = 0;
  if (rc.active) {
    if (allow_active_rules) {
      char *msg = NULL;
      hm_buf b; hm_buf_init(&b);
      hm_buf_printf(
          &b,
          "%d active rule(s) fire on ticket/message creation (allowed by --allow-active-rules):%s",
          rc.active, hm_buf_cstr(&rc.names));
      msg = (char *)hm_buf_cstr(&b);
      hm_progress_note(p, "warning", msg);
      hm_buf_free(&b);
    } else {
      snprintf(err, errlen,
               "%d active Gorgias rule(s) fire on ticket-created or ticket-message-created and "
               "could e-mail customers or bill imported tickets:%s\ndeactivate them during the "
               "import, or "
               "pass --allow-active-rules",
               rc.active, hm_buf_cstr(&rc.names));
      rc_code = 3;
    }
  }
  hm_buf_free(&rc.names);
  return rc_code;
}
