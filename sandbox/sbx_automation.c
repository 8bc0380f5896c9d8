/* sbx_automation: what Gorgias' automation does to a ticket behind the API's
 * back — stored rules (POST /api/rules) run on the ticket events Gorgias fires,
 * and the account settings that act on tickets (satisfaction surveys, auto-merge,
 * auto-assign, unassign on reply). Every firing is a stored "automation" object
 * (GET /_sandbox/automation); mail it would send is a stored "outbox" object
 * (GET /_sandbox/outbox). Both are written in the request's transaction, so a
 * refused request leaves no firing behind.
 *
 * Rules are JavaScript in Gorgias (gorgias-api.md §5.9); the sandbox reads a
 * documented subset of `code` (docs/sandbox.md "Automation"): conditions
 * `eq(ticket.F, 'v')` / `neq(...)` joined by && (any other condition is taken as
 * true: the sandbox assumes the rule fires), actions `Action('addTags', {tags:
 * 'a, b'})`, `Action('setStatus', {status: 'closed'})`, and the mail-sending
 * `sendEmail`, `replyToTicket`, `setResponseText`, `applyMacro`. Actions change
 * the ticket without firing events again. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>

/* ---- reading the rule's code ---- */

/* The quoted string starting at P ('...' or "..."), copied into OUT; returns the
 * character after the closing quote, or NULL. */
static const char *quoted(const char *p, char *out, size_t cap) {
  while (*p == ' ' || *p == '\t' || *p == '\n') p++;
  char q = *p;
  if (q != '\'' && q != '"') return NULL;
  const char *e = strchr(p + 1, q);
  if (!e) return NULL;
  size_t n = (size_t)(e - p - 1);
  if (n >= cap) n = cap - 1;
  memcpy(out, p + 1, n);
  out[n] = '\0';
  return e + 1;
}

/* The value of `KEY: '...'` inside the action's argument text [P, END). */
static int arg_of(const char *p, const char *end, const char *key, char *out, size_t cap) {
  size_t kl = strlen(key);
  for (const char *s = p; s && s < end; s++) {
    if (strncmp(s, key, kl) != 0) continue;
    const char *c = s + kl;
    while (*c == ' ') c++;
    if (*c != ':') continue;
    return quoted(c + 1, out, cap) ? 0 : -1;
  }
  return -1;
}

/* The end of the parenthesised call that starts at P (just after its '('). */
static const char *call_end(const char *p) {
  int depth = 1;
  for (; *p && depth; p++) {
    if (*p == '(') depth++;
    else if (*p == ')') depth--;
  }
  return p;
}

/* ---- the ticket the rule reads ---- */

static const char *ticket_field(const cJSON *t, const char *field, char *buf, size_t cap) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, field);
  if (cJSON_IsString(v)) return v->valuestring;
  if (cJSON_IsNumber(v)) { snprintf(buf, cap, "%.17g", v->valuedouble); return buf; }
  if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? "true" : "false";
  return "";
}

/* One `eq(ticket.F, 'v')` or `neq(...)` at P: 1 holds, 0 does not, -1 not modelled. */
static int condition(const char *p, const cJSON *t) {
  while (*p == ' ' || *p == '(') p++;
  int neg = strncmp(p, "neq(", 4) == 0;
  if (!neg && strncmp(p, "eq(", 3) != 0) return -1;
  p += neg ? 4 : 3;
  while (*p == ' ') p++;
  if (strncmp(p, "ticket.", 7) != 0) return -1;
  p += 7;
  char field[64], want[256], buf[32];
  size_t n = strcspn(p, ", )");
  if (n == 0 || n >= sizeof field) return -1;
  memcpy(field, p, n);
  field[n] = '\0';
  p += n;
  while (*p == ' ') p++;
  if (*p != ',' || !quoted(p + 1, want, sizeof want)) return -1;
  int eq = strcmp(ticket_field(t, field, buf, sizeof buf), want) == 0;
  return neg ? !eq : eq;
}

/* The rule's `if (...)` condition: 1 holds (or is not modelled), 0 does not.
 * *modelled is cleared when some part was taken as true. */
