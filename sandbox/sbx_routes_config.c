/* sbx_routes_config: the account's configuration objects — tags, custom-field
 * definitions (no delete: deactivate), rules (so a client can check for active
 * automation before an import), satisfaction surveys (no delete) and jobs (only
 * deleteTicket runs; it is applied at once and reported done) — reference
 * §5.6, §5.7, §5.9, §5.11, §5.14. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>

/* ---- tags ---- */

/* the schema requires a name; without a schema loaded a tag still needs one */
static int tag_named(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc, long long self) {
  (void)rq;
  if (self || cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "name"))) return 0;
  hm_sbx_field_error(rs, "name", "name: is required.");
  return -1;
}

static const hm_sbx_resource TAG = {
  .kind = "tags", .label = "Tag", .target = "Tag", .uri = "/api/tags/%lld/",
  .filters = (const hm_sbx_filter[]){{"search", "$.name", 1}, {NULL, NULL, 0}},
  .order_by = (const char *const[]){"created_datetime", "name", "usage", NULL},
  .unique = (const char *const[]){"name", NULL},
  .resolve = tag_named,
};

/* ---- custom fields ---- */

static int is_datetime_or_null(const cJSON *v) {
  return cJSON_IsNull(v) || (cJSON_IsString(v) && hm_sbx_is_datetime(v->valuestring));
}

static int field_list_args(hm_sbx_req *rq, hm_sbx_resp *rs, hm_sbx_query *q) {
  const char *ot = hm_sbx_query_arg(rq, "object_type");
  if (!ot) {
    hm_sbx_field_error(rs, "object_type", "object_type: is required (Ticket or Customer).");
    return -1;
  }
  if (strcmp(ot, "Ticket") != 0 && strcmp(ot, "Customer") != 0) {
    hm_sbx_field_error(rs, "object_type", "object_type: must be Ticket or Customer.");
    return -1;
  }
  const char *archived = hm_sbx_query_arg(rq, "archived");
  if (archived && strcmp(archived, "false") == 0) {
    q->fpath[q->nfilters] = "$.deactivated_datetime";
    q->fvalue[q->nfilters++] = NULL;
  }
  return 0;
}

static const hm_sbx_resource FIELD = {
    .kind = "custom_fields",
    .label = "Custom field",
    .target = "CustomField",
    .uri = "/api/custom-fields/%lld/",
    .filters = (const hm_sbx_filter[]){{"object_type", "$.object_type", 0}, {NULL, NULL, 0}},
    .order_by = (const char *const[]){"priority", NULL},
    /* an API field the schema does not list (it is not something a map sets) */
    .extras =
        (const hm_sbx_extra[]){{"deactivated_datetime", is_datetime_or_null,
                                "deactivated_datetime: must be an ISO-8601 datetime or null."},
                               {NULL, NULL, NULL}},
    .fills = (const hm_sbx_fill[]){{"deactivated_datetime", "null"}, {NULL, NULL}},
    .no_delete = "Custom fields cannot be deleted: set deactivated_datetime instead.",
    .list_args = field_list_args,
};

/* ---- rules ---- */

static const hm_sbx_resource RULE = {
  .kind = "rules", .label = "Rule", .target = "Rule", .uri = "/api/rules/%lld/",
  .order_by = (const char *const[]){"created_datetime", NULL},
  .fills = (const hm_sbx_fill[]){{"deactivated_datetime", "null"}, {NULL, NULL}},
};

/* ---- satisfaction surveys ---- */

/* ids may come as {"id": n}: store plain integers so filters and dumps agree */
static void flatten_ids(cJSON *doc) {
  static const char *const K[] = {"ticket_id", "customer_id", NULL};
  for (int i = 0; K[i]; i++) {
    long long id;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, K[i]);
    if (cJSON_IsObject(v) && hm_sbx_get_id(v, &id) == 0) hm_sbx_set_num(doc, K[i], (double)id);
  }
}

/* the ticket and customer exist; one survey per ticket */
static int survey_refs(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc, long long self) {
  static const struct {
    const char *field, *kind, *what;
  } R[] = {{"ticket_id", "tickets", "ticket"}, {"customer_id", "customers", "customer"}};
  flatten_ids(doc);
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
      if (other && other != self) {
        hm_sbx_error(rs, 409, "Ticket %lld already has a satisfaction survey (id %lld).", id,
                     other);
        return -1;
      }
    }
  }
  return 0;
}

static const hm_sbx_resource SURVEY = {
  .kind = "satisfaction_surveys", .label = "Satisfaction survey", .target = "SatisfactionSurvey",
  .uri = "/api/satisfaction-surveys/%lld/",
  .filters = (const hm_sbx_filter[]){{"ticket_id", "$.ticket_id", 0}, {NULL, NULL, 0}},
  .put_replaces = 1,  /* reference §5.11: resend customer_id and ticket_id */
  .no_delete = "Satisfaction surveys cannot be deleted.",
  .resolve = survey_refs,
};

