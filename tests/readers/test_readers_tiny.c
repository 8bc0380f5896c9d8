/* test_readers_tiny: the record size limit, run against hmread_tiny (a
 * 7-byte read buffer, 4096-byte records) so it takes kilobytes, not the 64 MiB
 * of the real limit: an oversized record is reported with its start line and
 * skipped without being stored, and reading goes on with the next one. */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_read.h"
#include "rt_prog.h"

static int failures;
static char dir[4096];

static void write_file(const char *rel, const char *data, size_t n) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); exit(2); }
  fwrite(data, 1, n, f);
  fclose(f);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st; (void)flag; (void)ftw;
  return remove(p);
}

/* Reads source 0 and compares the dump (records as "LINE JSON", errors as "bad: ...") with want. */
static void expect(rt_prog *t, const char *want) {
  char err[1024];
  hm_buf out, js;
  hm_buf_init(&out);
  hm_buf_init(&js);
  hm_reader *r = hm_reader_open(&t->p, 0, dir, err, sizeof err);
  if (!r) hm_buf_printf(&out, "fatal: %s\n", err);
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_record rec;
  int rc;
  while (r && (rc = hm_reader_next(r, &a, &rec)) != 0) {
    if (rc < 0) {
      hm_buf_printf(&out, "bad: %s\n", hm_reader_error(r));
      if (rc == -2) break;
      continue;
    }
    js.len = 0;
    hv_to_json(&js, rec.value);
    hm_buf_printf(&out, "%llu %s\n", (unsigned long long)rec.line, hm_buf_cstr(&js));
    hm_arena_reset(&a);
  }
  if (strcmp(hm_buf_cstr(&out), want) != 0) {
    failures++;
    fprintf(stderr, "%s: got\n%s---want\n%s", t->p.consts[t->p.sources[0].path].str,
            hm_buf_cstr(&out), want);
  }
  hm_reader_close(r);
  hm_arena_free(&a);
  hm_buf_free(&out);
  hm_buf_free(&js);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/hm_readers_tiny_XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
  char big[6000];
  memset(big, 'x', sizeof big);
  hm_buf b;
  hm_buf_init(&b);
  rt_prog t;

  hm_buf_puts(&b, "id,text\n1,a\n2,\"");
  hm_buf_put(&b, big, sizeof big);
  hm_buf_puts(&b, "\"\n3,c\n");
  write_file("big.csv", b.data, b.len);
  rt_init(&t, HF_CSV, "big.csv", NULL, NULL, 0);
  expect(&t, "2 {\"id\":\"1\",\"text\":\"a\"}\n"
             "bad: big.csv:3:1: record larger than 4096 bytes (an unterminated quote?)\n"
             "4 {\"id\":\"3\",\"text\":\"c\"}\n");

  b.len = 0;                               /* the quote is never closed: bounded, one error */
  hm_buf_puts(&b, "id,text\n1,\"open\n");
  for (int i = 0; i < 3; i++) { hm_buf_put(&b, big, sizeof big); hm_buf_puts(&b, "\n"); }
  write_file("open.csv", b.data, b.len);
  rt_init(&t, HF_CSV, "open.csv", NULL, NULL, 0);
  expect(&t, "bad: open.csv:2:1: record larger than 4096 bytes (an unterminated quote?)\n");

  b.len = 0;
  hm_buf_puts(&b, "{\"id\": 1}\n{\"s\": \"");
  hm_buf_put(&b, big, sizeof big);
  hm_buf_puts(&b, "\"}\n{\"id\": 3}\n");
  write_file("big.ndjson", b.data, b.len);
  rt_init(&t, HF_NDJSON, "big.ndjson", NULL, NULL, 0);
  expect(&t, "1 {\"id\":1}\nbad: big.ndjson:2:1: record larger than 4096 bytes\n3 {\"id\":3}\n");

  b.len = 0;
  hm_buf_puts(&b, "{\"items\": [{\"id\": 1},\n {\"s\": \"");
  hm_buf_put(&b, big, sizeof big);
  hm_buf_puts(&b, "\"}, {\"id\": 3}]}");
  write_file("page-1.json", b.data, b.len);
  rt_init(&t, HF_JSON_PAGES, "page-1.json", NULL, NULL, 0);
  expect(&t, "1 {\"id\":1}\nbad: page-1.json:2:2: record larger than 4096 bytes\n2 {\"id\":3}\n");

  hm_buf_free(&b);
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  if (failures) { fprintf(stderr, "%d check(s) failed\n", failures); return 1; }
  puts("readers (tiny buffers): all tests passed");
  return 0;
}
