/* sbx_routes_people: the account, customers (409 on a duplicate email, email and
 * external_id filters, bulk delete), users (agents with a role) and teams
 * (members are user references) — reference §5.3–§5.5. */
#include "sbx.h"

static const char *const PERSON_ORDER[] = {"created_datetime", "updated_datetime", NULL};

static void account_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *a = cJSON_CreateObject();
  cJSON_AddStringToObject(a, "domain", rq->ctx->domain[0] ? rq->ctx->domain : "sandbox");
  cJSON_AddStringToObject(a, "created_datetime", "2020-01-01T00:00:00.000000+00:00");
  cJSON *status = cJSON_AddObjectToObject(a, "status");
  cJSON_AddStringToObject(status, "status", "active");
  cJSON_AddItemToObject(a, "settings", hm_sbx_settings_list(rq->ctx));
  cJSON *me = cJSON_AddObjectToObject(a, "current_user");
  cJSON_AddStringToObject(me, "email", rq->account);
  cJSON *role = cJSON_AddObjectToObject(me, "role");
  cJSON_AddStringToObject(role, "name", rq->role && *rq->role ? rq->role : "admin");
  hm_sbx_json(rs, 200, a);
}

/* POST /api/help-center/auth (Basic auth): a Bearer token for the Help Center
 * host, {access_token, token_type, expires_in} (sbx_hctoken.c). expires_in is
 * the scaled lifetime, so a client renewing before it holds under --time-scale. */
static void help_center_auth(hm_sbx_req *rq, hm_sbx_resp *rs) {
  char token[40];
  if (hm_sbx_token_issue(&rq->ctx->tokens, rq->account, hm_sbx_clock(), token) != 0) {
    hm_sbx_error(rs, 500, "Cannot issue a token.");
    return;
  }
  cJSON *a = cJSON_CreateObject();
  cJSON_AddStringToObject(a, "access_token", token);
  cJSON_AddStringToObject(a, "token_type", "Bearer");
  cJSON_AddNumberToObject(a, "expires_in", rq->ctx->tokens.ttl);
  hm_sbx_json(rs, 200, a);
}

/* ---- customers ---- */

static const char *const EMAIL[] = {"email", NULL};

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
static int customer_fields(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc, long long self) {
  (void)self;
  const cJSON *cf = cJSON_GetObjectItemCaseSensitive(doc, "custom_fields");
  if (!cJSON_IsArray(cf)) return 0;
  cJSON *v = hm_sbx_field_values(rq, rs, cf, "Customer", "custom_fields");
  if (!v) return -1;
  hm_sbx_set_item(doc, "custom_fields", v);
  return 0;
}

const hm_sbx_resource hm_sbx_res_customers = {
    .kind = "customers",
    .label = "Customer",
    .target = "Customer",
    .uri = "/api/customers/%lld/",
    .filters = (const hm_sbx_filter[]){{"email", "$.email", 0},
                                       {"external_id", "$.external_id", 0},
                                       {"name", "$.name", 0},
                                       {NULL, NULL, 0}},
    .order_by = PERSON_ORDER,
    .unique = EMAIL,
    .resolve = customer_fields,
    .on_create = customer_channels,
};

/* ---- users ---- */

/* The schema's role is the role name; the wire shape is {"name": ...}: accept both. */
static void role_to_name(cJSON *doc) {
  cJSON *role = cJSON_GetObjectItemCaseSensitive(doc, "role");
  const cJSON *name = cJSON_IsObject(role) ? cJSON_GetObjectItemCaseSensitive(role, "name") : NULL;
  if (cJSON_IsString(name) && cJSON_GetArraySize(role) == 1)
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "role", cJSON_CreateString(name->valuestring));
}

static void role_to_object(cJSON *doc) {
  cJSON *role = cJSON_GetObjectItemCaseSensitive(doc, "role");
  if (!cJSON_IsString(role)) return;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "name", role->valuestring);
  cJSON_ReplaceItemInObjectCaseSensitive(doc, "role", o);
}

static const hm_sbx_resource USER = {
    .kind = "users",
    .label = "User",
    .target = "User",
    .uri = "/api/users/%lld/",
    .filters = (const hm_sbx_filter[]){{"email", "$.email", 0},
                                       {"external_id", "$.external_id", 0},
                                       {"roles", "$.role.name", 0},
                                       {NULL, NULL, 0}},
    .order_by = PERSON_ORDER,
    .unique = EMAIL,
    .to_schema = role_to_name,
    .to_stored = role_to_object,
};

/* ---- teams ---- */

/* members: [{id}] of existing users, stored with their name and email */
static int team_members(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc, long long self) {
  (void)self;
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

static const hm_sbx_resource TEAM = {
  .kind = "teams", .label = "Team", .target = "Team", .uri = "/api/teams/%lld/",
  .order_by = (const char *const[]){"created_datetime", "name", NULL},
  .fills = (const hm_sbx_fill[]){{"members", "[]"}, {NULL, NULL}},
  .resolve = team_members,
};

const hm_sbx_route hm_sbx_routes_people[] = {
  {"GET", "/api/account", account_get, NULL},
  {"PUT", "/api/account/settings/{id}", hm_sbx_setting_put, NULL},
  {"POST", "/api/help-center/auth", help_center_auth, NULL},
  {"POST", "/api/customers", hm_sbx_crud_create, &hm_sbx_res_customers},
  {"GET", "/api/customers", hm_sbx_crud_list, &hm_sbx_res_customers},
  {"DELETE", "/api/customers", hm_sbx_crud_bulk_delete, &hm_sbx_res_customers},
  {"GET", "/api/customers/{id}", hm_sbx_crud_get, &hm_sbx_res_customers},
  {"PUT", "/api/customers/{id}", hm_sbx_crud_update, &hm_sbx_res_customers},
  {"DELETE", "/api/customers/{id}", hm_sbx_crud_delete, &hm_sbx_res_customers},
  {"POST", "/api/users", hm_sbx_crud_create, &USER},
  {"GET", "/api/users", hm_sbx_crud_list, &USER},
  {"GET", "/api/users/{id}", hm_sbx_crud_get, &USER},
  {"PUT", "/api/users/{id}", hm_sbx_crud_update, &USER},
  {"DELETE", "/api/users/{id}", hm_sbx_crud_delete, &USER},
  {"POST", "/api/teams", hm_sbx_crud_create, &TEAM},
  {"GET", "/api/teams", hm_sbx_crud_list, &TEAM},
  {"GET", "/api/teams/{id}", hm_sbx_crud_get, &TEAM},
  {"PUT", "/api/teams/{id}", hm_sbx_crud_update, &TEAM},
  {"DELETE", "/api/teams/{id}", hm_sbx_crud_delete, &TEAM},
  {NULL, NULL, NULL, NULL},
};
