/* test_vm: the VM over hand-assembled programs, so it is tested independently
 * of the compiler. Each case assembles one rule, runs it on a record and
 * compares the exact log of host callbacks (emits as JSON, events with their
 * map location and trigger) with the expected text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_vm.h"

/* ---- a tiny program builder ---- */
typedef struct tp {
  hm_program p;
  hm_const k[64];
  hm_rule rule;
  hm_target tgt[2];
  hm_tfield tf[2][8];
  hm_source src[2];
  uint32_t srcf[8];
  hm_annot an[8];
  hm_match m[2];
  hm_match_arm arms[8];
  hm_line lines[2];
  hm_setting set[2];
  uint32_t code[64];
} tp;

static uint32_t K(tp *t, const char *s) {
  for (uint32_t i = 0; i < t->p.nconsts; i++)
    if (t->k[i].kind == HK_STR && !strcmp(t->k[i].str, s)) return i;
  t->k[t->p.nconsts] = (hm_const){HK_STR, (uint32_t)strlen(s), s, 0};
  return t->p.nconsts++;
}
static uint32_t KN(tp *t, double d) {
  t->k[t->p.nconsts] = (hm_const){HK_NUM, 0, NULL, d};
  return t->p.nconsts++;
}

/* Target 0 = Ticket {external_id, subject, messages, customer}, target 1 =
 * Message {body_text}; source 0 = Req with fields (id, title), source 1 = its
 * comments; annotations: 0 flag warn, 1 skip, 2 reject, 3 lossy. */
static void tp_init(tp *t) {
  memset(t, 0, sizeof *t);
  hm_program *p = &t->p;
  p->consts = t->k;
  const char *tf0[] = {"external_id", "subject", "messages", "customer"};
  for (int i = 0; i < 4; i++) t->tf[0][i] = (hm_tfield){K(t, tf0[i]), HT_STR, HM_BC_NONE, 0, 0, 0};
  t->tf[1][0] = (hm_tfield){K(t, "body_text"), HT_STR, HM_BC_NONE, 0, 0, 0};
  t->tgt[0] = (hm_target){K(t, "Ticket"), K(t, "/api/tickets"), 0, NULL, 4, t->tf[0]};
  t->tgt[1] = (hm_target){K(t, "Message"), K(t, ""), 0, NULL, 1, t->tf[1]};
  p->targets = t->tgt; p->ntargets = 2;
  t->srcf[0] = K(t, "id"); t->srcf[1] = K(t, "title");
  t->src[0] = (hm_source){.name = K(t, "Req"),
                          .key = K(t, "id"),
                          .parent = HM_BC_NONE,
                          .nfields = 2,
                          .fields = t->srcf};
  t->src[1] = (hm_source){.name = K(t, "Comment"), .key = HM_BC_NONE, .parent = 0};
  p->sources = t->src; p->nsources = 2;
  uint32_t f = K(t, "map.hmap");
  t->an[0] =
      (hm_annot){HA_FLAG, HM_SEV_WARN, K(t, "no title: default"), 0, K(t, "subject"), f, 7, 13};
  t->an[1] = (hm_annot){HA_SKIP, 0, K(t, "comment without body"), 0, HM_BC_NONE, f, 9, 5};
  t->an[2] = (hm_annot){HA_REJECT, 0, K(t, "no customer"), 0, K(t, "customer"), f, 11, 3};
  t->an[3] = (hm_annot){HA_LOSSY, 0, K(t, "html dropped"), 0, HM_BC_NONE, f, 12, 3};
  p->annots = t->an; p->nannots = 4;
  p->matches = t->m;
  t->set[0] = (hm_setting){.name = K(t, "limit"), .type = HT_NUM, .def = KN(t, 3)};
  t->set[1] =
      (hm_setting){.name = K(t, "agent"), .type = HT_STR, .def = K(t, "lead@example.com")};
  p->settings = t->set; p->nsettings = 2;
  t->lines[0] = (hm_line){0, 4, 1};
  t->lines[1] = (hm_line){3, 5, 9};
  t->rule = (hm_rule){.source = 0, .target = 0, .name = K(t, "Req -> Ticket"), .lossy = HM_BC_NONE,
                      .file = f, .line = 4, .col = 1,
                      .body = {0, t->code, 2, t->lines, 4}};
  p->rules = &t->rule; p->nrules = 1;
}
static void tp_code(tp *t, const uint32_t *code, uint32_t n) {
  memcpy(t->code, code, n * sizeof *code);
  t->rule.body.ncode = n;
}

/* ---- host that logs ---- */
typedef struct log_host { hm_buf log; hm_value children; } log_host;

