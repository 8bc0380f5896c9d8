/* hm_expand: shared rule bodies, spliced into the syntax tree before the checker runs, so
 * every later pass (checker, codegen, LSP) sees plain rules. Two forms (docs/language.md,
 * "Shared rule bodies"):
 *   `rule S -> T extends P { ... }`: P's statements (and its `when`, `lossy` and `after`
 *     unless given), where a statement `F = e` or `let x = e` of the child replaces P's
 *     top-level statement of that field or name in place; the child's other statements
 *     keep their order around those replacements, the rest come after P's;
 *   `fragment NAME { ... }` and the statement `use NAME`: NAME's statements, there.
 * Then the date defaults and `strict` checks (hm_dates.c).
 * And `a = b = e`: the second assignment gets a copy of the first's value.
 * And the block form of a record, `{ k = v  use F ... }`, once its fragments are in: its
 * `let`, `flag`, `reject` and `lossy` moved before its statement (hoist_list), then the
 * record of fields `k: v` that later passes know (a statement a record cannot hold is E0102).
 * Every splice is a deep copy: the checker annotates each node for its own rule. */
#include "hm_expand.h"
#include "hm_dates.h"
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
  hm_node *body = expand_list(x, hm_list_clone(&x->c->arena, f->c));
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
  r->c = merge(hm_list_clone(a, p->c), r->c);
  r->d = r->d ? merge(hm_list_clone(a, p->d), r->d) : hm_list_clone(a, p->d);
  if (!r->guard) r->guard = hm_node_clone(a, p->guard);
  if (!r->annots) r->annots = hm_list_clone(a, p->annots);
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
      n->a = hm_node_clone(a, prev->a);
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
  x.spliced |= hm_dates(c, u);
  return x.spliced;   /* fragments stay items (the LSP names them); the checker skips them */
}
