/* test_resolve_unit: the resolver's contract with the executor (issue 11).
 * Against a scripted one-process server and a real state file: a resolution
 * returns the resolved body and path, the unresolved-agent score, the flags
 * it raised (in order) and the note of a failed users listing, and writes
 * nothing into the state; a missing reference comes back with its reason and
 * the flags raised before it; a lookup returns the field that matched, or the
 * failing status with why, in its own result. */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <curl/curl.h>
#include "rn.h"

static int failures;
#define CHECK(c)                                                                \
  do {                                                                          \
    if (!(c)) {                                                                 \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);    \
      failures++;                                                               \
    }                                                                           \
  } while (0)

/* Users: two agents (one e-mail in capitals); customers: one by e-mail;
 * tags: always a server error; anything else: an empty list. */
static const char *answer_for(const char *req, int *status) {
  *status = 200;
  if (strstr(req, "GET /api/users"))
    return "{\"data\":[{\"id\":11,\"email\":\"Boss@Example.com\"},"
           "{\"id\":12,\"email\":\"a@example.com\"}],\"meta\":{\"next_cursor\":null}}";
  if (strstr(req, "GET /api/customers?"))
    return "{\"data\":[{\"id\":21,\"email\":\"Jane@Example.com\"}],"
           "\"meta\":{\"next_cursor\":null}}";
  if (strstr(req, "GET /api/tags")) { *status = 500; return "{\"error\":\"down\"}"; }
  return "{\"data\":[],\"meta\":{\"next_cursor\":null}}";
}

static void serve(int ls) {
  for (;;) {
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) continue;
    char req[2048], resp[1024];
    ssize_t n = read(fd, req, sizeof req - 1);
    req[n > 0 ? n : 0] = 0;
    int status;
    const char *body = answer_for(req, &status);
    int len = snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", status, strlen(body),
                       body);
    if (write(fd, resp, (size_t)len) < 0) {}
    close(fd);
  }
}

static int listen_loopback(int *port) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t al = sizeof a;
  if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 16) ||
      getsockname(ls, (struct sockaddr *)&a, &al))
    return -1;
  *port = ntohs(a.sin_port);
  return ls;
}

static hm_http *connect_to(int port) {
  char base[64], err[600];
  snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
  hm_creds c = { "u@example.com", "k" };
  hm_http_opts o = { .time_scale = 1000, .max_attempts = 2 };
  return hm_http_open(base, &c, &o, err, sizeof err);
}

static int count_flag(void *ctx, const char *sev, const char *object, const char *key,
                      const char *msg) {
  (void)sev; (void)object; (void)key; (void)msg;
  (*(int *)ctx)++;
  return 0;
}

/* A state with one ticket created (gid 5) under ref T:1. */
static hm_store *state_with_ticket(const char *dir) {
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/resolve.db", dir);
  hm_store *st = NULL;
  if (hm_store_open(&st, path, HM_STORE_CREATE, err, sizeof err)) return NULL;
  long long run = hm_store_run_begin(st, "run", "aaaa", "http://x");
  hm_jrow j = { .call_key = "create:T:1", .phase = "create", .method = "POST",
                .path = "/api/tickets", .ref = "T:1", .subject_ref = "T:1", .object = "T",
                .key = "1", .target = "Ticket", .hash = "h", .seq = 1 };
  hm_idrow id = { .ref = "T:1", .object = "T", .key = "1", .target = "Ticket",
                  .path = "/api/tickets", .fields = "{}", .hash = "h", .map_hash = "aaaa",
                  .gid = 5 };
  hm_store_intent(st, run, &j, "aaaa");
  hm_store_done(st, "create:T:1", 201, &id);
  return st;
}

/* Resolves the call body `json` on /api/tickets into r; its wrapper as text (to free). */
static char *resolve_text(hm_resolver *rv, const char *json, hm_resolved *r) {
  cJSON *body = cJSON_Parse(json);
  hm_resolve_call(rv, "/api/tickets", body, NULL, r);
  cJSON_Delete(body);
  return r->wrap ? cJSON_PrintUnformatted(r->wrap) : NULL;
}