static hm_value h_lookup(void *u, uint32_t src, hm_value key, hm_arena *a) {
  (void)u;
  if (key.kind == HV_STR && !strcmp(key.u.str, "42"))
    return hv_ref(a, HM_REF_OBJECT, src ? "Other" : "Req", "42");
  return hv_missing(HM_WHY_LOOKUP);
}
/* planned@x: an agent the plan makes; gone@x: one the account is known not to
   have; any other e-mail: an agent only the run can look up. */
static hm_value h_agent(void *u, hm_value email, hm_arena *a) {
  (void)u;
  const char *e = hv_to_str(a, email).u.str;
  if (!strcmp(e, "planned@x")) return hv_ref(a, HM_REF_OBJECT, "Staff", "7");
  if (!strcmp(e, "gone@x")) return hv_missing(HM_WHY_LOOKUP);
  return hv_ref(a, HM_REF_AGENT, NULL, e);
}
static hm_value h_children(void *u, uint32_t src, hm_arena *a) {
  (void)src; (void)a;
  return ((log_host *)u)->children;
}
static void h_emit(void *u, uint32_t rule, bool after, uint32_t target, hm_value obj) {
  log_host *h = u;
  hm_buf_printf(&h->log, "emit r%u%s t%u ", rule, after ? " after" : "", target);
  hv_to_json(&h->log, obj);
  hm_buf_putc(&h->log, '\n');
}
static void h_event(void *u, const hm_vm_event *e) {
  log_host *h = u;
  hm_buf_printf(&h->log, "event k%u s%u \"%s\" %s:%u:%u", e->kind, e->severity, e->message,
                e->file, e->line, e->col);
  if (e->field) hm_buf_printf(&h->log, " field=%s", e->field);
  if (e->trigger) hm_buf_printf(&h->log, " trigger=%s", e->trigger);
  if (e->why) hm_buf_printf(&h->log, " why=%s", e->why);
  if (e->detail) hm_buf_printf(&h->log, " detail=%s", e->detail);
  hm_buf_putc(&h->log, '\n');
}

/* builtins for CALL: 0 = upper-ish (prefix "U:"), 1 = always fails */
static int b_tag(hm_bctx *c, int argc, const hm_value *argv, hm_value *out) {
  (void)argc;
  hm_value s = hv_to_str(c->arena, argv[0]);
  *out = hv_str(hm_arena_printf(c->arena, "U:%s", s.u.str));
  if (s.len > 3) c->flag(c->user, HM_SEV_INFO, "long text");
  return 0;
}
static int b_fail(hm_bctx *c, int argc, const hm_value *argv, hm_value *out) {
  (void)argc; (void)argv;
  c->error = "not a date";
  *out = hv_missing(HM_WHY_PARSE);
  return -1;
}
static const hm_builtin test_builtins[] = {
  {.name = "tag", .min_args = 1, .max_args = 1, .fn = b_tag},
  {.name = "fail", .min_args = 1, .max_args = 1, .fn = b_fail},
};

static int failures;

static void run_case(const char *name, tp *t, hm_value *cols, uint32_t ncols, hm_value children,
                     hm_vm_status want_status, const char *want_log) {
  log_host h;
  hm_buf_init(&h.log);
  h.children = children;
  hm_vm_host host = {.user = &h,
                     .lookup = h_lookup,
                     .agent = h_agent,
                     .children = h_children,
                     .emit = h_emit,
                     .event = h_event};
  hm_vm *vm = hm_vm_new(&t->p, &host, test_builtins, 2);
  hm_arena a;
  hm_arena_init(&a, 4096);
  hm_vm_record rec = {cols, ncols, hv_null()};
  hm_vm_status st = hm_vm_run(vm, 0, false, &rec, &a);
  if (st == HM_VM_ERROR) hm_buf_printf(&h.log, "error %s\n", hm_vm_error(vm));
  const char *got = hm_buf_cstr(&h.log);
  if (st != want_status || strcmp(got, want_log)) {
    fprintf(stderr, "FAIL %s: status %d (want %d)\n--- got\n%s--- want\n%s", name, st, want_status,
            got, want_log);
    failures++;
  }
  hm_arena_free(&a);
  hm_buf_free(&h.log);
  hm_vm_free(vm);
}

#define I(op, a) HM_INS(HOP_##op, a)
#define I0(op) HM_INS(HOP_##op, 0)
#define IAB(op, a, b) HM_INS_AB(HOP_##op, a, b)
#define RUN(name, t, cols, n, ch, st, log) run_case(name, t, cols, n, ch, st, log)

