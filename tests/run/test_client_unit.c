/* test_client_unit: the client's pieces that need no server — pacing
 * arithmetic of the leaky bucket, the backoff schedule, Retry-after parsing,
 * credential loading and scrubbing, the state store's exactly-once rows and
 * map-hash guard, and verify's field comparison — plus list paging against a
 * scripted one-process server (a list past 50 pages, a cursor that loops, a
 * cursor shaped like another host), the origin check of request URLs and the
 * choice of the Help Center's host. */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <curl/curl.h>
#include "rn.h"

static int failures;
#define CHECK(c)                                                                                   \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                        \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)
#define NEAR(a, b) (((a) - (b)) < 1e-6 && ((b) - (a)) < 1e-6)

static void test_pacing(void) {
  hm_rl rl;
  hm_rl_init(&rl, 20, 0, 42);
  /* An empty bucket takes a burst of 40, then one request per 0.5 s. */
  double t = 100;
  for (int i = 0; i < 40; i++) { CHECK(hm_rl_wait(&rl, t) == 0); hm_rl_sent(&rl, t); }
  CHECK(NEAR(hm_rl_wait(&rl, t), 0.5));
  CHECK(NEAR(hm_rl_wait(&rl, t + 0.25), 0.25));
  CHECK(hm_rl_wait(&rl, t + 0.5) == 0);
  /* The server's count wins over our estimate. */
  hm_rl_observe(&rl, "10/40", t);
  CHECK(hm_rl_wait(&rl, t) == 0);
  CHECK(NEAR(rl.level, 10));
  hm_rl_observe(&rl, "40/80", t);   /* OAuth bucket: limit adopted */
  CHECK(NEAR(rl.limit, 80));
  CHECK(hm_rl_wait(&rl, t) == 0);
  hm_rl_observe(&rl, "80/80", t);
  CHECK(NEAR(hm_rl_wait(&rl, t), 0.25));   /* 80 per 20 s drains 4/s */
  hm_rl_observe(&rl, "garbage", t + 5);    /* ignored */
  CHECK(NEAR(rl.limit, 80));
  /* Scaled window (sandbox --time-scale 10): 40 per 2 s. */
  hm_rl_init(&rl, 2, 0, 1);
  hm_rl_observe(&rl, "40/40", 0);
  CHECK(NEAR(hm_rl_wait(&rl, 0), 0.05));
  /* Headroom keeps slots free for live integrations. */
  hm_rl_init(&rl, 20, 5, 1);
  hm_rl_observe(&rl, "35/40", 0);
  CHECK(NEAR(hm_rl_wait(&rl, 0), 0.5));
}

static void test_retry_after_and_backoff(void) {
  CHECK(NEAR(hm_rl_retry_after("5"), 5));
  CHECK(NEAR(hm_rl_retry_after("0.250"), 0.25));
  CHECK(hm_rl_retry_after("3600") == 60);
  CHECK(hm_rl_retry_after(NULL) < 0);
  CHECK(hm_rl_retry_after("soon") < 0);
  hm_rl rl;
  hm_rl_init(&rl, 20, 0, 7);
  double prev_cap = 0;
  for (int a = 0; a < 12; a++) {
    double d = hm_rl_backoff(&rl, a);
    double cap = 0.5;
    for (int i = 0; i < a; i++) cap *= 2;
    if (cap > 30) cap = 30;
    CHECK(d >= cap * 0.5 - 1e-9 && d <= cap + 1e-9);   /* jitter within [cap/2, cap] */
    CHECK(cap >= prev_cap);
    prev_cap = cap;
  }
  /* Two clients with different seeds do not retry in lockstep. */
  hm_rl r1, r2;
  hm_rl_init(&r1, 20, 0, 1);
  hm_rl_init(&r2, 20, 0, 2);
  int same = 0;
  for (int a = 0; a < 5; a++) same += hm_rl_backoff(&r1, 3) == hm_rl_backoff(&r2, 3);
  CHECK(same < 5);
}

