/* sbx_routes_tickets: tickets (1..500 messages on create, backdated datetimes
 * stored as given, cursor lists with the external_id/customer_id/trashed
 * filters), their tag sub-routes, and messages (created
 * on a ticket, listed by /api/messages?ticket_id=) — reference §5.1, §5.2.
 * Messages are stored apart from their ticket (parent = ticket id) so a ticket
 * with 500 messages is not rewritten when one more is added. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>


/* ---- references embedded in a ticket ---- */

static cJSON *compact(const cJSON *doc, const char *const *keys) {
  cJSON *o = cJSON_CreateObject();
  for (int i = 0; keys[i]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, keys[i]);
    cJSON_AddItemToObject(o, keys[i], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
  }
  return o;
}

static const char *const PERSON_KEYS[] = {"id", "email", "name", "firstname", "lastname", NULL};
static const char *const TEAM_KEYS[] = {"id", "name", "decoration", NULL};
static const char *const TAG_KEYS[] = {"id", "name", "decoration", NULL};

static int ref_error(hm_sbx_resp *rs, const char *field, const char *what, long long id) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: no %s with id %lld.", field, what, id);
  hm_sbx_field_error(rs, field, msg);
  return -1;
}

/* customer: {id} must exist; {email[, name]} finds or creates the customer. */
static int resolve_customer(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc) {
  cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "customer");
  if (!c || cJSON_IsNull(c)) return 0;
  long long id = 0;
  hm_sbx_store *st = rq->ctx->store;
  if (hm_sbx_get_id(c, &id) != 0) {
    const cJSON *email = cJSON_GetObjectItemCaseSensitive(c, "email");
    if (!cJSON_IsString(email)) {
      hm_sbx_field_error(rs, "customer", "customer: needs an id or an email.");
      return -1;
    }
    id = hm_sbx_find(st, "customers", "$.email", email->valuestring);
    if (!id) {
      cJSON *nc = cJSON_Duplicate(c, 1);
      char now[40];
      hm_sbx_now(now);
      hm_sbx_set_str(nc, "created_datetime", now);
      hm_sbx_set_str(nc, "updated_datetime", now);
      id = hm_sbx_store_insert(st, "customers", 0, nc, "/api/customers/%lld/");
      cJSON_Delete(nc);
    }
  }
  cJSON *cust = hm_sbx_store_get(st, "customers", id);
  if (!cust) return ref_error(rs, "customer", "customer", id);
  cJSON_ReplaceItemInObjectCaseSensitive(doc, "customer", compact(cust, PERSON_KEYS));
  cJSON_Delete(cust);
  return 0;
}

static int resolve_ref(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc, const char *field,
                       const char *kind, const char *what, const char *const *keys) {
  cJSON *r = cJSON_GetObjectItemCaseSensitive(doc, field);
  if (!r || cJSON_IsNull(r)) return 0;
  const cJSON *idv = cJSON_IsObject(r) ? cJSON_GetObjectItemCaseSensitive(r, "id") : r;
  if (cJSON_IsNull(idv)) {
    cJSON_ReplaceItemInObjectCaseSensitive(doc, field, cJSON_CreateNull());
    return 0;
  } /* unassign */
  long long id;
  if (hm_sbx_get_id(r, &id) != 0) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s: must be an object with an id.", field);
    hm_sbx_field_error(rs, field, msg);
    return -1;
  }
  cJSON *o = hm_sbx_store_get(rq->ctx->store, kind, id);
  if (!o) return ref_error(rs, field, what, id);
  cJSON_ReplaceItemInObjectCaseSensitive(doc, field, compact(o, keys));
  cJSON_Delete(o);
  return 0;
}

