/* hm_http: one libcurl easy handle per run, reused so the TCP/TLS connection is
 * kept alive (Gorgias allows 2 requests a second; a handshake per call would
 * waste a good share of that). Owns pacing (via rn_ratelimit.c), retries of
 * throttled, failed and dropped requests, and the translation of every failure
 * into a scrubbed one-line reason. Non-idempotent requests (creates) are never
 * retried blindly when they may have reached the server: the caller looks the
 * object up first, which is what makes creates exactly-once. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include "rn.h"

struct hm_http {
  CURL *curl;
  char *base;
  hm_creds creds;    /* masked with pad (rn_secret.c): no plain copy between requests */
  unsigned char pad[sizeof(hm_creds)];
  char auth[1600];   /* the Authorization header of the transfer in progress, wiped after it */
  hm_buf *sink;      /* the answer being received */
  int oversized;     /* the answer went over o.max_answer_bytes: the transfer was aborted */
  hm_http_opts o;
  hm_rl rl;
  hm_http_stats stats;
  char limit_hdr[64], retry_hdr[64];
  char curl_err[CURL_ERROR_SIZE];
  int in_send;      /* a request that changes something is on the wire: let it finish */
  int finishing;    /* hm_http_finishing: stop requests ignored */
  /* The Help Center's own host (NULL: the target serves it with the account's
   * credentials) and its Bearer token, renewed at hc_renew_at, before the
   * server's expires_in runs out. */
  char *hc_base;
  char hc_token[512];
  double hc_renew_at;
  /* The account's settings and its key's user (current_user) as its GET
   * answered at binding time (NULL: not read): the preflight judges them
   * without a second read. */
  cJSON *account_settings, *account_user;
};

void hm_http_resp_free(hm_http_resp *r) {
  if (!r) return;
  cJSON_Delete(r->json);
  r->json = NULL;
  hm_buf_free(&r->body);
}

/* Answers are bounded: past the limit the transfer is aborted (0 bytes taken)
 * and the call reports an oversized answer rather than growing without end. */
static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
  hm_http *h = ud;
  size_t len = sz * n;
  if (h->sink->len + len > (size_t)h->o.max_answer_bytes) { h->oversized = 1; return 0; }
  hm_buf_put(h->sink, p, len);
  return len;
}

/* The credentials unmasked into c (wipe it after use). */
static void creds_plain(const hm_http *h, hm_creds *c) {
  *c = h->creds;
  hm_secret_mask(c, h->pad);
}

static void scrub_text(const hm_http *h, char *s) {
  hm_creds c;
  creds_plain(h, &c);
  hm_creds_scrub(&c, s);
  hm_creds_wipe(&c);
}

/* An answer is scrubbed as soon as it is complete, bytes and parsed tree:
 * whatever reads it later (errors, the state, verify) never sees the key. */
static void scrub_answer(const hm_http *h, hm_http_resp *r) {
  hm_creds c;
  creds_plain(h, &c);
  size_t min = HM_SECRET_ANSWER_MIN;
  if (r->body.len) r->body.len = hm_secret_scrub_mem(&c, r->body.data, r->body.len, min);
  if (r->json) hm_secret_scrub_json(&c, r->json, min);
  hm_creds_wipe(&c);
}

static void header_value(const char *line, size_t len, const char *name, char *out, size_t cap) {
  size_t nl = strlen(name);
  if (len <= nl || strncasecmp(line, name, nl) || line[nl] != ':') return;
  const char *v = line + nl + 1;
  size_t vl = len - nl - 1;
  while (vl && (*v == ' ' || *v == '\t')) { v++; vl--; }
  while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) vl--;
  if (vl >= cap) vl = cap - 1;
  memcpy(out, v, vl);
  out[vl] = 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud) {
  hm_http *h = ud;
  header_value(p, sz * n, HM_GORGIAS_ROUTES.rate_limit_header, h->limit_hdr, sizeof h->limit_hdr);
  header_value(p, sz * n, "Retry-After", h->retry_hdr, sizeof h->retry_hdr);
  return sz * n;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
  (void)a; (void)b; (void)c; (void)d;
  const hm_http *h = ud;
  /* A graceful stop never cuts a create or an update in flight: its answer
   * is what keeps it from being in doubt (the transfer timeout bounds it). */
  if (h->in_send) return 0;
  return hm_http_stopped(h);
}

