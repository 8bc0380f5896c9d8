/* hm_codegen: turns the checked AST into an hm_program (common/hm_bytecode.h).
 * One code array per rule (and per `after` block), a line table entry whenever
 * the map location changes, and every flag/reject/loss site as an annotation
 * carrying its file:line:col — so the run's report can name the map line that
 * raised each row. Constants are interned in first-use order, which keeps the
 * output byte-identical for identical input. */
#include <stdlib.h>
#include <string.h>
#include "hm_compile.h"
#include "hm_hash.h"
#include "hm_value.h"

typedef struct cbuf {
  uint32_t *v;
  uint32_t n, cap;
  hm_line *lines;
  uint32_t nlines, caplines;
} cbuf;

typedef struct gen {
  hm_compiler *c;
  hm_checked *k;
  hm_program *p;
  /* constant interning: open addressing over (kind, text) */
  uint32_t *slots; uint32_t capslots;
  uint32_t capconsts, capannots, capmatches;
  cbuf *code;
  int rule;
  hm_loc cur;
  int in_each;          /* > 0 inside an each body: reject skips the element */
  int plain;            /* inside an each without a Gorgias shape: fields go to a plain record */
  uint32_t loop_head;   /* pc of the innermost NEXT */
} gen;

/* ---------- constants ---------- */

static uint64_t hash_bytes(const char *s, uint32_t n, uint32_t kind) {
  return hm_fnv1a64_add(HM_FNV64_OFFSET ^ kind, s, n);
}

static void grow_consts(gen *g) {
  if (g->p->nconsts < g->capconsts) return;
  uint32_t cap = g->capconsts ? g->capconsts * 2 : 64;
  g->p->consts = hm_arena_realloc(&g->c->arena, g->p->consts, g->capconsts * sizeof *g->p->consts,
                                  cap * sizeof *g->p->consts);
  g->capconsts = cap;
}

static void rehash(gen *g) {
  uint32_t cap = g->capslots ? g->capslots * 2 : 256;
  free(g->slots);
  g->slots = malloc(cap * sizeof *g->slots);
  if (!g->slots) abort();
  memset(g->slots, 0xFF, cap * sizeof *g->slots);
  g->capslots = cap;
  for (uint32_t i = 0; i < g->p->nconsts; i++) {
    const hm_const *k = &g->p->consts[i];
    char nb[32];
    const char *s = k->str; uint32_t n = k->len;
    if (k->kind == HK_NUM) { memcpy(nb, &k->num, sizeof k->num); s = nb; n = sizeof k->num; }
    uint32_t h = (uint32_t)hash_bytes(s, n, k->kind) & (cap - 1);
    while (g->slots[h] != 0xFFFFFFFFu) h = (h + 1) & (cap - 1);
    g->slots[h] = i;
  }
}

static uint32_t intern(gen *g, uint32_t kind, const char *s, uint32_t n, double num) {
  char nb[32];
  const char *ks = s; uint32_t kn = n;
  if (kind == HK_NUM) { memcpy(nb, &num, sizeof num); ks = nb; kn = sizeof num; }
  if ((g->p->nconsts + 1) * 2 > g->capslots) rehash(g);
  uint32_t h = (uint32_t)hash_bytes(ks, kn, kind) & (g->capslots - 1);
  while (g->slots[h] != 0xFFFFFFFFu) {
    const hm_const *k = &g->p->consts[g->slots[h]];
    if (k->kind == kind && (kind == HK_NUM ? memcmp(&k->num, &num, sizeof num) == 0
                                           : (k->len == n && memcmp(k->str, s, n) == 0)))
      return g->slots[h];
    h = (h + 1) & (g->capslots - 1);
  }
  grow_consts(g);
  uint32_t idx = g->p->nconsts++;
  hm_const *k = &g->p->consts[idx];
  k->kind = kind;
  if (kind == HK_STR) { k->str = hm_arena_strndup(&g->c->arena, s, n); k->len = n; }
  else k->num = num;
  g->slots[h] = idx;
  return idx;
}

static uint32_t kstr(gen *g, const char *s) { return intern(g, HK_STR, s, (uint32_t)strlen(s), 0); }
static uint32_t kstrn(gen *g, const char *s, uint32_t n) { return intern(g, HK_STR, s, n, 0); }
static uint32_t knum(gen *g, double d) { return intern(g, HK_NUM, NULL, 0, d); }
static uint32_t kopt(gen *g, const char *s) { return s ? kstr(g, s) : HM_BC_NONE; }

/* ---------- code ---------- */

