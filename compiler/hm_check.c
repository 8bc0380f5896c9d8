/* hm_check: the checker. Resolves every name of a map against its declarations
 * and the schema modules it uses, infers a type and two bits per expression —
 * `maybe` (may be missing or null at run time) and `fallible` (a lookup, parse or
 * open match that nobody handled) — and turns every way a migration could lose
 * data silently into a diagnostic (VRL's model, dsl-anchors lesson 3). It also
 * derives the dependency order of sources from lookups. Codegen trusts its work. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hm_builtins.h"
#include "hm_compile.h"
#include "hm_names.h"
#include "hm_heads.h"
#include "hm_psettings.h"
#include "hm_utf8.h"
#include "hm_gorgias.h"
#include "hm_strref.h"

#define MAXVARS 256
/* "Did you mean" compares a name with every candidate (all sources, settings or
   fields): past this many suggestions in one map the diagnostics go on without
   one, so a map of n unknown names among n declarations stays linear. */
#define MAX_SUGGESTIONS 100

typedef struct var {
  const char *name;
  int slot;
  uint8_t ty, maybe;
  int child_src;          /* each over a child source: its index; else -1 */
  hm_node *val;           /* a let's value (its leaves are checked where it is used) */
} var;

/* Assignment state of the target being built: per field, 0 never, 1 maybe, 2 surely. */
typedef struct tstate {
  hm_node *fields;        /* the target's field declarations */
  uint8_t *set;
  int n;
  int element;            /* an each element's: `?? skip` on a required field drops it */
} tstate;

typedef struct chk {
  hm_compiler *c;
  hm_checked *k;
  int rule;               /* current rule index, -1 outside rules */
  int src;                /* current rule's source */
  int in_after;
  var vars[MAXVARS];
  int nvars, nslots, maxslots;
  /* Values known present on this path (`if x != null { ... }`), as paths like
     "src.Phone", "addr" or "a.contents.filename": flow-sensitive narrowing. */
  const char *narrow[64];
  int nnarrow;
  hm_names srcnames, setnames;   /* first declaration of each name -> its index */
  int nsuggest;                  /* suggestions made (MAX_SUGGESTIONS) */
} chk;

#define D(x, node, code, ...) hm_diag_at(&(x)->c->diags, (node)->loc, HC_##code, __VA_ARGS__)

static void expr(chk *x, hm_node *e, hm_node *expect);
static void stmts(chk *x, hm_node *list, tstate *ts);
static void check_consts(chk *x, hm_node *e, const hm_node *field);
static void check_assign_type(chk *x, hm_node *e, const hm_node *field, int append);
static void report_fallible(chk *x, hm_node *e);
static void condition(chk *x, hm_node *e);
static void last_leaf(const hm_node *e, hm_loc *end);
static const char *enum_values(chk *x, const hm_node *t);

/* ---------- helpers ---------- */

static int field_index(const hm_node *fields, const char *name) {
  int i = 0;
  for (const hm_node *f = fields; f; f = f->next, i++)
    if (f->kind == N_FIELDDECL && f->s && strcmp(f->s, name) == 0) return i;
  return -1;
}

static const char **field_names(chk *x, const hm_node *fields, int *n) {
  *n = hm_list_len(fields);
  const char **v = hm_arena_alloc(&x->c->arena, (size_t)(*n + 1) * sizeof *v);
  int i = 0;
  for (const hm_node *f = fields; f; f = f->next) v[i++] = f->s ? f->s : "";
  return v;
}

static int may_suggest(chk *x) { return x->nsuggest++ < MAX_SUGGESTIONS; }

static const char *suggest_field(chk *x, const hm_node *fields, const char *name) {
  if (!may_suggest(x)) return NULL;
  int n;
  const char **v = field_names(x, fields, &n);
  return hm_suggest(name, v, n);
}

static int source_index(chk *x, const char *name) { return hm_names_get(&x->srcnames, name); }
static int setting_index(chk *x, const char *name) { return hm_names_get(&x->setnames, name); }

static const char *suggest_source(chk *x, const char *name) {
  if (!may_suggest(x)) return NULL;
  const char **v = hm_arena_alloc(&x->c->arena, (x->k->nsources + 1) * sizeof *v);
  for (uint32_t i = 0; i < x->k->nsources; i++) v[i] = x->k->sources[i].name;
  return hm_suggest(name, v, (int)x->k->nsources);
}

static void did_you_mean(char *buf, size_t n, const char *s) {
  if (s) snprintf(buf, n, "; did you mean '%s'?", s); else buf[0] = 0;
}

static var *find_var(chk *x, const char *name) {
  for (int i = x->nvars - 1; i >= 0; i--)
    if (strcmp(x->vars[i].name, name) == 0) return &x->vars[i];
  return NULL;
}

static var *push_var(chk *x, hm_node *at, const char *name) {
  if (x->nvars == MAXVARS) {
    D(x, at, E0207, "too many local names in one rule (at most %d)", MAXVARS);
    return NULL;
  }
  var *v = &x->vars[x->nvars++];
  memset(v, 0, sizeof *v);
  v->name = name;
  v->slot = x->nslots++;
  v->child_src = -1;
  if (x->nslots > x->maxslots) x->maxslots = x->nslots;
  return v;
}

static int new_slot(chk *x) {
  int s = x->nslots++;
  if (x->nslots > x->maxslots) x->maxslots = x->nslots;
  return s;
}

static uint32_t add_slot(hm_compiler *c, hm_srcinfo *s, const char *name) {
  int32_t had = hm_names_put(&s->slotnames, name, (int32_t)s->nslots);
  if (had >= 0) return (uint32_t)had;
  if (s->nslots == s->capslots) {
    uint32_t cap = s->capslots ? s->capslots * 2 : 8;
    s->slots = hm_arena_realloc(&c->arena, s->slots, s->capslots * sizeof *s->slots,
                                cap * sizeof *s->slots);
    s->capslots = cap;
  }
  s->slots[s->nslots] = name;
  return s->nslots++;
}

/* ---------- expressions ---------- */

/* "src.F", "x" or "x.a.b" for a plain path expression, else NULL. */
static const char *path_of(chk *x, const hm_node *e) {
  if (e->kind == N_SRC) return "src";
  if (e->kind == N_NAME) return e->s;
  if (e->kind != N_FIELD) return NULL;
  const char *base = path_of(x, e->a);
  return base ? hm_arena_printf(&x->c->arena, "%s.%s", base, e->s) : NULL;
}

/* What narrowing names: a plain path, or `lookup S(path)` (a lookup a condition proved
   found, e.g. an each's `where exists(lookup S(v.k))`, cannot fail under it). */
static const char *narrow_key(chk *x, const hm_node *e) {
  if (e->kind != N_LOOKUP) return path_of(x, e);
  const char *k = e->a && !e->a->next ? path_of(x, e->a) : NULL;
  return k ? hm_arena_printf(&x->c->arena, "lookup %s(%s)", e->s, k) : NULL;
}

static int narrowed(chk *x, const hm_node *e) {
  if (!x->nnarrow) return 0;   /* the common case: no arena string built per field read */
  const char *p = e->kind == N_FIELD || e->kind == N_NAME || e->kind == N_LOOKUP
                      ? narrow_key(x, e) : NULL;
  for (int i = 0; p && i < x->nnarrow; i++)
    if (!strcmp(x->narrow[i], p)) return 1;
  return 0;
}

static void add_narrow(chk *x, const hm_node *e) {
  const char *p = narrow_key(x, e);
  if (p && x->nnarrow < 64) x->narrow[x->nnarrow++] = p;
}

static void narrow_value(chk *x, const hm_node *v) {
  static const char *keep[] = {"nonempty", "trim", "lower", "upper", "text"};
  add_narrow(x, v);
  /* `exists(x)` is `nonempty(x ?? null) != null`: it proves x present too */
  if (v->kind == N_COALESCE && v->b && v->b->kind == N_NULL) narrow_value(x, v->a);
  if (v->kind == N_CALL && v->a && !v->a->next)
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
      if (!strcmp(v->s, keep[i])) narrow_value(x, v->a);
}

/* What a condition proves present: `x != null`, `f(x) != null` for the
   text functions that keep missing missing, and conjunctions of those. */
static void collect_narrow(chk *x, const hm_node *c) {
  if (!c || c->kind != N_BIN) return;
  if (c->op == OPB_AND) { collect_narrow(x, c->a); collect_narrow(x, c->b); return; }
  if (c->op != OPB_NE) return;
  const hm_node *v = c->a->kind == N_NULL ? c->b : c->b->kind == N_NULL ? c->a : NULL;
  if (v) narrow_value(x, v);
}

/* The declaration of field `name` of source s, or NULL. */
static hm_node *source_field(const hm_srcinfo *s, const char *name) {
  int32_t i = hm_names_get(&s->fieldnames, name);
  return i < 0 ? NULL : s->fieldv[i];
}

static void index_fields(chk *x, hm_srcinfo *s) {
  size_t n = (size_t)hm_list_len(s->fields) + 1;
  s->fieldv = hm_arena_alloc(&x->c->arena, n * sizeof *s->fieldv);
  int32_t i = 0;
  for (hm_node *f = s->fields; f; f = f->next)
    if (f->kind == N_FIELDDECL && f->s) {
      s->fieldv[i] = f;
      hm_names_put(&s->fieldnames, f->s, i++);
    }
}

static void src_field(chk *x, hm_node *e, hm_srcinfo *s, int src_index) {
  hm_node *f = source_field(s, e->s);
  if (!f && s->has_fields) {
    char dym[160];
    did_you_mean(dym, sizeof dym, suggest_field(x, s->fields, e->s));
    D(x, e, E0201, "source %s has no field '%s'%s", s->name, e->s, dym);
    e->ty = HT_ANY; e->maybe = 1;
    return;
  }
  e->decl = f;
  e->ty = (uint8_t)(f ? (hm_type)hm_decl_type(f->a) : HT_ANY);
  /* An export's datetime is text in the source system's own format and zone
     (iTop "2024-01-02 10:00:00", local time): date(...) makes it Gorgias'. */
  if (e->ty == HT_DATE) e->ty = HT_STR;
  e->maybe = (uint8_t)!(f && hm_field_has(f, FO_REQUIRED));
  if (e->maybe && narrowed(x, e)) e->maybe = 0;
  /* Every column read (src.F, find S(k).F, a child's c.F) is in its source's
     slots: the planner counts the columns outside them as not migrated. */
  int32_t slot = (int32_t)add_slot(x->c, s, e->s);
  if (src_index >= 0) e->idx = slot;
}

/* `ignore COLUMN "why"` of source s (an option or a rule statement); a column
   is ignored once per source. A node seen again (a rule checked twice) is kept once. */
static void add_ignore(chk *x, hm_srcinfo *s, hm_node *ig) {
  for (uint32_t i = 0; i < s->nignores; i++) {
    if (s->ignores[i] == ig) return;
    if (strcmp(s->ignores[i]->s, ig->s) == 0) {
      D(x, ig, E0210, "'ignore %s' is given twice for source %s", ig->s, s->name);
      return;
    }
  }
  if (s->nignores == s->capignores) {
    uint32_t cap = s->capignores ? s->capignores * 2 : 4;
    s->ignores = hm_arena_realloc(&x->c->arena, s->ignores, s->capignores * sizeof *s->ignores,
                                  cap * sizeof *s->ignores);
    s->capignores = cap;
  }
  s->ignores[s->nignores++] = ig;
}

