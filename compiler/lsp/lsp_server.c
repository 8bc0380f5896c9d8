/* lsp_server: the request loop of `hmapc lsp` — lifecycle (initialize, shutdown, exit),
 * document sync (full text on open and change, diagnostics published after each), and
 * the requests: completion, hover, definition, documentSymbol, formatting, codeAction. */
#include <stdlib.h>
#include <string.h>
#include "hm_fmt.h"
#include "hm_version.h"
#include "lsp.h"

typedef struct server {
  FILE *out;
  const char *stdlib_dir;
  lsp_docs docs;
  int shutdown;
} server;

static cJSON *capabilities(void) {
  cJSON *r = cJSON_CreateObject(), *caps = cJSON_AddObjectToObject(r, "capabilities");
  cJSON_AddNumberToObject(caps, "textDocumentSync", 1);       /* full text on every change */
  cJSON *comp = cJSON_AddObjectToObject(caps, "completionProvider");
  cJSON *trig = cJSON_AddArrayToObject(comp, "triggerCharacters");
  cJSON_AddItemToArray(trig, cJSON_CreateString("."));
  cJSON_AddItemToArray(trig, cJSON_CreateString("$"));
  cJSON_AddBoolToObject(caps, "hoverProvider", 1);
  cJSON_AddBoolToObject(caps, "definitionProvider", 1);
  cJSON_AddBoolToObject(caps, "documentSymbolProvider", 1);
  cJSON_AddBoolToObject(caps, "documentFormattingProvider", 1);
  cJSON_AddBoolToObject(caps, "codeActionProvider", 1);
  cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
  cJSON_AddStringToObject(info, "name", "hmapc");
  cJSON_AddStringToObject(info, "version", HM_VERSION);
  return r;
}

static const char *str_at(const cJSON *o, const char *a, const char *b) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
  if (b) x = cJSON_GetObjectItemCaseSensitive(x, b);
  return cJSON_IsString(x) ? x->valuestring : NULL;
}

static void publish(server *s, const lsp_doc *doc) {
  lsp_unit u;
  lsp_analyze(&u, doc, s->stdlib_dir);
  lsp_notify(s->out, "textDocument/publishDiagnostics", lsp_diagnostics(&u, doc));
  lsp_unit_free(&u);
}

static void did_open_or_change(server *s, const cJSON *params, int change) {
  const char *uri = str_at(params, "textDocument", "uri");
  const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
  const cJSON *ver = cJSON_GetObjectItemCaseSensitive(td, "version");
  const char *text = str_at(params, "textDocument", "text");
  if (change) {             /* full sync: the last change holds the whole text */
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(params, "contentChanges");
    int n = cJSON_GetArraySize(ch);
    text = n ? str_at(cJSON_GetArrayItem(ch, n - 1), "text", NULL) : NULL;
  }
  if (!uri || !text) return;
  lsp_doc *doc = lsp_doc_open(&s->docs, uri, text, cJSON_IsNumber(ver) ? ver->valueint : 0);
  publish(s, doc);
}

static void did_close(server *s, const cJSON *params) {
  const char *uri = str_at(params, "textDocument", "uri");
  if (!uri) return;
  cJSON *p = cJSON_CreateObject();
  cJSON_AddStringToObject(p, "uri", uri);
  cJSON_AddArrayToObject(p, "diagnostics");
  lsp_notify(s->out, "textDocument/publishDiagnostics", p);
  lsp_doc_close(&s->docs, uri);
}

static cJSON *definition_of(const lsp_doc *doc, lsp_unit *u, size_t off) {
  const hm_node *d = lsp_definition(u, doc, off);
  if (!d) return NULL;
  cJSON *loc = cJSON_CreateObject();
  cJSON_AddStringToObject(loc, "uri", doc->uri);
  cJSON_AddItemToObject(loc, "range", lsp_range(doc->text, doc->len, d->loc));
  return loc;
}

static cJSON *formatting(const lsp_doc *doc) {
  hm_buf b; hm_buf_init(&b);
  hm_fmt(doc->text, doc->len, &b);
  cJSON *edits = cJSON_CreateArray();
  if (b.len != doc->len || memcmp(b.data ? b.data : "", doc->text, doc->len)) {
    cJSON *e = cJSON_CreateObject(), *r = cJSON_AddObjectToObject(e, "range");
    cJSON *st = cJSON_AddObjectToObject(r, "start"), *en = cJSON_AddObjectToObject(r, "end");
    cJSON_AddNumberToObject(st, "line", 0); cJSON_AddNumberToObject(st, "character", 0);
    uint32_t lines = 0;                         /* the end: past the document's last byte */
    for (size_t i = 0; i < doc->len; i++) lines += doc->text[i] == '\n';
    cJSON *end = lsp_position(doc->text, doc->len, lines + 1, UINT32_MAX);
    cJSON_AddNumberToObject(en, "line", lines);
    cJSON_AddItemToObject(en, "character",
                          cJSON_Duplicate(cJSON_GetObjectItem(end, "character"), 1));
    cJSON_Delete(end);
    cJSON_AddStringToObject(e, "newText", hm_buf_cstr(&b));
    cJSON_AddItemToArray(edits, e);
  }
  hm_buf_free(&b);
  return edits;
}

