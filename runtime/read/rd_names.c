/* hm_names: finding a repeated name among a CSV header's columns or a JSON
 * object's members in linear time (a 1M-column header is one pass, not 10^12
 * comparisons). Small lists are compared pairwise, larger ones go through an
 * open-addressing table of indexes that lives only for the call. */
#include "rd.h"
#include <stdlib.h>
#include <string.h>

#define PAIRWISE_MAX 8

/* The home slot of name in a table of size (a power of two, >= 16): the top
   bits of FNV-1a times the golden ratio, spread better than FNV's low bits. */
static size_t home(const char *name, size_t size) {
  return (size_t)((hm_fnv1a64_str(name) * 0x9E3779B97F4A7C15ull) >> (64 - __builtin_ctzll(size)));
}

static bool pairwise_dup(const char *const *names, size_t n, bool skip_empty, size_t *first,
                         size_t *second) {
  for (size_t i = 1; i < n; i++) {
    if (skip_empty && !*names[i]) continue;
    for (size_t j = 0; j < i; j++)
      if (strcmp(names[j], names[i]) == 0) { *first = j; *second = i; return true; }
  }
  return false;
}

bool hm_names_dup(const char *const *names, size_t n, bool skip_empty, size_t *first,
                  size_t *second) {
  if (n <= PAIRWISE_MAX) return pairwise_dup(names, n, skip_empty, first, second);
  size_t size = 16;
  while (size < 2 * n) size *= 2;
  size_t *slot = calloc(size, sizeof *slot);    /* index + 1; 0 = empty */
  if (!slot) abort();
  bool found = false;
  for (size_t i = 0; i < n && !found; i++) {
    if (skip_empty && !*names[i]) continue;
    size_t h = home(names[i], size);
    while (slot[h] && strcmp(names[slot[h] - 1], names[i]) != 0) h = (h + 1) & (size - 1);
    if (slot[h]) { *first = slot[h] - 1; *second = i; found = true; }
    else slot[h] = i + 1;
  }
  free(slot);
  return found;
}
