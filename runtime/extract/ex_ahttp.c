/* ex_ahttp: the HTTP side of `hmaprun extract atera` — one libcurl handle,
 * GET only, the API key as `X-API-KEY` or `Authorization: Bearer` (Atera
 * accepts both, sources-atera-smartertrack.md AT-4) in a header built per
 * request and wiped after it, sent only to the API's own origin (an attachment
 * on a blob host gets no key, nor does a redirect to another host: redirects are
 * followed here, 5 at most), pacing, and the retry policy: 429 waits its
 * Retry-After (else a doubling backoff), 5xx and lost connections are
 * retried, up to 8 attempts. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ex.h"

#define EX_ATTEMPTS 8

struct ex_ahttp {
  CURL *cu;
  char origin[512];     /* scheme://host[:port] of the API */
  char base[1024];      /* the API root, no trailing '/' */
  char key[2048];
  int bearer;
  double gap, last;     /* seconds between requests; time of the last one */
  double retry_after;   /* of the answer in progress (-1: none) */
  char location[4096];  /* where a 3xx answer points ("": none) */
  long max_bytes;
  ex_astats st;
};

/* "scheme://host[:port]" of url into out (lower-case scheme and host). */
static void origin_of(const char *url, char *out, size_t cap) {
  const char *p = strstr(url, "://");
  size_t n = p ? (size_t)(p - url) + 3 + strcspn(p + 3, "/?#") : strcspn(url, "/?#");
  if (n >= cap) n = cap - 1;
  for (size_t i = 0; i < n; i++) out[i] = (char)(url[i] >= 'A' && url[i] <= 'Z' ? url[i] + 32
                                                                                 : url[i]);
  out[n] = 0;
}

ex_ahttp *ex_ahttp_open(const char *base, const char *key, int bearer, double rate) {
  ex_ahttp *h = calloc(1, sizeof *h);
  if (!h || !(h->cu = curl_easy_init())) { free(h); return NULL; }
  snprintf(h->base, sizeof h->base, "%s", base);
  size_t n = strlen(h->base);
  while (n && h->base[n - 1] == '/') h->base[--n] = 0;
  origin_of(h->base, h->origin, sizeof h->origin);
  snprintf(h->key, sizeof h->key, "%s", key);
  h->bearer = bearer;
  h->gap = rate > 0 ? 1.0 / rate : 0;
  h->max_bytes = 512L << 20;
  return h;
}

void ex_ahttp_close(ex_ahttp *h) {
  if (!h) return;
  curl_easy_cleanup(h->cu);
  hm_secret_wipe(h->key, sizeof h->key);
  free(h);
}

const ex_astats *ex_ahttp_stats(const ex_ahttp *h) { return &h->st; }

static void nap(double s) {
  if (s <= 0) return;
  struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
  while (nanosleep(&ts, &ts)) {}
}

typedef struct sink { hm_buf *b; long max; int over; } sink;

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
  sink *s = ud;
  if ((long)(s->b->len + sz * n) > s->max) { s->over = 1; return 0; }
  hm_buf_put(s->b, p, sz * n);
  return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud) {
  ex_ahttp *h = ud;
  size_t len = sz * n;
  if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
    char v[64];
    size_t k = len - 12 < sizeof v - 1 ? len - 12 : sizeof v - 1;
    memcpy(v, p + 12, k);
    v[k] = 0;
    v[strcspn(v, "\r\n")] = 0;
    h->retry_after = hm_rl_retry_after(v + strspn(v, " \t"));
  }
  return len;
}

/* One transfer of url; the HTTP status or 0 (err says why). */
static long transfer(ex_ahttp *h, const char *url, hm_buf *body, char *err, size_t errlen) {
  char auth[2200] = "", origin[512];
  origin_of(url, origin, sizeof origin);
  struct curl_slist *hd = NULL;
  if (!strcmp(origin, h->origin))
    snprintf(auth, sizeof auth, h->bearer ? "Authorization: Bearer %s" : "X-API-KEY: %s", h->key);
  struct curl_slist keyh = { auth, NULL };   /* ours: never given to curl_slist_free_all */
  struct curl_slist acc = { "Accept: application/json", auth[0] ? &keyh : NULL };
  hd = &acc;
  sink s = { body, h->max_bytes, 0 };
  CURL *cu = h->cu;
  curl_easy_reset(cu);
  curl_easy_setopt(cu, CURLOPT_URL, url);
  curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hd);
  curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(cu, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(cu, CURLOPT_HEADERDATA, h);
  curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt(cu, CURLOPT_TIMEOUT, 300L);
  curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
  h->retry_after = -1;
  CURLcode rc = curl_easy_perform(cu);
  hm_secret_wipe(auth, sizeof auth);
  long status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &status);
  else snprintf(err, errlen, "%s", s.over ? "answer too large" : curl_easy_strerror(rc));
  char *to = NULL;
  if (status >= 300 && status < 400 && curl_easy_getinfo(cu, CURLINFO_REDIRECT_URL, &to) == CURLE_OK
      && to)
    snprintf(h->location, sizeof h->location, "%s", to);
  else h->location[0] = 0;
  return status;
}

long ex_ahttp_get(ex_ahttp *h, const char *url, hm_buf *body, char *err, size_t errlen) {
  char full[4096];
  if (strstr(url, "://")) snprintf(full, sizeof full, "%s", url);
  else snprintf(full, sizeof full, "%s%s", h->base, url);
  long status = 0;
  int hops = 0;
  for (int attempt = 0; attempt < EX_ATTEMPTS; attempt++) {
    double wait = h->last + h->gap - hm_now();
    nap(wait);
    h->last = hm_now();
    body->len = 0;
    err[0] = 0;
    h->st.requests++;
    status = transfer(h, full, body, err, errlen);
    if (status == 429) {
      h->st.throttled++;
      nap(h->retry_after >= 0 ? h->retry_after : 0.25 * (1 << attempt));
      continue;
    }
    if (status >= 300 && status < 400 && h->location[0] && hops++ < 5) {
      /* followed here, not by libcurl: the key header is rebuilt for the new origin */
      snprintf(full, sizeof full, "%s", h->location);
      attempt--;
      continue;
    }
    if (status && status < 500) return status;
    h->st.retries++;
    if (!err[0]) snprintf(err, errlen, "status %ld", status);
    nap(0.25 * (1 << attempt));
  }
  if (status == 429) snprintf(err, errlen, "still throttled (429) after %d attempts", EX_ATTEMPTS);
  return status >= 500 || status == 429 ? 0 : status;
}