static uint32_t emit(gen *g, uint32_t ins) {
  cbuf *c = g->code;
  if (c->n == c->cap) {
    uint32_t cap = c->cap ? c->cap * 2 : 64;
    c->v = hm_arena_realloc(&g->c->arena, c->v, c->cap * sizeof *c->v, cap * sizeof *c->v);
    c->cap = cap;
  }
  if (!c->nlines || c->lines[c->nlines - 1].line != g->cur.line ||
      c->lines[c->nlines - 1].col != g->cur.col) {
    if (c->nlines == c->caplines) {
      uint32_t cap = c->caplines ? c->caplines * 2 : 32;
      c->lines = hm_arena_realloc(&g->c->arena, c->lines, c->caplines * sizeof *c->lines,
                                  cap * sizeof *c->lines);
      c->caplines = cap;
    }
    if (c->nlines && c->lines[c->nlines - 1].pc == c->n) c->nlines--;
    c->lines[c->nlines++] = (hm_line){c->n, g->cur.line, g->cur.col};
  }
  c->v[c->n] = ins;
  return c->n++;
}
static uint32_t here(gen *g) { return g->code->n; }
static void patch(gen *g, uint32_t at, uint32_t target) {
  uint32_t ins = g->code->v[at];
  g->code->v[at] = (ins & 0xFF) | (target << 8);
}
static void at_node(gen *g, const hm_node *n) { g->cur = n->loc; }

static uint32_t annot(gen *g, hm_annot_kind kind, int sev, const char *msg, const char *field,
                      const hm_node *at) {
  hm_program *p = g->p;
  if (p->nannots == g->capannots) {
    uint32_t cap = g->capannots ? g->capannots * 2 : 32;
    p->annots = hm_arena_realloc(&g->c->arena, p->annots, g->capannots * sizeof *p->annots,
                                 cap * sizeof *p->annots);
    g->capannots = cap;
  }
  hm_annot *a = &p->annots[p->nannots];
  a->kind = kind;
  a->severity = (uint32_t)sev;
  a->message = kstr(g, msg);
  a->rule = g->rule >= 0 ? (uint32_t)g->rule : HM_BC_NONE;
  a->field = kopt(g, field);
  a->file = kstr(g, g->c->diags.files[at->loc.file].path);
  a->line = at->loc.line;
  a->col = at->loc.col;
  return p->nannots++;
}

static void expr(gen *g, hm_node *e, const char *field);
static void stmts(gen *g, hm_node *list);

static void match(gen *g, hm_node *e, const char *field) {
  expr(g, e->a, field);
  hm_program *p = g->p;
  if (p->nmatches == g->capmatches) {
    uint32_t cap = g->capmatches ? g->capmatches * 2 : 16;
    p->matches = hm_arena_realloc(&g->c->arena, p->matches, g->capmatches * sizeof *p->matches,
                                  cap * sizeof *p->matches);
    g->capmatches = cap;
  }
  uint32_t mi = p->nmatches++;
  at_node(g, e);
  emit(g, HM_INS(HOP_MATCH, mi));
  uint32_t narms = 0;
  for (hm_node *arm = e->b; arm; arm = arm->next) narms += (uint32_t)hm_list_len(arm->a);
  hm_match m = {0, hm_arena_alloc(&g->c->arena, (narms + 1) * sizeof(hm_match_arm)), HM_BC_NONE};
  uint32_t *ends = hm_arena_alloc(&g->c->arena, ((size_t)hm_list_len(e->b) + 1) * sizeof *ends);
  int ne = 0;
  for (hm_node *arm = e->b; arm; arm = arm->next) {
    uint32_t pc = here(g);
    if (!arm->a) { if (m.default_pc == HM_BC_NONE) m.default_pc = pc; }
    for (hm_node *pt = arm->a; pt; pt = pt->next) {
      uint32_t k = pt->kind == N_NUM ? knum(g, pt->num)
                   : pt->kind == N_STR
                       ? kstrn(g, pt->s, pt->slen)
                       : kstr(g, pt->kind == N_BOOL ? (pt->op ? "true" : "false") : "null");
      m.arms[m.narms++] = (hm_match_arm){k, pc};
    }
    expr(g, arm->b, field);
    ends[ne++] = emit(g, HM_INS(HOP_JMP, 0));
  }
  if (m.default_pc == HM_BC_NONE) {
    /* No `_`: an unmatched value is missing (the checker made someone handle it). */
    m.default_pc = here(g);
    emit(g, HM_INS(HOP_PUSHMISSING, 0));
  }
  for (int i = 0; i < ne; i++) patch(g, ends[i], here(g));
  p->matches[mi] = m;
}

static uint32_t target_index_of(gen *g, const hm_node *target) {
  for (uint32_t i = 0; i < g->k->ntargets; i++) if (g->k->targets[i] == target) return i;
  return HM_BC_NONE;
}

