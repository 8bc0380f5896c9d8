/* lsp_rpc: the LSP base protocol — `Content-Length: N` headers, a blank line, N bytes of
 * JSON — for reading requests and writing answers and notifications. */
#include <stdlib.h>
#include <string.h>
#include "lsp.h"

/* A frame larger than this is refused (and the connection ends): a map is kilobytes. */
#define MAX_BODY (64u * 1024 * 1024)

char *lsp_read_message(FILE *in, int *eof) {
  char line[1024];
  long len = -1;
  *eof = 0;
  for (;;) {
    if (!fgets(line, sizeof line, in)) { *eof = 1; return NULL; }
    if (!strcmp(line, "\r\n") || !strcmp(line, "\n")) break;
    if (!strncasecmp(line, "Content-Length:", 15)) len = strtol(line + 15, NULL, 10);
  }
  if (len < 0 || (unsigned long)len > MAX_BODY) { *eof = 1; return NULL; }
  char *body = malloc((size_t)len + 1);
  if (!body) abort();
  if (fread(body, 1, (size_t)len, in) != (size_t)len) { free(body); *eof = 1; return NULL; }
  body[len] = 0;
  return body;
}

void lsp_write(FILE *out, const cJSON *msg) {
  char *s = cJSON_PrintUnformatted(msg);
  if (!s) abort();
  fprintf(out, "Content-Length: %zu\r\n\r\n%s", strlen(s), s);
  fflush(out);
  free(s);
}

static cJSON *envelope(const cJSON *id) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "jsonrpc", "2.0");
  cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
  return m;
}

void lsp_reply(FILE *out, const cJSON *id, cJSON *result) {
  cJSON *m = envelope(id);
  cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateNull());
  lsp_write(out, m);
  cJSON_Delete(m);
}

void lsp_reply_error(FILE *out, const cJSON *id, int code, const char *message) {
  cJSON *m = envelope(id), *e = cJSON_AddObjectToObject(m, "error");
  cJSON_AddNumberToObject(e, "code", code);
  cJSON_AddStringToObject(e, "message", message);
  lsp_write(out, m);
  cJSON_Delete(m);
}

void lsp_notify(FILE *out, const char *method, cJSON *params) {
  cJSON *m = cJSON_CreateObject();
  cJSON_AddStringToObject(m, "jsonrpc", "2.0");
  cJSON_AddStringToObject(m, "method", method);
  cJSON_AddItemToObject(m, "params", params);
  lsp_write(out, m);
  cJSON_Delete(m);
}
