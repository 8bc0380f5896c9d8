/* test_readers: unit tests of hmread for what golden files cannot show
 * well: records larger than the read buffer, UTF-8 split across buffer
 * refills, the column/generation API the VM binds slots with, value kinds,
 * the child index and the JSON conversions. Each check prints what differed. */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hm_read.h"
#include "rd.h"
#include "rt_prog.h"

static int failures;
static char dir[4096];

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      failures++;                                                                                  \
      fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                              \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
    }                                                                                              \
  } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
  CHECK(g_ && strcmp(g_, w_) == 0, "got \"%s\", want \"%s\"", g_ ? g_ : "(null)", w_); } while (0)
#define CHECK_INT(got, want) do { long long g_ = (long long)(got), w_ = (long long)(want); \
  CHECK(g_ == w_, "got %lld, want %lld", g_, w_); } while (0)

static void write_file(const char *rel, const char *data, size_t n) {
  char path[8192];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  for (char *s = path + strlen(dir) + 1; *s; s++)
    if (*s == '/') { *s = 0; mkdir(path, 0755); *s = '/'; }
  FILE *f = fopen(path, "wb");
  if (!f) { perror(path); exit(2); }
  fwrite(data, 1, n, f);
  fclose(f);
}
static void write_str(const char *rel, const char *s) { write_file(rel, s, strlen(s)); }

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st; (void)flag; (void)ftw;
  return remove(p);
}

static hm_reader *open_src(rt_prog *t) {
  char err[1024];
  hm_reader *r = hm_reader_open(&t->p, 0, dir, err, sizeof err);
  CHECK(r != NULL, "open failed: %s", err);
  return r;
}

static const char *json_of(hm_value v, hm_arena *a) {
  hm_buf b;
  hm_buf_init(&b);
  hv_to_json(&b, v);
  char *s = hm_arena_strndup(a, b.data ? b.data : "", b.len);
  hm_buf_free(&b);
  return s;
}

/* A cell bigger than the 1 MiB read buffer, a 3-byte character straddling the
 * first refill, and a doubled quote right at the boundary. */
static void test_csv_big_record(void) {
  size_t big = (3u << 20) / 2;
  hm_buf b;
  hm_buf_init(&b);
  hm_buf_puts(&b, "\"id\",\"body\"\n1,\"");
  while (b.len < (1u << 20) - 1) hm_buf_putc(&b, 'x');
  hm_buf_puts(&b, "\xE2\x82\xAC");                 /* the euro sign across the refill */
  size_t start = b.len;
  size_t nrows = 0;
  while (b.len - start < big) { hm_buf_puts(&b, "ab\"\"\n"); nrows++; }
  hm_buf_puts(&b, "\"\n2,short\n");
  write_file("big.csv", b.data, b.len);
  rt_prog t;
  rt_init(&t, HF_CSV, "big.csv", NULL, NULL, 0);
  hm_reader *r = open_src(&t);
  if (!r) { hm_buf_free(&b); return; }
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_record rec;
  CHECK_INT(hm_reader_next(r, &a, &rec), 1);
  hm_value body = rec.value.u.rec->vals[1];
  size_t want = (1u << 20) - 1 - strlen("\"id\",\"body\"\n1,\"") + 3 +
                (b.len - start - strlen("\"\n2,short\n")) / 5 * 4;
  CHECK_INT(body.len, want);
  CHECK(memcmp(body.u.str + want - 4, "ab\"\n", 4) == 0, "tail of the big cell");
  CHECK(memmem(body.u.str, body.len, "x\xE2\x82\xAC" "ab\"", 7) != NULL, "euro sign kept");
  CHECK_INT(rec.line, 2);
  CHECK_INT(hm_reader_next(r, &a, &rec), 1);
  CHECK_STR(rec.value.u.rec->vals[1].u.str, "short");
  CHECK_INT(rec.line, 2 + nrows + 1);
  CHECK_INT(hm_reader_next(r, &a, &rec), 0);
  hm_reader_close(r);
  hm_arena_free(&a);
  hm_buf_free(&b);
}

/* Values, kinds, lines, column binding, and that "" and an empty cell are both
 * the empty string. */