cJSON *hm_sbx_tag_by_name(hm_sbx_req *rq, hm_sbx_resp *rs, const char *name, const char *field) {
  size_t n = 0;
  for (const char *p = name; *p; p++) if (((unsigned char)*p & 0xC0) != 0x80) n++;
  if (n < 1 || n > 256) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: a tag name must be 1 to 256 characters long.", field);
    hm_sbx_field_error(rs, field, msg);
    return NULL;
  }
  hm_sbx_store *st = rq->ctx->store;
  long long id = hm_sbx_find(st, "tags", "$.name", name);
  if (id) return hm_sbx_store_get(st, "tags", id);
  cJSON *t = cJSON_CreateObject();
  cJSON_AddStringToObject(t, "name", name);
  cJSON_AddNullToObject(t, "description");
  cJSON_AddNullToObject(t, "decoration");
  char now[40];
  hm_sbx_now(now);
  cJSON_AddStringToObject(t, "created_datetime", now);
  if (hm_sbx_store_insert(st, "tags", 0, t, "/api/tags/%lld/") < 0) {
    cJSON_Delete(t);
    hm_sbx_error(rs, 500, "Storage error.");
    return NULL;
  }
  return t;
}

/* ticket tags from either wire form: ["a", "b"] or [{"name": "a"}] (or {"id": n}) */
static cJSON *resolve_tags(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *tags) {
  cJSON *out = cJSON_CreateArray();
  int i = 0;
  for (const cJSON *t = tags->child; t; t = t->next, i++) {
    char field[32];
    snprintf(field, sizeof field, "tags[%d]", i);
    const cJSON *name = cJSON_IsString(t) ? t : cJSON_GetObjectItemCaseSensitive(t, "name");
    cJSON *tag = NULL;
    long long id;
    if (cJSON_IsString(name)) tag = hm_sbx_tag_by_name(rq, rs, name->valuestring, field);
    else if (hm_sbx_get_id(t, &id) == 0) {
      tag = hm_sbx_store_get(rq->ctx->store, "tags", id);
      if (!tag) ref_error(rs, field, "tag", id);
    } else {
      char msg[96];
      snprintf(msg, sizeof msg, "%s: must be a tag name or an object with a name.", field);
      hm_sbx_field_error(rs, field, msg);
    }
    if (!tag) { cJSON_Delete(out); return NULL; }
    int dup = 0;
    for (const cJSON *o = out->child; o; o = o->next)
      if (cJSON_GetObjectItemCaseSensitive(o, "id")->valuedouble ==
          cJSON_GetObjectItemCaseSensitive(tag, "id")->valuedouble)
        dup = 1;
    if (!dup) cJSON_AddItemToArray(out, compact(tag, TAG_KEYS));
    cJSON_Delete(tag);
  }
  return out;
}

/* The schema's `tags` is a list of names: give the validator that shape. */
static void tags_to_names(cJSON *shadow) {
  cJSON *tags = cJSON_GetObjectItemCaseSensitive(shadow, "tags");
  if (!cJSON_IsArray(tags)) return;
  for (cJSON *t = tags->child; t; t = t->next) {
    const cJSON *name = cJSON_IsObject(t) ? cJSON_GetObjectItemCaseSensitive(t, "name") : NULL;
    if (cJSON_IsString(name)) {
      cJSON *s = cJSON_CreateString(name->valuestring);
      cJSON_ReplaceItemViaPointer(tags, t, s);
      t = s;
    }
  }
}

/* Resolves every reference of a ticket body (create or update) in place. */
static int resolve_ticket(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc, const cJSON *wire) {
  if (resolve_customer(rq, rs, doc) != 0 ||
      resolve_ref(rq, rs, doc, "assignee_user", "users", "user", PERSON_KEYS) != 0 ||
      resolve_ref(rq, rs, doc, "assignee_team", "teams", "team", TEAM_KEYS) != 0)
    return -1;
  const cJSON *tags = cJSON_GetObjectItemCaseSensitive(wire, "tags");
  if (cJSON_IsArray(tags)) {
    cJSON *t = resolve_tags(rq, rs, tags);
    if (!t) return -1;
    hm_sbx_set_item(doc, "tags", t);
  }
  const cJSON *cf = cJSON_GetObjectItemCaseSensitive(doc, "custom_fields");
  if (cJSON_IsArray(cf)) {
    cJSON *v = hm_sbx_field_values(rq, rs, cf, "Ticket", "custom_fields");
    if (!v) return -1;
    hm_sbx_set_item(doc, "custom_fields", v);
  }
  return 0;
}

