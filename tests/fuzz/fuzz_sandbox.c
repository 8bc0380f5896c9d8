/* fuzz_sandbox: the sandbox's request handling without a server — routing,
 * path parameters, query arguments, JSON bodies, schema validation, multipart
 * uploads, the handlers and the store — on arbitrary requests, through
 * hm_sbx_dispatch. An input is up to 8 requests separated by a 0x1E byte, each
 *
 *   METHOD PATH[?NAME=VALUE&...]\n CONTENT-TYPE\n BODY
 *
 * (an empty CONTENT-TYPE line: none), run in order on a store emptied first, so
 * one input can create and then update or delete. Every answer must be a status
 * 200..599 whose JSON body prints and parses back; an error (>= 400) must carry
 * {"error": {"msg": "..."}}. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

#define MAX_REQUESTS 8
#define MAX_ARGS 8

static hm_sbx_ctx *sandbox(void) {
  static hm_sbx_ctx ctx;   /* made once per process: the schema parse is the costly part */
  static int ready;
  if (ready) return &ctx;
  char err[512];
  ctx.max_upload = 4096;
  ctx.refuse_created_on_put = 1;
  ctx.time_scale = 1;
  ctx.settings = hm_sbx_settings_defaults();
  hm_sbx_tokens_init(&ctx.tokens, 1800);
  snprintf(ctx.base_url, sizeof ctx.base_url, "http://127.0.0.1:1");
  hm_sbx_rate_init(&ctx.rate, 0, 1);
  hm_sbx_faults_init(&ctx.faults, 1);
  pthread_mutex_init(&ctx.stats.mu, NULL);
  pthread_mutex_init(&ctx.log_mu, NULL);
  ctx.stats.by_route = cJSON_CreateObject();
  char *schema = hm_sbx_conformance_json();   /* the sandbox's own rules, as it validates */
  if (!schema || !(ctx.schema = hm_sbx_schema_parse(schema, err, sizeof err))) abort();
  free(schema);
  if (!(ctx.store = hm_sbx_store_open(NULL, err, sizeof err))) abort();
  ready = 1;
  return &ctx;
}

static void check_answer(const hm_sbx_resp *rs) {
  if (rs->status < 200 || rs->status > 599) abort();
  if (!rs->json) return;
  char *text = cJSON_PrintUnformatted(rs->json);
  if (!text) abort();
  cJSON *back = cJSON_Parse(text);
  if (!back) abort();
  if (rs->status >= 400) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(back, "error");
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "msg"))) abort();
  }
  cJSON_Delete(back);
  free(text);
}

/* Splits "a=1&b&c=2" (in place) into name, value pairs, NULL-terminated. */
static void split_args(char *q, const char **args) {
  int n = 0;
  while (q && *q && n < 2 * MAX_ARGS) {
    char *amp = strchr(q, '&');
    if (amp) *amp = '\0';
    char *eq = strchr(q, '=');
    if (eq) *eq = '\0';
    args[n++] = q;
    args[n++] = eq ? eq + 1 : "";
    q = amp ? amp + 1 : NULL;
  }
  args[n] = NULL;
}

/* One request from text[0..len) (NUL-terminated at len, writable). */
static void one_request(hm_sbx_ctx *ctx, char *text, size_t len) {
  char *nl = memchr(text, '\n', len);
  if (!nl) return;
  *nl = '\0';
  char *ctype = nl + 1;
  char *nl2 = memchr(ctype, '\n', (size_t)(text + len - ctype));
  if (!nl2) return;
  *nl2 = '\0';
  char *body = nl2 + 1;
  char *sp = strchr(text, ' ');
  if (!sp) return;
  *sp = '\0';
  char *path = sp + 1, *query = strchr(path, '?');
  if (query) *query++ = '\0';
  if (strncmp(path, "/api/", 5) != 0 && strncmp(path, "/_sandbox/", 10) != 0) return;
  const char *args[2 * MAX_ARGS + 1];
  split_args(query, args);
  hm_sbx_req rq = {0};
  hm_sbx_resp rs = {0};
  rq.ctx = ctx;
  rq.args = args;
  rq.method = text;
  rq.path = path;
  rq.body = body;
  rq.body_len = (size_t)(text + len - body);
  rq.content_type = *ctype ? ctype : NULL;
  rq.account = "fuzz@example.com";
  hm_sbx_dispatch(ctx, &rq, &rs);
  check_answer(&rs);
  cJSON_Delete(rq.json);
  cJSON_Delete(rs.json);
  free(rs.raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  hm_sbx_ctx *ctx = sandbox();
  if (hm_sbx_store_reset(ctx->store) != 0) abort();
  char *copy = malloc(size + 1);
  if (!copy) abort();
  if (size) memcpy(copy, data, size);
  copy[size] = '\0';
  char *p = copy, *end = copy + size;
  for (int i = 0; i < MAX_REQUESTS && p < end; i++) {
    char *sep = memchr(p, 0x1E, (size_t)(end - p));
    char *stop = sep ? sep : end;
    *stop = '\0';
    one_request(ctx, p, (size_t)(stop - p));
    p = stop + 1;
  }
  free(copy);
  return 0;
}
