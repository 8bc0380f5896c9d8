/* sbx_routes_files: POST /api/upload (multipart/form-data; every file part is
 * one file, the part name its label) answering 201 with an array of
 * {content_type, name, size, url}, 413 over --max-upload; and the download route
 * the returned url points at, so a client can read back what it attached —
 * reference §5.12. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct part {
  char name[256], filename[256], ctype[128];
  const char *data; size_t len;
} part;

static const char *find_bytes(const char *hay, size_t haylen, const char *needle, size_t nlen) {
  if (nlen == 0 || haylen < nlen) return NULL;
  for (size_t i = 0; i + nlen <= haylen; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0) return hay + i;
  return NULL;
}

/* Copies the value of KEY="..." (or KEY=token) from a header line. */
static void header_param(const char *line, size_t len, const char *key, char *out, size_t outlen) {
  out[0] = '\0';
  size_t klen = strlen(key);
  for (size_t i = 0; i + klen + 1 < len; i++) {
    if ((i == 0 || line[i - 1] == ' ' || line[i - 1] == ';') &&
        strncasecmp(line + i, key, klen) == 0 && line[i + klen] == '=') {
      const char *v = line + i + klen + 1, *end = line + len;
      const char *stop;
      if (*v == '"') { v++; stop = memchr(v, '"', (size_t)(end - v)); }
      else { stop = memchr(v, ';', (size_t)(end - v)); }
      if (!stop) stop = end;
      size_t n = (size_t)(stop - v);
      if (n >= outlen) n = outlen - 1;
      memcpy(out, v, n);
      out[n] = '\0';
      return;
    }
  }
}

static void parse_part_headers(const char *h, size_t len, part *p) {
  const char *end = h + len;
  while (h < end) {
    const char *eol = find_bytes(h, (size_t)(end - h), "\r\n", 2);
    size_t n = eol ? (size_t)(eol - h) : (size_t)(end - h);
    if (n > 20 && strncasecmp(h, "Content-Disposition:", 20) == 0) {
      header_param(h, n, "name", p->name, sizeof p->name);
      header_param(h, n, "filename", p->filename, sizeof p->filename);
    } else if (n > 13 && strncasecmp(h, "Content-Type:", 13) == 0) {
      const char *v = h + 13;
      while (v < h + n && *v == ' ') v++;
      size_t vn = (size_t)(h + n - v);
      if (vn >= sizeof p->ctype) vn = sizeof p->ctype - 1;
      memcpy(p->ctype, v, vn);
      p->ctype[vn] = '\0';
    }
    if (!eol) break;
    h = eol + 2;
  }
}

/* Splits a multipart body into parts; returns the count or -1 if malformed. */
static int parse_multipart(const char *body, size_t len, const char *boundary, part *parts,
                           int max) {
  char delim[300];
  int dl = snprintf(delim, sizeof delim, "--%s", boundary);
  if (dl <= 2 || (size_t)dl >= sizeof delim) return -1;
  const char *p = find_bytes(body, len, delim, (size_t)dl), *end = body + len;
  int n = 0;
  while (p) {
    p += dl;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-') return n;  /* closing delimiter */
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return -1;
    p += 2;
    const char *hend = find_bytes(p, (size_t)(end - p), "\r\n\r\n", 4);
    if (!hend) return -1;
    char nd[304];
    int ndl = snprintf(nd, sizeof nd, "\r\n%s", delim);
    const char *next = find_bytes(hend + 4, (size_t)(end - hend - 4), nd, (size_t)ndl);
    if (!next) return -1;
    if (n < max) {
      memset(&parts[n], 0, sizeof parts[n]);
      parse_part_headers(p, (size_t)(hend - p), &parts[n]);
      parts[n].data = hend + 4;
      parts[n].len = (size_t)(next - hend - 4);
      n++;
    }
    p = next + 2;
  }
  return -1;
}

static const char *const UPLOAD_TYPES[] = {"attachment", "public_attachment", "profile_picture",
                                           "widget_picture", NULL};

