/* hm_pause: automation paused for a run and put back — what a consultant does
 * by hand before an import (gorgias-api.md §6: "consider deactivating rules
 * during import"), made safe. A rule is paused by setting its
 * deactivated_datetime, a setting switch by PUTting it false. Invariants:
 * - each change is committed to the state (table paused, state "intent")
 *   before its PUT leaves, so a kill -9 at any point leaves a row to restore;
 * - a restore reads the value back first and puts back only a value that still
 *   holds what the run set (a rule's stamp to the second, a switch still off):
 *   a rule the consultant re-activated, or deactivated again with another
 *   stamp, is left alone and named; nothing the run did not change is touched;
 * - a row is closed (restored, unchanged, left, gone) only once Gorgias has
 *   answered; an unreachable target leaves it open for the next restore. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rn.h"

/* ---- values ---- */

/* The member at dotted PATH under O, or NULL. */
static const cJSON *member_at(const cJSON *o, const char *path) {
  char seg[128];
  while (o && *path) {
    size_t n = strcspn(path, ".");
    snprintf(seg, sizeof seg, "%.*s", (int)n, path);
    o = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, seg) : NULL;
    path += n + (path[n] == '.');
  }
  return o;
}

/* {"a": {"b": V}} for PATH "a.b". */
static cJSON *nest(const char *path, cJSON *v) {
  const char *dot = strrchr(path, '.');
  if (!dot) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, path, v);
    return o;
  }
  char head[256];
  snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, dot + 1, v);
  return nest(head, o);
}

/* Same value: datetimes to the second (Gorgias may render the stamp with
   microseconds or another offset form), anything else exactly. */
static int same(const cJSON *cur, const char *want_json) {
  cJSON *w = want_json ? cJSON_Parse(want_json) : NULL;
  int eq;
  if (cJSON_IsString(cur) && cJSON_IsString(w))
    eq = strlen(cur->valuestring) >= 19 && strlen(w->valuestring) >= 19 &&
         !strncmp(cur->valuestring, w->valuestring, 19);
  else eq = cur && w && cJSON_Compare(cur, w, 1);
  if (!cur && cJSON_IsNull(w)) eq = 1;   /* an absent stamp is an active rule */
  cJSON_Delete(w);
  return eq;
}

static char *json_text(const cJSON *v) {
  return v ? cJSON_PrintUnformatted(v) : strdup("null");
}

