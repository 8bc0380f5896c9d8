/* fuzz_layout: the readers over many files — source paths with a '*'
 * (hm_srcpath: folder listing, natural sort, path keys), page folders, and
 * the child index (hm_childidx) joined by a field or by path. The first byte
 * picks the layout; the rest is up to 6 files separated by NUL bytes, each
 * "NAME\nCONTENT" (NAME cut to [A-Za-z0-9._-], at most 24 bytes):
 *
 *   0  p/page-NAME.json        pages folder "p"           (Atera envelopes)
 *   1  page-NAME.json          pages "page-*.json"
 *   2  t/NAME/c.json           NDJSON "t/<star>/c.json", then a child index by path
 *   3  c-NAME.csv              CSV "c-<star>.csv"
 *   4  c.json (first file)     NDJSON child index by field "p"
 *   5  c.csv (first file)      CSV child index by field "p"
 *
 * Besides the drain invariants (fuzz_common.h): a child index answers every
 * parent key, in any order, with a list of records, and never more children
 * over distinct keys than it counted. */
#include "fuzz_common.h"
#include "hm_read.h"

#define MAX_FILES 6

static void clean_name(const uint8_t *p, size_t n, int i, char *out) {
  size_t k = 0;
  for (size_t j = 0; j < n && k < 24; j++) {
    char c = (char)p[j];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '-' || c == '_')
      out[k++] = c;
  }
  out[k] = '\0';
  if (strspn(out, ".") == k) snprintf(out + k, 8, "x%d", i);   /* never "", "." or ".." */
}

static void bad_record(void *user, uint32_t src, const char *error) {
  (void)user;
  if (src != 0 || !error || !*error) abort();
}

static void check_index(rt_prog *t, char names[][32], int n) {
  char err[1024];
  err[0] = '\0';
  hm_childidx *x = hm_childidx_build(&t->p, 0, fuzz_dir(), bad_record, NULL, err, sizeof err);
  if (!x) { if (!err[0]) abort(); return; }
  hm_arena a;
  hm_arena_init(&a, 0);
  uint64_t total = 0;
  static const char *extra[] = {"1", "2", "10", ""};
  for (int i = 0; i < n + 4; i++) {
    const char *key = i < n ? names[i] : extra[i - n];
    int seen = 0;
    for (int j = 0; j < i; j++) seen |= strcmp(j < n ? names[j] : extra[j - n], key) == 0;
    hm_value v;
    if (hm_childidx_get(x, key, &a, &v) != 0 || v.kind != HV_LIST) abort();
    for (uint32_t k = 0; k < v.u.list->n; k++)
      if (v.u.list->items[k].kind != HV_REC) abort();
    if (!seen) total += v.u.list->n;
  }
  if (total > hm_childidx_count(x)) abort();
  hm_arena_free(&a);
  hm_childidx_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int mode = data[0] % 6;
  fuzz_rm_tree(fuzz_dir(), 0);     /* the previous input's files go; the folder is made again */
  mkdir(fuzz_dir(), 0700);
  char names[MAX_FILES][32];
  int n = 0;
  const uint8_t *p = data + 1, *end = data + size;
  while (p < end && n < MAX_FILES) {
    const uint8_t *stop = memchr(p, 0, (size_t)(end - p));
    if (!stop) stop = end;
    const uint8_t *nl = memchr(p, '\n', (size_t)(stop - p));
    const uint8_t *body = nl ? nl + 1 : stop;
    clean_name(p, (size_t)((nl ? nl : stop) - p), n, names[n]);
    char rel[256];
    switch (mode) {
    case 0: snprintf(rel, sizeof rel, "p/page-%s.json", names[n]); break;
    case 1: snprintf(rel, sizeof rel, "page-%s.json", names[n]); break;
    case 2: snprintf(rel, sizeof rel, "t/%s/c.json", names[n]); break;
    case 3: snprintf(rel, sizeof rel, "c-%s.csv", names[n]); break;
    case 4: snprintf(rel, sizeof rel, "c.json"); break;
    default: snprintf(rel, sizeof rel, "c.csv"); break;
    }
    if (mode < 4 || n == 0) fuzz_write(rel, body, (size_t)(stop - body));
    n++;
    p = stop + 1;
  }
  rt_prog t;
  switch (mode) {
  case 0: rt_init(&t, HF_JSON_PAGES, "p", NULL, NULL, 0); fuzz_drain(&t, 0); break;
  case 1: rt_init(&t, HF_JSON_PAGES, "page-*.json", NULL, NULL, 0); fuzz_drain(&t, 0); break;
  case 2:
    rt_init(&t, HF_NDJSON, "t/*/c.json", NULL, NULL, 0);
    fuzz_drain(&t, 0);
    rt_init(&t, HF_NDJSON, "t/*/c.json", NULL, "path", 0);
    check_index(&t, names, n);
    break;
  case 3: rt_init(&t, HF_CSV, "c-*.csv", NULL, NULL, ','); fuzz_drain(&t, 1); break;
  case 4: rt_init(&t, HF_NDJSON, "c.json", NULL, "p", 0); check_index(&t, names, n); break;
  default: rt_init(&t, HF_CSV, "c.csv", NULL, "p", ','); check_index(&t, names, n); break;
  }
  return 0;
}