static void test_csv_values(void) {
  write_str("p.csv", "\xEF\xBB\xBF\"id\";\"name\";\"note\"\r\n"
                     "7;\"Dupont; Anne\";\"\"\r\n"
                     "8;;\"two\r\nlines \"\"quoted\"\"\"\r\n");
  rt_prog t;
  rt_init(&t, HF_CSV, "p.csv", NULL, NULL, ';');
  hm_reader *r = open_src(&t);
  if (!r) return;
  CHECK_INT(hm_reader_file_generation(r), 1);
  CHECK_INT(hm_reader_column(r, "id"), 0);
  CHECK_INT(hm_reader_column(r, "note"), 2);
  CHECK_INT(hm_reader_column(r, "nope"), -1);
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_record rec;
  CHECK_INT(hm_reader_next(r, &a, &rec), 1);
  CHECK_INT(rec.value.kind, HV_REC);
  CHECK_STR(rec.value.u.rec->keys[0], "id");
  CHECK_STR(json_of(rec.value, &a), "{\"id\":\"7\",\"name\":\"Dupont; Anne\",\"note\":\"\"}");
  CHECK_INT(rec.value.u.rec->vals[2].kind, HV_STR);
  CHECK_INT(rec.line, 2);
  CHECK_INT(rec.index, 1);
  CHECK(rec.path_key == NULL, "no path key");
  CHECK_STR(rec.file, "p.csv");
  CHECK_INT(hm_reader_next(r, &a, &rec), 1);
  CHECK_STR(json_of(rec.value, &a),
            "{\"id\":\"8\",\"name\":\"\",\"note\":\"two\\r\\nlines \\\"quoted\\\"\"}");
  CHECK_INT(rec.value.u.rec->vals[1].kind, HV_STR);
  CHECK_INT(rec.value.u.rec->vals[1].len, 0);
  /* the shared header keys are copied, not overwritten, when the VM adds one */
  hv_rec_set(&a, &rec.value, "extra", hv_str("x"));
  CHECK_INT(hm_reader_column(r, "extra"), -1);
  CHECK_INT(hm_reader_next(r, &a, &rec), 0);
  CHECK_INT(hm_reader_next(r, &a, &rec), 0);
  hm_reader_close(r);
  hm_arena_free(&a);
}

/* A '*' folder level: generation moves per file, path keys in numeric order. */
static void test_wildcard_generations(void) {
  write_str("w/10/c.csv", "a,b\n1,2\n");
  write_str("w/2/c.csv", "b,a\n3,4\n");
  write_str("w/3/other.txt", "not ours\n");
  rt_prog t;
  rt_init(&t, HF_CSV, "w/*/c.csv", NULL, NULL, 0);
  hm_reader *r = open_src(&t);
  if (!r) return;
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_record rec;
  CHECK_INT(hm_reader_column(r, "a"), 1);
  CHECK_INT(hm_reader_next(r, &a, &rec), 1);
  CHECK_STR(rec.path_key, "2");
  CHECK_STR(rec.file, "w/2/c.csv");
  CHECK_INT(hm_reader_file_generation(r), 1);
  CHECK_INT(hm_reader_next(r, &a, &rec), 1);
  CHECK_STR(rec.path_key, "10");
  CHECK_INT(hm_reader_file_generation(r), 2);
  CHECK_INT(hm_reader_column(r, "a"), 0);
  CHECK_STR(rec.value.u.rec->keys[0], "a");
  CHECK_INT(rec.index, 2);
  CHECK_INT(hm_reader_next(r, &a, &rec), 0);
  hm_reader_close(r);
  hm_arena_free(&a);
}

