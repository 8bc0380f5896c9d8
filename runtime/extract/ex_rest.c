/* ex_rest: one page of iTop's REST core/get, through runtime/run's hm_http
 * (Basic auth from a wiped header, retries of 5xx and lost connections, pacing,
 * answers scrubbed of the password). iTop answers status 200 to almost
 * everything, so the verdict is the body's `code`: each refusal becomes a
 * message that names the fix (the texts iTop sends are in webservices/rest.php
 * and application/applicationextension.inc.php of the 3.2.0 release). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ex.h"

typedef struct refusal { const char *itop; const char *fix; } refusal;
static const refusal refusals[] = {
  { "Invalid login",
    "wrong user or password (HMAP_ITOP_USER/HMAP_ITOP_PASSWORD or --credentials-file)" },
  { "Portal user is not allowed",
    "this account is a portal user: REST refuses it; use an iTop account with back-office "
    "profiles (e.g. Administrator) plus \"REST Services User\"" },
  { "REST Services User is required",
    "give this account the \"REST Services User\" profile (Admin tools > User accounts), "
    "or set 'secure_rest_services' => false in conf/production/config-itop.php" },
  { "enough permissions for exporting",
    "the account may read but not bulk-read this class: give it a profile with export "
    "rights on it (Administrator, or a profile with bulk read)" },
  { "enough permissions for reading",
    "the account cannot read this class: give it a profile that reads it" },
  { "invalid attribute code",
    "this iTop has no such attribute: the map reads a column the datamodel lacks (a custom "
    "field of another iTop?); remove it from the map or add it to the datamodel" },
  { "is not a valid class",
    "this iTop has no such class (a datamodel extension missing here?): remove the source "
    "from the map or install the extension" },
};

static void refusal_text(const char *cls, const char *msg, char *err, size_t errlen) {
  for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++)
    if (strstr(msg, refusals[i].itop)) {
      snprintf(err, errlen, "iTop refused reading %s: \"%s\": %s", cls, msg, refusals[i].fix);
      return;
    }
  snprintf(err, errlen, "iTop refused reading %s: \"%s\"", cls, msg);
}

static cJSON *request_body(const char *cls, const char *oql, const char *fields, long limit,
                           long page) {
  cJSON *q = cJSON_CreateObject();
  cJSON_AddStringToObject(q, "operation", "core/get");
  cJSON_AddStringToObject(q, "class", cls);
  cJSON_AddStringToObject(q, "key", oql);
  cJSON_AddStringToObject(q, "output_fields", fields);
  if (limit > 0) {
    cJSON_AddNumberToObject(q, "limit", (double)limit);
    cJSON_AddNumberToObject(q, "page", (double)page);
  }
  return q;
}

/* An answer that is not iTop's JSON: an HTML page (login form, PHP error,
   archive refusal) with status 200, a proxy's error, nothing at all. */
static int not_rest(const hm_http_resp *r, const char *cls, char *err, size_t errlen) {
  if (r->status == 0) {
    snprintf(err, errlen, "no answer from iTop while reading %s: %s", cls, r->err);
    return 4;
  }
  if (r->status == 401) {
    refusal_text(cls, "Invalid login", err, errlen);
    return 3;
  }
  char head[121] = "";
  size_t n = r->body.len < 120 ? r->body.len : 120;
  for (size_t i = 0; i < n; i++) head[i] = r->body.data[i] < ' ' ? ' ' : r->body.data[i];
  head[n] = 0;
  snprintf(err, errlen,
           "iTop answered %s with status %ld and no REST reply (\"%s...\"): is --url the iTop "
           "root (the folder holding webservices/rest.php)?",
           cls, r->status, head);
  return 3;
}

int ex_rest_get(ex_rest *rs, const char *cls, const char *oql, const char *fields, long limit,
                long page, cJSON **ans, char *err, size_t errlen) {
  *ans = NULL;
  cJSON *q = request_body(cls, oql, fields, limit, page);
  char *json = cJSON_PrintUnformatted(q);
  cJSON_Delete(q);
  hm_buf path; hm_buf_init(&path);
  hm_buf_puts(&path, "/webservices/rest.php?version=1.3&json_data=");
  hm_http_query_escape(&path, json);
  free(json);
  hm_http_resp r;
  hm_http_request(rs->http, "GET", hm_buf_cstr(&path), NULL, 1, &r);
  hm_buf_free(&path);
  rs->requests++;
  int rc = 0;
  const cJSON *code = r.json ? cJSON_GetObjectItemCaseSensitive(r.json, "code") : NULL;
  if (!cJSON_IsNumber(code)) {
    rc = not_rest(&r, cls, err, errlen);
  } else if (code->valueint != 0) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(r.json, "message");
    refusal_text(cls, cJSON_IsString(m) ? m->valuestring : "(no message)", err, errlen);
    rc = 3;
  } else {
    *ans = r.json;
    r.json = NULL;
  }
  hm_http_resp_free(&r);
  return rc;
}