static void field_access(chk *x, hm_node *e) {
  hm_node *obj = e->a;
  if (obj->kind == N_SRC) {
    if (x->src < 0) {
      D(x, obj, E0207, "'src' is only available inside a rule");
      e->ty = HT_ANY;
      e->maybe = 1;
      return;
    }
    obj->ty = HT_REC;
    src_field(x, e, &x->k->sources[x->src], x->src);
    return;
  }
  if (obj->kind == N_FIND) {   /* find S(k).F: F must be a field of S */
    expr(x, obj, NULL);
    if (obj->idx >= 0) src_field(x, e, &x->k->sources[obj->idx], -1);
    e->maybe = 1;
    e->fallible = 1;
    return;
  }
  if (obj->kind == N_NAME) {
    var *v = find_var(x, obj->s);
    if (v && v->child_src >= 0) {
      obj->idx = v->slot; obj->ty = HT_REC;
      src_field(x, e, &x->k->sources[v->child_src], -1);
      return;
    }
  }
  expr(x, obj, NULL);
  if (obj->ty != HT_ANY && obj->ty != HT_REC)
    D(x, e, E0204, "cannot read field '%s' of a %s", e->s, hm_type_name((hm_type)obj->ty));
  e->ty = HT_ANY;
  e->maybe = (uint8_t)!narrowed(x, e);
  e->fallible = obj->fallible;
}

/* The target T of a `list of T` field, or NULL. */
static hm_node *list_object(chk *x, const hm_node *field) {
  if (!field || !field->a || field->a->op != TY_LIST || !field->a->a ||
      field->a->a->op != TY_OBJECT)
    return NULL;
  return hm_schema_target(x->c, field->a->a->s);
}

static __attribute__((noinline)) void unknown_record_field(chk *x, hm_node *f, const hm_node *obj) {
  char dym[160];
  did_you_mean(dym, sizeof dym, suggest_field(x, obj->c, f->s));
  D(x, f, E0202, "Gorgias %s has no field '%s'%s", obj->s, f->s, dym);
}

/* A record literal; with a known shape (an element of `messages`, say) its keys
   are checked like assignments: known fields, required ones present, enums. */
static void record(chk *x, hm_node *e, hm_node *obj) {
  int fallible = 0;
  hm_names given = {0};
  for (hm_node *f = e->a; f; f = f->next) {
    if (hm_names_put(&given, f->s, 0) >= 0)
      D(x, f, E0304, "record field '%s' is given twice", f->s);
    hm_node *fd = obj ? hm_schema_field(obj->c, f->s) : NULL;
    if (obj && !fd) unknown_record_field(x, f, obj);
    expr(x, f->a, fd);
    if (fd) {
      if (hm_field_required(fd) && f->a->maybe && !f->a->fallible)
        D(x, f->a, E0302,
          "%s is required, but this value may be missing or null: add ?? default or ?? reject "
          "\"why\"",
          f->s);
      check_assign_type(x, f->a, fd, 0);
      check_consts(x, f->a, fd);
    }
    fallible |= f->a->fallible;
  }
  if (obj)
    for (hm_node *fd = obj->c; fd; fd = fd->next)
      if (hm_field_required(fd) && hm_names_get(&given, fd->s) < 0)
        D(x, e, E0303, "this %s needs its required field '%s'", obj->s, fd->s);
  hm_names_free(&given);
  e->decl = obj;
  e->ty = HT_REC;
  e->fallible = (uint8_t)fallible;
}

/* `{email, name}` given for a `ref T` field: Gorgias finds or makes the T
   from it, so the members T has are typed like T's fields (an inline customer
   whose name is a number fails here, not with a 400 in the run). Which members
   such an object takes is the schema note's, not checked. */
static void ref_record(chk *x, hm_node *e, hm_node *obj) {
  int fallible = 0;
  for (hm_node *f = e->a; f; f = f->next) {
    hm_node *fd = hm_schema_field(obj->c, f->s);
    expr(x, f->a, fd);
    if (fd) {
      check_assign_type(x, f->a, fd, 0);
      check_consts(x, f->a, fd);
    }
    fallible |= f->a->fallible;
  }
  e->ty = HT_REC;
  e->fallible = (uint8_t)fallible;
}

/* A constant regex or date format is checked now, not on every record. */
static __attribute__((noinline)) void check_const_args(chk *x, hm_node *e, const hm_builtin *b) {
  int is_re =
      !strcmp(b->name, "matches") || !strcmp(b->name, "capture") || !strcmp(b->name, "replace_re");
  int is_date = !strcmp(b->name, "date");
  if (!is_re && !is_date) return;
  hm_node *arg = e->a ? e->a->next : NULL;
  if (!arg || arg->kind != N_STR || (is_date && arg->slen == 0)) return;
  char err[256];
  if (is_re && hm_regex_check(arg->s, err, sizeof err))
    D(x, arg, E0211, "bad regular expression: %s", err);
  if (is_date && hm_date_format_check(arg->s, err, sizeof err))
    D(x, arg, E0211, "bad date format: %s", err);
}

static __attribute__((noinline)) void unknown_function(chk *x, hm_node *e) {
  int n = may_suggest(x) ? hm_builtin_count : 0;
  const char **names = hm_arena_alloc(&x->c->arena, (size_t)(n + 1) * sizeof *names);
  for (int i = 0; i < n; i++) names[i] = hm_builtins[i].name;
  char dym[160];
  did_you_mean(dym, sizeof dym, hm_suggest(e->s, names, n));
  D(x, e, E0206, "unknown function '%s'%s", e->s, dym);
  e->ty = HT_ANY; e->maybe = 1;
}

static void call(chk *x, hm_node *e) {
  int argc = hm_list_len(e->a);
  int bi = hm_builtin_find(e->s);
  int maybe = 0, fallible = 0;
  for (hm_node *a = e->a; a; a = a->next) {
    expr(x, a, NULL);
    maybe |= a->maybe;
    fallible |= a->fallible;
  }
  if (bi < 0) { unknown_function(x, e); return; }
  const hm_builtin *b = &hm_builtins[bi];
  if (argc < b->min_args || argc > b->max_args) {
    if (b->min_args == b->max_args)
      D(x, e, E0206, "%s takes %d argument%s, not %d (%s)", b->name, b->min_args,
        b->min_args == 1 ? "" : "s", argc, b->doc ? b->doc : "");
    else
      D(x, e, E0206, "%s takes %d to %d arguments, not %d (%s)", b->name, b->min_args, b->max_args,
        argc, b->doc ? b->doc : "");
  }
  int i = 0;
  for (hm_node *a = e->a; a && i < HM_BUILTIN_MAXARGS; a = a->next, i++) {
    hm_type want = (hm_type)b->arg_types[i];
    hm_type got = (hm_type)a->ty;
    int scalar_want = want == HT_STR || want == HT_NUM || want == HT_BOOL || want == HT_DATE;
    int structured_got = got == HT_LIST || got == HT_REC || got == HT_REF;
    if (want != HT_ANY && got != HT_ANY && got != HT_NULL && scalar_want && structured_got)
      D(x, a, E0204, "argument %d of %s is a %s, expected a %s", i + 1, b->name, hm_type_name(got),
        hm_type_name(want));
  }
  check_const_args(x, e, b);
  e->idx = bi;
  e->ty = b->ret_type;
  e->maybe = (uint8_t)(maybe || b->fallible || b->may_miss);
  e->fallible = (uint8_t)(fallible || b->fallible);
}

static __attribute__((noinline)) void unknown_source(chk *x, hm_node *e, const char *what) {
  char dym[160];
  did_you_mean(dym, sizeof dym, suggest_source(x, e->s));
  D(x, e, E0203, "%s of unknown source '%s'%s", what, e->s, dym);
}

/* The source a `lookup S(k)` or `find S(k)` names, or -1 (reported). */
static int named_source(chk *x, hm_node *e, const char *what) {
  expr(x, e->a, NULL);
  int s = source_index(x, e->s);
  if (s < 0) unknown_source(x, e, what);
  return s;
}

static void find(chk *x, hm_node *e) {
  int s = named_source(x, e, "find");
  if (s >= 0 && !x->k->sources[s].key)
    D(x, e, E0210, "find %s(...) needs a key on %s: declare it with `key FIELD`", e->s, e->s);
  else if (s >= 0)
    x->k->sources[s].used = 1;
  e->idx = s;
  e->ty = HT_REC; e->maybe = 1; e->fallible = 1;
}

static void lookup(chk *x, hm_node *e) {
  int s = named_source(x, e, "lookup");
  if (s >= 0) {
    hm_srcinfo *si = &x->k->sources[s];
    si->used = 1;
    si->looked_up = 1;
  }
  e->idx = s;
  e->ty = HT_REF;
  e->maybe = e->fallible = (uint8_t)!narrowed(x, e);
}

/* Value-map arms: constants, no duplicates, nothing after `_`. */
/* A match pattern as a map key: its kind, then its text ("s" + string,
   "n" + number, "t", "f", "0"), so equal patterns and only those collide. */
static const char *pattern_key(chk *x, const hm_node *p) {
  switch (p->kind) {
  case N_STR: return hm_arena_printf(&x->c->arena, "s%s", p->s);
  case N_NUM: return hm_arena_printf(&x->c->arena, "n%.17g", p->num == 0 ? 0.0 : p->num);
  case N_BOOL: return p->op ? "t" : "f";
  default: return "0";
  }
}

/* A closed subject (a source enum whose every value has an arm) needs no `_`. */
static int match_closed(chk *x, const hm_node *e, hm_names *pats) {
  const hm_node *sd = e->a->kind == N_FIELD ? e->a->decl : NULL;
  if (!sd || !sd->a || sd->a->op != TY_ENUM) return 0;
  for (hm_node *v = sd->a->b; v; v = v->next)
    if (hm_names_get(pats, pattern_key(x, v)) < 0) return 0;
  return 1;
}

/* The values of the subject's declared source enum that no arm of match e
   names, as "a", "b" (at most 8 named); NULL when the subject has no closed enum. */
static const char *match_uncovered(chk *x, const hm_node *e) {
  const hm_node *sd = e->a->kind == N_FIELD ? e->a->decl : NULL;
  if (!sd || !sd->a || sd->a->op != TY_ENUM) return NULL;
  hm_names pats = {0};
  for (const hm_node *arm = e->b; arm; arm = arm->next)
    for (const hm_node *p = arm->a; p; p = p->next) hm_names_put(&pats, pattern_key(x, p), 0);
  hm_buf b; hm_buf_init(&b);
  int n = 0;
  for (const hm_node *v = sd->a->b; v; v = v->next)
    if (hm_names_get(&pats, pattern_key(x, v)) < 0 && n++ < 8)
      hm_buf_printf(&b, "%s\"%s\"", n > 1 ? ", " : "", v->s);
  if (n > 8) hm_buf_printf(&b, " and %d more", n - 8);
  const char *r = hm_arena_printf(&x->c->arena, "%s", b.data ? b.data : "");
  hm_buf_free(&b);
  hm_names_free(&pats);
  return r;
}

/* Arms of a match over a source field with a declared enum name its values:
   one that names no value is a typo or a value the schema does not know. */
static __attribute__((noinline)) void arms_in_enum(chk *x, const hm_node *e) {
  const hm_node *sd = e->a->kind == N_FIELD ? e->a->decl : NULL;
  if (!sd || !sd->a || sd->a->op != TY_ENUM) return;
  int n = hm_list_len(sd->a->b);
  const char **vals = hm_arena_alloc(&x->c->arena, (size_t)(n + 1) * sizeof *vals);
  int i = 0;
  for (const hm_node *v = sd->a->b; v; v = v->next) vals[i++] = v->s;
  for (const hm_node *arm = e->b; arm; arm = arm->next)
    for (hm_node *p = arm->a; p; p = p->next) {
      if (p->kind != N_STR && p->kind != N_NUM) continue;
      const char *t = p->kind == N_STR ? p->s : hm_arena_printf(&x->c->arena, "%g", p->num);
      int known = 0;
      for (i = 0; i < n && !known; i++) known = !strcmp(vals[i], t);
      if (known) continue;
      char dym[160];
      did_you_mean(dym, sizeof dym, strlen(t) > 2 ? hm_suggest(t, vals, n) : NULL);
      const char *subject = path_of(x, e->a);
      D(x, p, W0405, "\"%s\" is not a value of %s's declared enum (%s)%s", t,
        subject ? subject : sd->s, enum_values(x, sd->a), dym);
    }
}

