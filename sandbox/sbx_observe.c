/* sbx_observe: the sandbox-only routes under /_sandbox (no auth, no rate limit,
 * no faults) that tests use to look behind the API: a dump of every stored
 * object, request statistics, the outbox of messages Gorgias would have e-mailed
 * (and what rules and settings would send, kind "outbox"), a reset, and raw
 * access to stored documents that bypasses validation so verify tests can
 * tamper with what a migration wrote. */
#include "sbx.h"
#include <string.h>

static const char *const KINDS[] = {"customers",
                                    "users",
                                    "teams",
                                    "tags",
                                    "custom_fields",
                                    "tickets",
                                    "uploads",
                                    "help_center_categories",
                                    "help_center_articles",
                                    "satisfaction_surveys",
                                    "rules",
                                    "jobs",
                                    "messages",
                                    NULL};

static int known_kind(const char *k) {
  for (int i = 0; KINDS[i]; i++) if (strcmp(KINDS[i], k) == 0) return 1;
  return 0;
}

static cJSON *all_of(hm_sbx_store *st, const char *kind, long long parent) {
  hm_sbx_query q = {.kind = kind, .parent = parent};
  cJSON *rows = hm_sbx_store_query(st, &q);
  return rows ? rows : cJSON_CreateArray();
}

static void dump(hm_sbx_req *rq, hm_sbx_resp *rs) {
  hm_sbx_store *st = rq->ctx->store;
  cJSON *root = cJSON_CreateObject();
  for (int i = 0; KINDS[i]; i++) {
    if (strcmp(KINDS[i], "messages") == 0) continue;  /* they are inside their tickets */
    cJSON *rows = all_of(st, KINDS[i], -1);
    if (strcmp(KINDS[i], "tickets") == 0)
      for (cJSON *t = rows->child; t; t = t->next) {
        long long id = 0;
        hm_sbx_get_id(t, &id);
        hm_sbx_set_item(t, "messages", all_of(st, "messages", id));
      }
    cJSON_AddItemToObject(root, KINDS[i], rows);
  }
  hm_sbx_json(rs, 200, root);
}

static void stats(hm_sbx_req *rq, hm_sbx_resp *rs) {
  hm_sbx_ctx *ctx = rq->ctx;
  cJSON *root = cJSON_CreateObject();
  pthread_mutex_lock(&ctx->stats.mu);
  cJSON_AddNumberToObject(root, "requests", (double)ctx->stats.requests);
  cJSON_AddNumberToObject(root, "rate_limited", (double)ctx->stats.rate_limited);
  cJSON_AddItemToObject(root, "routes", cJSON_Duplicate(ctx->stats.by_route, 1));
  pthread_mutex_unlock(&ctx->stats.mu);
  cJSON *faults = cJSON_AddObjectToObject(root, "faults");
  pthread_mutex_lock(&ctx->faults.mu);
  for (int k = HM_SBX_FAULT_429; k < HM_SBX_FAULT_KINDS; k++)
    cJSON_AddNumberToObject(faults, hm_sbx_fault_name((hm_sbx_fault_kind)k),
                            (double)ctx->faults.served[k]);
  pthread_mutex_unlock(&ctx->faults.mu);
  hm_sbx_json(rs, 200, root);
}

/* public, not an internal note, no sent_datetime: Gorgias would send it */
static int would_send(const cJSON *m) {
  const cJSON *pub = cJSON_GetObjectItemCaseSensitive(m, "public"),
              *ch = cJSON_GetObjectItemCaseSensitive(m, "channel"),
              *sent = cJSON_GetObjectItemCaseSensitive(m, "sent_datetime");
  if (cJSON_IsFalse(pub)) return 0;
  if (cJSON_IsString(ch) && strcmp(ch->valuestring, "internal-note") == 0) return 0;
  return !sent || cJSON_IsNull(sent) || (cJSON_IsString(sent) && !sent->valuestring[0]);
}

