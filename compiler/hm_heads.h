/* hm_heads: sources a rule's or gap's head declares without a `source` line
 * (docs/language.md, "Sources in rule heads"). `rule S : T [options] -> X` is parsed
 * into its own N_SOURCE (grammar/hm_parse.y, head); this file adds the implied ones,
 * `rule T -> X` / `gap T -> ...` naming a module object T that says where its records
 * are, and names the module objects closest to a misspelt type. */
#ifndef HM_HEADS_H
#define HM_HEADS_H
#include "hm_compile.h"

/* Puts `source T` (op HM_SRC_IMPLIED) into the map just before each rule or gap whose
   head names no declared source but a used module's object T with a `from`; once per
   name, at its first head. Returns how many it added. Modules must be loaded. */
uint32_t hm_imply_sources(hm_compiler *c, hm_unit *map);

/* The module object named most like `name`, or NULL. */
const char *hm_suggest_object(hm_compiler *c, const char *name);

#endif
