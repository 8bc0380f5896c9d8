/* hm_dates: the date defaults and `strict` checks of a parsed unit (see hm_dates.c). */
#ifndef HM_DATES_H
#define HM_DATES_H
#include "hm_compile.h"

/* Gives every one-argument date() of every rule its defaults, and its check under `strict`;
   returns 1 when a rule changed. Runs after fragments and `extends` are spliced in. */
int hm_dates(hm_compiler *c, hm_unit *u);

#endif
