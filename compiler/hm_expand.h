/* hm_expand: `extends` and fragments spliced into a parsed unit (see hm_expand.c). */
#ifndef HM_EXPAND_H
#define HM_EXPAND_H
#include "hm_compile.h"

/* Expands every rule of the unit in place (its fragments stay, for the LSP; only their
   copies are checked); returns 1 when anything was spliced (the tree may be deeper). */
int hm_expand(hm_compiler *c, hm_unit *u);

#endif