/* A request about a document position: completion, hover, definition, symbols, format. */
static void on_document(server *s, const char *method, const cJSON *id, const cJSON *params) {
  lsp_doc *doc = lsp_doc_find(&s->docs, str_at(params, "textDocument", "uri"));
  if (!doc) { lsp_reply_error(s->out, id, -32602, "document not open"); return; }
  const cJSON *pos = cJSON_GetObjectItemCaseSensitive(params, "position");
  const cJSON *ln = cJSON_GetObjectItemCaseSensitive(pos, "line");
  const cJSON *ch = cJSON_GetObjectItemCaseSensitive(pos, "character");
  size_t off = lsp_offset(doc->text, doc->len, cJSON_IsNumber(ln) ? ln->valueint : 0,
                          cJSON_IsNumber(ch) ? ch->valueint : 0);
  const cJSON *range = cJSON_GetObjectItemCaseSensitive(params, "range");
  const cJSON *l0 = cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(range, "start"), "line"),
              *l1 = cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(range, "end"), "line");
  uint32_t first = cJSON_IsNumber(l0) && l0->valueint >= 0 ? (uint32_t)l0->valueint + 1 : 1;
  uint32_t last = cJSON_IsNumber(l1) && l1->valueint >= 0 ? (uint32_t)l1->valueint + 1 : first;
  lsp_unit u;
  lsp_analyze(&u, doc, s->stdlib_dir);
  cJSON *r = !strcmp(method, "textDocument/completion") ? lsp_completion(&u, doc, off)
           : !strcmp(method, "textDocument/hover") ? lsp_hover(&u, doc, off)
           : !strcmp(method, "textDocument/definition") ? definition_of(doc, &u, off)
           : !strcmp(method, "textDocument/documentSymbol") ? lsp_symbols(&u, doc)
           : !strcmp(method, "textDocument/codeAction") ? lsp_code_actions(&u, doc, first, last)
           : formatting(doc);
  lsp_unit_free(&u);
  lsp_reply(s->out, id, r);
}

static int is_document_request(const char *m) {
  static const char *const reqs[] = {"textDocument/completion", "textDocument/hover",
                                     "textDocument/definition", "textDocument/documentSymbol",
                                     "textDocument/formatting", "textDocument/codeAction"};
  for (size_t i = 0; i < sizeof reqs / sizeof *reqs; i++)
    if (!strcmp(m, reqs[i])) return 1;
  return 0;
}

/* One message; 1 when the server is to stop (exit). */
static int dispatch(server *s, const cJSON *msg) {
  const char *method = str_at(msg, "method", NULL);
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
  if (!method) return 0;                       /* a response to us: we send no requests */
  if (!strcmp(method, "exit")) return 1;
  if (!strcmp(method, "initialize")) lsp_reply(s->out, id, capabilities());
  else if (!strcmp(method, "shutdown")) { s->shutdown = 1; lsp_reply(s->out, id, NULL); }
  else if (!strcmp(method, "textDocument/didOpen")) did_open_or_change(s, params, 0);
  else if (!strcmp(method, "textDocument/didChange")) did_open_or_change(s, params, 1);
  else if (!strcmp(method, "textDocument/didClose")) did_close(s, params);
  else if (is_document_request(method)) on_document(s, method, id, params);
  else if (id) lsp_reply_error(s->out, id, -32601, "method not supported");
  return 0;
}

int hm_lsp_serve(FILE *in, FILE *out, const char *stdlib_dir) {
  server s = {.out = out, .stdlib_dir = stdlib_dir};
  int eof = 0, stop = 0;
  while (!stop && !eof) {
    char *body = lsp_read_message(in, &eof);
    if (!body) break;
    cJSON *msg = cJSON_Parse(body);
    free(body);
    if (!msg) { lsp_reply_error(out, NULL, -32700, "parse error"); continue; }
    stop = dispatch(&s, msg);
    cJSON_Delete(msg);
  }
  lsp_docs_free(&s.docs);
  return s.shutdown && stop ? 0 : 1;
}
