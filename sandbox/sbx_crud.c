/* sbx_crud: the create/list/get/update/delete handlers every stored resource
 * shares. A route row names its resource (hm_sbx_resource: kind, label, schema
 * target, parent, filters, unique members, fills, hooks) and these handlers do
 * the rest, so each route file only says what is particular to its resource. */
#include "sbx.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

cJSON *hm_sbx_load(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long id,
                   const char *label) {
  cJSON *doc = hm_sbx_store_get(rq->ctx->store, kind, id);
  if (!doc) hm_sbx_error(rs, 404, "%s %lld not found.", label, id);
  return doc;
}

long long hm_sbx_create(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long parent,
                        cJSON *doc, const char *uri_fmt) {
  char now[40];
  hm_sbx_now(now);
  if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "created_datetime")))
    hm_sbx_set_str(doc, "created_datetime", now);
  if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "updated_datetime")))
    hm_sbx_set_str(doc, "updated_datetime", now);
  long long id = hm_sbx_store_insert(rq->ctx->store, kind, parent, doc, uri_fmt);
  if (id < 0) { cJSON_Delete(doc); hm_sbx_error(rs, 500, "Storage error."); return -1; }
  hm_sbx_json(rs, 201, doc);
  return id;
}

void hm_sbx_save(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long id, cJSON *doc,
                 int status) {
  char now[40];
  hm_sbx_now(now);
  /* a client may set updated_datetime itself (imports backdate it) */
  if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(rq->json, "updated_datetime")))
    hm_sbx_set_str(doc, "updated_datetime", now);
  if (hm_sbx_store_put(rq->ctx->store, kind, id, doc) != 0) {
    cJSON_Delete(doc);
    hm_sbx_error(rs, 500, "Storage error.");
    return;
  }
  hm_sbx_json(rs, status, doc);
}

void hm_sbx_delete_one(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long id,
                       const char *label, int status) {
  if (hm_sbx_store_delete(rq->ctx->store, kind, id) <= 0) {
    hm_sbx_error(rs, 404, "%s %lld not found.", label, id);
    return;
  }
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

void hm_sbx_query_init(hm_sbx_req *rq, hm_sbx_query *q, const char *kind,
                       const hm_sbx_filter *filters) {
  memset(q, 0, sizeof *q);
  q->kind = kind;
  q->parent = -1;
  for (const hm_sbx_filter *f = filters; f && f->arg && q->nfilters < HM_SBX_MAX_FILTERS; f++) {
    const char *v = hm_sbx_query_arg(rq, f->arg);
    if (!v || (f->contains && !*v)) continue;  /* an empty search finds everything */
    q->fpath[q->nfilters] = f->path;
    q->fvalue[q->nfilters] = v;
    q->fcontains[q->nfilters] = f->contains;
    q->nfilters++;
  }
}

int hm_sbx_ids(hm_sbx_resp *rs, const cJSON *body, const char *key, long long **ids, int *n) {
  const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, key);
  *ids = NULL;
  *n = 0;
  if (!cJSON_IsArray(arr)) {
    char m[128];
    snprintf(m, sizeof m, "%s: must be a list of ids.", key);
    hm_sbx_field_error(rs, key, m);
    return -1;
  }
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

/* ---- the path's objects ---- */

static cJSON *get_doc(hm_sbx_req *rq, const hm_sbx_resource *r, long long id) {
  return r->load ? r->load(rq, id) : hm_sbx_store_get(rq->ctx->store, r->kind, id);
}

int hm_sbx_crud_parent(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *p = rq->res->parent;
  cJSON *doc = p ? get_doc(rq, p, rq->id[0]) : NULL;
  if (!p || doc) { cJSON_Delete(doc); return 0; }
  hm_sbx_error(rs, 404, "%s %lld not found.", p->label, rq->id[0]);
  return -1;
}

/* a parent in the store links its children (messages); a loaded one (the help center) does not */
static int stored_under(const hm_sbx_resource *r) { return r->parent && !r->parent->load; }

cJSON *hm_sbx_crud_load(hm_sbx_req *rq, hm_sbx_resp *rs, long long *id) {
  const hm_sbx_resource *r = rq->res;
  *id = r->parent ? rq->id[1] : rq->id[0];
  if (r->parent && !stored_under(r) && hm_sbx_crud_parent(rq, rs) != 0) return NULL;
  cJSON *doc = get_doc(rq, r, *id);
  if (doc && stored_under(r) && hm_sbx_store_parent(rq->ctx->store, r->kind, *id) != rq->id[0]) {
    cJSON_Delete(doc);
    doc = NULL;
  }
  if (doc) return doc;
  if (!stored_under(r)) { hm_sbx_error(rs, 404, "%s %lld not found.", r->label, *id); return NULL; }
  char parent[64];
  snprintf(parent, sizeof parent, "%s", r->parent->label);
  parent[0] = (char)tolower((unsigned char)parent[0]);
  hm_sbx_error(rs, 404, "%s %lld not found on %s %lld.", r->label, *id, parent, rq->id[0]);
  return NULL;
}

/* ---- one body, create or update ---- */

static int taken(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *doc, long long self) {
  const hm_sbx_resource *r = rq->res;
  for (int i = 0; r->unique && r->unique[i]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, r->unique[i]);
    if (!cJSON_IsString(v)) continue;
    char path[72];
    snprintf(path, sizeof path, "$.%s", r->unique[i]);
    long long other = hm_sbx_find(rq->ctx->store, r->kind, path, v->valuestring);
    if (other && other != self) {
      hm_sbx_error(rs, 409, "%s with %s \"%s\" already exists (id %lld).", r->label, r->unique[i],
                   v->valuestring, other);
      return 1;
    }
  }
  return 0;
}

