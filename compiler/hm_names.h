/* hm_names: a map from names to indexes (common/hm_hash.h's table), so the
 * checker resolves and de-duplicates n declarations in O(n), not O(n^2).
 * Keys are not copied: they must outlive the map (arena strings do). */
#ifndef HM_NAMES_H
#define HM_NAMES_H
#include <stdint.h>
#include "hm_hash.h"

typedef struct hm_names { hm_htab t; } hm_names;

/* -1 when key is absent. */
int32_t hm_names_get(const hm_names *m, const char *key);
/* Adds key -> val unless key is there; returns the value already there, or -1. */
int32_t hm_names_put(hm_names *m, const char *key, int32_t val);
void hm_names_free(hm_names *m);

#endif