/* ---- messages ---- */

static int message_is_public(const cJSON *m) {
  const cJSON *ch = cJSON_GetObjectItemCaseSensitive(m, "channel");
  return !(cJSON_IsString(ch) && strcmp(ch->valuestring, "internal-note") == 0);
}

static long long insert_message(hm_sbx_req *rq, long long ticket_id, cJSON *m) {
  char now[40];
  hm_sbx_now(now);
  hm_sbx_set_num(m, "ticket_id", (double)ticket_id);
  if (!cJSON_GetObjectItemCaseSensitive(m, "public"))
    cJSON_AddBoolToObject(m, "public", message_is_public(m));
  if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "created_datetime")))
    hm_sbx_set_str(m, "created_datetime", now);
  if (!cJSON_GetObjectItemCaseSensitive(m, "sent_datetime"))
    cJSON_AddNullToObject(m, "sent_datetime");
  char uri_fmt[96];  /* the ticket part fixed now, the message id left to the store */
  snprintf(uri_fmt, sizeof uri_fmt, "/api/tickets/%lld/messages/%%lld/", ticket_id);
  return hm_sbx_store_insert(rq->ctx->store, "messages", ticket_id, m, uri_fmt);
}

static cJSON *ticket_messages(hm_sbx_req *rq, long long ticket_id) {
  hm_sbx_query q = {.kind = "messages", .parent = ticket_id};
  cJSON *rows = hm_sbx_store_query(rq->ctx->store, &q);
  return rows ? rows : cJSON_CreateArray();
}

/* Keeps the ticket's message count in step. Its time-line fields are what the
 * request said, or now: a create keeps last_message_datetime and
 * last_received_message_datetime when given and stamps them now otherwise, a
 * new message (NEW_MSG) stamps them now — never a date taken from the messages,
 * which nothing shows Gorgias does (gorgias-fidelity.md §1.8). */
static void touch_ticket(hm_sbx_req *rq, long long ticket_id, int creating, const cJSON *new_msg) {
  cJSON *t = hm_sbx_store_get(rq->ctx->store, "tickets", ticket_id);
  if (!t) return;
  cJSON *msgs = ticket_messages(rq, ticket_id);
  int n = cJSON_GetArraySize(msgs), incoming = 0;
  for (const cJSON *m = msgs->child; m; m = m->next)
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "from_agent"))) incoming = 1;
  hm_sbx_set_num(t, "messages_count", n);
  char now[40];
  hm_sbx_now(now);
  int is_in = new_msg && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(new_msg, "from_agent"));
  if (new_msg || (creating && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
                                  t, "last_message_datetime"))))
    hm_sbx_set_str(t, "last_message_datetime", now);
  if (is_in || (creating && incoming && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
                                            t, "last_received_message_datetime"))))
    hm_sbx_set_str(t, "last_received_message_datetime", now);
  if (!creating) hm_sbx_set_str(t, "updated_datetime", now);
  hm_sbx_store_put(rq->ctx->store, "tickets", ticket_id, t);
  cJSON_Delete(msgs);
  cJSON_Delete(t);
}

/* --anonymous-sender refuse: a sender object with neither id nor email is a 400
 * (gorgias-fidelity.md §1.4: real clients always send one; one source). */
static int anonymous_sender(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *m, const char *prefix) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(m, "sender");
  if (!rq->ctx->refuse_anonymous_sender || !cJSON_IsObject(s)) return 0;
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "id"),
              *em = cJSON_GetObjectItemCaseSensitive(s, "email");
  if (cJSON_IsNumber(id) || (cJSON_IsString(em) && *em->valuestring)) return 0;
  char field[48], msg[96];
  snprintf(field, sizeof field, "%ssender", prefix);
  snprintf(msg, sizeof msg, "%s: needs an id or an email.", field);
  hm_sbx_field_error(rs, field, msg);
  return -1;
}