int hm_http_stopped(const hm_http *h) { return !h->finishing && h->o.stop && *h->o.stop; }
void hm_http_finishing(hm_http *h, int on) { h->finishing = on; }

static void pause_for(hm_http *h, double seconds) {
  double until = hm_now() + seconds;
  for (;;) {
    if (hm_http_stopped(h)) return;
    double left = until - hm_now();
    if (left <= 0) return;
    if (left > 0.05) left = 0.05;
    struct timespec ts = { 0, (long)(left * 1e9) };
    nanosleep(&ts, NULL);
  }
}

void hm_http_backoff(hm_http *h, int attempt) { pause_for(h, hm_rl_backoff(&h->rl, attempt)); }

hm_http *hm_http_open(const char *base_url, const hm_creds *c, const hm_http_opts *o,
                      char *err, size_t errlen) {
  if (strncmp(base_url, "http://", 7) && strncmp(base_url, "https://", 8)) {
    snprintf(err, errlen, "--target %s: expected an http:// or https:// URL", base_url);
    return NULL;
  }
  const char *host = strstr(base_url, "://") + 3;
  const char *at = strchr(host, '@'), *slash = strchr(host, '/');
  if (at && (!slash || at < slash)) {
    snprintf(err, errlen,
             "--target: credentials in the URL are refused; use GORGIAS_EMAIL/GORGIAS_API_KEY");
    return NULL;
  }
  hm_http *h = calloc(1, sizeof *h);
  if (!h) { snprintf(err, errlen, "out of memory"); return NULL; }
  h->o = *o;
  if (h->o.time_scale <= 0) h->o.time_scale = 1;
  if (h->o.connect_timeout_s <= 0) h->o.connect_timeout_s = 10;
  if (h->o.timeout_s <= 0) h->o.timeout_s = 120;
  if (h->o.max_attempts <= 0) h->o.max_attempts = 8;
  if (h->o.max_answer_bytes <= 0) h->o.max_answer_bytes = HM_HTTP_MAX_ANSWER_DEFAULT;
  h->creds = *c;
  hm_secret_pad(h->pad, sizeof h->pad);
  hm_secret_mask(&h->creds, h->pad);
  size_t n = strlen(base_url);
  while (n && base_url[n - 1] == '/') n--;
  h->base = strndup(base_url, n);
  hm_rl_init(&h->rl, 20 / h->o.time_scale, 0, (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32));
  h->curl = curl_easy_init();
  if (!h->curl || !h->base) {
    snprintf(err, errlen, "cannot initialise libcurl");
    hm_http_close(h);
    return NULL;
  }
  CURL *cu = h->curl;
  /* Basic auth is a header hmaprun builds per transfer in h->auth and wipes
   * after it (CURLOPT_USERNAME/PASSWORD would keep copies in the handle). */
  curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, h->o.connect_timeout_s);
  curl_easy_setopt(cu, CURLOPT_TIMEOUT, h->o.timeout_s);
  curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(cu, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(cu, CURLOPT_USERAGENT, "hmaprun/1");
  curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, h->curl_err);
  curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(cu, CURLOPT_WRITEDATA, h);
  curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(cu, CURLOPT_HEADERDATA, h);
  curl_easy_setopt(cu, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(cu, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(cu, CURLOPT_XFERINFODATA, h);
  hm_http_set_help_center(h, hm_gorgias_help_center_default(h->base));
  return h;
}

void hm_http_close(hm_http *h) {
  if (!h) return;
  if (h->curl) curl_easy_cleanup(h->curl);
  hm_creds_wipe(&h->creds);
  hm_secret_wipe(h->pad, sizeof h->pad);
  hm_secret_wipe(h->auth, sizeof h->auth);
  hm_secret_wipe(h->hc_token, sizeof h->hc_token);
  free(h->base);
  free(h->hc_base);
  cJSON_Delete(h->account_settings);
  cJSON_Delete(h->account_user);
  free(h);
}

void hm_http_keep_account(hm_http *h, const cJSON *account) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(account, "settings");
  cJSON_Delete(h->account_settings);
  h->account_settings = s ? cJSON_Duplicate(s, 1) : cJSON_CreateNull();
  const cJSON *u = cJSON_GetObjectItemCaseSensitive(account, "current_user");
  cJSON_Delete(h->account_user);
  h->account_user = u ? cJSON_Duplicate(u, 1) : cJSON_CreateNull();
}

