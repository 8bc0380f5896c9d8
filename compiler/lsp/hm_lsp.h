/* hm_lsp: the entry of `hmapc lsp` (compiler/lsp/), a Language Server on stdio. */
#ifndef HM_LSP_H
#define HM_LSP_H
#include <stdio.h>

/* Serves until `exit` or end of input; 0 after shutdown + exit, 1 otherwise (LSP). */
int hm_lsp_serve(FILE *in, FILE *out, const char *stdlib_dir);

#endif
