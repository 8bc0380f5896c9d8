/* hm_verify_source: `verify --map FILE.hbc --data DIR` — what Gorgias should
 * hold, recomputed from the export (the map planned again in memory, never
 * the plan's files nor the bodies the journal sent), compared with what it
 * answers, record by record: the fields the map writes, the messages and
 * notes in number and order, attachments by name and size (as planned),
 * tags as a set. A second pass that overwrote a field, a message deleted or
 * duplicated, a value blanked after creation are differences naming the
 * record's key, the field and both values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rn.h"
#include "hm_run.h"

/* The expected objects, by the ref of the record's object (subject). */
typedef struct expect { cJSON *by_ref; cJSON *order; } expect;

static char *subject_of(const char *phase, const char *path, const char *ref) {
  const char *p = path ? strstr(path, "{ref:") : NULL;
  if ((!strcmp(phase, "update") || !strcmp(phase, "message")) && p) {
    const char *e = strchr(p, '}');
    if (e) return strndup(p + 5, (size_t)(e - p - 5));
  }
  return ref ? strdup(ref) : NULL;
}

/* Updates: top-level fields replace (a PUT is partial, lists replace). */
static void merge_update(cJSON *exp, cJSON *body) {
  cJSON *it = body->child;
  while (it) {
    cJSON *next = it->next;
    cJSON *moved = cJSON_DetachItemViaPointer(body, it);
    cJSON_DeleteItemFromObjectCaseSensitive(exp, moved->string);
    cJSON_AddItemToObject(exp, moved->string, moved);
    it = next;
  }
}

/* One planned call, its references resolved as the run resolves them, folded
 * into the expected object of its record. A record whose create cannot be
 * resolved was not migrated: the ledger counts it, verify leaves it out. */
static void fold_call(expect *x, hm_resolver *rv, const cJSON *c) {
  const char *phase = hm_rn_json_str(c, "phase"), *path = hm_rn_json_str(c, "path");
  if (!phase || !path || !strcmp(phase, "upload")) return;
  char *subj = subject_of(phase, path, hm_rn_json_str(c, "ref"));
  if (!subj) return;
  cJSON *slot = cJSON_GetObjectItemCaseSensitive(x->by_ref, subj);
  hm_resolved res;
  hm_resolve_call(rv, path, cJSON_GetObjectItemCaseSensitive(c, "body"),
                  cJSON_GetObjectItemCaseSensitive(c, "unique"), &res);
  cJSON *body = res.wrap ? cJSON_DetachItemFromObjectCaseSensitive(res.wrap, "body") : NULL;
  /* A follow-up whose reference has no object was never sent: Gorgias should
   * still hold it, so it is expected as planned (and reported missing). */
  if (!body && slot && strcmp(phase, "create"))
    body = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c, "body"), 1);
  if (!strcmp(phase, "create") && body) {
    slot = cJSON_CreateObject();
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(c, "source");
    const char *key = hm_rn_json_str(src, "key");
    cJSON_AddStringToObject(slot, "key", key ? key : subj);
    cJSON_AddItemToObject(slot, "body", body);
    cJSON_AddItemToObject(x->by_ref, subj, slot);
    cJSON_AddItemToArray(x->order, cJSON_CreateString(subj));
    body = NULL;
  } else if (slot && body) {
    cJSON *exp = cJSON_GetObjectItemCaseSensitive(slot, "body");
    cJSON *msgs = cJSON_GetObjectItemCaseSensitive(exp, HM_GORGIAS_ROUTES.nested_list);
    if (!strcmp(phase, "message") && !msgs)
      msgs = cJSON_AddArrayToObject(exp, HM_GORGIAS_ROUTES.nested_list);
    if (!strcmp(phase, "message")) { cJSON_AddItemToArray(msgs, body); body = NULL; }
    else merge_update(exp, body);
  }
  cJSON_Delete(body);
  hm_resolved_free(&res);
  free(subj);
}