const cJSON *hm_http_account_user(const hm_http *h) { return h->account_user; }

const cJSON *hm_http_account_settings(const hm_http *h) { return h->account_settings; }

const hm_http_stats *hm_http_get_stats(const hm_http *h) { return &h->stats; }
void hm_http_set_attempts(hm_http *h, int n) { h->o.max_attempts = n > 0 ? n : 8; }
void hm_http_set_max_answer(hm_http *h, long bytes) {
  h->o.max_answer_bytes = bytes > 0 ? bytes : HM_HTTP_MAX_ANSWER_DEFAULT;
}
const hm_rl *hm_http_get_rl(const hm_http *h) { return &h->rl; }

void hm_http_set_window(hm_http *h, double seconds) {
  if (!(seconds > 0)) return;
  h->rl.window = seconds / h->o.time_scale;
  h->rl.backoff_base = 0.5 * (h->rl.window / 20);
  h->rl.backoff_cap = 30 * (h->rl.window / 20);
}

/* May a failed transfer have delivered the request? Only refusals before any
 * byte was sent are certainly harmless to repeat. */
static int maybe_delivered(CURLcode cc) {
  return !(cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
           cc == CURLE_COULDNT_RESOLVE_PROXY || cc == CURLE_SSL_CONNECT_ERROR);
}

static void error_text(hm_http *h, hm_http_resp *r, CURLcode cc) {
  if (r->oversized) {
    snprintf(r->err, sizeof r->err,
             "an answer larger than the %ld-byte limit (--max-answer-bytes), not read",
             h->o.max_answer_bytes);
  } else if (cc != CURLE_OK) {
    snprintf(r->err, sizeof r->err, "%s", h->curl_err[0] ? h->curl_err : curl_easy_strerror(cc));
  } else if (r->status >= 400) {
    const cJSON *e = r->json ? cJSON_GetObjectItemCaseSensitive(r->json, "error") : NULL;
    const cJSON *m = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "msg") : e;
    const char *msg = cJSON_IsString(m) ? m->valuestring : hm_buf_cstr(&r->body);
    snprintf(r->err, sizeof r->err, "HTTP %ld: %.400s", r->status, msg);
  }
  scrub_text(h, r->err);
}

static void log_request(hm_http *h, const char *method, const char *path, long status, double ms) {
  if (!h->o.log_json) return;
  hm_buf b; hm_buf_init(&b);
  hm_progress_json_open(&b, "http");
  hm_buf_puts(&b, ",\"method\":");
  hm_buf_json_str(&b, method, strlen(method));
  hm_buf_puts(&b, ",\"path\":");
  hm_buf_json_str(&b, path, strlen(path));
  hm_buf_printf(&b, ",\"status\":%ld,\"ms\":%.1f,\"bucket\":\"%s\"}\n", status, ms, h->limit_hdr);
  char *s = strdup(hm_buf_cstr(&b));
  if (s) { scrub_text(h, s); fputs(s, stderr); free(s); }
  hm_buf_free(&b);
}