static void test_creds(const char *dir) {
  char path[512], err[512];
  hm_creds c;
  snprintf(path, sizeof path, "%s/creds", dir);
  FILE *f = fopen(path, "w");
  fputs(
      "# migration account\nexport GORGIAS_EMAIL=ops@example.com\nGORGIAS_API_KEY=\"s3cr3t-KEY\"\n",
      f);
  fclose(f);
  chmod(path, 0600);
  CHECK(hm_creds_load(&c, path, err, sizeof err) == 0);
  CHECK(!strcmp(c.email, "ops@example.com"));
  CHECK(!strcmp(c.key, "s3cr3t-KEY"));
  char text[200] = "curl: (7) auth ops@example.com:s3cr3t-KEY refused s3cr3t-KEY";
  hm_creds_scrub(&c, text);
  CHECK(!strstr(text, "s3cr3t-KEY"));
  CHECK(!strstr(text, "ops@example.com"));
  CHECK(strstr(text, "***") != NULL);
  f = fopen(path, "w");
  fputs("GORGIAS_EMAIL=ops@example.com\nnonsense line\n", f);
  fclose(f);
  chmod(path, 0600);
  CHECK(hm_creds_load(&c, path, err, sizeof err) == 2);
  CHECK(strstr(err, ":2:") != NULL);   /* names file and line */
  CHECK(hm_creds_load(&c, "/nonexistent/creds", err, sizeof err) == 2);
  unsetenv("GORGIAS_EMAIL");
  unsetenv("GORGIAS_API_KEY");
  CHECK(hm_creds_load(&c, NULL, err, sizeof err) == 2);
  setenv("GORGIAS_EMAIL", "a@example.com", 1);
  setenv("GORGIAS_API_KEY", "k-123", 1);
  CHECK(hm_creds_load(&c, NULL, err, sizeof err) == 0 && !strcmp(c.key, "k-123"));
  CHECK(!getenv("GORGIAS_API_KEY"));   /* read once, then gone from the environment */
}

/* The same reader for another system's pair (extract's iTop): file aliases,
 * the environment's names, its own message, the secret gone after reading. */
static void test_creds_other(const char *dir) {
  static const char *const user[] = {"HMAP_ITOP_USER", "user", NULL};
  static const char *const secret[] = {"HMAP_ITOP_PASSWORD", "password", NULL};
  const hm_creds_source src = {user, secret, "no iTop credentials: set them"};
  char path[512], err[512];
  hm_creds c;
  snprintf(path, sizeof path, "%s/itop", dir);
  FILE *f = fopen(path, "w");
  fputs("# REST user\nuser=migr\npassword=pw 9\nGORGIAS_API_KEY=not-this\n", f);
  fclose(f);
  chmod(path, 0600);
  CHECK(hm_creds_read(&c, &src, path, err, sizeof err) == 0);
  CHECK(!strcmp(c.email, "migr") && !strcmp(c.key, "pw 9"));
  f = fopen(path, "w");
  fputs("user=migr\n", f);
  fclose(f);
  CHECK(hm_creds_read(&c, &src, path, err, sizeof err) == 2);
  CHECK(strstr(err, "needs both HMAP_ITOP_USER and HMAP_ITOP_PASSWORD") != NULL);
  unsetenv("HMAP_ITOP_USER");
  setenv("HMAP_ITOP_PASSWORD", "pw-env", 1);
  CHECK(hm_creds_read(&c, &src, NULL, err, sizeof err) == 2);
  CHECK(!strcmp(err, "no iTop credentials: set them"));
  CHECK(!getenv("HMAP_ITOP_PASSWORD"));   /* not kept without its user */
  setenv("HMAP_ITOP_USER", "migr", 1);
  setenv("HMAP_ITOP_PASSWORD", "pw-env", 1);
  CHECK(hm_creds_read(&c, &src, NULL, err, sizeof err) == 0 && !strcmp(c.key, "pw-env"));
  CHECK(!getenv("HMAP_ITOP_PASSWORD") && getenv("HMAP_ITOP_USER"));
}

/* Ids: JSON integers in 1..2^53-1 only. Answers: objects with an id
 * (creates), objects or arrays of them with a url (uploads). Fields kept. */
