/* sbx_settings: the account settings that act on tickets (gorgias-fidelity.md
 * §1.9 from the [DTO] AccountSetting types; gorgias-api.md §6): satisfaction
 * surveys sent when a ticket closes, auto-merge of a customer's new ticket into
 * an open one, auto-assign to the responding agent and unassign on a customer
 * reply. All off unless `--setting` or PUT /_sandbox/settings switches them on;
 * GET /api/account lists them as Gorgias does (`settings: [{type, data}]`).
 * Also the sandbox routes that show what automation did. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char DEFAULTS[] =
    "{\"satisfaction-surveys\":{\"send_survey_for_email\":false,\"send_survey_for_chat\":false,"
    "\"send_survey_for_contact_form\":false,\"send_survey_for_help_center\":false,"
    "\"survey_interval\":0},"
    "\"auto-merge\":{\"tickets\":{\"enabled\":false,\"merging_window_days\":7}},"
    "\"ticket-assignment\":{\"auto_assign_ticket_to_responding_agent\":false,"
    "\"unassign_on_reply\":false}}";

cJSON *hm_sbx_settings_defaults(void) { return cJSON_Parse(DEFAULTS); }

/* The member at dotted PATH under ROOT (the type holds '-', keys do not). */
static cJSON *at(cJSON *root, const char *path, int create, const char **last) {
  char buf[160];
  snprintf(buf, sizeof buf, "%s", path);
  cJSON *o = root;
  char *save = NULL, *seg = strtok_r(buf, ".", &save), *next;
  for (; seg && o; seg = next) {
    next = strtok_r(NULL, ".", &save);
    if (!next) { *last = path + (seg - buf); return o; }
    cJSON *c = cJSON_GetObjectItemCaseSensitive(o, seg);
    if (!c && create) c = cJSON_AddObjectToObject(o, seg);
    o = cJSON_IsObject(c) ? c : NULL;
  }
  return NULL;
}

const cJSON *hm_sbx_setting(const hm_sbx_ctx *ctx, const char *path) {
  const char *last = NULL;
  cJSON *o = at(ctx->settings, path, 0, &last);
  return o ? cJSON_GetObjectItemCaseSensitive(o, last) : NULL;
}

static int on(const hm_sbx_ctx *ctx, const char *path) {
  return cJSON_IsTrue(hm_sbx_setting(ctx, path));
}

int hm_sbx_setting_parse(hm_sbx_ctx *ctx, const char *spec) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || (size_t)(eq - spec) >= 150) return -1;
  char path[160];
  snprintf(path, sizeof path, "%.*s", (int)(eq - spec), spec);
  cJSON *v = cJSON_Parse(eq + 1);
  const char *last = NULL;
  cJSON *o = v ? at(ctx->settings, path, 0, &last) : NULL;
  if (!o || !cJSON_GetObjectItemCaseSensitive(o, last)) { cJSON_Delete(v); return -1; }
  cJSON_ReplaceItemInObjectCaseSensitive(o, last, v);
  return 0;
}

static void all_to(cJSON *o, int on) {
  for (cJSON *c = o ? o->child : NULL; c; c = c->next)
    if (cJSON_IsBool(c)) c->type = (c->type & ~0xFF) | (on ? cJSON_True : cJSON_False);
    else all_to(c, on);
}

void hm_sbx_settings_all(hm_sbx_ctx *ctx, int on) { all_to(ctx->settings, on); }

/* A setting's id is its place in the list (1-based): Gorgias' AccountSetting
   objects carry an id, and the sandbox's list never changes order. */
cJSON *hm_sbx_settings_list(const hm_sbx_ctx *ctx) {
  cJSON *out = cJSON_CreateArray();
  int id = 0;
  for (const cJSON *t = ctx->settings ? ctx->settings->child : NULL; t; t = t->next) {
    cJSON *s = cJSON_CreateObject();
    cJSON_AddNumberToObject(s, "id", ++id);
    cJSON_AddStringToObject(s, "type", t->string);
    cJSON_AddItemToObject(s, "data", cJSON_Duplicate(t, 1));
    cJSON_AddItemToArray(out, s);
  }
  return out;
}