static void match(chk *x, hm_node *e, hm_node *expect) {
  expr(x, e->a, NULL);
  int has_default = 0, maybe = 0, fallible = e->a->fallible;
  hm_type ty = HT_NULL;
  hm_names pats = {0};
  for (hm_node *arm = e->b; arm; arm = arm->next) {
    if (has_default) D(x, arm, W0403, "this arm is unreachable: it comes after the default arm _");
    if (!arm->a) has_default = 1;
    for (hm_node *p = arm->a; p; p = p->next)
      if (hm_names_put(&pats, pattern_key(x, p), 0) >= 0)
        D(x, p, W0403, "this pattern is unreachable: an earlier arm already matches it");
    expr(x, arm->b, expect);
    maybe |= arm->b->maybe;
    fallible |= arm->b->fallible;
    if (ty == HT_NULL) ty = (hm_type)arm->b->ty;
    else if (ty != arm->b->ty && arm->b->ty != HT_NULL) ty = HT_ANY;
  }
  arms_in_enum(x, e);
  int closed = !has_default && match_closed(x, e, &pats);
  hm_names_free(&pats);
  e->op = (uint16_t)(has_default || closed ? 0 : 1);   /* 1: may fall through (open) */
  e->ty = ty == HT_NULL ? HT_ANY : ty;
  e->maybe = (uint8_t)(maybe || e->op);
  e->fallible = (uint8_t)(fallible || e->op);
}

static void coalesce(chk *x, hm_node *e, hm_node *expect) {
  expr(x, e->a, expect);
  hm_node *r = e->b;
  if (r->kind == N_REJECTX) { e->ty = e->a->ty; e->maybe = 0; e->fallible = 0; return; }
  if (r->kind == N_SKIP) { e->ty = e->a->ty; e->maybe = 1; e->fallible = 0; return; }
  expr(x, r, expect);
  e->ty = e->a->ty == r->ty || r->ty == HT_NULL ? e->a->ty : e->a->ty == HT_NULL ? r->ty : HT_ANY;
  e->maybe = r->maybe;
  e->fallible = r->fallible;
}

static __attribute__((noinline)) void check_regex_operand(chk *x, hm_node *re) {
  char err[256];
  if (re->kind != N_STR)
    D(x, re, E0204, "the right side of =~ must be a constant regular expression");
  else if (hm_regex_check(re->s, err, sizeof err))
    D(x, re, E0211, "bad regular expression: %s", err);
}

/* `x in L`: L must be a list (or a value only known at run time); a text, the former
   way to hold several values (`",2,3,"` and contains()), is refused with the list form. */
static __attribute__((noinline)) void check_in_list(chk *x, hm_node *e) {
  hm_node *l = e->b;
  if (l->ty == HT_LIST || l->ty == HT_ANY || l->ty == HT_NULL) return;
  if (l->kind == N_SETREF && l->ty == HT_STR)
    D(x, l, E0204, "`in` looks for a value among the items of a list, and $%s is a string "
      "setting: declare it as a list, `setting %s = [\"a\", \"b\"]` (`--set %s=a,b`), or "
      "find text inside it with contains($%s, ...)", l->s, l->s, l->s, l->s);
  else if (l->ty == HT_STR)
    D(x, l, E0204, "`in` looks for a value among the items of a list, and this is a string: "
      "write a list, `x in [\"a\", \"b\"]`, or find text inside text with contains(text, x)");
  else
    D(x, l, E0204, "`in` looks for a value among the items of a list, not in a %s: write "
      "`x in [a, b]`, or compare with `x == y`", hm_type_name((hm_type)l->ty));
}

/* `not x in L` is `(not x) in L` (`not` binds tighter than comparisons): with an x that
   is no bool, the slip of the map that meant `x not in L`, said as such. */
static __attribute__((noinline)) void not_before_in(chk *x, hm_node *n) {
  expr(x, n->a, NULL);
  if (n->a->ty != HT_BOOL && n->a->ty != HT_NULL)
    D(x, n, E0215, "`not x in L` reads `(not x) in L`, and this x is a %s, not a bool: to say "
      "that x is in no item of L, write `x not in L`", hm_type_name((hm_type)n->a->ty));
  n->ty = HT_BOOL; n->maybe = 0; n->fallible = n->a->fallible;
}

static void binop(chk *x, hm_node *e, hm_node *expect) {
  /* `a + b` of two lists keeps the list field's element shape on both sides */
  hm_node *lx = e->op == OPB_ADD && list_object(x, expect) ? expect : NULL;
  if (e->op == OPB_IN && e->a->kind == N_UN && e->a->op == OPU_NOT) not_before_in(x, e->a);
  else expr(x, e->a, lx);
  expr(x, e->b, lx);
  hm_type a = (hm_type)e->a->ty, b = (hm_type)e->b->ty;
  e->fallible = (uint8_t)(e->a->fallible | e->b->fallible);
  switch (e->op) {
  case OPB_ADD:
    if (a == HT_LIST || b == HT_LIST) e->ty = HT_LIST;
    else if (a == HT_STR || b == HT_STR || a == HT_DATE || b == HT_DATE) e->ty = HT_STR;
    else if (a == HT_NUM && b == HT_NUM) e->ty = HT_NUM;
    else e->ty = HT_ANY;
    if ((a == HT_REC || a == HT_REF || a == HT_BOOL) ||
        (b == HT_REC || b == HT_REF || b == HT_BOOL))
      D(x, e, E0204, "'+' cannot combine a %s and a %s", hm_type_name(a), hm_type_name(b));
    e->maybe = (uint8_t)(e->a->maybe | e->b->maybe);
    break;
  case OPB_SUB: case OPB_MUL: case OPB_DIV: case OPB_MOD:
    if ((a != HT_ANY && a != HT_NUM && a != HT_STR && a != HT_DATE) ||
        (b != HT_ANY && b != HT_NUM && b != HT_STR && b != HT_DATE))
      D(x, e, E0204, "arithmetic needs numbers, not a %s and a %s", hm_type_name(a),
        hm_type_name(b));
    e->ty = HT_NUM;
    e->maybe = 1;   /* a non-numeric text or a division by zero gives missing */
    break;
  case OPB_AND: case OPB_OR:
    condition(x, e->a); condition(x, e->b);
    e->ty = HT_BOOL; e->maybe = 0; break;
  case OPB_EQ: case OPB_NE: case OPB_LT: case OPB_LE: case OPB_GT: case OPB_GE:
    e->ty = HT_BOOL; e->maybe = 0; break;
  case OPB_MATCHRE:
    check_regex_operand(x, e->b);
    e->ty = HT_BOOL; e->maybe = 0; break;
  case OPB_IN:
    check_in_list(x, e);
    e->ty = HT_BOOL; e->maybe = 0; break;
  default: e->ty = HT_ANY; e->maybe = 1; break;
  }
}

/* What an each walks: a child source of the rule's source, or a list value.
   Returns the child source index, or -1. */
static int each_iterated(chk *x, hm_node *it) {
  if (it->kind == N_NAME && !find_var(x, it->s) && source_index(x, it->s) >= 0) {
    int child = source_index(x, it->s);
    hm_srcinfo *cs = &x->k->sources[child];
    cs->used = 1;
    it->idx = child;
    it->op = 1;                           /* a child source, not a value: codegen's CHILDREN */
    it->ty = HT_LIST;
    if (x->src < 0 || cs->parent != x->src)
      D(x, it, E0203,
        "each %s: %s is not a child source of %s (declare it with `parent %s by ...`)", it->s,
        it->s, x->src >= 0 ? x->k->sources[x->src].name : "this rule",
        x->src >= 0 ? x->k->sources[x->src].name : "P");
    return child;
  }
  expr(x, it, NULL);
  if (it->ty != HT_LIST && it->ty != HT_ANY)
    D(x, it, E0204, "each needs a list or a child source, not a %s", hm_type_name((hm_type)it->ty));
  return -1;
}

/* The element of `each ... { stmts }`: shaped like T when the each fills a
   `list of T` field (checked like a rule), else a plain record. */
static void each_element(chk *x, hm_node *e, hm_node *expect) {
  hm_node *elem = list_object(x, expect);
  e->decl = elem;
  tstate ts = {0};
  if (elem) {
    ts.fields = elem->c;
    ts.n = hm_list_len(elem->c);
    ts.set = hm_arena_alloc(&x->c->arena, (size_t)ts.n + 1);
    ts.element = 1;
  }
  stmts(x, e->c, elem ? &ts : NULL);
  int i = 0;
  for (hm_node *f = elem ? elem->c : NULL; f; f = f->next, i++)
    if (hm_field_required(f) && ts.set[i] != 2)
      D(x, e, E0303, "each %s: the %s field '%s' is required and %s", e->s, elem->s, f->s,
        ts.set[i] ? "is not set on every path" : "is never set");
}

/* `f(each S as x where c)`: the records themselves are a list only exists() and count()
   read (a record of the export is no value for Gorgias, nor text to join). */
static __attribute__((noinline)) void bare_each(chk *x, hm_node *e) {
  D(x, e, E0217, "`each %s as %s` without a body is the list of the matching records, which "
    "only exists(...) and count(...) read: give it a body, `{ FIELD = %s.NAME ... }`, or a "
    "value, `=> (%s.NAME)`", e->a->kind == N_NAME ? e->a->s : "...", e->s, e->s, e->s);
}

static void each(chk *x, hm_node *e, hm_node *expect) {
  int child = each_iterated(x, e->a);
  int saved_vars = x->nvars, saved_slots = x->nslots, saved_narrow = x->nnarrow;
  e->idx = new_slot(x);                  /* the loop's iteration slot */
  var *v = push_var(x, e, e->s);
  if (!v) return;
  v->ty = HT_REC; v->maybe = 0; v->child_src = child;
  e->num = v->slot;
  if (e->b) { expr(x, e->b, NULL); condition(x, e->b); collect_narrow(x, e->b); }
  if (e->op == 1) {   /* `each S as x => (value)`: a list of values (refs, names...) */
    expr(x, e->d, NULL);
    if (e->d->fallible) report_fallible(x, e->d);
  } else if (e->op == HM_EACH_BARE) {
    bare_each(x, e);
  } else if (e->op != HM_EACH_RECORDS) {
    each_element(x, e, expect);
  }
  x->nnarrow = saved_narrow;
  x->nvars = saved_vars;
  x->nslots = saved_slots;
  e->ty = HT_LIST;
  e->maybe = 0;
  e->fallible = e->a->fallible;
}

/* Diagnostics with suggestion buffers live in leaf functions of their own,
   so the frames of the recursive walk (expr and the helpers it recurses
   through) stay small: HM_MAX_DEPTH of them must fit in any stack. */
static __attribute__((noinline)) void unknown_name(chk *x, hm_node *e) {
  const char *cands[MAXVARS];
  for (int i = 0; i < x->nvars; i++) cands[i] = x->vars[i].name;
  char dym[160];
  did_you_mean(dym, sizeof dym, hm_suggest(e->s, cands, x->nvars));
  if (source_index(x, e->s) >= 0)
    D(x, e, E0207, "'%s' is a source, not a value: use lookup %s(key) or each %s as x { ... }",
      e->s, e->s, e->s);
  else
    D(x, e, E0207, "unknown name '%s'%s", e->s, dym);
  e->ty = HT_ANY; e->maybe = 1;
}