static void each(gen *g, hm_node *e) {
  hm_node *it = e->a;
  at_node(g, e);
  if (it->kind == N_NAME && it->op == 1)   /* a child source (the checker's mark), not a local */
    emit(g, HM_INS(HOP_CHILDREN, (uint32_t)it->idx));
  else expr(g, it, NULL);
  at_node(g, e);
  emit(g, HM_INS(HOP_ITER, (uint32_t)e->idx));
  emit(g, HM_INS(HOP_NEWLIST, 0));
  uint32_t head = emit(g, HM_INS_AB(HOP_NEXT, 0, (uint32_t)e->idx));
  emit(g, HM_INS(HOP_STORELOCAL, (uint32_t)e->num));
  uint32_t saved_head = g->loop_head;
  g->loop_head = head;
  g->in_each++;
  if (e->b) {
    expr(g, e->b, NULL);
    at_node(g, e);
    emit(g, HM_INS(HOP_JMPF, head));
  }
  if (e->op == 1 || e->op == HM_EACH_RECORDS) {
    /* the map form: one value per element (missing ones are dropped by APPEND); without a
       body, the element itself */
    if (e->op == 1) expr(g, e->d, NULL);
    else emit(g, HM_INS(HOP_LOADLOCAL, (uint32_t)e->num));
    at_node(g, e);
    emit(g, HM_INS(HOP_APPEND, 0));
    emit(g, HM_INS(HOP_JMP, head));
    g->in_each--;
    g->loop_head = saved_head;
    g->code->v[head] = HM_INS_AB(HOP_NEXT, here(g), (uint32_t)e->idx);
    return;
  }
  /* An each without a Gorgias shape builds plain records on the stack
     (NEWREC/SETREC) instead of target records (BEGIN/SETTGT/ENDREC). */
  int saved_plain = g->plain;
  g->plain = e->decl == NULL;
  if (g->plain) emit(g, HM_INS(HOP_NEWREC, 0));
  else emit(g, HM_INS(HOP_BEGIN, target_index_of(g, e->decl)));
  stmts(g, e->c);
  at_node(g, e);
  if (!g->plain) emit(g, HM_INS(HOP_ENDREC, 0));
  g->plain = saved_plain;
  emit(g, HM_INS(HOP_APPEND, 0));
  emit(g, HM_INS(HOP_JMP, head));
  g->in_each--;
  g->loop_head = saved_head;
  uint32_t exit = here(g);
  g->code->v[head] = HM_INS_AB(HOP_NEXT, exit, (uint32_t)e->idx);
}

static void reject_here(gen *g, const char *msg, const char *field, const hm_node *at) {
  at_node(g, at);
  if (g->in_each) {
    emit(g, HM_INS(HOP_SKIPCHILD, annot(g, HA_SKIP, 0, msg, field, at)));
  } else {
    emit(g, HM_INS(HOP_REJECT, annot(g, HA_REJECT, 0, msg, field, at)));
  }
}

/* The flag of `a ?? b flag ...` says b gave the value: when b is itself
   missing or null (its own `??`, or the record's reject, decides), it is not
   raised. `?? skip flag` is the outcome itself, and a b that cannot be
   missing (a constant: the checker's maybe bit) always gives it, so those
   raise it unguarded.
     DUP; JMPSOME has; JMP end; has: POP; FLAGWHY; end:
   (JMPSOME pops the copy only when it is nothing, which leaves b as it was.) */
static void flag_if_taken(gen *g, hm_node *e, const char *field) {
  uint32_t flag = annot(g, HA_FLAG, e->c->op, e->c->s, field, e->c);
  at_node(g, e->c);
  if (e->b->kind == N_SKIP || !e->b->maybe) { emit(g, HM_INS(HOP_FLAGWHY, flag)); return; }
  emit(g, HM_INS(HOP_DUP, 0));
  uint32_t has = emit(g, HM_INS(HOP_JMPSOME, 0));
  uint32_t end = emit(g, HM_INS(HOP_JMP, 0));
  patch(g, has, here(g));
  emit(g, HM_INS(HOP_POP, 0));
  emit(g, HM_INS(HOP_FLAGWHY, flag));
  patch(g, end, here(g));
}

/* `?? unset`: a report line (warn) when the value failed, naming the field and the failure. */
static void unset_line(gen *g, hm_node *at, const char *field) {
  const char *msg = field ? hm_arena_printf(&g->c->arena, "%s left unset: its value failed", field)
                          : "value left unset: it failed";
  uint32_t flag = annot(g, HA_FLAG, 1, msg, field, at);
  at_node(g, at);
  emit(g, HM_INS(HOP_FLAGFAIL, flag));
}

/* An expression whose evaluation raises nothing and calls nothing, so AGENTOR
   may evaluate it before knowing whether its branch is taken. */
static bool quiet_expr(const hm_node *e) {
  switch (e->kind) {
  case N_STR: case N_NUM: case N_BOOL: case N_NULL: case N_SRC: case N_NAME: case N_SETREF:
    return true;
  case N_FIELD: case N_UN: return quiet_expr(e->a);
  case N_INDEX: return quiet_expr(e->a) && quiet_expr(e->b);
  case N_BIN: return e->op != OPB_MATCHRE && quiet_expr(e->a) && quiet_expr(e->b);
  default: return false;
  }
}

