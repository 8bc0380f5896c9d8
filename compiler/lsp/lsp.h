/* lsp.h: the internal header of `hmapc lsp`, a Language Server over stdio (JSON-RPC 2.0
 * framed by Content-Length headers, the LSP base protocol). Sections name the file that
 * exports each group. Documents are re-checked whole on every change: a map compiles in
 * milliseconds, and the diagnostics are then exactly `hmapc check`'s. */
#ifndef HM_LSP_INTERNAL_H
#define HM_LSP_INTERNAL_H
#include <cjson/cJSON.h>
#include <stdio.h>
#include "hm_buf.h"
#include "hm_compile.h"
#include "hm_lsp.h"   /* lsp_server.c: hm_lsp_serve */

/* ---- lsp_rpc.c: framing ---- */

/* Reads one message body (NULL at end of input or on a malformed frame; *eof tells). */
char *lsp_read_message(FILE *in, int *eof);
/* Writes msg framed; frees nothing. */
void lsp_write(FILE *out, const cJSON *msg);
void lsp_reply(FILE *out, const cJSON *id, cJSON *result);        /* takes result */
void lsp_reply_error(FILE *out, const cJSON *id, int code, const char *message);
void lsp_notify(FILE *out, const char *method, cJSON *params);    /* takes params */

/* ---- lsp_docs.c: open documents, positions ---- */

typedef struct lsp_doc {
  char *uri, *path;             /* path: the uri's file name, for diagnostics and `use` */
  char *text; size_t len;
  int version;
} lsp_doc;

typedef struct lsp_docs { lsp_doc *v; size_t n, cap; } lsp_docs;

lsp_doc *lsp_doc_find(lsp_docs *d, const char *uri);
lsp_doc *lsp_doc_open(lsp_docs *d, const char *uri, const char *text, int version);
void lsp_doc_close(lsp_docs *d, const char *uri);
void lsp_docs_free(lsp_docs *d);
/* Byte offset of LSP position (0-based line, UTF-16 character) in text, clamped. */
size_t lsp_offset(const char *text, size_t len, int line, int character);
/* The LSP position of 1-based line and character column (hmap's locations). */
cJSON *lsp_position(const char *text, size_t len, uint32_t line, uint32_t col);
cJSON *lsp_range(const char *text, size_t len, hm_loc loc);
/* The identifier around (or just before) byte offset off; *start is its first byte. */
size_t lsp_word_at(const char *text, size_t len, size_t off, size_t *start);

/* ---- lsp_analyze.c: one compile of a document ---- */

typedef struct lsp_unit {
  hm_compiler c;
  int unit;                     /* -1: not even parsed */
  int checked;                  /* hm_check ran (the parse had no error) */
} lsp_unit;

void lsp_analyze(lsp_unit *u, const lsp_doc *doc, const char *stdlib_dir);
void lsp_unit_free(lsp_unit *u);
/* publishDiagnostics params for doc: every diagnostic of the document's own file. */
cJSON *lsp_diagnostics(lsp_unit *u, const lsp_doc *doc);
cJSON *lsp_symbols(lsp_unit *u, const lsp_doc *doc);
/* Quick fixes: the fix-its of the document's diagnostics on lines first..last (1-based). */
cJSON *lsp_code_actions(lsp_unit *u, const lsp_doc *doc, uint32_t first, uint32_t last);
/* The declaration (N_SOURCE, N_SETTING, N_LET) the name at off refers to, or NULL. */
const hm_node *lsp_definition(lsp_unit *u, const lsp_doc *doc, size_t off);
/* The rule whose body holds byte offset off (by its opening line), or NULL. */
const hm_node *lsp_rule_at(lsp_unit *u, const lsp_doc *doc, size_t off);
/* The fragment whose text holds off, and the first rule or fragment that uses it (*use_off:
   the offset of its `use`): a fragment's fields are those at its first use. */
const hm_node *lsp_fragment_at(lsp_unit *u, const lsp_doc *doc, size_t off);
const hm_node *lsp_fragment_user(lsp_unit *u, const lsp_doc *doc, const hm_node *frag,
                                 size_t *use_off);

/* ---- lsp_complete.c: completion and hover ---- */

cJSON *lsp_completion(lsp_unit *u, const lsp_doc *doc, size_t off);
cJSON *lsp_hover(lsp_unit *u, const lsp_doc *doc, size_t off);

#endif