/* The file to upload, already opened inside the export folder: it is read by
 * position from the fd, never reopened by name. */
typedef struct upload_spec { int fd; curl_off_t size, pos; const char *name, *ctype; } upload_spec;

static size_t read_upload(char *buf, size_t sz, size_t n, void *ud) {
  upload_spec *u = ud;
  ssize_t got = pread(u->fd, buf, sz * n, (off_t)u->pos);
  if (got < 0) return CURL_READFUNC_ABORT;
  u->pos += got;
  return (size_t)got;
}

static int seek_upload(void *ud, curl_off_t offset, int origin) {
  upload_spec *u = ud;
  if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
  u->pos = offset;
  return CURL_SEEKFUNC_OK;
}

/* A fresh MIME body per attempt: libcurl does not reliably rewind a mime part
 * after a failed transfer (the retry would announce a body and send none). */
static curl_mime *build_mime(hm_http *h, upload_spec *u) {
  curl_mime *mime = curl_mime_init(h->curl);
  curl_mimepart *part = curl_mime_addpart(mime);
  curl_mime_name(part, HM_GORGIAS_ROUTES.upload_part);
  u->pos = 0;
  if (curl_mime_data_cb(part, u->size, read_upload, seek_upload, NULL, u) != CURLE_OK) {
    curl_mime_free(mime);
    return NULL;
  }
  if (u->name) curl_mime_filename(part, u->name);
  if (u->ctype) curl_mime_type(part, u->ctype);
  return mime;
}

/* Does path go to the Help Center's own host? */
static int hc_routed(const hm_http *h, const char *path) {
  return h->hc_base && hm_gorgias_help_center_route(path);
}

static void request_loop(hm_http *h, const char *method, const char *path, const char *payload,
                         upload_spec *up, int idempotent, hm_http_resp *r);

/* A Help Center token from the account's host (Basic auth), unless the one
 * held is still good. 0, or -1 with the failed exchange's answer in r (its
 * status and reason are the call's: a refused exchange is a refused call). */
static int hc_token_ensure(hm_http *h, hm_http_resp *r) {
  if (h->hc_token[0] && hm_now() < h->hc_renew_at) return 0;
  hm_secret_wipe(h->hc_token, sizeof h->hc_token);
  hm_http_resp t;
  memset(&t, 0, sizeof t);
  /* Asking for a token changes nothing worth keeping: safe to repeat. */
  request_loop(h, "POST", HM_GORGIAS_ROUTES.help_center_auth, NULL, NULL, 1, &t);
  const char *tok = t.status == 200 ? hm_rn_json_str(t.json, "access_token") : NULL;
  const cJSON *ttl = t.json ? cJSON_GetObjectItemCaseSensitive(t.json, "expires_in") : NULL;
  if (!tok || !*tok || strlen(tok) >= sizeof h->hc_token || !cJSON_IsNumber(ttl)) {
    hm_http_resp_free(r);
    *r = t;
    char why[sizeof r->err];
    snprintf(why, sizeof why, "%s", r->err[0] && r->status != 200 ? r->err : "no token");
    snprintf(r->err, sizeof r->err, "the Help Center token exchange (%s): %.400s",
             HM_GORGIAS_ROUTES.help_center_auth, why);
    if (r->status == 200) r->status = 0;
    /* The call itself never left: without a refusal to pass on (a 4xx of the
     * exchange), nothing is in doubt and the run stops resumable. */
    if (r->status == 0 || r->status == 429 || r->status >= 500) {
      r->status = 0;
      r->not_sent = 1;
    }
    return -1;
  }
  snprintf(h->hc_token, sizeof h->hc_token, "%s", tok);
  /* Renew a fifth of its life (at most a minute) early: a call in flight never
   * carries a token that expires on the way. */
  double life = ttl->valuedouble, margin = life / 5 < 60 ? life / 5 : 60;
  h->hc_renew_at = hm_now() + life - margin;
  if (t.body.data) hm_secret_wipe(t.body.data, t.body.len);
  hm_http_resp_free(&t);
  return 0;
}