/* `agent(a) ?? agent(b) [flag ...]`: whether agent(a) exists may be known only
   at run time, so the choice is one instruction whose ref carries both
   candidates in order and the flag of the second (the run raises it only if
   it takes b). b's e-mail is evaluated with a's, so it must be quiet. */
static bool agent_or(gen *g, hm_node *e, const char *field) {
  if (e->a->kind != N_AGENT || e->b->kind != N_AGENT || !quiet_expr(e->b->a)) return false;
  expr(g, e->a->a, NULL);
  expr(g, e->b->a, NULL);
  uint32_t flag = HM_OP_NOANNOT;
  if (e->c) flag = annot(g, HA_FLAG, e->c->op, e->c->s, field, e->c);
  at_node(g, e->c ? e->c : e);
  emit(g, HM_INS(HOP_AGENTOR, flag));
  return true;
}

static void coalesce(gen *g, hm_node *e, const char *field) {
  if (agent_or(g, e, field)) return;
  expr(g, e->a, field);
  at_node(g, e);
  uint32_t j = emit(g, HM_INS(HOP_JMPSOME, 0));
  if (e->b->kind == N_REJECTX) reject_here(g, e->b->s, field, e->b);
  else if (e->b->kind == N_SKIP && e->b->op == HM_SKIP_ELEMENT && g->in_each) {
    at_node(g, e->b);
    emit(g, HM_INS(HOP_SKIPCHILD, HM_OP_NOANNOT));   /* a required field: the element goes */
  } else if (e->b->kind == N_SKIP) { at_node(g, e->b); emit(g, HM_INS(HOP_PUSHMISSING, 0)); }
  else expr(g, e->b, field);
  if (e->b->kind == N_SKIP && e->b->op == HM_SKIP_UNSET) unset_line(g, e->b, field);
  if (e->c) flag_if_taken(g, e, field);
  patch(g, j, here(g));
}

static void logic(gen *g, hm_node *e) {
  int is_and = e->op == OPB_AND;
  expr(g, e->a, NULL);
  at_node(g, e);
  uint32_t j = emit(g, HM_INS(is_and ? HOP_JMPF : HOP_JMPT, 0));
  expr(g, e->b, NULL);
  at_node(g, e);
  emit(g, HM_INS(HOP_NOT, 0));
  emit(g, HM_INS(HOP_NOT, 0));
  uint32_t end = emit(g, HM_INS(HOP_JMP, 0));
  patch(g, j, here(g));
  emit(g, HM_INS(is_and ? HOP_PUSHFALSE : HOP_PUSHTRUE, 0));
  patch(g, end, here(g));
}