static int cmp_names(const void *a, const void *b) {
  const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
  const char *nx = cJSON_IsString(x) ? x->valuestring : hm_rn_json_str(x, "name");
  const char *ny = cJSON_IsString(y) ? y->valuestring : hm_rn_json_str(y, "name");
  return strcmp(nx ? nx : "", ny ? ny : "");
}

/* Tags are a set: both sides sorted by name before they are compared. */
static void sort_tags(cJSON *obj) {
  cJSON *tags = cJSON_GetObjectItemCaseSensitive(obj, "tags");
  int n = cJSON_GetArraySize(tags);
  if (!cJSON_IsArray(tags) || n < 2) return;
  cJSON **v = malloc((size_t)n * sizeof *v);
  if (!v) return;
  for (int i = 0; i < n; i++) v[i] = cJSON_DetachItemFromArray(tags, 0);
  qsort(v, (size_t)n, sizeof *v, cmp_names);
  for (int i = 0; i < n; i++) cJSON_AddItemToArray(tags, v[i]);
  free(v);
}

static int add_message(void *ctx, const cJSON *m) {
  cJSON_AddItemToArray(ctx, cJSON_Duplicate(m, 1));
  return 0;
}

/* Gorgias' object, with its messages read from their list when the object
 * does not carry them. NULL (and *status) when it cannot be read. */
static cJSON *read_back(hm_http *h, const hm_idrow *row, int want_msgs, long *status) {
  char path[600], err[600];
  snprintf(path, sizeof path, "%s/%lld", row->path, row->gid);
  hm_http_resp r;
  hm_http_request(h, "GET", path, NULL, 1, &r);
  *status = r.status;
  cJSON *actual = r.status >= 200 && r.status < 300 ? r.json : NULL;
  r.json = NULL;
  hm_http_resp_free(&r);
  if (actual && want_msgs && !cJSON_GetObjectItemCaseSensitive(actual, "messages")) {
    char q[128];
    snprintf(q, sizeof q, "%s%lld%s", HM_GORGIAS_ROUTES.ticket_messages, row->gid,
             HM_GORGIAS_ROUTES.messages_oldest_first);
    cJSON *msgs = cJSON_AddArrayToObject(actual, "messages");
    hm_http_list(h, q, 0, add_message, msgs, err, sizeof err);
  }
  return actual;
}

/* A ticket's inline customer ({email, name}, found or made by Gorgias with the
 * ticket: no external_id finds it back) is checked through the ticket, as the
 * customer object it names holds it now, not as the ticket's copy; a customer
 * that is gone reads as null. */
static void live_customer(hm_http *h, const cJSON *exp, cJSON *actual) {
  const char *f = HM_GORGIAS_ROUTES.ticket_customer;
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(exp, f);
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(actual, f), "id");
  if (!cJSON_IsObject(e) || cJSON_GetObjectItemCaseSensitive(e, "id") || !cJSON_IsNumber(id))
    return;
  char path[300];
  snprintf(path, sizeof path, "%s/%lld", HM_GORGIAS[HM_GK_CUSTOMER].collection,
           (long long)id->valuedouble);
  hm_http_resp r;
  hm_http_request(h, "GET", path, NULL, 1, &r);
  if (r.status >= 200 && r.status < 300 && cJSON_IsObject(r.json)) {
    cJSON_ReplaceItemInObjectCaseSensitive(actual, f, r.json);
    r.json = NULL;
  } else if (r.status == 404) {
    cJSON_ReplaceItemInObjectCaseSensitive(actual, f, cJSON_CreateNull());
  }
  hm_http_resp_free(&r);
}

/* Fields Gorgias takes but never returns as sent (the profile's unechoed). */
static void drop_unechoed(cJSON *obj, const hm_gorgias_kind *g) {
  for (size_t i = 0; g && g->unechoed[i]; i++)
    cJSON_DeleteItemFromObjectCaseSensitive(obj, g->unechoed[i]);
}

