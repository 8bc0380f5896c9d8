/* sbx_http: the HTTP front of the sandbox — libmicrohttpd with a thread per
 * connection (200 concurrent clients, and a slow fault only stalls its own
 * connection), body collection, Basic (or Bearer) auth against the --account pairs, the rate
 * limit and its headers, the fault schedule, routing to the route tables, and
 * per-route statistics. Every handler runs inside one store transaction under
 * the store lock; a handler answering >= 400 rolls its writes back. */
#include "sbx.h"
#include "hm_buf.h"
#include <arpa/inet.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JSON_BODY_LIMIT ((size_t)64 << 20)

typedef struct conn_state {
  hm_buf body;
  size_t limit;
  int too_large;
} conn_state;

static const hm_sbx_route *const TABLES[] = {
  hm_sbx_routes_people, hm_sbx_routes_tickets, hm_sbx_routes_config,
  hm_sbx_routes_files, hm_sbx_routes_helpcenter, hm_sbx_routes_fieldvalues, NULL,
};

/* Matches PATH against PATTERN ("/api/tickets/{id}/tags"); {id} takes a
 * non-negative integer, {word} any one segment. A trailing slash is ignored. */
static int match(const char *pattern, const char *path, hm_sbx_req *rq) {
  rq->nid = 0;
  rq->word[0] = '\0';
  const char *p = pattern, *s = path;
  while (*p) {
    if (*p == '{') {
      const char *pe = strchr(p, '}');
      size_t n = strcspn(s, "/");
      if (!pe || n == 0) return 0;
      if (strncmp(p, "{id}", 4) == 0) {
        long long v = 0;
        for (size_t i = 0; i < n; i++) {
          if (s[i] < '0' || s[i] > '9' || v > 100000000000000LL) return 0;
          v = v * 10 + (s[i] - '0');
        }
        if (rq->nid < 3) rq->id[rq->nid++] = v;
      } else {
        if (n >= sizeof rq->word) return 0;
        memcpy(rq->word, s, n);
        rq->word[n] = '\0';
      }
      p = pe + 1;
      s += n;
    } else {
      if (*p != *s) return 0;
      p++;
      s++;
    }
  }
  return *s == '\0' || (s[0] == '/' && s[1] == '\0');
}

/* Finds the route; returns it, or NULL with *wrong_method set if only the method differs. */
static const hm_sbx_route *find_route(const hm_sbx_route *const *tables, hm_sbx_req *rq,
                                      int *wrong_method) {
  *wrong_method = 0;
  for (int t = 0; tables[t]; t++)
    for (const hm_sbx_route *r = tables[t]; r->method; r++) {
      if (!match(r->pattern, rq->path, rq)) continue;
      if (strcmp(r->method, rq->method) == 0) return r;
      *wrong_method = 1;
    }
  return NULL;
}

static const hm_sbx_account *authenticate(hm_sbx_ctx *ctx, struct MHD_Connection *conn) {
  const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  if (h && strncasecmp(h, "Bearer ", 7) == 0) {
    /* OAuth2 apps: the sandbox takes an account's key as its access token */
    for (int i = 0; i < ctx->naccounts; i++)
      if (strcmp(ctx->accounts[i].key, h + 7) == 0) return &ctx->accounts[i];
    return NULL;
  }
  if (!h || strncasecmp(h, "Basic ", 6) != 0) return NULL;
  size_t n;
  unsigned char *dec = hm_sbx_b64_decode(h + 6, &n);
  if (!dec) return NULL;
  const hm_sbx_account *found = NULL;
  char *colon = memchr(dec, ':', n);
  if (colon && strlen((char *)dec) == n) {
    *colon = '\0';
    for (int i = 0; i < ctx->naccounts && !found; i++)
      if (strcmp(ctx->accounts[i].email, (char *)dec) == 0 &&
          strcmp(ctx->accounts[i].key, colon + 1) == 0)
        found = &ctx->accounts[i];
  }
  free(dec);
  return found;
}