static void test_answers(void) {
  const char *bad[] = { "0", "-5", "5.5", "\"5\"", "\"5/../../evil\"", "9007199254740992", "1e300",
                        "null", "true", "[5]" };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cJSON *v = cJSON_Parse(bad[i]);
    CHECK(hm_answer_id(v) == 0);
    cJSON_Delete(v);
  }
  cJSON *v = cJSON_Parse("9007199254740991");
  CHECK(hm_answer_id(v) == 9007199254740991LL);
  cJSON_Delete(v);
  const cJSON *obj;
  char why[200];
  cJSON *a = cJSON_Parse("[{\"id\": 7}]");
  CHECK(!hm_answer_check(a, 0, 1, &obj, why, sizeof why) && strstr(why, "JSON array"));
  CHECK(!hm_answer_check(NULL, 0, 1, &obj, why, sizeof why) && strstr(why, "not JSON"));
  cJSON *u = cJSON_Parse("[{\"url\": \"https://x/1\", \"name\": \"a\", \"size\": 3}]");
  CHECK(hm_answer_check(u, 1, 0, &obj, why, sizeof why) && obj);
  char *kept = hm_answer_fields(obj);
  CHECK(!strcmp(kept, "{\"url\":\"https://x/1\"}"));
  free(kept);
  cJSON *s = cJSON_Parse("{\"id\": \"5/../../evil\"}");
  CHECK(!hm_answer_check(s, 0, 1, &obj, why, sizeof why) && strstr(why, "\"5/../../evil\""));
  cJSON_Delete(a);
  cJSON_Delete(u);
  cJSON_Delete(s);
}

/* Every encoding of the key is scrubbed; the header is the Basic one. */
static void test_secret_forms(void) {
  hm_creds c;
  memset(&c, 0, sizeof c);
  snprintf(c.email, sizeof c.email, "ops@example.com");
  snprintf(c.key, sizeof c.key, "a\"b/c+d&e\\f");
  char hdr[200];
  CHECK(hm_secret_auth_header(&c, hdr, sizeof hdr) > 0);
  CHECK(!strcmp(hdr, "Authorization: Basic b3BzQGV4YW1wbGUuY29tOmEiYi9jK2QmZVxm"));
  char text[1400];
  snprintf(text, sizeof text,
           "h=%s raw=%s url=a%%22b%%2Fc%%2Bd%%26e%%5Cf low=a%%22b%%2fc%%2bd%%26e%%5cf "
           "json=a\\\"b/c+d&e\\\\f json2=a\\\"b\\/c+d&e\\\\f",
           hdr + 21, c.key);
  size_t n = hm_secret_scrub_mem(&c, text, strlen(text) + 1, 3);
  CHECK(n == strlen(text) + 1);
  CHECK(!strcmp(text, "h=*** raw=*** url=*** low=*** json=*** json2=***"));
  cJSON *j = cJSON_Parse("{\"error\": {\"msg\": \"key a\\\"b\\u002fc+d&e\\\\f\"}}");
  hm_secret_scrub_json(&c, j, 3);
  char url[] = "https://x/api/attachment/download/sandbox/7";
  snprintf(c.key, sizeof c.key, "sandbox");   /* a short key: answers keep ordinary text */
  CHECK(hm_secret_scrub_mem(&c, url, sizeof url, HM_SECRET_ANSWER_MIN) == sizeof url);
  CHECK(
      !strcmp(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "error"), "msg")->valuestring, "key ***"));
  cJSON_Delete(j);
  unsigned char pad[sizeof c];
  hm_creds masked = c;
  hm_secret_pad(pad, sizeof pad);
  hm_secret_mask(&masked, pad);
  CHECK(memcmp(&masked, &c, sizeof c) != 0);
  hm_secret_mask(&masked, pad);
  CHECK(memcmp(&masked, &c, sizeof c) == 0);
}

