/* sbx_routes_helpcenter: the Help Center API under /api/help-center (reference
 * §5.15): one default help center (id 1) with every locale, categories and
 * articles created with a `translation` object, their translations per
 * locale, page-based lists. The translation is checked against the schema's
 * HelpCenterCategory / HelpCenterArticle fields by flattening it next to the
 * top-level fields; errors name the wire path (translation.title). */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>

static const char *const LOCALES[] = {"en-US", "en-GB", "fr-FR", "fr-CA", "es-ES", "de-DE",
                                      "nl-NL", "cs-CZ", "da-DK", "no-NO", "it-IT", "sv-SE",
                                      "fi-FI", "ja-JP", "pt-BR", NULL};
/* wire-only translation members the schema has no field for */
static const char *const WIRE_ONLY[] = {"seo_meta", "image_url", NULL};

static int is_in(const char *s, const char *const *list) {
  for (int i = 0; list[i]; i++) if (strcmp(list[i], s) == 0) return 1;
  return 0;
}

static cJSON *help_center(void) {
  cJSON *hc = cJSON_CreateObject();
  cJSON_AddNumberToObject(hc, "id", 1);
  cJSON_AddStringToObject(hc, "name", "Sandbox Help Center");
  cJSON_AddStringToObject(hc, "subdomain", "sandbox");
  cJSON_AddStringToObject(hc, "default_locale", "en-US");
  cJSON_AddItemToObject(hc, "supported_locales", cJSON_CreateStringArray(LOCALES, 15));
  return hc;
}

static cJSON *load_help_center(hm_sbx_req *rq, long long id) {
  (void)rq;
  return id == 1 ? help_center() : NULL;
}

/* not stored: the parent of categories and articles, GET .../help-centers/1 */
static const hm_sbx_resource HELP_CENTER = {.label = "Help center", .load = load_help_center};

/* what differs between the translations of categories and articles */
typedef struct hc_facts { const char *ref_field, *owner_key; } hc_facts;
static const hc_facts *facts(const hm_sbx_req *rq) { return rq->res->more; }

/* Checks TOP (top-level members) with TRANS (the translation) flattened in as
 * schema TARGET; fills schema defaults back into TRANS. */
static int check_flat(hm_sbx_req *rq, hm_sbx_resp *rs, const char *target, const cJSON *top,
                      cJSON *trans, hm_sbx_mode mode) {
  cJSON *flat = cJSON_CreateObject();
  for (const cJSON *m = top ? top->child : NULL; m; m = m->next)
    if (strcmp(m->string, "translation") != 0)
      cJSON_AddItemToObject(flat, m->string, cJSON_Duplicate(m, 1));
  for (const cJSON *m = trans ? trans->child : NULL; m; m = m->next)
    if (!is_in(m->string, WIRE_ONLY)) hm_sbx_set_item(flat, m->string, cJSON_Duplicate(m, 1));
  char msg[512], field[256];
  int rc =
      hm_sbx_validate(rq->ctx->schema, target, flat, mode, 1, msg, sizeof msg, field, sizeof field);
  if (rc != 0) {
    char root[256];
    snprintf(root, sizeof root, "%.*s", (int)strcspn(field, ".["), field);
    int from_top =
        top && cJSON_GetObjectItemCaseSensitive(top, root) && strcmp(root, "translation") != 0;
    char m2[600], f2[300];
    snprintf(m2, sizeof m2, "%s%s", from_top ? "" : "translation.", msg);
    snprintf(f2, sizeof f2, "%s%s", from_top ? "" : "translation.", field);
    hm_sbx_field_error(rs, f2, m2);
  } else if (trans) {
    for (const cJSON *m = flat->child; m; m = m->next)
      if (!(top && cJSON_GetObjectItemCaseSensitive(top, m->string)) &&
          !cJSON_GetObjectItemCaseSensitive(trans, m->string))
        cJSON_AddItemToObject(trans, m->string, cJSON_Duplicate(m, 1));
  }
  cJSON_Delete(flat);
  return rc;
}