static int anonymous_senders(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *msgs) {
  int i = 0;
  for (const cJSON *m = msgs ? msgs->child : NULL; m; m = m->next, i++) {
    char prefix[32];
    snprintf(prefix, sizeof prefix, "messages[%d].", i);
    if (anonymous_sender(rq, rs, m, prefix) != 0) return -1;
  }
  return 0;
}

/* The events Gorgias fires on a ticket that was just created. */
static void created_events(hm_sbx_req *rq, long long id) {
  hm_sbx_automation_settings(rq, id, NULL, NULL, 1);
  cJSON *t = hm_sbx_store_get(rq->ctx->store, "tickets", id);
  if (!t) return;  /* merged away */
  int assigned = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(t, "assignee_user"));
  cJSON_Delete(t);
  hm_sbx_automation_fire(rq, "ticket-created", id);
  hm_sbx_automation_fire(rq, "ticket-updated", id);
  if (assigned) hm_sbx_automation_fire(rq, "ticket-assigned", id);
}

/* After a PUT: "ticket updated" always, "ticket assigned" when the assignee changed to someone. */
static void ticket_updated(hm_sbx_req *rq, long long id, const cJSON *before) {
  cJSON *t = hm_sbx_store_get(rq->ctx->store, "tickets", id);
  if (!t) return;
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(t, "assignee_user"),
              *b = cJSON_GetObjectItemCaseSensitive(before, "assignee_user");
  long long ai = 0, bi = 0;
  int now_assigned = hm_sbx_get_id(a, &ai) == 0;
  int changed = now_assigned && (hm_sbx_get_id(b, &bi) != 0 || ai != bi);
  cJSON_Delete(t);
  hm_sbx_automation_settings(rq, id, before, NULL, 0);
  hm_sbx_automation_fire(rq, "ticket-updated", id);
  if (changed) hm_sbx_automation_fire(rq, "ticket-assigned", id);
}

/* ---- tickets ---- */

static void ticket_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *doc = cJSON_Duplicate(b, 1);
  tags_to_names(doc);
  if (hm_sbx_check(rq, rs, hm_sbx_res_tickets.target, doc, HM_SBX_CREATE) != 0) {
    cJSON_Delete(doc);
    return;
  }
  cJSON *msgs = cJSON_DetachItemFromObjectCaseSensitive(doc, "messages");
  int n = cJSON_GetArraySize(msgs);
  if (!rq->ctx->schema && (n < 1 || n > 500)) {
    hm_sbx_field_error(rs, "messages",
                       n < 1 ? "messages: must contain at least 1 item(s)."
                             : "messages: must contain at most 500 item(s).");
    cJSON_Delete(msgs); cJSON_Delete(doc);
    return;
  }
  /* Gorgias takes the customer from the first incoming message's sender */
  const cJSON *first = msgs ? msgs->child : NULL,
              *sender = first ? cJSON_GetObjectItemCaseSensitive(first, "sender") : NULL;
  if (!cJSON_GetObjectItemCaseSensitive(doc, "customer") && cJSON_IsObject(sender) &&
      !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(first, "from_agent")))
    cJSON_AddItemToObject(doc, "customer", cJSON_Duplicate(sender, 1));
  if (anonymous_senders(rq, rs, msgs) != 0 || resolve_ticket(rq, rs, doc, b) != 0) {
    cJSON_Delete(msgs);
    cJSON_Delete(doc);
    return;
  }
  /* --opened-datetime drop: accepted (it is a CreateTicket field) but not kept */
  if (rq->ctx->drop_opened) cJSON_DeleteItemFromObjectCaseSensitive(doc, "opened_datetime");
  hm_sbx_crud_fill(&hm_sbx_res_tickets, doc);
  long long id = hm_sbx_create(rq, rs, hm_sbx_res_tickets.kind, 0, doc, hm_sbx_res_tickets.uri);
  if (id < 0) { cJSON_Delete(msgs); return; }
  for (cJSON *m = msgs ? msgs->child : NULL; m; m = m->next)
    if (insert_message(rq, id, m) < 0) {
      cJSON_Delete(msgs);
      hm_sbx_error(rs, 500, "Storage error.");
      return;
    }
  touch_ticket(rq, id, 1, NULL);
  cJSON *t = hm_sbx_store_get(rq->ctx->store, "tickets", id);
  if (!t) { cJSON_Delete(msgs); hm_sbx_error(rs, 500, "Storage error."); return; }
  cJSON_AddItemToObject(t, "messages", msgs);
  hm_sbx_json(rs, 201, t);  /* the ticket as created: automation acts after */
  created_events(rq, id);
}

