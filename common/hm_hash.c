/* hm_hash: FNV-1a, the lane digest and the open-addressing table of hm_hash.h. */
#include "hm_hash.h"
#include <stdlib.h>
#include <string.h>

uint64_t hm_fnv1a64(const void *data, size_t n) {
  return hm_fnv1a64_add(HM_FNV64_OFFSET, data, n);
}
uint32_t hm_fnv1a32(const void *data, size_t n) { return hm_fnv1a32_add(HM_FNV32_OFFSET, data, n); }
uint64_t hm_fnv1a64_v0_str(const char *s) {
  return hm_fnv1a64_add(HM_FNV64_OFFSET_V0, s, strlen(s));
}

/* ---- the lane digest ---- */

void hm_digest_init(hm_digest *d) {
  for (int lane = 0; lane < 4; lane++)
    d->h[lane] = HM_FNV64_OFFSET_V0 ^ (0x9E3779B97F4A7C15ull * (uint64_t)(lane + 1));
}

void hm_digest_add(hm_digest *d, const void *data, size_t n) {
  /* The four lanes are independent chains: stepping them together in one pass lets the
     CPU overlap their multiplies (the result is the lane-by-lane one). */
  const unsigned char *p = data;
  uint64_t h0 = d->h[0], h1 = d->h[1], h2 = d->h[2], h3 = d->h[3];
  for (size_t i = 0; i < n; i++) {
    h0 ^= p[i]; h1 ^= p[i]; h2 ^= p[i]; h3 ^= p[i];
    h0 *= HM_FNV64_PRIME; h1 *= HM_FNV64_PRIME; h2 *= HM_FNV64_PRIME; h3 *= HM_FNV64_PRIME;
    h0 ^= h0 >> 29; h1 ^= h1 >> 29; h2 ^= h2 >> 29; h3 ^= h3 >> 29;
  }
  d->h[0] = h0; d->h[1] = h1; d->h[2] = h2; d->h[3] = h3;
}

void hm_digest_out(const hm_digest *d, uint8_t out[32]) {
  for (int lane = 0; lane < 4; lane++)
    for (int b = 0; b < 8; b++) out[lane * 8 + b] = (uint8_t)(d->h[lane] >> (8 * b));
}

/* ---- the table ---- */

/* The home slot of stored hash h: 64-bit keys may be small or sequential,
   so they are mixed before the mask. */
static size_t home(const hm_htab *t, uint64_t h) {
  return (size_t)((h * 0x9E3779B97F4A7C15ull) >> 32) & (t->cap - 1);
}

static uint64_t str_hash(const char *key) {
  uint64_t h = hm_fnv1a64_str(key);
  return h ? h : 1;   /* 0 marks an empty slot */
}

/* The slot holding (h, key), or the empty slot where it would go. cap > 0. */
static size_t probe(const hm_htab *t, uint64_t h, const char *key) {
  size_t j = home(t, h);
  while (t->h[j] && (t->h[j] != h || (key && strcmp(t->k[j], key) != 0)))
    j = (j + 1) & (t->cap - 1);
  return j;
}

static void grow(hm_htab *t, bool strings) {
  hm_htab g = {0};
  g.cap = t->cap ? t->cap * 2 : 16;
  g.h = calloc(g.cap, sizeof *g.h);
  g.v = calloc(g.cap, sizeof *g.v);
  g.k = strings ? calloc(g.cap, sizeof *g.k) : NULL;
  if (!g.h || !g.v || (strings && !g.k)) abort();
  for (size_t i = 0; i < t->cap; i++) {
    if (!t->h[i]) continue;
    size_t j = home(&g, t->h[i]);
    while (g.h[j]) j = (j + 1) & (g.cap - 1);   /* keys are distinct: no compare */
    g.h[j] = t->h[i];
    g.v[j] = t->v[i];
    if (strings) g.k[j] = t->k[i];
  }
  g.n = t->n;
  hm_htab_free(t);
  *t = g;
}

static void **put(hm_htab *t, uint64_t h, const char *key, bool *was_new) {
  if ((t->n + 1) * 4 > t->cap * 3) grow(t, key != NULL);
  size_t j = probe(t, h, key);
  if (was_new) *was_new = !t->h[j];
  if (!t->h[j]) {
    t->h[j] = h;
    if (key) t->k[j] = key;
    t->n++;
  }
  return &t->v[j];
}

static void **find(const hm_htab *t, uint64_t h, const char *key) {
  if (!t->cap) return NULL;
  size_t j = probe(t, h, key);
  return t->h[j] ? &t->v[j] : NULL;
}

void **hm_htab_find_str(const hm_htab *t, const char *key) { return find(t, str_hash(key), key); }
void **hm_htab_put_str(hm_htab *t, const char *key, bool *was_new) {
  return put(t, str_hash(key), key, was_new);
}

void **hm_htab_find_u64(const hm_htab *t, uint64_t key) {
  if (!key) abort();
  return find(t, key, NULL);
}
void **hm_htab_put_u64(hm_htab *t, uint64_t key, bool *was_new) {
  if (!key) abort();
  return put(t, key, NULL, was_new);
}

void hm_htab_free(hm_htab *t) {
  free(t->h);
  free(t->k);
  free(t->v);
  memset(t, 0, sizeof *t);
}
