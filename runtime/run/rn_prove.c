/* hm_prove: write permission per object kind, proved before the first create.
 * Gorgias publishes no matrix of what each role may write (gorgias-fidelity.md
 * 1.3), so the preflight proves it: for each kind of HM_GORGIAS_PROVE the plan
 * writes, one existing object the key can read (for users the key's own user)
 * gets a PUT of a field's unchanged value. A 403 there means the kind's
 * records will be refused: they are reported refused with Gorgias' message
 * without trying each. What is not proved: a kind with no existing object the
 * key can read, the Help Center, tickets and what rides on them (a PUT on a
 * ticket fires ticket-updated rules), and that a key allowed to PUT may also
 * POST (Gorgias' roles are per kind, not per method, as far as the sources say). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rn.h"

typedef struct first { cJSON *obj; } first;

static int take_first(void *ctx, const cJSON *item) {
  first *f = ctx;
  if (!f->obj) f->obj = cJSON_Duplicate(item, 1);
  return 1;   /* one is enough */
}

/* Query-safe copy of s (letters, digits, "-._~" kept; the rest %XX). */
static void query_escape(const char *s, char *out, size_t cap) {
  size_t n = 0;
  for (; *s && n + 4 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        strchr("-._~", c))
      out[n++] = (char)c;
    else n += (size_t)snprintf(out + n, cap - n, "%%%02X", c);
  }
  out[n] = 0;
}

/* The key's own user (by the account answer's e-mail), else the first listed. */
static cJSON *an_object(hm_http *h, hm_gkind k, long long *calls) {
  const hm_gorgias_kind *g = &HM_GORGIAS[k];
  first f = { NULL };
  char path[600], err[300];
  const char *me = hm_rn_json_str(hm_http_account_user(h), "email");
  if (k == HM_GK_USER && me && g->filters[0].param) {
    char q[400];
    query_escape(me, q, sizeof q);
    snprintf(path, sizeof path, "%s?%s=%s", g->collection, g->filters[0].param, q);
    hm_http_list(h, path, 1, take_first, &f, err, sizeof err);
    ++*calls;
  }
  if (!f.obj) {
    hm_http_list(h, g->collection, 1, take_first, &f, err, sizeof err);
    ++*calls;
  }
  return f.obj;
}

static void item_path(const hm_gorgias_kind *g, long long id, char *out, size_t cap) {
  const char *brace = strstr(g->item, "{id}");
  if (brace) snprintf(out, cap, "%.*s%lld%s", (int)(brace - g->item), g->item, id, brace + 4);
  else snprintf(out, cap, "%s/%lld", g->collection, id);
}

/* One kind: 1 refused (forbidden gets "POST T" and "PUT T"), 0 otherwise. */
static int prove_one(hm_http *h, const hm_gorgias_prove *pv, hm_progress *p, cJSON *forbidden,
                     long long *calls) {
  const hm_gorgias_kind *g = &HM_GORGIAS[pv->kind];
  cJSON *obj = an_object(h, pv->kind, calls);
  const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, pv->field) : NULL;
  long long id = obj ? hm_rn_json_id(obj) : 0;
  char msg[900];
  if (!v || !id) {
    snprintf(msg, sizeof msg, "write permission for %s not proved: no existing object the key "
             "can read (its first create will tell)", g->name);
    hm_progress_note(p, "info", msg);
    cJSON_Delete(obj);
    return 0;
  }
  char path[300];
  item_path(g, id, path, sizeof path);
  cJSON *body = cJSON_CreateObject();
  cJSON_AddItemToObject(body, pv->field, cJSON_Duplicate(v, 1));
  hm_http_resp r;
  hm_http_request(h, "PUT", path, body, 1, &r);
  ++*calls;
  int refused = r.status == 403;
  if (refused) {
    static const char *const METHODS[] = { "POST", "PUT" };
    for (int i = 0; i < 2; i++) {
      char kind[200], why[sizeof r.err + 300];
      snprintf(kind, sizeof kind, "%s %s", METHODS[i], g->name);
      snprintf(why, sizeof why, "refused by Gorgias (%s) at the preflight's write check: the "
               "API key's role may not write %s; the rest of the migration goes on", r.err,
               g->name);
      if (!cJSON_GetObjectItemCaseSensitive(forbidden, kind))
        cJSON_AddStringToObject(forbidden, kind, why);
    }
  }
  snprintf(msg, sizeof msg, refused ? "write permission for %s: refused (%s), its records will "
           "be reported refused without being sent" : "write permission for %s: %s",
           g->name, refused ? r.err : r.status >= 200 && r.status < 300 ? "proved"
                                      : "not proved (no clear answer)");
  hm_progress_note(p, refused ? "warning" : "info", msg);
  hm_http_resp_free(&r);
  cJSON_Delete(body);
  cJSON_Delete(obj);
  return refused;
}

int hm_prove_writes(hm_http *h, const cJSON *targets, hm_progress *p, cJSON *forbidden,
                    long long *calls) {
  int refused = 0;
  for (const hm_gorgias_prove *pv = HM_GORGIAS_PROVE; pv->kind != HM_GK_COUNT; pv++)
    if (!targets || cJSON_HasObjectItem(targets, HM_GORGIAS[pv->kind].name))
      refused += prove_one(h, pv, p, forbidden, calls);
  return refused;
}
