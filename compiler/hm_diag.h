/* hm_diag: diagnostics of one compile — collected, sorted by position, printed
 * as `file:line:col: error: text [E0NN]` with the source line and a caret, or as
 * one JSON array for editors. */
#ifndef HM_DIAG_H
#define HM_DIAG_H
#include <stdint.h>
#include <stdio.h>
#include "hm_ast.h"
#include "hm_buf.h"

typedef enum hm_dcode {
#define CODE(id, sev, summary) HC_##id,
#include "hm_codes.def"
#undef CODE
  HC__COUNT
} hm_dcode;

typedef struct hm_srcfile {
  const char *path; const char *text; size_t len;
  size_t *line_starts; uint32_t nlines;   /* offsets of each line, built when first printed */
} hm_srcfile;

typedef struct hm_diag {
  hm_loc loc;
  hm_dcode code;
  const char *msg;
  const char *fix;              /* a fix-it: replace the text at fix_loc with this, or NULL */
  hm_loc fix_loc;
} hm_diag;

typedef struct hm_diags {
  hm_arena *arena;
  hm_srcfile *files; uint32_t nfiles, capfiles;
  hm_diag *items; uint32_t n, cap;
  uint32_t errors, warnings;
  /* Index + 1 of each item by (file, line, col, code, message), open addressing: a
     fragment or parent body spliced into several rules reports its problems once. */
  uint32_t *seen; uint32_t seencap;
  int last_dropped;             /* the last hm_diag_at repeated one: its fix-it goes too */
} hm_diags;

void hm_diags_init(hm_diags *d, hm_arena *arena);
void hm_diags_free(hm_diags *d);
uint32_t hm_diags_add_file(hm_diags *d, const char *path, const char *text, size_t len);
/* Adds a diagnostic, unless one with the same file, line, column, code and message is
   there already (the counts count what is printed). */
void hm_diag_at(hm_diags *d, hm_loc loc, hm_dcode code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Attaches a fix-it to the diagnostic added last: the text at `at` becomes `text` (an
   empty span at `at` inserts it). Printed as a "fix:" line, in JSON as `fixes`. */
void hm_diag_fix(hm_diags *d, hm_loc at, const char *text);
/* The point just after an expression whose text starts at `from` (or earlier on its
   statement) and whose last leaf ends at `last`: past the brackets opened between
   them, which the text after `last` closes (strings and comments skipped). */
hm_loc hm_diag_expr_end(hm_diags *d, hm_loc from, hm_loc last);
/* The text between two points of one line (a copy in the arena), or NULL. */
const char *hm_diag_span(hm_diags *d, hm_loc from, hm_loc to);
const char *hm_code_id(hm_dcode c);
int hm_code_is_error(hm_dcode c);
/* Prints every diagnostic, sorted by file, line and column. */
void hm_diags_print(hm_diags *d, FILE *out, int color);
void hm_diags_json(hm_diags *d, hm_buf *out);
/* Edit-distance suggestion among candidates: returns the closest within a
 * sensible distance, or NULL. */
const char *hm_suggest(const char *word, const char *const *cands, int n);

#endif
