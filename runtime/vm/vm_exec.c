/* hm_vm: a plain switch-dispatched stack machine over the instructions of
 * common/hm_opcodes.def (the one place they are defined). It trusts the
 * indexes hm_bc_load verified but still bounds-checks its stacks, so a
 * hand-built or buggy program faults with a message instead of crashing.
 *
 * Semantics worth knowing (docs/language.md):
 * - missing, null and "" stay distinct; arithmetic on missing stays missing
 *   (keeping the reason), on null gives null, so `??` can still catch it and
 *   FLAGWHY can say which nothing it was;
 * - `+` with a string on either side concatenates text forms, because maps
 *   build ids like "itop:UserRequest:" + src.id where id may be a JSON number;
 * - comparisons and match arms treat a number and a numeric string as equal,
 *   because CSV cells are always strings; `x == null` holds for a missing x;
 * - `=~` is the builtins' `matches` (one regex dialect in a map), POSIX ERE
 *   only when the VM is given no such builtin (unit tests);
 * - AGENTOR chooses between two agents; when the first is known only at run
 *   time, its reference carries the second and its flag for the run to apply
 *   (agent_or). */
#include "hm_vm.h"
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* set: bit f clear means field f is surely not in rec yet, so SETTGT can append
   without hv_rec_set's search; set bits (and fields past 63) take the search. */
typedef struct vm_tgt { uint32_t target; hm_value rec; uint64_t set; } vm_tgt;
/* A target's field names as hm_vm_const gives them; distinct: no two are equal
   strings, so a field's bit alone tells whether its name is in the record. */
typedef struct vm_tinfo { const char **names; uint32_t nfields; bool distinct; } vm_tinfo;
typedef struct vm_loop { uint32_t slot, next_pc, sp, tdepth; } vm_loop;
typedef struct vm_regex { char *pattern; regex_t re; int ok; } vm_regex;

struct hm_vm {
  const hm_program *p;
  const hm_vm_host *host;
  const hm_builtin *builtins;
  int nbuiltins;
  hm_value *kv;               /* const_value of every constant, made once */
  vm_tinfo *tinfo;            /* per target */
  const char **tnames;        /* the names tinfo points into */
  hm_value *settings;
  hm_arena set_arena;
  struct hm_std_state *std;   /* builtins' caches, owned by the caller */
  hm_value *stack; uint32_t sp, stack_cap;
  hm_value *slots; uint32_t *slot_pos; uint32_t nslots;
  vm_tgt *tgts; uint32_t ntgt, tgt_cap;
  vm_loop *loops; uint32_t nloop, loop_cap;
  vm_regex *res; uint32_t nres;
  int matches_fn; /* the builtins' `matches` (PCRE2), so =~ and matches() agree; -1: POSIX here */
  /* the nothing the last failed JMPSOME dropped, for FLAGWHY */
  hm_value last_nothing;
  const char *last_detail;
  const char *call_error;     /* the last failing builtin's reason, until a ?? takes it */
  /* the last failing builtin had nothing to read (its first argument blank), and
     last_blank: so had the one behind last_nothing (FLAGFAIL reports neither) */
  bool call_blank, last_blank;
  /* where we are, for events raised by builtins */
  uint32_t rule; const hm_code *code; uint32_t pc, cur;   /* cur: the executing instruction */
  hm_arena *arena;
  bool emitted;
  char err[256];
};

static hm_value const_value(const hm_program *p, uint32_t k) {
  const hm_const *c = &p->consts[k];
  if (c->kind == HK_NUM) return hv_num(c->num);
  return hv_strn(c->str ? c->str : "", c->len);
}

/* ---- settings -------------------------------------------------------- */

static int parse_setting(hm_type t, const char *text, hm_value *out, hm_arena *a) {
  if (t == HT_NUM) {
    char *end;
    double d = strtod(text, &end);
    if (!*text || *end || !isfinite(d)) return -1;
    *out = hv_num(d);
  } else if (t == HT_BOOL) {
    if (!strcmp(text, "true") || !strcmp(text, "1")) *out = hv_bool(true);
    else if (!strcmp(text, "false") || !strcmp(text, "0")) *out = hv_bool(false);
    else return -1;
  } else {
    *out = a ? hv_str_copy(a, text, strlen(text)) : hv_str(text);
  }
  return 0;
}

/* --set values outlive every record: they live in the VM's own arena. */
static hm_arena *settings_arena(hm_vm *vm) { return &vm->set_arena; }

static hm_value scalar_default(const hm_program *p, hm_type type, uint32_t k) {
  if (k >= p->nconsts) return hv_null();
  hm_value v = const_value(p, k);
  if (type == HT_BOOL) {
    if (v.kind == HV_NUM) return hv_bool(v.u.num != 0);
    return hv_bool(v.len == 4 && !memcmp(v.u.str, "true", 4));
  }
  if (type == HT_NUM && v.kind == HV_STR) return hv_num(strtod(v.u.str, NULL));
  return v;
}

static hm_value setting_default(const hm_program *p, const hm_setting *s, hm_arena *a) {
  if (s->type != HT_LIST) return scalar_default(p, (hm_type)s->type, s->def);
  hm_value l = hv_list_new(a, s->nitems);
  for (uint32_t i = 0; i < s->nitems; i++)
    hv_list_push(a, &l, scalar_default(p, (hm_type)s->elem, s->items[i]));
  return l;
}

/* A list setting's --set: the items between commas, blanks around each trimmed, each
   typed as the declared items; "" is the empty list. 0, or -1 with the bad item (its
   number from 1, and its text) in *bad and *item. */
