/* hm_expand: shared rule bodies, spliced into the syntax tree before the checker runs, so
 * every later pass (checker, codegen, LSP) sees plain rules. Two forms (docs/language.md,
 * "Shared rule bodies"):
 *   `rule S -> T extends P { ... }`: P's statements (and its `when`, `lossy` and `after`
 *     unless given), where a statement `F = e` or `let x = e` of the child replaces P's
 *     top-level statement of that field or name in place; the child's other statements
 *     keep their order around those replacements, the rest come after P's;
 *   `fragment NAME { ... }` and the statement `use NAME`: NAME's statements, there.
 * And the date defaults: `date(x)` in a rule of a source with `dates F zone Z` (or of a
 * map whose `migration` line has them) is `date(x, F, Z)` ("Dates"); with `strict`, each
 * statement reading one is followed by the check of a present but unreadable x (below).
 * And `a = b = e`: the second assignment gets a copy of the first's value.
 * And the block form of a record, `{ k = v  use F ... }`, once its fragments are in: its
 * `let`, `flag`, `reject` and `lossy` moved before its statement (hoist_list), then the
 * record of fields `k: v` that later passes know (a statement a record cannot hold is E0102).
 * Every splice is a deep copy: the checker annotates each node for its own rule. */
#include "hm_expand.h"
#include <string.h>

#define MAX_SPLICE_DEPTH 16     /* fragments using fragments, rules extending rules */
/* Nodes copied per unit: fragments that use others twice each double at every level, so
   depth alone does not bound the tree (the iTop reference map copies about 10,000). */
#define MAX_SPLICED_NODES 400000

typedef struct expander {
  hm_compiler *c;
  hm_node *items;
  int spliced;
  long copied;                  /* nodes copied so far (MAX_SPLICED_NODES) */
  const hm_node *active[MAX_SPLICE_DEPTH];   /* rules/fragments being expanded: a cycle */
  int depth;
} expander;

static hm_node *clone(hm_arena *a, const hm_node *n);

static hm_node *clone_list(hm_arena *a, const hm_node *n) {
  hm_nlist out = {0};
  for (; n; n = n->next) out = hm_list_add(out, clone(a, n));
  return out.head;
}

static hm_node *clone(hm_arena *a, const hm_node *n) {
  if (!n) return NULL;
  hm_node *m = hm_node_new(a, (hm_nkind)n->kind, n->loc);
  *m = *n;
  m->next = NULL;
  m->a = clone_list(a, n->a);
  m->b = clone_list(a, n->b);
  m->c = clone_list(a, n->c);
  m->d = clone_list(a, n->d);
  m->guard = clone_list(a, n->guard);
  m->annots = clone_list(a, n->annots);
  return m;
}

static hm_node *find_item(expander *x, hm_nkind kind, const char *name, const char *target) {
  hm_node *any = NULL;
  for (hm_node *it = x->items; it; it = it->next) {
    if (it->kind != kind) continue;
    const char *s = kind == N_RULE ? it->a->s : it->s;
    if (strcmp(s, name) != 0) continue;
    if (!target || strcmp(it->b->s, target) == 0) return it;
    if (!any) any = it;
  }
  return any;
}

static long count_nodes(const hm_node *n) {
  long k = 0;
  for (; n; n = n->next)
    k += 1 + count_nodes(n->a) + count_nodes(n->b) + count_nodes(n->c) + count_nodes(n->d)
         + count_nodes(n->guard) + count_nodes(n->annots);
  return k;
}

/* Whether copying `body` stays within MAX_SPLICED_NODES (reported once when not). */
static int afford(expander *x, const hm_node *body, const hm_node *at) {
  if (x->copied > MAX_SPLICED_NODES) return 0;
  x->copied += count_nodes(body);
  if (x->copied <= MAX_SPLICED_NODES) return 1;
  hm_diag_at(&x->c->diags, at->loc, HC_E0213, "'%s': fragments and `extends` copy more than "
             "%d syntax nodes in this map (fragments that use each other many times?)", at->s,
             MAX_SPLICED_NODES);
  return 0;
}

