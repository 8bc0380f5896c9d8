/* sbx_routes_people: the account, customers (409 on a duplicate email, email and
 * external_id filters, bulk delete), users (agents with a role) and teams
 * (members are user references) — reference §5.3–§5.5. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>

static const char *const PERSON_ORDER[] = {"created_datetime", "updated_datetime", NULL};

static void account_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *a = cJSON_CreateObject();
  cJSON_AddStringToObject(a, "domain", "sandbox");
  cJSON_AddStringToObject(a, "created_datetime", "2020-01-01T00:00:00.000000+00:00");
  cJSON *status = cJSON_AddObjectToObject(a, "status");
  cJSON_AddStringToObject(status, "status", "active");
  cJSON_AddArrayToObject(a, "settings");
  cJSON *me = cJSON_AddObjectToObject(a, "current_user");
  cJSON_AddStringToObject(me, "email", rq->account);
  hm_sbx_json(rs, 200, a);
}

/* ---- customers ---- */

static int email_taken(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, const char *label, const cJSON *doc, long long self) {
  const cJSON *email = cJSON_GetObjectItemCaseSensitive(doc, "email");
  if (!cJSON_IsString(email)) return 0;
  long long other = hm_sbx_find(rq->ctx->store, kind, "$.email", email->valuestring);
  if (other && other != self) {
    hm_sbx_error(rs, 409, "%s with email \"%s\" already exists (id %lld).", label, email->valuestring, other);
    return 1;
  }
  return 0;
}

static void customer_channels(cJSON *doc) {
  const cJSON *email = cJSON_GetObjectItemCaseSensitive(doc, "email");
  if (cJSON_GetObjectItemCaseSensitive(doc, "channels") || !cJSON_IsString(email)) return;
  cJSON *chs = cJSON_AddArrayToObject(doc, "channels"), *ch = cJSON_CreateObject();
  cJSON_AddStringToObject(ch, "type", "email");
  cJSON_AddStringToObject(ch, "address", email->valuestring);
  cJSON_AddBoolToObject(ch, "preferred", 1);
  cJSON_AddItemToArray(chs, ch);
}

/* custom_fields: [{id, value}] of Customer fields → stored keyed by field id */
static int customer_fields(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc) {
  const cJSON *cf = cJSON_GetObjectItemCaseSensitive(doc, "custom_fields");
  if (!cJSON_IsArray(cf)) return 0;
  cJSON *v = hm_sbx_field_values(rq, rs, cf, "Customer", "custom_fields");
  if (!v) return -1;
  hm_sbx_set_item(doc, "custom_fields", v);
  return 0;
}

static void customer_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *doc = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "Customer", doc, HM_SBX_CREATE) != 0 || email_taken(rq, rs, "customers", "Customer", doc, 0) ||
      customer_fields(rq, rs, doc) != 0) {
    cJSON_Delete(doc);
    return;
  }
  customer_channels(doc);
  hm_sbx_create(rq, rs, "customers", 0, doc, "/api/customers/%lld/");
}

static void customer_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  static const char *const F[] = {"email", "$.email", "external_id", "$.external_id", "name", "$.name", NULL};
  hm_sbx_query q;
  hm_sbx_query_init(rq, &q, "customers", F);
  hm_sbx_list(rq, rs, &q, PERSON_ORDER, NULL);
}

static void customer_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_load(rq, rs, "customers", rq->id[0], "Customer");
  if (doc) hm_sbx_json(rs, 200, doc);
}

static void customer_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_load(rq, rs, "customers", rq->id[0], "Customer") : NULL;
  if (!doc) return;
  cJSON *upd = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "Customer", upd, HM_SBX_UPDATE) != 0 || email_taken(rq, rs, "customers", "Customer", upd, rq->id[0]) ||
      customer_fields(rq, rs, upd) != 0) {
    cJSON_Delete(upd);
    cJSON_Delete(doc);
    return;
  }
  hm_sbx_merge(doc, upd);
  cJSON_Delete(upd);
  hm_sbx_save(rq, rs, "customers", rq->id[0], doc, 200);
}

static void customer_delete(hm_sbx_req *rq, hm_sbx_resp *rs) { hm_sbx_delete_one(rq, rs, "customers", rq->id[0], "Customer", 204); }

static void customer_bulk_delete(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  long long *ids;
  int n;
  if (!b || hm_sbx_ids(rs, b, "ids", &ids, &n) != 0) return;
  for (int i = 0; i < n; i++) hm_sbx_store_delete(rq->ctx->store, "customers", ids[i]);
  free(ids);
  hm_sbx_empty(rs, 204);
}

/* ---- users ---- */

/* The schema's role is the role name; the wire shape is {"name": ...}: accept both. */
static void role_to_name(cJSON *doc) {
  cJSON *role = cJSON_GetObjectItemCaseSensitive(doc, "role");
  const cJSON *name = cJSON_IsObject(role) ? cJSON_GetObjectItemCaseSensitive(role, "name") : NULL;
  if (cJSON_IsString(name) && cJSON_GetArraySize(role) == 1) cJSON_ReplaceItemInObjectCaseSensitive(doc, "role", cJSON_CreateString(name->valuestring));
}

static void role_to_object(cJSON *doc) {
  cJSON *role = cJSON_GetObjectItemCaseSensitive(doc, "role");
  if (!cJSON_IsString(role)) return;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", role->valuestring);
  cJSON_ReplaceItemInObjectCaseSensitive(doc, "role", o);
}