/* Takes the resource's extras out of DOC into OUT (checked); -1 after a 400. */
static int take_extras(const hm_sbx_resource *r, hm_sbx_resp *rs, cJSON *doc, cJSON **out) {
  for (int i = 0; i < HM_SBX_MAX_EXTRAS; i++) out[i] = NULL;
  for (int i = 0; r->extras && i < HM_SBX_MAX_EXTRAS && r->extras[i].field; i++) {
    out[i] = cJSON_DetachItemFromObjectCaseSensitive(doc, r->extras[i].field);
    if (out[i] && !r->extras[i].ok(out[i])) {
      hm_sbx_field_error(rs, r->extras[i].field, r->extras[i].msg);
      return -1;
    }
  }
  return 0;
}

static void put_extras(const hm_sbx_resource *r, cJSON *doc, cJSON **ex) {
  for (int i = 0; i < HM_SBX_MAX_EXTRAS; i++)
    if (ex[i]) { cJSON_AddItemToObject(doc, r->extras[i].field, ex[i]); ex[i] = NULL; }
}

static void drop_extras(cJSON **ex) {
  for (int i = 0; i < HM_SBX_MAX_EXTRAS; i++) { cJSON_Delete(ex[i]); ex[i] = NULL; }
}

/* The body as the resource stores it: checked against the schema and the
 * resource's own rules, references resolved. NULL after an error answer. */
static cJSON *accept_body(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *body, hm_sbx_mode mode,
                          long long self) {
  const hm_sbx_resource *r = rq->res;
  cJSON *doc = cJSON_Duplicate(body, 1), *ex[HM_SBX_MAX_EXTRAS];
  int bad = take_extras(r, rs, doc, ex) != 0;
  if (!bad && r->to_schema) r->to_schema(doc);
  bad = bad || hm_sbx_check(rq, rs, r->target, doc, mode) != 0 || taken(rq, rs, doc, self) ||
        (r->resolve && r->resolve(rq, rs, doc, self) != 0);
  if (bad) { drop_extras(ex); cJSON_Delete(doc); return NULL; }
  put_extras(r, doc, ex);
  if (r->to_stored) r->to_stored(doc);
  return doc;
}

void hm_sbx_crud_fill(const hm_sbx_resource *r, cJSON *doc) {
  for (const hm_sbx_fill *f = r->fills; f && f->field; f++)
    if (!cJSON_GetObjectItemCaseSensitive(doc, f->field))
      cJSON_AddItemToObject(doc, f->field, cJSON_Parse(f->json));
}

/* ---- the handlers ---- */

