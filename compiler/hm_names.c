/* hm_names: the name -> index map of hm_names.h. */
#include "hm_names.h"
#include <stdlib.h>
#include <string.h>

static uint32_t hash(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) { h ^= (unsigned char)*s; h *= 16777619u; }
  return h;
}

/* The slot holding key, or the free slot where it would go. */
static uint32_t slot(const hm_names *m, const char *key) {
  uint32_t i = hash(key) & (m->cap - 1);
  while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & (m->cap - 1);
  return i;
}

static void grow(hm_names *m) {
  hm_names g = {0};
  g.cap = m->cap ? m->cap * 2 : 16;
  g.keys = calloc(g.cap, sizeof *g.keys);
  g.vals = calloc(g.cap, sizeof *g.vals);
  if (!g.keys || !g.vals) abort();
  for (uint32_t i = 0; i < m->cap; i++)
    if (m->keys[i]) {
      uint32_t j = slot(&g, m->keys[i]);
      g.keys[j] = m->keys[i];
      g.vals[j] = m->vals[i];
    }
  g.n = m->n;
  hm_names_free(m);
  *m = g;
}

int32_t hm_names_get(const hm_names *m, const char *key) {
  if (!m->cap) return -1;
  uint32_t i = slot(m, key);
  return m->keys[i] ? m->vals[i] : -1;
}

int32_t hm_names_put(hm_names *m, const char *key, int32_t val) {
  if ((m->n + 1) * 2 > m->cap) grow(m);
  uint32_t i = slot(m, key);
  if (m->keys[i]) return m->vals[i];
  m->keys[i] = key;
  m->vals[i] = val;
  m->n++;
  return -1;
}

void hm_names_free(hm_names *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}
