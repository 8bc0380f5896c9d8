/* hm_preflight: what must hold before the first write — the account answers,
 * the credentials are accepted, and no active automation rule listens to a
 * ticket event the run causes. A migration creates tickets (ticket-created),
 * with their messages (ticket-message-created), assignees (ticket-assigned),
 * status and tags, and updates some of them (ticket-updated): every `ticket-*`
 * event Gorgias has is one an import can cause, so a rule listening to any of
 * them could e-mail customers or bill imported tickets on each one
 * (gorgias-fidelity.md 1.1). Each is named with its events; the consultant
 * allows them all (--allow-active-rules) or by name (--allow-rule NAME).
 * Account settings that act on imported tickets (surveys, auto-merge, auto-
 * split, auto-assign) stop it the same way, named TYPE.KEY, unless allowed
 * (--allow-setting TYPE.KEY, --allow-active-settings).
 * Custom fields the map needs are created by the run itself; existing ones are
 * reused by the executor (looked up first). */
#include <stdio.h>
#include <string.h>
#include "rn.h"

typedef struct rules_ctx {
  const hm_rule_allow *allow, *pause;
  cJSON *to_pause;     /* the blockers the run pauses instead of refusing */
  hm_buf names, allowed, paused;
  int active, nallowed, npaused;
} rules_ctx;

static int ticket_event(const char *e) { return !strncmp(e, "ticket-", 7); }

/* The rule's ticket events, comma-separated into out; 0 when none. */
static int ticket_events(const cJSON *rule, hm_buf *out) {
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rule, "event_types");
  int n = 0;
  if (cJSON_IsString(ev)) {   /* "ticket-created,ticket-updated" */
    const char *p = ev->valuestring;
    while (*p) {
      size_t len = strcspn(p, ", ");
      char one[80];
      snprintf(one, sizeof one, "%.*s", (int)len, p);
      if (ticket_event(one)) hm_buf_printf(out, "%s%s", n++ ? ", " : "", one);
      p += len;
      p += strspn(p, ", ");
    }
  } else if (cJSON_IsArray(ev)) {
    const cJSON *it;
    cJSON_ArrayForEach(it, ev)
      if (cJSON_IsString(it) && ticket_event(it->valuestring))
        hm_buf_printf(out, "%s%s", n++ ? ", " : "", it->valuestring);
  }
  return n;
}

static int allowed(const hm_rule_allow *a, const char *name) {
  for (int i = 0; a && i < a->n; i++)
    if (!strcmp(a->names[i], name)) return 1;
  return a && a->all;
}

static cJSON *pause_item(const char *kind, const char *name, const char *path,
                         const char *member) {
  cJSON *it = cJSON_CreateObject();
  cJSON_AddStringToObject(it, "kind", kind);
  cJSON_AddStringToObject(it, "name", name);
  cJSON_AddStringToObject(it, "path", path);
  cJSON_AddStringToObject(it, "member", member);
  return it;
}

static void pause_rule(rules_ctx *rc, const cJSON *rule, const char *name) {
  char path[160];
  snprintf(path, sizeof path, "%s/%lld", HM_GORGIAS[HM_GK_RULE].collection,
           hm_rn_json_id(rule));
  cJSON_AddItemToArray(rc->to_pause, pause_item("rule", name, path, "deactivated_datetime"));
  rc->npaused++;
}

/* The paused ones as an info note: "N ... (paused for the run):LIST". */
static void note_paused(rules_ctx *rc, const char *what, hm_progress *p) {
  if (!rc->npaused) return;
  hm_buf b; hm_buf_init(&b);
  hm_buf_printf(&b, "%d %s (to pause for the run and put back at its end):%s", rc->npaused, what,
                hm_buf_cstr(&rc->paused));
  hm_progress_note(p, "info", hm_buf_cstr(&b));
  hm_buf_free(&b);
}

static void ctx_free(rules_ctx *rc) {
  hm_buf_free(&rc->names);
  hm_buf_free(&rc->allowed);
  hm_buf_free(&rc->paused);
}

/* What rules and settings preflight share once the blockers are sorted: the allowed
   ones as a warning, the refused ones as the error (head: what they do, advice: the
   options), the paused ones as a note; frees the context. 3 if any is refused. */
