/* test_common: hm_hash (FNV-1a vectors, the format-bound digest and V0 hash,
 * the table), hm_utf8 (valid, overlong, surrogate, truncated, > U+10FFFF,
 * encode) and hm_xstrdup. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_arena.h"
#include "hm_buf.h"
#include "hm_hash.h"
#include "hm_utf8.h"

static int failures;
#define CHECK(c)                                                                                   \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #c);                                 \
      failures++;                                                                                  \
    }                                                                                              \
  } while (0)

static void test_fnv(void) {
  CHECK(hm_fnv1a64("", 0) == 0xcbf29ce484222325ull);
  CHECK(hm_fnv1a64("", 0) == HM_FNV64_OFFSET);
  CHECK(hm_fnv1a64("a", 1) == 0xaf63dc4c8601ec8cull);
  CHECK(hm_fnv1a64_str("a") == 0xaf63dc4c8601ec8cull);
  CHECK(hm_fnv1a64("foobar", 6) == 0x85944171f73967e8ull);
  CHECK(hm_fnv1a32("", 0) == 0x811c9dc5u);
  CHECK(hm_fnv1a32("a", 1) == 0xe40c292cu);
  CHECK(hm_fnv1a32_str("a") == 0xe40c292cu);
  CHECK(hm_fnv1a32("foobar", 6) == 0xbf9cf968u);
  CHECK(hm_fnv1a64_add(hm_fnv1a64("foo", 3), "bar", 3) == hm_fnv1a64("foobar", 6));
}

/* Values already stored in .hbc files, reports and state databases: these
   must never change without a format version bump. */
static void test_format_bound(void) {
  CHECK(hm_fnv1a64_v0_str("abc") == 0xe16801510db89efdull);
  hm_digest d;
  hm_digest_init(&d);
  hm_digest_add(&d, "a", 1);
  hm_digest_add(&d, "bc", 2);
  uint8_t out[32];
  hm_digest_out(&d, out);
  char hex[65];
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", out[i]);
  CHECK(!strcmp(hex, "1311ad2ae18efbf652c07c5fa3a1f26f14bbc2df41b616989423b18fc8df6b92"));
}

static void test_table_str(void) {
  hm_htab t = {0};
  CHECK(hm_htab_find_str(&t, "x") == NULL);
  enum { N = 50000 };
  char (*keys)[16] = malloc(N * sizeof *keys);
  for (int i = 0; i < N; i++) {
    snprintf(keys[i], sizeof keys[i], "key%d", i);
    bool fresh = false;
    void **v = hm_htab_put_str(&t, keys[i], &fresh);
    CHECK(fresh && *v == NULL);
    *v = (void *)(intptr_t)(i + 1);
  }
  CHECK(t.n == N && t.cap >= N && (t.cap & (t.cap - 1)) == 0);
  int bad = 0;
  for (int i = 0; i < N; i++) {
    char k[16];
    snprintf(k, sizeof k, "key%d", i);          /* another pointer: compared by content */
    void **v = hm_htab_find_str(&t, k);
    bad += !v || (intptr_t)*v != i + 1;
  }
  CHECK(bad == 0);
  bool fresh = true;
  void **v = hm_htab_put_str(&t, "key7", &fresh);
  CHECK(!fresh && (intptr_t)*v == 8 && t.n == N);
  CHECK(hm_htab_find_str(&t, "key50000") == NULL);
  CHECK(hm_htab_find_str(&t, "") == NULL);
  hm_htab_free(&t);
  CHECK(t.cap == 0 && t.n == 0 && hm_htab_find_str(&t, "key1") == NULL);
  free(keys);
}

static void test_table_u64(void) {
  hm_htab t = {0};
  enum { N = 100000 };
  for (uint64_t i = 1; i <= N; i++) *hm_htab_put_u64(&t, i * 4096, NULL) = (void *)(uintptr_t)i;
  CHECK(t.n == N);
  int bad = 0;
  for (uint64_t i = 1; i <= N; i++) {
    void **v = hm_htab_find_u64(&t, i * 4096);
    bad += !v || (uintptr_t)*v != i;
  }
  CHECK(bad == 0);
  CHECK(hm_htab_find_u64(&t, 4097) == NULL);
  CHECK(hm_htab_find_u64(&t, UINT64_MAX) == NULL);
  bool fresh;
  *hm_htab_put_u64(&t, UINT64_MAX, &fresh) = NULL;
  CHECK(fresh && hm_htab_find_u64(&t, UINT64_MAX) != NULL && t.n == N + 1);
  hm_htab_free(&t);
}

#define SEQ(lit) ((const unsigned char *)(lit)), (sizeof(lit) - 1)