/* On the Help Center host: only a live token from POST /api/help-center/auth. */
static const hm_sbx_account *authenticate_hc(hm_sbx_ctx *ctx, struct MHD_Connection *conn) {
  const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
  char account[128];
  if (!h || strncasecmp(h, "Bearer ", 7) != 0 ||
      hm_sbx_token_check(&ctx->tokens, h + 7, hm_sbx_clock(), account) != 1)
    return NULL;
  for (int i = 0; i < ctx->naccounts; i++)
    if (strcmp(ctx->accounts[i].email, account) == 0) return &ctx->accounts[i];
  return NULL;
}

static void count(hm_sbx_ctx *ctx, const char *method, const char *pattern, const char *status) {
  if (ctx->log) {
    char now[40];
    hm_sbx_now(now);
    pthread_mutex_lock(&ctx->log_mu);
    fprintf(ctx->log, "%s %s %s %s\n", now, method, pattern, status);
    fflush(ctx->log);
    pthread_mutex_unlock(&ctx->log_mu);
  }
  pthread_mutex_lock(&ctx->stats.mu);
  char key[160];
  snprintf(key, sizeof key, "%s %s", method, pattern);
  cJSON *r = cJSON_GetObjectItemCaseSensitive(ctx->stats.by_route, key);
  if (!r) r = cJSON_AddObjectToObject(ctx->stats.by_route, key);
  cJSON *c = cJSON_GetObjectItemCaseSensitive(r, status);
  if (c) cJSON_SetNumberValue(c, c->valuedouble + 1);
  else cJSON_AddNumberToObject(r, status, 1);
  ctx->stats.requests++;
  pthread_mutex_unlock(&ctx->stats.mu);
}

static void format_seconds(char *out, size_t n, double s, double time_scale) {
  if (time_scale == 1) snprintf(out, n, "%d", (int)fmax(1, ceil(s - 1e-9)));
  else snprintf(out, n, "%.3f", fmax(0.001, ceil(s * 1000 - 1e-6) / 1000));
}

static enum MHD_Result respond(struct MHD_Connection *conn, hm_sbx_resp *rs, int used, int capacity,
                               const char *retry_after) {
  char *text = NULL;
  size_t len = 0;
  if (rs->json) {
    text = cJSON_PrintUnformatted(rs->json);
    len = text ? strlen(text) : 0;
  } else if (rs->raw) {
    text = rs->raw;
    len = rs->raw_len;
    rs->raw = NULL;
  }
  struct MHD_Response *r = MHD_create_response_from_buffer(
      len, text ? text : (char *)"", text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!r) { free(text); return MHD_NO; }
  if (rs->ctype[0]) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->ctype);
  if (capacity > 0) {
    char lim[48];
    snprintf(lim, sizeof lim, "%d/%d", used, capacity);
    MHD_add_response_header(r, "X-Gorgias-Account-Api-Call-Limit", lim);
  }
  if (retry_after) MHD_add_response_header(r, "Retry-after", retry_after);
  enum MHD_Result ok = MHD_queue_response(conn, (unsigned)rs->status, r);
  MHD_destroy_response(r);
  return ok;
}

static void run_handler(hm_sbx_ctx *ctx, const hm_sbx_route *route, hm_sbx_req *rq,
                        hm_sbx_resp *rs) {
  hm_sbx_store_lock(ctx->store);
  if (hm_sbx_store_begin(ctx->store) != 0) {
    hm_sbx_error(rs, 500, "Storage error.");
  } else {
    rq->res = route->res;
    route->fn(rq, rs);
    if (rs->status >= 400) hm_sbx_store_rollback(ctx->store);
    else if (hm_sbx_store_commit(ctx->store) != 0) {
      hm_sbx_store_rollback(ctx->store);
      hm_sbx_error(rs, 500, "Storage error.");
    }
  }
  hm_sbx_store_unlock(ctx->store);
}

static const char *fault_message(hm_sbx_fault_kind k, int *status) {
  switch (k) {
  case HM_SBX_FAULT_429: *status = 429; return "Too many requests.";
  case HM_SBX_FAULT_500: *status = 500; return "Internal server error.";
  case HM_SBX_FAULT_502: *status = 502; return "Bad gateway.";
  case HM_SBX_FAULT_503: *status = 503; return "Service unavailable.";
  default: *status = 0; return NULL;
  }
}

