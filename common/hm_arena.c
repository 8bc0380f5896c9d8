/* hm_arena: bump allocator with block chaining; see hm_arena.h for why. */
#include "hm_arena.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hm_arena_block {
  hm_arena_block *prev;
  size_t size;
  _Alignas(16) unsigned char data[];
};

static hm_arena_block *block_new(size_t size, hm_arena_block *prev) {
  hm_arena_block *b = malloc(sizeof *b + size);
  if (!b) { fputs("hmap: out of memory\n", stderr); abort(); }
  b->prev = prev; b->size = size;
  return b;
}

void hm_arena_init(hm_arena *a, size_t block_size) {
  a->head = NULL;
  a->cur = a->end = NULL;
  a->block_size = block_size ? block_size : 64 * 1024;
  a->total = 0;
}

void *hm_arena_alloc_block(hm_arena *a, size_t n) {   /* n is rounded already */
  size_t sz = n > a->block_size ? n : a->block_size;
  a->head = block_new(sz, a->head);
  a->total += sz;
  a->cur = a->head->data + n;
  a->end = a->head->data + sz;
  memset(a->head->data, 0, n);
  return a->head->data;
}

void *hm_arena_realloc(hm_arena *a, void *p, size_t old, size_t n) {
  if (n <= old) return p;
  void *q = hm_arena_alloc(a, n);
  if (p && old) memcpy(q, p, old);
  return q;
}

char *hm_arena_strndup(hm_arena *a, const char *s, size_t n) {
  char *d = hm_arena_alloc(a, n + 1);
  if (n) memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *hm_arena_strdup(hm_arena *a, const char *s) { return hm_arena_strndup(a, s, strlen(s)); }

char *hm_xstrdup(const char *s) {
  if (!s) return NULL;
  char *d = strdup(s);
  if (!d) abort();
  return d;
}

char *hm_arena_printf(hm_arena *a, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *d = hm_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
  if (n > 0) vsnprintf(d, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return d;
}

void hm_arena_reset(hm_arena *a) {
  if (!a->head) return;
  while (a->head->prev) {
    hm_arena_block *p = a->head->prev;
    a->total -= a->head->size;
    free(a->head);
    a->head = p;
  }
  a->cur = a->head->data;
  a->end = a->head->data + a->head->size;
}

void hm_arena_free(hm_arena *a) {
  while (a->head) {
    hm_arena_block *p = a->head->prev;
    free(a->head);
    a->head = p;
  }
  a->cur = a->end = NULL;
  a->total = 0;
}
