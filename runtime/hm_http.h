/* hm_http: the one connection to Gorgias — a libcurl easy handle kept alive
 * across calls, Basic auth, TLS verification on, connect/transfer timeouts, the
 * rate limiter and the retry policy. Callers get a status and a parsed JSON body
 * and never see credentials, sleeps or retries. Pure pacing arithmetic lives in
 * hm_ratelimit.c (declared here so it can be unit-tested without a network). */
#ifndef HM_HTTP_H
#define HM_HTTP_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "hm_buf.h"

/* ---- credentials (hm_creds.c) ---- */
typedef struct hm_creds { char email[330]; char key[512]; } hm_creds;
/* From file (lines KEY=value: GORGIAS_EMAIL, GORGIAS_API_KEY; '#' comments) when
 * path is non-NULL, else from the environment. 0 or 2 with a reason in err. */
int hm_creds_load(hm_creds *c, const char *path, char *err, size_t errlen);
/* Replace every occurrence of the e-mail or key in s (NUL-terminated, in place)
 * by "***", so no error text can leak them. */
void hm_creds_scrub(const hm_creds *c, char *s);
void hm_creds_wipe(hm_creds *c);

/* ---- rate limiter and backoff (hm_ratelimit.c) ---- */
typedef struct hm_rl {
  double limit;        /* bucket size (40 API key, 80 OAuth) */
  double window;       /* seconds to drain a full bucket (20; scaled in rehearsals) */
  double level;        /* estimated requests in the bucket at time t */
  double t;            /* monotonic seconds of the estimate */
  double headroom;     /* slots left free for other integrations */
  double backoff_base, backoff_cap;  /* seconds */
  uint64_t rng;        /* xorshift state for jitter */
} hm_rl;
void hm_rl_init(hm_rl *rl, double window, double headroom, uint64_t seed);
/* Seconds to wait before sending one request at time now (0 = go). */
double hm_rl_wait(const hm_rl *rl, double now);
/* Count one request sent at now. */
void hm_rl_sent(hm_rl *rl, double now);
/* Adopt the server's "used/limit" header value seen at now (ignored if malformed). */
void hm_rl_observe(hm_rl *rl, const char *header, double now);
/* Retry-after header -> seconds (capped to 60; -1 if absent or malformed). */
double hm_rl_retry_after(const char *header);
/* Delay before retry number attempt (0-based): capped exponential with jitter. */
double hm_rl_backoff(hm_rl *rl, int attempt);
double hm_now(void);   /* monotonic seconds */

/* ---- client ---- */
typedef struct hm_http_resp {
  long status;         /* HTTP status; 0 = transport failure after all retries */
  cJSON *json;         /* parsed body or NULL (empty or not JSON) */
  hm_buf body;         /* raw body */
  char err[512];       /* scrubbed reason when status is 0 or >= 400 */
  int timed_out;       /* no answer within the transfer timeout: may still be in flight */
  int not_sent;        /* stopped (SIGINT/SIGTERM) before the request left, or throttled
                          (429, not processed): nothing happened on the server */
} hm_http_resp;
void hm_http_resp_free(hm_http_resp *r);

typedef struct hm_http_stats {
  long requests, retries, throttled, server_errors, transport_errors;
  double first_t, last_t;  /* monotonic times of first and last request */
} hm_http_stats;

typedef struct hm_http hm_http;
typedef struct hm_http_opts {
  double time_scale;       /* 1 = real Gorgias timing; X = windows divided by X (hmap-sandbox --time-scale X) */
  long connect_timeout_s, timeout_s;
  int max_attempts;        /* per call, default 8 */
  int log_json;            /* one JSON line per request on stderr */
  const volatile sig_atomic_t *stop;   /* set by the signal handler: abort soon */
} hm_http_opts;

hm_http *hm_http_open(const char *base_url, const hm_creds *c, const hm_http_opts *o,
                      char *err, size_t errlen);
void hm_http_close(hm_http *h);
/* method: GET POST PUT DELETE; path starts with '/'; body may be NULL.
 * Retries 429 (Retry-after), 5xx, timeouts and dropped connections unless
 * idempotent is 0 and the failure may have reached the server: then it returns
 * at once (status 0 or 5xx) and the caller decides (look the object up first).
 * Returns the final response in r (free with hm_http_resp_free). */
void hm_http_request(hm_http *h, const char *method, const char *path, const cJSON *body,
                     int idempotent, hm_http_resp *r);
/* POST a file as multipart/form-data (field "file"). */
void hm_http_upload(hm_http *h, const char *path, const char *file, const char *name,
                    const char *content_type, hm_http_resp *r);
/* GET every page of a cursor-paginated list (path may carry a query; limit=100
 * and cursor are added), calling fn on each item until it returns non-zero;
 * also accepts a bare array. Follows meta.next_cursor to the end (or stops
 * after max_pages when max_pages > 0). Returns 0, the failing HTTP status,
 * -1 when no answer came, or HM_HTTP_CURSOR_LOOP when the server handed back a
 * cursor it had already given (it would never end); err says which. */
#define HM_HTTP_CURSOR_LOOP (-2)
long hm_http_list(hm_http *h, const char *path, int max_pages,
                  int (*fn)(void *ctx, const cJSON *item), void *ctx, char *err, size_t errlen);

/* A set of strings kept as 64-bit hashes (16 bytes a member at most): two
 * strings with one hash count as one, about 1 in 10^10 at a million members. */
typedef struct hm_seen { uint64_t *h; size_t cap, n; } hm_seen;
/* 1 when s was already in the set; else adds it and returns 0. */
int hm_seen_add(hm_seen *s, const char *str);
int hm_seen_has(const hm_seen *s, const char *str);
void hm_seen_free(hm_seen *s);
/* Percent-encode s for a query string into b. */
void hm_http_query_escape(hm_buf *b, const char *s);
/* Sleep the backoff delay for retry number attempt (interruptible by stop). */
void hm_http_backoff(hm_http *h, int attempt);
/* Attempts per request from now on (the preflight fails fast on a wrong URL). */
void hm_http_set_attempts(hm_http *h, int n);
const hm_http_stats *hm_http_get_stats(const hm_http *h);
const hm_rl *hm_http_get_rl(const hm_http *h);
int hm_http_stopped(const hm_http *h);
/* While on, a stop request is ignored (a graceful stop finishing the lookup
 * of a create whose answer was lost, so nothing is left in doubt). */
void hm_http_finishing(hm_http *h, int on);

#endif