static int enter(expander *x, const hm_node *n, const hm_node *at, const char *what) {
  for (int i = 0; i < x->depth; i++)
    if (x->active[i] == n) {
      hm_diag_at(&x->c->diags, at->loc, HC_E0213, "%s '%s' takes in its own statements "
                 "(a cycle): it cannot be expanded", what, at->s);
      return 0;
    }
  if (x->depth == MAX_SPLICE_DEPTH) {
    hm_diag_at(&x->c->diags, at->loc, HC_E0213, "%s '%s' is nested more than %d deep", what,
               at->s, MAX_SPLICE_DEPTH);
    return 0;
  }
  x->active[x->depth++] = n;
  return 1;
}

static hm_node *expand_list(expander *x, hm_node *list);

/* The statements of `use NAME`, copied and expanded; NULL (reported) when it has none. */
static hm_node *fragment_body(expander *x, const hm_node *use) {
  hm_node *f = find_item(x, N_FRAGMENT, use->s, NULL);
  if (!f) {
    hm_diag_at(&x->c->diags, use->loc, HC_E0213, "unknown fragment '%s' (declare it with "
               "`fragment %s { ... }`)", use->s, use->s);
    return NULL;
  }
  if (!afford(x, f->c, use) || !enter(x, f, use, "fragment")) return NULL;
  x->spliced = 1;
  hm_node *body = expand_list(x, clone_list(&x->c->arena, f->c));
  x->depth--;
  return body;
}

static void expand_children(expander *x, hm_node *n) {
  n->a = expand_list(x, n->a);
  n->b = expand_list(x, n->b);
  n->c = expand_list(x, n->c);
  n->d = expand_list(x, n->d);
}

/* A chain with each `use NAME` statement replaced by the fragment's statements. */
static hm_node *expand_list(expander *x, hm_node *list) {
  hm_nlist out = {0};
  for (hm_node *n = list, *next; n; n = next) {
    next = n->next;
    n->next = NULL;
    if (n->kind != N_USE) {
      expand_children(x, n);
      out = hm_list_add(out, n);
      continue;
    }
    for (hm_node *s = fragment_body(x, n), *sn; s; s = sn) {
      sn = s->next;
      s->next = NULL;
      out = hm_list_add(out, s);
    }
  }
  return out.head;
}

static int overrides(const hm_node *child, const hm_node *base) {
  return (child->kind == N_ASSIGN || child->kind == N_LET) && child->kind == base->kind
         && strcmp(child->s, base->s) == 0;
}

/* The parent's statements with the child's merged in (see the file comment). */
static hm_node *merge(hm_node *base, hm_node *child) {
  hm_nlist pending = {0};
  for (hm_node *n = child, *next; n; n = next) {
    next = n->next;
    n->next = NULL;
    hm_node **at = &base;
    while (*at && !overrides(n, *at)) at = &(*at)->next;
    if (!*at) { pending = hm_list_add(pending, n); continue; }
    n->next = (*at)->next;
    if (pending.head) { pending.tail->next = n; *at = pending.head; }
    else *at = n;
    pending = (hm_nlist){0};
  }
  hm_node **end = &base;
  while (*end) end = &(*end)->next;
  *end = pending.head;
  return base;
}

static void expand_rule(expander *x, hm_node *r);

static void extend_rule(expander *x, hm_node *r, hm_node *pname) {
  hm_node *p = find_item(x, N_RULE, pname->s, r->b->s);
  if (!p || p == r) {
    hm_diag_at(&x->c->diags, pname->loc, HC_E0213, "rule %s -> %s extends '%s', which is "
               "not the source of another rule", r->a->s, r->b->s, pname->s);
    return;
  }
  for (int i = 0; i < x->depth; i++)
    if (x->active[i] == p) {
      hm_diag_at(&x->c->diags, pname->loc, HC_E0213, "rule %s -> %s extends '%s', which "
                 "extends it back (a cycle): it cannot be expanded", r->a->s, r->b->s, pname->s);
      return;
    }
  x->spliced = 1;
  expand_rule(x, p);
  hm_arena *a = &x->c->arena;
  if (!afford(x, p->c, pname) || !afford(x, p->d, pname)) return;
  r->c = merge(clone_list(a, p->c), r->c);
  r->d = r->d ? merge(clone_list(a, p->d), r->d) : clone_list(a, p->d);
  if (!r->guard) r->guard = clone(a, p->guard);
  if (!r->annots) r->annots = clone_list(a, p->annots);
}