static void test_state(const char *dir) {
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/state.db", dir);
  hm_store *st;
  CHECK(hm_store_open(&st, path, 0, err, sizeof err) == 2);   /* verify/status never create */
  CHECK(hm_store_open(&st, path, 1, err, sizeof err) == 0);
  CHECK(hm_store_check_map(st, "aaaa", 0, err, sizeof err) == 0);
  long long run = hm_store_run_begin(st, "run", "aaaa", "http://x");
  CHECK(run > 0);
  hm_jrow j = {.call_key = "create:P:1",
               .phase = "create",
               .method = "POST",
               .path = "/api/customers",
               .ref = "P:1",
               .subject_ref = "P:1",
               .object = "P",
               .key = "1",
               .target = "Customer",
               .body = "{\"email\":\"x@example.com\"}",
               .hash = "h1",
               .seq = 1};
  CHECK(hm_store_intent(st, run, &j, "aaaa") == 0);
  CHECK(hm_store_in_doubt(st) == 1);
  hm_idrow out;
  CHECK(!hm_store_id_get(st, "P:1", &out));
  hm_idrow id = {.ref = "P:1",
                 .object = "P",
                 .key = "1",
                 .target = "Customer",
                 .path = "/api/customers",
                 .fields = "{\"id\":7}",
                 .hash = "h1",
                 .map_hash = "aaaa",
                 .gid = 7};
  CHECK(hm_store_done(st, "create:P:1", 201, &id) == 0);
  CHECK(hm_store_in_doubt(st) == 0);
  CHECK(hm_store_id_get(st, "P:1", &out) && out.gid == 7 && !strcmp(out.hash, "h1"));
  hm_jrow got;
  CHECK(hm_store_journal_get(st, "create:P:1", &got) && got.state == HM_J_DONE &&
        got.status == 201);
  CHECK(hm_store_mark_deleted(st, "P:1") == 0);
  CHECK(hm_store_id_get(st, "P:1", &out) && out.deleted == 1);
  CHECK(hm_store_journal_get(st, "create:P:1", &got) && got.state == HM_J_NONE);
  /* Another map: refused unless forced. */
  CHECK(hm_store_check_map(st, "bbbb", 0, err, sizeof err) == 2);
  CHECK(strstr(err, "--force-map-change") != NULL);
  CHECK(hm_store_check_map(st, "bbbb", 1, err, sizeof err) == 0);
  hm_store_close(st);
}

static void test_diff(void) {
  cJSON *e = cJSON_Parse(
      "{\"subject\":\"A\",\"customer\":{\"id\":3},\"created_datetime\":\"2021-03-01T10:00:00Z\","
      "\"messages\":[{\"body_text\":\"hi\"}],\"custom_fields\":[{\"id\":5,\"value\":\"x\"}]}");
  cJSON *a = cJSON_Parse("{\"id\":9,\"subject\":\"A\",\"customer\":{\"id\":3,\"email\":\"e\"},"
                         "\"created_datetime\":\"2021-03-01T10:00:00.000000\",\"messages\":[{"
                         "\"id\":1,\"body_text\":\"hi\"}],"
                         "\"custom_fields\":{\"5\":{\"value\":\"x\"}}}");
  hm_buf out; hm_buf_init(&out);
  CHECK(hm_rn_json_diff(e, a, "", &out) == 0);
  cJSON_ReplaceItemInObject(a, "subject", cJSON_CreateString("B"));
  cJSON_ReplaceItemInObject(a, "created_datetime", cJSON_CreateString("2021-03-01T11:00:00+00:00"));
  CHECK(hm_rn_json_diff(e, a, "", &out) == 2);
  CHECK(strstr(hm_buf_cstr(&out), "subject: expected \"A\", found \"B\"") != NULL);
  hm_buf_free(&out);
  cJSON_Delete(e);
  cJSON_Delete(a);
  /* tags and channels are sets; HTML compares as Gorgias may re-serialise it */
  e = cJSON_Parse("{\"tags\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"channels\":[{\"type\":"
                  "\"email\",\"address\":\"x@e\"},{\"type\":\"phone\",\"address\":\"1\"}],"
                  "\"body_html\":\"<p>It&#39;s  here</p>\\n<p>a<br/>b</p>\"}");
  a = cJSON_Parse("{\"tags\":[{\"id\":2,\"name\":\"b\"},{\"id\":1,\"name\":\"a\"}],"
                  "\"channels\":[{\"id\":7,\"type\":\"phone\",\"address\":\"1\"},{\"id\":6,"
                  "\"type\":\"email\",\"address\":\"x@e\"}],"
                  "\"body_html\":\"<p>It's here</p><p>a<br>b</p>\"}");
  CHECK(hm_rn_json_diff(e, a, "", &out) == 0);
  cJSON_ReplaceItemInObject(a, "body_html", cJSON_CreateString("<p>Its here</p><p>a<br>b</p>"));
  cJSON_DeleteItemFromArray(cJSON_GetObjectItem(a, "tags"), 0);
  cJSON_AddItemToArray(cJSON_GetObjectItem(a, "tags"), cJSON_CreateString("c"));
  hm_buf_init(&out);
  CHECK(hm_rn_json_diff(e, a, "", &out) == 3);   /* b missing, "c" extra, the text */
  CHECK(strstr(hm_buf_cstr(&out), "tags: expected {\"name\":\"b\"}, not found") != NULL);
  CHECK(strstr(hm_buf_cstr(&out), "tags: not expected \"c\"") != NULL);
  hm_buf_free(&out);
  cJSON_Delete(e);
  cJSON_Delete(a);
  char h1[17], h2[17];
  hm_hash_hex("abc", h1);
  hm_hash_hex("abd", h2);
  CHECK(strlen(h1) == 16 && strcmp(h1, h2));
}