/* JSON keeps its types; a JSON source has no stable columns. */
static void test_json_kinds(void) {
  write_str("k.json",
            "[{\"n\": 1.5, \"z\": null, \"t\": true, \"l\": [1, \"a\"], \"o\": {\"x\": \"y\"}}]");
  rt_prog t;
  rt_init(&t, HF_JSON, "k.json", NULL, NULL, 0);
  hm_reader *r = open_src(&t);
  if (!r) return;
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_record rec;
  CHECK_INT(hm_reader_column(r, "n"), -1);
  CHECK_INT(hm_reader_next(r, &a, &rec), 1);
  CHECK_INT(hv_rec_get(&rec.value, "n").kind, HV_NUM);
  CHECK_INT(hv_rec_get(&rec.value, "z").kind, HV_NULL);
  CHECK_INT(hv_rec_get(&rec.value, "t").kind, HV_BOOL);
  CHECK_INT(hv_rec_get(&rec.value, "l").kind, HV_LIST);
  CHECK_INT(hv_rec_get(&rec.value, "o").kind, HV_REC);
  CHECK_INT(hv_rec_get(&rec.value, "q").kind, HV_MISSING);
  cJSON *j = hm_value_to_json(rec.value);
  char *s = cJSON_PrintUnformatted(j);
  CHECK_STR(s, "{\"n\":1.5,\"z\":null,\"t\":true,\"l\":[1,\"a\"],\"o\":{\"x\":\"y\"}}");
  cJSON_free(s);
  cJSON_Delete(j);
  CHECK_INT(hm_reader_next(r, &a, &rec), 0);
  hm_reader_close(r);
  hm_arena_free(&a);
}

/* hm_value_to_json: MISSING members dropped, refs spelled out. */
static void test_value_to_json(void) {
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_value rec = hv_rec_new(&a, 0);
  hv_rec_set(&a, &rec, "gone", hv_missing(HM_WHY_ABSENT));
  hv_rec_set(&a, &rec, "ref", hv_ref(&a, HM_REF_OBJECT, "Person", "12"));
  hm_value l = hv_list_new(&a, 0);
  hv_list_push(&a, &l, hv_missing(HM_WHY_ABSENT));
  hv_list_push(&a, &l, hv_num(3));
  hv_rec_set(&a, &rec, "l", l);
  cJSON *j = hm_value_to_json(rec);
  char *s = cJSON_PrintUnformatted(j);
  CHECK_STR(s,
            "{\"ref\":{\"$ref\":\"object\",\"object\":\"Person\",\"key\":\"12\"},\"l\":[null,3]}");
  cJSON_free(s);
  cJSON_Delete(j);
  CHECK_INT(hm_json_to_value(NULL, &a).kind, HV_MISSING);
  hm_arena_free(&a);
}

/* hm_buf_json_str: escapes before, inside and after the 8-byte words it
 * copies plain text in, invalid UTF-8, and escapes that grow the text six
 * times (the room reserved up front is not enough). */
static const char *json_str_of(hm_buf *b, const char *s, size_t n) {
  b->len = 0;
  hm_buf_puts(b, "<");   /* appends after what is there */
  hm_buf_json_str(b, s, n);
  return b->data;
}

static void test_json_str(void) {
  hm_buf b;
  hm_buf_init(&b);
  CHECK_STR(json_str_of(&b, "", 0), "<\"\"");
  CHECK_STR(json_str_of(&b, "abcdefgh", 8), "<\"abcdefgh\"");
  CHECK_STR(json_str_of(&b, "abcdefg\"", 8), "<\"abcdefg\\\"\"");
  CHECK_STR(json_str_of(&b, "abcdefghi\\j", 11), "<\"abcdefghi\\\\j\"");
  CHECK_STR(json_str_of(&b, "x\ny\tz\r", 6), "<\"x\\ny\\tz\\r\"");
  CHECK_STR(json_str_of(&b, "\x01\x1f", 2), "<\"\\u0001\\u001f\"");
  CHECK_STR(json_str_of(&b, "caf\xc3\xa9 and some more text", 24),
            "<\"caf\xc3\xa9 and some more text\"");
  CHECK_STR(json_str_of(&b, "ab\xff\xc3", 4), "<\"ab\xef\xbf\xbd\xef\xbf\xbd\"");
  CHECK_STR(json_str_of(&b, "\x7f~ ", 3), "<\"\x7f~ \"");
  CHECK_STR(json_str_of(&b, "a\0b", 3), "<\"a\\u0000b\"");
  char in[2101], want[4096 * 4];
  memset(in, 'a', 1000);
  in[1000] = '"';
  memset(in + 1001, 'b', 1000);
  for (int i = 0; i < 100; i++) in[2001 + i] = 1;
  char *w = want;
  w += sprintf(w, "<\"");
  memset(w, 'a', 1000), w += 1000;
  w += sprintf(w, "\\\"");
  memset(w, 'b', 1000), w += 1000;
  for (int i = 0; i < 100; i++) w += sprintf(w, "\\u0001");
  sprintf(w, "\"");
  CHECK_STR(json_str_of(&b, in, 2101), want);
  CHECK_INT(b.len, strlen(want));
  hm_buf_free(&b);
}

