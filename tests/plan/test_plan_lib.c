/* test_plan_lib: the planner end to end on a hand-assembled program (so it
 * runs without the compiler): real readers over files written here, then the
 * exact calls.ndjson and report.json compared with golden files.
 *
 * The program: Person (CSV) -> Customer; Ticket (NDJSON) -> Ticket with
 * messages from its Comment children, a lookup of its caller, a tag, and an
 * `after` block linking a parent ticket; Device is a gap exported as CSV.
 *
 * usage: test_plan_lib WORKDIR GOLDEN_DIR [--update] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hm_plan.h"

typedef struct tp {
  hm_program p;
  hm_const k[128];
  hm_source src[4];
  uint32_t f0[3], f1[4], f2[3], f3[2];
  hm_target tgt[3];
  hm_tfield tf[3][8];
  hm_annot an[8];
  hm_rule rules[2];
  hm_line lines[2];
  hm_gap gaps[1];
  uint32_t order[4];
  hm_setting set[1];
} tp;

static uint32_t K(tp *t, const char *s) {
  for (uint32_t i = 0; i < t->p.nconsts; i++)
    if (!strcmp(t->k[i].str, s)) return i;
  t->k[t->p.nconsts] = (hm_const){HK_STR, (uint32_t)strlen(s), s, 0};
  return t->p.nconsts++;
}

#define I(op, a) HM_INS(HOP_##op, a)
#define I0(op) HM_INS(HOP_##op, 0)
#define IAB(op, a, b) HM_INS_AB(HOP_##op, a, b)

/* Person -> Customer */
static uint32_t code0[32], code1[64], code1a[16];

