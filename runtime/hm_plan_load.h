/* hm_plan_load: the .hbc loader of `plan` and `run`, and the --set values
 * refused before anything is planned (see hm_plan_load.c). */
#ifndef HM_PLAN_LOAD_H
#define HM_PLAN_LOAD_H
#include <stddef.h>
#include "hm_bytecode.h"

/* A .hbc file loaded, verified, and checked against this runtime's builtins
   (NULL and err says why): the one loader of `plan` and `run`. */
hm_program *hm_plan_load(const char *path, char *err, size_t errlen);
/* The --set values that can be refused before planning: a setting the map
   passes as date()'s zone must name a zone date() can load. Returns 0, or 2
   (usage error) with err naming the setting, its value and the map line. */
int hm_plan_check_sets(const hm_program *p, const char *const *sets, int nsets, char *err, size_t errlen);

#endif
