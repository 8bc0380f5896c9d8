/* hm_dates: how a rule's `date(x)` reads its text, spliced in before the checker runs
 * (docs/language.md, "dates" and "strict dates"): a one-argument `date(x)` in a rule of a
 * source with `dates F zone Z` (or of a map whose `migration` line has them) becomes
 * `date(x, F, Z)`, and with `strict` each statement reading one is followed by the check of
 * a present but unreadable x. */
#include "hm_dates.h"
#include <string.h>

typedef struct dater {
  hm_compiler *c;
  hm_node *items;
  int spliced;                  /* a rule changed: the tree may be deeper */
} dater;

/* The `dates` of the rule's source, else the migration's: an N_SRCOPT/N_MIGRATION or NULL. */
static const hm_node *date_defaults(dater *x, const hm_node *rule) {
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
      e->a->next = hm_node_clone(a, dflt->a);
      if (dflt->b) e->a->next->next = hm_node_clone(a, dflt->b);
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

static hm_node *node(dater *x, hm_nkind k, hm_loc at, hm_node *a, hm_node *b) {
  hm_node *n = hm_node_new(&x->c->arena, k, at);
  n->a = a; n->b = b;
  return n;
}

static hm_node *call(dater *x, hm_loc at, const char *fn, hm_node *arg) {
  hm_node *n = node(x, N_CALL, at, arg, NULL);
  n->s = fn; n->slen = (uint32_t)strlen(fn);
  return n;
}

/* `exists(e)` as the parser writes it: `nonempty(e ?? null) != null`. */
static hm_node *exists_of(dater *x, hm_loc at, hm_node *e) {
  hm_node *dflt = node(x, N_COALESCE, at, e, node(x, N_NULL, at, NULL, NULL));
  hm_node *ne = node(x, N_BIN, at, call(x, at, "nonempty", dflt), node(x, N_NULL, at, NULL,
                                                                        NULL));
  ne->op = OPB_NE;
  return ne;
}

/* `reject "COLUMN is not a date hmap reads ..." when exists(x) and not exists(date(x))` */
static hm_node *date_check(dater *x, const hm_node *date) {
  const hm_node *v = date->a;
  const hm_node *col = v->kind == N_FIELD ? v
                     : v->kind == N_INDEX && v->b && v->b->kind == N_STR ? v->b : NULL;
  hm_arena *ar = &x->c->arena;
  hm_node *rej = node(x, N_REJECT, date->loc, NULL, NULL);
  rej->s = hm_arena_printf(ar, "%.*s is not a date hmap reads (a locale-formatted export? "
                           "docs/exports.md)", col ? (int)col->slen : 23,
                           col ? col->s : "a value given to date()");
  rej->slen = (uint32_t)strlen(rej->s);
  hm_node *reread = call(x, date->loc, "date", hm_node_clone(ar, v));
  hm_node *bad = node(x, N_UN, date->loc, exists_of(x, date->loc, reread), NULL);
  bad->op = OPU_NOT;
  hm_node *cond = node(x, N_BIN, date->loc, exists_of(x, date->loc, hm_node_clone(ar, v)), bad);
  cond->op = OPB_AND;
  x->spliced = 1;
  return node(x, N_IF, date->loc, cond, rej);
}

static void strict_unchecked(dater *x, const hm_node *e, const char *where) {
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

static hm_node *strict_list(dater *x, hm_node *list, const seen *up, int up_n);

/* The strict dates an expression reads, as checks added to `out` (x recorded in `s`). */
static void strict_scan(dater *x, hm_node *e, seen *s, int before, hm_nlist *out) {
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
static hm_node *strict_stmts(dater *x, hm_node *list, seen *s) {
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

static hm_node *strict_list(dater *x, hm_node *list, const seen *up, int up_n) {
  seen s = {.up = up, .up_n = up_n};
  return strict_stmts(x, list, &s);
}

/* The `after` block runs once the body has: what the body checked at its top, it skips. */
static void strict_dates(dater *x, hm_node *rule) {
  seen body = {0};
  rule->c = strict_stmts(x, rule->c, &body);
  rule->d = strict_list(x, rule->d, &body, body.n);
  strict_unchecked(x, rule->guard, "a rule's `when`");
}

int hm_dates(hm_compiler *c, hm_unit *u) {
  dater x = {c, u->items, 0};
  for (hm_node *it = u->items; it; it = it->next) {
    const hm_node *dflt = it->kind == N_RULE ? date_defaults(&x, it) : NULL;
    if (!dflt) continue;
    if (dflt->c) strict_dates(&x, it);   /* `strict`: its checks take the defaults below */
    x.spliced = 1;
    default_dates(&c->arena, it->c, dflt);
    default_dates(&c->arena, it->d, dflt);
    default_dates(&c->arena, it->guard, dflt);
  }
  return x.spliced;
}