static int parse_list_setting(hm_type elem, const char *text, hm_value *out, hm_arena *a,
                              int *bad, const char **item) {
  hm_value l = hv_list_new(a, 4);
  for (const char *p = text; *text;) {   /* "" is the empty list; else one item per comma */
    const char *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    while (n && (*p == ' ' || *p == '\t')) { p++; n--; }
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    *item = hm_arena_strndup(a, p, n);
    *bad = (int)l.u.list->n + 1;
    hm_value v;
    if (!n || parse_setting(elem, *item, &v, a)) return -1;
    hv_list_push(a, &l, v);
    if (!end) break;
    p = end + 1;
  }
  *out = l;
  return 0;
}

static int set_list(hm_vm *vm, uint32_t i, const char *text, char *err, size_t errlen) {
  const hm_setting *s = &vm->p->settings[i];
  const char *item = "", *ty = hm_type_name((hm_type)s->elem);
  int bad = 0;
  if (!parse_list_setting((hm_type)s->elem, text, &vm->settings[i], settings_arena(vm), &bad,
                          &item))
    return 0;
  char why[160];
  if (*item) snprintf(why, sizeof why, ", \"%.60s\", is not a %s", item, ty);
  else snprintf(why, sizeof why, " is empty");
  snprintf(err, errlen, "setting %s expects a list of %ss written a,b,c (\"\" for none), got "
           "\"%s\": item %d%s", hm_vm_const(vm->p, s->name), ty, text, bad, why);
  return -1;
}

int hm_vm_set(hm_vm *vm, const char *name, const char *text, char *err, size_t errlen) {
  for (uint32_t i = 0; i < vm->p->nsettings; i++) {
    const hm_setting *s = &vm->p->settings[i];
    if (strcmp(hm_vm_const(vm->p, s->name), name)) continue;
    if (s->type == HT_LIST) return set_list(vm, i, text, err, errlen);
    if (parse_setting((hm_type)s->type, text, &vm->settings[i], settings_arena(vm))) {
      snprintf(err, errlen, "setting %s expects a %s, got \"%s\"", name,
               hm_type_name((hm_type)s->type), text);
      return -1;
    }
    return 0;
  }
  snprintf(err, errlen, "unknown setting \"%s\"", name);
  return -1;
}

hm_value hm_vm_setting(const hm_vm *vm, const char *name) {
  for (uint32_t i = 0; i < vm->p->nsettings; i++)
    if (!strcmp(hm_vm_const(vm->p, vm->p->settings[i].name), name)) return vm->settings[i];
  return hv_missing(HM_WHY_ABSENT);
}

/* ---- life cycle ------------------------------------------------------ */