void hm_http_set_help_center(hm_http *h, const char *url) {
  free(h->hc_base);
  h->hc_base = NULL;
  hm_secret_wipe(h->hc_token, sizeof h->hc_token);
  if (!url || !*url) return;
  size_t n = strlen(url);
  while (n && url[n - 1] == '/') n--;
  /* The target itself: it serves the Help Center with the account's credentials. */
  if (n == strlen(h->base) && !strncmp(url, h->base, n)) return;
  h->hc_base = strndup(url, n);
}

const char *hm_http_help_center(const hm_http *h) { return h->hc_base; }

int hm_http_help_center_token(hm_http *h, char *err, size_t errlen) {
  if (!h->hc_base) return 0;
  hm_http_resp r;
  memset(&r, 0, sizeof r);
  int rc = hc_token_ensure(h, &r);
  if (rc) snprintf(err, errlen, "%s", r.err);
  hm_http_resp_free(&r);
  return rc;
}

/* One transfer, paced. Returns the curl code; fills r (body, status, json). */
static CURLcode perform_once(hm_http *h, const char *method, const char *path,
                             const char *payload, upload_spec *up, int idempotent,
                             hm_http_resp *r) {
  pause_for(h, hm_rl_wait(&h->rl, hm_now()));
  if (hm_http_stopped(h)) { r->not_sent = 1; return CURLE_ABORTED_BY_CALLBACK; }
  r->not_sent = 0;
  hm_http_resp_free(r);
  hm_buf_init(&r->body);
  r->status = 0;
  r->err[0] = 0;
  h->limit_hdr[0] = h->retry_hdr[0] = h->curl_err[0] = 0;
  CURL *cu = h->curl;
  const char *base = hc_routed(h, path) ? h->hc_base : h->base;
  hm_buf url; hm_buf_init(&url);
  hm_buf_puts(&url, base);
  hm_buf_puts(&url, path);
  if (hm_url_same_origin(base, hm_buf_cstr(&url), h->curl_err, sizeof h->curl_err)) {
    hm_buf_free(&url);
    r->not_sent = 1;   /* refused here: nothing reached any server */
    error_text(h, r, CURLE_URL_MALFORMAT);
    return CURLE_URL_MALFORMAT;
  }
  curl_easy_setopt(cu, CURLOPT_URL, hm_buf_cstr(&url));
  h->sink = &r->body;
  h->oversized = 0;
  r->oversized = 0;
  curl_easy_setopt(cu, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->o.max_answer_bytes);
  struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
  hdrs = curl_slist_append(hdrs, "Expect:");
  curl_easy_setopt(cu, CURLOPT_MIMEPOST, NULL);
  curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, NULL);
  curl_easy_setopt(cu, CURLOPT_HTTPGET, 1L);
  curl_mime *mime = up ? build_mime(h, up) : NULL;
  if (up && !mime) {
    curl_slist_free_all(hdrs);
    hm_buf_free(&url);
    snprintf(h->curl_err, sizeof h->curl_err, "%s: cannot read the file to upload", up->name);
    error_text(h, r, CURLE_READ_ERROR);
    return CURLE_READ_ERROR;
  }
  if (mime) {
    curl_easy_setopt(cu, CURLOPT_MIMEPOST, mime);
  } else if (payload || strcmp(method, "GET")) {
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    curl_easy_setopt(cu, CURLOPT_POSTFIELDS, payload ? payload : "");
    curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)(payload ? strlen(payload) : 0));
    if (strcmp(method, "POST")) curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
  }
  if (base == h->hc_base) {
    snprintf(h->auth, sizeof h->auth, "Authorization: Bearer %s", h->hc_token);
  } else {
    hm_creds plain;
    creds_plain(h, &plain);
    hm_secret_auth_header(&plain, h->auth, sizeof h->auth);
    hm_creds_wipe(&plain);
  }
  struct curl_slist auth = { h->auth, hdrs };   /* ours: never given to curl_slist_free_all */
  curl_easy_setopt(cu, CURLOPT_HTTPHEADER, &auth);
  /* libcurl silently re-sends a request whose reused keep-alive connection
   * died before any answer byte — after the server may have committed it. For
   * a create that is a duplicate, so creates always go on a fresh connection
   * and a lost answer comes back to us (and to the lookup) instead. */
  curl_easy_setopt(cu, CURLOPT_FRESH_CONNECT, idempotent ? 0L : 1L);
  double t0 = hm_now();
  hm_rl_sent(&h->rl, t0);
  if (!h->stats.requests) h->stats.first_t = t0;
  h->stats.requests++;
  h->in_send = strcmp(method, "GET") != 0;
  CURLcode cc = curl_easy_perform(cu);
  h->in_send = 0;
  double t1 = hm_now();
  h->stats.last_t = t1;
  curl_easy_setopt(cu, CURLOPT_HTTPHEADER, NULL);
  hm_secret_wipe(h->auth, sizeof h->auth);
  curl_slist_free_all(hdrs);
  if (mime) { curl_easy_setopt(cu, CURLOPT_MIMEPOST, NULL); curl_mime_free(mime); }
  hm_buf_free(&url);
  if ((cc == CURLE_WRITE_ERROR && h->oversized) || cc == CURLE_FILESIZE_EXCEEDED) {
    r->oversized = 1;
    hm_buf_free(&r->body);
    hm_buf_init(&r->body);
  }
  if (cc == CURLE_OK) {
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
    hm_rl_observe(&h->rl, h->limit_hdr[0] ? h->limit_hdr : NULL, t1);
    if (r->body.len) r->json = cJSON_ParseWithLength(r->body.data, r->body.len);
  }
  scrub_answer(h, r);
  r->timed_out = cc == CURLE_OPERATION_TIMEDOUT;
  error_text(h, r, cc);
  log_request(h, method, path, cc == CURLE_OK ? r->status : 0, (t1 - t0) * 1000);
  return cc;
}

