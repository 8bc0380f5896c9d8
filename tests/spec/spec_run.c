/* spec_run: the language specification as a table of cases (the idea of jq's tests/jq.test).
 * Each case of a .test file is a map fragment, the export files it reads, and what must
 * come out: the planned calls, the diagnostics, or lines of the report. The runner
 * compiles and plans each case with the real hmapc and hmaprun and compares exactly.
 *
 * Format (one case after another; `#` lines between cases are comments):
 *   ### CONSTRUCT            the construct of docs/language.md the case shows
 *   map lines...             prefixed with `migration "spec"` and `use gorgias`
 *   --- FILE                 an export file (path under the data folder)
 *   --- calls                one line per planned call: METHOD PATH BODY (compact JSON;
 *                            for an upload, the file it sends)
 *   --- error                hmapc check's diagnostics: LINE:COL: severity: text [CODE]
 *   --- report               lines that report.md must contain
 *
 * usage: spec_run HMAPC HMAPRUN FILE.test [FILE.test...]; exit 0 when every case passes. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { SEC_MAP, SEC_FILE, SEC_CALLS, SEC_ERROR, SEC_REPORT };

typedef struct text { char *s; size_t n, cap; } text;

typedef struct spec_case {
  char title[256];
  int line;                       /* where the case starts in the .test file */
  text map, calls, error, report;
  int has_calls, has_error, has_report;
  char files[16][128];
  text data[16];
  int nfiles;
} spec_case;

static void put(text *t, const char *s) {
  size_t n = strlen(s);
  if (t->n + n + 1 > t->cap) {
    t->cap = (t->n + n + 1) * 2;
    t->s = realloc(t->s, t->cap);
    if (!t->s) abort();
  }
  memcpy(t->s + t->n, s, n + 1);
  t->n += n;
}

static const char *str(const text *t) { return t->s ? t->s : ""; }

static void case_free(spec_case *c) {
  free(c->map.s); free(c->calls.s); free(c->error.s); free(c->report.s);
  for (int i = 0; i < c->nfiles; i++) free(c->data[i].s);
  memset(c, 0, sizeof *c);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  text t = {0};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf - 1, f)) > 0) { buf[n] = 0; put(&t, buf); }
  fclose(f);
  return t.s ? t.s : calloc(1, 1);
}

static int write_file(const char *dir, const char *name, const char *body) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {   /* sub-folders */
    *p = 0; mkdir(path, 0700); *p = '/';
  }
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fputs(body, f);
  return fclose(f);
}

/* Runs a shell command line; its exit status. */
static int run(const char *cmd) {
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

/* calls.ndjson as "METHOD PATH BODY" lines (the header line left out). */
static void calls_text(const char *ndjson, text *out) {
  const char *p = ndjson;
  while (p && *p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    cJSON *j = cJSON_ParseWithLength(p, n);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "method");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(j, "path");
    if (cJSON_IsString(m) && cJSON_IsString(path)) {
      const cJSON *b = cJSON_GetObjectItemCaseSensitive(j, "body");
      const cJSON *file = cJSON_GetObjectItemCaseSensitive(j, "file");
      char *body = cJSON_IsString(file) && (!b || cJSON_IsNull(b))   /* an upload: its file */
                   ? strdup(file->valuestring) : cJSON_PrintUnformatted(b);
      put(out, m->valuestring); put(out, " "); put(out, path->valuestring);
      put(out, " "); put(out, body ? body : "null"); put(out, "\n");
      free(body);
    }
    cJSON_Delete(j);
    p = e ? e + 1 : NULL;
  }
}

/* hmapc check's stderr as "LINE:COL: severity: text [CODE]" lines: the map's file name,
   the echoed source lines, the carets and the count line are left out. */
static void diag_text(const char *err, text *out) {
  const char *p = err;
  while (p && *p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char line[2048];
    snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line - 1 ? n : sizeof line - 1), p);
    if (!strncmp(line, "map.hmap:", 9)
        && (strstr(line, ": error: ") || strstr(line, ": warning: "))) {
      put(out, line + 9); put(out, "\n");
    }
    p = e ? e + 1 : NULL;
  }
}

static int differs(const spec_case *c, const char *what, const text *want, const text *got) {
  if (!strcmp(str(want), str(got))) return 0;
  printf("FAIL: %s (line %d): %s differ\n--- expected\n%s--- actual\n%s", c->title, c->line,
         what, str(want), str(got));
  return 1;
}

static int report_misses(const spec_case *c, const char *report) {
  int fail = 0;
  const char *p = str(&c->report);
  while (*p) {
    const char *e = strchr(p, '\n');
    char line[1024];
    size_t n = e ? (size_t)(e - p) : strlen(p);
    snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line - 1 ? n : sizeof line - 1), p);
    if (*line && (!report || !strstr(report, line))) {
      printf("FAIL: %s (line %d): report.md has no line containing: %s\n", c->title, c->line,
             line);
      fail = 1;
    }
    p = e ? e + 1 : p + n;
  }
  return fail;
}