static void now_stamp(char out[40]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 40, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

/* ---- one value on Gorgias ---- */

/* The setting's id: the digits that end its PUT path. */
static long long path_id(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? strtoll(s + 1, NULL, 10) : 0;
}

/* GET the object the row changed; *obj is the object (caller frees the
   response). Returns the HTTP status (0 unreachable, 404 gone). */
static long read_object(hm_http *h, const hm_pause_row *r, hm_http_resp *resp,
                        const cJSON **obj, hm_pause_tally *t) {
  int setting = !strcmp(r->kind, "setting");
  hm_http_request(h, "GET", setting ? HM_GORGIAS_ROUTES.account : r->path, NULL, 1, resp);
  t->calls++;
  *obj = NULL;
  if (resp->status < 200 || resp->status >= 300) return resp->status;
  if (!setting) { *obj = resp->json; return resp->status; }
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(resp->json, "settings"), *s;
  cJSON_ArrayForEach(s, list)
    if (hm_rn_json_id(s) == path_id(r->path)) *obj = s;
  return *obj ? resp->status : 404;
}

/* PUT VALUE_JSON at the row's member; the answer's value of it into *after. */
static long put_value(hm_http *h, const hm_pause_row *r, const char *value_json, char **after,
                      char *err, size_t errlen, hm_pause_tally *t) {
  cJSON *body = nest(r->member, cJSON_Parse(value_json));
  if (!strcmp(r->kind, "setting")) {   /* {type, data}: the type is the name's head */
    char type[128];
    snprintf(type, sizeof type, "%.*s", (int)strcspn(r->name, "."), r->name);
    cJSON_AddStringToObject(body, "type", type);
  }
  hm_http_resp resp;
  hm_http_request(h, "PUT", r->path, body, 1, &resp);
  t->calls++;
  cJSON_Delete(body);
  long st = resp.status;
  if (st >= 200 && st < 300 && after) {
    const cJSON *v = member_at(resp.json, r->member);
    *after = v ? json_text(v) : strdup(value_json);
  }
  if (st < 200 || st >= 300)
    snprintf(err, errlen, "%.250s", resp.err[0] ? resp.err : "no answer");
  hm_http_resp_free(&resp);
  return st;
}

/* ---- pausing ---- */

static int pause_one(hm_http *h, hm_store *st, const cJSON *it, hm_progress *p,
                     hm_pause_tally *t, char *err, size_t errlen) {
  char now[40], stamp[48];
  now_stamp(now);
  snprintf(stamp, sizeof stamp, "\"%s\"", now);
  hm_pause_row r = { .kind = hm_rn_json_str(it, "kind"), .name = hm_rn_json_str(it, "name"),
                     .path = hm_rn_json_str(it, "path"), .member = hm_rn_json_str(it, "member") };
  int rule = !strcmp(r.kind, "rule");
  r.before = rule ? "null" : "true";
  r.sent = rule ? stamp : "false";
  long long id = hm_store_pause_intent(st, &r);
  if (id < 0) {
    snprintf(err, errlen, "cannot record the pause of %s in the state", r.name);
    return 2;
  }
  char *after = NULL, why[260] = "";
  long code = put_value(h, &r, r.sent, &after, why, sizeof why, t);
  if (code >= 200 && code < 300) {
    hm_store_pause_set(st, id, "paused", after, NULL);
    t->paused++;
    char msg[400];
    snprintf(msg, sizeof msg, "paused %s \"%s\" for the run", r.kind, r.name);
    hm_progress_note(p, "info", msg);
    free(after);
    return 0;
  }
  free(after);
  if (code) hm_store_pause_set(st, id, "unchanged", NULL, why);   /* refused: nothing changed */
  snprintf(err, errlen, "cannot pause %s \"%s\" (%s): nothing was imported; pause it by hand "
           "or allow it (--allow-rule / --allow-setting)", r.kind, r.name, why);
  return code ? 3 : 4;
}

int hm_pause_apply(hm_http *h, hm_store *st, const cJSON *to_pause, hm_progress *p,
                   hm_pause_tally *t, char *err, size_t errlen) {
  const cJSON *it;
  cJSON_ArrayForEach(it, to_pause) {
    int rc = pause_one(h, st, it, p, t, err, errlen);
    if (rc) return rc;
  }
  return 0;
}

/* ---- restoring ---- */

static int collect(void *ctx, const hm_pause_row *r) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "id", (double)r->id);
  const char *k[] = { "kind", "name", "path", "member", "before", "sent", "after", "state",
                      "note" };
  const char *v[] = { r->kind, r->name, r->path, r->member, r->before, r->sent, r->after,
                      r->state, r->note };
  for (int i = 0; i < 9; i++)
    if (v[i]) cJSON_AddStringToObject(o, k[i], v[i]);
  cJSON_AddItemToArray(ctx, o);
  return 0;
}

static hm_pause_row row_of(const cJSON *o) {
  hm_pause_row r = { (long long)cJSON_GetObjectItemCaseSensitive(o, "id")->valuedouble,
                     hm_rn_json_str(o, "kind"), hm_rn_json_str(o, "name"),
                     hm_rn_json_str(o, "path"), hm_rn_json_str(o, "member"),
                     hm_rn_json_str(o, "before"), hm_rn_json_str(o, "sent"),
                     hm_rn_json_str(o, "after"), hm_rn_json_str(o, "state"),
                     hm_rn_json_str(o, "note") };
  return r;
}