static int conditions_hold(const char *code, const cJSON *t, int *modelled) {
  *modelled = 1;
  const char *p = code;
  for (; (p = strstr(p, "if")) != NULL; p += 2) {  /* the keyword, not "notify" */
    const char *q = p + 2;
    while (*q == ' ') q++;
    int word = p > code && (p[-1] == '_' || ((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z'));
    if (*q == '(' && !word) break;
  }
  if (!p) return 1;
  p = strchr(p, '(');
  const char *end = call_end(p + 1);
  char cond[1024];
  size_t n = (size_t)(end - p - 2);
  if (n >= sizeof cond) { *modelled = 0; return 1; }
  memcpy(cond, p + 1, n);
  cond[n] = '\0';
  if (strcmp(cond, "true") == 0) return 1;
  for (char *part = cond; part;) {
    char *amp = strstr(part, "&&");
    if (amp) *amp = '\0';
    int c = condition(part, t);
    if (c == 0) return 0;
    if (c < 0) *modelled = 0;
    part = amp ? amp + 2 : NULL;
  }
  return 1;
}

/* ---- actions ---- */

static const char *const MAILERS[] = {"sendEmail", "replyToTicket", "setResponseText",
                                      "applyMacro", NULL};

static int is_mailer(const char *name) {
  for (int i = 0; MAILERS[i]; i++) if (strcmp(MAILERS[i], name) == 0) return 1;
  return 0;
}

static const char *customer_email(const cJSON *t) {
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(t, "customer"), "email");
  return cJSON_IsString(e) ? e->valuestring : NULL;
}

static void add_tags(hm_sbx_req *rq, cJSON *t, const char *list) {
  cJSON *tags = cJSON_GetObjectItemCaseSensitive(t, "tags");
  if (!cJSON_IsArray(tags)) tags = cJSON_AddArrayToObject(t, "tags");
  char buf[512];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *save = NULL, *name = strtok_r(buf, ",", &save); name;
       name = strtok_r(NULL, ",", &save)) {
    while (*name == ' ') name++;
    size_t n = strlen(name);
    while (n && name[n - 1] == ' ') name[--n] = '\0';
    hm_sbx_resp scratch = {0};
    cJSON *tag = n ? hm_sbx_tag_by_name(rq, &scratch, name, "tags") : NULL;
    cJSON_Delete(scratch.json);
    if (!tag) continue;
    int dup = 0;
    for (const cJSON *o = tags->child; o; o = o->next)
      if (cJSON_GetObjectItemCaseSensitive(o, "id")->valuedouble ==
          cJSON_GetObjectItemCaseSensitive(tag, "id")->valuedouble)
        dup = 1;
    if (!dup) {
      cJSON *c = cJSON_CreateObject();
      cJSON_AddItemToObject(c, "id", cJSON_Duplicate(cJSON_GetObjectItem(tag, "id"), 1));
      cJSON_AddStringToObject(c, "name", name);
      cJSON_AddNullToObject(c, "decoration");
      cJSON_AddItemToArray(tags, c);
    }
    cJSON_Delete(tag);
  }
}

/* Runs one action of rule NAME on ticket T; returns its record {name, effect}. */
static cJSON *run_action(hm_sbx_req *rq, const char *rule, long long tid, cJSON *t,
                         const char *action, const char *args, const char *end) {
  cJSON *a = cJSON_CreateObject();
  cJSON_AddStringToObject(a, "action", action);
  char v[512];
  if (strcmp(action, "addTags") == 0 && arg_of(args, end, "tags", v, sizeof v) == 0) {
    add_tags(rq, t, v);
    cJSON_AddStringToObject(a, "effect", "tags added");
  } else if (strcmp(action, "setStatus") == 0 && arg_of(args, end, "status", v, sizeof v) == 0 &&
             (strcmp(v, "open") == 0 || strcmp(v, "closed") == 0)) {
    hm_sbx_set_str(t, "status", v);
    cJSON_AddStringToObject(a, "effect", "status set");
  } else if (is_mailer(action)) {
    const char *to = customer_email(t);
    hm_sbx_outbox_add(rq, rule, tid, to ? to : "", action);
    cJSON_AddStringToObject(a, "effect", "outbox");
  } else {
    cJSON_AddStringToObject(a, "effect", "not modelled");
  }
  return a;
}

/* Every Action('name', {...}) in CODE, in order, run on T. */
static cJSON *run_actions(hm_sbx_req *rq, const char *rule, long long tid, cJSON *t,
                          const char *code) {
  cJSON *out = cJSON_CreateArray();
  for (const char *p = strstr(code, "Action("); p; p = strstr(p, "Action(")) {
    p += 7;
    const char *end = call_end(p);
    char name[64];
    const char *args = quoted(p, name, sizeof name);
    if (args) cJSON_AddItemToArray(out, run_action(rq, rule, tid, t, name, args, end));
    p = end;
  }
  return out;
}

/* ---- firing ---- */

static int listens(const cJSON *rule, const char *event) {
  const cJSON *ev = cJSON_GetObjectItemCaseSensitive(rule, "event_types"),
              *off = cJSON_GetObjectItemCaseSensitive(rule, "deactivated_datetime");
  if (cJSON_IsString(off) || !cJSON_IsString(ev)) return 0;
  size_t n = strlen(event);
  for (const char *p = ev->valuestring; (p = strstr(p, event)) != NULL; p += n) {
    int start = p == ev->valuestring || p[-1] == ',' || p[-1] == ' ';
    int stop = p[n] == '\0' || p[n] == ',' || p[n] == ' ';
    if (start && stop) return 1;
  }
  return 0;
}

static void record(hm_sbx_req *rq, const char *event, long long ticket_id, const char *source,
                   const char *name, cJSON *actions, cJSON *extra) {
  cJSON *f = cJSON_CreateObject();
  char now[40];
  hm_sbx_now(now);
  cJSON_AddStringToObject(f, "event", event);
  cJSON_AddStringToObject(f, "object_type", "Ticket");
  cJSON_AddNumberToObject(f, "object_id", (double)ticket_id);
  cJSON_AddStringToObject(f, "source", source);
  cJSON_AddStringToObject(f, "name", name);
  cJSON_AddItemToObject(f, "actions", actions ? actions : cJSON_CreateArray());
  if (extra) { hm_sbx_merge(f, extra); cJSON_Delete(extra); }
  cJSON_AddStringToObject(f, "datetime", now);
  hm_sbx_store_insert(rq->ctx->store, "automation", ticket_id, f, NULL);
  cJSON_Delete(f);
}

void hm_sbx_automation_record(hm_sbx_req *rq, const char *event, long long ticket_id,
                              const char *source, const char *name, cJSON *actions) {
  record(rq, event, ticket_id, source, name, actions, NULL);
}

void hm_sbx_outbox_add(hm_sbx_req *rq, const char *why, long long ticket_id, const char *to,
                       const char *subject) {
  cJSON *o = cJSON_CreateObject();
  char now[40];
  hm_sbx_now(now);
  cJSON_AddStringToObject(o, "kind", "automation");
  cJSON_AddStringToObject(o, "cause", why);
  cJSON_AddNumberToObject(o, "ticket_id", (double)ticket_id);
  cJSON_AddStringToObject(o, "to", to);
  cJSON_AddStringToObject(o, "subject", subject);
  cJSON_AddStringToObject(o, "created_datetime", now);
  hm_sbx_store_insert(rq->ctx->store, "outbox", ticket_id, o, NULL);
  cJSON_Delete(o);
}

/* Rules run highest priority first (§5.9), then in creation order. */
static int by_priority(const void *a, const void *b) {
  const cJSON *ra = *(const cJSON *const *)a, *rb = *(const cJSON *const *)b;
  double pa = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(ra, "priority")),
         pb = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rb, "priority"));
  pa = pa != pa ? 0 : pa;
  pb = pb != pb ? 0 : pb;
  if (pa != pb) return pa > pb ? -1 : 1;
  double ia = cJSON_GetObjectItemCaseSensitive(ra, "id")->valuedouble,
         ib = cJSON_GetObjectItemCaseSensitive(rb, "id")->valuedouble;
  return ia < ib ? -1 : ia > ib;
}