static int conclude(rules_ctx *rc, const char *what, const char *head, const char *advice,
                    hm_progress *p, char *err, size_t errlen) {
  if (rc->nallowed) {
    hm_buf b; hm_buf_init(&b);
    hm_buf_printf(&b, "%d %s (allowed):%s", rc->nallowed, what, hm_buf_cstr(&rc->allowed));
    hm_progress_note(p, "warning", hm_buf_cstr(&b));
    hm_buf_free(&b);
  }
  if (rc->active)
    snprintf(err, errlen, "%d %s:%s\n%s", rc->active, head, hm_buf_cstr(&rc->names), advice);
  note_paused(rc, what, p);
  int code = rc->active ? 3 : 0;
  ctx_free(rc);
  return code;
}

static int on_rule(void *ctx, const cJSON *rule) {
  rules_ctx *rc = ctx;
  const cJSON *deact = cJSON_GetObjectItemCaseSensitive(rule, "deactivated_datetime");
  if (deact && !cJSON_IsNull(deact)) return 0;
  hm_buf ev; hm_buf_init(&ev);
  if (ticket_events(rule, &ev)) {
    const char *name = hm_rn_json_str(rule, "name");
    name = name ? name : "";
    int ok = allowed(rc->allow, name);
    int pause = !ok && rc->to_pause && allowed(rc->pause, name);
    hm_buf_printf(ok ? &rc->allowed : pause ? &rc->paused : &rc->names,
                  "\n  rule %lld \"%s\" on %s", hm_rn_json_id(rule), name, hm_buf_cstr(&ev));
    if (ok) rc->nallowed++;
    else if (pause) pause_rule(rc, rule, name);
    else rc->active++;
  }
  hm_buf_free(&ev);
  return 0;
}