static int check_category_ref(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *v, const char *field) {
  long long id;
  if (!v || cJSON_IsNull(v)) return 0;
  cJSON *c = hm_sbx_get_id(v, &id) == 0
                 ? hm_sbx_store_get(rq->ctx->store, "help_center_categories", id)
                 : NULL;
  if (c) { cJSON_Delete(c); return 0; }
  char msg[128];
  snprintf(msg, sizeof msg, "%s: no category with id %lld in help center %lld.", field, id,
           rq->id[0]);
  hm_sbx_field_error(rs, field, msg);
  return -1;
}

static cJSON *take_translation(hm_sbx_resp *rs, cJSON *body) {
  cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "translation");
  if (cJSON_IsObject(t)) return t;
  hm_sbx_field_error(rs, "translation",
                     t ? "translation: must be an object." : "translation: is required.");
  return NULL;
}

/* The stored doc keeps every translation; a read shows one (?locale= or the first). */
static cJSON *present(hm_sbx_req *rq, cJSON *doc) {
  const char *want = hm_sbx_query_arg(rq, "locale");
  cJSON *ts = cJSON_GetObjectItemCaseSensitive(doc, "translations"), *pick = ts ? ts->child : NULL,
        *locales = cJSON_CreateArray();
  for (cJSON *t = ts ? ts->child : NULL; t; t = t->next) {
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(t, "locale");
    if (cJSON_IsString(l)) {
      cJSON_AddItemToArray(locales, cJSON_CreateString(l->valuestring));
      if (want && strcmp(want, l->valuestring) == 0) pick = t;
    }
  }
  cJSON *out = cJSON_Duplicate(doc, 1);
  cJSON_DeleteItemFromObjectCaseSensitive(out, "translations");
  cJSON_AddItemToObject(out, "translation", pick ? cJSON_Duplicate(pick, 1) : cJSON_CreateNull());
  cJSON_AddItemToObject(out, "available_locales", locales);
  return out;
}

static void present_in_place(hm_sbx_req *rq, cJSON *doc) {
  cJSON *p = present(rq, doc);
  while (doc->child) cJSON_Delete(cJSON_DetachItemViaPointer(doc, doc->child));
  for (cJSON *m = p->child; m; m = m->next)
    cJSON_AddItemToObject(doc, m->string, cJSON_Duplicate(m, 1));
  cJSON_Delete(p);
}

static void stamp_translation(cJSON *t, const char *owner_key, long long owner) {
  char now[40];
  hm_sbx_now(now);
  hm_sbx_set_num(t, owner_key, (double)owner);
  if (!cJSON_GetObjectItemCaseSensitive(t, "created_datetime"))
    hm_sbx_set_str(t, "created_datetime", now);
  hm_sbx_set_str(t, "updated_datetime", now);
}

/* POST: the body's translation becomes the first of the stored translations */
static void create_item(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *r = rq->res;
  const char *ref_field = facts(rq)->ref_field;
  if (hm_sbx_crud_parent(rq, rs) != 0) return;
  cJSON *b = hm_sbx_body(rq, rs, 0), *trans = b ? take_translation(rs, b) : NULL;
  if (!trans) return;
  cJSON *doc = cJSON_Duplicate(b, 1),
        *t = cJSON_DetachItemFromObjectCaseSensitive(doc, "translation");
  if (check_flat(rq, rs, r->target, b, t, HM_SBX_CREATE) != 0 ||
      check_category_ref(rq, rs, cJSON_GetObjectItemCaseSensitive(doc, ref_field), ref_field) !=
          0 ||
      check_category_ref(rq, rs, cJSON_GetObjectItemCaseSensitive(t, ref_field),
                         "translation.parent_category_id") != 0) {
    cJSON_Delete(t); cJSON_Delete(doc);
    return;
  }
  hm_sbx_set_num(doc, "help_center_id", 1);
  if (!cJSON_GetObjectItemCaseSensitive(doc, ref_field)) cJSON_AddNullToObject(doc, ref_field);
  cJSON *ts = cJSON_AddArrayToObject(doc, "translations");
  cJSON_AddItemToArray(ts, t);
  long long id = hm_sbx_create(rq, rs, r->kind, 0, doc, NULL);
  if (id < 0) return;
  stamp_translation(t, facts(rq)->owner_key, id);
  hm_sbx_store_put(rq->ctx->store, r->kind, id, doc);
  rs->json = present(rq, doc);
  cJSON_Delete(doc);
}

