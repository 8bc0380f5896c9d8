/* hm_arena: bump allocator with block chaining; see hm_arena.h for why. */
#include "hm_arena.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct hm_arena_block {
  hm_arena_block *prev;
  size_t size;            /* usable bytes in data */
  int mapped;             /* from mmap (munmap it), else from calloc (free it) */
  _Alignas(16) unsigned char data[];
};

/* Blocks of 2 MiB and more are 2 MiB-aligned and offered to the kernel as huge pages:
   a 100,000-rule compile touches ~400 MB of AST, and one fault per 4 KiB page was a
   third of its time. Where the kernel says no, they are ordinary pages. */
enum { HUGE_PAGE = 2 * 1024 * 1024, GROWTH_CAP = 32 * 1024 * 1024 };

static hm_arena_block *block_new(size_t size, hm_arena_block *prev) {
  hm_arena_block *b = NULL;
  size_t bytes = sizeof *b + size;
  if (size >= HUGE_PAGE) {
    bytes = (bytes + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
      (void)madvise(m, bytes, MADV_HUGEPAGE);
#endif
      b = m;
    }
  } else {
    b = calloc(1, bytes);
  }
  if (!b) { fputs("hmap: out of memory\n", stderr); abort(); }
  b->prev = prev; b->size = bytes - sizeof *b; b->mapped = size >= HUGE_PAGE;
  return b;
}

static void block_free(hm_arena_block *b) {
  if (b->mapped) munmap(b, sizeof *b + b->size);
  else free(b);
}

void hm_arena_init(hm_arena *a, size_t block_size) {
  a->head = NULL;
  a->cur = a->end = a->dirty = NULL;
  a->block_size = block_size ? block_size : 64 * 1024;
  a->total = 0;
}

/* A fresh block is as large as everything the arena holds already (up to GROWTH_CAP):
   a growing arena makes O(log n) blocks, and a per-record arena, reset to its first
   block, keeps the small size it was made with. */
void *hm_arena_alloc_block(hm_arena *a, size_t n) {   /* n is rounded already */
  size_t grow = a->total < GROWTH_CAP ? a->total : GROWTH_CAP;
  size_t sz = n > a->block_size ? n : a->block_size;
  if (grow > sz) sz = grow;
  a->head = block_new(sz, a->head);
  a->total += a->head->size;
  a->cur = a->head->data + n;
  a->end = a->head->data + a->head->size;
  a->dirty = NULL;
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
    block_free(a->head);
    a->head = p;
  }
  a->cur = a->head->data;
  a->end = a->dirty = a->head->data + a->head->size;
}

void hm_arena_free(hm_arena *a) {
  while (a->head) {
    hm_arena_block *p = a->head->prev;
    block_free(a->head);
    a->head = p;
  }
  a->cur = a->end = a->dirty = NULL;
  a->total = 0;
}