static void build(tp *t) {
  memset(t, 0, sizeof *t);
  hm_program *p = &t->p;
  p->consts = t->k;
  p->title = K(t, "Test migration");
  uint32_t file = K(t, "test.hmap"), none = HM_BC_NONE;
  /* sources */
  t->f0[0] = K(t, "id"); t->f0[1] = K(t, "name"); t->f0[2] = K(t, "email");
  /* hmapc tabulates the columns a child's records are read by (c.body): not "not migrated" */
  t->f2[0] = K(t, "body"); t->f2[1] = K(t, "date"); t->f2[2] = K(t, "internal");
  t->f1[0] = K(t, "id");
  t->f1[1] = K(t, "title");
  t->f1[2] = K(t, "caller_id");
  t->f1[3] = K(t, "parent_id");
  t->src[0] = (hm_source){K(t, "Person"),
                          K(t, "Person"),
                          HF_CSV,
                          K(t, "Person.csv"),
                          K(t, "id"),
                          none,
                          none,
                          0,
                          none,
                          0,
                          none,
                          0,
                          3,
                          t->f0,
                          0,
                          NULL};
  t->src[1] = (hm_source){K(t, "Ticket"),
                          K(t, "Ticket"),
                          HF_NDJSON,
                          K(t, "tickets.ndjson"),
                          K(t, "id"),
                          none,
                          none,
                          0,
                          none,
                          0,
                          none,
                          0,
                          4,
                          t->f1,
                          0,
                          NULL};
  t->src[2] = (hm_source){K(t, "Comment"),
                          K(t, "Comment"),
                          HF_NDJSON,
                          K(t, "comments.ndjson"),
                          none,
                          1,
                          K(t, "ticket_id"),
                          0,
                          none,
                          0,
                          none,
                          0,
                          3,
                          t->f2,
                          0,
                          NULL};
  t->src[3] = (hm_source){K(t, "Device"),
                          K(t, "Device"),
                          HF_CSV,
                          K(t, "Device.csv"),
                          K(t, "id"),
                          none,
                          none,
                          0,
                          none,
                          0,
                          none,
                          0,
                          0,
                          NULL,
                          0,
                          NULL};
  p->sources = t->src; p->nsources = 4;
  t->order[0] = 0; t->order[1] = 2; t->order[2] = 1; t->order[3] = 3;
  p->order = t->order; p->norder = 4;
  /* targets: 0 Customer, 1 Ticket, 2 Message */
  t->tf[0][0] = (hm_tfield){K(t, "email"), HT_STR, none, 0, 320, 0};
  t->tf[0][1] = (hm_tfield){K(t, "name"), HT_STR, none, 0, 0, 0};
  t->tf[0][2] = (hm_tfield){K(t, "external_id"), HT_STR, none, 0, 255, 0};
  t->tf[0][3] = (hm_tfield){K(t, "organization"), HT_STR, none, 0, 0, 0};
  t->tf[0][4] = (hm_tfield){K(t, "score"), HT_NUM, none, 0, 0, 0};   /* a CSV "1" goes out as 1 */
  t->tf[1][0] = (hm_tfield){K(t, "subject"), HT_STR, none, 0, 998, 0};
  t->tf[1][1] = (hm_tfield){K(t, "customer"), HT_REF, 0, 0, 0, 0};
  t->tf[1][2] = (hm_tfield){K(t, "tags"), HT_LIST, none, 0, 0, 0};
  t->tf[1][3] =
      (hm_tfield){K(t, "messages"), HT_LIST, 2, HM_TF_REQUIRED | HM_TF_CREATE_ONLY, 500, 1};
  t->tf[1][4] = (hm_tfield){K(t, "external_id"), HT_STR, none, 0, 255, 0};
  t->tf[1][5] = (hm_tfield){K(t, "meta"), HT_REC, none, 0, 0, 0};
  t->tf[2][0] = (hm_tfield){K(t, "body_text"), HT_STR, none, 0, 0, 0};
  t->tf[2][1] = (hm_tfield){K(t, "channel"), HT_STR, none, HM_TF_REQUIRED, 0, 0};
  t->tf[2][2] = (hm_tfield){K(t, "created_datetime"), HT_DATE, none, 0, 0, 0};
  t->tf[2][3] = (hm_tfield){K(t, "public"), HT_BOOL, none, 0, 0, 0};
  static uint32_t uniq0[2], uniq1[1];
  uniq0[0] = K(t, "external_id"); uniq0[1] = K(t, "email"); uniq1[0] = K(t, "external_id");
  t->tgt[0] = (hm_target){K(t, "Customer"), K(t, "/api/customers"), 2, uniq0, 5, t->tf[0]};
  t->tgt[1] = (hm_target){K(t, "Ticket"), K(t, "/api/tickets"), 1, uniq1, 6, t->tf[1]};
  t->tgt[2] =
      (hm_target){K(t, "Message"), K(t, "/api/tickets/{ticket_id}/messages"), 0, NULL, 4, t->tf[2]};
  p->targets = t->tgt; p->ntargets = 3;
  /* annotations */
  t->an[0] = (hm_annot){HA_REJECT, 0, K(t, "contact without email"), 0, K(t, "email"), file, 5, 25};
  t->an[1] = (hm_annot){HA_FLAG, HM_SEV_REVIEW, K(t, "no title"), 1, K(t, "subject"), file, 10, 31};
  t->an[2] =
      (hm_annot){HA_REJECT, 0, K(t, "caller not migrated"), 1, K(t, "customer"), file, 11, 40};
  t->an[3] = (hm_annot){HA_LOSSY, 0, K(t, "Gorgias has no device object"), none, none, file, 20, 1};
  t->an[4] =
      (hm_annot){HA_LOSSY, 0, K(t, "comment formatting dropped"), 1, K(t, "messages"), file, 12, 3};
  p->annots = t->an; p->nannots = 5;
  t->set[0] = (hm_setting){.name = K(t, "prefix"), .type = HT_STR, .def = K(t, "itop")};
  p->settings = t->set; p->nsettings = 1;

  /* rule 0: Person -> Customer {
   *   email = src.email ?? reject; name = src.name;
   *   external_id = $prefix + ":person:" + src.id; organization = "ACME" } */
  uint32_t c0[] = {
    I(BEGIN, 0), I(LOADCOL, 2), I(JMPSOME, 4), I(REJECT, 0), I(SETTGT, 0),
    I(LOADCOL, 1), I(SETTGT, 1),
    I(LOADSET, 0), I(PUSHK, K(t, ":person:")), I0(ADD), I(LOADCOL, 0), I0(ADD), I(SETTGT, 2),
    I(PUSHK, K(t, "ACME")), I(SETTGT, 3),
    I(LOADCOL, 0), I(SETTGT, 4),
    I0(EMIT), I0(RET)};
  memcpy(code0, c0, sizeof c0);
  /* rule 1: Ticket -> Ticket { subject = src.title ?? "(no title)" flag review;
   *   customer = lookup Person(src.caller_id) ?? reject; tags += "migrated";
   *   messages = each Comment as c { body_text = c.body;
   *     channel = c.internal ? "internal-note" : "api"; created_datetime = c.date } lossy;
   *   external_id = "itop:ticket:" + src.id }
   * after { meta = { parent: lookup Ticket(src.parent_id) ?? skip } } */
  uint32_t c1[] = {/* 0 */ I(BEGIN, 1),
                   I(LOADCOL, 1),
                   I(JMPSOME, 5),
                   I(PUSHK, K(t, "(no title)")),
                   I(FLAGWHY, 1),
                   /* 5 */ I(SETTGT, 0),
                   /* 6 */ I(LOADCOL, 2),
                   I(LOOKUP, 0),
                   I(JMPSOME, 10),
                   I(REJECT, 2),
                   /* 10 */ I(SETTGT, 1),
                   /* 11 */ I(PUSHK, K(t, "migrated")),
                   I(APPENDTGT, 2),
                   /* 13 */ I0(NEWLIST),
                   I(CHILDREN, 2),
                   I(ITER, 0),
                   /* 16 */ IAB(NEXT, 37, 0),
                   I(STORELOCAL, 1),
                   I(BEGIN, 2),
                   /* 19 */ I(LOADLOCAL, 1),
                   I(GETFIELD, K(t, "body")),
                   I(SETTGT, 0),
                   /* 22 */ I(LOADLOCAL, 1),
                   I(GETFIELD, K(t, "internal")),
                   I(JMPF, 27),
                   I(PUSHK, K(t, "internal-note")),
                   I(JMP, 28),
                   /* 27 */ I(PUSHK, K(t, "api")),
                   /* 28 */ I(SETTGT, 1),
                   /* 29 */ I(LOADLOCAL, 1),
                   I(GETFIELD, K(t, "date")),
                   I(SETTGT, 2),
                   /* 32 */ I0(ENDREC),
                   I0(APPEND),
                   I(JMP, 16),
                   I0(NOP),
                   I0(NOP),
                   /* 37 */ I(SETTGT, 3),
                   I(LOSSY, 4),
                   /* 39 */ I(PUSHK, K(t, "itop:ticket:")),
                   I(LOADCOL, 0),
                   I0(ADD),
                   I(SETTGT, 4),
                   /* 43 */ I0(EMIT),
                   I0(RET)};
  memcpy(code1, c1, sizeof c1);
  uint32_t c1a[] = {
    I(BEGIN, 1), I0(NEWREC), I(LOADCOL, 3), I(LOOKUP, 1), I(SETREC, K(t, "parent")), I(SETTGT, 5),
    I0(EMIT), I0(RET)};
  memcpy(code1a, c1a, sizeof c1a);
  t->lines[0] = (hm_line){0, 4, 1};
  t->rules[0] = (hm_rule){0, 0, K(t, "Person -> Customer"), none, file, 4, 1,
                          {sizeof c0 / 4, code0, 1, t->lines, 2}, 0, {0}};
  t->rules[1] = (hm_rule){1,
                          1,
                          K(t, "Ticket -> Ticket"),
                          none,
                          file,
                          9,
                          1,
                          {sizeof c1 / 4, code1, 1, t->lines, 2},
                          1,
                          {sizeof c1a / 4, code1a, 1, t->lines, 2}};
  p->rules = t->rules; p->nrules = 2;
  t->gaps[0] = (hm_gap){K(t, "Device"), HG_EXPORT_CSV, 3, K(t, "devices.csv"), 3, file, 20, 1};
  p->gaps = t->gaps; p->ngaps = 1;
}