static void user_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *doc = cJSON_Duplicate(b, 1);
  role_to_name(doc);
  if (hm_sbx_check(rq, rs, "User", doc, HM_SBX_CREATE) != 0 || email_taken(rq, rs, "users", "User", doc, 0)) { cJSON_Delete(doc); return; }
  role_to_object(doc);
  hm_sbx_create(rq, rs, "users", 0, doc, "/api/users/%lld/");
}

static void user_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  static const char *const F[] = {"email", "$.email", "external_id", "$.external_id", "roles", "$.role.name", NULL};
  hm_sbx_query q;
  hm_sbx_query_init(rq, &q, "users", F);
  hm_sbx_list(rq, rs, &q, PERSON_ORDER, NULL);
}

static void user_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_load(rq, rs, "users", rq->id[0], "User");
  if (doc) hm_sbx_json(rs, 200, doc);
}

static void user_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_load(rq, rs, "users", rq->id[0], "User") : NULL;
  if (!doc) return;
  cJSON *upd = cJSON_Duplicate(b, 1);
  role_to_name(upd);
  if (hm_sbx_check(rq, rs, "User", upd, HM_SBX_UPDATE) != 0 || email_taken(rq, rs, "users", "User", upd, rq->id[0])) {
    cJSON_Delete(upd);
    cJSON_Delete(doc);
    return;
  }
  role_to_object(upd);
  hm_sbx_merge(doc, upd);
  cJSON_Delete(upd);
  hm_sbx_save(rq, rs, "users", rq->id[0], doc, 200);
}

static void user_delete(hm_sbx_req *rq, hm_sbx_resp *rs) { hm_sbx_delete_one(rq, rs, "users", rq->id[0], "User", 204); }

/* ---- teams ---- */

/* members: [{id}] of existing users, stored with their name and email */
static int team_members(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc) {
  cJSON *members = cJSON_GetObjectItemCaseSensitive(doc, "members");
  if (!cJSON_IsArray(members)) return 0;
  cJSON *out = cJSON_CreateArray();
  int i = 0;
  for (cJSON *m = members->child; m; m = m->next, i++) {
    long long uid;
    cJSON *u = hm_sbx_get_id(m, &uid) == 0 ? hm_sbx_store_get(rq->ctx->store, "users", uid) : NULL;
    if (!u) {
      char f[32], msg[96];
      snprintf(f, sizeof f, "members[%d]", i);
      snprintf(msg, sizeof msg, "%s: no user with this id.", f);
      hm_sbx_field_error(rs, f, msg);
      cJSON_Delete(out);
      return -1;
    }
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "id", (double)uid);
    static const char *const KEEP[] = {"name", "email", NULL};
    for (int k = 0; KEEP[k]; k++) {
      const cJSON *v = cJSON_GetObjectItemCaseSensitive(u, KEEP[k]);
      cJSON_AddItemToObject(e, KEEP[k], v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
    }
    cJSON_AddItemToArray(out, e);
    cJSON_Delete(u);
  }
  cJSON_ReplaceItemInObjectCaseSensitive(doc, "members", out);
  return 0;
}

static void team_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *doc = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "Team", doc, HM_SBX_CREATE) != 0 || team_members(rq, rs, doc) != 0) { cJSON_Delete(doc); return; }
  if (!cJSON_GetObjectItemCaseSensitive(doc, "members")) cJSON_AddArrayToObject(doc, "members");
  hm_sbx_create(rq, rs, "teams", 0, doc, "/api/teams/%lld/");
}

static void team_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  static const char *const ORDER[] = {"created_datetime", "name", NULL};
  hm_sbx_query q;
  hm_sbx_query_init(rq, &q, "teams", NULL);
  hm_sbx_list(rq, rs, &q, ORDER, NULL);
}

static void team_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_load(rq, rs, "teams", rq->id[0], "Team");
  if (doc) hm_sbx_json(rs, 200, doc);
}

static void team_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_load(rq, rs, "teams", rq->id[0], "Team") : NULL;
  if (!doc) return;
  cJSON *upd = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "Team", upd, HM_SBX_UPDATE) != 0 || team_members(rq, rs, upd) != 0) {
    cJSON_Delete(upd);
    cJSON_Delete(doc);
    return;
  }
  hm_sbx_merge(doc, upd);
  cJSON_Delete(upd);
  hm_sbx_save(rq, rs, "teams", rq->id[0], doc, 200);
}

static void team_delete(hm_sbx_req *rq, hm_sbx_resp *rs) { hm_sbx_delete_one(rq, rs, "teams", rq->id[0], "Team", 204); }

const hm_sbx_route hm_sbx_routes_people[] = {
  {"GET", "/api/account", account_get},
  {"POST", "/api/customers", customer_create},
  {"GET", "/api/customers", customer_list},
  {"DELETE", "/api/customers", customer_bulk_delete},
  {"GET", "/api/customers/{id}", customer_get},
  {"PUT", "/api/customers/{id}", customer_update},
  {"DELETE", "/api/customers/{id}", customer_delete},
  {"POST", "/api/users", user_create},
  {"GET", "/api/users", user_list},
  {"GET", "/api/users/{id}", user_get},
  {"PUT", "/api/users/{id}", user_update},
  {"DELETE", "/api/users/{id}", user_delete},
  {"POST", "/api/teams", team_create},
  {"GET", "/api/teams", team_list},
  {"GET", "/api/teams/{id}", team_get},
  {"PUT", "/api/teams/{id}", team_update},
  {"DELETE", "/api/teams/{id}", team_delete},
  {NULL, NULL, NULL},
};
