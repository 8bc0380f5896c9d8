/* hm_secret: keeping the API key out of everything hmaprun prints, stores or
 * leaves in memory. Owns the list of the key's encodings a server could echo
 * (raw, the Basic header's base64 of "email:key", base64 of the key alone,
 * base64url, URL-encoded, JSON-escaped) and their scrubbing from byte buffers
 * and parsed JSON trees; the masking of the long-lived copy of the credentials
 * (XOR with a random pad, so no plain copy sits in memory between requests);
 * the Authorization header built in a caller's buffer that is wiped after
 * each transfer; a libcurl allocator that wipes every block it frees; and
 * turning core dumps off before a key is read. */
#define _GNU_SOURCE 1   /* memmem */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <curl/curl.h>
#include "rn.h"

void hm_secret_wipe(void *p, size_t n) {
  volatile unsigned char *q = p;
  while (n--) *q++ = 0;
}

/* ---- core dumps ---- */

int hm_secret_no_core(void) {
  struct rlimit none = { 0, 0 };
  int rc = setrlimit(RLIMIT_CORE, &none);
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) rc = -1;
  return rc;
}

/* ---- encodings ---- */

static size_t b64(const unsigned char *in, size_t n, char *out, int url) {
  const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                 (i + 2 < n ? in[i + 2] : 0);
    out[o++] = abc[v >> 18 & 63];
    out[o++] = abc[v >> 12 & 63];
    if (i + 1 < n) out[o++] = abc[v >> 6 & 63];
    if (i + 2 < n) out[o++] = abc[v & 63];
  }
  out[o] = 0;   /* unpadded: the padded form contains it */
  return o;
}

static void url_encode(const char *s, char *out, int lower) {
  const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z') || strchr("-_.~", *p))
      *out++ = (char)*p;
    else { *out++ = '%'; *out++ = hex[*p >> 4]; *out++ = hex[*p & 15]; }
  }
  *out = 0;
}

/* slash: escape '/' as "\/" too (JSON allows both). */
static void json_escape(const char *s, char *out, int slash) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') { *out++ = '\\'; *out++ = (char)*p; }
    else if (*p == '/' && slash) { *out++ = '\\'; *out++ = '/'; }
    else if (*p < 0x20) out += sprintf(out, "\\u%04x", *p);
    else *out++ = (char)*p;
  }
  *out = 0;
}

/* Every form of the key a server could echo, each NUL-terminated in one
 * buffer (wiped by the caller). Returns the number of forms. */
enum { FORM_CAP = 6 * 1024 };
typedef struct forms { char buf[10][FORM_CAP]; int n; } forms;

static void make_forms(const hm_creds *c, forms *f) {
  char pair[sizeof c->email + sizeof c->key + 2];
  snprintf(pair, sizeof pair, "%s:%s", c->email, c->key);
  f->n = 0;
  snprintf(f->buf[f->n++], FORM_CAP, "%s", c->key);
  b64((const unsigned char *)pair, strlen(pair), f->buf[f->n++], 0);
  b64((const unsigned char *)pair, strlen(pair), f->buf[f->n++], 1);
  b64((const unsigned char *)c->key, strlen(c->key), f->buf[f->n++], 0);
  b64((const unsigned char *)c->key, strlen(c->key), f->buf[f->n++], 1);
  url_encode(c->key, f->buf[f->n++], 0);
  url_encode(c->key, f->buf[f->n++], 1);
  json_escape(c->key, f->buf[f->n++], 0);
  json_escape(c->key, f->buf[f->n++], 1);
  hm_secret_wipe(pair, sizeof pair);
}

/* ---- scrubbing ---- */

/* Replace every occurrence of needle in s[0..n) by "***"; returns the new
 * length. Forms shorter than min are left: they would match ordinary text. */
static size_t scrub_form(char *s, size_t n, const char *needle, size_t min) {
  size_t m = strlen(needle);
  if (m < 3 || m < min) return n;
  size_t i = 0;
  while (i + m <= n) {
    char *p = memmem(s + i, n - i, needle, m);
    if (!p) break;
    size_t at = (size_t)(p - s);
    memcpy(p, "***", 3);
    memmove(p + 3, p + m, n - at - m);
    n -= m - 3;
    hm_secret_wipe(s + n, m - 3);
    i = at + 3;
  }
  return n;
}