static int ticket_list_args(hm_sbx_req *rq, hm_sbx_resp *rs, hm_sbx_query *q) {
  const char *trashed = hm_sbx_query_arg(rq, "trashed");
  if (trashed && strcmp(trashed, "false") == 0) {
    q->fpath[q->nfilters] = "$.trashed_datetime";
    q->fvalue[q->nfilters++] = NULL;
  } else if (trashed && strcmp(trashed, "true") != 0) {
    hm_sbx_field_error(rs, "trashed", "trashed: must be true or false.");
    return -1;
  }
  return 0;
}

/* one ticket is shown with its messages; lists carry messages_count only */
static void with_messages(hm_sbx_req *rq, cJSON *t) {
  long long id = 0;
  hm_sbx_get_id(t, &id);
  cJSON_AddItemToObject(t, "messages", ticket_messages(rq, id));
}

static int resolve_update(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc, long long self) {
  (void)self;
  return resolve_ticket(rq, rs, doc, rq->json);
}

static int is_bool(const cJSON *v) { return cJSON_IsBool(v); }

/* POST is ticket_create; the rows below it (update, get, list, delete) are generic */
const hm_sbx_resource hm_sbx_res_tickets = {
    .kind = "tickets",
    .label = "Ticket",
    .target = "Ticket",
    .uri = "/api/tickets/%lld/",
    .filters = (const hm_sbx_filter[]){{"external_id", "$.external_id", 0},
                                       {"customer_id", "$.customer.id", 0},
                                       {NULL, NULL, 0}},
    .order_by = (const char *const[]){"created_datetime", "updated_datetime", NULL},
    .extras = (const hm_sbx_extra[]){{"is_unread", is_bool, "is_unread: must be a boolean."},
                                     {NULL, NULL, NULL}}, /* update-only wire field */
    .fills = (const hm_sbx_fill[]){{"tags", "[]"}, {"trashed_datetime", "null"}, {NULL, NULL}},
    .child_kind = "messages",
    .to_schema = tags_to_names,
    .resolve = resolve_update,
    .after_update = ticket_updated,
    .show = with_messages,
    .list_args = ticket_list_args,
};

/* ---- ticket tags: {"ids": [...], "names": [...]} ---- */

static cJSON *tags_from_body(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *b) {
  const cJSON *ids = cJSON_GetObjectItemCaseSensitive(b, "ids"),
              *names = cJSON_GetObjectItemCaseSensitive(b, "names");
  if ((ids && !cJSON_IsArray(ids)) || (names && !cJSON_IsArray(names))) {
    hm_sbx_field_error(rs, ids && !cJSON_IsArray(ids) ? "ids" : "names",
                       "ids and names: must be lists.");
    return NULL;
  }
  for (const cJSON *m = b->child; m; m = m->next)
    if (strcmp(m->string, "ids") != 0 && strcmp(m->string, "names") != 0) {
      char msg[128];
      snprintf(msg, sizeof msg, "%s: unknown field.", m->string);
      hm_sbx_field_error(rs, m->string, msg);
      return NULL;
    }
  cJSON *all = cJSON_CreateArray();
  for (const cJSON *i = ids ? ids->child : NULL; i; i = i->next)
    cJSON_AddItemToArray(all, cJSON_Duplicate(i, 1));
  for (const cJSON *n = names ? names->child : NULL; n; n = n->next)
    cJSON_AddItemToArray(all, cJSON_Duplicate(n, 1));
  cJSON *out = resolve_tags(rq, rs, all);
  cJSON_Delete(all);
  return out;
}

