/* fuzz_common: what the reader harnesses share: a private folder (in /dev/shm
 * when there is one, so each input costs no disk I/O, removed at exit) holding
 * the input as files, since readers read files, and a loop that drains a reader
 * while checking the invariants callers rely on. Tests may look inside the
 * readers, so rd.h is included too. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "hm_read.h"
#include "rd.h"
#include "rt_prog.h"

static char fuzz_dir_path[256];   /* one folder per fuzzing process, made once */

/* Removes everything under path (the harnesses nest folders two deep at most). */
static void fuzz_rm_tree(const char *path, int depth) {
  DIR *d = depth < 4 ? opendir(path) : NULL;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
    struct stat st;
    if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) fuzz_rm_tree(sub, depth + 1);
    else unlink(sub);
  }
  if (d) closedir(d);
  rmdir(path);
}

static void fuzz_cleanup(void) {
  if (fuzz_dir_path[0]) fuzz_rm_tree(fuzz_dir_path, 0);
}

static const char *fuzz_dir(void) {
  if (!fuzz_dir_path[0]) {
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/hm_fuzz_XXXXXX", base);
    if (!mkdtemp(fuzz_dir_path)) abort();
    atexit(fuzz_cleanup);
  }
  return fuzz_dir_path;
}

/* Writes data as REL under the folder, making REL's parent folders first. */
static void fuzz_write(const char *rel, const uint8_t *data, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", fuzz_dir(), rel);
  char *slash = strchr(path + strlen(fuzz_dir()) + 1, '/');
  for (; slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    mkdir(path, 0700);
    *slash = '/';
  }
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (n) fwrite(data, 1, n, f);
  fclose(f);
}

/* The folder entry of FILE that the '*' of the source path matched (malloc'd):
 * the segment of FILE at the star's segment index. */
static char *fuzz_star_entry(const rt_prog *t, const char *file) {
  const char *path = t->consts[t->src[0].path].str, *star = strchr(path, '*');
  int seg = 0;
  for (const char *c = path; c < star; c++) seg += *c == '/';
  const char *s = file;
  for (; seg > 0 && s; seg--) s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL;
  if (!s) abort();
  return strndup(s, strcspn(s, "/"));
}

/* A bad record's error is "FILE:LINE:COL: message", FILE a file of the data folder. */
static int fuzz_names_file(const char *error) {
  const char *colon = strchr(error, ':');
  if (!colon || colon == error || colon - error > 512) return 0;
  char path[1024];
  snprintf(path, sizeof path, "%s/%.*s", fuzz_dir(), (int)(colon - error), error);
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Reads everything; aborts when an invariant breaks. Returns the good records. */
static uint64_t fuzz_drain(rt_prog *t, int is_csv) {
  char err[1024];
  hm_reader *r = hm_reader_open(&t->p, 0, fuzz_dir(), err, sizeof err);
  if (!r) { if (!err[0]) abort(); return 0; }
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_buf b;
  hm_buf_init(&b);
  hm_record rec;
  int rc;
  uint64_t last = 0, good = 0;
  char *last_entry = NULL;
  while ((rc = hm_reader_next(r, &a, &rec)) != 0) {
    if (rc == -2) break;
    if (rc == -1) { if (!fuzz_names_file(hm_reader_error(r))) abort(); continue; }
    if (rc != 1 || rec.value.kind != HV_REC || rec.index <= last || rec.line < 1) abort();
    last = rec.index;
    good++;
    bool star = strchr(t->consts[t->src[0].path].str, '*') != NULL;
    if (!rec.file || star != (rec.path_key != NULL)) abort();
    if (star) {                 /* files come in natural order of the names the '*' matched */
      char *entry = fuzz_star_entry(t, rec.file);
      int c = last_entry ? hm_srcpath_natcmp(last_entry, entry) : 0;
      if (c > 0 || (last_entry && c != -hm_srcpath_natcmp(entry, last_entry))) abort();
      free(last_entry);
      last_entry = entry;
    }
    if (is_csv) {
      const hm_rec *R = rec.value.u.rec;
      for (uint32_t i = 0; i < R->n; i++)
        if (hm_reader_column(r, R->keys[i]) < 0 || R->vals[i].kind != HV_STR) abort();
    }
    b.len = 0;
    hv_to_json(&b, rec.value);              /* what the child index stores must read back */
    cJSON *j = cJSON_ParseWithLength(b.data, b.len);
    if (!j) abort();
    cJSON_Delete(j);
    hm_arena_reset(&a);
  }
  free(last_entry);
  hm_buf_free(&b);
  hm_arena_free(&a);
  hm_reader_close(r);
  return good;
}

#endif
