/* sbx_util: the small helpers every route shares — Gorgias error bodies, JSON
 * responses, body parsing, clocks, base64 (Basic auth, cursors) and the list
 * envelopes (cursors, reference §3.1; pages, §3.2), so every list behaves the same way. */
#include "sbx.h"
#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void resp_clear(hm_sbx_resp *rs) {
  cJSON_Delete(rs->json);
  rs->json = NULL;
  free(rs->raw);
  rs->raw = NULL;
  rs->raw_len = 0;
}

static void error_body(hm_sbx_resp *rs, int status, const char *msg, const char *field) {
  resp_clear(rs);
  rs->status = status;
  cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");
  cJSON_AddStringToObject(e, "msg", msg);
  if (field && *field) {
    cJSON *data = cJSON_AddObjectToObject(e, "data"), *arr = cJSON_AddArrayToObject(data, field);
    cJSON_AddItemToArray(arr, cJSON_CreateString(msg));
  }
  rs->json = root;
  snprintf(rs->ctype, sizeof rs->ctype, "application/json");
}

void hm_sbx_error(hm_sbx_resp *rs, int status, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  error_body(rs, status, msg, NULL);
}

void hm_sbx_field_error(hm_sbx_resp *rs, const char *field, const char *msg) {
  error_body(rs, 400, msg, field);
}

void hm_sbx_json(hm_sbx_resp *rs, int status, cJSON *body) {
  resp_clear(rs);
  rs->status = status;
  rs->json = body;
  snprintf(rs->ctype, sizeof rs->ctype, "application/json");
}

void hm_sbx_empty(hm_sbx_resp *rs, int status) {
  resp_clear(rs);
  rs->status = status;
}

cJSON *hm_sbx_body(hm_sbx_req *rq, hm_sbx_resp *rs, int allow_array) {
  if (!rq->json) {
    if (!rq->body || rq->body_len == 0) {
      hm_sbx_error(rs, 400, "The request body must be a JSON %s.",
                   allow_array ? "array" : "object");
      return NULL;
    }
    const char *end = NULL;
    rq->json = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, 0);
    while (rq->json && end < rq->body + rq->body_len &&
           (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
      end++;
    if (rq->json && end != rq->body + rq->body_len) {
      cJSON_Delete(rq->json);
      rq->json = NULL;
    } /* trailing bytes */
    if (!rq->json) { hm_sbx_error(rs, 400, "The request body is not valid JSON."); return NULL; }
  }
  if (cJSON_IsObject(rq->json) || (allow_array && cJSON_IsArray(rq->json))) return rq->json;
  hm_sbx_error(rs, 400, "The request body must be a JSON %s.", allow_array ? "array" : "object");
  return NULL;
}

const char *hm_sbx_query_arg(hm_sbx_req *rq, const char *name) {
  if (rq->conn) return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
  for (const char *const *a = rq->args; a && a[0] && a[1]; a += 2)
    if (strcmp(a[0], name) == 0) return a[1];
  return NULL;
}

int hm_sbx_check(hm_sbx_req *rq, hm_sbx_resp *rs, const char *target, cJSON *body,
                 hm_sbx_mode mode) {
  char msg[512], field[256];
  if (hm_sbx_validate(rq->ctx->schema, target, body, mode, rq->ctx->refuse_created_on_put, msg,
                      sizeof msg, field, sizeof field) == 0)
    return 0;
  hm_sbx_field_error(rs, field, msg);
  return -1;
}

void hm_sbx_now(char out[40]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, 40 - n, ".%06d+00:00", (int)(ts.tv_nsec / 1000) % 1000000);
}

double hm_sbx_clock(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void hm_sbx_sleep(double seconds) {
  if (!(seconds > 0)) return;
  struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *hm_sbx_b64_encode(const unsigned char *p, size_t n) {
  char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
  if (!out) return NULL;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                 (i + 2 < n ? p[i + 2] : 0);
    *o++ = B64[v >> 18 & 63];
    *o++ = B64[v >> 12 & 63];
    *o++ = i + 1 < n ? B64[v >> 6 & 63] : '=';
    *o++ = i + 2 < n ? B64[v & 63] : '=';
  }
  *o = '\0';
  return out;
}

unsigned char *hm_sbx_b64_decode(const char *s, size_t *n) {
  size_t len = strlen(s);
  unsigned char *out = malloc(len / 4 * 3 + 3), *o = out;
  if (!out) return NULL;
  unsigned v = 0;
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    const char *c = s[i] ? strchr(B64, s[i]) : NULL;
    if (s[i] == '=') break;
    if (!c) { free(out); return NULL; }
    v = v << 6 | (unsigned)(c - B64);
    bits += 6;
    if (bits >= 8) { bits -= 8; *o++ = (unsigned char)(v >> bits & 0xff); }
  }
  *o = '\0';
  *n = (size_t)(o - out);
  return out;
}

/* Cursors are base64 of ["next"|"prev", id, sort key]: opaque to clients, like
 * Gorgias'; the key lets a page continue an order_by on a field. */