static int nbad;
static void count_bad(void *user, uint32_t src, const char *error) {
  (void)src;
  nbad++;
  snprintf(user, 512, "%s", error);
}

/* The child index: by field (a JSON number key becomes "48213"), order kept. */
static void test_childidx(void) {
  write_str("c.ndjson", "{\"TicketID\": 48213, \"n\": 1}\n"
                        "{\"TicketID\": \"7\", \"n\": 2}\n"
                        "{\"n\": 3}\n"
                        "{\"TicketID\": 48213.0, \"n\": 4}\n"
                        "{oops}\n");
  rt_prog t;
  rt_init(&t, HF_NDJSON, "c.ndjson", NULL, "TicketID", 0);
  char err[1024], last[512] = "";
  nbad = 0;
  hm_childidx *x = hm_childidx_build(&t.p, 0, dir, count_bad, last, err, sizeof err);
  CHECK(x != NULL, "build: %s", err);
  if (!x) return;
  CHECK_INT(nbad, 2);
  CHECK_STR(last, "c.ndjson:5:3: malformed JSON");  /* cJSON points just past the bad byte */
  CHECK_INT(hm_childidx_count(x), 3);
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_value v;
  CHECK_INT(hm_childidx_get(x, "48213", &a, &v), 0);
  CHECK_STR(json_of(v, &a), "[{\"TicketID\":48213,\"n\":1},{\"TicketID\":48213,\"n\":4}]");
  CHECK_INT(hm_childidx_get(x, "7", &a, &v), 0);
  CHECK_INT(v.kind, HV_LIST);
  CHECK_INT(v.u.list->n, 1);
  CHECK_INT(hm_childidx_get(x, "nobody", &a, &v), 0);
  CHECK_INT(v.kind, HV_LIST);
  CHECK_INT(v.u.list->n, 0);
  hm_childidx_free(x);
  hm_arena_free(&a);

  /* a missing child file stops the build */
  rt_init(&t, HF_NDJSON, "none.ndjson", NULL, "TicketID", 0);
  x = hm_childidx_build(&t.p, 0, dir, count_bad, last, err, sizeof err);
  CHECK(x == NULL, "missing child file must fail");
  CHECK_STR(err, "none.ndjson: no such file in the data folder");
}

/* Atera answers ticket attachments as a bare array of URL strings, one file per
 * ticket folder: each string is the record {"value": URL} in the index too. */
static void test_childidx_scalars(void) {
  write_str("t/48213/att.json", "[\"https://x/a.png\", \"https://x/b.txt\"]");
  rt_prog t;
  rt_init(&t, HF_JSON, "t/*/att.json", NULL, "path", 0);
  char err[1024], last[512] = "";
  nbad = 0;
  hm_childidx *x = hm_childidx_build(&t.p, 0, dir, count_bad, last, err, sizeof err);
  CHECK(x != NULL, "build: %s", err);
  if (!x) return;
  CHECK_INT(nbad, 0);
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_value v;
  CHECK_INT(hm_childidx_get(x, "48213", &a, &v), 0);
  CHECK_STR(json_of(v, &a), "[{\"value\":\"https://x/a.png\"},{\"value\":\"https://x/b.txt\"}]");
  hm_childidx_free(x);
  hm_arena_free(&a);
}

/* Column numbers count bytes after the BOM; the error names the right line
 * inside a multi-line record. */
static void test_positions(void) {
  write_str("pos.json", "\xEF\xBB\xBF[{\"a\": 1},\n  {\"b\":\n    tru}, {\"c\": 3}]");
  rt_prog t;
  rt_init(&t, HF_JSON, "pos.json", NULL, NULL, 0);
  hm_reader *r = open_src(&t);
  if (!r) return;
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_record rec;
  CHECK_INT(hm_reader_next(r, &a, &rec), 1);
  CHECK_INT(rec.line, 1);
  CHECK_INT(hm_reader_next(r, &a, &rec), -1);
  CHECK_STR(hm_reader_error(r), "pos.json:3:5: malformed JSON");
  CHECK_INT(hm_reader_next(r, &a, &rec), 1);
  CHECK_INT(rec.line, 3);
  CHECK_INT(rec.index, 3);
  CHECK_INT(hm_reader_next(r, &a, &rec), 0);
  hm_reader_close(r);
  hm_arena_free(&a);
}