void hm_sbx_crud_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *r = rq->res;
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? accept_body(rq, rs, b, HM_SBX_CREATE, 0) : NULL;
  if (!doc) return;
  hm_sbx_crud_fill(r, doc);
  if (r->on_create) r->on_create(doc);
  hm_sbx_create(rq, rs, r->kind, 0, doc, r->uri);
}

void hm_sbx_crud_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *r = rq->res;
  hm_sbx_query q;
  hm_sbx_query_init(rq, &q, r->kind, r->filters);
  if (r->parent && rq->nid > 0) {  /* the nested form of a list (/api/tickets/{id}/messages) */
    if (hm_sbx_crud_parent(rq, rs) != 0) return;
    if (stored_under(r)) q.parent = rq->id[0];
  }
  if (r->list_args && r->list_args(rq, rs, &q) != 0) return;
  if (!r->paged) { hm_sbx_list(rq, rs, &q, r->order_by, r->list_show); return; }
  cJSON *all = hm_sbx_store_query(rq->ctx->store, &q);
  if (!all) { hm_sbx_error(rs, 500, "Storage error."); return; }
  if (r->list_show) for (cJSON *e = all->child; e; e = e->next) r->list_show(rq, e);
  hm_sbx_page_list(rq, rs, all);
}

void hm_sbx_crud_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  long long id;
  cJSON *doc = hm_sbx_crud_load(rq, rs, &id);
  if (!doc) return;
  if (rq->res->show) rq->res->show(rq, doc);
  hm_sbx_json(rs, 200, doc);
}

/* what a full replacement keeps of the stored object */
static void keep_identity(const cJSON *old, cJSON *doc) {
  static const char *const KEEP[] = {"id", "uri", "created_datetime", NULL};
  for (int i = 0; KEEP[i]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(old, KEEP[i]);
    if (v && !cJSON_GetObjectItemCaseSensitive(doc, KEEP[i]))
      cJSON_AddItemToObject(doc, KEEP[i], cJSON_Duplicate(v, 1));
  }
}

void hm_sbx_crud_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *r = rq->res;
  long long id;
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_crud_load(rq, rs, &id) : NULL;
  if (!doc) return;
  cJSON *upd = accept_body(rq, rs, b, r->put_replaces ? HM_SBX_CREATE : HM_SBX_UPDATE, id);
  if (!upd) { cJSON_Delete(doc); return; }
  cJSON *before = r->after_update ? cJSON_Duplicate(doc, 1) : NULL;
  if (r->put_replaces) {
    keep_identity(doc, upd);
    cJSON_Delete(doc);
    doc = upd;
  } else {
    hm_sbx_merge(doc, upd);
    cJSON_Delete(upd);
  }
  hm_sbx_save(rq, rs, r->kind, id, doc, r->update_status ? r->update_status : 200);
  if (before && rs->status < 400) r->after_update(rq, id, before);
  cJSON_Delete(before);
}

void hm_sbx_crud_delete(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *r = rq->res;
  if (r->no_delete) { hm_sbx_error(rs, 405, "%s", r->no_delete); return; }
  long long id;
  cJSON *doc = hm_sbx_crud_load(rq, rs, &id);
  if (!doc) return;
  cJSON_Delete(doc);
  if (r->may_delete && r->may_delete(rq, rs, id) != 0) return;
  if (r->child_kind) hm_sbx_store_delete_children(rq->ctx->store, r->child_kind, id);
  hm_sbx_store_delete(rq->ctx->store, r->kind, id);
  if (r->after_delete) r->after_delete(rq, rq->id[0]);
  hm_sbx_empty(rs, r->delete_status ? r->delete_status : 204);
}

/* DELETE {"ids": [...]}: an unknown id is skipped, not a 404 (the reference
 * does not say what Gorgias answers, and a rollback must not stop on it) */
void hm_sbx_crud_bulk_delete(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *r = rq->res;
  cJSON *b = hm_sbx_body(rq, rs, 0);
  long long *ids;
  int n;
  if (!b || hm_sbx_ids(rs, b, "ids", &ids, &n) != 0) return;
  for (int i = 0; i < n; i++) {
    if (r->child_kind) hm_sbx_store_delete_children(rq->ctx->store, r->child_kind, ids[i]);
    hm_sbx_store_delete(rq->ctx->store, r->kind, ids[i]);
  }
  free(ids);
  hm_sbx_empty(rs, 204);
}
