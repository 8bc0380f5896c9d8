/* hm_fmt: `hmapc fmt`, the one layout of a map. It re-indents and trims, nothing else: a
 * statement is indented two spaces per enclosing block, a line inside an open bracket
 * lines up after that bracket, a continuation keeps its offset from its statement's first
 * line; trailing blanks, tabs in indentation, runs of blank lines and a missing final
 * newline are fixed. Tokens, comments and line breaks are kept, so the map compiles to
 * the same program, and formatting a formatted map changes nothing. */
#ifndef HM_FMT_H
#define HM_FMT_H
#include <stddef.h>
#include "hm_buf.h"

/* Appends the formatted text to out. */
void hm_fmt(const char *text, size_t len, hm_buf *out);

#endif
