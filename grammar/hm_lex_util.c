/* hm_lex_util: the lexer's error reporting, kept out of the re2c source so the
 * generated file holds only the scanner. */
#include <stdarg.h>
#include <stdio.h>
#include "hm_lex.h"

void hm_lex_error(hm_lexer *lx, const YYLTYPE *loc, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (lx->report) lx->report(lx->user, loc, msg);
}
