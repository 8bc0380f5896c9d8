/* sbx_dispatch_test: hm_sbx_dispatch, the sandbox's request handling without a
 * server (what fuzz_sandbox drives): routing to handlers with the store, query
 * arguments from rq->args, 404 and 405, and the /_sandbox/ table. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>

static int failures;
static hm_sbx_ctx ctx;

/* Runs one request; checks the status and that the printed body contains WANT. */
static void expect(const char *method, const char *path, const char *const *args, const char *body,
                   int status, const char *want) {
  hm_sbx_req rq = {0};
  hm_sbx_resp rs = {0};
  rq.ctx = &ctx;
  rq.method = method;
  rq.path = path;
  rq.args = args;
  rq.body = body;
  rq.body_len = body ? strlen(body) : 0;
  rq.account = "test@example.com";
  hm_sbx_dispatch(&ctx, &rq, &rs);
  char *text = rs.json ? cJSON_PrintUnformatted(rs.json) : NULL;
  if (rs.status != status || (want && (!text || !strstr(text, want)))) {
    failures++;
    fprintf(stderr, "%s %s: got %d %s\n  want %d with %s\n", method, path, rs.status,
            text ? text : "(no body)", status, want ? want : "(any body)");
  }
  free(text);
  cJSON_Delete(rq.json);
  cJSON_Delete(rs.json);
  free(rs.raw);
}

int main(void) {
  char err[256];
  ctx.max_upload = 1024;
  ctx.time_scale = 1;
  hm_sbx_rate_init(&ctx.rate, 0, 1);
  hm_sbx_faults_init(&ctx.faults, 1);
  pthread_mutex_init(&ctx.stats.mu, NULL);
  ctx.stats.by_route = cJSON_CreateObject();
  ctx.store = hm_sbx_store_open(NULL, err, sizeof err);
  if (!ctx.store) { fprintf(stderr, "%s\n", err); return 1; }
  expect("POST", "/api/customers", NULL, "{\"email\":\"a@x.test\"}", 201, "\"id\":1");
  expect("POST", "/api/customers", NULL, "{\"email\":\"b@x.test\"}", 201, "\"id\":2");
  static const char *const by_email[] = {"email", "b@x.test", NULL};
  expect("GET", "/api/customers", by_email, NULL, 200, "b@x.test");
  static const char *const limit[] = {"limit", "101", NULL};
  expect("GET", "/api/customers", limit, NULL, 400, "limit");
  expect("GET", "/api/customers/2/", NULL, NULL, 200, "\"email\":\"b@x.test\"");
  /* a cursor is base64 of [direction, id, sort key]; the direction is "next" or "prev" */
  static const char *const next[] = {"cursor", "WyJuZXh0IiwxLCIiXQ==", NULL};   /* ["next",1,""] */
  expect("GET", "/api/customers", next, NULL, 200, "b@x.test");
  static const char *const bogus[] = {"cursor", "WyJib2d1cyIsMSwiIl0=", NULL};  /* ["bogus",1,""] */
  expect("GET", "/api/customers", bogus, NULL, 400, "invalid cursor");
  expect("POST", "/api/customers", NULL, "{\"email\":", 400, "not valid JSON");
  expect("GET", "/api/nothing-here", NULL, NULL, 404, "Not found.");
  expect("PATCH", "/api/customers", NULL, NULL, 405, "Method PATCH is not allowed");
  expect("GET", "/_sandbox/dump", NULL, NULL, 200, "a@x.test");
  expect("POST", "/_sandbox/reset", NULL, NULL, 200, "\"reset\":true");
  expect("GET", "/api/customers/1", NULL, NULL, 404, "Customer 1 not found.");
  hm_sbx_store_close(ctx.store);
  hm_sbx_rate_free(&ctx.rate);
  pthread_mutex_destroy(&ctx.faults.mu);
  pthread_mutex_destroy(&ctx.stats.mu);
  cJSON_Delete(ctx.stats.by_route);
  if (failures) fprintf(stderr, "%d failure(s)\n", failures);
  return failures ? 1 : 0;
}