/* ---- list paging against a scripted server ---- */

/* The page after the one a request asks for: /api/long has 120 pages
 * (p1..p119, then the end); /api/loop hands out A, B, then A again. */
static const char *next_cursor(const char *req, char *buf, size_t cap) {
  const char *c = strstr(req, "cursor=");
  int n = c ? atoi(c + 8) : 0;
  if (strstr(req, "/api/loop")) return !c ? "\"A\"" : c[7] == 'A' ? "\"B\"" : "\"A\"";
  /* /api/evil: a cursor shaped like a user@host:port/path; the end once it
   * comes back percent-encoded in the query, another page otherwise. */
  if (strstr(req, "/api/evil"))
    return !c ? "\"@127.0.0.1:1/x#y?z=1\""
              : strstr(req, "cursor=%40127.0.0.1%3A1%2Fx%23y%3Fz%3D1 ") ? "null" : "\"p1\"";
  if (n + 1 >= 120) return "null";
  snprintf(buf, cap, "\"p%d\"", n + 1);
  return buf;
}

static void serve(int ls) {
  for (;;) {
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) continue;
    char req[2048];
    ssize_t n = read(fd, req, sizeof req - 1);
    req[n > 0 ? n : 0] = 0;
    int bearer = strstr(req, "\r\nAuthorization: Bearer tok\r\n") != NULL;
    int basic = strstr(req, "\r\nAuthorization: Basic ") != NULL;
    char *eol = strstr(req, "\r\n");
    if (eol) *eol = 0;
    char cur[32], body[160], resp[400];
    int status = 200;
    if (!strncmp(req, "POST /api/help-center/auth ", 27)) {
      /* expires_in 0: a client renewing before expiry asks again every call */
      snprintf(body, sizeof body, "{\"access_token\":\"tok\",\"token_type\":\"Bearer\","
                                  "\"expires_in\":0}");
      if (!basic) status = 401;
    } else if (!strncmp(req, "GET /hc/api/help-center/", 24)) {
      snprintf(body, sizeof body, "{\"id\":1}");
      if (!bearer) status = 401;
    } else {
      snprintf(body, sizeof body,
               "{\"data\":[{\"id\":1},{\"id\":2}],\"meta\":{\"prev_cursor\":null,"
               "\"next_cursor\":%s}}", next_cursor(req, cur, sizeof cur));
    }
    int len = snprintf(resp, sizeof resp, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", status,
                       status == 200 ? "OK" : "Unauthorized", strlen(body), body);
    if (write(fd, resp, (size_t)len) < 0) {}
    close(fd);
  }
}

static int count_item(void *ctx, const cJSON *item) { (void)item; (*(int *)ctx)++; return 0; }

