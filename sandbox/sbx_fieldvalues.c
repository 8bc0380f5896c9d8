/* sbx_fieldvalues: custom-field values on tickets and customers (reference
 * §5.1, §5.3, §5.7) — checking [{id, value}] against the field definitions of the
 * right object type, and the value sub-routes. Values are stored on their owner
 * as custom_fields: {"<field id>": {"id", "value"}} (the response shape is an
 * object keyed by field id); the path id is the field *definition* id. The
 * owner is the route's resource, its label the fields' object_type. */
#include "sbx.h"
#include <string.h>


/* custom_fields: [{id, value}] of OBJECT_TYPE field definitions → {"<id>": {id, value}} */
cJSON *hm_sbx_field_values(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *vals,
                           const char *object_type, const char *prefix) {
  cJSON *out = cJSON_CreateObject();
  int i = 0;
  for (const cJSON *v = vals->child; v; v = v->next, i++) {
    char field[48];
    snprintf(field, sizeof field, "%s[%d]", prefix, i);
    long long id;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(v, "value");
    cJSON *def = NULL;
    if (!cJSON_IsObject(v) || hm_sbx_get_id(v, &id) != 0 || !value) {
      char msg[128];
      snprintf(msg, sizeof msg, "%s: must be an object with an id and a value.", field);
      hm_sbx_field_error(rs, field, msg);
    } else if (!(cJSON_IsString(value) || cJSON_IsNumber(value) || cJSON_IsBool(value) ||
                 cJSON_IsNull(value))) {
      char msg[128];
      snprintf(msg, sizeof msg, "%s.value: must be a string, a number or a boolean.", field);
      hm_sbx_field_error(rs, field, msg);
    } else {
      def = hm_sbx_store_get(rq->ctx->store, "custom_fields", id);
      const cJSON *ot = def ? cJSON_GetObjectItemCaseSensitive(def, "object_type") : NULL;
      if (!def || !cJSON_IsString(ot) || strcmp(ot->valuestring, object_type) != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s.id: no %s custom field with id %lld.", field, object_type,
                 id);
        hm_sbx_field_error(rs, field, msg);
        cJSON_Delete(def);
        def = NULL;
      }
    }
    if (!def) { cJSON_Delete(out); return NULL; }
    cJSON_Delete(def);
    char key[32];
    snprintf(key, sizeof key, "%lld", id);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "id", (double)id);
    cJSON_AddItemToObject(e, "value", cJSON_Duplicate(value, 1));
    hm_sbx_set_item(out, key, e);
  }
  return out;
}

static cJSON *value_entry(hm_sbx_req *rq, const cJSON *v) {
  long long id = 0;
  hm_sbx_get_id(v, &id);
  cJSON *e = cJSON_CreateObject(), *def = hm_sbx_store_get(rq->ctx->store, "custom_fields", id);
  cJSON_AddItemToObject(e, "field", def ? def : cJSON_CreateNull());
  const cJSON *val = cJSON_GetObjectItemCaseSensitive(v, "value");
  cJSON_AddItemToObject(e, "value", val ? cJSON_Duplicate(val, 1) : cJSON_CreateNull());
  return e;
}

static cJSON *values_list(hm_sbx_req *rq, const cJSON *t) {
  cJSON *out = cJSON_CreateObject(), *data = cJSON_AddArrayToObject(out, "data");
  const cJSON *cf = cJSON_GetObjectItemCaseSensitive(t, "custom_fields");
  for (const cJSON *v = cJSON_IsObject(cf) ? cf->child : NULL; v; v = v->next)
    cJSON_AddItemToArray(data, value_entry(rq, v));
  return out;
}

static void fields_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  long long oid;
  cJSON *t = hm_sbx_crud_load(rq, rs, &oid);
  if (!t) return;
  hm_sbx_json(rs, 200, values_list(rq, t));
  cJSON_Delete(t);
}

/* Checks ITEMS ([{id, value}]) and stores them on the path's owner: as all of
 * its values (REPLACE, answering them all) or beside the others (answering the one). */
static void put_values(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *items, int replace) {
  const hm_sbx_resource *o = rq->res;
  long long oid;
  cJSON *t = hm_sbx_crud_load(rq, rs, &oid);
  if (!t) return;
  if (!cJSON_IsArray(items)) {
    hm_sbx_error(rs, 400, "The request body must be a JSON array of {id, value}.");
    cJSON_Delete(t);
    return;
  }
  cJSON *vals = hm_sbx_field_values(rq, rs, items, o->label, "body");
  if (!vals) { cJSON_Delete(t); return; }
  cJSON *cf = cJSON_GetObjectItemCaseSensitive(t, "custom_fields");
  if (replace || !cJSON_IsObject(cf)) {
    cf = cJSON_CreateObject();
    hm_sbx_set_item(t, "custom_fields", cf);
  }
  hm_sbx_merge(cf, vals);
  cJSON *out = replace ? values_list(rq, t) : value_entry(rq, vals->child);
  cJSON_Delete(vals);
  hm_sbx_save(rq, rs, o->kind, oid, t, 200);
  if (rs->status == 200) hm_sbx_json(rs, 200, out);
  else cJSON_Delete(out);
}

static void fields_set(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 1);
  if (b) put_values(rq, rs, b, 1);
}

/* PUT .../custom-fields/{field id} {value} */
static void field_set(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *item = cJSON_Duplicate(b, 1), *arr = cJSON_CreateArray();
  hm_sbx_set_num(item, "id", (double)rq->id[1]);
  cJSON_AddItemToArray(arr, item);
  put_values(rq, rs, arr, 0);
  cJSON_Delete(arr);
}

static void field_delete(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *o = rq->res;
  long long oid;
  cJSON *t = hm_sbx_crud_load(rq, rs, &oid);
  if (!t) return;
  char key[32];
  snprintf(key, sizeof key, "%lld", rq->id[1]);
  cJSON *cf = cJSON_GetObjectItemCaseSensitive(t, "custom_fields");
  if (!cJSON_IsObject(cf) || !cJSON_GetObjectItemCaseSensitive(cf, key)) {
    hm_sbx_error(rs, 404, "%s %lld has no value for custom field %lld.", o->label, oid, rq->id[1]);
    cJSON_Delete(t);
    return;
  }
  cJSON_DeleteItemFromObjectCaseSensitive(cf, key);
  hm_sbx_save(rq, rs, o->kind, oid, t, 200);
  hm_sbx_empty(rs, 204);
}

#define TICKETS (&hm_sbx_res_tickets)
#define CUSTOMERS (&hm_sbx_res_customers)
const hm_sbx_route hm_sbx_routes_fieldvalues[] = {
  {"GET", "/api/tickets/{id}/custom-fields", fields_get, TICKETS},
  {"PUT", "/api/tickets/{id}/custom-fields", fields_set, TICKETS},
  {"PUT", "/api/tickets/{id}/custom-fields/{id}", field_set, TICKETS},
  {"DELETE", "/api/tickets/{id}/custom-fields/{id}", field_delete, TICKETS},
  {"GET", "/api/customers/{id}/custom-fields", fields_get, CUSTOMERS},
  {"PUT", "/api/customers/{id}/custom-fields", fields_set, CUSTOMERS},
  {"PUT", "/api/customers/{id}/custom-fields/{id}", field_set, CUSTOMERS},
  {"DELETE", "/api/customers/{id}/custom-fields/{id}", field_delete, CUSTOMERS},
  {NULL, NULL, NULL, NULL},
};
