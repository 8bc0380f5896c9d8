/* hm_edit: the edit distance behind every "did you mean" (the compiler's
 * names, a CSV header's columns). */
#ifndef HM_EDIT_H
#define HM_EDIT_H
#include <stddef.h>

#define HM_EDIT_MAXLEN 64   /* longer names are not compared: bounded work per pair */

/* Levenshtein distance, ASCII letters compared case-insensitively; SIZE_MAX
 * when either string is over HM_EDIT_MAXLEN bytes. */
size_t hm_edit_distance(const char *a, const char *b);

#endif