static int run_case(const spec_case *c, const char *hmapc, const char *hmaprun,
                    const char *root, int index) {
  char dir[1024], cmd[4096];
  snprintf(dir, sizeof dir, "%s/case%03d", root, index);
  mkdir(dir, 0700);
  char data[1100];
  snprintf(data, sizeof data, "%s/data", dir);
  mkdir(data, 0700);
  text map = {0};
  put(&map, "migration \"spec\"\nuse gorgias\n");
  put(&map, str(&c->map));
  write_file(dir, "map.hmap", map.s);
  free(map.s);
  for (int i = 0; i < c->nfiles; i++) write_file(data, c->files[i], str(&c->data[i]));
  int fail = 0;
  snprintf(cmd, sizeof cmd, "cd '%s' && '%s' check map.hmap 2>check.err >/dev/null", dir, hmapc);
  int rc = run(cmd);
  snprintf(cmd, sizeof cmd, "%s/check.err", dir);
  char *err = slurp(cmd);
  text diags = {0};
  diag_text(err, &diags);
  if (c->has_error) fail |= differs(c, "diagnostics", &c->error, &diags);
  else if (rc != 0) { printf("FAIL: %s (line %d): the map does not compile:\n%s", c->title,
                             c->line, err ? err : ""); fail = 1; }
  free(err); free(diags.s);
  if (fail || c->has_error) return fail;
  snprintf(cmd, sizeof cmd, "cd '%s' && '%s' build map.hmap -o map.hbc 2>/dev/null && '%s' plan "
           "map.hbc --data data --out out >plan.log 2>&1", dir, hmapc, hmaprun);
  rc = run(cmd);
  if (rc > 1) { printf("FAIL: %s (line %d): plan exit %d\n", c->title, c->line, rc); return 1; }
  snprintf(cmd, sizeof cmd, "%s/out/calls.ndjson", dir);
  char *nd = slurp(cmd);
  text got = {0};
  calls_text(nd, &got);
  if (c->has_calls) fail |= differs(c, "calls", &c->calls, &got);
  free(nd); free(got.s);
  if (c->has_report) {
    snprintf(cmd, sizeof cmd, "%s/out/report.md", dir);
    char *rep = slurp(cmd);
    fail |= report_misses(c, rep);
    free(rep);
  }
  return fail;
}

/* Reads the next case from f (1) or meets the end (0). *lineno counts the file's lines. */
static int read_case(FILE *f, spec_case *c, int *lineno, char *pending) {
  char line[4096];
  int sec = -1;
  text *cur = NULL;
  while (pending[0] || fgets(line, sizeof line, f)) {
    if (pending[0]) { snprintf(line, sizeof line, "%s", pending); pending[0] = 0; }
    else (*lineno)++;
    if (!strncmp(line, "### ", 4)) {
      if (sec >= 0) { snprintf(pending, 4096, "%s", line); return 1; }
      snprintf(c->title, sizeof c->title, "%.200s", line + 4);
      c->title[strcspn(c->title, "\n")] = 0;
      c->line = *lineno;
      sec = SEC_MAP; cur = &c->map;
      continue;
    }
    if (sec < 0) continue;                              /* comments before the first case */
    if (!strncmp(line, "--- ", 4)) {
      char *name = line + 4;
      name[strcspn(name, "\n")] = 0;
      if (!strcmp(name, "calls")) { sec = SEC_CALLS; cur = &c->calls; c->has_calls = 1; }
      else if (!strcmp(name, "error")) { sec = SEC_ERROR; cur = &c->error; c->has_error = 1; }
      else if (!strcmp(name, "report")) { sec = SEC_REPORT; cur = &c->report; c->has_report = 1; }
      else if (c->nfiles < 16) {
        sec = SEC_FILE;
        snprintf(c->files[c->nfiles], sizeof c->files[0], "%.120s", name);
        cur = &c->data[c->nfiles++];
        put(cur, "");
      }
      continue;
    }
    if (line[0] == '#' && sec != SEC_MAP && sec != SEC_FILE) continue;
    if (line[0] == '\n' && sec != SEC_MAP && sec != SEC_FILE) continue;
    put(cur, line);
  }
  return sec >= 0;
}

int main(int argc, char **argv) {
  if (argc < 4) { fputs("usage: spec_run HMAPC HMAPRUN FILE.test...\n", stderr); return 2; }
  char root[] = "/tmp/hm_spec_XXXXXX";
  if (!mkdtemp(root)) { perror("mkdtemp"); return 2; }
  int total = 0, failed = 0;
  for (int a = 3; a < argc; a++) {
    FILE *f = fopen(argv[a], "r");
    if (!f) { perror(argv[a]); return 2; }
    int lineno = 0;
    char pending[4096] = "";
    spec_case c = {0};
    while (read_case(f, &c, &lineno, pending)) {
      failed += run_case(&c, argv[1], argv[2], root, total++);
      case_free(&c);
    }
    fclose(f);
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (!failed) run(cmd);
  printf("%d of %d cases passed%s\n", total - failed, total, failed ? " (work files kept)" : "");
  return failed || !total ? 1 : 0;
}