/* The retry loop shared by JSON requests and uploads. */
static void request_loop(hm_http *h, const char *method, const char *path, const char *payload,
                         upload_spec *up, int idempotent, hm_http_resp *r) {
  int failures = 0, renewed = 0;
  for (int attempt = 0;; attempt++) {
    if (hc_routed(h, path) && hc_token_ensure(h, r)) return;
    CURLcode cc = perform_once(h, method, path, payload, up, idempotent, r);
    if (cc == CURLE_OK && r->status == 401 && hc_routed(h, path) && !renewed++) {
      /* An expired (or revoked) token was refused before anything was done:
       * one new token, then the same call again. */
      hm_secret_wipe(h->hc_token, sizeof h->hc_token);
      continue;
    }
    if (cc == CURLE_READ_ERROR && up) return;   /* the local file, not the network */
    if (cc == CURLE_URL_MALFORMAT) return;      /* refused before sending: no retry */
    if (r->oversized) { r->status = 0; return; }   /* the same answer would come again */
    if (hm_http_stopped(h)) {
      /* A call that finished keeps its answer (the caller records it); one
       * that never left or was throttled is reported as not sent. */
      if (cc == CURLE_OK && r->status != 429 && r->status < 500) return;
      if (cc == CURLE_OK && r->status == 429) r->not_sent = 1;
      if (r->not_sent || cc != CURLE_OK) r->status = 0;
      snprintf(r->err, sizeof r->err, "interrupted");
      return;
    }
    if (cc == CURLE_OK && r->status == 429) {
      h->stats.throttled++;
      h->stats.retries++;
      double ra = hm_rl_retry_after(h->retry_hdr[0] ? h->retry_hdr : NULL);
      /* A throttled request was not processed: always safe to repeat. The
       * bucket is full, so let the limiter start from there too. */
      h->rl.level = h->rl.limit;
      h->rl.t = hm_now();
      if (attempt > 50) return;
      pause_for(h, ra >= 0 ? ra : hm_rl_backoff(&h->rl, failures));
      continue;
    }
    int transient = cc != CURLE_OK || r->status >= 500;
    if (!transient) return;
    if (cc != CURLE_OK) { h->stats.transport_errors++; r->status = 0; }
    else h->stats.server_errors++;
    if (!idempotent && (cc == CURLE_OK || maybe_delivered(cc))) return;
    if (++failures >= h->o.max_attempts) return;
    h->stats.retries++;
    pause_for(h, hm_rl_backoff(&h->rl, failures - 1));
  }
}

