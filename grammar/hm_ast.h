/* hm_ast: the syntax tree of a .hmap file — one small node struct for every
 * construct (dsl-anchors lesson 10), allocated in the compile arena. The parser
 * builds it, the checker annotates it (types, resolved indexes), codegen walks it.
 *
 * Children by kind (a, b, c, d; `next` chains lists):
 *   N_MIGRATION s=title a=date format b=zone (`dates F zone Z`: N_STR|N_SETREF|NULL)
 *     c=the word `strict` (N_NAME) after them, or NULL
 *   N_MODULE s=name         N_USE s=name
 *   N_SETTING s=name a=literal
 *   N_TARGET s=name a=path(N_STR) b=unique(N_NAME list) c=fields
 *   N_OBJECT s=name a=key(N_NAME|NULL) c=fields
 *   N_FIELDDECL s=name a=type b=options(N_FOPT list)
 *   N_TYPE op=hm_tykind s=ref/object name a=element type (list) b=enum values (N_STR list)
 *   N_FOPT op=hm_fopt a=literal (default) num (max/min) s (doc)
 *   N_SOURCE s=name a=format(N_NAME, next: type name N_NAME or none)
 *     b=options(N_SRCOPT list) c=inline fields; op=HM_SRC_INLINE when a field block is
 *     given (c is NULL for `{}`), HM_SRC_EXTEND for `+ { ... }`, HM_SRC_HEAD or
 *     HM_SRC_IMPLIED when a rule's or gap's head declares it; d=path(N_STR)
 *   N_SRCOPT op=hm_srcopt s=value (parent: s=parent name, a=N_NAME by-field or NULL for
 *     path; distinct: no value; dates: a=format b=zone c=strict as the migration's;
 *     ignore: s=column a=reason(N_STR) — also a statement of a rule, about its source)
 *   N_RULE a=source(N_NAME) b=target(N_NAME) c=body stmts d=after stmts;
 *     guard in `guard`, lossy in `annots`; `extends P`: b->next=N_NAME P until
 *     compiler/hm_expand.c has spliced P's statements in
 *   N_FRAGMENT s=name c=stmts (`fragment NAME { ... }`; spliced in by hm_expand, checked
 *     only as its copies); a statement `use NAME` is an N_USE s=name
 *   N_GAP s=name op=hm_gap_kind a=dest(N_STR); annots=lossy list
 *   Statements: N_ASSIGN s=field a=expr annots; N_APPEND s=field a=expr;
 *     N_LET s=name a=expr; N_IF a=cond b=then c=else(stmts, or one N_IF);
 *     N_FLAG op=severity s=msg; N_REJECT s=msg; N_LOSSY s=msg
 *   Expressions: N_STR s; N_NUM num; N_BOOL op; N_NULL; N_SRC;
 *     N_NAME s (op 1: the child source an each iterates, set by the checker; 0: a local);
 *     N_SETREF s;
 *     N_FIELD a=obj s=field; N_INDEX a b; N_CALL s=fn a=args; N_LOOKUP s=source a=key;
 *     N_AGENT a; N_UPLOAD a; N_FIND s=source a=key (the export record: a join);
 *     N_MATCH a=subject b=arms; N_ARM a=patterns(list) b=value (a=NULL: default `_`);
 *     N_EACH a=iterated s=var b=where c=stmts (op=1: d=one value per element,
 *       `each S as x => e`; HM_EACH_BARE/HM_EACH_RECORDS: no body, the records themselves);
 *     N_LIST a=items; N_RECORD a=N_RECFIELD list (op HM_REC_BLOCK: c=statements, the
 *       `{ k = v }` form); N_RECFIELD s=key a=value;
 *     N_BIN op=token a b; N_UN op a; N_COND a b c;
 *     N_COALESCE a=lhs b=rhs(expr | N_REJECTX | N_SKIP) c=flag(N_FLAG|NULL);
 *     N_REJECTX s; N_SKIP (op HM_SKIP_UNSET: `?? unset`, a report line when the value failed;
 *     HM_SKIP_ELEMENT below) */
#ifndef HM_AST_H
#define HM_AST_H
#include <stdint.h>
#include "hm_arena.h"

typedef struct hm_loc { uint32_t file, line, col, end_line, end_col; } hm_loc;

typedef enum hm_nkind {
  N_MIGRATION, N_MODULE, N_USE, N_SETTING, N_TARGET, N_OBJECT, N_FIELDDECL, N_TYPE, N_FOPT,
  N_SOURCE, N_SRCOPT, N_RULE, N_GAP,
  N_ASSIGN, N_APPEND, N_LET, N_IF, N_FLAG, N_REJECT, N_LOSSY,
  N_STR, N_NUM, N_BOOL, N_NULL, N_SRC, N_NAME, N_SETREF, N_FIELD, N_INDEX, N_CALL, N_LOOKUP,
  N_AGENT, N_UPLOAD, N_MATCH, N_ARM, N_EACH, N_LIST, N_RECORD, N_RECFIELD, N_BIN, N_UN, N_COND,
  N_COALESCE, N_REJECTX, N_SKIP, N_FIND, N_FRAGMENT,
  N__COUNT
} hm_nkind;