static void expr(gen *g, hm_node *e, const char *field) {
  static const hm_opcode binops[] = {
      [OPB_ADD] = HOP_ADD, [OPB_SUB] = HOP_SUB, [OPB_MUL] = HOP_MUL, [OPB_DIV] = HOP_DIV,
      [OPB_MOD] = HOP_MOD, [OPB_EQ] = HOP_EQ,   [OPB_NE] = HOP_NE,   [OPB_LT] = HOP_LT,
      [OPB_LE] = HOP_LE,   [OPB_GT] = HOP_GT,   [OPB_GE] = HOP_GE,   [OPB_MATCHRE] = HOP_MATCHRE,
      [OPB_IN] = HOP_IN};
  switch (e->kind) {
  case N_STR: at_node(g, e); emit(g, HM_INS(HOP_PUSHK, kstrn(g, e->s, e->slen))); break;
  case N_NUM: at_node(g, e); emit(g, HM_INS(HOP_PUSHK, knum(g, e->num))); break;
  case N_BOOL: at_node(g, e); emit(g, HM_INS(e->op ? HOP_PUSHTRUE : HOP_PUSHFALSE, 0)); break;
  case N_NULL: at_node(g, e); emit(g, HM_INS(HOP_PUSHNULL, 0)); break;
  case N_SRC: at_node(g, e); emit(g, HM_INS(HOP_PUSHNULL, 0)); break;
  case N_NAME:
    at_node(g, e);
    emit(g, HM_INS(HOP_LOADLOCAL, (uint32_t)(e->idx < 0 ? 0 : e->idx)));
    break;
  case N_SETREF:
    at_node(g, e);
    emit(g, HM_INS(HOP_LOADSET, (uint32_t)(e->idx < 0 ? 0 : e->idx)));
    break;
  case N_FIELD:
    if (e->a->kind == N_SRC) {
      at_node(g, e);
      emit(g, HM_INS(HOP_LOADCOL, (uint32_t)(e->idx < 0 ? 0 : e->idx)));
      break;
    }
    expr(g, e->a, NULL);
    at_node(g, e);
    emit(g, HM_INS(HOP_GETFIELD, kstr(g, e->s)));
    break;
  case N_INDEX:
    expr(g, e->a, NULL);
    expr(g, e->b, NULL);
    at_node(g, e);
    emit(g, HM_INS(HOP_INDEX, 0));
    break;
  case N_CALL: {
    int argc = 0;
    for (hm_node *a = e->a; a; a = a->next, argc++) expr(g, a, NULL);
    at_node(g, e);
    emit(g, HM_INS_AB(HOP_CALL, (uint32_t)(e->idx < 0 ? 0 : e->idx), (uint32_t)argc));
    break;
  }
  case N_LOOKUP:
    expr(g, e->a, NULL);
    at_node(g, e);
    emit(g, HM_INS(HOP_LOOKUP, (uint32_t)(e->idx < 0 ? 0 : e->idx)));
    break;
  case N_AGENT: expr(g, e->a, NULL); at_node(g, e); emit(g, HM_INS(HOP_AGENT, 0)); break;
  case N_FIND:
    expr(g, e->a, NULL);
    at_node(g, e);
    emit(g, HM_INS(HOP_FIND, (uint32_t)(e->idx < 0 ? 0 : e->idx)));
    break;
  case N_UPLOAD: expr(g, e->a, NULL); at_node(g, e); emit(g, HM_INS(HOP_UPLOAD, 0)); break;
  case N_MATCH: match(g, e, field); break;
  case N_EACH: each(g, e); break;
  case N_LIST:
    at_node(g, e);
    emit(g, HM_INS(HOP_NEWLIST, 0));
    for (hm_node *i = e->a; i; i = i->next) {
      expr(g, i, NULL);
      at_node(g, e);
      emit(g, HM_INS(HOP_APPEND, 0));
    }
    break;
  case N_RECORD:
    at_node(g, e);
    emit(g, HM_INS(HOP_NEWREC, 0));
    for (hm_node *f = e->a; f; f = f->next) {
      expr(g, f->a, NULL);
      at_node(g, f);
      emit(g, HM_INS(HOP_SETREC, kstr(g, f->s)));
    }
    break;
  case N_BIN:
    if (e->op == OPB_AND || e->op == OPB_OR) { logic(g, e); break; }
    expr(g, e->a, NULL); expr(g, e->b, NULL);
    at_node(g, e);
    emit(g, HM_INS(binops[e->op], 0));
    break;
  case N_UN:
    expr(g, e->a, NULL);
    at_node(g, e);
    emit(g, HM_INS(e->op == OPU_NOT ? HOP_NOT : HOP_NEG, 0));
    break;
  case N_COND: {
    expr(g, e->a, NULL);
    at_node(g, e);
    uint32_t jf = emit(g, HM_INS(HOP_JMPF, 0));
    expr(g, e->b, field);
    uint32_t je = emit(g, HM_INS(HOP_JMP, 0));
    patch(g, jf, here(g));
    expr(g, e->c, field);
    patch(g, je, here(g));
    break;
  }
  case N_COALESCE: coalesce(g, e, field); break;
  default: at_node(g, e); emit(g, HM_INS(HOP_PUSHMISSING, 0)); break;
  }
}

static void lossy_annots(gen *g, hm_node *annots, const char *field) {
  for (hm_node *l = annots; l; l = l->next) {
    at_node(g, l);
    emit(g, HM_INS(HOP_LOSSY, annot(g, HA_LOSSY, 0, l->s, field, l)));
  }
}

static void stmt(gen *g, hm_node *st) {
  switch (st->kind) {
  case N_ASSIGN: case N_APPEND:
    expr(g, st->a, st->s);
    at_node(g, st);
    if (g->plain) { emit(g, HM_INS(HOP_SETREC, kstr(g, st->s))); break; }
    emit(g, HM_INS(st->kind == N_ASSIGN ? HOP_SETTGT : HOP_APPENDTGT,
                   (uint32_t)(st->idx < 0 ? 0 : st->idx)));
    lossy_annots(g, st->annots, st->s);
    break;
  case N_LET:
    expr(g, st->a, NULL);
    at_node(g, st);
    emit(g, HM_INS(HOP_STORELOCAL, (uint32_t)(st->idx < 0 ? 0 : st->idx)));
    break;
  case N_IF: {
    expr(g, st->a, NULL);
    at_node(g, st);
    uint32_t jf = emit(g, HM_INS(HOP_JMPF, 0));
    stmts(g, st->b);
    if (st->c) {
      uint32_t je = emit(g, HM_INS(HOP_JMP, 0));
      patch(g, jf, here(g));
      if (st->c->kind == N_IF) stmt(g, st->c); else stmts(g, st->c);
      patch(g, je, here(g));
    } else {
      patch(g, jf, here(g));
    }
    break;
  }
  case N_FLAG:
    at_node(g, st);
    emit(g, HM_INS(HOP_FLAG, annot(g, HA_FLAG, st->op, st->s, NULL, st)));
    break;
  case N_REJECT: reject_here(g, st->s, NULL, st); break;
  case N_LOSSY:
    at_node(g, st);
    emit(g, HM_INS(HOP_LOSSY, annot(g, HA_LOSSY, 0, st->s, NULL, st)));
    break;
  default: break;
  }
}