static void test_defaults_and_concat(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {
    I(BEGIN, 0), I(PUSHK, K(&t, "itop:")), I(LOADCOL, 0), I0(ADD),   /* 0-3 */
    I(SETTGT, 0), I(LOADCOL, 1), I(JMPSOME, 9), I(PUSHK, K(&t, "(none)")), /* 4-7 */
    I(FLAGWHY, 0), I(SETTGT, 1), I0(EMIT), I0(RET)};                  /* 8-11 */
  tp_code(&t, code, 12);
  hm_value cols1[] = {hv_num(7)};   /* title column absent */
  RUN("?? on missing", &t, cols1, 1, hv_missing(0), HM_VM_EMITTED,
      "event k0 s1 \"no title: default\" map.hmap:7:13 field=subject trigger=missing why=absent\n"
      "emit r0 t0 {\"external_id\":\"itop:7\",\"subject\":\"(none)\"}\n");
  hm_value cols2[] = {hv_str("7"), hv_null()};
  RUN("?? on null", &t, cols2, 2, hv_missing(0), HM_VM_EMITTED,
      "event k0 s1 \"no title: default\" map.hmap:7:13 field=subject trigger=null\n"
      "emit r0 t0 {\"external_id\":\"itop:7\",\"subject\":\"(none)\"}\n");
  hm_value cols3[] = {hv_str("7"), hv_str("")};   /* "" is a value: no default */
  RUN("?? keeps empty", &t, cols3, 2, hv_missing(0), HM_VM_EMITTED,
      "emit r0 t0 {\"external_id\":\"itop:7\",\"subject\":\"\"}\n");
}

static void test_guard(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {I(LOADCOL, 1), I(PUSHK, K(&t, "rejected")), I0(NE), I(JMPF, 6),
                     I(BEGIN, 0), I0(EMIT), I0(RET)};
  tp_code(&t, code, 7);
  hm_value c1[] = {hv_str("1"), hv_str("rejected")};
  RUN("guard false", &t, c1, 2, hv_missing(0), HM_VM_GUARDED, "");
  hm_value c2[] = {hv_str("1"), hv_str("open")};
  RUN("guard true", &t, c2, 2, hv_missing(0), HM_VM_EMITTED, "emit r0 t0 {}\n");
}

static void test_match(void) {
  tp t; tp_init(&t);
  t.arms[0] = (hm_match_arm){K(&t, "1"), 3};
  t.arms[1] = (hm_match_arm){K(&t, "2"), 5};
  t.arms[2] = (hm_match_arm){K(&t, "3"), 5};
  t.m[0] = (hm_match){3, t.arms, 7};
  t.p.nmatches = 1;
  uint32_t code[] = {I(BEGIN, 0), I(LOADCOL, 0), I(MATCH, 0),
                     I(PUSHK, K(&t, "critical")), I(JMP, 8),
                     I(PUSHK, K(&t, "high")), I(JMP, 8),
                     I(PUSHK, K(&t, "low")),
                     I(SETTGT, 1), I0(EMIT), I0(RET)};
  tp_code(&t, code, 11);
  hm_value c1[] = {hv_num(3)};   /* a number matches the arm "3" */
  RUN("match number vs string arm", &t, c1, 1, hv_missing(0), HM_VM_EMITTED,
      "emit r0 t0 {\"subject\":\"high\"}\n");
  hm_value c2[] = {hv_str("9")};
  RUN("match default", &t, c2, 1, hv_missing(0), HM_VM_EMITTED,
      "emit r0 t0 {\"subject\":\"low\"}\n");
  hm_value c3[] = {hv_str("1")};
  RUN("match first arm", &t, c3, 1, hv_missing(0), HM_VM_EMITTED,
      "emit r0 t0 {\"subject\":\"critical\"}\n");
}

