/* sbx_routes_config: the account's configuration objects — tags, custom-field
 * definitions (no delete: deactivate), rules (so a client can check for active
 * automation before an import), satisfaction surveys (no delete) and jobs (only
 * deleteTicket runs; it is applied at once and reported done) — reference
 * §5.6, §5.7, §5.9, §5.11, §5.14. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- tags ---- */

static void tag_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *doc = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "Tag", doc, HM_SBX_CREATE) != 0) { cJSON_Delete(doc); return; }
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(doc, "name");
  long long other = cJSON_IsString(name) ? hm_sbx_find(rq->ctx->store, "tags", "$.name", name->valuestring) : 0;
  if (other) { hm_sbx_error(rs, 409, "Tag with name \"%s\" already exists (id %lld).", name->valuestring, other); cJSON_Delete(doc); return; }
  if (!cJSON_IsString(name)) { hm_sbx_field_error(rs, "name", "name: is required."); cJSON_Delete(doc); return; }
  hm_sbx_create(rq, rs, "tags", 0, doc, "/api/tags/%lld/");
}

static int contains_nocase(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++)
    if (strncasecmp(hay, needle, n) == 0) return 1;
  return n == 0;
}

/* ?search= is a case-insensitive substring match on the name */
static void tag_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  static const char *const ORDER[] = {"created_datetime", "name", "usage", NULL};
  const char *search = hm_sbx_query_arg(rq, "search");
  hm_sbx_query q;
  hm_sbx_query_init(rq, &q, "tags", NULL);
  if (!search || !*search) { hm_sbx_list(rq, rs, &q, ORDER, NULL); return; }
  cJSON *all = hm_sbx_store_query(rq->ctx->store, &q), *data = cJSON_CreateArray();
  for (cJSON *t = all ? all->child : NULL; t; t = t->next) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(t, "name");
    if (cJSON_IsString(n) && contains_nocase(n->valuestring, search)) cJSON_AddItemToArray(data, cJSON_Duplicate(t, 1));
  }
  cJSON_Delete(all);
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "object", "list");
  cJSON_AddStringToObject(root, "uri", rq->path);
  cJSON_AddItemToObject(root, "data", data);
  cJSON *meta = cJSON_AddObjectToObject(root, "meta");
  cJSON_AddNullToObject(meta, "prev_cursor");
  cJSON_AddNullToObject(meta, "next_cursor");
  hm_sbx_json(rs, 200, root);
}

static void tag_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_load(rq, rs, "tags", rq->id[0], "Tag");
  if (doc) hm_sbx_json(rs, 200, doc);
}

static void tag_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_load(rq, rs, "tags", rq->id[0], "Tag") : NULL;
  if (!doc) return;
  cJSON *upd = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "Tag", upd, HM_SBX_UPDATE) != 0) { cJSON_Delete(upd); cJSON_Delete(doc); return; }
  hm_sbx_merge(doc, upd);
  cJSON_Delete(upd);
  hm_sbx_save(rq, rs, "tags", rq->id[0], doc, 200);
}

static void tag_delete(hm_sbx_req *rq, hm_sbx_resp *rs) { hm_sbx_delete_one(rq, rs, "tags", rq->id[0], "Tag", 204); }

static void tag_bulk_delete(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  long long *ids;
  int n;
  if (!b || hm_sbx_ids(rs, b, "ids", &ids, &n) != 0) return;
  for (int i = 0; i < n; i++) hm_sbx_store_delete(rq->ctx->store, "tags", ids[i]);
  free(ids);
  hm_sbx_empty(rs, 204);
}

/* ---- custom fields ---- */

/* deactivated_datetime is an API field the schema does not list (it is not
 * something a map sets): check it here and keep it out of the schema check. */
static int take_deactivated(hm_sbx_resp *rs, cJSON *doc, cJSON **out) {
  *out = cJSON_DetachItemFromObjectCaseSensitive(doc, "deactivated_datetime");
  if (*out && !cJSON_IsNull(*out) && !(cJSON_IsString(*out) && hm_sbx_is_datetime((*out)->valuestring))) {
    hm_sbx_field_error(rs, "deactivated_datetime", "deactivated_datetime: must be an ISO-8601 datetime or null.");
    cJSON_Delete(*out);
    *out = NULL;
    return -1;
  }
  return 0;
}