static void write_file(const char *dir, const char *name, const char *text) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) { perror(path); exit(2); }
  fputs(text, f);
  fclose(f);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *s = malloc((size_t)n + 1);
  if (fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
  s[n] = 0;
  fclose(f);
  return s;
}

static int compare(const char *out, const char *golden, const char *name, int update) {
  char a[1024], b[1024];
  snprintf(a, sizeof a, "%s/%s", out, name);
  snprintf(b, sizeof b, "%s/%s", golden, name);
  char *got = slurp(a), *want = slurp(b);
  int bad = 0;
  if (update && got) {
    FILE *f = fopen(b, "w");
    if (f) { fputs(got, f); fclose(f); }
  } else if (!got || !want || strcmp(got, want)) {
    fprintf(stderr, "FAIL %s differs from golden %s\n--- got\n%s\n", name, b, got ? got : "(none)");
    bad = 1;
  }
  free(got); free(want);
  return bad;
}

static int run_plan(tp *t, const char *data, const char *out, long sample, const char *set) {
  hm_plan_opts o = {0};
  o.data_dir = data;
  o.out_dir = out;
  o.sample = sample;
  const char *sets[1] = {set};
  o.sets = sets;
  o.nsets = set ? 1 : 0;
  o.quiet = 1;
  char err[512] = "";
  int rc = hm_plan_run(&t->p, &o, err, sizeof err);
  if (rc == 2) fprintf(stderr, "plan: %s\n", err);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: test_plan_lib WORKDIR GOLDEN [--update]\n"); return 2; }
  const char *work = argv[1], *golden = argv[2];
  int update = argc > 3 && !strcmp(argv[3], "--update");
  char data[1024], out[1024], out2[1024], out3[1024];
  snprintf(data, sizeof data, "%s/data", work);
  snprintf(out, sizeof out, "%s/out", work);
  snprintf(out2, sizeof out2, "%s/out-sample", work);
  snprintf(out3, sizeof out3, "%s/out-missing", work);
  mkdir(work, 0777);
  mkdir(data, 0777);
  write_file(data, "Person.csv",
             "id,name,email\r\n"
             "1,Ann Lee,ann@example.com\r\n"
             "2,Bob,\r\n"                       /* "" is a value: not rejected by ?? */
             "3,Carl,carl@example.com\r\n"
             "3,Carl again,carl2@example.com\r\n"); /* duplicate key: rejected */
  write_file(data, "tickets.ndjson",
             "{\"id\": 10, \"title\": \"Printer on fire\", \"caller_id\": 1}\n"
             "{\"id\": 11, \"title\": null, \"caller_id\": \"3\", \"parent_id\": 10}\n"
             "{\"id\": 12, \"title\": \"Lost\", \"caller_id\": 99}\n"
             "{\"id\": 13, \"title\": \"Bad json\" \n");
  write_file(data, "comments.ndjson",
             "{\"ticket_id\": 10, \"body\": \"It burns\", \"date\": \"2024-01-02T10:00:00Z\"}\n"
             "{\"ticket_id\": 10, \"body\": \"<p>Noted</p>\", \"internal\": true, \"date\": "
             "\"2024-01-02T11:00:00Z\"}\n"
             "{\"ticket_id\": 11, \"body\": \"Café\", \"date\": \"2024-01-03T09:00:00Z\"}\n");
  write_file(data, "Device.csv", "id,name,note\n1,=cmd|calc,-rf\n2,Laptop,\"a, b\"\n");
  tp t;
  build(&t);
  int bad = 0;
  int rc = run_plan(&t, data, out, 0, NULL);
  if (rc != 1) { fprintf(stderr, "FAIL exit %d, want 1 (records rejected)\n", rc); bad++; }
  bad += compare(out, golden, "calls.ndjson", update);
  bad += compare(out, golden, "report.json", update);
  bad += compare(out, golden, "report.md", update);
  bad += compare(out, golden, "devices.csv", update);

  rc = run_plan(&t, data, out2, 2, "prefix=acme");
  if (rc != 1) { fprintf(stderr, "FAIL sample exit %d, want 1\n", rc); bad++; }
  {
    char a[1100], b[1100];
    snprintf(a, sizeof a, "%s/calls.ndjson", out2);
    snprintf(b, sizeof b, "%s/sample-calls.ndjson", out2);
    rename(a, b);
    snprintf(a, sizeof a, "%s/report.json", out2);
    snprintf(b, sizeof b, "%s/sample-report.json", out2);
    rename(a, b);
  }
  bad += compare(out2, golden, "sample-calls.ndjson", update);
  bad += compare(out2, golden, "sample-report.json", update);

  if (run_plan(&t, data, out, 0, "nosuch=1") != 2) {
    fprintf(stderr, "FAIL unknown --set not exit 2\n");
    bad++;
  }
  remove(out3);
  char gone[1100];
  snprintf(gone, sizeof gone, "%s/Device.csv", data);
  remove(gone);
  if (run_plan(&t, data, out3, 0, NULL) != 2) {
    fprintf(stderr, "FAIL missing file not exit 2\n");
    bad++;
  }
  struct stat st;
  if (stat(out3, &st) == 0) {
    fprintf(stderr, "FAIL output written despite a missing input\n");
    bad++;
  }
  if (bad) return 1;
  puts("plan lib: all cases pass");
  return 0;
}