void hm_http_request(hm_http *h, const char *method, const char *path, const cJSON *body,
                     int idempotent, hm_http_resp *r) {
  memset(r, 0, sizeof *r);
  char *payload = body ? cJSON_PrintUnformatted(body) : NULL;
  request_loop(h, method, path, payload, NULL, idempotent, r);
  free(payload);
}

void hm_http_upload(hm_http *h, const char *path, int fd, long long size, const char *name,
                    const char *content_type, hm_http_resp *r) {
  memset(r, 0, sizeof *r);
  upload_spec up = { fd, (curl_off_t)size, 0, name, content_type };
  /* Uploads cannot be looked up, and a duplicate file is invisible and harmless,
   * so they are retried like idempotent requests. */
  request_loop(h, "POST", path, NULL, &up, 1, r);
}
void hm_http_query_escape(hm_buf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') hm_buf_putc(b, (char)*p);
    else { hm_buf_putc(b, '%'); hm_buf_putc(b, hex[*p >> 4]); hm_buf_putc(b, hex[*p & 15]); }
  }
}

/* ---- a set of strings by hash ---- */

static uint64_t seen_hash(const char *s) {
  uint64_t h = hm_fnv1a64_str(s);
  return h ? h : 1;   /* a table key is never 0 */
}

int hm_seen_has(const hm_seen *s, const char *str) {
  return hm_htab_find_u64(&s->t, seen_hash(str)) != NULL;
}

int hm_seen_add(hm_seen *s, const char *str) {
  bool fresh;
  hm_htab_put_u64(&s->t, seen_hash(str), &fresh);
  return !fresh;
}

void hm_seen_free(hm_seen *s) { hm_htab_free(&s->t); }

/* ---- lists ---- */

/* Where one listing stands: the cursor (or page number) of the next page, and
 * every cursor given so far. */
typedef struct list_walk {
  int paged;          /* Help Center: ?page=&per_page=, meta.next_page */
  long next_page;
  char *cursor;
  hm_seen cursors;
} list_walk;

static void list_url(const list_walk *w, const char *path, hm_buf *url) {
  hm_buf_puts(url, path);
  if (w->paged)
    hm_buf_printf(url, "%cpage=%ld&per_page=100", strchr(path, '?') ? '&' : '?', w->next_page);
  else hm_buf_puts(url, strchr(path, '?') ? "&limit=100" : "?limit=100");
  if (w->cursor) { hm_buf_puts(url, "&cursor="); hm_http_query_escape(url, w->cursor); }
}

/* Takes the next position from a page's meta: 1 when there is another page,
 * 0 at the end, HM_HTTP_CURSOR_LOOP when the cursor was given before. */