/* articles or sub-categories in it: refused, as in Gorgias (reference §5.15) */
static int category_empty(hm_sbx_req *rq, hm_sbx_resp *rs, long long id) {
  char val[32];
  snprintf(val, sizeof val, "%lld", id);
  if (!hm_sbx_find(rq->ctx->store, "help_center_articles", "$.category_id", val) &&
      !hm_sbx_find(rq->ctx->store, "help_center_categories", "$.parent_category_id", val))
    return 0;
  hm_sbx_error(rs, 409, "Category %lld still has articles or sub-categories.", id);
  return -1;
}

/* PUT an article: top-level members only (category_id) */
static void article_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  long long id;
  if (hm_sbx_crud_parent(rq, rs) != 0) return;
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_crud_load(rq, rs, &id) : NULL;
  if (!doc) return;
  if (cJSON_GetObjectItemCaseSensitive(b, "translation")) {
    hm_sbx_field_error(rs, "translation",
                       "translation: update it with PUT .../translations/{locale}.");
  } else if (check_flat(rq, rs, rq->res->target, b, NULL, HM_SBX_UPDATE) == 0 &&
             check_category_ref(rq, rs, cJSON_GetObjectItemCaseSensitive(b, "category_id"),
                                "category_id") == 0) {
    hm_sbx_merge(doc, b);
    hm_sbx_save(rq, rs, rq->res->kind, id, doc, 200);
    rs->json = present(rq, doc);  /* save handed DOC to the response: this takes it back */
    cJSON_Delete(doc);
    return;
  }
  cJSON_Delete(doc);
}

static cJSON *find_locale(cJSON *ts, const char *locale) {
  for (cJSON *t = ts ? ts->child : NULL; t; t = t->next) {
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(t, "locale");
    if (cJSON_IsString(l) && strcmp(l->valuestring, locale) == 0) return t;
  }
  return NULL;
}

static void translation_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  long long id;
  cJSON *doc = hm_sbx_crud_load(rq, rs, &id);
  if (!doc) return;
  cJSON *ts = cJSON_DetachItemFromObjectCaseSensitive(doc, "translations");
  cJSON_Delete(doc);
  hm_sbx_page_list(rq, rs, ts ? ts : cJSON_CreateArray());
}

static void translation_create(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *r = rq->res;
  long long id;
  if (hm_sbx_crud_parent(rq, rs) != 0) return;
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_crud_load(rq, rs, &id) : NULL;
  if (!doc) return;
  cJSON *t = cJSON_Duplicate(b, 1);
  if (check_flat(rq, rs, r->target, NULL, t, HM_SBX_CREATE) != 0) {
    cJSON_Delete(t);
    cJSON_Delete(doc);
    return;
  }
  cJSON *ts = cJSON_GetObjectItemCaseSensitive(doc, "translations");
  const cJSON *lv = cJSON_GetObjectItemCaseSensitive(t, "locale");
  if (!cJSON_IsString(lv)) {
    hm_sbx_set_str(t, "locale", "en-US");
    lv = cJSON_GetObjectItemCaseSensitive(t, "locale");
  }
  const char *locale = lv->valuestring;
  if (find_locale(ts, locale)) {
    hm_sbx_error(rs, 409, "%s %lld already has a %s translation.", r->label, id, locale);
    cJSON_Delete(t); cJSON_Delete(doc);
    return;
  }
  stamp_translation(t, facts(rq)->owner_key, id);
  cJSON_AddItemToArray(ts, cJSON_Duplicate(t, 1));
  hm_sbx_save(rq, rs, r->kind, id, doc, 201);
  hm_sbx_json(rs, 201, t);
}

