/* test_compiler_unit: unit tests of the compiler's pieces below the golden
 * tests — lexer positions over UTF-8, "did you mean", the bytecode writer and
 * loader agreeing table by table, and the value model's JSON. */
#include <stdio.h>
#include <string.h>
#include "hm_compile.h"
#include "hm_lex.h"
#include "hm_parse.h"
#include "hm_value.h"

static int failures;
#define EXPECT(cond, ...)                                                                          \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      failures++;                                                                                  \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                  \
      printf(__VA_ARGS__);                                                                         \
      printf("\n");                                                                                \
    }                                                                                              \
  } while (0)

static void test_lexer_columns(void) {
  hm_arena a; hm_arena_init(&a, 4096);
  const char *text = "\xEF\xBB\xBF# héllo\nsetting été = \"ça\" # x\n  src.key";
  hm_lexer lx;
  hm_lex_init(&lx, &a, 0, text, strlen(text), NULL, NULL);
  YYSTYPE v; YYLTYPE l;
  int t = hm_lex(&v, &l, &lx);
  /* `setting` is a contextual word: an identifier the grammar reads by its text */
  EXPECT(t == IDENT && !strcmp(v.str.s, "setting") && l.first_line == 2 && l.first_column == 1,
         "setting at 2:1, got tok %d at %d:%d", t, l.first_line, l.first_column);
  t = hm_lex(&v, &l, &lx);   /* "été": the é bytes are lexical errors, "t" survives as a name */
  EXPECT(t == IDENT && !strcmp(v.str.s, "t"), "t of été, got %d", t);
  t = hm_lex(&v, &l, &lx);
  EXPECT(t == '=' && l.first_column == 13, "'=' at column 13 (characters, not bytes), got %d at %d",
         t, l.first_column);
  t = hm_lex(&v, &l, &lx);
  EXPECT(t == STRING &&
             !strcmp(v.str.s, "\xC3\xA7"
                              "a") &&
             l.first_column == 15,
         "string ça at 15, got %d '%s' at %d", t, v.str.s, l.first_column);
  t = hm_lex(&v, &l, &lx);
  EXPECT(t == KW_SRC && l.first_line == 3 && l.first_column == 3, "src at 3:3");
  hm_lex(&v, &l, &lx);
  t = hm_lex(&v, &l, &lx);
  EXPECT(t == KW_KEY,
         "key after '.' is still the keyword token (the grammar accepts it as a name)");
  EXPECT(hm_lex(&v, &l, &lx) == 0, "end of input");
  hm_arena_free(&a);
}

static void test_escapes(void) {
  hm_arena a; hm_arena_init(&a, 4096);
  const char *text = "\"a\\tb\\u{1F600}\\\"\" r\"\\d+\" key: x";
  hm_lexer lx;
  hm_lex_init(&lx, &a, 0, text, strlen(text), NULL, NULL);
  YYSTYPE v; YYLTYPE l;
  EXPECT(hm_lex(&v, &l, &lx) == STRING && !strcmp(v.str.s, "a\tb\xF0\x9F\x98\x80\""),
         "escapes decoded: '%s'", v.str.s);
  EXPECT(hm_lex(&v, &l, &lx) == STRING && !strcmp(v.str.s, "\\d+"), "raw string kept: '%s'",
         v.str.s);
  EXPECT(hm_lex(&v, &l, &lx) == IDENT && !strcmp(v.str.s, "key"),
         "keyword followed by ':' is a name");
  hm_arena_free(&a);
}

static void test_suggest(void) {
  const char *c[] = {"email", "first_name", "org_id", "name"};
  EXPECT(hm_suggest("emial", c, 4) && !strcmp(hm_suggest("emial", c, 4), "email"),
         "emial -> email");
  EXPECT(hm_suggest("Email", c, 4) && !strcmp(hm_suggest("Email", c, 4), "email"),
         "case-insensitive");
  EXPECT(hm_suggest("zzzzzzzz", c, 4) == NULL, "no wild guesses");
}

/* A program whose source s carries flags is refused by the loader with msg. */
static void expect_refused(hm_program *p, uint32_t s, uint32_t flags, const char *msg) {
  uint32_t saved = p->sources[s].flags;
  p->sources[s].flags = flags;
  hm_buf b; hm_buf_init(&b);
  hm_bc_write(p, &b);
  p->sources[s].flags = saved;
  char err[256] = "";
  hm_program *r = hm_bc_load(b.data, b.len, err, sizeof err);
  EXPECT(r == NULL && strstr(err, msg), "flags %u on source %u refused with \"%s\": got \"%s\"",
         flags, s, msg, err);
  hm_bc_free(r);
  hm_buf_free(&b);
}

/* The codes a map's check reports, in order, as "E0210 E0212 ". */
static void check_codes(const char *map, char *out, size_t n) {
  hm_compiler c;
  hm_compiler_init(&c, NULL);
  hm_check(&c, hm_compiler_parse_text(&c, "d.hmap", map, strlen(map)));
  out[0] = 0;
  for (uint32_t i = 0; i < c.diags.n; i++)
    snprintf(out + strlen(out), n - strlen(out), "%s ", hm_code_id(c.diags.items[i].code));
  hm_compiler_free(&c);
}

/* `distinct` is a keyword only where a source option can be: given twice it is
   E0210 like any option; as a field name it still reads. */