static void expand_rule(expander *x, hm_node *r) {
  hm_node *pname = r->b->next;
  r->b->next = NULL;            /* expanded once, even when reached as a parent first */
  r->c = expand_list(x, r->c);
  r->d = expand_list(x, r->d);
  if (!pname || !enter(x, r, pname, "rule")) return;
  extend_rule(x, r, pname);
  x->depth--;
}

/* The `dates` of the rule's source, else the migration's: an N_SRCOPT/N_MIGRATION or NULL. */
static const hm_node *date_defaults(expander *x, const hm_node *rule) {
  const hm_node *mig = NULL;
  for (hm_node *it = x->items; it; it = it->next) {
    if (it->kind == N_MIGRATION && !mig) mig = it;
    if (it->kind != N_SOURCE || strcmp(it->s, rule->a->s) != 0) continue;
    for (hm_node *o = it->b; o; o = o->next)
      if (o->op == SO_DATES) return o;
  }
  return mig && mig->a ? mig : NULL;
}

static void default_dates(hm_arena *a, hm_node *e, const hm_node *dflt) {
  for (; e; e = e->next) {
    if (e->kind == N_CALL && !strcmp(e->s, "date") && e->a && !e->a->next) {
      e->a->next = clone(a, dflt->a);
      if (dflt->b) e->a->next->next = clone(a, dflt->b);
    }
    default_dates(a, e->a, dflt); default_dates(a, e->b, dflt);
    default_dates(a, e->c, dflt); default_dates(a, e->d, dflt);
    default_dates(a, e->guard, dflt);
  }
}

/* `strict` dates (docs/language.md, "strict dates"): after each statement that reads `date(x)`
 * with the strict defaults, `reject "X is not a date hmap reads ..." when exists(x) and not
 * exists(date(x))` -- before an `if` or a `let` that reads it -- in every statement list (a
 * rule's body and `after`, `if`/`else` blocks, `each` bodies: there the element is skipped).
 * A date in a block record or an expression is checked at its statement; one in an `each`
 * body at that body's statements (its variable is not known outside). An x already checked
 * earlier in the list, or (naming no local) in an enclosing list before the statement
 * holding this one, is not checked again (was_checked). A rule's `when`, an `each`'s
 * `where` and `=> (value)` have no statement of their own to check at: a strict date there
 * is W0407. */
#define STRICT_SEEN 32            /* x checked per list, for the dedup only */

typedef struct seen seen;
struct seen {
  const seen *up;                 /* the enclosing list ... */
  int up_n;                       /* ... of which this many checks ran before this list */
  const hm_node *x[STRICT_SEEN];
  int n;
};

static int same_expr(const hm_node *a, const hm_node *b) {
  for (; a && b; a = a->next, b = b->next)
    if (a->kind != b->kind || a->op != b->op || a->num != b->num || a->slen != b->slen
        || (a->s != b->s && (!a->s || !b->s || memcmp(a->s, b->s, a->slen) != 0))
        || !same_expr(a->a, b->a) || !same_expr(a->b, b->b) || !same_expr(a->c, b->c)
        || !same_expr(a->d, b->d))
      return 0;
  return a == b;
}

static int has_name(const hm_node *e) {
  for (; e; e = e->next)
    if (e->kind == N_NAME || has_name(e->a) || has_name(e->b) || has_name(e->c)
        || has_name(e->d))
      return 1;
  return 0;
}

/* An x naming a `let` or an `each` variable is the same value only in its own list, and
   only until a `let` there (which may shadow the name): `src.F` and `$s` are the same
   everywhere. */
static int was_checked(const seen *s, int n, const hm_node *x) {
  for (int i = 0; i < n; i++) if (same_expr(s->x[i], x)) return 1;
  if (has_name(x)) return 0;
  for (n = s->up_n, s = s->up; s; n = s->up_n, s = s->up)
    for (int i = 0; i < n; i++) if (same_expr(s->x[i], x)) return 1;
  return 0;
}

