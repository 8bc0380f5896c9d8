/* hm_lex: lexer state and the token location/value types shared with the
 * Bison parser (grammar/hm_parse.y). */
#ifndef HM_LEX_H
#define HM_LEX_H
#include <stddef.h>
#include <stdint.h>
#include "hm_arena.h"

typedef struct hm_yyltype {
  int first_line, first_column, last_line, last_column;
  uint32_t file;
  int first_column_adj;
} hm_yyltype;
#define YYLTYPE hm_yyltype
#define YYLTYPE_IS_DECLARED 1
#define YYLTYPE_IS_TRIVIAL 1

#define HM_LEX_BRACES 64

typedef struct hm_lexer {
  hm_arena *arena;
  uint32_t file;
  const unsigned char *cur, *mar, *end, *line_start;
  uint32_t line, tok_line;
  const unsigned char *col_at;   /* a point on the current line whose column is col */
  uint32_t col;
  void (*report)(void *user, const YYLTYPE *loc, const char *msg);  /* E0101 sink */
  void *user;
  /* The `{` not closed yet, innermost last (deeper ones are counted, not kept): a syntax
     error at the next declaration names the brace left open, not only where it broke. */
  YYLTYPE open_brace[HM_LEX_BRACES];
  uint32_t nbraces;
} hm_lexer;

void hm_lex_init(hm_lexer *lx, hm_arena *arena, uint32_t file, const char *text, size_t len,
                 void (*report)(void *, const YYLTYPE *, const char *), void *user);
void hm_lex_error(hm_lexer *lx, const YYLTYPE *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