static void test_each(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {
    I(BEGIN, 0), I0(NEWLIST), I(CHILDREN, 1), I(ITER, 0),          /* 0-3 */
    IAB(NEXT, 15, 0), I(STORELOCAL, 1), I(BEGIN, 1), I(LOADLOCAL, 1), /* 4-7 */
    I(GETFIELD, K(&t, "body")), I(JMPSOME, 11), I(SKIPCHILD, 1),      /* 8-10 */
    I(SETTGT, 0), I0(ENDREC), I0(APPEND), I(JMP, 4),                  /* 11-14 */
    I(SETTGT, 2), I(LOSSY, 3), I0(EMIT), I0(RET)};                    /* 15-18 */
  tp_code(&t, code, 19);
  hm_arena a; hm_arena_init(&a, 4096);
  hm_value kids = hv_list_new(&a, 3);
  const char *bodies[] = {"first", NULL, "third"};
  for (int i = 0; i < 3; i++) {
    hm_value r = hv_rec_new(&a, 2);
    hv_rec_set(&a, &r, "n", hv_num(i));
    if (bodies[i]) hv_rec_set(&a, &r, "body", hv_str(bodies[i]));
    hv_list_push(&a, &kids, r);
  }
  hm_value c[] = {hv_str("5")};
  RUN("each with skip", &t, c, 1, kids, HM_VM_EMITTED,
      "event k3 s0 \"comment without body\" map.hmap:9:5\n"
      "event k2 s0 \"html dropped\" map.hmap:12:3\n"
      "emit r0 t0 {\"messages\":[{\"body_text\":\"first\"},{\"body_text\":\"third\"}]}\n");
  RUN("each over nothing", &t, c, 1, hv_list_new(&a, 0), HM_VM_EMITTED,
      "event k2 s0 \"html dropped\" map.hmap:12:3\n"
      "emit r0 t0 {\"messages\":[]}\n");
  hm_arena_free(&a);
}

/* The compiler's shape: CHILDREN; ITER; NEWLIST; head: NEXT; STORELOCAL; where
 * (JMPF head); BEGIN; ...; ENDREC; APPEND; JMP head. An inner each over a
 * list field of the element, with a SKIPCHILD in the inner loop only. */
static void test_nested_each_where(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {
    I(BEGIN, 0), I(CHILDREN, 1), I(ITER, 0), I0(NEWLIST),                /* 0-3 */
    IAB(NEXT, 29, 0), I(STORELOCAL, 1),                                  /* 4-5 */
    I(LOADLOCAL, 1), I(GETFIELD, K(&t, "keep")), I(JMPF, 4),              /* 6-8  where c.keep */
    I(BEGIN, 1),                                                         /* 9 */
    I(LOADLOCAL, 1), I(GETFIELD, K(&t, "parts")), I(ITER, 2), I0(NEWLIST), /* 10-13 */
    IAB(NEXT, 23, 2), I(STORELOCAL, 3),                                  /* 14-15 */
    I(LOADLOCAL, 3), I(JMPSOME, 19), I(SKIPCHILD, 1),                    /* 16-18 */
    I(PUSHK, K(&t, "+")), I0(ADD), I0(APPEND), I(JMP, 14),               /* 19-22 */
    I(SETTGT, 0), I0(ENDREC), I0(APPEND), I(JMP, 4), I0(NOP), I0(NOP),   /* 23-28 */
    I(SETTGT, 2), I0(EMIT), I0(RET)};                                    /* 29-31 */
  tp_code(&t, code, sizeof code / sizeof *code);
  hm_arena a; hm_arena_init(&a, 4096);
  hm_value kids = hv_list_new(&a, 3);
  for (int i = 0; i < 3; i++) {
    hm_value r = hv_rec_new(&a, 2), parts = hv_list_new(&a, 3);
    hv_list_push(&a, &parts, hv_str(i == 0 ? "a" : "b"));
    if (i == 2) hv_list_push(&a, &parts, hv_null());
    hv_list_push(&a, &parts, hv_str("c"));
    hv_rec_set(&a, &r, "keep", hv_bool(i != 1));
    hv_rec_set(&a, &r, "parts", parts);
    hv_list_push(&a, &kids, r);
  }
  t.rule.body.nslots = 4;
  hm_value c[] = {hv_str("5")};
  RUN("nested each, where, skip in the inner loop", &t, c, 1, kids, HM_VM_EMITTED,
      "event k3 s0 \"comment without body\" map.hmap:9:5\n"
      "emit r0 t0 "
      "{\"messages\":[{\"body_text\":[\"a+\",\"c+\"]},{\"body_text\":[\"b+\",\"c+\"]}]}\n");
  hm_arena_free(&a);
}

/* AGENTOR runs one program with tp's rule: customer := AGENTOR(e, f, flag). */
static void agent_or_case(const char *name, hm_value *cols, uint32_t flag, const char *fb,
                          const char *want) {
  tp t; tp_init(&t);
  uint32_t code[] = {I(BEGIN, 0), I(LOADCOL, 0), I(PUSHK, K(&t, fb)), I(AGENTOR, flag),
                     I(SETTGT, 3), I0(EMIT), I0(RET)};
  tp_code(&t, code, sizeof code / sizeof *code);
  RUN(name, &t, cols, 1, hv_missing(0), HM_VM_EMITTED, want);
}

