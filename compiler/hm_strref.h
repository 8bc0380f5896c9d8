/* hm_strref: the check of "{ref:SOURCE:KEY#field}" references inside string literals. */
#ifndef HM_STRREF_H
#define HM_STRREF_H
#include "hm_compile.h"

/* Reports (E0216) each reference in the string literal str whose source is not declared,
   has no rule, or whose field the object its rule makes does not return; hangs a lookup of
   each other source referenced on str->a, so the order of sources puts it first. self:
   the source of the rule being checked. Needs the rules resolved (c->chk.rules). */
void hm_check_string_refs(hm_compiler *c, hm_node *str, int self);

#endif
