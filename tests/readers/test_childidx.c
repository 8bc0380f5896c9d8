/* test_childidx: the child index's three ways of reading children back (the
 * cursor over ascending runs, the cursor over grouped runs, the index for
 * anything else) give the same children in source order, whatever order the
 * parents ask in; a run longer than a row is whole. Built twice: over
 * hmread (rows in memory) and over hmread_tiny (a 64-byte spill, so the
 * rows go through the temporary file and its read window). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hm_read.h"
#include "hm_value.h"
#include "rt_prog.h"

#ifdef HM_TEST_TINY
#define TINY 1
#else
#define TINY 0
#endif

static int failures;
static char dir[4096];

#define CHECK_STR(got, want)                                                                       \
  do {                                                                                             \
    const char *g_ = (got), *w_ = (want);                                                          \
    if (strcmp(g_, w_)) {                                                                          \
      failures++;                                                                                  \
      fprintf(stderr, "%s:%d: got %s\n  want %s\n", __FILE__, __LINE__, g_, w_);                   \
    }                                                                                              \
  } while (0)

/* A file of the data folder, opened for writing (the test stops if it cannot). */
static FILE *create(const char *rel) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); exit(2); }
  return f;
}

static void write_str(const char *rel, const char *s) {
  FILE *f = create(rel);
  fputs(s, f);
  fclose(f);
}

static hm_childidx *build(rt_prog *t, const char *file) {
  char err[1024];
  rt_init(t, HF_NDJSON, file, NULL, "p", 0);
  hm_childidx *x = hm_childidx_build(&t->p, 0, dir, NULL, NULL, err, sizeof err);
  if (!x) { fprintf(stderr, "%s: %s\n", file, err); exit(1); }
  return x;
}

/* The children's n values of key k, e.g. "1 4". */
static const char *ns(hm_childidx *x, const char *k, hm_arena *a) {
  hm_value v;
  if (hm_childidx_get(x, k, a, &v)) return "error";
  hm_buf b;
  hm_buf_init(&b);
  for (uint32_t i = 0; i < v.u.list->n; i++) {
    hm_value n = hv_rec_get(&v.u.list->items[i], "n");
    hm_buf_printf(&b, "%s%g", i ? " " : "", n.kind == HV_NUM ? n.u.num : -1);
  }
  const char *s = hm_arena_strndup(a, b.data ? b.data : "", b.len);
  hm_buf_free(&b);
  return s;
}

/* Each case: a child file, then parents asked in turn with the n values of
 * the children each must get ("" for none). */
typedef struct ask { const char *key, *want; } ask;
typedef struct order_case { const char *name, *file, *text; ask asks[8]; } order_case;

static const order_case ORDERS[] = {
    /* ascending keys, asked in order, then back to 2 and 10 (the index, made on
       that first need), then ahead again */
    {"sorted",
     "sorted.ndjson",
     "{\"p\":1,\"n\":1}\n{\"p\":1,\"n\":2}\n{\"p\":2,\"n\":3}\n{\"p\":3,\"n\":4}\n{\"p\":3,\"n\":5}"
     "\n"
     "{\"p\":10,\"n\":6}\n",
     {{"1", "1 2"},
      {"0", ""},
      {"3", "4 5"},
      {"2", "3"},
      {"10", "6"},
      {"3", "4 5"},
      {"11", ""},
      {NULL, NULL}}},
    /* each key one run, not ascending: the cursor, and the index behind it */
    {"grouped",
     "grouped.ndjson",
     "{\"p\":5,\"n\":1}\n{\"p\":5,\"n\":2}\n{\"p\":2,\"n\":3}\n{\"p\":9,\"n\":4}\n",
     {{"5", "1 2"}, {"9", "4"}, {"2", "3"}, {"5", "1 2"}, {"7", ""}, {NULL, NULL}}},
    /* two runs of one key: every parent goes through the index */
    {"scattered",
     "scattered.ndjson",
     "{\"p\":4,\"n\":1}\n{\"p\":8,\"n\":2}\n{\"p\":4,\"n\":3}\n",
     {{"4", "1 3"}, {"8", "2"}, {"4", "1 3"}, {NULL, NULL}}},
};

static void test_orders(hm_arena *a) {
  for (size_t c = 0; c < sizeof ORDERS / sizeof *ORDERS; c++) {
    write_str(ORDERS[c].file, ORDERS[c].text);
    rt_prog t;
    hm_childidx *x = build(&t, ORDERS[c].file);
    for (const ask *q = ORDERS[c].asks; q->key; q++) {
      const char *got = ns(x, q->key, a);
      if (strcmp(got, q->want)) {
        failures++;
        fprintf(stderr, "%s: children of %s: got \"%s\", want \"%s\"\n", ORDERS[c].name, q->key,
                got, q->want);
      }
    }
    hm_childidx_free(x);
  }
}