/* ---- the settings acting on one ticket ---- */

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int closed(const cJSON *t) {
  const char *s = t ? str(t, "status") : NULL;
  return s && strcmp(s, "closed") == 0;
}

static cJSON *one_action(const char *action, const char *effect) {
  cJSON *list = cJSON_CreateArray(), *a = cJSON_CreateObject();
  cJSON_AddStringToObject(a, "action", action);
  cJSON_AddStringToObject(a, "effect", effect);
  cJSON_AddItemToArray(list, a);
  return list;
}

/* A survey for a ticket that has just become closed, by the channel's switch. */
static void survey(hm_sbx_req *rq, long long tid, const cJSON *t, const cJSON *before) {
  if (!closed(t) || closed(before)) return;
  const char *ch = str(t, "channel");
  const char *key = !ch ? NULL
                    : strcmp(ch, "email") == 0 ? "satisfaction-surveys.send_survey_for_email"
                    : strcmp(ch, "chat") == 0 ? "satisfaction-surveys.send_survey_for_chat"
                    : strcmp(ch, "contact_form") == 0
                        ? "satisfaction-surveys.send_survey_for_contact_form"
                    : strcmp(ch, "help-center") == 0
                        ? "satisfaction-surveys.send_survey_for_help_center"
                        : NULL;
  if (!key || !on(rq->ctx, key)) return;
  const char *to = str(cJSON_GetObjectItemCaseSensitive(t, "customer"), "email");
  hm_sbx_outbox_add(rq, "satisfaction-surveys", tid, to ? to : "", "satisfaction survey");
  hm_sbx_automation_record(rq, "ticket-updated", tid, "setting", "satisfaction-surveys",
                           one_action("sendSatisfactionSurvey", "outbox"));
}

/* Auto-assign to the agent who answers, unassign when the customer replies. */
static int assignment(hm_sbx_req *rq, long long tid, cJSON *t, const cJSON *msg) {
  if (!msg) return 0;
  int agent = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(msg, "from_agent"));
  cJSON *cur = cJSON_GetObjectItemCaseSensitive(t, "assignee_user");
  int assigned = cJSON_IsObject(cur);
  if (agent && !assigned &&
      on(rq->ctx, "ticket-assignment.auto_assign_ticket_to_responding_agent")) {
    long long uid = 0;
    cJSON *u = hm_sbx_get_id(cJSON_GetObjectItemCaseSensitive(msg, "sender"), &uid) == 0
                   ? hm_sbx_store_get(rq->ctx->store, "users", uid) : NULL;
    if (!u) return 0;
    cJSON *ref = cJSON_CreateObject();
    cJSON_AddNumberToObject(ref, "id", (double)uid);
    cJSON_AddItemToObject(ref, "email", cJSON_Duplicate(cJSON_GetObjectItem(u, "email"), 1));
    cJSON_Delete(u);
    hm_sbx_set_item(t, "assignee_user", ref);
    hm_sbx_automation_record(rq, "ticket-message-created", tid, "setting", "ticket-assignment",
                             one_action("setAssignee", "assigned to the responding agent"));
    return 1;
  }
  if (!agent && assigned && on(rq->ctx, "ticket-assignment.unassign_on_reply")) {
    hm_sbx_set_item(t, "assignee_user", cJSON_CreateNull());
    hm_sbx_automation_record(rq, "ticket-message-created", tid, "setting", "ticket-assignment",
                             one_action("unassign", "unassigned on the customer's reply"));
  }
  return 0;
}

static double epoch(const char *iso) {
  struct tm tm = {0};
  if (!iso || sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                     &tm.tm_min, &tm.tm_sec) != 6)
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return (double)timegm(&tm);
}