static void test_list_paging(void) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t al = sizeof a;
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 16) ||
      getsockname(ls, (struct sockaddr *)&a, &al)) {
    CHECK(!"cannot listen on loopback");
    return;
  }
  pid_t srv = fork();
  if (srv == 0) serve(ls);
  close(ls);
  char base[64], err[600] = "";
  snprintf(base, sizeof base, "http://127.0.0.1:%d", ntohs(a.sin_port));
  hm_creds c = { "u@example.com", "k" };
  hm_http_opts o = { .time_scale = 1000, .max_attempts = 2 };
  hm_http *h = hm_http_open(base, &c, &o, err, sizeof err);
  CHECK(h != NULL);
  /* --rate-window: the window in Gorgias seconds, scaled like the rest */
  CHECK(h && hm_http_get_rl(h)->window == 20.0 / 1000);
  if (h) hm_http_set_window(h, 10);
  CHECK(h && hm_http_get_rl(h)->window == 10.0 / 1000);
  if (h) hm_http_set_window(h, 0);
  CHECK(h && hm_http_get_rl(h)->window == 10.0 / 1000);
  int items = 0;
  /* Past 50 pages (a common client limit): read to the end. */
  CHECK(h && hm_http_list(h, "/api/long", 0, count_item, &items, err, sizeof err) == 0);
  CHECK(items == 240);
  CHECK(h && hm_http_get_stats(h)->requests == 120);
  items = 0;
  /* A, B, then A again: stopped with a reason, not read forever. */
  CHECK(h && hm_http_list(h, "/api/loop?x=1", 0, count_item, &items, err, sizeof err) ==
                 HM_HTTP_CURSOR_LOOP);
  CHECK(items == 6 && strstr(err, "cursor given before") && strstr(err, "/api/loop"));
  CHECK(h && hm_http_get_stats(h)->requests == 123);
  items = 0;
  /* A cursor from an answer stays a query value on the target. */
  CHECK(h && hm_http_list(h, "/api/evil", 0, count_item, &items, err, sizeof err) == 0);
  CHECK(items == 4 && hm_http_get_stats(h)->requests == 125);
  /* The Help Center host (a path on this server): a Bearer token from the
   * account's exchange (Basic), asked again before each call since the server
   * says it expires at once — renewed before expiry, never sent expired. */
  char hc[80];
  snprintf(hc, sizeof hc, "%s/hc", base);
  if (h) hm_http_set_help_center(h, hc);
  for (int i = 1; h && i <= 2; i++) {
    hm_http_resp r;
    hm_http_request(h, "GET", "/api/help-center/help-centers/1", NULL, 1, &r);
    CHECK(r.status == 200 && hm_rn_json_id(r.json) == 1);
    CHECK(hm_http_get_stats(h)->requests == 125 + 2 * i);   /* the exchange, then the call */
    hm_http_resp_free(&r);
  }
  hm_http_close(h);
  kill(srv, SIGKILL);
  waitpid(srv, NULL, 0);
}

static void test_seen(void) {
  hm_seen s = { 0 };
  char k[32];
  for (int i = 0; i < 5000; i++) { snprintf(k, sizeof k, "Ref:%d", i); CHECK(!hm_seen_add(&s, k)); }
  CHECK(s.t.n == 5000 && hm_seen_add(&s, "Ref:42") && hm_seen_has(&s, "Ref:4999") &&
        !hm_seen_has(&s, "Ref:5000"));
  hm_seen_free(&s);
  CHECK(!hm_seen_has(&s, "Ref:1"));
}

/* The last guard before a request leaves: the URL must name the target's
 * scheme, host and port, with no user name — whatever path was appended. */
static void test_same_origin(void) {
  const char *base = "http://127.0.0.1:18100";
  const char *acme = "https://acme.gorgias.com";
  char why[300];
  CHECK(hm_url_same_origin(base, "http://127.0.0.1:18100/api/customers", why, sizeof why) == 0);
  CHECK(hm_url_same_origin(acme, "https://ACME.gorgias.com:443/api/x", why, sizeof why) == 0);
  CHECK(hm_url_same_origin(base, "http://127.0.0.1:18100@127.0.0.1:18101/api/customers", why,
                           sizeof why) < 0);
  CHECK(strstr(why, "user name") != NULL);
  CHECK(hm_url_same_origin(base, "http://127.0.0.1:18101/api/customers", why, sizeof why) < 0);
  CHECK(strstr(why, "leads to http://127.0.0.1:18101, not the target http://127.0.0.1:18100"));
  CHECK(hm_url_same_origin(base, "http://127.0.0.1:18100.evil.example/api", why, sizeof why) < 0);
  CHECK(hm_url_same_origin(acme, "http://acme.gorgias.com/api", why, sizeof why) < 0);
  CHECK(hm_url_same_origin(base, "http://evil.example/api", why, sizeof why) < 0);
}