static void translation_update(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const hm_sbx_resource *r = rq->res;
  const char *owner_key = facts(rq)->owner_key;
  long long id;
  if (hm_sbx_crud_parent(rq, rs) != 0) return;
  cJSON *b = hm_sbx_body(rq, rs, 0), *doc = b ? hm_sbx_crud_load(rq, rs, &id) : NULL;
  if (!doc) return;
  cJSON *cur = find_locale(cJSON_GetObjectItemCaseSensitive(doc, "translations"), rq->word);
  if (!cur) {
    hm_sbx_error(rs, 404, "%s %lld has no %s translation.", r->label, id, rq->word);
    cJSON_Delete(doc);
    return;
  }
  cJSON *merged = cJSON_Duplicate(cur, 1);
  hm_sbx_merge(merged, b);
  const char *const STAMPS[] = {owner_key, "created_datetime", "updated_datetime", NULL};
  for (int i = 0; STAMPS[i]; i++) cJSON_DeleteItemFromObjectCaseSensitive(merged, STAMPS[i]);
  if (check_flat(rq, rs, r->target, NULL, merged, HM_SBX_CREATE) != 0) {
    cJSON_Delete(merged);
    cJSON_Delete(doc);
    return;
  }
  hm_sbx_merge(cur, merged);
  cJSON_Delete(merged);
  stamp_translation(cur, owner_key, id);
  cJSON *out = cJSON_Duplicate(cur, 1);
  hm_sbx_save(rq, rs, r->kind, id, doc, 200);
  hm_sbx_json(rs, 200, out);
}

static const hm_sbx_resource CATEGORY = {
    .kind = "help_center_categories",
    .label = "Category",
    .target = "HelpCenterCategory",
    .parent = &HELP_CENTER,
    .paged = 1,
    .show = present_in_place,
    .list_show = present_in_place,
    .may_delete = category_empty,
    .more = &(const hc_facts){"parent_category_id", "category_id"},
};

static const hm_sbx_resource ARTICLE = {
    .kind = "help_center_articles",
    .label = "Article",
    .target = "HelpCenterArticle",
    .parent = &HELP_CENTER,
    .paged = 1,
    .show = present_in_place,
    .list_show = present_in_place,
    .more = &(const hc_facts){"category_id", "article_id"},
};

static void hc_list(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *all = cJSON_CreateArray();
  cJSON_AddItemToArray(all, help_center());
  hm_sbx_page_list(rq, rs, all);
}

#define HC "/api/help-center/help-centers/{id}"
const hm_sbx_route hm_sbx_routes_helpcenter[] = {
  {"GET", "/api/help-center/help-centers", hc_list, NULL},
  {"GET", HC, hm_sbx_crud_get, &HELP_CENTER},
  {"POST", HC "/categories", create_item, &CATEGORY},
  {"GET", HC "/categories", hm_sbx_crud_list, &CATEGORY},
  {"GET", HC "/categories/{id}", hm_sbx_crud_get, &CATEGORY},
  {"DELETE", HC "/categories/{id}", hm_sbx_crud_delete, &CATEGORY},
  {"POST", HC "/articles", create_item, &ARTICLE},
  {"GET", HC "/articles", hm_sbx_crud_list, &ARTICLE},
  {"GET", HC "/articles/{id}", hm_sbx_crud_get, &ARTICLE},
  {"PUT", HC "/articles/{id}", article_update, &ARTICLE},
  {"DELETE", HC "/articles/{id}", hm_sbx_crud_delete, &ARTICLE},
  {"GET", HC "/articles/{id}/translations", translation_list, &ARTICLE},
  {"POST", HC "/articles/{id}/translations", translation_create, &ARTICLE},
  {"PUT", HC "/articles/{id}/translations/{word}", translation_update, &ARTICLE},
  {"GET", HC "/categories/{id}/translations", translation_list, &CATEGORY},
  {"POST", HC "/categories/{id}/translations", translation_create, &CATEGORY},
  {"PUT", HC "/categories/{id}/translations/{word}", translation_update, &CATEGORY},
  {NULL, NULL, NULL, NULL},
};