static void name(chk *x, hm_node *e) {
  var *v = find_var(x, e->s);
  if (!v) { unknown_name(x, e); return; }
  e->idx = v->slot; e->ty = v->ty; e->maybe = (uint8_t)(v->maybe && !narrowed(x, e));
}

static __attribute__((noinline)) void unknown_setting(chk *x, hm_node *e) {
  uint32_t n = may_suggest(x) ? x->k->nsettings : 0;
  const char **v = hm_arena_alloc(&x->c->arena, (n + 1) * sizeof *v);
  for (uint32_t j = 0; j < n; j++) v[j] = x->k->settings[j].decl->s;
  char dym[160];
  did_you_mean(dym, sizeof dym, hm_suggest(e->s, v, (int)n));
  D(x, e, E0207, "unknown setting '$%s'%s", e->s, dym);
  e->ty = HT_ANY;
}

static void setref(chk *x, hm_node *e) {
  int i = setting_index(x, e->s);
  if (i < 0) { unknown_setting(x, e); return; }
  x->k->settings[i].used = 1;
  e->idx = (int32_t)i;
  e->ty = (uint8_t)x->k->settings[i].type;
}

/* The start of the leaf of e that starts first. */
static void first_leaf(const hm_node *e, hm_loc *start) {
  for (; e; e = e->next) {
    hm_loc l = e->loc;
    if (l.line && l.file == start->file &&
        (l.line < start->line || (l.line == start->line && l.col < start->col)))
      *start = l;
    first_leaf(e->a, start); first_leaf(e->b, start); first_leaf(e->c, start);
    first_leaf(e->d, start);
  }
}

/* One truthiness: a condition is a bool — true is true; false, missing and null are
   false, as `??` reads missing and null. A text, number or list in a condition was
   false for "", "0", "false" or 0 and true otherwise; rather than change such a map's
   meaning in silence, it is refused (E0215) with the test that says what is meant. */
static __attribute__((noinline)) void condition(chk *x, hm_node *e) {
  if (e->ty == HT_BOOL || e->ty == HT_NULL) return;
  int num = e->ty == HT_NUM;
  D(x, e, E0215,
    "a condition takes a bool, and this is a %s, which a condition no longer reads as true "
    "or false: write the test you mean, %s",
    hm_type_name(e->ty),
    num ? "`(x ?? 0) != 0` or a comparison" : "`exists(x)` (present and not blank) or a comparison "
                                             "such as `x == \"true\"`");
  hm_loc from = e->loc, last = e->loc;
  first_leaf(e, &from);
  last_leaf(e, &last);
  hm_loc to = hm_diag_expr_end(&x->c->diags, from, last);
  const char *text = hm_diag_span(&x->c->diags, from, to);
  if (!text) return;
  hm_loc at = {from.file, from.line, from.col, to.line, to.col};
  hm_diag_fix(&x->c->diags, at,
              hm_arena_printf(&x->c->arena, num ? "((%s ?? 0) != 0)" : "exists(%s)", text));
}

/* A value's text between `:` and its `,` (or the record's `}`), blanks trimmed. */
static char *trim_value(char *v, char closer) {
  v += strspn(v, " \t");
  size_t n = strlen(v);
  while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
  if (n && v[n - 1] == closer) n--;
  while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
  v[n] = 0;
  return v;
}

/* `{ k: v, ... }`: the former record syntax still compiles, to the same record, with a
   warning naming the block form; on one line, the fix-it writes it (`{ k = v  ... }`). */
static __attribute__((noinline)) void former_record(chk *x, hm_node *e) {
  D(x, e, W0406, "a record is now written as a block, `{ FIELD = value ... }` (the "
    "fields separated by spaces or lines, no `:` or `,`)");
  if (e->loc.line != e->loc.end_line) return;
  hm_buf out = {0};
  hm_buf_puts(&out, "{");
  int ok = 1;
  for (hm_node *f = e->a; f && ok; f = f->next) {
    /* the value's text: from the key's end (`: v,`) to the next key or the record's `}` */
    hm_loc from = f->loc, to = e->loc;
    from.col = from.end_col;
    if (f->next) to = f->next->loc;
    else to.col = to.end_col;
    to.line = to.end_line = from.line;
    char *v = (char *)hm_diag_span(&x->c->diags, from, to);
    ok = v && f->loc.col && strspn(f->s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                                          "0123456789") == strlen(f->s);
    if (ok) v = strchr(v, ':');
    ok = ok && v;
    if (ok) v = trim_value(v + 1, f->next ? ',' : '}');
    if (ok) hm_buf_printf(&out, " %s = %s%s", f->s, v, f->next ? " " : "");
  }
  hm_buf_puts(&out, " }");
  if (ok) hm_diag_fix(&x->c->diags, e->loc, hm_arena_printf(&x->c->arena, "%.*s",
                                                              (int)out.len, out.data));
  hm_buf_free(&out);
}

static void expr(chk *x, hm_node *e, hm_node *expect) {
  switch (e->kind) {
  case N_STR:
    e->ty = HT_STR;
    if (x->rule >= 0) hm_check_string_refs(x->c, e, x->src);
    break;
  case N_NUM: e->ty = HT_NUM; break;
  case N_BOOL: e->ty = HT_BOOL; break;
  case N_NULL: e->ty = HT_NULL; e->maybe = 1; break;
  case N_SRC:
    if (x->src < 0) D(x, e, E0207, "'src' is only available inside a rule");
    else
      D(x, e, E0207,
        "src is the current record, not a value: read one of its fields, src.NAME or src[\"Column "
        "name\"]");
    e->ty = HT_REC;
    break;
  case N_NAME: name(x, e); break;
  case N_SETREF: setref(x, e); break;
  case N_FIELD: field_access(x, e); break;
  case N_INDEX:
    /* x["Column name"] is x.Column name: export headers may hold spaces. */
    if (e->b->kind == N_STR) {
      e->kind = N_FIELD;
      e->s = e->b->s;
      e->loc = e->b->loc;
      e->b = NULL;
      field_access(x, e);
      break;
    }
    expr(x, e->a, NULL); expr(x, e->b, NULL);
    e->ty = HT_ANY; e->maybe = 1; e->fallible = (uint8_t)(e->a->fallible | e->b->fallible);
    break;
  case N_CALL: call(x, e); break;
  case N_LOOKUP: lookup(x, e); break;
  case N_AGENT: expr(x, e->a, NULL); e->ty = HT_REF; e->maybe = 1; e->fallible = 1; break;
  case N_FIND: find(x, e); break;
  case N_UPLOAD:
    expr(x, e->a, NULL);
    e->ty = HT_REF;
    e->maybe = e->a->maybe;
    e->fallible = e->a->fallible;
    break;
  case N_MATCH: match(x, e, expect); break;
  case N_EACH: each(x, e, expect); break;
  case N_LIST: {
    hm_node *obj = list_object(x, expect);
    int fallible = 0;
    for (hm_node *i = e->a; i; i = i->next) {
      if (obj && i->kind == N_RECORD && i->op != HM_REC_FIELDS && i->a) former_record(x, i);
      if (obj && i->kind == N_RECORD) record(x, i, obj);
      else expr(x, i, expect);
      fallible |= i->fallible;
    }
    e->ty = HT_LIST; e->fallible = (uint8_t)fallible;
    break;
  }
  case N_RECORD: {
    if (e->op != HM_REC_FIELDS && e->a) former_record(x, e);
    /* shaped by the field it goes to: an object field, or one element appended
       to a list of objects (`messages += { ... }`) */
    hm_node *obj = expect && expect->a && expect->a->op == TY_OBJECT
                       ? hm_schema_target(x->c, expect->a->s)
                       : list_object(x, expect);
    hm_node *ref = expect && expect->a && expect->a->op == TY_REF && expect->a->s
                       ? hm_schema_target(x->c, expect->a->s)
                       : NULL;
    if (!obj && ref) ref_record(x, e, ref);
    else record(x, e, obj);
    break;
  }
  case N_BIN: binop(x, e, expect); break;
  case N_UN:
    expr(x, e->a, NULL);
    if (e->op == OPU_NOT) condition(x, e->a);
    e->ty = e->op == OPU_NOT ? HT_BOOL : HT_NUM;
    e->maybe = e->op == OPU_NOT ? 0 : e->a->maybe;
    e->fallible = e->a->fallible;
    break;
  case N_COND:
    expr(x, e->a, NULL); condition(x, e->a); expr(x, e->b, expect); expr(x, e->c, expect);
    e->ty = e->b->ty == e->c->ty  ? e->b->ty
            : e->b->ty == HT_NULL ? e->c->ty
            : e->c->ty == HT_NULL ? e->b->ty
                                  : HT_ANY;
    e->maybe = (uint8_t)(e->b->maybe | e->c->maybe);
    e->fallible = (uint8_t)(e->a->fallible | e->b->fallible | e->c->fallible);
    break;
  case N_COALESCE: coalesce(x, e, expect); break;
  default: e->ty = HT_ANY; break;
  }
}

/* Name the first unhandled fallible step inside e, for the E0301 message. */
static hm_node *first_fallible(hm_node *e) {
  if (!e || !e->fallible) return NULL;
  if (e->kind == N_COALESCE) { hm_node *f = first_fallible(e->b); return f ? f : e; }
  hm_node *kids[] = {e->a, e->b, e->c};
  for (int i = 0; i < 3; i++)
    for (hm_node *k = kids[i]; k; k = k->next) {
      hm_node *f = first_fallible(k);
      if (f) return f;
    }
  return e;
}

/* How to handle a failure, in E0301's message: anywhere, or in a field of Gorgias' (the
   form docs/language.md recommends first: `?? unset` leaves a report line, `?? skip` not). */
#define HOW_ANY "handle it with ?? default, ?? reject \"why\" or ?? skip"
#define HOW_FIELD                                                                        \
  "add ?? unset (leaves the field out, with a report line), ?? default or ?? reject \"why\"; " \
  "?? skip leaves it out silently"
#define HOW_REQUIRED                                                                        \
  "add ?? reject \"why\" or ?? default (a required field cannot be left unset)"

static void report_fallible_how(chk *x, hm_node *e, const char *how) {
  hm_node *f = first_fallible(e);
  if (!f) f = e;
  const char *uncovered = f->kind == N_MATCH ? match_uncovered(x, f) : NULL;
  if (uncovered)
    D(x, f, E0305,
      "this match has no arm for %s of %s (its declared enum) nor a default: add the arms, "
      "`_ => ...`, or say what happens with ?? default, ?? reject \"why\" or ?? skip",
      uncovered, path_of(x, f->a) ? path_of(x, f->a) : f->a->s);
  else if (f->kind == N_MATCH)
    D(x, f, E0305,
      "this match has no default arm and its subject can hold any value: add `_ => ...` or handle "
      "it with ?? default, ?? reject \"why\" or ?? skip");
  else if (f->kind == N_LOOKUP)
    D(x, f, E0301, "lookup %s(...) can find nothing: %s", f->s, how);
  else if (f->kind == N_FIND || (f->kind == N_FIELD && f->a && f->a->kind == N_FIND))
    D(x, f, E0301, "find %s(...) can find no record: %s", f->kind == N_FIND ? f->s : f->a->s,
      how);
  else if (f->kind == N_AGENT)
    D(x, f, E0301, "agent(...) can find no Gorgias user: %s", how);
  else if (f->kind == N_CALL)
    D(x, f, E0301, "%s(...) can fail at run time: %s", f->s, how);
  else
    D(x, f, E0301, "this expression can fail at run time: %s", how);
}

static void report_fallible(chk *x, hm_node *e) { report_fallible_how(x, e, HOW_ANY); }

