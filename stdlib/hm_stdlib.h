/* hm_stdlib: the schema modules of stdlib/ embedded in the binaries at build
 * time (see cmake/embed_stdlib.cmake). `use NAME` resolves here unless a
 * directory override (--stdlib DIR or $HMAP_STDLIB) is given. */
#ifndef HM_STDLIB_H
#define HM_STDLIB_H
#include <stddef.h>

typedef struct hm_stdlib_module {
  const char *name;   /* "gorgias" */
  const char *path;   /* "stdlib/gorgias.hmap": the name diagnostics show */
  const char *text;
  size_t len;
} hm_stdlib_module;

extern const hm_stdlib_module hm_stdlib_modules[];   /* ends with a NULL name */

#endif