/* A slow reply is held back after the commit (outside the store lock): a client
 * that gives up or dies meanwhile finds the object when it resumes, as after a
 * slow network; drop-before covers the uncommitted case. Short steps, so SIGTERM
 * never waits for a long delay to run out. */
static void hold_reply(hm_sbx_ctx *ctx, double seconds) {
  for (double left = seconds; left > 0 && !__atomic_load_n(&ctx->stopping, __ATOMIC_RELAXED);
       left -= 0.05)
    hm_sbx_sleep(left < 0.05 ? left : 0.05);
}

/* The route of RQ's path (API or /_sandbox/ table by its prefix); NULL with
 * *wrong_method set when only the method differs. */
static const hm_sbx_route *route_of(hm_sbx_req *rq, int *wrong_method) {
  static const hm_sbx_route *const OBS[] = {hm_sbx_routes_observe, hm_sbx_routes_automation, NULL};
  static const hm_sbx_route *const HC[] = {hm_sbx_routes_helpcenter, NULL};
  if (rq->help_center_host) return find_route(HC, rq, wrong_method);
  return find_route(strncmp(rq->path, "/_sandbox/", 10) == 0 ? OBS : TABLES, rq, wrong_method);
}

/* Runs ROUTE's handler, or answers 405 (WRONG: the path exists for another method) or 404. */
static void dispatch(hm_sbx_ctx *ctx, const hm_sbx_route *route, int wrong, hm_sbx_req *rq,
                     hm_sbx_resp *rs) {
  if (route) run_handler(ctx, route, rq, rs);
  else if (wrong) hm_sbx_error(rs, 405, "Method %s is not allowed on %s.", rq->method, rq->path);
  else hm_sbx_error(rs, 404, "Not found.");
}

void hm_sbx_dispatch(hm_sbx_ctx *ctx, hm_sbx_req *rq, hm_sbx_resp *rs) {
  int wrong = 0;
  const hm_sbx_route *route = route_of(rq, &wrong);
  dispatch(ctx, route, wrong, rq, rs);
}

/* Files uploaded as public_attachment (and the pictures shown to visitors) are
 * fetched by Help Center visitors without credentials; an `attachment` stays
 * private (gorgias-fidelity.md §1.5: the type parameter from [DTO] and [BP], the
 * public effect an inference). */
static int public_download(const hm_sbx_req *rq) {
  static const char *const PUBLIC[] = {"/api/public_attachment/download/",
                                       "/api/profile_picture/download/",
                                       "/api/widget_picture/download/", NULL};
  if (strcmp(rq->method, "GET") != 0) return 0;
  for (int i = 0; PUBLIC[i]; i++)
    if (strncmp(rq->path, PUBLIC[i], strlen(PUBLIC[i])) == 0) return 1;
  return 0;
}

/* 403 (Gorgias' error body): the key's role may not write this kind, or a
 * Help Center route asked on the account's host while the Help Center has its
 * own (gorgias-fidelity.md §1.2: [HC1] got 403 there). */
static int forbidden(hm_sbx_ctx *ctx, hm_sbx_req *rq, hm_sbx_resp *rs) {
  if (ctx->hc_daemon && !rq->help_center_host && strncmp(rq->path, "/api/help-center/", 17) == 0 &&
      strcmp(rq->path, "/api/help-center/auth") != 0) {
    hm_sbx_error(rs, 403, "Forbidden: the Help Center API is served on its own host.");
    return 1;
  }
  if (hm_sbx_role_may(rq->role, rq->method, rq->path)) return 0;
  hm_sbx_error(rs, 403, "Forbidden: the role %s may not %s %s.", rq->role, rq->method, rq->path);
  return 1;
}