static void upload(hm_sbx_req *rq, hm_sbx_resp *rs) {
  const char *type = hm_sbx_query_arg(rq, "type");
  int known = !type;
  for (int i = 0; type && UPLOAD_TYPES[i]; i++) known |= strcmp(type, UPLOAD_TYPES[i]) == 0;
  if (!known) {
    hm_sbx_field_error(
        rs, "type",
        "type: must be one of: attachment, public_attachment, profile_picture, widget_picture.");
    return;
  }
  if (!type) type = "attachment";
  char boundary[256] = "";
  const char *ct = rq->content_type;
  if (ct && strncasecmp(ct, "multipart/form-data", 19) == 0)
    header_param(ct, strlen(ct), "boundary", boundary, sizeof boundary);
  if (!boundary[0]) {
    hm_sbx_error(rs, 400, "The upload must be multipart/form-data with a boundary.");
    return;
  }
  part parts[32];
  int n = parse_multipart(rq->body ? rq->body : "", rq->body_len, boundary, parts, 32);
  if (n < 0) { hm_sbx_error(rs, 400, "The multipart body is malformed."); return; }
  int files = 0;
  for (int i = 0; i < n; i++) {
    if (!parts[i].filename[0]) continue;
    files++;
    if (parts[i].len > rq->ctx->max_upload) {
      hm_sbx_error(rs, 413, "File too large: the limit is %zu bytes.", rq->ctx->max_upload);
      return;
    }
  }
  if (!files) {
    hm_sbx_error(rs, 400, "The upload has no file part (a part with a filename).");
    return;
  }
  cJSON *out = cJSON_CreateArray();
  for (int i = 0; i < n; i++) {
    if (!parts[i].filename[0]) continue;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "content_type",
                            parts[i].ctype[0] ? parts[i].ctype : "application/octet-stream");
    cJSON_AddStringToObject(doc, "name", parts[i].filename);
    cJSON_AddNumberToObject(doc, "size", (double)parts[i].len);
    cJSON_AddStringToObject(doc, "label", parts[i].name);
    cJSON_AddStringToObject(doc, "type", type);
    long long id = hm_sbx_store_insert(rq->ctx->store, "uploads", 0, doc, NULL);
    char url[256];
    snprintf(url, sizeof url, "%s/api/%s/download/sandbox/%lld", rq->ctx->base_url, type, id);
    hm_sbx_set_str(doc, "url", url);
    if (id < 0 || hm_sbx_store_put(rq->ctx->store, "uploads", id, doc) != 0 ||
        hm_sbx_store_put_blob(rq->ctx->store, id, parts[i].data, parts[i].len) != 0) {
      cJSON_Delete(doc);
      cJSON_Delete(out);
      hm_sbx_error(rs, 500, "Storage error.");
      return;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "id");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "label");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "type");
    cJSON_AddItemToArray(out, doc);
  }
  hm_sbx_json(rs, 201, out);
}

static void download(hm_sbx_req *rq, hm_sbx_resp *rs) {
  cJSON *doc = hm_sbx_store_get(rq->ctx->store, "uploads", rq->id[0]);
  const cJSON *type = doc ? cJSON_GetObjectItemCaseSensitive(doc, "type") : NULL;
  size_t len = 0;
  void *data = doc && cJSON_IsString(type) && strcmp(type->valuestring, rq->word) == 0
                   ? hm_sbx_store_get_blob(rq->ctx->store, rq->id[0], &len)
                   : NULL;
  if (!data) { cJSON_Delete(doc); hm_sbx_error(rs, 404, "File not found."); return; }
  hm_sbx_empty(rs, 200);
  rs->raw = data;
  rs->raw_len = len;
  const cJSON *ct = cJSON_GetObjectItemCaseSensitive(doc, "content_type");
  snprintf(rs->ctype, sizeof rs->ctype, "%s",
           cJSON_IsString(ct) ? ct->valuestring : "application/octet-stream");
  cJSON_Delete(doc);
}

const hm_sbx_route hm_sbx_routes_files[] = {
  {"POST", "/api/upload", upload, NULL},
  {"GET", "/api/{word}/download/sandbox/{id}", download, NULL},
  {NULL, NULL, NULL, NULL},
};
