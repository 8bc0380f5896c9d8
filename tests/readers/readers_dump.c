/* readers_dump: reads one source and prints every record and error in a fixed
 * text form, for the golden tests (and by hand when looking at an export):
 *   readers_dump DATA_DIR FORMAT PATH [records=P] [sep=C] [by=FIELD|path] [files=DIR] [keyfield=F]
 *                [key=K]... [count]
 * Records print as `FILE:LINE #INDEX [KEY] JSON`, bad records as `bad: ERROR`,
 * a fatal error as `fatal: ERROR` (exit 2). With by=..., the child index is
 * built instead and every parent key found is printed with its children.
 * keyfield=F declares F the source's key field (a CSV header must have it).
 * With `count`, only the totals are printed (for timing the readers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_read.h"
#include "rt_prog.h"

static int format_of(const char *s) {
  static const char *names[] = {"csv", "ndjson", "json", "json_pages"};
  for (int i = 0; i < 4; i++) if (strcmp(s, names[i]) == 0) return i;
  return -1;
}

static void print_bad(void *user, uint32_t src, const char *error) {
  (void)user; (void)src;
  printf("bad: %s\n", error);
}

static int dump_children(rt_prog *t, const char *dir, char **keys, int nkeys) {
  char err[1024];
  hm_childidx *x = hm_childidx_build(&t->p, 0, dir, print_bad, NULL, err, sizeof err);
  if (!x) { printf("fatal: %s\n", err); return 2; }
  printf("count: %llu\n", (unsigned long long)hm_childidx_count(x));
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_buf b;
  hm_buf_init(&b);
  for (int i = 0; i < nkeys; i++) {
    hm_value v;
    hm_arena_reset(&a);
    int rc = hm_childidx_get(x, keys[i], &a, &v);
    b.len = 0;
    hv_to_json(&b, v);
    printf("%s (%d): %s\n", keys[i], rc, hm_buf_cstr(&b));
  }
  hm_buf_free(&b);
  hm_arena_free(&a);
  hm_childidx_free(x);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4 || format_of(argv[2]) < 0) {
    fprintf(stderr,
            "usage: readers_dump DATA_DIR FORMAT PATH [records=P] [sep=C] [by=F] [key=K...]\n");
    return 2;
  }
  const char *records = NULL, *by = NULL, *files = NULL, *keyfield = NULL;
  int count_only = 0;
  char sep = 0;
  char *keys[64];
  int nkeys = 0;
  for (int i = 4; i < argc; i++) {
    if (strncmp(argv[i], "records=", 8) == 0) records = argv[i] + 8;
    else if (strncmp(argv[i], "sep=", 4) == 0)
      sep = strcmp(argv[i] + 4, "tab") == 0 ? '\t' : argv[i][4];
    else if (strncmp(argv[i], "by=", 3) == 0) by = argv[i] + 3;
    else if (strncmp(argv[i], "key=", 4) == 0 && nkeys < 64) keys[nkeys++] = argv[i] + 4;
    else if (strcmp(argv[i], "count") == 0) count_only = 1;
    else if (strncmp(argv[i], "files=", 6) == 0) files = argv[i] + 6;
    else if (strncmp(argv[i], "keyfield=", 9) == 0) keyfield = argv[i] + 9;
  }
  rt_prog t;
  rt_init(&t, (hm_format)format_of(argv[2]), argv[3], records, by, sep);
  t.src[0].files = rt_const(&t, files);
  t.src[0].key = rt_const(&t, keyfield);
  if (by) return dump_children(&t, argv[1], keys, nkeys);
  char err[1024];
  hm_reader *r = hm_reader_open(&t.p, 0, argv[1], err, sizeof err);
  if (!r) { printf("fatal: %s\n", err); return 2; }
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_buf b;
  hm_buf_init(&b);
  int rc, status = 0;
  hm_record rec;
  unsigned long long good = 0, bad = 0;
  while ((rc = hm_reader_next(r, &a, &rec)) != 0) {
    if (rc == -2) { printf("fatal: %s\n", hm_reader_error(r)); status = 2; break; }
    if (rc == -1) { bad++; if (!count_only) printf("bad: %s\n", hm_reader_error(r)); continue; }
    good++;
    if (count_only) { hm_arena_reset(&a); continue; }
    b.len = 0;
    hv_to_json(&b, rec.value);
    printf("%s:%llu #%llu", rec.file, (unsigned long long)rec.line, (unsigned long long)rec.index);
    if (rec.path_key) printf(" [%s]", rec.path_key);
    printf(" %s\n", hm_buf_cstr(&b));
    hm_arena_reset(&a);
  }
  if (count_only) printf("records: %llu, bad: %llu\n", good, bad);
  hm_buf_free(&b);
  hm_arena_free(&a);
  hm_reader_close(r);
  return status;
}