static uint32_t max_slots(const hm_program *p) {
  uint32_t n = 1;
  for (uint32_t r = 0; r < p->nrules; r++) {
    if (p->rules[r].body.nslots > n) n = p->rules[r].body.nslots;
    if (p->rules[r].after.nslots > n) n = p->rules[r].after.nslots;
  }
  return n;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted, equal names are neighbours: n log n, whatever a loaded file holds. */
static bool names_distinct(const char **names, uint32_t n) {
  if (n < 2) return true;
  const char **v = malloc(n * sizeof *v);
  if (!v) abort();
  memcpy(v, names, n * sizeof *v);
  qsort(v, n, sizeof *v, cmp_names);
  bool distinct = true;
  for (uint32_t i = 1; i < n && distinct; i++) distinct = strcmp(v[i - 1], v[i]) != 0;
  free(v);
  return distinct;
}

/* What PUSHK and SETTGT would otherwise work out on every instruction. */
static void make_tables(hm_vm *vm) {
  const hm_program *p = vm->p;
  vm->kv = malloc((p->nconsts + 1) * sizeof *vm->kv);
  vm->tinfo = calloc(p->ntargets + 1, sizeof *vm->tinfo);
  size_t total = 1;
  for (uint32_t t = 0; t < p->ntargets; t++) total += p->targets[t].nfields;
  vm->tnames = malloc(total * sizeof *vm->tnames);
  if (!vm->kv || !vm->tinfo || !vm->tnames) abort();
  for (uint32_t k = 0; k < p->nconsts; k++) vm->kv[k] = const_value(p, k);
  const char **next = vm->tnames;
  for (uint32_t t = 0; t < p->ntargets; t++) {
    const hm_target *tg = &p->targets[t];
    vm_tinfo *ti = &vm->tinfo[t];
    ti->names = next; ti->nfields = tg->nfields;
    for (uint32_t f = 0; f < tg->nfields; f++) next[f] = hm_vm_const(p, tg->fields[f].name);
    ti->distinct = names_distinct(ti->names, ti->nfields);
    next += tg->nfields;
  }
}

hm_vm *hm_vm_new(const hm_program *p, const hm_vm_host *host,
                 const hm_builtin *builtins, int nbuiltins) {
  hm_vm *vm = calloc(1, sizeof *vm);
  if (!vm) abort();
  vm->p = p; vm->host = host; vm->builtins = builtins; vm->nbuiltins = nbuiltins;
  vm->matches_fn = -1;
  for (int i = 0; i < nbuiltins; i++)
    if (builtins[i].name && !strcmp(builtins[i].name, "matches") && builtins[i].min_args <= 2 &&
        builtins[i].max_args >= 2)
      vm->matches_fn = i;
  vm->settings = calloc(p->nsettings + 1, sizeof(hm_value));
  if (!vm->settings) abort();
  hm_arena_init(settings_arena(vm), 4096);
  for (uint32_t i = 0; i < p->nsettings; i++)
    vm->settings[i] = setting_default(p, &p->settings[i], settings_arena(vm));
  vm->stack_cap = 64;
  vm->stack = malloc(vm->stack_cap * sizeof *vm->stack);
  vm->nslots = max_slots(p);
  vm->slots = calloc(vm->nslots, sizeof *vm->slots);
  vm->slot_pos = calloc(vm->nslots, sizeof *vm->slot_pos);
  vm->tgt_cap = 8; vm->tgts = malloc(vm->tgt_cap * sizeof *vm->tgts);
  vm->loop_cap = 8; vm->loops = malloc(vm->loop_cap * sizeof *vm->loops);
  if (!vm->stack || !vm->slots || !vm->slot_pos || !vm->tgts || !vm->loops) abort();
  make_tables(vm);
  return vm;
}

void hm_vm_free(hm_vm *vm) {
  if (!vm) return;
  for (uint32_t i = 0; i < vm->nres; i++) {
    if (vm->res[i].ok) regfree(&vm->res[i].re);
    free(vm->res[i].pattern);
  }
  free(vm->res);
  hm_arena_free(settings_arena(vm));
  free(vm->settings); free(vm->stack); free(vm->slots); free(vm->slot_pos);
  free(vm->tgts); free(vm->loops);
  free(vm->kv); free(vm->tinfo); free(vm->tnames);
  free(vm);
}

const char *hm_vm_error(const hm_vm *vm) { return vm->err; }

void hm_vm_set_std(hm_vm *vm, struct hm_std_state *std) { vm->std = std; }

void hm_vm_locate(const hm_code *c, uint32_t pc, uint32_t *line, uint32_t *col) {
  *line = 0; *col = 0;
  uint32_t lo = 0, hi = c->nlines;
  while (lo < hi) {   /* last entry with entry.pc <= pc */
    uint32_t mid = (lo + hi) / 2;
    if (c->lines[mid].pc <= pc) lo = mid + 1; else hi = mid;
  }
  if (lo) { *line = c->lines[lo - 1].line; *col = c->lines[lo - 1].col; }
}

/* ---- value helpers --------------------------------------------------- */

static const char *why_name(uint8_t why) {
  static const char *n[] = {"absent", "lookup", "parse", "nomatch", "empty"};
  return why < 5 ? n[why] : "absent";
}

static bool num_of(hm_value v, double *d) {
  if (v.kind == HV_NUM) { *d = v.u.num; return true; }
  if (v.kind == HV_STR && v.len) {
    char *end;
    *d = strtod(v.u.str, &end);
    return end == v.u.str + v.len && isfinite(*d);
  }
  return false;
}

/* A bit written as a word: "True"/"False" in any case (PowerShell's Export-Csv writes SQL
   bits so) is 1/0, else -1. */
static int bit_word(hm_value v) {
  if (v.kind != HV_STR) return -1;
  if (v.len == 4 && strncasecmp(v.u.str, "true", 4) == 0) return 1;
  if (v.len == 5 && strncasecmp(v.u.str, "false", 5) == 0) return 0;
  return -1;
}

/* Equality as maps expect it: 1 == "1" (CSV cells are strings), 1 == "True" and
 * 0 == "False" (a bit as a word: `src.IsDeleted == 1` must not silently turn false), and
 * `x == null` holds for a missing x too (an absent JSON member and a null one
 * mean the same to a comparison; `??` and the report still tell them apart). */
static bool loose_equal(hm_value a, hm_value b) {
  if (hv_is_nothing(a) && hv_is_nothing(b)) return true;
  if ((a.kind == HV_NUM) != (b.kind == HV_NUM) && (a.kind == HV_STR || b.kind == HV_STR)) {
    double x, y;
    int w = bit_word(a.kind == HV_STR ? a : b);
    if (w >= 0) return (a.kind == HV_NUM ? a.u.num : b.u.num) == w;
    return num_of(a, &x) && num_of(b, &y) && x == y;
  }
  return hv_equal(a, b);
}

/* Match arms are constants; `true`, `false` and `null` arms are stored as
 * their text, so a bool or null subject compares by that text. */
static bool arm_equal(hm_value v, hm_value arm) {
  if (arm.kind == HV_STR && v.kind == HV_BOOL)
    return arm.len == (v.u.b ? 4u : 5u) && !memcmp(arm.u.str, v.u.b ? "true" : "false", arm.len);
  if (arm.kind == HV_STR && hv_is_nothing(v)) return arm.len == 4 && !memcmp(arm.u.str, "null", 4);
  return loose_equal(v, arm);
}

/* missing wins over null so the reason of the first nothing survives. */
static bool nothing_result(hm_value a, hm_value b, hm_value *out) {
  if (a.kind == HV_MISSING) { *out = a; return true; }
  if (b.kind == HV_MISSING) { *out = b; return true; }
  if (a.kind == HV_NULL || b.kind == HV_NULL) { *out = hv_null(); return true; }
  return false;
}

static hm_value concat_lists(hm_arena *ar, hm_value a, hm_value b) {
  hm_value l = hv_list_new(ar, a.u.list->n + b.u.list->n);
  for (uint32_t i = 0; i < a.u.list->n; i++) hv_list_push(ar, &l, a.u.list->items[i]);
  for (uint32_t i = 0; i < b.u.list->n; i++) hv_list_push(ar, &l, b.u.list->items[i]);
  return l;
}

static hm_value op_add(hm_arena *ar, hm_value a, hm_value b) {
  hm_value r;
  if (nothing_result(a, b, &r)) return r;
  if (a.kind == HV_NUM && b.kind == HV_NUM) return hv_num(a.u.num + b.u.num);
  if (a.kind == HV_LIST && b.kind == HV_LIST) return concat_lists(ar, a, b);
  if (a.kind == HV_LIST) {
    hm_value l = concat_lists(ar, a, hv_list_new(ar, 0));
    hv_list_push(ar, &l, b);
    return l;
  }
  hm_value sa = hv_to_str(ar, a), sb = hv_to_str(ar, b);
  char *s = hm_arena_alloc(ar, (size_t)sa.len + sb.len + 1);
  memcpy(s, sa.u.str, sa.len);
  memcpy(s + sa.len, sb.u.str, sb.len);
  return hv_strn(s, (size_t)sa.len + sb.len);
}

static hm_value op_arith(hm_opcode op, hm_value a, hm_value b) {
  hm_value r;
  if (nothing_result(a, b, &r)) return r;
  double x, y;
  if (!num_of(a, &x) || !num_of(b, &y)) return hv_missing(HM_WHY_PARSE);
  switch (op) {
  case HOP_SUB: return hv_num(x - y);
  case HOP_MUL: return hv_num(x * y);
  case HOP_DIV: return y == 0 ? hv_missing(HM_WHY_PARSE) : hv_num(x / y);
  case HOP_MOD: return y == 0 ? hv_missing(HM_WHY_PARSE) : hv_num(fmod(x, y));
  default: return hv_missing(HM_WHY_PARSE);
  }
}

static hm_value op_compare(hm_opcode op, hm_value a, hm_value b) {
  if (op == HOP_EQ) return hv_bool(loose_equal(a, b));
  if (op == HOP_NE) return hv_bool(!loose_equal(a, b));
  bool ok;
  int c;
  double x, y;
  if ((a.kind == HV_NUM || b.kind == HV_NUM) && num_of(a, &x) && num_of(b, &y)) {
    c = (x > y) - (x < y); ok = true;
  } else {
    c = hv_compare(a, b, &ok);
  }
  if (!ok) return hv_bool(false);   /* nothing orders with missing/null */
  switch (op) {
  case HOP_LT: return hv_bool(c < 0);
  case HOP_LE: return hv_bool(c <= 0);
  case HOP_GT: return hv_bool(c > 0);
  default: return hv_bool(c >= 0);
  }
}

/* `x in l`: x equals an item as `==` has it; a missing or null x is in no list (where
   `==` would find it equal to a null item), and a value that is no list holds nothing. */
static hm_value op_in(hm_value x, hm_value l) {
  if (hv_is_nothing(x) || l.kind != HV_LIST) return hv_bool(false);
  for (uint32_t i = 0; i < l.u.list->n; i++)
    if (loose_equal(x, l.u.list->items[i])) return hv_bool(true);
  return hv_bool(false);
}

static hm_value op_index(hm_arena *ar, hm_value v, hm_value i) {
  if (v.kind == HV_LIST) {
    double d;
    if (!num_of(i, &d) || d != floor(d) || fabs(d) > 1e15) return hv_missing(HM_WHY_ABSENT);
    long n = (long)v.u.list->n, k = (long)d;
    if (k < 0) k += n;
    return k >= 0 && k < n ? v.u.list->items[k] : hv_missing(HM_WHY_EMPTY);
  }
  if (v.kind == HV_REC) {
    hm_value s = hv_to_str(ar, i);
    return hv_rec_get(&v, s.u.str);
  }
  if (v.kind == HV_NULL) return v;
  return v.kind == HV_MISSING ? v : hv_missing(HM_WHY_ABSENT);
}

static hm_value append_value(hm_arena *ar, hm_value list, hm_value v) {
  if (list.kind != HV_LIST) list = hv_list_new(ar, 4);
  if (v.kind == HV_MISSING) return list;
  if (v.kind == HV_LIST) {
    for (uint32_t i = 0; i < v.u.list->n; i++) hv_list_push(ar, &list, v.u.list->items[i]);
  } else {
    hv_list_push(ar, &list, v);
  }
  return list;
}

static const regex_t *vm_regex_get(hm_vm *vm, hm_value pat) {
  for (uint32_t i = 0; i < vm->nres; i++)
    if (strlen(vm->res[i].pattern) == pat.len && !memcmp(vm->res[i].pattern, pat.u.str, pat.len))
      return vm->res[i].ok ? &vm->res[i].re : NULL;
  vm_regex *n = realloc(vm->res, (vm->nres + 1) * sizeof *n);
  if (!n) abort();
  vm->res = n;
  vm_regex *r = &vm->res[vm->nres++];
  r->pattern = malloc((size_t)pat.len + 1);
  if (!r->pattern) abort();
  memcpy(r->pattern, pat.u.str, pat.len);
  r->pattern[pat.len] = 0;
  r->ok = regcomp(&r->re, r->pattern, REG_EXTENDED | REG_NOSUB) == 0;
  return r->ok ? &r->re : NULL;
}

static hm_value op_matchre(hm_vm *vm, hm_value s, hm_value re) {
  if (hv_is_nothing(s)) return s;
  if (re.kind != HV_STR) return hv_missing(HM_WHY_PARSE);
  const regex_t *rx = vm_regex_get(vm, re);
  if (!rx) return hv_missing(HM_WHY_PARSE);
  hm_value t = hv_to_str(vm->arena, s);
  return hv_bool(regexec(rx, t.u.str, 0, NULL, 0) == 0);
}

/* ---- events ---------------------------------------------------------- */

static void vm_raise(hm_vm *vm, uint8_t kind, uint32_t annot, uint8_t sev, const char *msg,
                  const char *field, bool with_why) {
  const hm_program *p = vm->p;
  if (!vm->host || !vm->host->event) return;
  hm_vm_event ev = {0};
  ev.kind = kind; ev.annot = annot; ev.rule = vm->rule; ev.severity = sev; ev.message = msg;
  ev.field = field;
  if (annot < p->nannots) {
    const hm_annot *an = &p->annots[annot];
    ev.severity = (uint8_t)an->severity;
    ev.message = hm_vm_const(p, an->message);
    ev.field = an->field < p->nconsts ? hm_vm_const(p, an->field) : NULL;
    ev.file = hm_vm_const(p, an->file); ev.line = an->line; ev.col = an->col;
  } else {
    ev.file = hm_vm_const(p, p->rules[vm->rule].file);
    hm_vm_locate(vm->code, vm->cur, &ev.line, &ev.col);
  }
  if (with_why) {
    ev.trigger = vm->last_nothing.kind == HV_NULL ? "null" : "missing";
    ev.why = vm->last_nothing.kind == HV_NULL ? NULL : why_name(vm->last_nothing.why);
    ev.detail = vm->last_detail;
  }
  vm->host->event(vm->host->user, &ev);
}

static void builtin_flag(void *user, hm_severity sev, const char *msg) {
  hm_vm *vm = user;
  vm_raise(vm, HM_EV_BUILTIN, HM_BC_NONE, (uint8_t)sev, msg, NULL, false);
}

/* A match without a `_` arm goes, for a value no arm names, to the
   PUSHMISSING codegen put there (a `_` arm never starts with PUSHMISSING):
   that value (not a missing, null or empty one) is a report line naming it,
   at the match's location. */
static void unmatched_value(hm_vm *vm, const hm_match *m, uint32_t to, hm_value v) {
  if (to != m->default_pc || to >= vm->code->ncode) return;
  if (HM_OP(vm->code->code[to]) != HOP_PUSHMISSING) return;
  hm_value t = hv_to_str(vm->arena, v);
  const char *msg = hm_arena_printf(vm->arena, "match: no arm for value \"%.200s\"", t.u.str);
  vm_raise(vm, HM_EV_UNMATCHED, HM_BC_NONE, HM_SEV_WARN, msg, NULL, false);
}

/* ---- the loop -------------------------------------------------------- */

static hm_vm_status fault(hm_vm *vm, const char *what) {
  uint32_t line, col;
  hm_vm_locate(vm->code, vm->cur, &line, &col);
  snprintf(vm->err, sizeof vm->err, "%s:%u:%u: %s (rule %s, pc %u)",
           hm_vm_const(vm->p, vm->p->rules[vm->rule].file), line, col, what,
           hm_vm_const(vm->p, vm->p->rules[vm->rule].name), vm->cur);
  return HM_VM_ERROR;
}

static void grow_stack(hm_vm *vm) {
  vm->stack_cap *= 2;
  vm->stack = realloc(vm->stack, vm->stack_cap * sizeof *vm->stack);
  if (!vm->stack) abort();
}

static void push_tgt(hm_vm *vm, uint32_t target) {
  if (vm->ntgt == vm->tgt_cap) {
    vm->tgt_cap *= 2;
    vm->tgts = realloc(vm->tgts, vm->tgt_cap * sizeof *vm->tgts);
    if (!vm->tgts) abort();
  }
  vm->tgts[vm->ntgt].target = target;
  vm->tgts[vm->ntgt].rec = hv_rec_new(vm->arena, 8);
  vm->tgts[vm->ntgt].set = 0;
  vm->ntgt++;
}

/* Targets [from, to) are live again (SKIPCHILD) after an ENDREC may have
 * handed their records out as plain values, which SETREC can change: their
 * bits no longer prove a field absent. */
static void forget_set(hm_vm *vm, uint32_t from, uint32_t to) {
  for (uint32_t i = from; i < to; i++) vm->tgts[i].set = ~(uint64_t)0;
}

static void push_loop(hm_vm *vm, uint32_t slot) {
  if (vm->nloop == vm->loop_cap) {
    vm->loop_cap *= 2;
    vm->loops = realloc(vm->loops, vm->loop_cap * sizeof *vm->loops);
    if (!vm->loops) abort();
  }
  vm->loops[vm->nloop++] = (vm_loop){slot, HM_BC_NONE, 0, 0};
}

/* SETTGT (or APPENDTGT) of a present value v to field f of target tg. */
static void set_tfield(hm_vm *vm, vm_tgt *tg, uint32_t f, bool append, hm_value v) {
  const vm_tinfo *ti = &vm->tinfo[tg->target];
  const char *name = ti->names[f];
  uint64_t bit = f < 64 && ti->distinct ? (uint64_t)1 << f : 0;
  if (bit && !(tg->set & bit)) {
    tg->set |= bit;
    if (append) v = append_value(vm->arena, hv_missing(HM_WHY_ABSENT), v);
    hv_rec_add(vm->arena, &tg->rec, name, v);
    return;
  }
  if (append) v = append_value(vm->arena, hv_rec_get(&tg->rec, name), v);
  hv_rec_set(vm->arena, &tg->rec, name, v);
}

static bool blank(hm_value v) {
  if (hv_is_nothing(v)) return true;
  if (v.kind != HV_STR) return false;
  for (uint32_t i = 0; i < v.len; i++) {
    char c = v.u.str[i];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

static hm_value do_call(hm_vm *vm, uint32_t fn, uint32_t argc, hm_value *argv) {
  const hm_builtin *b = &vm->builtins[fn];
  hm_bctx ctx = {.arena = vm->arena, .user = vm, .flag = builtin_flag, .std = vm->std};
  hm_value out = hv_missing(HM_WHY_PARSE);
  if (b->fn((hm_bctx *)&ctx, (int)argc, argv, &out) != 0) {
    if (out.kind != HV_MISSING) out = hv_missing(HM_WHY_PARSE);
    vm->call_error = ctx.error;
    vm->call_blank = argc == 0 || blank(argv[0]);
  }
  return out;
}

static hm_value agent_of(hm_vm *vm, hm_value email) {
  if (hv_is_nothing(email) || !vm->host || !vm->host->agent) return hv_missing(HM_WHY_LOOKUP);
  return vm->host->agent(vm->host->user, email, vm->arena);
}

/* AGENTOR (codegen's agent_or): the first candidate when the plan knows it, the
 * second with its flag when the first is nothing (like `??`: FLAGWHY names the
 * nothing). When the first is an agent only the run can look up, the plan
 * cannot choose: its reference carries the second e-mail and the flag text,
 * and the run takes the first that exists, raising the flag only then. */
static hm_value agent_or(hm_vm *vm, hm_value email, hm_value fb, uint32_t flag) {
  hm_value r = agent_of(vm, email);
  if (hv_is_nothing(r)) {
    vm->last_nothing = r;
    vm->last_detail = r.kind == HV_MISSING && r.why == HM_WHY_PARSE ? vm->call_error : NULL;
    vm->last_blank = vm->last_detail && vm->call_blank;
    vm->call_error = NULL;
    r = agent_of(vm, fb);
    if (!hv_is_nothing(r) && flag != HM_OP_NOANNOT)
      vm_raise(vm, HM_EV_FLAG, flag, 0, NULL, NULL, true);
    return r;
  }
  if (r.kind != HV_REF || r.u.ref->kind != HM_REF_AGENT || r.u.ref->fallback) return r;
  if (hv_is_nothing(agent_of(vm, fb))) return r;
  const char *fmail = hv_to_str(vm->arena, fb).u.str;
  if (!strcmp(fmail, r.u.ref->key)) return r;
  const hm_annot *an = flag < vm->p->nannots ? &vm->p->annots[flag] : NULL;
  const char *text = an ? hm_vm_const(vm->p, an->message) : NULL;
  r = hv_agent_ref(vm->arena, r.u.ref->key, fmail, text && *text ? text : NULL);
  if (r.u.ref->flag && an) r.u.ref->flag_sev = (uint8_t)an->severity;
  return r;
}

/* exec keeps pc and sp in locals (few enough to stay in registers); SYNC
 * writes them and the executing instruction, CUR, back before anything that
 * reads them: faults and events (CUR's map location), builtins (their flags),
 * and every return. Inside an instruction, until it jumps,
 * the executing instruction is pc - 1. */
#define CUR (pc - 1)
#define SYNC() (vm->pc = pc, vm->cur = CUR, vm->sp = sp)
#define LEAVE(status) do { SYNC(); return (status); } while (0)
#define FAULT(what) do { SYNC(); return fault(vm, what); } while (0)
#define NEED(n) do { if (sp < (n)) FAULT("stack underflow"); } while (0)
#define PUSH(v) do { \
    hm_value pushed_ = (v); \
    if (sp == vm->stack_cap) { grow_stack(vm); st = vm->stack; } \
    st[sp++] = pushed_; \
  } while (0)
#define POP() (st[--sp])
#define TOP() (st[sp - 1])

static hm_vm_status exec(hm_vm *vm, const hm_vm_record *rec) {
  const hm_program *p = vm->p;
  const uint32_t *code = vm->code->code;
  const uint32_t lim = vm->code->ncode;
  hm_arena *ar = vm->arena;
  hm_value *st = vm->stack;
  uint32_t sp = vm->sp, pc = vm->pc;
  hm_value a, b;
  for (;;) {
    if (pc >= lim) {
      vm->pc = pc;
      vm->cur = pc;
      vm->sp = sp;
      return fault(vm, "ran past the end of the code");
    }
    uint32_t ins = code[pc++];
    uint32_t A = HM_A(ins);
    switch (HM_OP(ins)) {
    case HOP_NOP: break;
    case HOP_PUSHK: PUSH(vm->kv[A]); break;
    case HOP_PUSHNULL: PUSH(hv_null()); break;
    case HOP_PUSHMISSING: PUSH(hv_missing(HM_WHY_ABSENT)); break;
    case HOP_PUSHTRUE: PUSH(hv_bool(true)); break;
    case HOP_PUSHFALSE: PUSH(hv_bool(false)); break;
    case HOP_LOADCOL: PUSH(rec && A < rec->ncols ? rec->cols[A] : hv_missing(HM_WHY_ABSENT)); break;
    case HOP_GETFIELD:
      NEED(1);
      a = TOP();
      if (a.kind == HV_REC) TOP() = hv_rec_get(&a, hm_vm_const(p, A));
      else if (a.kind != HV_NULL && a.kind != HV_MISSING) TOP() = hv_missing(HM_WHY_ABSENT);
      break;
    case HOP_INDEX: NEED(2); b = POP(); TOP() = op_index(ar, TOP(), b); break;
    case HOP_LOADSET: PUSH(A < p->nsettings ? vm->settings[A] : hv_missing(HM_WHY_ABSENT)); break;
    case HOP_LOADLOCAL:
      if (A >= vm->nslots) FAULT("bad slot");
      PUSH(vm->slots[A]);
      break;
    case HOP_STORELOCAL:
      NEED(1);
      if (A >= vm->nslots) FAULT("bad slot");
      vm->slots[A] = POP();
      break;
    case HOP_POP: NEED(1); sp--; break;
    case HOP_DUP: NEED(1); a = TOP(); PUSH(a); break;
    case HOP_ADD: NEED(2); b = POP(); TOP() = op_add(ar, TOP(), b); break;
    case HOP_SUB: case HOP_MUL: case HOP_DIV: case HOP_MOD:
      NEED(2); b = POP(); TOP() = op_arith(HM_OP(ins), TOP(), b); break;
    case HOP_EQ: case HOP_NE: case HOP_LT: case HOP_LE: case HOP_GT: case HOP_GE:
      NEED(2); b = POP(); TOP() = op_compare(HM_OP(ins), TOP(), b); break;
    case HOP_IN: NEED(2); b = POP(); TOP() = op_in(TOP(), b); break;
    case HOP_MATCHRE:
      NEED(2);
      if (vm->matches_fn >= 0) {
        sp -= 2;
        SYNC();
        hm_value r = do_call(vm, (uint32_t)vm->matches_fn, 2, &st[sp]);
        PUSH(r);
      } else {
        b = POP(); TOP() = op_matchre(vm, TOP(), b);
      }
      break;
    case HOP_NOT: NEED(1); TOP() = hv_bool(!hv_truthy(TOP())); break;
    case HOP_NEG: {
      NEED(1);
      a = TOP();
      double d;
      if (!hv_is_nothing(a)) TOP() = num_of(a, &d) ? hv_num(-d) : hv_missing(HM_WHY_PARSE);
      break;
    }
    case HOP_CALL: {
      uint32_t fn = HM_A16(ins), argc = HM_B(ins);
      if ((int)fn >= vm->nbuiltins) FAULT("unknown builtin");
      if (argc < vm->builtins[fn].min_args || argc > vm->builtins[fn].max_args)
        FAULT("wrong number of arguments to a builtin");
      NEED(argc);
      sp -= argc;
      SYNC();
      hm_value r = do_call(vm, fn, argc, &st[sp]);
      PUSH(r);
      break;
    }
    case HOP_JMP: pc = A; break;
    case HOP_JMPF: NEED(1); a = POP(); if (!hv_truthy(a)) pc = A; break;
    case HOP_JMPT: NEED(1); a = POP(); if (hv_truthy(a)) pc = A; break;
    case HOP_JMPSOME:
      NEED(1);
      if (!hv_is_nothing(TOP())) { pc = A; break; }
      /* a builtin's reason belongs to a missing it produced (why = parse) */
      vm->last_nothing = POP();
      vm->last_detail = vm->last_nothing.kind == HV_MISSING && vm->last_nothing.why == HM_WHY_PARSE
                            ? vm->call_error : NULL;
      vm->last_blank = vm->last_detail && vm->call_blank;
      vm->call_error = NULL;
      break;
    case HOP_MATCH: {
      NEED(1);
      a = POP();
      if (A >= p->nmatches) FAULT("bad match table");
      const hm_match *m = &p->matches[A];
      uint32_t to = m->default_pc;
      for (uint32_t i = 0; i < m->narms; i++)
        if (arm_equal(a, vm->kv[m->arms[i].konst])) { to = m->arms[i].pc; break; }
      if (to == HM_BC_NONE) FAULT("match without a default arm had no arm for the value");
      if (to == m->default_pc && !hv_is_nothing(a) && !(a.kind == HV_STR && !a.len)) {
        SYNC();
        unmatched_value(vm, m, to, a);
      }
      pc = to;
      break;
    }
    case HOP_FIND:
      NEED(1);
      a = POP();
      if (hv_is_nothing(a) || !vm->host || !vm->host->find) PUSH(hv_missing(HM_WHY_LOOKUP));
      else PUSH(vm->host->find(vm->host->user, A, a, ar));
      break;
    case HOP_LOOKUP:
      NEED(1);
      a = POP();
      if (hv_is_nothing(a) || !vm->host || !vm->host->lookup) PUSH(hv_missing(HM_WHY_LOOKUP));
      else PUSH(vm->host->lookup(vm->host->user, A, a, ar));
      break;
    case HOP_AGENT: NEED(1); TOP() = agent_of(vm, TOP()); break;
    case HOP_AGENTOR:
      NEED(2);
      b = POP();
      a = POP();
      SYNC();
      PUSH(agent_or(vm, a, b, A));
      break;
    case HOP_UPLOAD:
      NEED(1);
      a = POP();
      if (hv_is_nothing(a)) PUSH(a);
      else if (!vm->host || !vm->host->upload) PUSH(hv_missing(HM_WHY_LOOKUP));
      else PUSH(vm->host->upload(vm->host->user, a, ar));
      break;
    case HOP_NEWLIST: PUSH(hv_list_new(ar, 4)); break;
    case HOP_APPEND: NEED(2); b = POP(); TOP() = append_value(ar, TOP(), b); break;
    case HOP_NEWREC: PUSH(hv_rec_new(ar, 4)); break;
    case HOP_SETREC:
      NEED(2);
      b = POP();
      if (TOP().kind != HV_REC) FAULT("SETREC on a non-record");
      if (b.kind != HV_MISSING) hv_rec_set(ar, &TOP(), hm_vm_const(p, A), b);
      break;
    case HOP_CHILDREN:
      if (vm->host && vm->host->children) PUSH(vm->host->children(vm->host->user, A, ar));
      else PUSH(hv_list_new(ar, 0));
      break;
    case HOP_ITER:
      NEED(1);
      if (A >= vm->nslots) FAULT("bad slot");
      vm->slots[A] = POP();
      vm->slot_pos[A] = 0;
      push_loop(vm, A);
      break;
    case HOP_NEXT: {
      uint32_t exit_pc = HM_A16(ins), slot = HM_B(ins);
      if (slot >= vm->nslots) FAULT("bad slot");
      hm_value l = vm->slots[slot];
      uint32_t n = l.kind == HV_LIST ? l.u.list->n : hv_is_nothing(l) ? 0 : 1;
      if (vm->slot_pos[slot] >= n) {
        if (vm->nloop && vm->loops[vm->nloop - 1].slot == slot) vm->nloop--;
        pc = exit_pc;
        break;
      }
      if (vm->nloop) {
        vm_loop *lp = &vm->loops[vm->nloop - 1];
        lp->next_pc = CUR; lp->sp = sp; lp->tdepth = vm->ntgt;
      }
      uint32_t i = vm->slot_pos[slot]++;
      PUSH(l.kind == HV_LIST ? l.u.list->items[i] : l);
      break;
    }
    case HOP_BEGIN:   /* A = 0xFFFFFF: an element with no target schema (a plain record) */
      if (A >= p->ntargets && A != 0xFFFFFF) FAULT("bad target");
      push_tgt(vm, A);
      break;
    case HOP_SETTGT: case HOP_APPENDTGT: {
      NEED(1);
      a = POP();
      if (!vm->ntgt) FAULT("field set outside a target");
      vm_tgt *tg = &vm->tgts[vm->ntgt - 1];
      if (tg->target >= p->ntargets || A >= vm->tinfo[tg->target].nfields)
        FAULT("bad target field");
      if (a.kind != HV_MISSING) set_tfield(vm, tg, A, HM_OP(ins) == HOP_APPENDTGT, a);
      break;
    }
    case HOP_ENDREC:
      if (!vm->ntgt) FAULT("ENDREC without BEGIN");
      vm->ntgt--;
      PUSH(vm->tgts[vm->ntgt].rec);
      break;
    case HOP_EMIT: {
      if (!vm->ntgt) FAULT("EMIT without BEGIN");
      vm_tgt *tg = &vm->tgts[vm->ntgt - 1];
      if (tg->target >= p->ntargets) FAULT("EMIT of an element with no target");
      vm->emitted = true;
      if (vm->host && vm->host->emit) {
        vm->host->emit(vm->host->user, vm->rule, vm->code == &p->rules[vm->rule].after, tg->target,
                       tg->rec);
        tg->set = ~(uint64_t)0;   /* the host holds the record now and may change it */
      }
      break;
    }
    case HOP_FLAG: SYNC(); vm_raise(vm, HM_EV_FLAG, A, 0, NULL, NULL, false); break;
    case HOP_FLAGWHY: SYNC(); vm_raise(vm, HM_EV_FLAG, A, 0, NULL, NULL, true); break;
    case HOP_FLAGFAIL:   /* `?? unset`: absent and empty values leave no line */
      if (vm->last_nothing.kind != HV_NULL && vm->last_nothing.why != HM_WHY_ABSENT
          && vm->last_nothing.why != HM_WHY_EMPTY && !vm->last_blank) {
        SYNC();
        vm_raise(vm, HM_EV_FLAG, A, 0, NULL, NULL, true);
      }
      break;
    case HOP_LOSSY: SYNC(); vm_raise(vm, HM_EV_LOSSY, A, 0, NULL, NULL, false); break;
    case HOP_REJECT:  /* `x ?? reject` names the nothing; a plain `reject` has none */
      SYNC();
      vm_raise(vm, HM_EV_REJECT, A, 0, NULL, NULL, CUR > 0 && HM_OP(code[CUR - 1]) == HOP_JMPSOME);
      LEAVE(HM_VM_REJECTED);
    case HOP_SKIPCHILD: {
      if (!vm->nloop || vm->loops[vm->nloop - 1].next_pc == HM_BC_NONE)
        FAULT("skip outside an each loop");
      SYNC();
      if (A != HM_OP_NOANNOT) vm_raise(vm, HM_EV_SKIP, A, 0, NULL, NULL, false);
      vm_loop *lp = &vm->loops[vm->nloop - 1];
      forget_set(vm, vm->ntgt, lp->tdepth);
      sp = lp->sp; vm->ntgt = lp->tdepth; pc = lp->next_pc;
      break;
    }
    case HOP_RET:
      LEAVE(vm->emitted ? HM_VM_EMITTED : HM_VM_GUARDED);
    default: FAULT("unknown instruction");
    }
  }
}

hm_vm_status hm_vm_run(hm_vm *vm, uint32_t rule, bool is_after,
                       const hm_vm_record *rec, hm_arena *a) {
  vm->err[0] = 0;
  if (rule >= vm->p->nrules) {
    snprintf(vm->err, sizeof vm->err, "no rule %u", rule);
    return HM_VM_ERROR;
  }
  const hm_rule *r = &vm->p->rules[rule];
  if (is_after && !r->has_after) return HM_VM_GUARDED;
  vm->rule = rule;
  vm->code = is_after ? &r->after : &r->body;
  vm->pc = 0; vm->sp = 0; vm->ntgt = 0; vm->nloop = 0;
  vm->arena = a; vm->emitted = false;
  vm->last_nothing = hv_missing(HM_WHY_ABSENT); vm->last_detail = NULL; vm->call_error = NULL;
  for (uint32_t i = 0; i < vm->nslots; i++) {
    vm->slots[i] = hv_missing(HM_WHY_ABSENT);
    vm->slot_pos[i] = 0;
  }
  return exec(vm, rec);
}