/* Decide from the value read back: 0 closed, 1 left alone, 4 unreachable. */
static int restore_one(hm_http *h, hm_store *st, const hm_pause_row *r, hm_progress *p,
                       hm_pause_tally *t) {
  hm_http_resp resp;
  const cJSON *obj;
  long code = read_object(h, r, &resp, &obj, t);
  char msg[600], why[260] = "";
  int rc = 0;
  const cJSON *cur = obj ? member_at(obj, r->member) : NULL;
  int ours = obj && (same(cur, r->after) || same(cur, r->sent));
  if (code == 404) {
    hm_store_pause_set(st, r->id, "gone", NULL, "deleted since the run paused it");
    snprintf(msg, sizeof msg, "%s \"%s\" was deleted since the run paused it: nothing to put "
             "back", r->kind, r->name);
    hm_progress_note(p, "warning", msg);
  } else if (!obj) {
    rc = 4;
  } else if (ours) {
    long put = put_value(h, r, r->before, NULL, why, sizeof why, t);
    if (put >= 200 && put < 300) {
      hm_store_pause_set(st, r->id, "restored", NULL, NULL);
      t->restored++;
      snprintf(msg, sizeof msg, "put back %s \"%s\" (active again)", r->kind, r->name);
      hm_progress_note(p, "info", msg);
    } else {
      snprintf(msg, sizeof msg, "cannot put back %s \"%s\" (%s): run hmaprun "
               "restore-automation again", r->kind, r->name, why);
      hm_progress_note(p, "warning", msg);
      rc = put ? 1 : 4;
    }
  } else if (same(cur, r->before)) {   /* the PUT never landed, or it was put back by hand */
    hm_store_pause_set(st, r->id, !strcmp(r->state, "intent") ? "unchanged" : "restored",
                       NULL, "already as before");
  } else {
    char *now = json_text(cur);
    hm_store_pause_set(st, r->id, "left", NULL, "changed by someone else since the pause");
    snprintf(msg, sizeof msg, "%s \"%s\" was changed since the run paused it (now %s): left "
             "as it is", r->kind, r->name, now);
    free(now);
    hm_progress_note(p, "warning", msg);
    t->left++;
    rc = 1;
  }
  hm_http_resp_free(&resp);
  return rc;
}

int hm_pause_restore(hm_http *h, hm_store *st, hm_progress *p, hm_pause_tally *t) {
  cJSON *rows = cJSON_CreateArray();
  hm_store_pause_each(st, 1, collect, rows);
  int rc = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, rows) {
    hm_pause_row r = row_of(o);
    int one = restore_one(h, st, &r, p, t);
    if (one > rc) rc = one;
    if (one == 4) break;
  }
  if (rc == 4)
    hm_progress_note(p, "warning", "the target did not answer: the paused automation stays "
                                   "paused; run hmaprun restore-automation to put it back");
  cJSON_Delete(rows);
  return rc;
}

cJSON *hm_pause_json(hm_store *st) {
  cJSON *rows = cJSON_CreateArray();
  hm_store_pause_each(st, 0, collect, rows);
  cJSON *o;
  cJSON_ArrayForEach(o, rows) {   /* the report says what and how it ended, not the values */
    static const char *const DROP[] = { "id", "path", "member", "before", "sent", "after" };
    for (size_t i = 0; i < sizeof DROP / sizeof *DROP; i++)
      cJSON_DeleteItemFromObjectCaseSensitive(o, DROP[i]);
  }
  if (!cJSON_GetArraySize(rows)) { cJSON_Delete(rows); return NULL; }
  return rows;
}

static int count_row(void *ctx, const hm_pause_row *r) {
  (void)r;
  ++*(long long *)ctx;
  return 0;
}

long long hm_pause_open(hm_store *st) {
  long long n = 0;
  hm_store_pause_each(st, 1, count_row, &n);
  return n;
}