/* Another open ticket of the same customer created within the window, or 0. */
static long long merge_target(hm_sbx_req *rq, long long tid, const cJSON *t) {
  const cJSON *cid = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(t, "customer"), "id");
  const cJSON *days = hm_sbx_setting(rq->ctx, "auto-merge.tickets.merging_window_days");
  if (!cJSON_IsNumber(cid)) return 0;
  char idtext[32];
  snprintf(idtext, sizeof idtext, "%lld", (long long)cid->valuedouble);
  hm_sbx_query q = {.kind = "tickets", .parent = -1, .nfilters = 1,
                    .fpath = {"$.customer.id"}, .fvalue = {idtext}};
  cJSON *rows = hm_sbx_store_query(rq->ctx->store, &q);
  double mine = epoch(str(t, "created_datetime"));
  double window = (cJSON_IsNumber(days) ? days->valuedouble : 0) * 86400;
  long long found = 0;
  for (const cJSON *o = rows ? rows->child : NULL; o && !found; o = o->next) {
    long long oid = (long long)cJSON_GetObjectItemCaseSensitive(o, "id")->valuedouble;
    double when = epoch(str(o, "created_datetime"));
    if (oid != tid && !closed(o) && !str(o, "trashed_datetime") && when >= 0 && mine >= 0 &&
        (mine - when <= window && when - mine <= window))
      found = oid;
  }
  cJSON_Delete(rows);
  return found;
}

/* The new ticket's messages move to the older ticket and the new one is gone. */
static int auto_merge(hm_sbx_req *rq, long long tid, const cJSON *t) {
  if (!on(rq->ctx, "auto-merge.tickets.enabled")) return 0;
  long long into = merge_target(rq, tid, t);
  if (!into) return 0;
  hm_sbx_query q = {.kind = "messages", .parent = tid};
  cJSON *msgs = hm_sbx_store_query(rq->ctx->store, &q);
  for (cJSON *m = msgs ? msgs->child : NULL; m; m = m->next) {
    char uri[96];
    snprintf(uri, sizeof uri, "/api/tickets/%lld/messages/%%lld/", into);
    hm_sbx_set_num(m, "ticket_id", (double)into);
    hm_sbx_store_insert(rq->ctx->store, "messages", into, m, uri);
  }
  cJSON_Delete(msgs);
  hm_sbx_store_delete_children(rq->ctx->store, "messages", tid);
  hm_sbx_store_delete(rq->ctx->store, "tickets", tid);
  char what[96];
  snprintf(what, sizeof what, "ticket %lld merged into this one", tid);
  hm_sbx_automation_record(rq, "ticket-created", into, "setting", "auto-merge",
                           one_action("mergeTickets", what));
  return 1;
}

void hm_sbx_automation_settings(hm_sbx_req *rq, long long tid, const cJSON *before,
                                const cJSON *msg, int created) {
  cJSON *t = hm_sbx_store_get(rq->ctx->store, "tickets", tid);
  if (!t) return;
  if (created && auto_merge(rq, tid, t)) { cJSON_Delete(t); return; }
  int assigned = assignment(rq, tid, t, msg);
  hm_sbx_store_put(rq->ctx->store, "tickets", tid, t);
  survey(rq, tid, t, before);
  cJSON_Delete(t);
  if (assigned) hm_sbx_automation_fire(rq, "ticket-assigned", tid);
}

/* ---- sandbox routes ---- */

static void list_kind(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind) {
  hm_sbx_query q = {.kind = kind, .parent = -1};
  cJSON *rows = hm_sbx_store_query(rq->ctx->store, &q), *root = cJSON_CreateObject();
  cJSON_AddItemToObject(root, "data", rows ? rows : cJSON_CreateArray());
  hm_sbx_json(rs, 200, root);
}

static void automation_get(hm_sbx_req *rq, hm_sbx_resp *rs) { list_kind(rq, rs, "automation"); }

static void settings_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  hm_sbx_json(rs, 200, cJSON_Duplicate(rq->ctx->settings, 1));
}