static void stmts(gen *g, hm_node *list) {
  for (hm_node *s = list; s; s = s->next) stmt(g, s);
}

static hm_code finish(cbuf *c, uint32_t nslots) {
  hm_code code = {c->n, c->v, c->nlines, c->lines, nslots};
  return code;
}

/* A new match table (filled by the caller). */
static uint32_t new_match(gen *g) {
  hm_program *p = g->p;
  if (p->nmatches == g->capmatches) {
    uint32_t cap = g->capmatches ? g->capmatches * 2 : 16;
    p->matches = hm_arena_realloc(&g->c->arena, p->matches, g->capmatches * sizeof *p->matches,
                                  cap * sizeof *p->matches);
    g->capmatches = cap;
  }
  p->matches[p->nmatches] = (hm_match){0, NULL, HM_BC_NONE};
  return p->nmatches++;
}

/* Column F of source s, read by the map and declared `enum(...)` by its
   schema: a value outside the enum is a warn line with the record key (the
   export holds what the schema did not foresee). Empty and missing are not. */
static void enum_check(gen *g, const hm_srcinfo *s, uint32_t slot, const hm_node *fd,
                       const hm_node *at) {
  hm_buf b; hm_buf_init(&b);
  int n = 0;
  for (const hm_node *v = fd->a->b; v; v = v->next, n++)
    if (n < 6) hm_buf_printf(&b, "%s\"%s\"", n ? ", " : "", v->s);
  if (n > 6) hm_buf_puts(&b, ", ...");
  char *msg = hm_arena_printf(&g->c->arena, "%s.%s: a value outside the enum the schema "
                              "declares (%s)", s->name, fd->s, b.data ? b.data : "");
  hm_buf_free(&b);
  at_node(g, at);
  emit(g, HM_INS(HOP_LOADCOL, slot));
  uint32_t mi = new_match(g);
  emit(g, HM_INS(HOP_MATCH, mi));
  hm_match m = {0, hm_arena_alloc(&g->c->arena, ((size_t)n + 3) * sizeof(hm_match_arm)), here(g)};
  emit(g, HM_INS(HOP_FLAG, annot(g, HA_FLAG, 1, msg, NULL, at)));
  uint32_t ok = here(g);
  for (const hm_node *v = fd->a->b; v; v = v->next)
    m.arms[m.narms++] = (hm_match_arm){kstrn(g, v->s, v->slen), ok};
  m.arms[m.narms++] = (hm_match_arm){kstrn(g, "", 0), ok};
  m.arms[m.narms++] = (hm_match_arm){kstr(g, "null"), ok};
  g->p->matches[mi] = m;
}

/* Column F of source s, read by the map and declared `bool`: a value that is no bool
   spelling (`maybe` in IsSpam) would compare as false without a word, so it is a warn
   line with the record key, as an enum's outsider is. */
static void bool_check(gen *g, const hm_srcinfo *s, uint32_t slot, const hm_node *fd,
                       const hm_node *at) {
  static const char *const spellings[] = {"", "null", "0", "1", "true", "false", "True",
                                          "False", "TRUE", "FALSE"};
  enum { NSPELL = sizeof spellings / sizeof *spellings };
  char *msg = hm_arena_printf(&g->c->arena, "%s.%s: a value that is not a bool (0, 1, true, "
                              "false): it compares as false", s->name, fd->s);
  at_node(g, at);
  emit(g, HM_INS(HOP_LOADCOL, slot));
  uint32_t mi = new_match(g);
  emit(g, HM_INS(HOP_MATCH, mi));
  hm_match m = {0, hm_arena_alloc(&g->c->arena, NSPELL * sizeof(hm_match_arm)), here(g)};
  emit(g, HM_INS(HOP_FLAG, annot(g, HA_FLAG, 1, msg, NULL, at)));
  uint32_t ok = here(g);
  for (size_t i = 0; i < NSPELL; i++)
    m.arms[m.narms++] = (hm_match_arm){kstr(g, spellings[i]), ok};
  g->p->matches[mi] = m;
}

/* The enum and bool checks of a source run once per record: in its first rule. */
static void enum_checks(gen *g, uint32_t ri, const hm_node *at) {
  int src = g->k->rules[ri].source;
  for (uint32_t i = 0; i < ri; i++) if (g->k->rules[i].source == src) return;
  const hm_srcinfo *s = &g->k->sources[src];
  for (uint32_t j = 0; j < s->nslots; j++) {
    int32_t fi = hm_names_get(&s->fieldnames, s->slots[j]);
    const hm_node *fd = fi < 0 ? NULL : s->fieldv[fi];
    if (fd && fd->a && fd->a->op == TY_ENUM && fd->a->b) enum_check(g, s, j, fd, at);
    else if (fd && fd->a && fd->a->op == TY_BOOL) bool_check(g, s, j, fd, at);
  }
}