/* Longest forms first: one may contain another (with an e-mail of a length
 * divisible by 3, base64 of the key ends base64 of "email:key"). */
static size_t scrub_forms(const forms *f, char *s, size_t n, size_t min) {
  int done[10] = { 0 };
  for (int round = 0; round < f->n; round++) {
    int best = -1;
    for (int k = 0; k < f->n; k++)
      if (!done[k] && (best < 0 || strlen(f->buf[k]) > strlen(f->buf[best]))) best = k;
    done[best] = 1;
    n = scrub_form(s, n, f->buf[best], min);
  }
  return n;
}

size_t hm_secret_scrub_mem(const hm_creds *c, char *s, size_t n, size_t min) {
  if (!c || !s || !c->key[0]) return n;
  forms *f = malloc(sizeof *f);
  if (!f) abort();
  make_forms(c, f);
  n = scrub_forms(f, s, n, min);
  hm_secret_wipe(f, sizeof *f);
  free(f);
  return n;
}

static void scrub_tree(const forms *f, cJSON *node, size_t min) {
  for (; node; node = node->next) {
    if (node->string && !(node->type & cJSON_StringIsConst))
      scrub_forms(f, node->string, strlen(node->string) + 1, min);
    if (cJSON_IsString(node) && node->valuestring)
      scrub_forms(f, node->valuestring, strlen(node->valuestring) + 1, min);
    if (node->child) scrub_tree(f, node->child, min);
  }
}

void hm_secret_scrub_json(const hm_creds *c, cJSON *json, size_t min) {
  if (!c || !json || !c->key[0]) return;
  forms *f = malloc(sizeof *f);
  if (!f) abort();
  make_forms(c, f);
  scrub_tree(f, json, min);
  hm_secret_wipe(f, sizeof *f);
  free(f);
}

/* ---- the stored copy and the header ---- */

void hm_secret_pad(unsigned char *pad, size_t n) {
  if (getrandom(pad, n, 0) != (ssize_t)n)
    for (size_t i = 0; i < n; i++) pad[i] = (unsigned char)(rand() ^ (int)(i * 131));
}

void hm_secret_mask(hm_creds *c, const unsigned char *pad) {
  unsigned char *p = (unsigned char *)c;
  for (size_t i = 0; i < sizeof *c; i++) p[i] ^= pad[i];
}

size_t hm_secret_auth_header(const hm_creds *c, char *out, size_t cap) {
  char pair[sizeof c->email + sizeof c->key + 2];
  int n = snprintf(pair, sizeof pair, "%s:%s", c->email, c->key);
  size_t need = 21 + ((size_t)n + 2) / 3 * 4 + 3;
  if (n < 0 || need > cap) { hm_secret_wipe(pair, sizeof pair); return 0; }
  memcpy(out, "Authorization: Basic ", 21);
  size_t o = 21 + b64((const unsigned char *)pair, (size_t)n, out + 21, 0);
  while ((o - 21) % 4) out[o++] = '=';
  out[o] = 0;
  hm_secret_wipe(pair, sizeof pair);
  return o;
}

/* ---- libcurl's memory ---- */

static void *w_malloc(size_t n) { return malloc(n); }
static void *w_calloc(size_t a, size_t b) { return calloc(a, b); }
static char *w_strdup(const char *s) { return strdup(s); }

static void w_free(void *p) {
  if (!p) return;
  hm_secret_wipe(p, malloc_usable_size(p));
  free(p);
}

/* Never moved by realloc: the old block is wiped before it is given back. */
static void *w_realloc(void *p, size_t n) {
  if (!p) return malloc(n);
  if (!n) { w_free(p); return NULL; }
  size_t old = malloc_usable_size(p);
  if (n <= old) return p;
  void *q = malloc(n);
  if (!q) return NULL;
  memcpy(q, p, old);
  w_free(p);
  return q;
}

int hm_secret_curl_init(long flags) {
  CURLcode rc = curl_global_init_mem(flags, w_malloc, w_free, w_realloc, w_strdup, w_calloc);
  return rc == CURLE_OK ? 0 : -1;
}

int hm_run_curl_init(void) { return hm_secret_curl_init(CURL_GLOBAL_DEFAULT); }