/* AGENTOR's fallback raises the map's text at the map's severity (info when
 * none or an unknown one is given), and the flag outlives the call's JSON. */
static void test_fallback_severity(hm_resolver *rv) {
  hm_resolved r;
  char *txt = resolve_text(rv, "{\"a\":{\"$agent\":\"gone@example.com\","
                               "\"fallback\":\"a@example.com\",\"flag\":\"no tech\","
                               "\"severity\":\"review\"},"
                               "\"b\":{\"$agent\":\"gone@example.com\","
                               "\"fallback\":\"a@example.com\",\"flag\":\"no tech either\","
                               "\"severity\":\"loud\"}}", &r);
  CHECK(txt && !strcmp(txt, "{\"body\":{\"a\":12,\"b\":12}}"));
  CHECK(r.nflags == 2 && !strcmp(r.flags[0].severity, "review") &&
        !strcmp(r.flags[0].message, "no tech"));
  CHECK(r.nflags == 2 && !strcmp(r.flags[1].severity, "info") &&
        !strcmp(r.flags[1].message, "no tech either"));
  free(txt);
  hm_resolved_free(&r);
}

/* An optional agent (a note's sender the planner chose) found neither by its
 * e-mail nor its fallback leaves out the member it fills, its {"id"} wrapper
 * with it, instead of sending an id of null; a found one is an id as ever. */
static void test_optional_agent(hm_resolver *rv) {
  hm_resolved r;
  char *txt = resolve_text(rv, "{\"m\":[{\"sender\":{\"id\":{\"$agent\":"
                               "\"absent@example.com\",\"fallback\":\"nobody@example.com\","
                               "\"optional\":true}},\"body_text\":\"x\"},{\"sender\":{\"id\":"
                               "{\"$agent\":\"boss@example.com\",\"optional\":true}}}]}", &r);
  CHECK(txt && !strcmp(txt, "{\"body\":{\"m\":[{\"body_text\":\"x\"},{\"sender\":{\"id\":11}}]}}"));
  CHECK(r.unresolved == 2 && r.nflags == 1);
  CHECK(r.nflags == 1 && !strcmp(r.flags[0].severity, "warn") &&
        !strcmp(r.flags[0].message, "agent absent@example.com not found in Gorgias nor fallback "
                "nobody@example.com: left out (Gorgias takes the API key's user)"));
  free(txt);
  hm_resolved_free(&r);
}

static void test_resolution(hm_resolver *rv, hm_store *st, hm_http *h) {
  cJSON *body = cJSON_Parse("{\"ticket\":{\"$ref\":\"T:1\"},"
                            "\"a\":{\"$agent\":\"boss@example.com\"},"
                            "\"b\":{\"$agent\":\"gone@example.com\","
                            "\"fallback\":\"a@example.com\"},"
                            "\"c\":{\"$agent\":\"lost@example.com\"}}");
  hm_resolved r;
  hm_resolve_call(rv, "/api/tickets/{ref:T:1}/messages", body, NULL, &r);
  char *txt = r.wrap ? cJSON_PrintUnformatted(r.wrap) : NULL;
  CHECK(txt && !strcmp(txt, "{\"body\":{\"ticket\":5,\"a\":11,\"b\":12,\"c\":null}}"));
  CHECK(r.path && !strcmp(r.path, "/api/tickets/5/messages"));
  CHECK(r.unresolved == 3 && r.note[0] == 0 && r.nflags == 2);
  CHECK(r.nflags == 2 && !strcmp(r.flags[0].severity, "info") &&
        !strcmp(r.flags[0].message,
                "agent gone@example.com not found in Gorgias: used fallback a@example.com"));
  CHECK(r.nflags == 2 && !strcmp(r.flags[1].severity, "warn") &&
        !strcmp(r.flags[1].message,
                "agent lost@example.com not found in Gorgias: left unassigned"));
  free(txt);
  hm_resolved_free(&r);
  int flags = 0;
  hm_store_each_flag(st, count_flag, &flags);
  CHECK(flags == 0);   /* the resolver reports; only the executor records */
  /* The users were listed once; a user created since resolves without another. */
  long before = hm_http_get_stats(h)->requests;
  cJSON *u = cJSON_Parse("{\"id\":13,\"email\":\"Lost@Example.com\"}");
  hm_resolver_learn_user(rv, u);
  hm_resolve_call(rv, "/api/tickets", body, NULL, &r);
  CHECK(r.wrap && r.unresolved == 1 && r.nflags == 1 && hm_http_get_stats(h)->requests == before);
  hm_resolved_free(&r);
  cJSON_Delete(u);
  cJSON_Delete(body);
  /* A missing reference: its reason, and the flag raised before it. */
  body = cJSON_Parse("{\"b\":{\"$agent\":\"gone@example.com\"},\"t\":{\"$ref\":\"T:9\"}}");
  hm_resolve_call(rv, "/api/tickets", body, NULL, &r);
  CHECK(!r.wrap && !r.path && r.unresolved == 2 && r.nflags == 1);
  CHECK(!strcmp(r.why, "depends on T:9, which is not in the plan or not created yet"));
  hm_resolved_free(&r);
  cJSON_Delete(body);
}