static void forget_names(seen *s) {
  int k = 0;
  for (int i = 0; i < s->n; i++) if (!has_name(s->x[i])) s->x[k++] = s->x[i];
  s->n = k;
}

static int is_default_date(const hm_node *e) {
  return e->kind == N_CALL && !strcmp(e->s, "date") && e->a && !e->a->next;
}

static hm_node *node(expander *x, hm_nkind k, hm_loc at, hm_node *a, hm_node *b) {
  hm_node *n = hm_node_new(&x->c->arena, k, at);
  n->a = a; n->b = b;
  return n;
}

static hm_node *call(expander *x, hm_loc at, const char *fn, hm_node *arg) {
  hm_node *n = node(x, N_CALL, at, arg, NULL);
  n->s = fn; n->slen = (uint32_t)strlen(fn);
  return n;
}

/* `exists(e)` as the parser writes it: `nonempty(e ?? null) != null`. */
static hm_node *exists_of(expander *x, hm_loc at, hm_node *e) {
  hm_node *dflt = node(x, N_COALESCE, at, e, node(x, N_NULL, at, NULL, NULL));
  hm_node *ne = node(x, N_BIN, at, call(x, at, "nonempty", dflt), node(x, N_NULL, at, NULL,
                                                                        NULL));
  ne->op = OPB_NE;
  return ne;
}

/* `reject "COLUMN is not a date hmap reads ..." when exists(x) and not exists(date(x))` */
static hm_node *date_check(expander *x, const hm_node *date) {
  const hm_node *v = date->a;
  const hm_node *col = v->kind == N_FIELD ? v
                     : v->kind == N_INDEX && v->b && v->b->kind == N_STR ? v->b : NULL;
  hm_arena *ar = &x->c->arena;
  hm_node *rej = node(x, N_REJECT, date->loc, NULL, NULL);
  rej->s = hm_arena_printf(ar, "%.*s is not a date hmap reads (a locale-formatted export? "
                           "docs/exports.md)", col ? (int)col->slen : 23,
                           col ? col->s : "a value given to date()");
  rej->slen = (uint32_t)strlen(rej->s);
  hm_node *bad = node(x, N_UN, date->loc, exists_of(x, date->loc, call(x, date->loc, "date",
                                                                       clone(ar, v))), NULL);
  bad->op = OPU_NOT;
  hm_node *cond = node(x, N_BIN, date->loc, exists_of(x, date->loc, clone(ar, v)), bad);
  cond->op = OPB_AND;
  x->spliced = 1;
  return node(x, N_IF, date->loc, cond, rej);
}

static void strict_unchecked(expander *x, const hm_node *e, const char *where) {
  for (; e; e = e->next) {
    if (is_default_date(e))
      hm_diag_at(&x->c->diags, e->loc, HC_W0407, "`strict` cannot check a date in %s: an "
                 "unreadable one reads as missing there, unreported; give date() its format "
                 "to say so",
                 where);
    strict_unchecked(x, e->a, where); strict_unchecked(x, e->b, where);
    strict_unchecked(x, e->c, where); strict_unchecked(x, e->d, where);
  }
}

static hm_node *strict_list(expander *x, hm_node *list, const seen *up, int up_n);

/* The strict dates an expression reads, as checks added to `out` (x recorded in `s`). */
static void strict_scan(expander *x, hm_node *e, seen *s, int before, hm_nlist *out) {
  for (; e; e = e->next) {
    if (e->kind == N_EACH) {
      strict_scan(x, e->a, s, before, out);
      strict_unchecked(x, e->b, "an `each`'s `where`");
      strict_unchecked(x, e->d, "an `each`'s `=> (value)`");
      e->c = strict_list(x, e->c, s, before);
      continue;
    }
    if (is_default_date(e) && !was_checked(s, s->n, e->a)) {
      *out = hm_list_add(*out, date_check(x, e));
      if (s->n < STRICT_SEEN) s->x[s->n++] = e->a;
    }
    strict_scan(x, e->a, s, before, out); strict_scan(x, e->b, s, before, out);
    strict_scan(x, e->c, s, before, out); strict_scan(x, e->d, s, before, out);
  }
}