static void field_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0), *deact;
  if (!b) return;
  cJSON *doc = cJSON_Duplicate(b, 1);
  if (take_deactivated(rs, doc, &deact) != 0 || hm_sbx_check(rq, rs, "CustomField", doc, HM_SBX_CREATE) != 0) {
    cJSON_Delete(deact); cJSON_Delete(doc);
    return;
  }
  cJSON_AddItemToObject(doc, "deactivated_datetime", deact ? deact : cJSON_CreateNull());
  hm_sbx_create(rq, rs, "custom_fields", 0, doc, "/api/custom-fields/%lld/");
}

static void field_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  static const hm_sbx_filter F[] = {{"object_type", "$.object_type", 0}, {NULL, NULL, 0}};
  static const char *const ORDER[] = {"priority", NULL};
  const char *ot = hm_sbx_query_arg(rq, "object_type");
  if (!ot) { hm_sbx_field_error(rs, "object_type", "object_type: is required (Ticket or Customer)."); return; }
  if (strcmp(ot, "Ticket") != 0 && strcmp(ot, "Customer") != 0) { hm_sbx_field_error(rs, "object_type", "object_type: must be Ticket or Customer."); return; }
  hm_sbx_query q;
  hm_sbx_query_init(rq, &q, "custom_fields", F);
  const char *archived = hm_sbx_query_arg(rq, "archived");
  if (archived && strcmp(archived, "false") == 0) { q.fpath[q.nfilters] = "$.deactivated_datetime"; q.fvalue[q.nfilters++] = NULL; }
  hm_sbx_list(rq, rs, &q, ORDER, NULL);
}

static void field_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_load(rq, rs, "custom_fields", rq->id[0], "Custom field");
  if (doc) hm_sbx_json(rs, 200, doc);
}

static void field_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_load(rq, rs, "custom_fields", rq->id[0], "Custom field") : NULL;
  if (!doc) return;
  cJSON *upd = cJSON_Duplicate(b, 1), *deact;
  if (take_deactivated(rs, upd, &deact) != 0 || hm_sbx_check(rq, rs, "CustomField", upd, HM_SBX_UPDATE) != 0) {
    cJSON_Delete(deact); cJSON_Delete(upd); cJSON_Delete(doc);
    return;
  }
  if (deact) cJSON_AddItemToObject(upd, "deactivated_datetime", deact);
  hm_sbx_merge(doc, upd);
  cJSON_Delete(upd);
  hm_sbx_save(rq, rs, "custom_fields", rq->id[0], doc, 200);
}

static void field_delete(hm_sbx_req *rq, hm_sbx_resp *rs) {
  (void)rq;
  hm_sbx_error(rs, 405, "Custom fields cannot be deleted: set deactivated_datetime instead.");
}

/* ---- rules ---- */

static void rule_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *doc = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "Rule", doc, HM_SBX_CREATE) != 0) { cJSON_Delete(doc); return; }
  if (!cJSON_GetObjectItemCaseSensitive(doc, "deactivated_datetime")) cJSON_AddNullToObject(doc, "deactivated_datetime");
  hm_sbx_create(rq, rs, "rules", 0, doc, "/api/rules/%lld/");
}

static void rule_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  static const char *const ORDER[] = {"created_datetime", NULL};
  hm_sbx_query q;
  hm_sbx_query_init(rq, &q, "rules", NULL);
  hm_sbx_list(rq, rs, &q, ORDER, NULL);
}

static void rule_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_load(rq, rs, "rules", rq->id[0], "Rule");
  if (doc) hm_sbx_json(rs, 200, doc);
}

static void rule_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_load(rq, rs, "rules", rq->id[0], "Rule") : NULL;
  if (!doc) return;
  cJSON *upd = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "Rule", upd, HM_SBX_UPDATE) != 0) { cJSON_Delete(upd); cJSON_Delete(doc); return; }
  hm_sbx_merge(doc, upd);
  cJSON_Delete(upd);
  hm_sbx_save(rq, rs, "rules", rq->id[0], doc, 200);
}

static void rule_delete(hm_sbx_req *rq, hm_sbx_resp *rs) { hm_sbx_delete_one(rq, rs, "rules", rq->id[0], "Rule", 204); }

/* ---- satisfaction surveys ---- */

