/* hm_url_same_origin: the last check before a request leaves — the URL built
 * from the target and a path must still name the target's scheme, host and
 * port, with no user name, so no path, cursor or id taken from a plan or an
 * answer can carry the credentials to another server. Parsed by libcurl's own
 * URL parser (curl_url), the one that decides where the request goes. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>
#include "rn.h"

typedef struct origin { char *scheme, *host, *port, *user; } origin;

static void origin_free(origin *o) {
  curl_free(o->scheme);
  curl_free(o->host);
  curl_free(o->port);
  curl_free(o->user);
}

static int origin_of(const char *url, origin *o) {
  memset(o, 0, sizeof *o);
  CURLU *u = curl_url();
  if (!u) return -1;
  int rc = -1;
  if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    curl_url_get(u, CURLUPART_USER, &o->user, 0);   /* absent: stays NULL */
    rc = 0;
  }
  curl_url_cleanup(u);
  return rc;
}

static int same(const char *a, const char *b) { return a && b && !strcasecmp(a, b); }

int hm_url_same_origin(const char *base, const char *url, char *why, size_t n) {
  origin want, got;
  int ok_base = origin_of(base, &want) == 0, ok_url = origin_of(url, &got) == 0;
  int rc = -1;
  if (!ok_base || !ok_url)
    snprintf(why, n, "the request URL cannot be parsed: not sent");
  else if (got.user)
    snprintf(why, n, "the request URL carries a user name: not sent");
  else if (!same(want.scheme, got.scheme) || !same(want.host, got.host) ||
           !same(want.port, got.port))
    snprintf(why, n, "the request URL leads to %s://%s:%s, not the target %s://%s:%s: not sent",
             got.scheme, got.host, got.port, want.scheme, want.host, want.port);
  else
    rc = 0;
  origin_free(&want);
  origin_free(&got);
  return rc;
}