static enum MHD_Result serve_api(hm_sbx_ctx *ctx, hm_sbx_req *rq, hm_sbx_resp *rs) {
  int wrong = 0;
  const hm_sbx_route *route = route_of(rq, &wrong);
  const char *pattern = route ? route->pattern : "(unknown)";
  const hm_sbx_account *acct = rq->help_center_host ? authenticate_hc(ctx, rq->conn)
                                                    : authenticate(ctx, rq->conn);
  if (!acct && public_download(rq)) {  /* a visitor: no account, no bucket, no faults */
    rq->account = rq->role = "";
    dispatch(ctx, route, wrong, rq, rs);
    char st[8];
    snprintf(st, sizeof st, "%d", rs->status);
    count(ctx, rq->method, pattern, st);
    return respond(rq->conn, rs, 0, 0, NULL);
  }
  if (!acct) {
    hm_sbx_error(rs, 401, "Unauthorized.");
    count(ctx, rq->method, pattern, "401");
    return respond(rq->conn, rs, 0, 0, NULL);
  }
  rq->account = acct->email;
  rq->role = acct->role;
  int used = 0;
  double wait = 0;
  char retry[32];
  if (!hm_sbx_rate_take(&ctx->rate, rq->account, hm_sbx_clock(), &used, &wait)) {
    pthread_mutex_lock(&ctx->stats.mu);
    ctx->stats.rate_limited++;
    pthread_mutex_unlock(&ctx->stats.mu);
    hm_sbx_error(rs, 429, "Too many requests: the limit is %d calls per %g seconds.",
                 ctx->rate.capacity, ctx->rate.window * ctx->time_scale);
    count(ctx, rq->method, pattern, "429");
    format_seconds(retry, sizeof retry, wait, ctx->time_scale);
    return respond(rq->conn, rs, used, ctx->rate.capacity, retry);
  }
  if (forbidden(ctx, rq, rs)) {
    count(ctx, rq->method, pattern, "403");
    return respond(rq->conn, rs, used, ctx->rate.capacity, NULL);
  }
  double arg = 0;
  hm_sbx_fault_kind fault = hm_sbx_faults_next(&ctx->faults, &arg);
  int fstatus;
  const char *fmsg = fault_message(fault, &fstatus);
  if (fmsg) {
    hm_sbx_error(rs, fstatus, "%s", fmsg);
    char st[8];
    snprintf(st, sizeof st, "%d", fstatus);
    count(ctx, rq->method, pattern, st);
    if (fstatus == 429) format_seconds(retry, sizeof retry, 1.0 / ctx->time_scale, ctx->time_scale);
    return respond(rq->conn, rs, used, ctx->rate.capacity, fstatus == 429 ? retry : NULL);
  }
  if (fault == HM_SBX_FAULT_DROP_BEFORE) {
    count(ctx, rq->method, pattern, "dropped-before");
    return MHD_NO;
  }
  int post = strcmp(rq->method, "POST") == 0;
  if (fault == HM_SBX_FAULT_ECHO_AUTH && post) {
    hm_sbx_fault_echo(
        &ctx->faults,
        MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), rs);
    count(ctx, rq->method, pattern, "400");
    return respond(rq->conn, rs, used, ctx->rate.capacity, NULL);
  }
  if (hm_sbx_denied(ctx, rq, rs)) {
    count(ctx, rq->method, pattern, "403");
    return respond(rq->conn, rs, used, ctx->rate.capacity, NULL);
  }
  dispatch(ctx, route, wrong, rq, rs);
  if (hm_sbx_fault_hostile(fault) && post && rs->status >= 200 && rs->status < 300)
    hm_sbx_fault_answer(&ctx->faults, fault, arg, rs);
  if (fault == HM_SBX_FAULT_SLOW) hold_reply(ctx, arg / ctx->time_scale);
  if (fault == HM_SBX_FAULT_DROP_AFTER) {
    count(ctx, rq->method, pattern, "dropped-after");
    return MHD_NO;
  }
  char st[8];
  snprintf(st, sizeof st, "%d", rs->status);
  count(ctx, rq->method, pattern, st);
  return respond(rq->conn, rs, used, ctx->rate.capacity, NULL);
}

static enum MHD_Result serve_sandbox(hm_sbx_ctx *ctx, hm_sbx_req *rq, hm_sbx_resp *rs) {
  hm_sbx_dispatch(ctx, rq, rs);
  return respond(rq->conn, rs, 0, 0, NULL);
}