static int list_advance(list_walk *w, const cJSON *meta) {
  free(w->cursor);
  w->cursor = NULL;
  if (w->paged) {
    const cJSON *np = cJSON_GetObjectItemCaseSensitive(meta, "next_page");
    if (!cJSON_IsNumber(np) || (long)np->valuedouble <= w->next_page) return 0;
    w->next_page = (long)np->valuedouble;
    return 1;
  }
  const cJSON *next = cJSON_GetObjectItemCaseSensitive(meta, "next_cursor");
  if (!cJSON_IsString(next) || !next->valuestring[0]) return 0;
  if (hm_seen_add(&w->cursors, next->valuestring)) return HM_HTTP_CURSOR_LOOP;
  w->cursor = strdup(next->valuestring);
  return 1;
}

long hm_http_list(hm_http *h, const char *path, int max_pages,
                  int (*fn)(void *ctx, const cJSON *item), void *ctx, char *err, size_t errlen) {
  /* Help Center lists are page-based, every other list is cursor-based. */
  list_walk w = { .paged = hm_gorgias_paged(path), .next_page = 1 };
  long rc = 0;
  for (int page = 0; max_pages <= 0 || page < max_pages; page++) {
    hm_buf url; hm_buf_init(&url);
    list_url(&w, path, &url);
    hm_http_resp r;
    hm_http_request(h, "GET", hm_buf_cstr(&url), NULL, 1, &r);
    hm_buf_free(&url);
    if (r.status < 200 || r.status >= 300) {
      snprintf(err, errlen, "GET %s: %s", path, r.err[0] ? r.err : "unexpected answer");
      rc = r.status ? r.status : -1;
      hm_http_resp_free(&r);
      break;
    }
    const cJSON *data =
        cJSON_IsArray(r.json) ? r.json : cJSON_GetObjectItemCaseSensitive(r.json, "data");
    const cJSON *it;
    int stop = 0;
    cJSON_ArrayForEach(it, data) if ((stop = fn(ctx, it))) break;
    int more = stop ? 0 : list_advance(&w, cJSON_GetObjectItemCaseSensitive(r.json, "meta"));
    hm_http_resp_free(&r);
    if (more == HM_HTTP_CURSOR_LOOP) {
      /* Going on would read the same pages forever; what was not read yet
       * is unknown, so the caller must not take "not found" from this. */
      snprintf(err, errlen,
               "GET %s: page %d handed back a cursor given before: the list does not end, "
               "stopped reading it",
               path, page + 1);
      rc = HM_HTTP_CURSOR_LOOP;
    }
    if (more != 1) break;
  }
  free(w.cursor);
  hm_seen_free(&w.cursors);
  return rc;
}

/* ---- a visitor's GET (no account) ---- */

typedef struct visitor_sink { long long max, got; } visitor_sink;

static size_t on_visitor_body(char *p, size_t sz, size_t n, void *ud) {
  (void)p;
  visitor_sink *v = ud;
  v->got += (long long)(sz * n);
  return v->got > v->max ? 0 : sz * n;
}

long hm_http_get_public(const hm_http *h, const char *url, long long max, long long *got,
                        char *err, size_t errlen) {
  CURL *cu = curl_easy_init();
  visitor_sink v = {max, 0};
  char cerr[CURL_ERROR_SIZE] = "";
  long status = 0;
  *got = 0;
  if (!cu) { snprintf(err, errlen, "cannot initialise libcurl"); return 0; }
  curl_easy_setopt(cu, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(cu, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, h->o.connect_timeout_s);
  curl_easy_setopt(cu, CURLOPT_TIMEOUT, h->o.timeout_s);
  curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(cu, CURLOPT_USERAGENT, "hmaprun/1");
  curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, cerr);
  curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_visitor_body);
  curl_easy_setopt(cu, CURLOPT_WRITEDATA, &v);
  CURLcode rc = curl_easy_perform(cu);
  if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
  else
    snprintf(err, errlen, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
  curl_easy_cleanup(cu);
  *got = v.got;
  return status;
}
