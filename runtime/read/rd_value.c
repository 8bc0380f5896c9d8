/* hm_json: cJSON <-> hm_value. Records are built directly (keys and values
 * arrays sized once) instead of through hv_rec_set, which would cost a key
 * comparison per member per member. */
#include "hm_read.h"
#include <math.h>
#include <string.h>

static hm_value array_to_list(const cJSON *j, hm_arena *a) {
  uint32_t n = 0;
  for (const cJSON *c = j->child; c; c = c->next) n++;
  hm_value v = hv_list_new(a, n);
  uint32_t i = 0;
  for (const cJSON *c = j->child; c; c = c->next) v.u.list->items[i++] = hm_json_to_value(c, a);
  v.u.list->n = n;
  return v;
}

static hm_value object_to_rec(const cJSON *j, hm_arena *a) {
  uint32_t n = 0;
  for (const cJSON *c = j->child; c; c = c->next) n++;
  hm_value v = hv_rec_new(a, n);
  uint32_t i = 0;
  for (const cJSON *c = j->child; c; c = c->next) {
    v.u.rec->keys[i] = hm_arena_strdup(a, c->string ? c->string : "");
    v.u.rec->vals[i++] = hm_json_to_value(c, a);
  }
  v.u.rec->n = n;
  return v;
}

hm_value hm_json_to_value(const cJSON *j, hm_arena *a) {
  if (!j) return hv_missing(HM_WHY_ABSENT);
  switch (j->type & 0xFF) {
  case cJSON_NULL: return hv_null();
  case cJSON_False: return hv_bool(false);
  case cJSON_True: return hv_bool(true);
  case cJSON_Number: return hv_num(j->valuedouble);
  case cJSON_String: case cJSON_Raw:
    return j->valuestring ? hv_str_copy(a, j->valuestring, strlen(j->valuestring)) : hv_str("");
  case cJSON_Array: return array_to_list(j, a);
  case cJSON_Object: return object_to_rec(j, a);
  default: return hv_missing(HM_WHY_ABSENT);
  }
}

static cJSON *ref_to_json(const hm_ref *r) {
  static const char *kinds[] = {"object", "agent", "upload"};
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "$ref", kinds[r->kind % 3]);
  if (r->object) cJSON_AddStringToObject(o, "object", r->object);
  cJSON_AddStringToObject(o, "key", r->key ? r->key : "");
  return o;
}

/* cJSON strings are NUL-terminated; a value with an embedded NUL is cut there. */
static cJSON *str_to_json(hm_value v) {
  if (memchr(v.u.str, 0, v.len) == NULL && v.u.str[v.len] == 0) return cJSON_CreateString(v.u.str);
  char buf[256];
  size_t n = strnlen(v.u.str, v.len);
  if (n < sizeof buf) {
    memcpy(buf, v.u.str, n); buf[n] = 0;
    return cJSON_CreateString(buf);
  }
  char *tmp = cJSON_malloc(n + 1);
  memcpy(tmp, v.u.str, n); tmp[n] = 0;
  cJSON *s = cJSON_CreateString(tmp);
  cJSON_free(tmp);
  return s;
}

cJSON *hm_value_to_json(hm_value v) {
  switch (v.kind) {
  case HV_BOOL: return cJSON_CreateBool(v.u.b);
  case HV_NUM: return isfinite(v.u.num) ? cJSON_CreateNumber(v.u.num) : cJSON_CreateNull();
  case HV_STR: return str_to_json(v);
  case HV_LIST: {
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < v.u.list->n; i++) cJSON_AddItemToArray(arr, hm_value_to_json(v.u.list->items[i]));
    return arr;
  }
  case HV_REC: {
    cJSON *o = cJSON_CreateObject();
    for (uint32_t i = 0; i < v.u.rec->n; i++) {
      if (v.u.rec->vals[i].kind == HV_MISSING) continue;
      cJSON_AddItemToObject(o, v.u.rec->keys[i], hm_value_to_json(v.u.rec->vals[i]));
    }
    return o;
  }
  case HV_REF: return ref_to_json(v.u.ref);
  default: return cJSON_CreateNull();
  }
}