/* One request on either host (HC: the Help Center's own). */
static enum MHD_Result handle(hm_sbx_ctx *ctx, int hc, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *upload_data,
                              size_t *upload_data_size, void **con_cls) {
  conn_state *cs = *con_cls;
  if (!cs) {
    cs = calloc(1, sizeof *cs);
    if (!cs) return MHD_NO;
    hm_buf_init(&cs->body);
    cs->limit =
        strncmp(url, "/api/upload", 11) == 0 ? ctx->max_upload + (1u << 20) : JSON_BODY_LIMIT;
    *con_cls = cs;
    return MHD_YES;
  }
  if (*upload_data_size) {
    if (cs->body.len + *upload_data_size > cs->limit) cs->too_large = 1;
    else hm_buf_put(&cs->body, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  hm_sbx_req rq = {0};
  hm_sbx_resp rs = {0};
  rq.ctx = ctx;
  rq.conn = conn;
  rq.help_center_host = hc;
  rq.method = method;
  rq.path = url;
  rq.body = cs->body.data;
  rq.body_len = cs->body.len;
  rq.content_type =
      MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
  enum MHD_Result ret;
  if (cs->too_large) {
    if (strncmp(url, "/api/upload", 11) == 0)
      hm_sbx_error(&rs, 413, "File too large: the limit is %zu bytes.", ctx->max_upload);
    else hm_sbx_error(&rs, 413, "Request body too large: the limit is %zu bytes.", cs->limit);
    ret = respond(conn, &rs, 0, 0, NULL);
  } else if (strncmp(url, "/_sandbox/", 10) == 0 && !hc) {
    ret = serve_sandbox(ctx, &rq, &rs);
  } else if (strncmp(url, "/api/", 5) == 0) {
    ret = serve_api(ctx, &rq, &rs);
  } else {
    hm_sbx_error(&rs, 404, "Not found.");
    ret = respond(conn, &rs, 0, 0, NULL);
  }
  cJSON_Delete(rq.json);
  cJSON_Delete(rs.json);
  free(rs.raw);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
  (void)version;
  return handle(cls, 0, conn, url, method, upload_data, upload_data_size, con_cls);
}

static enum MHD_Result on_request_hc(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls) {
  (void)version;
  return handle(cls, 1, conn, url, method, upload_data, upload_data_size, con_cls);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls; (void)conn; (void)toe;
  conn_state *cs = *con_cls;
  if (!cs) return;
  hm_buf_free(&cs->body);
  free(cs);
  *con_cls = NULL;
}

static struct MHD_Daemon *listen_on(hm_sbx_ctx *ctx, int hc, const char *listen_addr, int port,
                                    int *bound, char *url, size_t urlcap, char *err,
                                    size_t errlen) {
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, listen_addr, &sa.sin_addr) != 1) {
    snprintf(err, errlen, "bad listen address: %s", listen_addr);
    return NULL;
  }
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
      (uint16_t)port, NULL, NULL, hc ? on_request_hc : on_request, ctx, MHD_OPTION_SOCK_ADDR,
      (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, ctx,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_END);
  if (!d) {
    snprintf(err, errlen, "cannot listen on %s:%d", listen_addr, port);
    return NULL;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  *bound = info ? info->port : port;
  snprintf(url, urlcap, "http://%s:%d", listen_addr, *bound);
  return d;
}

int hm_sbx_http_start(hm_sbx_ctx *ctx, const char *listen_addr, int port, char *err,
                      size_t errlen) {
  ctx->daemon = listen_on(ctx, 0, listen_addr, port, &ctx->port, ctx->base_url,
                          sizeof ctx->base_url, err, errlen);
  return ctx->daemon ? 0 : -1;
}

int hm_sbx_http_start_hc(hm_sbx_ctx *ctx, const char *listen_addr, int port, char *err,
                         size_t errlen) {
  ctx->hc_daemon = listen_on(ctx, 1, listen_addr, port, &ctx->hc_port, ctx->hc_base_url,
                             sizeof ctx->hc_base_url, err, errlen);
  return ctx->hc_daemon ? 0 : -1;
}

void hm_sbx_http_stop(hm_sbx_ctx *ctx) {
  if (ctx->hc_daemon) MHD_stop_daemon(ctx->hc_daemon);
  ctx->hc_daemon = NULL;
  if (ctx->daemon) MHD_stop_daemon(ctx->daemon);
  ctx->daemon = NULL;
}