static void prepare(cJSON *exp, cJSON *actual, const hm_idrow *row) {
  drop_unechoed(exp, hm_gorgias_of(row->target, row->path));
  cJSON *m;
  cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(exp, HM_GORGIAS_ROUTES.nested_list))
    drop_unechoed(m, &HM_GORGIAS[HM_GK_MESSAGE]);
  sort_tags(exp);
  sort_tags(actual);
}

/* What tells two messages apart to a reader: channel and text. */
static int same_message(const cJSON *a, const cJSON *b) {
  const char *ca = hm_rn_json_str(a, "channel"), *cb = hm_rn_json_str(b, "channel");
  const char *ta = hm_rn_json_str(a, "body_text"), *tb = hm_rn_json_str(b, "body_text");
  return (!ca || !cb || !strcmp(ca, cb)) && ta && tb && !strcmp(ta, tb);
}

static void describe(hm_buf *out, const cJSON *m) {
  const char *c = hm_rn_json_str(m, "channel"), *t = hm_rn_json_str(m, "body_text");
  hm_buf_printf(out, "%s \"%.60s%s\"", c ? c : "message", t ? t : "",
                t && strlen(t) > 60 ? "…" : "");
}

/* First actual message from j on that is e, or -1. */
static int find_from(const cJSON *act, int j, const cJSON *e) {
  for (int n = cJSON_GetArraySize(act); j < n; j++)
    if (same_message(e, cJSON_GetArrayItem(act, j))) return j;
  return -1;
}

static long long extra_message(const cJSON *exp, const cJSON *a, int j, hm_buf *out) {
  hm_buf_printf(out, "messages: found %d in Gorgias, not in the source: ", j);
  describe(out, a);
  for (int i = 0, n = cJSON_GetArraySize(exp); i < n; i++)
    if (same_message(cJSON_GetArrayItem(exp, i), a)) {
      hm_buf_printf(out, " (a duplicate of messages[%d])", i);
      break;
    }
  hm_buf_printf(out, "\n");
  return 1;
}

/* Messages and notes in number and order, aligned by what they say: one
 * deleted is "missing", one added or duplicated is "found ... not in the
 * source", and the pairs are compared field by field. */
static long long diff_messages(const cJSON *exp, const cJSON *act, hm_buf *out) {
  long long n = 0;
  int ne = cJSON_GetArraySize(exp), na = cJSON_GetArraySize(act), j = 0;
  for (int i = 0; i < ne; i++) {
    const cJSON *e = cJSON_GetArrayItem(exp, i);
    int k = find_from(act, j, e);
    if (k < 0) {
      hm_buf_printf(out, "messages[%d]: expected ", i);
      describe(out, e);
      hm_buf_printf(out, ", found none in Gorgias\n");
      n++;
      continue;
    }
    for (; j < k; j++) n += extra_message(exp, cJSON_GetArrayItem(act, j), j, out);
    char path[48];
    snprintf(path, sizeof path, "messages[%d]", i);
    n += hm_rn_json_diff(e, cJSON_GetArrayItem(act, j++), path, out);
  }
  for (; j < na; j++) n += extra_message(exp, cJSON_GetArrayItem(act, j), j, out);
  return n;
}

static long long diff_record(cJSON *exp, cJSON *actual, hm_buf *out) {
  const char *list = HM_GORGIAS_ROUTES.nested_list;
  cJSON *em = cJSON_DetachItemFromObjectCaseSensitive(exp, list);
  cJSON *am = cJSON_DetachItemFromObjectCaseSensitive(actual, list);
  long long n = hm_rn_json_diff(exp, actual, "", out);
  if (em) n += diff_messages(em, am, out);
  cJSON_Delete(em);
  cJSON_Delete(am);
  return n;
}