static void test_lookup(hm_resolver *rv) {
  cJSON *u = cJSON_Parse("{\"email\":\"jane@example.com\"}");
  hm_found f;
  cJSON *found = hm_resolve_lookup(rv, "/api/customers", NULL, u, &f);
  CHECK(found && hm_rn_json_id(found) == 21 && f.by && !strcmp(f.by, "email") && f.status == 0);
  cJSON_Delete(found);
  cJSON_Delete(u);
  u = cJSON_Parse("{\"name\":\"vip\"}");
  found = hm_resolve_lookup(rv, "/api/tags", NULL, u, &f);
  CHECK(!found && f.status == 500 && strstr(f.err, "GET /api/tags?search=vip"));
  cJSON_Delete(u);
}

/* No server: the users listing fails, the resolution says so in its note. */
static void test_users_unlisted(hm_store *st) {
  int port, ls = listen_loopback(&port);
  if (ls < 0) { CHECK(!"cannot listen on loopback"); return; }
  close(ls);
  hm_http *h = connect_to(port);
  hm_resolver *rv = h ? hm_resolver_open(h, st) : NULL;
  CHECK(rv != NULL);
  if (!rv) { hm_http_close(h); return; }
  cJSON *body = cJSON_Parse("{\"a\":{\"$agent\":\"boss@example.com\"}}");
  hm_resolved r;
  hm_resolve_call(rv, "/api/tickets", body, NULL, &r);
  CHECK(r.wrap && r.unresolved == 2 && r.nflags == 1);
  CHECK(!strncmp(r.note, "cannot list Gorgias users: GET /api/users", 41));
  hm_resolved_free(&r);
  cJSON_Delete(body);
  hm_resolver_close(rv);
  hm_http_close(h);
}

int main(void) {
  char dir[] = "/tmp/hm_resolve_unit_XXXXXX";
  if (!mkdtemp(dir)) return 2;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  hm_store *st = state_with_ticket(dir);
  int port, ls = listen_loopback(&port);
  CHECK(st != NULL && ls >= 0);
  if (st && ls >= 0) {
    pid_t srv = fork();
    if (srv == 0) serve(ls);
    close(ls);
    hm_http *h = connect_to(port);
    hm_resolver *rv = h ? hm_resolver_open(h, st) : NULL;
    CHECK(rv != NULL);
    if (rv) { test_resolution(rv, st, h); test_fallback_severity(rv); test_lookup(rv); }
    if (rv) test_optional_agent(rv);
    hm_resolver_close(rv);
    hm_http_close(h);
    kill(srv, SIGKILL);
    waitpid(srv, NULL, 0);
    test_users_unlisted(st);
  }
  hm_store_close(st);
  curl_global_cleanup();
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd)) {}
  if (failures) { fprintf(stderr, "%d check(s) failed\n", failures); return 1; }
  puts("resolver unit tests passed");
  return 0;
}