int hm_preflight(hm_http *h, const hm_rule_allow *allow, hm_progress *p, char *err,
                 size_t errlen) {
  int rc = hm_preflight_account(h, err, errlen);
  return rc ? rc : hm_preflight_rules(h, allow, p, err, errlen);
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

int hm_preflight_rules(hm_http *h, const hm_rule_allow *allow, hm_progress *p, char *err,
                       size_t errlen) {
  return hm_preflight_rules_pausing(h, allow, NULL, NULL, p, err, errlen);
}

int hm_preflight_rules_pausing(hm_http *h, const hm_rule_allow *allow,
                               const hm_rule_allow *pause, cJSON *to_pause, hm_progress *p,
                               char *err, size_t errlen) {
  rules_ctx rc = {.allow = allow, .pause = pause, .to_pause = to_pause};
  hm_buf_init(&rc.names);
  hm_buf_init(&rc.allowed);
  hm_buf_init(&rc.paused);
  /* every page: a rule past any cap could e-mail customers on each import */
  long lst = hm_http_list(h, HM_GORGIAS[HM_GK_RULE].collection, 0, on_rule, &rc, err, errlen);
  if (lst == 401 || lst == 403) { ctx_free(&rc); return 3; }
  if (lst) {
    char msg[700];
    snprintf(msg, sizeof msg,
             "cannot list automation rules (%s); make sure none listens to ticket events", err);
    hm_progress_note(p, "warning", msg);
    err[0] = 0;
  }
  return conclude(&rc, "active rule(s) listen to ticket events the run causes",
                  "active Gorgias rule(s) listen to ticket events the run causes (each imported "
                  "ticket is created, assigned, given messages, some updated) and could e-mail "
                  "customers or bill imported tickets",
                  "pause them for the run (--pause-rule NAME, or all with --pause-automation), "
                  "or allow them by name (--allow-rule NAME) or all (--allow-active-rules)",
                  p, err, errlen);
}

/* ---- account settings that act on imported tickets ---- */

static int acts_on_tickets(const char *type) {
  for (int i = 0; type && HM_GORGIAS_TICKET_SETTINGS[i]; i++)
    if (!strcmp(type, HM_GORGIAS_TICKET_SETTINGS[i])) return 1;
  return 0;
}

/* The switch at PATH (TYPE.KEY) of the setting with ID, to pause: its PUT path
   and its member in the setting object (data.KEY). Without an id it cannot be
   switched: it stays a blocker. */
static int pause_setting(rules_ctx *sc, long long id, const char *path) {
  if (id <= 0) return 0;
  char put[160], member[300];
  snprintf(put, sizeof put, "%s%lld", HM_GORGIAS_ROUTES.account_setting, id);
  snprintf(member, sizeof member, "data%s", path + strcspn(path, "."));
  cJSON_AddItemToArray(sc->to_pause, pause_item("setting", path, put, member));
  sc->npaused++;
  return 1;
}

/* Each switch that is on under v, as "\n  setting PATH", into the allowed, paused or
   refused list. */
static void settings_on(const cJSON *v, const char *path, long long id, rules_ctx *sc) {
  if (cJSON_IsTrue(v)) {
    int ok = allowed(sc->allow, path);
    int pause = !ok && sc->to_pause && allowed(sc->pause, path) && pause_setting(sc, id, path);
    hm_buf_printf(ok ? &sc->allowed : pause ? &sc->paused : &sc->names, "\n  setting %s", path);
    if (ok) sc->nallowed++;
    else if (!pause) sc->active++;
    return;
  }
  for (const cJSON *c = cJSON_IsObject(v) ? v->child : NULL; c; c = c->next) {
    char sub[256];
    snprintf(sub, sizeof sub, "%s.%s", path, c->string);
    settings_on(c, sub, id, sc);
  }
}

int hm_preflight_settings(hm_http *h, const hm_rule_allow *allow, hm_progress *p, char *err,
                          size_t errlen) {
  return hm_preflight_settings_pausing(h, allow, NULL, NULL, p, err, errlen);
}

int hm_preflight_settings_pausing(hm_http *h, const hm_rule_allow *allow,
                                  const hm_rule_allow *pause, cJSON *to_pause, hm_progress *p,
                                  char *err, size_t errlen) {
  hm_http_resp r = {0};
  const cJSON *set = hm_http_account_settings(h);   /* the binding's read, if it made one */
  if (!set) {
    hm_http_request(h, "GET", HM_GORGIAS_ROUTES.account, NULL, 1, &r);
    set = r.status >= 200 && r.status < 300
          ? cJSON_GetObjectItemCaseSensitive(r.json, "settings") : NULL;
  }
  rules_ctx sc = {.allow = allow, .pause = pause, .to_pause = to_pause};
  hm_buf_init(&sc.names);
  hm_buf_init(&sc.allowed);
  hm_buf_init(&sc.paused);
  for (const cJSON *s = cJSON_IsArray(set) ? set->child : NULL; s; s = s->next) {
    const char *type = hm_rn_json_str(s, "type");
    if (acts_on_tickets(type))
      settings_on(cJSON_GetObjectItemCaseSensitive(s, "data"), type, hm_rn_json_id(s), &sc);
  }
  if (!cJSON_IsArray(set))
    hm_progress_note(p, "warning", "the account lists no settings: make sure satisfaction "
                                   "surveys, auto-merge and auto-assign are off for the import");
  hm_http_resp_free(&r);
  return conclude(&sc, "account setting(s) act on imported tickets",
                  "account setting(s) act on the tickets the run imports (a survey mailed for "
                  "each closed ticket, tickets merged or reassigned)",
                  "pause them for the run (--pause-setting TYPE.KEY, or all with "
                  "--pause-automation), or allow them by name (--allow-setting TYPE.KEY) or all "
                  "(--allow-active-settings)",
                  p, err, errlen);
}

int hm_preflight_role(hm_http *h, hm_progress *p) {
  const cJSON *role = cJSON_GetObjectItemCaseSensitive(hm_http_account_user(h), "role");
  const char *name = cJSON_IsObject(role) ? hm_rn_json_str(role, "name") : NULL;
  if (!name || !strcmp(name, HM_GORGIAS_ROLE_ADMIN)) return 0;
  char msg[512];
  snprintf(msg, sizeof msg,
           "the key's user has the role \"%s\", not %s: Gorgias answers 403 to the writes "
           "that role may not make (creating agents needs an admin key); those records are "
           "reported refused with Gorgias' message and the rest of the migration goes on",
           name, HM_GORGIAS_ROLE_ADMIN);
  hm_progress_note(p, "warning", msg);
  return 1;
}