static int survey_refs(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *doc, long long self) {
  static const struct { const char *field, *kind, *what; } R[] = {{"ticket_id", "tickets", "ticket"}, {"customer_id", "customers", "customer"}};
  for (int i = 0; i < 2; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, R[i].field);
    long long id;
    if (!v || cJSON_IsNull(v) || hm_sbx_get_id(v, &id) != 0) continue;
    cJSON *o = hm_sbx_store_get(rq->ctx->store, R[i].kind, id);
    if (!o) {
      char msg[128];
      snprintf(msg, sizeof msg, "%s: no %s with id %lld.", R[i].field, R[i].what, id);
      hm_sbx_field_error(rs, R[i].field, msg);
      return -1;
    }
    cJSON_Delete(o);
    if (i == 0) {
      char val[32];
      snprintf(val, sizeof val, "%lld", id);
      long long other = hm_sbx_find(rq->ctx->store, "satisfaction_surveys", "$.ticket_id", val);
      if (other && other != self) { hm_sbx_error(rs, 409, "Ticket %lld already has a satisfaction survey (id %lld).", id, other); return -1; }
    }
  }
  return 0;
}

/* ids may come as {"id": n}: store plain integers so filters and dumps agree */
static void flatten_ids(cJSON *doc) {
  static const char *const K[] = {"ticket_id", "customer_id", NULL};
  for (int i = 0; K[i]; i++) {
    long long id;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, K[i]);
    if (cJSON_IsObject(v) && hm_sbx_get_id(v, &id) == 0) hm_sbx_set_num(doc, K[i], (double)id);
  }
}

static void survey_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *doc = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "SatisfactionSurvey", doc, HM_SBX_CREATE) != 0 || (flatten_ids(doc), survey_refs(rq, rs, doc, 0)) != 0) { cJSON_Delete(doc); return; }
  hm_sbx_create(rq, rs, "satisfaction_surveys", 0, doc, "/api/satisfaction-surveys/%lld/");
}

static void survey_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  static const hm_sbx_filter F[] = {{"ticket_id", "$.ticket_id", 0}, {NULL, NULL, 0}};
  hm_sbx_query q;
  hm_sbx_query_init(rq, &q, "satisfaction_surveys", F);
  hm_sbx_list(rq, rs, &q, NULL, NULL);
}

static void survey_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_load(rq, rs, "satisfaction_surveys", rq->id[0], "Satisfaction survey");
  if (doc) hm_sbx_json(rs, 200, doc);
}

/* PUT is a full replacement (reference §5.11): validated as a creation */
static void survey_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0), *old = b ? hm_sbx_load(rq, rs, "satisfaction_surveys", rq->id[0], "Satisfaction survey") : NULL;
  if (!old) return;
  cJSON *doc = cJSON_Duplicate(b, 1);
  if (hm_sbx_check(rq, rs, "SatisfactionSurvey", doc, HM_SBX_CREATE) != 0 || (flatten_ids(doc), survey_refs(rq, rs, doc, rq->id[0])) != 0) {
    cJSON_Delete(doc); cJSON_Delete(old);
    return;
  }
  static const char *const KEEP[] = {"id", "uri", "created_datetime", NULL};
  for (int i = 0; KEEP[i]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(old, KEEP[i]);
    if (v && !cJSON_GetObjectItemCaseSensitive(doc, KEEP[i])) cJSON_AddItemToObject(doc, KEEP[i], cJSON_Duplicate(v, 1));
  }
  cJSON_Delete(old);
  hm_sbx_save(rq, rs, "satisfaction_surveys", rq->id[0], doc, 200);
}

static void survey_delete(hm_sbx_req *rq, hm_sbx_resp *rs) {
  (void)rq;
  hm_sbx_error(rs, 405, "Satisfaction surveys cannot be deleted.");
}

/* ---- jobs ---- */

static const char *const JOB_TYPES[] = {"applyMacro", "deleteTicket", "exportTicket", "exportMacro", "importMacro",
                                        "updateTicket", "exportTicketDrilldown", "exportConvertCampaignSalesDrilldown", NULL};