/* One record: read back, compare, report its differences. */
static long long check_record(hm_verify_src *v, const char *ref, cJSON *slot) {
  hm_idrow row;
  if (!hm_store_id_get(v->st, ref, &row) || row.deleted || row.gid <= 0) {
    v->unmigrated++;   /* rejected, failed or left: the ledger counts it */
    return 0;
  }
  if (row.reused) return 0;   /* an object from before the migration */
  char ckey[600];
  hm_jrow j;
  snprintf(ckey, sizeof ckey, "create:%s", ref);
  if (hm_store_journal_get(v->st, ckey, &j) && j.status == 409) {
    v->merged++;   /* another record's object (two people, one e-mail): not this one's */
    return 0;
  }
  hm_store_id_get(v->st, ref, &row);   /* row's strings did not survive the journal read */
  hm_idrow keep = row;
  char *path = strdup(row.path ? row.path : ""), *target = strdup(row.target ? row.target : "");
  char *object = strdup(row.object ? row.object : "");
  keep.path = path; keep.target = target; keep.object = object;
  cJSON *exp = cJSON_GetObjectItemCaseSensitive(slot, "body");
  long status = 0;
  cJSON *actual =
      read_back(v->h, &keep, cJSON_GetObjectItemCaseSensitive(exp, "messages") != NULL, &status);
  v->checked++;
  long long n = 0;
  hm_buf d;
  hm_buf_init(&d);
  const char *key = hm_rn_json_str(slot, "key");
  if (status == 404) {
    hm_buf_printf(&d, "missing in Gorgias\n");
    n = 1;
  } else if (!actual) {
    if (status == 401 || status == 403) v->rc = 3;
    else v->rc = status ? 1 : 4;
    hm_buf_printf(&d, "could not be read back (HTTP %ld)\n", status);
    n = 1;
  } else {
    if (hm_gorgias_of(keep.target, keep.path) == &HM_GORGIAS[HM_GK_TICKET])
      live_customer(v->h, exp, actual);
    prepare(exp, actual, &keep);
    n = diff_record(exp, actual, &d);
  }
  if (n) hm_verify_src_report(v, object, key ? key : ref, target, keep.gid, hm_buf_cstr(&d), n);
  if (status == 404 || actual) hm_verified_add(v->tally, object, n == 0);
  hm_buf_free(&d);
  cJSON_Delete(actual);
  free(path); free(target); free(object);
  return n;
}

int hm_verify_source(hm_verify_src *v, const hm_run_planner *pl, const char *hbc,
                     const char *data, long sample) {
  char hash[65] = "", err[512] = "";
  long long max = 0;
  int rc = pl->open(pl->self, hbc, data, sample, hash, &max, err, sizeof err);
  if (rc > 1) { fprintf(stderr, "hmaprun verify: %s\n", err); pl->close(pl->self); return rc; }
  const char *made = hm_store_get_meta(v->st, "map_hash");
  if (made && strcmp(made, hash)) {
    fprintf(stderr, "hmaprun verify: %s was made by another map or other --set values than %s "
                    "(its digest %.12s…, this map's %.12s…): verify against the map and "
                    "settings of the run\n", v->state_path, hbc, made, hash);
    pl->close(pl->self);
    return 2;
  }
  hm_resolver *rv = hm_resolver_open(v->h, v->st);
  expect x = { cJSON_CreateObject(), cJSON_CreateArray() };
  cJSON *c = NULL;
  while (rv && !(rc = pl->next(pl->self, &c, err, sizeof err)) && c) {
    fold_call(&x, rv, c);
    cJSON_Delete(c);
  }
  pl->close(pl->self);
  hm_resolver_close(rv);
  if (rc) fprintf(stderr, "hmaprun verify: %s\n", err);
  const cJSON *ref;
  cJSON_ArrayForEach(ref, x.order) {
    if (rc || v->rc > 1 || (v->stop && *v->stop)) break;
    cJSON *slot = cJSON_GetObjectItemCaseSensitive(x.by_ref, ref->valuestring);
    if (slot) v->diffs += check_record(v, ref->valuestring, slot);
  }
  if (!rc && v->stop && *v->stop) rc = 4;
  cJSON_Delete(x.by_ref);
  cJSON_Delete(x.order);
  return rc ? rc : v->rc > 1 ? v->rc : 0;
}