static char *make_cursor(const char *dir, long long id, const char *key) {
  cJSON *c = cJSON_CreateArray();
  cJSON_AddItemToArray(c, cJSON_CreateString(dir));
  cJSON_AddItemToArray(c, cJSON_CreateNumber((double)id));
  cJSON_AddItemToArray(c, cJSON_CreateString(key ? key : ""));
  char *text = cJSON_PrintUnformatted(c);
  cJSON_Delete(c);
  char *out = text ? hm_sbx_b64_encode((const unsigned char *)text, strlen(text)) : NULL;
  free(text);
  return out;
}

static int read_cursor(const char *cur, int *prev, long long *id, char *key, size_t keylen) {
  size_t n;
  unsigned char *text = hm_sbx_b64_decode(cur, &n);
  if (!text) return -1;
  cJSON *j = cJSON_Parse((const char *)text);
  free(text);
  int ok = cJSON_IsArray(j) && cJSON_GetArraySize(j) == 3 &&
           cJSON_IsString(cJSON_GetArrayItem(j, 0)) && cJSON_IsNumber(cJSON_GetArrayItem(j, 1)) &&
           cJSON_IsString(cJSON_GetArrayItem(j, 2));
  if (ok) {
    const char *d = cJSON_GetArrayItem(j, 0)->valuestring;
    *prev = strcmp(d, "prev") == 0;
    ok = (*prev || strcmp(d, "next") == 0) && hm_sbx_is_int(cJSON_GetArrayItem(j, 1)->valuedouble);
    *id = ok ? (long long)cJSON_GetArrayItem(j, 1)->valuedouble : 0;
    snprintf(key, keylen, "%s", cJSON_GetArrayItem(j, 2)->valuestring);
  }
  cJSON_Delete(j);
  return ok ? 0 : -1;
}

/* The sort key of DOC as SQLite's CAST(json_extract(...) AS TEXT) renders it. */
static void sort_key(const cJSON *doc, const char *field, char *out, size_t n) {
  const cJSON *v = field ? cJSON_GetObjectItemCaseSensitive(doc, field) : NULL;
  if (cJSON_IsString(v)) snprintf(out, n, "%s", v->valuestring);
  else if (cJSON_IsNumber(v) && hm_sbx_is_int(v->valuedouble))
    snprintf(out, n, "%lld", (long long)v->valuedouble);
  else if (cJSON_IsNumber(v)) snprintf(out, n, "%.15g", v->valuedouble);
  else if (cJSON_IsBool(v)) snprintf(out, n, "%d", cJSON_IsTrue(v));
  else out[0] = '\0';
}

static int parse_limit(const char *s, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end || v < 1 || v > 100) return -1;
  *out = (int)v;
  return 0;
}

/* order_by=<field>:asc|desc; FIELD gets the field (empty: none given). */
static int parse_order(hm_sbx_req *rq, hm_sbx_resp *rs, const char *const *order_ok, int *desc,
                       char *field, size_t fieldlen) {
  const char *ob = hm_sbx_query_arg(rq, "order_by");
  *desc = 0;
  field[0] = '\0';
  if (!ob) return 0;
  const char *colon = strchr(ob, ':');
  size_t flen = colon ? (size_t)(colon - ob) : strlen(ob);
  int field_ok = order_ok == NULL && flen > 0 && flen < fieldlen;
  for (int i = 0; order_ok && order_ok[i]; i++)
    if (strlen(order_ok[i]) == flen && strncmp(order_ok[i], ob, flen) == 0) field_ok = 1;
  for (size_t i = 0; i < flen && field_ok; i++)
    if (!(ob[i] == '_' || (ob[i] >= 'a' && ob[i] <= 'z'))) field_ok = 0;
  if (!field_ok || (colon && strcmp(colon, ":asc") != 0 && strcmp(colon, ":desc") != 0)) {
    hm_sbx_field_error(rs, "order_by",
                       "order_by: invalid value; expected <field>:asc or <field>:desc with a field "
                       "this list can be ordered by.");
    return -1;
  }
  *desc = colon && strcmp(colon, ":desc") == 0;
  snprintf(field, fieldlen, "%.*s", (int)flen, ob);
  return 0;
}

static long long doc_id(const cJSON *doc) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
  return cJSON_IsNumber(id) && hm_sbx_is_int(id->valuedouble) ? (long long)id->valuedouble : 0;
}