static void job_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(b, "type"), *params = cJSON_GetObjectItemCaseSensitive(b, "params");
  int known = 0;
  for (int i = 0; cJSON_IsString(type) && JOB_TYPES[i]; i++) known |= strcmp(JOB_TYPES[i], type->valuestring) == 0;
  if (!type) { hm_sbx_field_error(rs, "type", "type: is required."); return; }
  if (!known) { hm_sbx_field_error(rs, "type", "type: is not a job type (applyMacro, deleteTicket, exportTicket, exportMacro, importMacro, updateTicket, ...)."); return; }
  if (!cJSON_IsObject(params)) { hm_sbx_field_error(rs, "params", "params: is required and must be an object."); return; }
  if (strcmp(type->valuestring, "deleteTicket") != 0) { hm_sbx_field_error(rs, "type", "type: the sandbox only runs deleteTicket jobs."); return; }
  long long *ids;
  int n;
  if (hm_sbx_ids(rs, params, "ticket_ids", &ids, &n) != 0) return;
  if (n > 100) { free(ids); hm_sbx_field_error(rs, "ticket_ids", "ticket_ids: must contain at most 100 ids."); return; }
  int deleted = 0;
  for (int i = 0; i < n; i++) {
    hm_sbx_store_delete_children(rq->ctx->store, "messages", ids[i]);
    deleted += hm_sbx_store_delete(rq->ctx->store, "tickets", ids[i]) > 0;
  }
  free(ids);
  cJSON *job = cJSON_Duplicate(b, 1);
  char now[40];
  hm_sbx_now(now);
  hm_sbx_set_str(job, "status", "done");
  hm_sbx_set_str(job, "started_datetime", now);
  hm_sbx_set_str(job, "ended_datetime", now);
  cJSON *info = cJSON_CreateObject();
  cJSON_AddNumberToObject(info, "deleted", deleted);
  hm_sbx_set_item(job, "info", info);
  hm_sbx_create(rq, rs, "jobs", 0, job, "/api/jobs/%lld/");
}

static void job_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  static const char *const ORDER[] = {"created_datetime", NULL};
  hm_sbx_query q;
  hm_sbx_query_init(rq, &q, "jobs", NULL);
  hm_sbx_list(rq, rs, &q, ORDER, NULL);
}

static void job_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_load(rq, rs, "jobs", rq->id[0], "Job");
  if (doc) hm_sbx_json(rs, 200, doc);
}

/* DELETE = cancel (reference §5.14): changes already applied stay; a job that
 * is done stays done, as in Gorgias, so this only checks the job exists. */
static void job_cancel(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_load(rq, rs, "jobs", rq->id[0], "Job");
  if (!doc) return;
  cJSON_Delete(doc);
  hm_sbx_empty(rs, 204);
}

const hm_sbx_route hm_sbx_routes_config[] = {
  {"POST", "/api/tags", tag_create, NULL},
  {"GET", "/api/tags", tag_list, NULL},
  {"DELETE", "/api/tags", tag_bulk_delete, NULL},
  {"GET", "/api/tags/{id}", tag_get, NULL},
  {"PUT", "/api/tags/{id}", tag_update, NULL},
  {"DELETE", "/api/tags/{id}", tag_delete, NULL},
  {"POST", "/api/custom-fields", field_create, NULL},
  {"GET", "/api/custom-fields", field_list, NULL},
  {"GET", "/api/custom-fields/{id}", field_get, NULL},
  {"PUT", "/api/custom-fields/{id}", field_update, NULL},
  {"DELETE", "/api/custom-fields/{id}", field_delete, NULL},
  {"POST", "/api/rules", rule_create, NULL},
  {"GET", "/api/rules", rule_list, NULL},
  {"GET", "/api/rules/{id}", rule_get, NULL},
  {"PUT", "/api/rules/{id}", rule_update, NULL},
  {"DELETE", "/api/rules/{id}", rule_delete, NULL},
  {"POST", "/api/satisfaction-surveys", survey_create, NULL},
  {"GET", "/api/satisfaction-surveys", survey_list, NULL},
  {"GET", "/api/satisfaction-surveys/{id}", survey_get, NULL},
  {"PUT", "/api/satisfaction-surveys/{id}", survey_update, NULL},
  {"DELETE", "/api/satisfaction-surveys/{id}", survey_delete, NULL},
  {"POST", "/api/jobs", job_create, NULL},
  {"GET", "/api/jobs", job_list, NULL},
  {"GET", "/api/jobs/{id}", job_get, NULL},
  {"DELETE", "/api/jobs/{id}", job_cancel, NULL},
  {NULL, NULL, NULL, NULL},
};