/* ---- jobs ---- */

static const hm_sbx_resource JOB = {
  .kind = "jobs", .label = "Job", .uri = "/api/jobs/%lld/",
  .order_by = (const char *const[]){"created_datetime", NULL},
};

static const char *const JOB_TYPES[] = {
    "applyMacro",  "deleteTicket", "exportTicket",          "exportMacro",
    "importMacro", "updateTicket", "exportTicketDrilldown", "exportConvertCampaignSalesDrilldown",
    NULL};

static void job_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(b, "type"),
              *params = cJSON_GetObjectItemCaseSensitive(b, "params");
  int known = 0;
  for (int i = 0; cJSON_IsString(type) && JOB_TYPES[i]; i++)
    known |= strcmp(JOB_TYPES[i], type->valuestring) == 0;
  if (!type) { hm_sbx_field_error(rs, "type", "type: is required."); return; }
  if (!known) {
    hm_sbx_field_error(rs, "type",
                       "type: is not a job type (applyMacro, deleteTicket, exportTicket, "
                       "exportMacro, importMacro, updateTicket, ...).");
    return;
  }
  if (!cJSON_IsObject(params)) {
    hm_sbx_field_error(rs, "params", "params: is required and must be an object.");
    return;
  }
  if (strcmp(type->valuestring, "deleteTicket") != 0) {
    hm_sbx_field_error(rs, "type", "type: the sandbox only runs deleteTicket jobs.");
    return;
  }
  long long *ids;
  int n;
  if (hm_sbx_ids(rs, params, "ticket_ids", &ids, &n) != 0) return;
  if (n > 100) {
    free(ids);
    hm_sbx_field_error(rs, "ticket_ids", "ticket_ids: must contain at most 100 ids.");
    return;
  }
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
  hm_sbx_create(rq, rs, JOB.kind, 0, job, JOB.uri);
}

/* DELETE = cancel (reference §5.14): changes already applied stay; a job that
 * is done stays done, as in Gorgias, so this only checks the job exists. */
static void job_cancel(hm_sbx_req *rq, hm_sbx_resp *rs) {
  long long id;
  cJSON *doc = hm_sbx_crud_load(rq, rs, &id);
  if (!doc) return;
  cJSON_Delete(doc);
  hm_sbx_empty(rs, 204);
}

const hm_sbx_route hm_sbx_routes_config[] = {
  {"POST", "/api/tags", hm_sbx_crud_create, &TAG},
  {"GET", "/api/tags", hm_sbx_crud_list, &TAG},
  {"DELETE", "/api/tags", hm_sbx_crud_bulk_delete, &TAG},
  {"GET", "/api/tags/{id}", hm_sbx_crud_get, &TAG},
  {"PUT", "/api/tags/{id}", hm_sbx_crud_update, &TAG},
  {"DELETE", "/api/tags/{id}", hm_sbx_crud_delete, &TAG},
  {"POST", "/api/custom-fields", hm_sbx_crud_create, &FIELD},
  {"GET", "/api/custom-fields", hm_sbx_crud_list, &FIELD},
  {"GET", "/api/custom-fields/{id}", hm_sbx_crud_get, &FIELD},
  {"PUT", "/api/custom-fields/{id}", hm_sbx_crud_update, &FIELD},
  {"DELETE", "/api/custom-fields/{id}", hm_sbx_crud_delete, &FIELD},
  {"POST", "/api/rules", hm_sbx_crud_create, &RULE},
  {"GET", "/api/rules", hm_sbx_crud_list, &RULE},
  {"GET", "/api/rules/{id}", hm_sbx_crud_get, &RULE},
  {"PUT", "/api/rules/{id}", hm_sbx_crud_update, &RULE},
  {"DELETE", "/api/rules/{id}", hm_sbx_crud_delete, &RULE},
  {"POST", "/api/satisfaction-surveys", hm_sbx_crud_create, &SURVEY},
  {"GET", "/api/satisfaction-surveys", hm_sbx_crud_list, &SURVEY},
  {"GET", "/api/satisfaction-surveys/{id}", hm_sbx_crud_get, &SURVEY},
  {"PUT", "/api/satisfaction-surveys/{id}", hm_sbx_crud_update, &SURVEY},
  {"DELETE", "/api/satisfaction-surveys/{id}", hm_sbx_crud_delete, &SURVEY},
  {"POST", "/api/jobs", job_create, &JOB},
  {"GET", "/api/jobs", hm_sbx_crud_list, &JOB},
  {"GET", "/api/jobs/{id}", hm_sbx_crud_get, &JOB},
  {"DELETE", "/api/jobs/{id}", job_cancel, &JOB},
  {NULL, NULL, NULL, NULL},
};