static void test_utf8_seq(void) {
  CHECK(hm_utf8_seq(SEQ("A")) == 1);
  CHECK(hm_utf8_seq(SEQ("\xC3\xA9")) == 2);               /* é */
  CHECK(hm_utf8_seq(SEQ("\xE2\x82\xAC")) == 3);           /* € */
  CHECK(hm_utf8_seq(SEQ("\xF0\x9F\x98\x80")) == 4);       /* U+1F600 */
  CHECK(hm_utf8_seq(SEQ("\xF4\x8F\xBF\xBF")) == 4);       /* U+10FFFF */
  CHECK(hm_utf8_seq(SEQ("\xED\x9F\xBF")) == 3);           /* U+D7FF */
  CHECK(hm_utf8_seq(SEQ("\xEE\x80\x80")) == 3);           /* U+E000 */
  /* overlong */
  CHECK(hm_utf8_seq(SEQ("\xC0\xAF")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xC1\xBF")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xE0\x80\xAF")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xE0\x9F\xBF")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xF0\x80\x80\xAF")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xF0\x8F\xBF\xBF")) == 0);
  /* surrogates */
  CHECK(hm_utf8_seq(SEQ("\xED\xA0\x80")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xED\xBF\xBF")) == 0);
  /* above U+10FFFF */
  CHECK(hm_utf8_seq(SEQ("\xF4\x90\x80\x80")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xF5\x80\x80\x80")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xFF")) == 0);
  /* truncated, and a bad continuation */
  CHECK(hm_utf8_seq(SEQ("\xC3")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xE2\x82")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xF0\x9F\x98")) == 0);
  CHECK(hm_utf8_seq(SEQ("\xE2\x82\x41")) == 0);
  CHECK(hm_utf8_seq(SEQ("\x80")) == 0);
}

static void test_utf8_check(void) {
  CHECK(hm_utf8_check(SEQ("plain ascii text, more than eight bytes")) == 39);
  CHECK(hm_utf8_check(SEQ("abcdefgh\xC3\xA9z")) == 11);
  CHECK(hm_utf8_check(SEQ("abcdefghij\xED\xA0\x80")) == 10);
  CHECK(hm_utf8_check(SEQ("ab\xF4\x90\x80\x80")) == 2);
  CHECK(hm_utf8_check(SEQ("abc\xE2\x82")) == 3);
  CHECK(hm_utf8_valid("", 0));
  CHECK(hm_utf8_valid("caf\xC3\xA9", 5));
  CHECK(!hm_utf8_valid("caf\xC3", 4));
  CHECK(!hm_utf8_valid("\xC0\x80", 2));
}

static void test_utf8_next(void) {
  const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  size_t i = 0, n = strlen(s);
  CHECK(hm_utf8_next(s, n, &i) == 'a' && i == 1);
  CHECK(hm_utf8_next(s, n, &i) == 0xE9 && i == 3);
  CHECK(hm_utf8_next(s, n, &i) == 0x20AC && i == 6);
  CHECK(hm_utf8_next(s, n, &i) == 0x1F600 && i == 10);
  const char *bad[] = {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"};
  for (int k = 0; k < 4; k++) {
    i = 0;
    uint32_t c = hm_utf8_next(bad[k], strlen(bad[k]), &i);
    CHECK(c == (HM_BAD_BYTE | (unsigned char)bad[k][0]) && i == 1);
  }
  CHECK(hm_utf8_count(s, n) == 4);
  CHECK(hm_utf8_count("\xE2\x82", 2) == 2);   /* each bad byte counts as one */
  CHECK(hm_utf8_leads(s, n) == 4);
  CHECK(hm_utf8_leads("\xE2\x82", 2) == 1);   /* the stray continuation byte: nothing */
  CHECK(hm_utf8_leads("", 0) == 0);
}

static void test_utf8_encode(void) {
  char u[4];
  CHECK(hm_utf8_encode('A', u) == 1 && u[0] == 'A');
  CHECK(hm_utf8_encode(0xE9, u) == 2 && !memcmp(u, "\xC3\xA9", 2));
  CHECK(hm_utf8_encode(0x20AC, u) == 3 && !memcmp(u, "\xE2\x82\xAC", 3));
  CHECK(hm_utf8_encode(0x10FFFF, u) == 4 && !memcmp(u, "\xF4\x8F\xBF\xBF", 4));
  CHECK(hm_utf8_encode(0xD800, u) == 3 && !memcmp(u, "\xEF\xBF\xBD", 3));
  CHECK(hm_utf8_encode(0x110000, u) == 3 && !memcmp(u, "\xEF\xBF\xBD", 3));
  for (uint32_t cp = 0; cp <= 0x10FFFF; cp += 0x101) {   /* round trip */
    size_t n = hm_utf8_encode(cp, u), i = 0;
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (hm_utf8_next(u, n, &i) != cp || i != n) { CHECK(!"round trip"); break; }
  }
}

/* The JSON writer takes the strict rule too: a surrogate or a sequence above
   U+10FFFF is not copied into calls.ndjson (it used to be). */
static void test_json_str_strict(void) {
  hm_buf b;
  hm_buf_init(&b);
  hm_buf_json_str(&b, "a\xED\xA0\x80z", 5);
  CHECK(!strcmp(hm_buf_cstr(&b), "\"a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz\""));
  b.len = 0;
  hm_buf_json_str(&b, "\xF4\x90\x80\x80", 4);
  CHECK(!strcmp(hm_buf_cstr(&b), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\""));
  b.len = 0;
  hm_buf_json_str(&b, "caf\xC3\xA9 \xF0\x9F\x98\x80", 10);
  CHECK(!strcmp(hm_buf_cstr(&b), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\""));
  hm_buf_free(&b);
}

static void test_xstrdup(void) {
  CHECK(hm_xstrdup(NULL) == NULL);
  char *d = hm_xstrdup("ticket");
  CHECK(d && !strcmp(d, "ticket"));
  free(d);
}

int main(void) {
  test_fnv();
  test_format_bound();
  test_table_str();
  test_table_u64();
  test_utf8_seq();
  test_utf8_check();
  test_utf8_next();
  test_utf8_encode();
  test_json_str_strict();
  test_xstrdup();
  if (failures) { fprintf(stderr, "%d failure(s)\n", failures); return 1; }
  puts("common: ok");
  return 0;
}