static void test_distinct_words(void) {
  char codes[256];
  check_codes("migration \"d\"\nuse gorgias\n"
              "source P from csv \"p.csv\" key id distinct distinct { id: int  distinct: string }\n"
              "rule P -> Tag { name = src.distinct ?? \"x\" }\n", codes, sizeof codes);
  EXPECT(!strcmp(codes, "E0210 "), "distinct twice: E0210 only, got \"%s\"", codes);
  check_codes("migration \"d\"\nuse gorgias\n"
              "source P from csv \"p.csv\" key distinct distinct { distinct: string }\n"
              "rule P -> Tag { name = { distinct = src.distinct }.distinct ?? \"x\" }\n",
              codes, sizeof codes);
  EXPECT(!strcmp(codes, ""), "a field named distinct, keyed on: got \"%s\"", codes);
}

static void test_roundtrip(void) {
  const char *map =
    "migration \"rt\"\nuse gorgias\nsetting n = 3\nsetting b = true\n"
    "source P from csv \"p.csv\" key id sep \";\" distinct { id: int required  email: string }\n"
    "source C from json \"c/*.json\" parent P by path { t: string }\n"
    "rule P -> Ticket {\n  subject = src.email ?? \"x\" flag warn \"no mail\"\n"
    "  priority = match src.email { \"a\" => \"high\"  _ => \"low\" }\n"
    "  messages = each C as c { channel = \"api\"  from_agent = false  body_text = c.t ?? \"\" }\n"
    "  spam = $b\n  meta = { n = $n }\n}\n"
    "gap C -> inventory \"children\"\n";
  hm_compiler c;
  hm_compiler_init(&c, NULL);
  int u = hm_compiler_parse_text(&c, "rt.hmap", map, strlen(map));
  hm_check(&c, u);
  EXPECT(c.diags.errors == 0 && c.diags.warnings == 0, "round-trip map checks clean (%u errors)",
         c.diags.errors);
  if (c.diags.errors) hm_diags_print(&c.diags, stdout, 0);
  hm_program p;
  hm_codegen(&c, u, &p);
  hm_buf b; hm_buf_init(&b);
  hm_bc_write(&p, &b);
  char err[256] = "";
  hm_program *q = hm_bc_load(b.data, b.len, err, sizeof err);
  EXPECT(q != NULL, "load: %s", err);
  if (q) {
    EXPECT(q->nconsts == p.nconsts && q->nrules == p.nrules && q->nsources == p.nsources &&
               q->ntargets == p.ntargets && q->nannots == p.nannots && q->nmatches == p.nmatches &&
               q->ngaps == p.ngaps && q->nsettings == p.nsettings,
           "table sizes survive the round trip");
    for (uint32_t i = 0; i < p.nconsts && i < q->nconsts; i++)
      EXPECT(p.consts[i].kind == q->consts[i].kind &&
                 (p.consts[i].kind == HK_NUM
                      ? p.consts[i].num == q->consts[i].num
                      : p.consts[i].len == q->consts[i].len &&
                            !memcmp(p.consts[i].str, q->consts[i].str, p.consts[i].len)),
             "constant %u", i);
    EXPECT(q->rules[0].body.ncode == p.rules[0].body.ncode &&
               !memcmp(q->rules[0].body.code, p.rules[0].body.code, p.rules[0].body.ncode * 4),
           "code survives");
    EXPECT(q->sources[0].sep == ';' && q->sources[1].parent == 0 &&
               q->sources[1].parent_by_path == 1,
           "source options survive");
    EXPECT((q->sources[0].flags & HM_SRC_DISTINCT) && !(q->sources[1].flags & HM_SRC_DISTINCT),
           "distinct survives, on its source only");
    EXPECT(q->sources[0].flags == p.sources[0].flags && q->sources[1].flags == p.sources[1].flags,
           "source flags (declared) survive");
    EXPECT(q->norder == 2 && q->order[0] == 0 && q->order[1] == 1, "order: parent then child");
    EXPECT((q->hash[0] | q->hash[1] | q->hash[2] | q->hash[3]) != 0, "the map digest is stored");
    /* every operand check: a jump past the end is refused even with a good checksum */
    hm_buf bad; hm_buf_init(&bad);
    uint32_t saved = p.rules[0].body.code[0];
    p.rules[0].body.code[0] = HM_INS(HOP_JMP, 100000);
    hm_bc_write(&p, &bad);
    p.rules[0].body.code[0] = saved;
    hm_program *r = hm_bc_load(bad.data, bad.len, err, sizeof err);
    EXPECT(r == NULL && strstr(err, "jump to 100000 outside the code"), "bad jump refused: %s",
           err);
    hm_bc_free(r);
    hm_buf_free(&bad);
    expect_refused(&p, 1, HM_SRC_DISTINCT,
                   "source 1: distinct without a key, or on a child source");
    expect_refused(&p, 0, 8, "source 0: unknown flags 0x8");
    hm_bc_free(q);
  }
  hm_buf_free(&b);
  hm_compiler_free(&c);
}

static void test_value_json(void) {
  hm_arena a; hm_arena_init(&a, 4096);
  hm_value r = hv_rec_new(&a, 2);
  hv_rec_set(&a, &r, "s", hv_str("é\"\x01\xff"));
  hv_rec_set(&a, &r, "gone", hv_missing(HM_WHY_ABSENT));
  hv_rec_set(&a, &r, "n", hv_num(12));
  hv_rec_set(&a, &r, "z", hv_null());
  hm_buf b; hm_buf_init(&b);
  hv_to_json(&b, r);
  EXPECT(!strcmp(b.data, "{\"s\":\"é\\\"\\u0001\xEF\xBF\xBD\",\"n\":12,\"z\":null}"),
         "record JSON: %s", b.data);
  hm_buf_free(&b);
  hm_arena_free(&a);
}

int main(void) {
  test_lexer_columns();
  test_escapes();
  test_suggest();
  test_roundtrip();
  test_distinct_words();
  test_value_json();
  if (failures) { printf("%d failure(s)\n", failures); return 1; }
  printf("compiler unit tests passed\n");
  return 0;
}