/* agent(a) ?? agent(b) flag ...: one instruction, nothing run speculatively.
 * An agent only the run can look up carries b and the flag text, with no
 * event (the run raises it if it takes b); a missing a takes b and raises the
 * flag now; a planned a or an unusable b needs no fallback. */
static void test_agent_or(void) {
  hm_value rt[] = {hv_str("a@x")}, none[] = {hv_missing(HM_WHY_ABSENT)};
  hm_value planned[] = {hv_str("planned@x")}, gone[] = {hv_str("gone@x")};
  agent_or_case("agentor: run-time agent carries its fallback", rt, 0, "b@x",
                "emit r0 t0 {\"customer\":{\"$ref\":\"agent\",\"key\":\"a@x\","
                "\"fallback\":\"b@x\",\"flag\":\"no title: default\",\"flag_sev\":1}}\n");
  agent_or_case("agentor: no flag", rt, HM_OP_NOANNOT, "b@x",
                "emit r0 t0 {\"customer\":{\"$ref\":\"agent\",\"key\":\"a@x\","
                "\"fallback\":\"b@x\"}}\n");
  agent_or_case("agentor: missing e-mail takes the fallback", none, 0, "b@x",
                "event k0 s1 \"no title: default\" map.hmap:7:13 field=subject trigger=missing "
                "why=lookup\n"
                "emit r0 t0 {\"customer\":{\"$ref\":\"agent\",\"key\":\"b@x\"}}\n");
  agent_or_case("agentor: unknown agent takes the fallback", gone, 0, "b@x",
                "event k0 s1 \"no title: default\" map.hmap:7:13 field=subject trigger=missing "
                "why=lookup\n"
                "emit r0 t0 {\"customer\":{\"$ref\":\"agent\",\"key\":\"b@x\"}}\n");
  agent_or_case("agentor: planned agent needs no fallback", planned, 0, "b@x",
                "emit r0 t0 {\"customer\":{\"$ref\":\"object\",\"object\":\"Staff\","
                "\"key\":\"7\"}}\n");
  agent_or_case("agentor: fallback is the agent itself", rt, 0, "a@x",
                "emit r0 t0 {\"customer\":{\"$ref\":\"agent\",\"key\":\"a@x\"}}\n");
  agent_or_case("agentor: unusable fallback", rt, 0, "gone@x",
                "emit r0 t0 {\"customer\":{\"$ref\":\"agent\",\"key\":\"a@x\"}}\n");
  agent_or_case("agentor: neither exists", none, 0, "gone@x", "emit r0 t0 {}\n");
}

static void test_lookup_reject(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {I(BEGIN, 0), I(LOADCOL, 0), I(LOOKUP, 0), I(JMPSOME, 5), I(REJECT, 2),
                     I(SETTGT, 3), I0(EMIT), I0(RET)};
  tp_code(&t, code, 8);
  hm_value c1[] = {hv_str("42")};
  RUN("lookup hit", &t, c1, 1, hv_missing(0), HM_VM_EMITTED,
      "emit r0 t0 {\"customer\":{\"$ref\":\"object\",\"object\":\"Req\",\"key\":\"42\"}}\n");
  hm_value c2[] = {hv_str("43")};
  RUN("lookup miss rejects", &t, c2, 1, hv_missing(0), HM_VM_REJECTED,
      "event k1 s0 \"no customer\" map.hmap:11:3 field=customer trigger=missing why=lookup\n");
  hm_value c3[] = {hv_null()};
  RUN("lookup of null rejects", &t, c3, 1, hv_missing(0), HM_VM_REJECTED,
      "event k1 s0 \"no customer\" map.hmap:11:3 field=customer trigger=missing why=lookup\n");
}

