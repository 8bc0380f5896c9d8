/* fuzz_common: what both reader harnesses share: a private folder (in /dev/shm
 * when there is one, so each input costs no disk I/O) holding the input as a
 * file, since readers read files, and a loop that drains a reader while checking
 * the invariants callers rely on. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "hm_read.h"
#include "rt_prog.h"

static const char *fuzz_dir(void) {
  static char dir[256];   /* one folder per fuzzing process, made once */
  if (!dir[0]) {
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/hm_fuzz_XXXXXX", base);
    if (!mkdtemp(dir)) abort();
  }
  return dir;
}

static void fuzz_write(const char *rel, const uint8_t *data, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", fuzz_dir(), rel);
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (n) fwrite(data, 1, n, f);
  fclose(f);
}

/* Reads everything; aborts when an invariant breaks. */
static void fuzz_drain(rt_prog *t, int is_csv) {
  char err[1024];
  hm_reader *r = hm_reader_open(&t->p, 0, fuzz_dir(), err, sizeof err);
  if (!r) { if (!err[0]) abort(); return; }
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_buf b;
  hm_buf_init(&b);
  hm_record rec;
  int rc;
  uint64_t last = 0;
  while ((rc = hm_reader_next(r, &a, &rec)) != 0) {
    if (rc == -2) break;
    if (rc == -1) { if (strncmp(hm_reader_error(r), "in.", 3) != 0) abort(); continue; }
    if (rc != 1 || rec.value.kind != HV_REC || rec.index <= last || rec.line < 1) abort();
    last = rec.index;
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
  hm_buf_free(&b);
  hm_arena_free(&a);
  hm_reader_close(r);
}

#endif
