/* replay_main: runs a libFuzzer harness over the files given on the command
 * line, and over every regular file of each folder given, for builds without
 * libFuzzer (gcc), so the harnesses and their corpora run in every test pass.
 * Each input's path is printed before it runs: the last one shown is the one
 * that crashed. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hm_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  hm_buf b;
  hm_buf_init(&b);
  if (hm_buf_read_path(&b, path)) { perror(path); return -1; }
  printf("replay %s\n", path);
  fflush(stdout);
  LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
  hm_buf_free(&b);
  return 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs the folder's regular files (not hidden ones) in name order; count in *n. */
static int run_dir(const char *dir, int *n) {
  DIR *d = opendir(dir);
  if (!d) { perror(dir); return -1; }
  char **names = NULL;
  size_t cnt = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    if (cnt == cap) {
      cap = cap ? cap * 2 : 64;
      char **grown = realloc(names, cap * sizeof *names);
      if (!grown) abort();
      names = grown;
    }
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    names[cnt] = malloc(len);
    if (!names[cnt]) abort();
    snprintf(names[cnt++], len, "%s/%s", dir, e->d_name);
  }
  closedir(d);
  if (cnt) qsort(names, cnt, sizeof *names, by_name);
  int rc = 0;
  for (size_t i = 0; i < cnt; i++) {
    struct stat st;
    if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
      if (run_file(names[i]) < 0) rc = -1;
      else (*n)++;
    }
    free(names[i]);
  }
  free(names);
  return rc;
}

int main(int argc, char **argv) {
  int n = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) { perror(argv[i]); return 2; }
    int rc = S_ISDIR(st.st_mode) ? run_dir(argv[i], &n) : run_file(argv[i]);
    if (rc < 0) return 2;
    if (!S_ISDIR(st.st_mode)) n++;
  }
  printf("replayed %d inputs\n", n);
  return 0;
}
