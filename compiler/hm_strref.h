/* hm_strref: the check of "{ref:SOURCE:KEY#field}" references inside string literals. */
#ifndef HM_STRREF_H
#define HM_STRREF_H
#include "hm_compile.h"

/* Reports (E0216) each reference in the string literal str whose source is not declared,
   has no rule, or whose field the object its rule makes does not return. Needs the
   rules resolved (c->chk.rules). */
void hm_check_string_refs(hm_compiler *c, const hm_node *str);

#endif