/* 2,000 children of one parent (about 200 KB: several rows) between two
   others: all of them, in order. */
static void test_long_run(hm_arena *a) {
  FILE *f = create("long.ndjson");
  fprintf(f, "{\"p\":1,\"n\":-2}\n");
  for (int i = 0; i < 2000; i++)
    fprintf(f, "{\"p\":2,\"n\":%d,\"pad\":\"%080d\"}\n", i, i);
  fprintf(f, "{\"p\":3,\"n\":-3}\n");
  fclose(f);
  rt_prog t;
  hm_childidx *x = build(&t, "long.ndjson");
  hm_value v;
  if (hm_childidx_get(x, "2", a, &v) || v.u.list->n != 2000) {
    failures++;
    fprintf(stderr, "long run: %u children\n", v.u.list->n);
  } else {
    for (uint32_t i = 0; i < 2000; i++)
      if (hv_rec_get(&v.u.list->items[i], "n").u.num != i) {
        failures++;
        fprintf(stderr, "child %u out of order\n", i);
        break;
      }
  }
  CHECK_STR(ns(x, "3", a), "-3");
  CHECK_STR(ns(x, "1", a), "-2");
  hm_childidx_free(x);
}

/* Member names past the index's table of 4,096 are written out in full:
   a record with 5,000 distinct names reads back whole. */
static void test_many_names(hm_arena *a) {
  FILE *f = create("names.ndjson");
  fprintf(f, "{\"p\":1");
  for (int i = 0; i < 5000; i++) fprintf(f, ",\"k%d\":%d", i, i);
  fprintf(f, "}\n{\"p\":2,\"k4999\":-1,\"k0\":-2}\n");
  fclose(f);
  rt_prog t;
  hm_childidx *x = build(&t, "names.ndjson");
  hm_value v;
  if (hm_childidx_get(x, "1", a, &v) || v.u.list->n != 1 || v.u.list->items[0].u.rec->n != 5001) {
    failures++;
    fprintf(stderr, "many names: not one record of 5001 members\n");
  } else {
    hm_value r = v.u.list->items[0];
    for (int i = 0; i < 5000; i += 1234) {
      char k[16];
      snprintf(k, sizeof k, "k%d", i);
      if (hv_rec_get(&r, k).u.num != i) {
        failures++;
        fprintf(stderr, "many names: %s wrong\n", k);
      }
    }
    if (hv_rec_get(&r, "k4999").u.num != 4999) {
      failures++;
      fprintf(stderr, "many names: k4999 wrong\n");
    }
  }
  if (hm_childidx_get(x, "2", a, &v) || v.u.list->n != 1 ||
      hv_rec_get(&v.u.list->items[0], "k4999").u.num != -1 ||
      hv_rec_get(&v.u.list->items[0], "k0").u.num != -2) {
    failures++;
    fprintf(stderr, "many names: second record wrong\n");
  }
  hm_childidx_free(x);
}

/* A temporary folder that cannot take the spill stops the build with a
   message naming it; rows that fit in memory never need one. */
static void test_no_tmpdir(void) {
  write_str("small.ndjson", "{\"p\":1,\"n\":1}\n{\"p\":2,\"n\":2}\n");
  const char *old = getenv("TMPDIR");
  char *saved = old ? strdup(old) : NULL;
  setenv("TMPDIR", "/nonexistent-hmap-tmp", 1);
  rt_prog t;
  rt_init(&t, HF_NDJSON, "small.ndjson", NULL, "p", 0);
  char err[1024] = "";
  hm_childidx *x = hm_childidx_build(&t.p, 0, dir, NULL, NULL, err, sizeof err);
  if (TINY) {
    CHECK_STR(x ? "built" : err,
              "child index: cannot write a temporary file in /nonexistent-hmap-tmp: "
              "No such file or directory");
  } else {
    CHECK_STR(x ? "built" : err, "built");
  }
  hm_childidx_free(x);
  if (saved) setenv("TMPDIR", saved, 1);
  else unsetenv("TMPDIR");
  free(saved);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/hm_childidx_XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
  hm_arena a;
  hm_arena_init(&a, 0);
  test_orders(&a);
  test_long_run(&a);
  if (!TINY) test_many_names(&a);
  test_no_tmpdir();   /* the tiny readers' 4 KiB record limit refuses its 5,000-member record */
  hm_arena_free(&a);
  const char *files[] = {"sorted.ndjson", "grouped.ndjson", "scattered.ndjson",
                         "long.ndjson",   "names.ndjson",   "small.ndjson"};
  char path[8192];
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    unlink(path);
  }
  rmdir(dir);
  if (failures) { fprintf(stderr, "%d check(s) failed\n", failures); return 1; }
  puts("childidx: all tests passed");
  return 0;
}