/* The binding compares base URLs as Gorgias reads them (host case, trailing
 * '/'), and the account by what GET /api/account names. */
static void test_target_identity(void) {
  char u[128], id[128];
  hm_target_normalize("HTTPS://Acme.Gorgias.com/", u, sizeof u);
  CHECK(!strcmp(u, "https://acme.gorgias.com"));
  hm_target_normalize("http://127.0.0.1:8080/Api//", u, sizeof u);
  CHECK(!strcmp(u, "http://127.0.0.1:8080/Api"));
  hm_target_normalize("https://acme.gorgias.com", u, sizeof u);
  CHECK(!strcmp(u, "https://acme.gorgias.com"));
  cJSON *a = cJSON_Parse("{\"domain\":\"acme\",\"id\":42,\"status\":{\"status\":\"active\"}}");
  hm_target_identity(a, id, sizeof id);
  CHECK(!strcmp(id, "domain=acme, id=42"));
  cJSON_Delete(a);
  a = cJSON_Parse("{\"settings\":[]}");
  hm_target_identity(a, id, sizeof id);
  CHECK(id[0] == 0);
  cJSON_Delete(a);
}

/* Which calls go to the Help Center's own host, and which host: the profile's
 * for a *.gorgias.com account, the target itself for anything else, the
 * consultant's when given (the target given again: the target). */
static void test_help_center_host(void) {
  CHECK(hm_gorgias_help_center_route("/api/help-center/help-centers/1/articles"));
  CHECK(hm_gorgias_help_center_route("/api/help-center/help-centers?page=2"));
  CHECK(!hm_gorgias_help_center_route("/api/help-center/auth"));
  CHECK(!hm_gorgias_help_center_route("/api/tickets"));
  CHECK(!hm_gorgias_help_center_route("/api/upload?type=public_attachment"));
  const char *def = hm_gorgias_help_center_default("https://acme.gorgias.com");
  CHECK(def && !strcmp(def, HM_GORGIAS_ROUTES.help_center_host));
  CHECK(hm_gorgias_help_center_default("https://ACME.Gorgias.com:443/") == def);
  CHECK(!hm_gorgias_help_center_default("http://127.0.0.1:8080"));
  CHECK(!hm_gorgias_help_center_default("https://gorgias.com.evil.example"));
  CHECK(!hm_gorgias_help_center_default("https://acme.gorgias.com.evil.example/x"));
  hm_creds c = { "u@example.com", "k" };
  hm_http_opts o = { .time_scale = 1 };
  char err[200];
  hm_http *h = hm_http_open("https://acme.gorgias.com/", &c, &o, err, sizeof err);
  CHECK(h && hm_http_help_center(h) && !strcmp(hm_http_help_center(h), def));
  if (h) {
    hm_http_set_help_center(h, "http://127.0.0.1:9/");
    CHECK(hm_http_help_center(h) && !strcmp(hm_http_help_center(h), "http://127.0.0.1:9"));
    hm_http_set_help_center(h, "https://acme.gorgias.com/");
    CHECK(hm_http_help_center(h) == NULL);
  }
  hm_http_close(h);
  h = hm_http_open("http://127.0.0.1:9", &c, &o, err, sizeof err);
  CHECK(h && hm_http_help_center(h) == NULL);
  char why[200] = "";
  CHECK(h && hm_http_help_center_token(h, why, sizeof why) == 0);   /* nothing to ask */
  hm_http_close(h);
}

int main(void) {
  char dir[] = "/tmp/hm_client_unit_XXXXXX";
  if (!mkdtemp(dir)) return 2;
  test_pacing();
  test_retry_after_and_backoff();
  test_creds(dir);
  test_creds_other(dir);
  test_answers();
  test_secret_forms();
  test_state(dir);
  test_diff();
  test_target_identity();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  test_list_paging();
  test_seen();
  test_same_origin();
  test_help_center_host();
  curl_global_cleanup();
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) {}
  if (failures) { fprintf(stderr, "%d check(s) failed\n", failures); return 1; }
  puts("client unit tests passed");
  return 0;
}