static int has_tag(const cJSON *list, double id) {
  for (const cJSON *t = list->child; t; t = t->next)
    if (cJSON_GetObjectItemCaseSensitive(t, "id")->valuedouble == id) return 1;
  return 0;
}

/* POST adds (201), PUT replaces (202), DELETE removes (204); all answer empty */
static void ticket_tags_change(hm_sbx_req *rq, hm_sbx_resp *rs) {
  int add = strcmp(rq->method, "POST") == 0, replace = strcmp(rq->method, "PUT") == 0;
  long long id;
  cJSON *b = hm_sbx_body(rq, rs, 0), *t = b ? hm_sbx_crud_load(rq, rs, &id) : NULL;
  if (!t) return;
  cJSON *given = tags_from_body(rq, rs, b);
  if (!given) { cJSON_Delete(t); return; }
  cJSON *cur = cJSON_GetObjectItemCaseSensitive(t, "tags");
  cJSON *out = cJSON_CreateArray();
  if (!replace && cJSON_IsArray(cur))
    for (const cJSON *c = cur->child; c; c = c->next)
      if (add || !has_tag(given, cJSON_GetObjectItemCaseSensitive(c, "id")->valuedouble))
        cJSON_AddItemToArray(out, cJSON_Duplicate(c, 1));
  if (add || replace)
    for (const cJSON *g = given->child; g; g = g->next)
      if (!has_tag(out, cJSON_GetObjectItemCaseSensitive(g, "id")->valuedouble))
        cJSON_AddItemToArray(out, cJSON_Duplicate(g, 1));
  cJSON_Delete(given);
  hm_sbx_set_item(t, "tags", out);
  hm_sbx_save(rq, rs, "tickets", id, t, 200);
  if (rs->status >= 400) return;
  hm_sbx_empty(rs, add ? 201 : replace ? 202 : 204);
  hm_sbx_automation_fire(rq, "ticket-updated", id);
}

static void ticket_tags_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  long long id;
  cJSON *t = hm_sbx_crud_load(rq, rs, &id);
  if (!t) return;
  cJSON *out = cJSON_CreateObject();
  cJSON *tags = cJSON_DetachItemFromObjectCaseSensitive(t, "tags");
  cJSON_AddItemToObject(out, "data", tags ? tags : cJSON_CreateArray());
  cJSON_Delete(t);
  hm_sbx_json(rs, 200, out);
}

/* ---- messages ---- */

/* "When your customer writes back ... that same ticket was previously closed, it
 * will automatically be reopened" (gorgias-fidelity.md §1.6, one source): a
 * customer message (from_agent false) into a closed ticket opens it. */
static void reopen_on_reply(hm_sbx_req *rq, long long tid, const cJSON *m) {
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "from_agent"))) return;
  cJSON *t = hm_sbx_store_get(rq->ctx->store, "tickets", tid);
  const cJSON *st = t ? cJSON_GetObjectItemCaseSensitive(t, "status") : NULL;
  if (cJSON_IsString(st) && strcmp(st->valuestring, "closed") == 0) {
    hm_sbx_set_str(t, "status", "open");
    hm_sbx_set_item(t, "closed_datetime", cJSON_CreateNull());
    hm_sbx_store_put(rq->ctx->store, "tickets", tid, t);
    cJSON *acts = cJSON_CreateArray(), *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "action", "setStatus");
    cJSON_AddStringToObject(a, "effect", "reopened by the customer's message");
    cJSON_AddItemToArray(acts, a);
    hm_sbx_automation_record(rq, "ticket-message-created", tid, "gorgias", "reopen on reply",
                             acts);
  }
  cJSON_Delete(t);
}