static void gen_rule(gen *g, uint32_t ri) {
  hm_ruleinfo *r = &g->k->rules[ri];
  hm_rule *out = &g->p->rules[ri];
  hm_node *n = r->decl;
  g->rule = (int)ri;
  char name[512];
  snprintf(name, sizeof name, "%s -> %s", n->a->s, n->b->s);
  out->source = (uint32_t)r->source;
  out->target = (uint32_t)r->target_index;
  out->name = kstr(g, name);
  out->file = kstr(g, g->c->diags.files[n->loc.file].path);
  out->line = n->loc.line;
  out->col = n->loc.col;
  out->lossy = HM_BC_NONE;
  cbuf body = {0};
  g->code = &body;
  g->in_each = 0;
  at_node(g, n);
  uint32_t guard_jump = HM_BC_NONE;
  if (n->guard) {
    expr(g, n->guard, NULL);
    at_node(g, n);
    guard_jump = emit(g, HM_INS(HOP_JMPF, 0));
  }
  for (hm_node *l = n->annots; l; l = l->next) {
    at_node(g, l);
    uint32_t a = annot(g, HA_LOSSY, 0, l->s, NULL, l);
    if (out->lossy == HM_BC_NONE) out->lossy = a;
    emit(g, HM_INS(HOP_LOSSY, a));
  }
  enum_checks(g, ri, n);
  at_node(g, n);
  emit(g, HM_INS(HOP_BEGIN, out->target));
  stmts(g, n->c);
  at_node(g, n);
  emit(g, HM_INS(HOP_EMIT, 0));
  uint32_t ret = emit(g, HM_INS(HOP_RET, 0));
  if (guard_jump != HM_BC_NONE) patch(g, guard_jump, ret);
  out->body = finish(&body, r->nslots);
  if (n->d) {
    cbuf after = {0};
    g->code = &after;
    at_node(g, n);
    emit(g, HM_INS(HOP_BEGIN, out->target));
    stmts(g, n->d);
    at_node(g, n);
    emit(g, HM_INS(HOP_EMIT, 0));
    emit(g, HM_INS(HOP_RET, 0));
    out->has_after = 1;
    out->after = finish(&after, r->nslots_after);
  }
  g->rule = -1;
}

static uint32_t field_flags(const hm_node *f) {
  uint32_t fl = 0;
  if (hm_field_has(f, FO_REQUIRED)) fl |= HM_TF_REQUIRED;
  if (hm_field_has(f, FO_CREATE_ONLY)) fl |= HM_TF_CREATE_ONLY;
  if (hm_field_has(f, FO_READONLY)) fl |= HM_TF_READONLY;
  if (f->a && f->a->op == TY_ENUM) fl |= HM_TF_ENUM;
  return fl;
}

static void gen_targets(gen *g) {
  hm_program *p = g->p;
  p->ntargets = g->k->ntargets;
  p->targets = hm_arena_alloc(&g->c->arena, (p->ntargets + 1) * sizeof *p->targets);
  for (uint32_t i = 0; i < p->ntargets; i++) {
    hm_node *t = g->k->targets[i];
    hm_target *o = &p->targets[i];
    o->name = kstr(g, t->s);
    o->path = kstrn(g, t->a->s, t->a->slen);
    o->nunique = (uint32_t)hm_list_len(t->b);
    o->unique = hm_arena_alloc(&g->c->arena, (o->nunique + 1) * sizeof *o->unique);
    uint32_t j = 0;
    for (hm_node *u = t->b; u; u = u->next) o->unique[j++] = kstr(g, u->s);
    o->nfields = (uint32_t)hm_list_len(t->c);
    o->fields = hm_arena_alloc(&g->c->arena, (o->nfields + 1) * sizeof *o->fields);
    j = 0;
    for (hm_node *f = t->c; f; f = f->next, j++) {
      hm_tfield *tf = &o->fields[j];
      const hm_node *mx = hm_field_opt(f, FO_MAX), *mn = hm_field_opt(f, FO_MIN);
      tf->name = kstr(g, f->s);
      tf->type = (uint32_t)hm_decl_type(f->a);
      tf->flags = field_flags(f);
      tf->max = mx ? (uint32_t)mx->num : 0;
      tf->min = mn ? (uint32_t)mn->num : 0;
      tf->ref_target = HM_BC_NONE;
      const hm_node *ty = f->a;
      while (ty && ty->op == TY_LIST && ty->a) ty = ty->a;
      if (ty && (ty->op == TY_REF || ty->op == TY_OBJECT)) {
        hm_node *rt = hm_schema_target(g->c, ty->s);
        if (rt) tf->ref_target = target_index_of(g, rt);
      }
    }
  }
}