static hm_nlist append_all(hm_nlist out, hm_node *chain) {
  for (hm_node *n = chain, *next; n; n = next) {
    next = n->next;
    n->next = NULL;
    out = hm_list_add(out, n);
  }
  return out;
}

/* The statements of one list, with their checks; `s` records the x checked at its top. */
static hm_node *strict_stmts(expander *x, hm_node *list, seen *s) {
  hm_nlist out = {0};
  for (hm_node *st = list, *next; st; st = next) {
    next = st->next;
    st->next = NULL;
    hm_nlist checks = {0};
    int before = s->n;
    if (st->kind == N_IF) {
      strict_scan(x, st->a, s, before, &checks);
      out = append_all(out, checks.head);
      st->b = strict_list(x, st->b, s, s->n);
      st->c = strict_list(x, st->c, s, s->n);
      out = hm_list_add(out, st);
      continue;
    }
    if (st->kind == N_ASSIGN || st->kind == N_APPEND || st->kind == N_LET)
      strict_scan(x, st->a, s, before, &checks);
    if (st->kind == N_LET) {      /* before it: after it, its name may mean another value */
      out = hm_list_add(append_all(out, checks.head), st);
      forget_names(s);
      continue;
    }
    out = append_all(hm_list_add(out, st), checks.head);
  }
  return out.head;
}

static hm_node *strict_list(expander *x, hm_node *list, const seen *up, int up_n) {
  seen s = {.up = up, .up_n = up_n};
  return strict_stmts(x, list, &s);
}

/* The `after` block runs once the body has: what the body checked at its top, it skips. */
static void strict_dates(expander *x, hm_node *rule) {
  seen body = {0};
  rule->c = strict_stmts(x, rule->c, &body);
  rule->d = strict_list(x, rule->d, &body, body.n);
  strict_unchecked(x, rule->guard, "a rule's `when`");
}

/* A record that is a statement's whole value (`messages += { ... }`, `customer = { ... }`) is
   built exactly when its statement runs, so the `let`, `flag`, `reject` and `lossy` it holds
   (and `if`s of only those) run just before that statement: they are moved there. A record
   inside `??` or `?:` is built on one path only, and keeps them (E0102 below). */
static int hoistable(const hm_node *n) {
  if (n->kind == N_LET || n->kind == N_FLAG || n->kind == N_REJECT || n->kind == N_LOSSY)
    return 1;
  if (n->kind != N_IF) return 0;
  for (const hm_node *s = n->b; s; s = s->next)
    if (!hoistable(s)) return 0;
  for (const hm_node *s = n->c; s; s = s->next)
    if (!hoistable(s)) return 0;
  return 1;
}

static hm_node *hoist_list(hm_node *list);

static void hoist_below(hm_node *n) {
  int own = n->kind == N_EACH || (n->kind == N_RECORD && n->op == HM_REC_BLOCK);
  if (n->kind == N_IF) { n->b = hoist_list(n->b); n->c = hoist_list(n->c); }
  if (own) n->c = hoist_list(n->c);
  hm_node *kids[] = {n->a, n->kind == N_IF ? NULL : n->b, n->kind == N_IF || own ? NULL : n->c,
                     n->d, n->guard};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
    for (hm_node *k = kids[i]; k; k = k->next) hoist_below(k);
}

static hm_node *hoist_list(hm_node *list) {
  for (hm_node *st = list; st; st = st->next) hoist_below(st);   /* inner records first */
  hm_node *head = list, **pp = &head;
  while (*pp) {
    hm_node *st = *pp, *r = st->a;
    if ((st->kind == N_ASSIGN || st->kind == N_APPEND) && r && r->kind == N_RECORD &&
        r->op == HM_REC_BLOCK) {
      hm_nlist up = {0};
      for (hm_node **rp = &r->c; *rp;) {
        hm_node *m = *rp;
        if (!hoistable(m)) { rp = &m->next; continue; }
        *rp = m->next; m->next = NULL;
        up = hm_list_add(up, m);
      }
      if (up.head) { up.tail->next = st; *pp = up.head; }
    }
    pp = &st->next;
  }
  return head;
}