static void message_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b || hm_sbx_crud_parent(rq, rs) != 0) return;
  cJSON *m = cJSON_Duplicate(b, 1);
  long long tid;
  const cJSON *given = cJSON_GetObjectItemCaseSensitive(m, "ticket_id");
  if (given && (hm_sbx_get_id(given, &tid) != 0 || tid != rq->id[0])) {
    hm_sbx_field_error(rs, "ticket_id", "ticket_id: does not match the ticket in the path.");
    cJSON_Delete(m);
    return;
  }
  if (hm_sbx_check(rq, rs, rq->res->target, m, HM_SBX_CREATE) != 0 ||
      anonymous_sender(rq, rs, m, "") != 0) {
    cJSON_Delete(m);
    return;
  }
  long long id = insert_message(rq, rq->id[0], m);
  if (id < 0) { cJSON_Delete(m); hm_sbx_error(rs, 500, "Storage error."); return; }
  cJSON *before = hm_sbx_store_get(rq->ctx->store, "tickets", rq->id[0]);
  touch_ticket(rq, rq->id[0], 0, m);
  reopen_on_reply(rq, rq->id[0], m);
  hm_sbx_json(rs, 201, cJSON_Duplicate(m, 1));
  hm_sbx_automation_settings(rq, rq->id[0], before, m, 0);
  hm_sbx_automation_fire(rq, "ticket-message-created", rq->id[0]);
  hm_sbx_automation_fire(rq, "ticket-updated", rq->id[0]);
  cJSON_Delete(before);
  cJSON_Delete(m);
}

/* /api/messages?ticket_id= (the nested list has the ticket in its path) */
static int message_list_args(hm_sbx_req *rq, hm_sbx_resp *rs, hm_sbx_query *q) {
  const char *tid = hm_sbx_query_arg(rq, "ticket_id");
  if (rq->nid > 0 || !tid) return 0;
  char *end;
  long long v = strtoll(tid, &end, 10);
  if (*end || end == tid || v < 0) {
    hm_sbx_field_error(rs, "ticket_id", "ticket_id: must be an integer id.");
    return -1;
  }
  q->parent = v;
  return 0;
}

/* the message stays on the ticket in its path */
static void drop_ticket_id(cJSON *m) { cJSON_DeleteItemFromObjectCaseSensitive(m, "ticket_id"); }

static void message_deleted(hm_sbx_req *rq, long long ticket_id) {
  touch_ticket(rq, ticket_id, 0, NULL);
}

/* reference §5.2: PUT answers 202, DELETE 200 with an empty body */
static const hm_sbx_resource MESSAGE = {
  .kind = "messages", .label = "Message", .target = "Message", .parent = &hm_sbx_res_tickets,
  .order_by = (const char *const[]){"created_datetime", NULL},
  .update_status = 202, .delete_status = 200,
  .to_stored = drop_ticket_id, .list_args = message_list_args, .after_delete = message_deleted,
};

#define TICKETS (&hm_sbx_res_tickets)
const hm_sbx_route hm_sbx_routes_tickets[] = {
  {"POST", "/api/tickets", ticket_create, TICKETS},
  {"GET", "/api/tickets", hm_sbx_crud_list, TICKETS},
  {"GET", "/api/tickets/{id}", hm_sbx_crud_get, TICKETS},
  {"PUT", "/api/tickets/{id}", hm_sbx_crud_update, TICKETS},
  {"DELETE", "/api/tickets/{id}", hm_sbx_crud_delete, TICKETS},
  {"GET", "/api/tickets/{id}/tags", ticket_tags_get, TICKETS},
  {"POST", "/api/tickets/{id}/tags", ticket_tags_change, TICKETS},
  {"PUT", "/api/tickets/{id}/tags", ticket_tags_change, TICKETS},
  {"DELETE", "/api/tickets/{id}/tags", ticket_tags_change, TICKETS},
  {"POST", "/api/tickets/{id}/messages", message_create, &MESSAGE},
  {"GET", "/api/tickets/{id}/messages", hm_sbx_crud_list, &MESSAGE},
  {"GET", "/api/tickets/{id}/messages/{id}", hm_sbx_crud_get, &MESSAGE},
  {"PUT", "/api/tickets/{id}/messages/{id}", hm_sbx_crud_update, &MESSAGE},
  {"DELETE", "/api/tickets/{id}/messages/{id}", hm_sbx_crud_delete, &MESSAGE},
  {"GET", "/api/messages", hm_sbx_crud_list, &MESSAGE},
  {NULL, NULL, NULL, NULL},
};