static void test_call_and_settings(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {I(BEGIN, 0), I(LOADCOL, 1), IAB(CALL, 0, 1), I(SETTGT, 1),   /* 0-3 */
                     I(LOADCOL, 0), IAB(CALL, 1, 1), I(JMPSOME, 9), I(LOADSET, 1), /* 4-7 */
                     I(FLAGWHY, 0), I(SETTGT, 0), I0(EMIT), I0(RET)};               /* 8-11 */
  tp_code(&t, code, 12);
  hm_value c[] = {hv_str("x"), hv_str("hello")};
  /* the builtin's own flag names the line of its CALL (pc 2 -> line 4 col 1) */
  RUN("call, builtin flag, failing builtin", &t, c, 2, hv_missing(0), HM_VM_EMITTED,
      "event k16 s0 \"long text\" map.hmap:4:1\n"
      "event k0 s1 \"no title: default\" map.hmap:7:13 field=subject trigger=missing why=parse "
      "detail=not a date\n"
      "emit r0 t0 {\"subject\":\"U:hello\",\"external_id\":\"lead@example.com\"}\n");

  log_host h; hm_buf_init(&h.log);
  hm_vm_host host = {.user = &h};
  hm_vm *vm = hm_vm_new(&t.p, &host, test_builtins, 2);
  char err[128];
  if (hm_vm_set(vm, "limit", "12.5", err, sizeof err) || hm_vm_setting(vm, "limit").u.num != 12.5) {
    fprintf(stderr, "FAIL --set number\n"); failures++;
  }
  if (hm_vm_setting(vm, "agent").len != 16) {
    fprintf(stderr, "FAIL setting default\n");
    failures++;
  }
  if (hm_vm_set(vm, "limit", "lots", err, sizeof err) == 0 ||
      strcmp(err, "setting limit expects a number, got \"lots\"")) {
    fprintf(stderr, "FAIL bad --set value: %s\n", err); failures++;
  }
  if (hm_vm_set(vm, "nope", "1", err, sizeof err) == 0 || strcmp(err, "unknown setting \"nope\"")) {
    fprintf(stderr, "FAIL unknown --set: %s\n", err); failures++;
  }
  hm_vm_set(vm, "agent", "other@example.com", err, sizeof err);
  if (strcmp(hm_vm_setting(vm, "agent").u.str, "other@example.com")) {
    fprintf(stderr, "FAIL --set string\n");
    failures++;
  }
  hm_vm_free(vm);
  hm_buf_free(&h.log);
}

static void test_arith(void) {
  tp t; tp_init(&t);
  /* list of results: 7-"2", 1/0, null+"x", "10" > 9, "abc" =~ "^a.c$", -"3", "a"+1, [1]+[2] */
  uint32_t code[] = {I(BEGIN, 0),
                     I0(NEWLIST),
                     I(PUSHK, KN(&t, 7)),
                     I(PUSHK, K(&t, "2")),
                     I0(SUB),
                     I0(APPEND),
                     I(PUSHK, KN(&t, 1)),
                     I(PUSHK, KN(&t, 0)),
                     I0(DIV),
                     I0(APPEND),
                     I0(PUSHNULL),
                     I(PUSHK, K(&t, "x")),
                     I0(ADD),
                     I0(APPEND),
                     I(PUSHK, K(&t, "10")),
                     I(PUSHK, KN(&t, 9)),
                     I0(GT),
                     I0(APPEND),
                     I(PUSHK, K(&t, "abc")),
                     I(PUSHK, K(&t, "^a.c$")),
                     I0(MATCHRE),
                     I0(APPEND),
                     I(PUSHK, K(&t, "3")),
                     I0(NEG),
                     I0(APPEND),
                     I(PUSHK, K(&t, "a")),
                     I(PUSHK, KN(&t, 1.5)),
                     I0(ADD),
                     I0(APPEND),
                     I0(NEWLIST),
                     I(PUSHK, KN(&t, 1)),
                     I0(APPEND),
                     I0(NEWLIST),
                     I(PUSHK, KN(&t, 2)),
                     I0(APPEND),
                     I0(ADD),
                     I0(APPEND),
                     I0(NEWREC),
                     I(PUSHK, K(&t, "v")),
                     I(SETREC, K(&t, "k")),
                     I0(DUP),
                     I(GETFIELD, K(&t, "k")),
                     I0(POP),
                     I(PUSHK, K(&t, "k")),
                     I0(INDEX),
                     I0(APPEND),
                     I(PUSHK, KN(&t, 7)),
                     I(PUSHK, KN(&t, 3)),
                     I0(MOD),
                     I0(APPEND),
                     I0(PUSHMISSING),
                     I0(NOT),
                     I0(APPEND),
                     I(SETTGT, 2),
                     I0(EMIT),
                     I0(RET)};
  tp_code(&t, code, sizeof code / sizeof *code);
  RUN("arithmetic", &t, NULL, 0, hv_missing(0), HM_VM_EMITTED,
      "emit r0 t0 {\"messages\":[5,null,true,true,-3,\"a1.5\",1,2,\"v\",1,true]}\n");
}

static void test_fault(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {I0(NOP), I0(NOP), I0(NOP), I0(POP), I0(RET)};
  tp_code(&t, code, 5);
  RUN("stack underflow faults", &t, NULL, 0, hv_missing(0), HM_VM_ERROR,
      "error map.hmap:5:9: stack underflow (rule Req -> Ticket, pc 3)\n");
  uint32_t code2[] = {I0(NOP)};
  tp_code(&t, code2, 1);
  RUN("running off the end faults", &t, NULL, 0, hv_missing(0), HM_VM_ERROR,
      "error map.hmap:4:1: ran past the end of the code (rule Req -> Ticket, pc 1)\n");
}

