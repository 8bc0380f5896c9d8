/* ex_write: the files of an extraction in the shapes the maps read
 * (docs/exports.md, "iTop"): CSV rows as export-v2 writes them
 * (no_localize=1, formatted_text=1), base64 contents decoded to files, and the
 * write-then-rename that keeps a stopped extraction from leaving half files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ex.h"

static void csv_quoted(hm_buf *b, const char *s) {
  hm_buf_putc(b, '"');
  for (; *s; s++) {
    if (*s == '"') hm_buf_putc(b, '"');
    hm_buf_putc(b, *s);
  }
  hm_buf_putc(b, '"');
}

void ex_csv_header(hm_buf *b, const ex_job *j) {
  for (size_t i = 0; i < j->nfields; i++) {
    if (i) hm_buf_putc(b, ',');
    csv_quoted(b, j->fields[i]);
  }
  hm_buf_putc(b, '\n');
}

static const char *str_of(const cJSON *v) {
  return cJSON_IsString(v) ? v->valuestring : "";
}

static int ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), m = strlen(tail);
  return n >= m && !strcmp(s + n - m, tail);
}

/* The link's key back to its host: the host's id, under a name after the host
   class (userid in User.profile_list, person_id in Person.team_list) or
   ticket_id (every ticket class). */
static int back_key(const char *k, const char *v, const ex_job *j, const char *host_id) {
  if (strcmp(v, host_id)) return 0;
  if (!strcmp(k, "ticket_id")) return 1;
  size_t n = strlen(j->cls);
  if (n > 4) n = 4;
  return !strncasecmp(k, j->cls, n);
}

/* A link set as export-v2 writes it: 'code:value';'code:value'|... with the
   link's own attributes (ids, codes, the reason of a profile), without the
   key back to the host and without the names REST adds for reading. */
static void link_set(hm_buf *b, const cJSON *items, const ex_job *j, const char *host_id) {
  hm_buf cell; hm_buf_init(&cell);
  int nitem = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, items) {
    if (nitem++) hm_buf_putc(&cell, '|');
    int natt = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, it) {
      const char *k = f->string, *v = str_of(f);
      int own = (ends_with(k, "id") && strcmp(k, "id")) || ends_with(k, "_code") ||
                !strcmp(k, "reason");
      /* export-v2 leaves out an attribute without a value */
      if (!own || !*v || back_key(k, v, j, host_id)) continue;
      if (cJSON_IsNumber(f)) continue;
      if (natt++) hm_buf_putc(&cell, ';');
      hm_buf_printf(&cell, "'%s:%s'", k, v);
    }
  }
  csv_quoted(b, hm_buf_cstr(&cell));
  hm_buf_free(&cell);
}

/* A case log as the raw blob: newest first, each entry after its separator. */
static void case_log(hm_buf *b, const cJSON *entries) {
  hm_buf cell; hm_buf_init(&cell);
  for (int i = cJSON_GetArraySize(entries) - 1; i >= 0; i--) {
    const cJSON *e = cJSON_GetArrayItem(entries, i);
    const cJSON *html = cJSON_GetObjectItemCaseSensitive(e, "message_html");
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(e, "user_id");
    char id[32];
    if (cJSON_IsNumber(uid)) snprintf(id, sizeof id, "%d", uid->valueint);
    else snprintf(id, sizeof id, "%s", str_of(uid));
    hm_buf_printf(&cell, "\n========== %s : %s (%s) ============\n\n",
                  str_of(cJSON_GetObjectItemCaseSensitive(e, "date")),
                  str_of(cJSON_GetObjectItemCaseSensitive(e, "user_login")), id);
    const cJSON *text =
        cJSON_IsString(html) ? html : cJSON_GetObjectItemCaseSensitive(e, "message");
    hm_buf_puts(&cell, str_of(text));
  }
  csv_quoted(b, hm_buf_cstr(&cell));
  hm_buf_free(&cell);
}

static int digits(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

/* export-v2 writes ids and external keys bare, every other string quoted, an
   empty value as an empty cell. */
static void csv_cell(hm_buf *b, const char *name, const cJSON *v, const ex_job *j,
                     const char *host_id) {
  if (!v || cJSON_IsNull(v)) return;
  if (cJSON_IsNumber(v)) { hm_buf_printf(b, "%.17g", v->valuedouble); return; }
  if (cJSON_IsString(v) && ends_with(name, "id") && digits(v->valuestring)) {
    hm_buf_puts(b, v->valuestring);
    return;
  }
  if (cJSON_IsString(v)) { if (*v->valuestring) csv_quoted(b, v->valuestring); return; }
  if (cJSON_IsArray(v)) { link_set(b, v, j, host_id); return; }
  const cJSON *entries = cJSON_GetObjectItemCaseSensitive(v, "entries");
  if (cJSON_IsArray(entries)) { case_log(b, entries); return; }
  char *text = cJSON_PrintUnformatted(v);
  csv_quoted(b, text ? text : "");
  free(text);
}

void ex_csv_row(hm_buf *b, const ex_job *j, const cJSON *fields) {
  const char *host_id = str_of(cJSON_GetObjectItemCaseSensitive(fields, "id"));
  for (size_t i = 0; i < j->nfields; i++) {
    if (i) hm_buf_putc(b, ',');
    csv_cell(b, j->fields[i], cJSON_GetObjectItemCaseSensitive(fields, j->fields[i]), j, host_id);
  }
  hm_buf_putc(b, '\n');
}

static int b64_val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

int ex_b64_decode(hm_buf *b, const char *s) {
  unsigned acc = 0;
  int bits = 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    int v = b64_val(c);
    if (v < 0) return -1;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      hm_buf_putc(b, (char)((acc >> bits) & 0xFF));
    }
  }
  return 0;
}

void ex_safe_name(char *out, size_t cap, const char *name) {
  size_t n = 0;
  for (const char *p = name; *p && n + 1 < cap; p++)
    out[n++] = (*p == '/' || *p == '\\' || (unsigned char)*p < ' ') ? '_' : *p;
  out[n] = 0;
  if (!n || !strcmp(out, ".") || !strcmp(out, "..")) snprintf(out, cap, "unnamed");
}

static int mkdirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    int rc = mkdir(path, 0755);
    *p = '/';
    if (rc && errno != EEXIST) return -1;
  }
  return 0;
}

int ex_make_dir(const char *dir, const char *rel) {
  size_t n = strlen(dir) + strlen(rel) + 3;
  char *full = malloc(n);
  if (!full) { errno = ENOMEM; return -1; }
  snprintf(full, n, "%s/%s/", dir, rel);
  int rc = mkdirs(full);
  free(full);
  return rc;
}

int ex_write_file(const char *dir, const char *rel, const void *data, size_t len) {
  size_t n = strlen(dir) + strlen(rel) + 16;
  char *full = malloc(n), *tmp = malloc(n + 8);
  if (!full || !tmp) { free(full); free(tmp); errno = ENOMEM; return -1; }
  snprintf(full, n, "%s/%s", dir, rel);
  snprintf(tmp, n + 8, "%s.part", full);
  int rc = mkdirs(full);
  FILE *f = rc ? NULL : fopen(tmp, "wb");
  if (!f) rc = -1;
  if (f && len && fwrite(data, 1, len, f) != len) rc = -1;
  if (f && fclose(f)) rc = -1;
  if (!rc && rename(tmp, full)) rc = -1;
  if (rc && f) unlink(tmp);
  free(full);
  free(tmp);
  return rc;
}