static void gen_sources(gen *g) {
  hm_program *p = g->p;
  p->nsources = g->k->nsources;
  p->sources = hm_arena_alloc(&g->c->arena, (p->nsources + 1) * sizeof *p->sources);
  for (uint32_t i = 0; i < p->nsources; i++) {
    hm_srcinfo *s = &g->k->sources[i];
    hm_source *o = &p->sources[i];
    o->name = kstr(g, s->name);
    o->type_name = kstr(g, s->decl->a->next ? s->decl->a->next->s : s->name);
    o->format = (uint32_t)(s->format < 0 ? 0 : s->format);
    o->path = kstrn(g, s->decl->d->s, s->decl->d->slen);
    o->key = kopt(g, s->key);
    o->parent = s->parent >= 0 ? (uint32_t)s->parent : HM_BC_NONE;
    o->parent_by = s->parent_by ? kstr(g, s->parent_by->s) : HM_BC_NONE;
    o->parent_by_path = s->parent >= 0 && !s->parent_by;
    o->records = kopt(g, s->records);
    o->sep = (uint32_t)s->sep;
    o->files = kopt(g, s->files);
    o->flags = (s->distinct ? HM_SRC_DISTINCT : 0) | (s->optional ? HM_SRC_OPTIONAL : 0) |
               (s->decl->op & HM_SRC_INLINE ? HM_SRC_DECLARED : 0);
    o->nfields = s->nslots;
    o->fields = hm_arena_alloc(&g->c->arena, (s->nslots + 1) * sizeof *o->fields);
    for (uint32_t j = 0; j < s->nslots; j++) o->fields[j] = kstr(g, s->slots[j]);
    o->nignores = s->nignores;
    o->ignores = hm_arena_alloc(&g->c->arena, (s->nignores + 1) * sizeof *o->ignores);
    for (uint32_t j = 0; j < s->nignores; j++)
      o->ignores[j] = annot(g, HA_IGNORE, 0, s->ignores[j]->a->s, s->ignores[j]->s, s->ignores[j]);
  }
}

/* A setting's literal (or a list setting's item) as a constant; a bool is 0 or 1. */
static uint32_t setting_const(gen *g, const hm_node *lit) {
  return lit->kind == N_STR    ? kstrn(g, lit->s, lit->slen)
         : lit->kind == N_NUM  ? knum(g, lit->num)
         : lit->kind == N_BOOL ? knum(g, lit->op)
                               : HM_BC_NONE;
}

static void gen_settings(gen *g) {
  hm_program *p = g->p;
  p->nsettings = g->k->nsettings;
  p->settings = hm_arena_alloc(&g->c->arena, (p->nsettings + 1) * sizeof *p->settings);
  for (uint32_t i = 0; i < p->nsettings; i++) {
    hm_node *d = g->k->settings[i].decl;
    hm_setting *o = &p->settings[i];
    o->name = kstr(g, d->s);
    o->type = (uint32_t)g->k->settings[i].type;
    o->def = setting_const(g, d->a);
    if (d->a->kind != N_LIST) continue;
    o->elem = (uint32_t)g->k->settings[i].elem;
    o->nitems = (uint32_t)hm_list_len(d->a->a);
    o->items = hm_arena_alloc(&g->c->arena, (o->nitems + 1) * sizeof *o->items);
    uint32_t j = 0;
    for (hm_node *it = d->a->a; it; it = it->next) o->items[j++] = setting_const(g, it);
  }
}

static void gen_gaps(gen *g) {
  hm_program *p = g->p;
  p->ngaps = g->k->ngaps;
  p->gaps = hm_arena_alloc(&g->c->arena, (p->ngaps + 1) * sizeof *p->gaps);
  for (uint32_t i = 0; i < p->ngaps; i++) {
    hm_node *n = g->k->gaps[i];
    hm_gap *o = &p->gaps[i];
    o->name = kstr(g, n->s);
    o->kind = n->op;
    o->source = n->idx >= 0 ? (uint32_t)n->idx : HM_BC_NONE;
    o->dest = kstrn(g, n->a->s, n->a->slen);
    o->lossy = n->annots ? annot(g, HA_LOSSY, 0, n->annots->s, NULL, n->annots) : HM_BC_NONE;
    o->file = kstr(g, g->c->diags.files[n->loc.file].path);
    o->line = n->loc.line;
    o->col = n->loc.col;
  }
}

int hm_codegen(hm_compiler *c, int unit, hm_program *out) {
  (void)unit;
  memset(out, 0, sizeof *out);
  gen g = {0};
  g.c = c; g.k = &c->chk; g.p = out; g.rule = -1;
  out->title = kstr(&g, c->chk.migration ? c->chk.migration->s : "");
  gen_sources(&g);
  gen_targets(&g);
  gen_settings(&g);
  out->nrules = c->chk.nrules;
  out->rules = hm_arena_alloc(&c->arena, (out->nrules + 1) * sizeof *out->rules);
  for (uint32_t i = 0; i < out->nrules; i++) gen_rule(&g, i);
  gen_gaps(&g);
  out->norder = c->chk.norder;
  out->order = c->chk.order;
  free(g.slots);
  return 0;
}
