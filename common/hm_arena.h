/* hm_arena: bump allocator. One arena per compile and one per record, so a
 * whole phase's memory is released at once and nothing is freed piecemeal. */
#ifndef HM_ARENA_H
#define HM_ARENA_H
#include <stddef.h>
#include <string.h>

typedef struct hm_arena_block hm_arena_block;
typedef struct hm_arena {
  hm_arena_block *head;   /* current block; older blocks chain behind it */
  unsigned char *cur, *end;   /* the free part of head */
  unsigned char *dirty;       /* head's bytes from cur up to here may be non-zero; past it,
                                 fresh blocks are zero already (calloc/mmap), so the big
                                 compile arena is not zeroed twice */
  size_t block_size;      /* default size of a fresh block */
  size_t total;           /* bytes obtained from malloc, for peak-memory figures */
} hm_arena;

void hm_arena_init(hm_arena *a, size_t block_size);
void *hm_arena_alloc_block(hm_arena *a, size_t n);     /* the slow path: a fresh block */
/* Zeroed, 16-aligned; aborts on OOM. Inline: readers and the VM allocate
   a few words at a time, millions of times a plan. */
static inline void *hm_arena_alloc(hm_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (!a->cur || (size_t)(a->end - a->cur) < n) return hm_arena_alloc_block(a, n);
  unsigned char *p = a->cur;
  a->cur += n;
  if (p < a->dirty) memset(p, 0, (size_t)(a->dirty - p) < n ? (size_t)(a->dirty - p) : n);
  return p;
}
void *hm_arena_realloc(hm_arena *a, void *p, size_t old, size_t n);
char *hm_arena_strndup(hm_arena *a, const char *s, size_t n);
char *hm_arena_strdup(hm_arena *a, const char *s);
/* A malloc'd copy of s (free() it), NULL for NULL; aborts when memory runs
   out, as the arena does: no caller has a way to go on without it. */
char *hm_xstrdup(const char *s);
char *hm_arena_printf(hm_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keep the first block, drop the rest: the per-record reset, cheap and leak-free. */
void hm_arena_reset(hm_arena *a);
void hm_arena_free(hm_arena *a);

#endif