/* {"type.key": value, ...}: each must name an existing setting; all or none apply */
static void settings_put(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *kept = rq->ctx->settings;
  rq->ctx->settings = cJSON_Duplicate(kept, 1);
  for (const cJSON *m = b->child; m; m = m->next) {
    char *v = cJSON_PrintUnformatted(m), spec[512];
    snprintf(spec, sizeof spec, "%s=%s", m->string, v ? v : "null");
    free(v);
    if (hm_sbx_setting_parse(rq->ctx, spec) != 0) {
      cJSON_Delete(rq->ctx->settings);
      rq->ctx->settings = kept;
      hm_sbx_error(rs, 400, "%s: no such setting.", m->string);
      return;
    }
  }
  cJSON_Delete(kept);
  settings_get(rq, rs);
}

/* Every member of GIVEN names a member of CUR of the same JSON type (numbers,
   booleans, strings, objects recursively); the first that does not into BAD. */
static int same_shape(const cJSON *given, const cJSON *cur, char *bad, size_t cap) {
  for (const cJSON *g = given->child; g; g = g->next) {
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(cur, g->string);
    int ok = c && (cJSON_IsBool(g) ? cJSON_IsBool(c) : (g->type & 0xFF) == (c->type & 0xFF));
    if (ok && cJSON_IsObject(g)) ok = same_shape(g, c, bad, cap) == 0;
    else if (!ok) snprintf(bad, cap, "%s", g->string);
    if (!ok) return -1;
  }
  return 0;
}

static void merge_into(cJSON *cur, const cJSON *given) {
  for (const cJSON *g = given->child; g; g = g->next) {
    cJSON *c = cJSON_GetObjectItemCaseSensitive(cur, g->string);
    if (cJSON_IsObject(g)) merge_into(c, g);
    else cJSON_ReplaceItemInObjectCaseSensitive(cur, g->string, cJSON_Duplicate(g, 1));
  }
}

/* PUT /api/account/settings/{id} {"type", "data"}: the members of `data` given
   replace the setting's (docs/sandbox.md "Account settings": the path is the
   [DTO]'s AccountSetting id read as a REST resource, unconfirmed); an unknown
   member or one of another type is a 400, a `type` that is not the setting's a
   400, an unknown id a 404. Answers the setting as GET /api/account lists it. */
void hm_sbx_setting_put(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b || hm_sbx_check(rq, rs, "AccountSetting", b, HM_SBX_UPDATE) != 0) return;
  cJSON *t = rq->ctx->settings ? rq->ctx->settings->child : NULL;
  for (long long i = 1; t && i < rq->id[0]; i++) t = t->next;
  if (rq->id[0] < 1 || !t) { hm_sbx_error(rs, 404, "Account setting not found."); return; }
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(b, "type");
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(b, "data");
  char bad[128] = "";
  if (type && (!cJSON_IsString(type) || strcmp(type->valuestring, t->string) != 0)) {
    hm_sbx_field_error(rs, "type", "is not this setting's type.");
    return;
  }
  if (!cJSON_IsObject(data)) { hm_sbx_field_error(rs, "data", "must be an object."); return; }
  if (same_shape(data, t, bad, sizeof bad) != 0) {
    hm_sbx_error(rs, 400, "data.%s: unknown member or wrong type.", bad);
    return;
  }
  merge_into(t, data);
  cJSON *list = hm_sbx_settings_list(rq->ctx);
  hm_sbx_json(rs, 200, cJSON_DetachItemFromArray(list, (int)rq->id[0] - 1));
  cJSON_Delete(list);
}

static void tokens_expire(hm_sbx_req *rq, hm_sbx_resp *rs) {
  hm_sbx_tokens_expire(&rq->ctx->tokens);
  hm_sbx_empty(rs, 204);
}

const hm_sbx_route hm_sbx_routes_automation[] = {
  {"GET", "/_sandbox/automation", automation_get, NULL},
  {"GET", "/_sandbox/settings", settings_get, NULL},
  {"PUT", "/_sandbox/settings", settings_put, NULL},
  {"POST", "/_sandbox/help-center/expire-tokens", tokens_expire, NULL},
  {NULL, NULL, NULL, NULL},
};