void hm_sbx_list(hm_sbx_req *rq, hm_sbx_resp *rs, hm_sbx_query *q, const char *const *order_ok,
                 void (*map)(hm_sbx_req *, cJSON *)) {
  int limit = 30, prev = 0;
  const char *ls = hm_sbx_query_arg(rq, "limit"), *cur = hm_sbx_query_arg(rq, "cursor");
  char field[64], path[72], key[1100] = "";
  if (ls && parse_limit(ls, &limit) != 0) {
    hm_sbx_field_error(rs, "limit", "limit: must be an integer from 1 to 100.");
    return;
  }
  if (parse_order(rq, rs, order_ok, &q->desc, field, sizeof field) != 0) return;
  snprintf(path, sizeof path, "$.%s", field);
  q->sort_path = field[0] ? path : NULL;
  q->after = 0;
  if (cur && *cur && read_cursor(cur, &prev, &q->after, key, sizeof key) != 0) {
    hm_sbx_field_error(rs, "cursor", "cursor: invalid cursor.");
    return;
  }
  q->after_key = key;
  q->before_mode = prev;
  q->limit = limit + 1;  /* one extra row tells whether another page exists */
  cJSON *rows = hm_sbx_store_query(rq->ctx->store, q);
  if (!rows) { hm_sbx_error(rs, 500, "Storage error."); return; }
  int n = cJSON_GetArraySize(rows), more = n > limit;
  if (more) cJSON_DeleteItemFromArray(rows, prev ? 0 : n - 1);
  n = cJSON_GetArraySize(rows);
  /* going forward, a cursor means something lies before; going back, the extra row says so */
  int has_before = prev ? more : q->after > 0;
  int has_after = prev ? 1 : more;
  char *pc = NULL, *nc = NULL;
  if (n && has_before) {
    const cJSON *first = cJSON_GetArrayItem(rows, 0);
    sort_key(first, field[0] ? field : NULL, key, sizeof key);
    pc = make_cursor("prev", doc_id(first), key);
  }
  if (n && has_after) {
    const cJSON *last = cJSON_GetArrayItem(rows, n - 1);
    sort_key(last, field[0] ? field : NULL, key, sizeof key);
    nc = make_cursor("next", doc_id(last), key);
  }
  if (map) for (cJSON *it = rows->child; it; it = it->next) map(rq, it);
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "object", "list");
  cJSON_AddStringToObject(root, "uri", rq->path);
  cJSON_AddItemToObject(root, "data", rows);
  cJSON *meta = cJSON_AddObjectToObject(root, "meta");
  cJSON_AddItemToObject(meta, "prev_cursor", pc ? cJSON_CreateString(pc) : cJSON_CreateNull());
  cJSON_AddItemToObject(meta, "next_cursor", nc ? cJSON_CreateString(nc) : cJSON_CreateNull());
  free(pc);
  free(nc);
  hm_sbx_json(rs, 200, root);
}

void hm_sbx_page_list(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *all) {
  const char *ps = hm_sbx_query_arg(rq, "page"), *pps = hm_sbx_query_arg(rq, "per_page");
  long page = ps ? strtol(ps, NULL, 10) : 1, per = pps ? strtol(pps, NULL, 10) : 20;
  if (page < 1 || page > 1000000 || per < 1 || per > 100) {
    cJSON_Delete(all);
    hm_sbx_error(rs, 400, "page must be from 1 to 1000000 and per_page from 1 to 100.");
    return;
  }
  int n = cJSON_GetArraySize(all);
  long pages = (n + per - 1) / per;
  cJSON *data = cJSON_CreateArray();
  int i = 0;
  for (cJSON *e = all->child; e; e = e->next, i++)
    if (i >= (page - 1) * per && i < page * per) cJSON_AddItemToArray(data, cJSON_Duplicate(e, 1));
  cJSON_Delete(all);
  cJSON *root = cJSON_CreateObject();
  cJSON_AddItemToObject(root, "data", data);
  cJSON *meta = cJSON_AddObjectToObject(root, "meta");
  cJSON_AddNumberToObject(meta, "page", (double)page);
  cJSON_AddNumberToObject(meta, "per_page", (double)per);
  cJSON_AddNumberToObject(meta, "current_page", (double)page);
  cJSON_AddNumberToObject(meta, "item_count", n);
  cJSON_AddNumberToObject(meta, "nb_pages", (double)pages);
  cJSON_AddItemToObject(meta, "next_page",
                        page < pages ? cJSON_CreateNumber((double)page + 1) : cJSON_CreateNull());
  hm_sbx_json(rs, 200, root);
}

void hm_sbx_merge(cJSON *dst, const cJSON *src) {
  for (const cJSON *it = src ? src->child : NULL; it; it = it->next) {
    cJSON *dup = cJSON_Duplicate(it, 1);
    if (!dup) continue;
    if (cJSON_GetObjectItemCaseSensitive(dst, it->string))
      cJSON_ReplaceItemInObjectCaseSensitive(dst, it->string, dup);
    else cJSON_AddItemToObject(dst, it->string, dup);
  }
}

int hm_sbx_get_id(const cJSON *v, long long *out) {
  if (cJSON_IsObject(v)) v = cJSON_GetObjectItemCaseSensitive(v, "id");
  if (!cJSON_IsNumber(v) || !hm_sbx_is_int(v->valuedouble) || v->valuedouble < 0) return -1;
  *out = (long long)v->valuedouble;
  return 0;
}

void hm_sbx_set_item(cJSON *o, const char *k, cJSON *v) {
  if (!v) return;
  if (cJSON_GetObjectItemCaseSensitive(o, k)) cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
  else cJSON_AddItemToObject(o, k, v);
}
void hm_sbx_set_str(cJSON *o, const char *k, const char *v) {
  hm_sbx_set_item(o, k, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}
void hm_sbx_set_num(cJSON *o, const char *k, double v) {
  hm_sbx_set_item(o, k, cJSON_CreateNumber(v));
}
