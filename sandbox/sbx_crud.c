/* sbx_crud: the create/read/update/delete steps every stored resource shares, so
 * each route file only says what is particular to its resource (validation
 * shape, uniqueness, embedded references). */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>

cJSON *hm_sbx_load(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long id, const char *label) {
  cJSON *doc = hm_sbx_store_get(rq->ctx->store, kind, id);
  if (!doc) hm_sbx_error(rs, 404, "%s %lld not found.", label, id);
  return doc;
}

long long hm_sbx_create(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long parent, cJSON *doc, const char *uri_fmt) {
  char now[40];
  hm_sbx_now(now);
  if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "created_datetime"))) hm_sbx_set_str(doc, "created_datetime", now);
  if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "updated_datetime"))) hm_sbx_set_str(doc, "updated_datetime", now);
  long long id = hm_sbx_store_insert(rq->ctx->store, kind, parent, doc, uri_fmt);
  if (id < 0) { cJSON_Delete(doc); hm_sbx_error(rs, 500, "Storage error."); return -1; }
  hm_sbx_json(rs, 201, doc);
  return id;
}

void hm_sbx_save(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long id, cJSON *doc, int status) {
  char now[40];
  hm_sbx_now(now);
  /* a client may set updated_datetime itself (imports backdate it) */
  if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rq->json, "updated_datetime"))) hm_sbx_set_str(doc, "updated_datetime", now);
  if (hm_sbx_store_put(rq->ctx->store, kind, id, doc) != 0) { cJSON_Delete(doc); hm_sbx_error(rs, 500, "Storage error."); return; }
  hm_sbx_json(rs, status, doc);
}

void hm_sbx_delete_one(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long id, const char *label, int status) {
  if (hm_sbx_store_delete(rq->ctx->store, kind, id) <= 0) { hm_sbx_error(rs, 404, "%s %lld not found.", label, id); return; }
  hm_sbx_empty(rs, status);
}

long long hm_sbx_find(hm_sbx_store *st, const char *kind, const char *path, const char *value) {
  hm_sbx_query q = {.kind = kind, .parent = -1, .nfilters = 1, .limit = 1};
  q.fpath[0] = path;
  q.fvalue[0] = value;
  cJSON *rows = hm_sbx_store_query(st, &q);
  long long id = 0;
  if (rows && rows->child) hm_sbx_get_id(rows->child, &id);
  cJSON_Delete(rows);
  return id;
}

void hm_sbx_query_init(hm_sbx_req *rq, hm_sbx_query *q, const char *kind, const char *const *filter_args) {
  memset(q, 0, sizeof *q);
  q->kind = kind;
  q->parent = -1;
  for (int i = 0; filter_args && filter_args[i] && q->nfilters < HM_SBX_MAX_FILTERS; i += 2) {
    const char *v = hm_sbx_query_arg(rq, filter_args[i]);
    if (!v) continue;
    q->fpath[q->nfilters] = filter_args[i + 1];
    q->fvalue[q->nfilters] = v;
    q->nfilters++;
  }
}

int hm_sbx_ids(hm_sbx_resp *rs, const cJSON *body, const char *key, long long **ids, int *n) {
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, key);
  *ids = NULL;
  *n = 0;
  if (!cJSON_IsArray(arr)) { char m[128]; snprintf(m, sizeof m, "%s: must be a list of ids.", key); hm_sbx_field_error(rs, key, m); return -1; }
  *ids = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **ids);
  if (!*ids) { hm_sbx_error(rs, 500, "Out of memory."); return -1; }
  for (const cJSON *e = arr->child; e; e = e->next) {
    if (hm_sbx_get_id(e, &(*ids)[*n]) != 0) {
      char m[128];
      snprintf(m, sizeof m, "%s[%d]: must be an integer id.", key, *n);
      hm_sbx_field_error(rs, key, m);
      free(*ids);
      *ids = NULL;
      return -1;
    }
    (*n)++;
  }
  return 0;
}