/* Folder and page order: numbers compare as numbers, ties stay total. */
static void test_natcmp(void) {
  CHECK(hm_srcpath_natcmp("2", "10") < 0, "2 < 10");
  CHECK(hm_srcpath_natcmp("page-10.json", "page-9.json") > 0, "page-10 > page-9");
  CHECK(hm_srcpath_natcmp("page-0002.json", "page-10.json") < 0, "leading zeros");
  CHECK(hm_srcpath_natcmp("a", "b") < 0, "letters");
  CHECK(hm_srcpath_natcmp("01", "1") != 0, "01 and 1 differ");
  CHECK(hm_srcpath_natcmp("01", "1") == -hm_srcpath_natcmp("1", "01"), "antisymmetric");
  CHECK(hm_srcpath_natcmp("x1y", "x1y") == 0, "equal");
  CHECK(hm_srcpath_natcmp("x1", "x1y") < 0, "prefix first");
}

/* A header of n columns c1..cn (then `last` as column n + 1 if given) and one row. */
static void write_wide(const char *rel, size_t n, const char *last, size_t row_cells) {
  hm_buf b;
  hm_buf_init(&b);
  for (size_t i = 1; i <= n; i++) hm_buf_printf(&b, "%sc%zu", i > 1 ? "," : "", i);
  if (last) hm_buf_printf(&b, ",%s", last);
  hm_buf_putc(&b, '\n');
  for (size_t i = 1; i < row_cells; i++) hm_buf_putc(&b, ',');
  hm_buf_putc(&b, '\n');
  write_file(rel, b.data, b.len);
  hm_buf_free(&b);
}

static const char *open_error(rt_prog *t) {
  static char err[1024];
  hm_reader *r = hm_reader_open(&t->p, 0, dir, err, sizeof err);
  if (r) { hm_reader_close(r); return "(opened)"; }
  return err;
}

/* Wide headers: the duplicate check is linear (a million columns with the
 * repeat at the very end is quick, a quadratic check never finished), and
 * rows and headers are bounded at HM_CSV_MAX_FIELDS cells. */
static void test_csv_wide(void) {
  rt_prog t;
  size_t n = 1000000;
  write_wide("wide_dup.csv", n, "c7", 1);
  rt_init(&t, HF_CSV, "wide_dup.csv", NULL, NULL, 0);
  CHECK_STR(open_error(&t),
            "wide_dup.csv:1:1: column 'c7' appears twice in the header (fields 7 and 1000001)");

  write_wide("too_wide.csv", HM_CSV_MAX_FIELDS + 1, NULL, 1);
  rt_init(&t, HF_CSV, "too_wide.csv", NULL, NULL, 0);
  CHECK_STR(open_error(&t), "too_wide.csv:1:1: more than 1048576 fields");

  write_wide("wide_row.csv", 2, NULL, HM_CSV_MAX_FIELDS + 5);
  rt_init(&t, HF_CSV, "wide_row.csv", NULL, NULL, 0);
  hm_reader *r = open_src(&t);
  if (!r) return;
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_record rec;
  CHECK_INT(hm_reader_next(r, &a, &rec), -1);
  CHECK_STR(hm_reader_error(r), "wide_row.csv:2:1: more than 1048576 fields");
  CHECK_INT(hm_reader_next(r, &a, &rec), 0);
  hm_arena_free(&a);
  hm_reader_close(r);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/hm_readers_XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) { perror("mkdtemp"); return 2; }
  test_natcmp();
  test_csv_values();
  test_csv_big_record();
  test_wildcard_generations();
  test_json_kinds();
  test_value_to_json();
  test_json_str();
  test_childidx();
  test_childidx_scalars();
  test_positions();
  test_csv_wide();
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  if (failures) { fprintf(stderr, "%d check(s) failed\n", failures); return 1; }
  puts("readers: all unit tests passed");
  return 0;
}