/* ---------- constants against the schema (enums, limits) ---------- */

static void check_consts(chk *x, hm_node *e, const hm_node *field) {
  if (!e || !field || !field->a) return;
  switch (e->kind) {
  case N_STR: {
    const hm_node *t = field->a;
    if (t->op == TY_ENUM) {
      int ok = 0, n = 0;
      for (const hm_node *v = t->b; v; v = v->next, n++)
        if (strcmp(v->s, e->s) == 0) ok = 1;
      if (!ok) {
        const char **vals = hm_arena_alloc(&x->c->arena, (size_t)(n + 1) * sizeof *vals);
        int i = 0;
        for (const hm_node *v = t->b; v; v = v->next) vals[i++] = v->s;
        const char *s = hm_suggest(e->s, vals, n);
        hm_buf lst; hm_buf_init(&lst);
        for (i = 0; i < n && i < 12; i++) hm_buf_printf(&lst, "%s\"%s\"", i ? ", " : "", vals[i]);
        if (n > 12) hm_buf_puts(&lst, ", ...");
        if (s)
          D(x, e, E0205, "Gorgias refuses \"%s\" for %s; did you mean \"%s\"?", e->s, field->s, s);
        else
          D(x, e, E0205, "Gorgias refuses \"%s\" for %s (accepted: %s)", e->s, field->s, lst.data);
        hm_buf_free(&lst);
      }
    }
    const hm_node *mx = hm_field_opt(field, FO_MAX);
    if (mx && (t->op == TY_STRING || t->op == TY_ENUM_OPEN)) {
      uint32_t chars = (uint32_t)hm_utf8_leads(e->s, e->slen);
      if (chars > (uint32_t)mx->num)
        D(x, e, E0209, "this text has %u characters; Gorgias accepts at most %.0f in %s", chars,
          mx->num, field->s);
    }
    break;
  }
  case N_NUM: {
    const hm_node *mx = hm_field_opt(field, FO_MAX), *mn = hm_field_opt(field, FO_MIN);
    if (field->a->op == TY_INT || field->a->op == TY_NUMBER) {
      if (mx && e->num > mx->num)
        D(x, e, E0209, "%g is above the maximum %.0f of %s", e->num, mx->num, field->s);
      if (mn && e->num < mn->num)
        D(x, e, E0209, "%g is below the minimum %.0f of %s", e->num, mn->num, field->s);
    }
    break;
  }
  case N_COND: check_consts(x, e->b, field); check_consts(x, e->c, field); break;
  case N_COALESCE: check_consts(x, e->a, field); check_consts(x, e->b, field); break;
  case N_MATCH: for (hm_node *a = e->b; a; a = a->next) check_consts(x, a->b, field); break;
  default: break;
  }
}

/* "true" for a text that reads as yes, "false" for no, else NULL. */
static const char *bool_word(const char *s) {
  static const char *yes[] = {"yes", "true", "1", "on", "y", "oui"};
  static const char *no[] = {"no", "false", "0", "off", "n", "non"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
    if (!strcasecmp(s, yes[i])) return "true";
    if (!strcasecmp(s, no[i])) return "false";
  }
  return NULL;
}

/* A closed enum's values as "a", "b", ... (at most 8 named). */
static const char *enum_values(chk *x, const hm_node *t) {
  hm_buf b; hm_buf_init(&b);
  int i = 0;
  for (const hm_node *v = t->b; v && i < 8; v = v->next, i++)
    hm_buf_printf(&b, "%s\"%s\"", i ? ", " : "", v->s);
  if (i == 8 && hm_list_len(t->b) > 8) hm_buf_puts(&b, ", ...");
  const char *r = hm_arena_printf(&x->c->arena, "%s", b.data ? b.data : "");
  hm_buf_free(&b);
  return r;
}

/* The fix for a scalar of type got where field wants another scalar: the
   explicit conversion (docs/builtins.md "conversions") or the constant to write. */
static __attribute__((noinline)) void scalar_mismatch(chk *x, hm_node *e, const hm_node *field,
                                                      hm_type want, hm_type got) {
  const char *wn = hm_type_name(want), *gn = hm_type_name(got), *f = field->s;
  const char *word = e->kind == N_STR ? bool_word(e->s) : NULL;
  if (want == HT_STR && field->a->op == TY_ENUM)
    D(x, e, E0204, "%s takes one of %s, not a %s: write one of them, or map the source's "
      "values with match", f, enum_values(x, field->a), gn);
  else if (want == HT_STR && e->kind == N_NUM)
    D(x, e, E0204, "%s is a string, but this value is a number: write \"%g\"", f, e->num);
  else if (want == HT_STR)
    D(x, e, E0204, "%s is a string, but this value is a %s: convert it with text(...)", f, gn);
  else if (want == HT_BOOL && word)
    D(x, e, E0204, "%s is a bool, but this value is a string: write %s (no quotes)", f, word);
  else if (want == HT_BOOL)
    D(x, e, E0204, "%s is a bool, but this value is a %s: write true or false, or compare "
      "(x == \"yes\") to get a bool", f, gn);
  else if (want == HT_NUM && got == HT_STR)
    D(x, e, E0204, "%s is a number, but this value is a string: convert it with %s(...) "
      "?? default", f, field->a->op == TY_INT ? "int" : "number");
  else if (want == HT_DATE && got == HT_STR)
    D(x, e, E0204, "%s is a datetime, but this value is a string: parse it with "
      "date(...) ?? default, or write it as \"2024-03-01T08:00:00Z\"", f);
  else
    D(x, e, E0204, "%s is a %s, but this value is a %s", f, wn, gn);
}

/* Whether a scalar of type got may go into a scalar field of type want as it
   is: only a date into text (ISO-8601 is text) converts implicitly; every other
   conversion is an explicit builtin, so the run never meets a 400 for a shape. */
static int scalar_fits(hm_type want, hm_type got, const hm_node *t) {
  if (want == got) return 1;
  return want == HT_STR && got == HT_DATE && t->op != TY_ENUM;
}

/* A constant written as Gorgias reads a datetime: "YYYY-MM-DDTHH:MM:SS", an
   optional fraction, then Z or an offset +HH:MM. */