/* SETTGT appends a field it knows absent without a search: a second SETTGT
 * replaces, APPENDTGT accumulates, two fields with one name share a member, and
 * a missing value leaves the field unset. */
static void test_settgt(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {I(BEGIN, 0),     I(PUSHK, K(&t, "a")),
                     I(SETTGT, 1),    I(PUSHK, K(&t, "b")),
                     I(SETTGT, 0),    I(PUSHK, K(&t, "c")),
                     I(SETTGT, 1),    I(PUSHK, K(&t, "x")),
                     I(APPENDTGT, 2), I(PUSHK, K(&t, "y")),
                     I(APPENDTGT, 2), I0(PUSHMISSING),
                     I(SETTGT, 3),    I0(EMIT),
                     I0(RET)};
  tp_code(&t, code, sizeof code / sizeof *code);
  RUN("settgt replaces, appendtgt accumulates", &t, NULL, 0, hv_missing(0), HM_VM_EMITTED,
      "emit r0 t0 {\"subject\":\"c\",\"external_id\":\"b\",\"messages\":[\"x\",\"y\"]}\n");
  t.tf[0][3].name = K(&t, "subject");
  uint32_t code2[] = {
      I(BEGIN, 0), I(PUSHK, K(&t, "a")), I(SETTGT, 1), I(PUSHK, K(&t, "b")), I(SETTGT, 3), I0(EMIT),
      I0(RET)};
  tp_code(&t, code2, sizeof code2 / sizeof *code2);
  RUN("two target fields of one name", &t, NULL, 0, hv_missing(0), HM_VM_EMITTED,
      "emit r0 t0 {\"subject\":\"b\"}\n");
  uint32_t code3[] = {I(BEGIN, 0),     I(PUSHK, K(&t, "x")), I(APPENDTGT, 3), I(PUSHK, K(&t, "y")),
                      I(APPENDTGT, 1), I(PUSHK, K(&t, "z")), I(APPENDTGT, 3), I0(EMIT),
                      I0(RET)};
  tp_code(&t, code3, sizeof code3 / sizeof *code3);
  RUN("appends to two target fields of one name", &t, NULL, 0, hv_missing(0), HM_VM_EMITTED,
      "emit r0 t0 {\"subject\":[\"x\",\"y\",\"z\"]}\n");
}

/* A host that adds a member to the object it is handed. */
static void h_emit_adds(void *u, uint32_t rule, bool after, uint32_t target, hm_value obj) {
  h_emit(u, rule, after, target, obj);
  static char name[] = "external_id";   /* not the constant pool's pointer */
  hv_rec_set(NULL, &obj, name, hv_str("host"));
}

/* After EMIT the host holds the object and may change it: a later SETTGT of a
 * member the host added replaces it. */
static void test_settgt_after_emit(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {I(BEGIN, 0), I(PUSHK, K(&t, "a")), I(SETTGT, 1), I0(EMIT),
                     I(PUSHK, K(&t, "z")), I(SETTGT, 0), I0(EMIT), I0(RET)};
  tp_code(&t, code, sizeof code / sizeof *code);
  log_host h;
  hm_buf_init(&h.log);
  hm_vm_host host = {.user = &h, .emit = h_emit_adds};
  hm_vm *vm = hm_vm_new(&t.p, &host, test_builtins, 2);
  hm_arena a;
  hm_arena_init(&a, 4096);
  hm_vm_record rec = {NULL, 0, hv_null()};
  hm_vm_status st = hm_vm_run(vm, 0, false, &rec, &a);
  const char *want = "emit r0 t0 {\"subject\":\"a\"}\n"
                     "emit r0 t0 {\"subject\":\"a\",\"external_id\":\"z\"}\n";
  if (st != HM_VM_EMITTED || strcmp(hm_buf_cstr(&h.log), want)) {
    fprintf(stderr, "FAIL settgt after emit: status %d\n--- got\n%s--- want\n%s", st,
            hm_buf_cstr(&h.log), want);
    failures++;
  }
  hm_arena_free(&a);
  hm_buf_free(&h.log);
  hm_vm_free(vm);
}

/* A target that ENDREC handed out as a value (changed there by SETREC) and
 * that SKIPCHILD makes current again: SETTGT must
 * still find the member SETREC added. */