static void outbox(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *all = all_of(rq->ctx->store, "messages", -1), *data = cJSON_CreateArray();
  for (cJSON *m = all->child; m; m = m->next)
    if (would_send(m)) cJSON_AddItemToArray(data, cJSON_Duplicate(m, 1));
  cJSON_Delete(all);
  /* then what automation would send (sbx_automation.c, sbx_settings.c) */
  all = all_of(rq->ctx->store, "outbox", -1);
  for (cJSON *m = all->child; m; m = m->next) cJSON_AddItemToArray(data, cJSON_Duplicate(m, 1));
  cJSON_Delete(all);
  cJSON *root = cJSON_CreateObject();
  cJSON_AddItemToObject(root, "data", data);
  hm_sbx_json(rs, 200, root);
}

static void reset(hm_sbx_req *rq, hm_sbx_resp *rs) {
  hm_sbx_ctx *ctx = rq->ctx;
  if (hm_sbx_store_reset(ctx->store) != 0) { hm_sbx_error(rs, 500, "Storage error."); return; }
  hm_sbx_rate_reset(&ctx->rate);
  hm_sbx_faults_reset(&ctx->faults);
  pthread_mutex_lock(&ctx->stats.mu);
  cJSON_Delete(ctx->stats.by_route);
  ctx->stats.by_route = cJSON_CreateObject();
  ctx->stats.requests = ctx->stats.rate_limited = 0;
  pthread_mutex_unlock(&ctx->stats.mu);
  cJSON *ok = cJSON_CreateObject();
  cJSON_AddBoolToObject(ok, "reset", 1);
  hm_sbx_json(rs, 200, ok);
}

static int raw_kind(hm_sbx_req *rq, hm_sbx_resp *rs) {
  if (known_kind(rq->word)) return 0;
  hm_sbx_error(rs, 404, "Unknown kind \"%s\".", rq->word);
  return -1;
}

static void raw_get(hm_sbx_req *rq, hm_sbx_resp *rs) {
  if (raw_kind(rq, rs) != 0) return;
  cJSON *doc = hm_sbx_load(rq, rs, rq->word, rq->id[0], rq->word);
  if (doc) hm_sbx_json(rs, 200, doc);
}

/* Replaces the stored document as given (its id is forced to the path id). */
static void raw_put(hm_sbx_req *rq, hm_sbx_resp *rs) {
  if (raw_kind(rq, rs) != 0) return;
  cJSON *b = hm_sbx_body(rq, rs, 0);
  if (!b) return;
  cJSON *old = hm_sbx_load(rq, rs, rq->word, rq->id[0], rq->word);
  if (!old) return;
  cJSON_Delete(old);
  cJSON *doc = cJSON_Duplicate(b, 1);
  hm_sbx_set_num(doc, "id", (double)rq->id[0]);
  if (hm_sbx_store_put(rq->ctx->store, rq->word, rq->id[0], doc) != 0) {
    cJSON_Delete(doc);
    hm_sbx_error(rs, 500, "Storage error.");
    return;
  }
  hm_sbx_json(rs, 200, doc);
}

static void raw_delete(hm_sbx_req *rq, hm_sbx_resp *rs) {
  if (raw_kind(rq, rs) == 0) hm_sbx_delete_one(rq, rs, rq->word, rq->id[0], rq->word, 204);
}

const hm_sbx_route hm_sbx_routes_observe[] = {
  {"GET", "/_sandbox/dump", dump, NULL},
  {"GET", "/_sandbox/stats", stats, NULL},
  {"GET", "/_sandbox/outbox", outbox, NULL},
  {"POST", "/_sandbox/reset", reset, NULL},
  {"GET", "/_sandbox/raw/{word}/{id}", raw_get, NULL},
  {"PUT", "/_sandbox/raw/{word}/{id}", raw_put, NULL},
  {"DELETE", "/_sandbox/raw/{word}/{id}", raw_delete, NULL},
  {NULL, NULL, NULL, NULL},
};
