/* hm_expand: `extends` and fragments spliced into a parsed unit (see hm_expand.c). */
#ifndef HM_EXPAND_H
#define HM_EXPAND_H
#include "hm_compile.h"

/* Expands every rule of the unit in place and drops its fragments; returns 1 when
   anything was spliced (the tree may be deeper than the parser saw it). */
int hm_expand(hm_compiler *c, hm_unit *u);

#endif