/* `{ k = v ... }` to `{ k: v, ... }`: the same N_RECORD, so it checks and runs as that does. */
static void block_record(expander *x, hm_node *r) {
  hm_nlist fields = {0};
  for (hm_node *st = r->c; st; st = st->next) {
    if (st->kind == N_ASSIGN && !st->annots) {
      hm_node *f = hm_node_new(&x->c->arena, N_RECFIELD, st->loc);
      f->s = st->s; f->slen = st->slen; f->a = st->a;
      fields = hm_list_add(fields, f);
      continue;
    }
    hm_diag_at(&x->c->diags, st->loc, HC_E0102, "syntax error: %s",
               st->kind == N_ASSIGN
                   ? "a record's field takes no `lossy`: it goes on the statement that sets "
                     "the record"
               : st->kind == N_IF && !hoistable(st)
                   ? "an `if` that sets fields cannot go in a record: use `c ? a : b`, or "
                     "`FIELD = e when c` on the statement"
               : hoistable(st)
                   ? "this record is built on one path of a `??` or `?:` only: `let`, `flag`, "
                     "`reject` and `lossy` go in a record that is a statement's whole value, or "
                     "before the statement"
                   : "a record holds `FIELD = value` and `use FRAGMENT` (and, when it is a "
                     "statement's whole value, `let`, `flag`, `reject` and `lossy`)");
  }
  r->op = HM_REC_FIELDS;
  r->a = fields.head;
  r->c = NULL;
}

static void block_records(expander *x, hm_node *n) {
  for (; n; n = n->next) {
    block_records(x, n->a); block_records(x, n->b); block_records(x, n->c);
    block_records(x, n->d); block_records(x, n->guard);
    if (n->kind == N_RECORD && n->op == HM_REC_BLOCK) block_record(x, n);
  }
}

/* `a = b = e`: the second statement gets its own copy of e (each copy is checked and
   compiled for its own field). */
static void fill_same(hm_arena *a, hm_node *n) {
  for (hm_node *prev = NULL; n; prev = n, n = n->next) {
    if (n->kind == N_ASSIGN && n->op == HM_ASSIGN_SAME && !n->a && prev && prev->a)
      n->a = clone(a, prev->a);
    fill_same(a, n->a); fill_same(a, n->b); fill_same(a, n->c);
    fill_same(a, n->d); fill_same(a, n->guard);
  }
}

static void report_duplicates(expander *x) {
  for (hm_node *f = x->items; f; f = f->next) {
    if (f->kind != N_FRAGMENT) continue;
    hm_node *first = find_item(x, N_FRAGMENT, f->s, NULL);
    if (first != f)
      hm_diag_at(&x->c->diags, f->loc, HC_E0208, "fragment '%s' is declared twice (first on "
                 "line %u)", f->s, first->loc.line);
  }
}

int hm_expand(hm_compiler *c, hm_unit *u) {
  expander x = {c, u->items, 0, 0, {0}, 0};
  report_duplicates(&x);
  fill_same(&c->arena, u->items);
  for (hm_node *it = u->items; it; it = it->next)
    if (it->kind == N_RULE) expand_rule(&x, it);
  for (hm_node *it = u->items; it; it = it->next)
    if (it->kind == N_RULE) {
      it->c = hoist_list(it->c); it->d = hoist_list(it->d);
      block_records(&x, it->c); block_records(&x, it->d); block_records(&x, it->guard);
    }
  for (hm_node *it = u->items; it; it = it->next) {
    const hm_node *dflt = it->kind == N_RULE ? date_defaults(&x, it) : NULL;
    if (!dflt) continue;
    if (dflt->c) strict_dates(&x, it);   /* `strict`: its checks take the defaults below */
    x.spliced = 1;
    default_dates(&c->arena, it->c, dflt);
    default_dates(&c->arena, it->d, dflt);
    default_dates(&c->arena, it->guard, dflt);
  }
  return x.spliced;   /* fragments stay items (the LSP names them); the checker skips them */
}