static void test_settgt_resurrected(void) {
  tp t; tp_init(&t);
  uint32_t ext = K(&t, "external_id");
  uint32_t code[] = {I(BEGIN, 0),
                     I(PUSHK, K(&t, "a")),
                     I(SETTGT, 1),
                     I(CHILDREN, 1),
                     I(ITER, 0), /* 0-4 */
                     IAB(NEXT, 11, 0),
                     I0(POP),
                     I0(ENDREC),
                     I(PUSHK, K(&t, "s")),
                     I(SETREC, ext), /* 5-9 */
                     I(SKIPCHILD, 1), /* 10 */
                     I(PUSHK, K(&t, "z")),
                     I(SETTGT, 0),
                     I0(EMIT),
                     I0(RET)}; /* 11-14 */
  tp_code(&t, code, sizeof code / sizeof *code);
  hm_arena a; hm_arena_init(&a, 4096);
  hm_value kids = hv_list_new(&a, 1);
  hv_list_push(&a, &kids, hv_str("k"));
  RUN("settgt after a skip", &t, NULL, 0, kids, HM_VM_EMITTED,
      "event k3 s0 \"comment without body\" map.hmap:9:5\n"
      "emit r0 t0 {\"subject\":\"a\",\"external_id\":\"z\"}\n");
  hm_arena_free(&a);
}

/* Deeper than the VM's first stack (64 values): everything pushed survives
 * the stack's growth. */
static void test_deep_stack(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {I(BEGIN, 0),      I(PUSHK, KN(&t, 0)),
                     I(CHILDREN, 1),   I(STORELOCAL, 1), /* 0-3 */
                     I(LOADLOCAL, 1),  I(ITER, 0),
                     IAB(NEXT, 8, 0),  I(JMP, 6), /* 4-7 */
                     I(LOADLOCAL, 1),  I(ITER, 0),
                     IAB(NEXT, 14, 0), I0(POP),
                     I0(ADD),          I(JMP, 10), /* 8-13 */
                     I(SETTGT, 1),     I0(EMIT),
                     I0(RET)}; /* 14-16 */
  tp_code(&t, code, sizeof code / sizeof *code);
  hm_arena a; hm_arena_init(&a, 4096);
  hm_value kids = hv_list_new(&a, 100);
  for (int i = 1; i <= 100; i++) hv_list_push(&a, &kids, hv_num(i));
  RUN("a stack of 101 values", &t, NULL, 0, kids, HM_VM_EMITTED, "emit r0 t0 {\"subject\":5050}\n");
  hm_arena_free(&a);
}

/* Faults and builtin flags after a jump name the instruction that raised them. */
static void test_location_after_jump(void) {
  tp t; tp_init(&t);
  uint32_t code[] = {I(JMP, 2), I0(RET), I0(PUSHNULL), I(MATCH, 5), I0(RET)};
  tp_code(&t, code, sizeof code / sizeof *code);
  RUN("fault after a jump", &t, NULL, 0, hv_missing(0), HM_VM_ERROR,
      "error map.hmap:5:9: bad match table (rule Req -> Ticket, pc 3)\n");
  uint32_t code2[] = {I(BEGIN, 0), I(JMP, 3), I0(RET), I(LOADCOL, 1), IAB(CALL, 0, 1), I(SETTGT, 1),
                      I0(EMIT), I0(RET)};
  tp_code(&t, code2, sizeof code2 / sizeof *code2);
  hm_value c[] = {hv_str("x"), hv_str("hello")};
  RUN("builtin flag after a jump", &t, c, 2, hv_missing(0), HM_VM_EMITTED,
      "event k16 s0 \"long text\" map.hmap:5:9\n"
      "emit r0 t0 {\"subject\":\"U:hello\"}\n");
  uint32_t code3[] = {I(JMP, 3), I0(RET), I0(RET), I(JMP, 40)};
  tp_code(&t, code3, sizeof code3 / sizeof *code3);
  RUN("a jump past the end faults", &t, NULL, 0, hv_missing(0), HM_VM_ERROR,
      "error map.hmap:5:9: ran past the end of the code (rule Req -> Ticket, pc 40)\n");
}

int main(void) {
  test_defaults_and_concat();
  test_guard();
  test_match();
  test_each();
  test_nested_each_where();
  test_lookup_reject();
  test_agent_or();
  test_call_and_settings();
  test_arith();
  test_fault();
  test_settgt();
  test_settgt_after_emit();
  test_settgt_resurrected();
  test_deep_stack();
  test_location_after_jump();
  if (failures) { fprintf(stderr, "%d failure(s)\n", failures); return 1; }
  puts("vm: all cases pass");
  return 0;
}