static int iso_datetime(const char *s) {
  const char *shape = "dddd-dd-ddTdd:dd:dd";
  for (int i = 0; shape[i]; i++, s++)
    if (shape[i] == 'd' ? !(*s >= '0' && *s <= '9') : *s != shape[i]) return 0;
  if (*s == '.') do s++; while (*s >= '0' && *s <= '9');
  if (*s == 'Z') return s[1] == 0;
  const char *off = "+dd:dd";
  if (*s != '+' && *s != '-') return 0;
  for (int i = 1; off[i]; i++)
    if (off[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != off[i]) return 0;
  return s[6] == 0;
}

/* The leaves of e that decide its value: the arms of a match, both sides of a
   condition and of ??. A mismatch is reported at the leaf, where the fix goes. */
static void check_scalar(chk *x, hm_node *e, const hm_node *field, hm_type want) {
  switch (e->kind) {
  case N_COND: check_scalar(x, e->b, field, want); check_scalar(x, e->c, field, want); return;
  case N_COALESCE:
    check_scalar(x, e->a, field, want);
    if (e->b->kind != N_REJECTX && e->b->kind != N_SKIP) check_scalar(x, e->b, field, want);
    return;
  case N_MATCH:
    for (hm_node *a = e->b; a; a = a->next) check_scalar(x, a->b, field, want);
    return;
  case N_NAME: {   /* `let s = "open"` ... `status = s`: the let's own leaves decide */
    var *v = find_var(x, e->s);
    if (v && v->val && v->val->kind != N_NAME && want == HT_STR && field->a->op == TY_ENUM) {
      check_scalar(x, v->val, field, want);
      check_consts(x, v->val, field);
      return;
    }
    break;
  }
  default: break;
  }
  hm_type got = (hm_type)e->ty;
  if (got == HT_ANY || got == HT_NULL) return;
  int scalar_got = got == HT_STR || got == HT_NUM || got == HT_BOOL || got == HT_DATE;
  if (!scalar_got) {
    D(x, e, E0204, "%s is a %s, but this value is a %s", field->s, hm_type_name(want),
      hm_type_name(got));
    return;
  }
  if (want == HT_DATE && e->kind == N_STR && iso_datetime(e->s)) return;
  if (field->a->op == TY_ENUM && got == HT_STR && e->kind != N_STR && e->kind != N_SETREF) {
    D(x, e, E0205, "%s takes only %s, and this value comes from the data: map it with "
      "match { \"...\" => %s  _ => ... }", field->s, enum_values(x, field->a),
      field->a->b ? hm_arena_printf(&x->c->arena, "\"%s\"", field->a->b->s) : "...");
    return;
  }
  if (!scalar_fits(want, got, field->a)) scalar_mismatch(x, e, field, want, got);
}

/* Type of a value against a target field: scalars must match (or be converted
   explicitly), lists go to lists, records to records, references to references. */
static void check_assign_type(chk *x, hm_node *e, const hm_node *field, int append) {
  if (!field->a) return;
  hm_type want = (hm_type)hm_decl_type(field->a), got = (hm_type)e->ty;
  if (want == HT_STR || want == HT_NUM || want == HT_BOOL || want == HT_DATE) {
    if (!append) { check_scalar(x, e, field, want); return; }
  }
  if (want == HT_ANY || (!append && (got == HT_ANY || got == HT_NULL))) return;
  if (append && (got == HT_ANY || got == HT_NULL) && want == HT_LIST) return;
  int bad = 0;
  if (append) bad = want != HT_LIST;
  else switch (want) {
  case HT_LIST: bad = got != HT_LIST; break;
  case HT_REC: bad = got != HT_REC; break;
  case HT_REF: bad = !(got == HT_REF || got == HT_REC || got == HT_NUM); break;
  default: break;
  }
  if (!bad) return;
  if (append)
    D(x, e, E0204, "'+=' appends to a list, but %s is a %s", field->s, hm_type_name(want));
  else if (want == HT_REF && got == HT_STR)
    D(x, e, E0204, "%s is a reference to a %s: use lookup Source(key) or agent(email), not a %s",
      field->s, field->a->s, hm_type_name(got));
  else
    D(x, e, E0204, "%s is a %s, but this value is a %s", field->s, hm_type_name(want),
      hm_type_name(got));
}

/* ---------- statements ---------- */

static int plain_name(const char *s) {
  for (; *s; s++)
    if (*s != '_' && !(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
        !(*s >= '0' && *s <= '9'))
      return 0;
  return 1;
}

/* Whether a statement list (and what it nests) reads the local name `name`. */
static int mentions(const hm_node *n, const char *name) {
  for (; n; n = n->next) {
    if (n->kind == N_NAME && n->s && !strcmp(n->s, name)) return 1;
    if (mentions(n->a, name) || mentions(n->b, name) || mentions(n->c, name) ||
        mentions(n->d, name) || mentions(n->guard, name))
      return 1;
  }
  return 0;
}

/* The end of the leaf of e that ends last (a node's own span is one token). */
static void last_leaf(const hm_node *e, hm_loc *end) {
  for (; e; e = e->next) {
    hm_loc l = e->loc;
    if (l.line && l.file == end->file &&
        (l.end_line > end->end_line || (l.end_line == end->end_line && l.end_col > end->end_col)))
      *end = l;
    last_leaf(e->a, end); last_leaf(e->b, end); last_leaf(e->c, end); last_leaf(e->d, end);
  }
}

/* `total = ...` where no field total exists and later statements read `total`:
   a `let` was meant. The value is bound as one, so its uses report nothing more. */
static void missing_let(chk *x, hm_node *st) {
  D(x, st, E0214,
    "Gorgias has no field '%s' here, and the statements below read '%s' as a name: did you "
    "mean `let %s = ...`?",
    st->s, st->s, st->s);
  hm_loc at = st->loc;
  at.end_line = at.line; at.end_col = at.col;
  hm_diag_fix(&x->c->diags, at, "let ");
  expr(x, st->a, NULL);
  if (st->a->fallible) report_fallible(x, st->a);
  var *v = push_var(x, st, st->s);
  if (v) { v->ty = st->a->ty; v->maybe = st->a->maybe; v->val = st->a; }
}

/* E0301/E0305 on a field's value: the fix appends the `??` the docs recommend —
   `?? unset` (the field stays unset and a report line says why), or for a
   field Gorgias requires, `?? reject` (unset would only trade E0301 for E0302). */
static void report_fallible_field(chk *x, hm_node *st, const hm_node *field) {
  int assign = field && st->kind == N_ASSIGN;
  report_fallible_how(x, st->a, !assign                      ? HOW_ANY
                                : hm_field_required(field) ? HOW_REQUIRED
                                                           : HOW_FIELD);
  if (!assign) return;
  hm_loc end = st->loc;
  last_leaf(st->a, &end);
  end = hm_diag_expr_end(&x->c->diags, st->loc, end);
  const char *text = hm_field_required(field)
                         ? hm_arena_printf(&x->c->arena, " ?? reject \"no %s\"", st->s)
                         : " ?? unset";
  hm_diag_fix(&x->c->diags, end, text);
}

static void assign(chk *x, hm_node *st, tstate *ts) {
  hm_node *field = NULL;
  int fi = -1;
  if (ts) {
    fi = field_index(ts->fields, st->s);
    field = hm_schema_field(ts->fields, st->s);
    /* may_suggest bounds the scans of the statements below: n unknown fields stay linear */
    if (!field && st->kind == N_ASSIGN && plain_name(st->s) && !find_var(x, st->s) &&
        may_suggest(x) && mentions(st->next, st->s)) {
      missing_let(x, st);
      return;
    }
    if (!field) {
      char dym[160];
      did_you_mean(dym, sizeof dym, suggest_field(x, ts->fields, st->s));
      D(x, st, E0202, "Gorgias has no field '%s' here%s", st->s, dym);
    } else if (hm_field_has(field, FO_READONLY)) {
      D(x, st, E0202, "%s is read-only in Gorgias and cannot be set", st->s);
    }
  }
  expr(x, st->a, field);
  st->idx = fi;
  st->decl = field;
  if (st->a->fallible) report_fallible_field(x, st, field);
  if (!ts && st->kind == N_APPEND)
    D(x, st, E0204,
      "'+=' needs a Gorgias object field; inside a plain each, build the list with [ ... ] "
      "instead");
  if (!field) return;
  if (st->kind == N_ASSIGN) {
    if (ts->set[fi])
      D(x, st, E0304, "%s is already set%s", st->s, ts->set[fi] == 1 ? " on some paths" : "");
    ts->set[fi] = 2;
    if (ts->element && hm_field_required(field) && st->a->kind == N_COALESCE &&
        st->a->b->kind == N_SKIP && st->a->b->op == 0)
      st->a->b->op = HM_SKIP_ELEMENT;     /* the element goes, not just the field */
    else if (hm_field_required(field) && st->a->maybe && !st->a->fallible)
      D(x, st->a, E0302,
        "%s is required, but this value may be missing or null: add ?? default or ?? reject "
        "\"why\"",
        st->s);
  } else {
    if (!ts->set[fi]) ts->set[fi] = 2;
  }
  check_assign_type(x, st->a, field, st->kind == N_APPEND);
  check_consts(x, st->a, field);
}

static void stmt(chk *x, hm_node *st, tstate *ts) {
  switch (st->kind) {
  case N_ASSIGN: case N_APPEND: assign(x, st, ts); break;
  case N_LET: {
    expr(x, st->a, NULL);
    if (st->a->fallible) report_fallible(x, st->a);
    var *v = push_var(x, st, st->s);
    if (v) { v->ty = st->a->ty; v->maybe = st->a->maybe; v->val = st->a; st->idx = v->slot; }
    break;
  }
  case N_IF: {
    expr(x, st->a, NULL);
    condition(x, st->a);
    if (st->a->fallible) report_fallible(x, st->a);
    tstate a = {0}, b = {0};
    if (ts) {
      a = *ts; b = *ts;
      a.set = hm_arena_alloc(&x->c->arena, (size_t)ts->n + 1);
      b.set = hm_arena_alloc(&x->c->arena, (size_t)ts->n + 1);
      memcpy(a.set, ts->set, (size_t)ts->n);
      memcpy(b.set, ts->set, (size_t)ts->n);
    }
    int saved = x->nvars, saved_narrow = x->nnarrow;
    collect_narrow(x, st->a);
    stmts(x, st->b, ts ? &a : NULL);
    x->nnarrow = saved_narrow;
    x->nvars = saved;
    if (st->c && st->c->kind == N_IF) stmt(x, st->c, ts ? &b : NULL);
    else stmts(x, st->c, ts ? &b : NULL);
    x->nvars = saved;
    if (ts)
      for (int i = 0; i < ts->n; i++)
        ts->set[i] = (uint8_t)(a.set[i] == 2 && b.set[i] == 2 ? 2 : (a.set[i] || b.set[i]) ? 1 : 0);
    break;
  }
  case N_FLAG: case N_REJECT: break;
  case N_LOSSY: break;
  case N_SRCOPT: if (x->src >= 0) add_ignore(x, &x->k->sources[x->src], st); break;
  default: break;
  }
}

static void stmts(chk *x, hm_node *list, tstate *ts) {
  for (hm_node *s = list; s; s = s->next) stmt(x, s, ts);
}

/* ---------- declarations ---------- */

static void collect_use(chk *x, hm_node *n) {
  if (hm_compiler_module(x->c, n->s) < 0) {
    static const char *known[] = {"gorgias", "itop", "smartertrack", "atera"};
    const char *s = hm_suggest(n->s, known, 4);
    char dym[160];
    did_you_mean(dym, sizeof dym, s);
    D(x, n, E0104, "no schema module '%s' in stdlib%s", n->s, dym);
  }
}

static int setting_type(const hm_node *lit) {
  switch (lit->kind) {
  case N_STR: return HT_STR;
  case N_NUM: return HT_NUM;
  case N_BOOL: return HT_BOOL;
  case N_LIST: return HT_LIST;
  default: return HT_NULL;
  }
}

static int format_of(const char *s) {
  if (strcmp(s, "csv") == 0) return HF_CSV;
  if (strcmp(s, "ndjson") == 0) return HF_NDJSON;
  if (strcmp(s, "json") == 0) return HF_JSON;
  if (strcmp(s, "json_pages") == 0) return HF_JSON_PAGES;
  if (strcmp(s, "sqlite") == 0) return HF_SQLITE;
  return -1;
}

/* `source S from ... + { F: T ... }`: the object's fields in their order, a
   field the block declares again taking the block's declaration, then the
   block's new fields. The object's nodes are shared by every source of that
   type, so the list is built of copies. */
static hm_node *extend_fields(chk *x, const hm_node *base, hm_node *ext) {
  hm_nlist out = {0};
  hm_names given = {0};
  for (hm_node *f = ext; f; f = f->next)
    if (f->kind == N_FIELDDECL && f->s && hm_names_put(&given, f->s, 0) >= 0)
      D(x, f, E0208, "column '%s' is declared twice in this block", f->s);
  for (const hm_node *f = base; f; f = f->next) {
    if (f->kind != N_FIELDDECL || !f->s) continue;
    hm_node *own = hm_schema_field(ext, f->s);
    hm_node *copy = hm_node_new(&x->c->arena, N_FIELDDECL, (own ? own : f)->loc);
    *copy = own ? *own : *f;
    copy->next = NULL;
    out = hm_list_add(out, copy);
  }
  for (hm_node *f = ext; f; f = f->next) {
    if (f->kind != N_FIELDDECL || !f->s || hm_schema_field((hm_node *)base, f->s)) continue;
    hm_node *copy = hm_node_new(&x->c->arena, N_FIELDDECL, f->loc);
    *copy = *f;
    copy->next = NULL;
    out = hm_list_add(out, copy);
  }
  hm_names_free(&given);
  return out.head;
}

/* `source S : T` without `from`: the format and path T's module states for it
   (`object T ... from csv "T.csv"`), copied into the declaration. */
static void source_from_object(chk *x, hm_node *n) {
  const char *tname = n->a->next ? n->a->next->s : n->s;
  hm_node *obj = hm_schema_object(x->c, tname, NULL);
  if (!obj || !obj->d) {
    if (obj || !n->a->next)   /* an unknown type is named by declare_source (E0203) */
      D(x, n, E0210, "source %s has no `from FORMAT \"PATH\"`, and %s", n->s,
        obj ? "its object's module does not say where its records are: add one"
            : "no module object gives its type: write `source NAME : TYPE from ...`");
    n->a->s = "csv";
    n->a->slen = 3;
    n->d = hm_node_new(&x->c->arena, N_STR, n->loc);
    n->d->s = "";
    return;
  }
  n->a->s = obj->b->s;
  n->a->slen = obj->b->slen;
  n->d = hm_node_new(&x->c->arena, N_STR, n->loc);
  n->d->s = obj->d->s;
  n->d->slen = obj->d->slen;
}

/* Both places: a `source` line and a head may declare the same name. */
static const char *declared_by(const hm_node *n) {
  return n->op & HM_SRC_HEAD ? "a rule's or gap's head" : "a `source` line";
}
static void declared_twice(chk *x, const hm_node *n, const hm_node *first) {
  D(x, n, E0208, "source %s is declared twice: here (%s) and at line %u (%s)", n->s,
    declared_by(n), first->loc.line, declared_by(first));
}

static void unknown_object(chk *x, const hm_node *n, const char *tname) {
  char dym[160];
  did_you_mean(dym, sizeof dym, may_suggest(x) ? hm_suggest_object(x->c, tname) : NULL);
  if (n->a->next)
    D(x, n->a->next, E0203, "no source object '%s' in the modules this map uses%s", tname, dym);
  else
    D(x, n, E0203,
      "no source object '%s' in the modules this map uses: name its type (source %s : Type "
      "from ...) or declare its fields inline%s",
      tname, n->s, dym);
}

static void declare_source(chk *x, hm_node *n, hm_srcinfo *s) {
  memset(s, 0, sizeof *s);
  s->decl = n;
  s->name = n->s;
  s->parent = -1;
  if (!n->d) source_from_object(x, n);
  s->format = format_of(n->a->s);
  if (s->format < 0) {
    static const char *fmts[] = {"csv", "ndjson", "json", "json_pages", "sqlite"};
    char dym[160];
    did_you_mean(dym, sizeof dym, hm_suggest(n->a->s, fmts, 5));
    D(x, n->a, E0210, "unknown format '%s' (csv, ndjson, json, json_pages or sqlite)%s", n->a->s,
      dym);
  }
  const char *tname = n->a->next ? n->a->next->s : n->s;
  if (n->op == HM_SRC_INLINE && n->a->next)
    D(x, n->a->next, E0210,
      "a field block after `: %s` would replace every field of %s: write `+ { ... }` to add "
      "or override columns of %s, or drop `: %s` to declare every column yourself",
      tname, tname, tname, tname);
  if (n->op == HM_SRC_INLINE) {
    s->fields = n->c;
    s->has_fields = 1;
  } else {
    const char *mod = NULL;
    s->object = hm_schema_object(x->c, tname, &mod);
    if (!s->object) {
      unknown_object(x, n, tname);
    } else {
      s->fields = n->op == HM_SRC_EXTEND ? extend_fields(x, s->object->c, n->c) : s->object->c;
      s->has_fields = s->fields != NULL;
      if (s->object->a) s->key = s->object->a->s;
    }
  }
  index_fields(x, s);
}

/* Repeats are told apart by key among the records the planner reads one by
   one: a child's records are listed under their parent by `each` instead, and
   without a key every record is its own identity. */
static void distinct_option(chk *x, const hm_srcinfo *s, bool has_parent) {
  if (has_parent)
    D(x, s->distinct, E0212,
      "distinct applies to top-level sources: the records of child source %s belong to their "
      "parent, and `each` lists every one of them (drop distinct, or the parent link)",
      s->name);
  else if (!s->key)
    D(x, s->distinct, E0212,
      "distinct needs a key: %s has none, so no record can repeat another (add `key FIELD`)",
      s->name);
}

static void source_options(chk *x, hm_srcinfo *s) {
  static const char *const optname[] = {"key", "parent", "records", "sep", "encoding", "files",
                                        "distinct", "ignore", "optional", "table", "dates"};
  int seen[sizeof optname / sizeof *optname] = {0};   /* indexed by hm_srcopt */
  for (hm_node *o = s->decl->b; o; o = o->next) {
    if (o->op != SO_IGNORE && seen[o->op]++) D(x, o, E0210, "'%s' is given twice", optname[o->op]);
    switch (o->op) {
    case SO_KEY: s->key = o->s; break;
    case SO_PARENT: {
      int p = source_index(x, o->s);
      if (p < 0) {
        char dym[160];
        did_you_mean(dym, sizeof dym, suggest_source(x, o->s));
        D(x, o, E0203, "parent %s is not a declared source%s", o->s, dym);
      } else if (&x->k->sources[p] == s) {
        D(x, o, E0210, "a source cannot be its own parent");
      } else {
        s->parent = p;
      }
      s->parent_by = o->a;
      if (!o->a && !strchr(s->decl->d->s, '*'))
        D(x, o, E0210, "parent %s by path needs a '*' in the path to take the key from", o->s);
      break;
    }
    case SO_RECORDS:
      s->records = o->s;
      if (s->format != HF_JSON) D(x, o, E0210, "records applies to json sources only");
      break;
    case SO_SEP:
      if (o->slen != 1) D(x, o, E0210, "sep is one character, like \";\" or \"\\t\"");
      else s->sep = (unsigned char)o->s[0];
      if (s->format != HF_CSV) D(x, o, E0210, "sep applies to csv sources only");
      break;
    case SO_ENCODING: {
      char low[32] = {0};
      for (uint32_t i = 0; i < o->slen && i < 31; i++) low[i] = (char)(o->s[i] | 0x20);
      if (strcmp(low, "utf-8") != 0 && strcmp(low, "utf8") != 0)
        D(x, o, E0210,
          "encoding \"%s\" is not read: convert the export to UTF-8 first (iconv -f ... -t UTF-8)",
          o->s);
      break;
    }
    case SO_FILES: s->files = o->s; break;
    case SO_DISTINCT: s->distinct = o; break;
    case SO_IGNORE: add_ignore(x, s, o); break;
    case SO_OPTIONAL: s->optional = o; break;
    case SO_TABLE:
      s->records = o->s;     /* the bytecode keeps a sqlite source's table where json's path is */
      if (s->format != HF_SQLITE) D(x, o, E0210, "table applies to sqlite sources only");
      break;
    case SO_DATES: break;    /* spliced into the rules' date() calls by hm_expand */
    }
  }
  if (s->format == HF_SQLITE && !seen[SO_TABLE])
    D(x, s->decl, E0210, "a sqlite source names its table: table \"st_tickets\"");
  if (s->distinct) distinct_option(x, s, seen[SO_PARENT] > 0);
  const char *star = strchr(s->decl->d->s, '*');
  if (star && strchr(star + 1, '*'))
    D(x, s->decl->d, E0210, "a source path may contain at most one '*'");
  if (s->key && s->has_fields && !source_field(s, s->key)) {
    hm_node *at = s->decl;
    for (hm_node *o = s->decl->b; o; o = o->next) if (o->op == SO_KEY) at = o;
    char dym[160];
    did_you_mean(dym, sizeof dym, suggest_field(x, s->fields, s->key));
    D(x, at, E0201, "key %s is not a field of %s%s", s->key, s->name, dym);
  }
  if (s->parent_by && s->has_fields && !source_field(s, s->parent_by->s)) {
    char dym[160];
    did_you_mean(dym, sizeof dym, suggest_field(x, s->fields, s->parent_by->s));
    D(x, s->parent_by, E0201, "%s has no field '%s' to join on%s", s->name, s->parent_by->s, dym);
  }
}

static int add_target(hm_checked *k, hm_node *t) {
  for (uint32_t i = 0; i < k->ntargets; i++) if (k->targets[i] == t) return (int)i;
  if (k->ntargets == k->captargets) {
    k->captargets = k->captargets ? k->captargets * 2 : 8;
    k->targets = realloc(k->targets, k->captargets * sizeof *k->targets);
    if (!k->targets) abort();
  }
  k->targets[k->ntargets] = t;
  return (int)k->ntargets++;
}

/* Every target reachable through `ref`/`list of` from the used ones goes into the
   program, so the runtime knows the shape of nested messages and attachments. */
static void close_targets(chk *x) {
  for (uint32_t i = 0; i < x->k->ntargets; i++)
    for (hm_node *f = x->k->targets[i]->c; f; f = f->next) {
      hm_node *t = f->a;
      while (t && t->op == TY_LIST && t->a) t = t->a;
      if (t && (t->op == TY_REF || t->op == TY_OBJECT)) {
        hm_node *tt = hm_schema_target(x->c, t->s);
        if (tt) add_target(x->k, tt);
        else D(x, t, E0203, "no target '%s' in the schema", t->s);
      }
    }
}

/* A planner setting (stdlib/hm_psettings.h) is read by the planner itself, so
   declaring one is a use, and its literal must be of the kind the planner reads. */
/* A list setting's items: of one type, as `--set NAME=a,b` gives them all one type; a
   string item must read back from that text (no comma, no blank at either end, not empty). */
static int list_setting_elem(chk *x, const hm_node *n) {
  const hm_node *first = n->a->a;
  for (const hm_node *i = first; i; i = i->next) {
    if (i->kind == N_NULL)
      D(x, i, E0204, "list setting %s: an item is a string, number or bool, not null", n->s);
    else if (i->kind != first->kind)
      D(x, i, E0204, "list setting %s: its items are of one type, as `--set %s=a,b` gives "
        "them; this one is a %s, the first a %s", n->s, n->s,
        hm_type_name((hm_type)setting_type(i)), hm_type_name((hm_type)setting_type(first)));
    else if (i->kind == N_STR && (!i->slen || memchr(i->s, ',', i->slen) || i->s[0] == ' ' ||
                                  i->s[i->slen - 1] == ' '))
      D(x, i, E0204, "list setting %s: an item cannot be empty, hold a comma or start or end "
        "with a blank, since `--set %s=a,b` splits at commas and trims blanks", n->s, n->s);
  }
  return first && first->kind != N_NULL ? setting_type(first) : HT_STR;
}

static int planner_setting(chk *x, const hm_node *n) {
  int ps = hm_pset_find(n->s, strlen(n->s));
  if (ps < 0) return 0;
  const hm_pset *d = hm_pset_get((hm_pset_id)ps);
  const hm_node *v = n->a;
  if (!hm_pset_fits(d->kind, v->kind == N_STR, v->kind == N_NUM, v->num) && v->kind != N_NULL)
    D(x, v, E0204, "%s is a planner setting: it needs a %s (docs/plan.md)", n->s,
      hm_pset_kind_name(d->kind));
  return 1;
}

static void check_rule(chk *x, int ri) {
  hm_ruleinfo *r = &x->k->rules[ri];
  hm_node *n = r->decl;
  x->rule = ri;
  x->src = r->source;
  x->nvars = x->nslots = x->maxslots = 0;
  x->nnarrow = 0;
  if (n->guard) {
    expr(x, n->guard, NULL);
    condition(x, n->guard);
    if (n->guard->fallible) report_fallible(x, n->guard);
    collect_narrow(x, n->guard);
  }
  tstate ts = {0};
  if (r->target) {
    ts.fields = r->target->c;
    ts.n = hm_list_len(r->target->c);
    ts.set = hm_arena_alloc(&x->c->arena, (size_t)ts.n + 1);
  }
  stmts(x, n->c, r->target ? &ts : NULL);
  if (r->target) {
    int i = 0;
    for (hm_node *f = r->target->c; f; f = f->next, i++)
      if (hm_field_required(f) && ts.set[i] != 2) {
        D(x, n, E0303, "%s -> %s: the %s field '%s' is required and %s", n->a->s, n->b->s,
          r->target->s, f->s, ts.set[i] ? "is not set on every path" : "is never set");
      }
  }
  r->nslots = (uint32_t)x->maxslots;
  if (n->d) {
    x->in_after = 1;
    x->nvars = x->nslots = x->maxslots = 0;
    tstate ta = ts;
    if (r->target) {
      ta.set = hm_arena_alloc(&x->c->arena, (size_t)ts.n + 1);
      /* fields set in the first pass may be set again: the update replaces them */
    }
    stmts(x, n->d, r->target ? &ta : NULL);
    for (hm_node *s = n->d; s; s = s->next)
      if (s->kind == N_ASSIGN && s->decl && hm_field_has(s->decl, FO_CREATE_ONLY))
        D(x, s, E0202, "%s can only be set when the object is created, not in an after block",
          s->s);
    r->nslots_after = (uint32_t)x->maxslots;
    x->in_after = 0;
  }
  x->rule = -1;
  x->src = -1;
}

/* Lookups outside `after` blocks are dependencies: the looked-up source must be
   planned first. Depth-first topological sort; a back edge is a cycle. */
typedef struct dep { int from, to; hm_node *at; } dep;
typedef struct deps { dep *v; int n, cap; } deps;

static void collect_deps(hm_node *e, int from, deps *d) {
  for (; e; e = e->next) {
    if (e->kind == N_LOOKUP && e->idx >= 0) {
      if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = realloc(d->v, (size_t)d->cap * sizeof *d->v);
        if (!d->v) abort();
      }
      d->v[d->n++] = (dep){from, e->idx, e};
    }
    collect_deps(e->a, from, d); collect_deps(e->b, from, d); collect_deps(e->c, from, d);
    if (e->kind != N_RULE) collect_deps(e->d, from, d);
    collect_deps(e->guard, from, d);
  }
}

/* The lookups as adjacency lists: the edges from source s are
   edges[start[s] .. start[s + 1]), in the order the lookups appear. */
typedef struct graph { uint32_t *start; const dep **edges; } graph;

static graph make_graph(const deps *d, uint32_t nsources) {
  graph g = {calloc(nsources + 2, sizeof *g.start), calloc((size_t)d->n + 1, sizeof *g.edges)};
  uint32_t *fill = calloc(nsources + 1, sizeof *fill);
  if (!g.start || !g.edges || !fill) abort();
  for (int j = 0; j < d->n; j++) g.start[d->v[j].from + 1]++;
  for (uint32_t s = 0; s < nsources; s++) g.start[s + 1] += g.start[s];
  for (int j = 0; j < d->n; j++) {
    int from = d->v[j].from;
    g.edges[g.start[from] + fill[from]++] = &d->v[j];
  }
  free(fill);
  return g;
}

/* stack[0 .. depth) is the path being visited; e closes a cycle onto e->to. */
static void report_cycle(chk *x, const int *stack, int depth, const dep *e) {
  int i = depth - 1;
  while (i >= 0 && stack[i] != e->to) i--;
  hm_buf cyc; hm_buf_init(&cyc);
  for (int j = i < 0 ? 0 : i; j < depth; j++)
    hm_buf_printf(&cyc, "%s -> ", x->k->sources[stack[j]].name);
  hm_buf_puts(&cyc, x->k->sources[e->to].name);
  D(x, e->at, E0307, "lookups form a cycle: %s; move one of them into an `after` block", cyc.data);
  hm_buf_free(&cyc);
}

/* Depth-first from root with an explicit stack (a chain of lookups may be as
   long as the map has sources). A source is ordered once everything it looks
   up is; sources on a cycle are reported and left out. Returns 1 on a cycle. */
static int visit(chk *x, const graph *g, int root, uint8_t *state, int *stack, uint32_t *cursor) {
  if (state[root] == 2) return 0;
  int depth = 0, cyc = 0;
  stack[0] = root; state[root] = 1; cursor[0] = g->start[root];
  while (depth >= 0) {
    int s = stack[depth], next = -1;
    while (!cyc && next < 0 && cursor[depth] < g->start[s + 1]) {
      const dep *e = g->edges[cursor[depth]++];
      if (e->to == s || state[e->to] == 2) continue;
      if (state[e->to] == 1) { report_cycle(x, stack, depth + 1, e); cyc = 1; }
      else next = e->to;
    }
    if (next >= 0) {
      stack[++depth] = next; state[next] = 1; cursor[depth] = g->start[next];
      continue;
    }
    state[s] = 2;
    if (!cyc) x->k->order[x->k->norder++] = (uint32_t)s;
    depth--;
  }
  return cyc;
}

/* Per source, the earliest kind of Gorgias object its rules make, in the
   order of an import (the profile's create_rank); sources making none rank
   last (HM_GK_COUNT). */
static int *source_ranks(chk *x) {
  int *rank = malloc((x->k->nsources + 1) * sizeof *rank);
  if (!rank) abort();
  for (uint32_t s = 0; s < x->k->nsources; s++) rank[s] = HM_GK_COUNT;
  for (uint32_t i = 0; i < x->k->nrules; i++) {
    const hm_ruleinfo *r = &x->k->rules[i];
    if (r->source < 0 || !r->target) continue;
    const hm_gorgias_kind *g = hm_gorgias_named(r->target->s);
    if (g && (int)g->create_rank < rank[r->source]) rank[r->source] = (int)g->create_rank;
  }
  return rank;
}

static void order_sources(chk *x) {
  deps d = {0};
  for (uint32_t i = 0; i < x->k->nrules; i++) {
    hm_node *r = x->k->rules[i].decl;
    int from = x->k->rules[i].source;
    if (from < 0) continue;
    collect_deps(r->guard, from, &d);
    collect_deps(r->c, from, &d);
  }
  /* A lookup of an object no rule produces can never resolve. */
  for (int j = 0; j < d.n; j++)
    if (!x->k->sources[d.v[j].to].has_rule)
      D(x, d.v[j].at, E0306, "lookup %s(...): no rule migrates %s, so nothing can be found",
        x->k->sources[d.v[j].to].name, x->k->sources[d.v[j].to].name);
  uint32_t n = x->k->nsources;
  x->k->order = calloc(n + 1, sizeof *x->k->order);
  uint8_t *state = calloc(n + 1, 1);
  int *stack = calloc(n + 1, sizeof *stack);
  uint32_t *cursor = calloc(n + 1, sizeof *cursor);
  if (!x->k->order || !state || !stack || !cursor) abort();
  graph g = make_graph(&d, n);
  /* Roots in the natural order of a Gorgias import (tags and custom fields,
     people, uploads, tickets, surveys, help center), declaration order within a
     kind; lookups still pull whatever they need in front. Tags first means
     ticket tags reuse the described tags instead of creating bare ones. */
  int *rank = source_ranks(x);
  for (int r = 0; r <= HM_GK_COUNT; r++)
    for (uint32_t s = 0; s < n; s++)
      if (x->k->sources[s].parent < 0 && rank[s] == r) visit(x, &g, (int)s, state, stack, cursor);
  for (uint32_t s = 0; s < n; s++)   /* child sources last: they travel with their parent */
    if (x->k->sources[s].parent >= 0 && !state[s]) x->k->order[x->k->norder++] = s;
  free(rank); free(g.start); free(g.edges);
  free(state); free(stack); free(cursor);
  free(d.v);
}

static void check_module_decls(chk *x, hm_unit *u) {
  for (hm_node *n = u->items; n; n = n->next) {
    if (n->kind != N_TARGET && n->kind != N_OBJECT) continue;
    hm_names seen = {0};
    for (hm_node *f = n->c; f; f = f->next) {
      if (hm_names_put(&seen, f->s, 0) >= 0)
        D(x, f, E0208, "%s declares field '%s' twice", n->s, f->s);
      hm_node *t = f->a;
      while (t && t->op == TY_LIST && t->a) t = t->a;
      if (t && (t->op == TY_REF || t->op == TY_OBJECT) && n->kind == N_TARGET &&
          !hm_schema_target(x->c, t->s))
        D(x, t, E0203, "no target '%s' in the schema", t->s);
      const hm_node *def = hm_field_opt(f, FO_DEFAULT);
      if (def && def->a && def->a->kind == N_STR) check_consts(x, def->a, f);
    }
    hm_names_free(&seen);
  }
}

int hm_check(hm_compiler *c, int unit) {
  uint32_t errors_before = c->diags.errors;
  hm_checked *k = &c->chk;
  chk x = {0};
  x.c = c; x.k = k; x.rule = -1; x.src = -1;
  hm_unit *u = &c->units[unit];
  if (u->too_deep) return 0;   /* E0106 already counted: the tree is not walked */

  /* Pass 1: modules and declarations. */
  uint32_t nsrc = 0, nrule = 0, nset = 0, ngap = 0;
  int nmig = 0;
  for (hm_node *n = u->items; n; n = n->next) {
    switch (n->kind) {
    case N_USE: collect_use(&x, n); break;
    case N_SOURCE: nsrc++; break;
    case N_RULE: nrule++; break;
    case N_SETTING: nset++; break;
    case N_GAP: ngap++; break;
    case N_MIGRATION:
      if (nmig++) D(&x, n, E0105, "a map has one migration header; this is a second one");
      else k->migration = n;
      break;
    default: break;
    }
  }
  u = &c->units[unit];   /* `use` may have loaded modules and moved the units */
  if (u->module) {
    check_module_decls(&x, u);
    return (int)(c->diags.errors - errors_before);
  }
  nsrc += hm_imply_sources(c, u);   /* `rule T -> X` with no `source T`: T's object */
  if (!nmig) {
    hm_node at = {0};
    if (u->items) at = *u->items;
    else {
      at.loc.file = u->file;
      at.loc.line = at.loc.col = at.loc.end_line = 1;
      at.loc.end_col = 2;
    }
    D(&x, &at, E0105,
      "a map starts with its migration header: migration \"Customer X: iTop to Gorgias\"");
  }
  k->sources = calloc(nsrc + 1, sizeof *k->sources);
  k->rules = calloc(nrule + 1, sizeof *k->rules);
  k->settings = calloc(nset + 1, sizeof *k->settings);
  k->gaps = calloc(ngap + 1, sizeof *k->gaps);
  if (!k->sources || !k->rules || !k->settings || !k->gaps) abort();

  for (hm_node *n = u->items; n; n = n->next) {
    if (n->kind == N_SETTING) {
      if (hm_names_put(&x.setnames, n->s, (int32_t)k->nsettings) >= 0)
        D(&x, n, E0208, "setting %s is declared twice", n->s);
      k->settings[k->nsettings].decl = n;
      k->settings[k->nsettings].type = setting_type(n->a);
      if (n->a->kind == N_LIST) k->settings[k->nsettings].elem = list_setting_elem(&x, n);
      if (n->a->kind == N_NULL)
        D(&x, n->a, E0204, "a setting needs a string, number or bool default, not null");
      k->settings[k->nsettings].used = planner_setting(&x, n);
      k->nsettings++;
    } else if (n->kind == N_SOURCE) {
      int32_t first = hm_names_put(&x.srcnames, n->s, (int32_t)k->nsources);
      if (first >= 0) {
        declared_twice(&x, n, k->sources[first].decl);
        continue;
      }
      declare_source(&x, n, &k->sources[k->nsources++]);
    }
  }
  for (uint32_t i = 0; i < k->nsources; i++) source_options(&x, &k->sources[i]);

  /* Rules: resolve source and target first, so lookups can see which sources are produced. */
  for (hm_node *n = u->items; n; n = n->next) {
    if (n->kind != N_RULE) continue;
    hm_ruleinfo *r = &k->rules[k->nrules++];
    r->decl = n;
    r->source = source_index(&x, n->a->s);
    if (r->source < 0) {
      char dym[160];
      did_you_mean(dym, sizeof dym, suggest_source(&x, n->a->s));
      if (!dym[0])   /* nothing close: say how a source is declared */
        snprintf(dym, sizeof dym, ": declare it (`source %.40s : TYPE`, or in this head, "
                 "`rule %.40s : TYPE -> ...`)", n->a->s, n->a->s);
      D(&x, n->a, E0203, "rule for unknown source '%s'%s", n->a->s, dym);
    } else {
      k->sources[r->source].has_rule = 1;
      k->sources[r->source].used = 1;
    }
    r->target = hm_schema_target(c, n->b->s);
    r->target_index = -1;
    if (!r->target) {
      const char *tg[HM_GK_COUNT];
      for (int g = 0; g < HM_GK_COUNT; g++) tg[g] = HM_GORGIAS[g].name;
      char dym[160];
      did_you_mean(dym, sizeof dym, hm_suggest(n->b->s, tg, HM_GK_COUNT));
      D(&x, n->b, E0203, "Gorgias has no object '%s'%s (is `use gorgias` missing?)", n->b->s, dym);
    } else {
      r->target_index = add_target(k, r->target);
    }
  }
  for (uint32_t i = 0; i < k->nrules; i++)
    if (k->rules[i].source >= 0) check_rule(&x, (int)i);

  for (hm_node *n = u->items; n; n = n->next) {
    if (n->kind != N_GAP) continue;
    k->gaps[k->ngaps++] = n;
    int s = source_index(&x, n->s);
    if (s >= 0) k->sources[s].used = 1;
    else if (n->op == 0) {
      char dym[160];
      did_you_mean(dym, sizeof dym, suggest_source(&x, n->s));
      D(&x, n, E0203, "gap %s -> export csv needs a declared source %s to export%s", n->s, n->s,
        dym);
    }
    n->idx = s;
  }
  /* Children of used parents travel with them only when an `each` reads them;
     a parent link alone is not a use. */
  close_targets(&x);
  order_sources(&x);

  for (uint32_t i = 0; i < k->nsources; i++)
    for (uint32_t j = 0; j < k->sources[i].nignores; j++)
      if (hm_names_get(&k->sources[i].slotnames, k->sources[i].ignores[j]->s) >= 0)
        D(&x, k->sources[i].ignores[j], W0404,
          "column '%s' is ignored, but the map reads it: it is migrated, not lost "
          "(drop the ignore, or stop reading it)", k->sources[i].ignores[j]->s);
  for (uint32_t i = 0; i < k->nsources; i++)
    if (!k->sources[i].used)
      D(&x, k->sources[i].decl, W0401,
        "source %s is never used: no rule, each, lookup or gap reads it", k->sources[i].name);
  for (uint32_t i = 0; i < k->nsettings; i++)
    if (!k->settings[i].used)
      D(&x, k->settings[i].decl, W0402, "setting %s is never used", k->settings[i].decl->s);
  hm_names_free(&x.srcnames);
  hm_names_free(&x.setnames);
  return (int)(c->diags.errors - errors_before);
}