typedef enum hm_tykind {
  TY_STRING, TY_NUMBER, TY_INT, TY_BOOL, TY_DATETIME, TY_ANY, TY_RECORD, TY_LIST, TY_REF,
  TY_ENUM, TY_ENUM_OPEN, TY_OBJECT
} hm_tykind;

typedef enum hm_fopt {
  FO_REQUIRED,
  FO_MAX,
  FO_MIN,
  FO_DEFAULT,
  FO_CREATE_ONLY,
  FO_READONLY,
  FO_DOC
} hm_fopt;
/* N_ASSIGN op: the second statement of `a = b = e`, whose value (a) is NULL until
   compiler/hm_expand.c gives it a copy of the first's. */
enum { HM_ASSIGN_SAME = 1 };
/* N_SOURCE op: the source declares its fields inline, so only those exist
   (an empty block declares none, unlike no block: the fields of its type);
   HM_SRC_EXTEND (`+ { ... }`): its type's fields, plus or overridden by those.
   HM_SRC_HEAD: declared by a head (`rule S : T [options] -> X`, `gap S : T ...`);
   HM_SRC_IMPLIED: declared by the checker for `rule T -> X` / `gap T -> ...` when no source
   T is declared and a used module's object T says where its records are. */
enum { HM_SRC_INLINE = 1, HM_SRC_EXTEND = 2, HM_SRC_HEAD = 4, HM_SRC_IMPLIED = 8 };
/* N_SKIP op: `?? unset`; or, set by the checker, `?? skip` on a field an each element
   requires: the element is left out (silently, as a `where` would). */
enum { HM_SKIP_UNSET = 1, HM_SKIP_ELEMENT = 2 };
/* N_EACH op of an each without a body (`each S as x where c`): HM_EACH_RECORDS as the
   argument of exists() or count(), the one place it may stand; HM_EACH_BARE elsewhere
   (refused by the checker, E0217) */
enum { HM_EACH_BARE = 2, HM_EACH_RECORDS = 3 };
/* N_RECORD written as statements: HM_REC_BLOCK until hm_expand makes it fields, then
   HM_REC_FIELDS (the former `{ k: v }` syntax keeps 0) */
enum { HM_REC_BLOCK = 1, HM_REC_FIELDS = 2 };
typedef enum hm_srcopt { SO_KEY, SO_PARENT, SO_RECORDS, SO_SEP, SO_ENCODING, SO_FILES, SO_DISTINCT,
                         SO_IGNORE, SO_OPTIONAL, SO_TABLE, SO_DATES } hm_srcopt;

/* Binary/unary operators (N_BIN/N_UN op). */
typedef enum hm_binop {
  OPB_ADD, OPB_SUB, OPB_MUL, OPB_DIV, OPB_MOD, OPB_EQ, OPB_NE, OPB_LT, OPB_LE, OPB_GT, OPB_GE,
  OPB_MATCHRE, OPB_AND, OPB_OR, OPU_NOT, OPU_NEG, OPB_IN
} hm_binop;

typedef struct hm_node hm_node;
struct hm_node {
  uint16_t kind, op;
  hm_loc loc;
  const char *s;
  uint32_t slen;
  double num;
  hm_node *a, *b, *c, *d;
  hm_node *guard, *annots;
  hm_node *next;
  /* filled by the checker */
  uint8_t ty;        /* hm_type of an expression */
  uint8_t maybe;     /* expression may be missing/null at run time */
  uint8_t fallible;  /* contains an unhandled fallible step */
  int32_t idx;       /* resolved index: builtin, source, local slot, field slot ... */
  const void *decl;  /* resolved declaration (target/object field, source, rule) */
};

/* A list being built: head and last node of a `next` chain, so adding is O(1).
   An added item is a single node (its `next` is NULL). */
typedef struct hm_nlist { hm_node *head, *tail; } hm_nlist;

hm_node *hm_node_new(hm_arena *a, hm_nkind kind, hm_loc loc);
/* A deep copy of n (of every node of the list, for hm_list_clone); its `next` is NULL. */
hm_node *hm_node_clone(hm_arena *a, const hm_node *n);
hm_node *hm_list_clone(hm_arena *a, const hm_node *list);
hm_nlist hm_list_add(hm_nlist list, hm_node *item);
hm_nlist hm_list_one(hm_node *item);
int hm_list_len(const hm_node *list);
const char *hm_nkind_name(hm_nkind k);

#endif