static void fire_rule(hm_sbx_req *rq, const char *event, long long tid, const cJSON *rule) {
  cJSON *t = hm_sbx_store_get(rq->ctx->store, "tickets", tid);
  if (!t) return;
  const cJSON *code = cJSON_GetObjectItemCaseSensitive(rule, "code"),
              *name = cJSON_GetObjectItemCaseSensitive(rule, "name");
  const char *src = cJSON_IsString(code) ? code->valuestring : "";
  const char *rname = cJSON_IsString(name) ? name->valuestring : "";
  int modelled;
  if (!conditions_hold(src, t, &modelled)) { cJSON_Delete(t); return; }
  cJSON *before = cJSON_Duplicate(t, 1);
  cJSON *acts = run_actions(rq, rname, tid, t, src);
  hm_sbx_store_put(rq->ctx->store, "tickets", tid, t);
  cJSON_Delete(t);
  hm_sbx_automation_settings(rq, tid, before, NULL, 0);  /* a rule that closes: a survey */
  cJSON_Delete(before);
  cJSON *extra = cJSON_CreateObject();  /* which rule, and whether its condition was read */
  cJSON_AddItemToObject(extra, "rule_id", cJSON_Duplicate(cJSON_GetObjectItem(rule, "id"), 1));
  cJSON_AddBoolToObject(extra, "condition_modelled", modelled);
  record(rq, event, tid, "rule", rname, acts, extra);
}

void hm_sbx_automation_fire(hm_sbx_req *rq, const char *event, long long ticket_id) {
  hm_sbx_query q = {.kind = "rules", .parent = -1};
  cJSON *rules = hm_sbx_store_query(rq->ctx->store, &q);
  int n = cJSON_GetArraySize(rules), k = 0;
  const cJSON **on = n ? calloc((size_t)n, sizeof *on) : NULL;
  for (const cJSON *r = rules ? rules->child : NULL; r && on; r = r->next)
    if (listens(r, event)) on[k++] = r;
  if (k) qsort(on, (size_t)k, sizeof *on, by_priority);
  for (int i = 0; i < k; i++) fire_rule(rq, event, ticket_id, on[i]);
  free(on);
  cJSON_Delete(rules);
}
