/* hm_parse: the .hmap grammar (Bison source; C generated at build time).
 * Pure and reentrant, with locations. Builds the AST of grammar/hm_ast.h in
 * the compile arena. Recovers from errors at statement and declaration level so
 * one run reports every error in a file (E0102).
 *
 * Two deliberate shift preferences (resolved by precedence, not luck):
 *   `a ?? b flag warn "m"` — a `flag` right after a `??` default belongs to it;
 *   `x = e lossy "why"`    — a `lossy` right after an assignment annotates it.
 * and `reject "why" when c` — a `when` right after `reject`/`flag` guards it. */
%define api.pure full
%define parse.error detailed
%locations
%param {hm_lexer *lx}
%parse-param {hm_parse_ctx *pc}

%code requires {
#include "hm_lex.h"
#include "hm_ast.h"
typedef struct hm_parse_ctx {
  hm_arena *arena;
  hm_node *items;        /* top-level declarations, in order */
  hm_node *items_tail;
  void (*report)(void *user, const YYLTYPE *loc, const char *msg);   /* E0102 sink */
  /* A fix-it for the diagnostic just reported: replace the text at loc with `text`. */
  void (*fix)(void *user, const YYLTYPE *loc, const char *text);
  void *user;
  int errors;
  int brace_reported_line, brace_reported_col;   /* an open `{` already named */
  hm_node *pending;   /* `?? b` then `flag ... when c`: the guarded flag, after its statement */
  int bad_option_line;   /* a line whose first unknown source option was named */
} hm_parse_ctx;
int hm_parse_file(hm_parse_ctx *pc, hm_lexer *lx);
}

%code provides {
int hm_lex(YYSTYPE *val, YYLTYPE *loc, hm_lexer *lx);
}

%code {
#include <stdio.h>
#include <string.h>
#define yylex hm_lex
#define YYLLOC_DEFAULT(Cur, Rhs, N) do { \
    if (N) { \
      (Cur).first_line = YYRHSLOC(Rhs, 1).first_line; \
      (Cur).first_column = YYRHSLOC(Rhs, 1).first_column; \
      (Cur).last_line = YYRHSLOC(Rhs, N).last_line; \
      (Cur).last_column = YYRHSLOC(Rhs, N).last_column; \
      (Cur).file = YYRHSLOC(Rhs, 1).file; \
    } else { \
      (Cur).first_line = (Cur).last_line = YYRHSLOC(Rhs, 0).last_line; \
      (Cur).first_column = (Cur).last_column = YYRHSLOC(Rhs, 0).last_column; \
      (Cur).file = YYRHSLOC(Rhs, 0).file; \
    } \
    (Cur).first_column_adj = 0; } while (0)

/* After this many syntax errors the rest of the file is noise: the lexer is
   sent to end of input so recovery always terminates. */
#define HM_MAX_SYNTAX_ERRORS 100
/* Bison's own stack (YYMAXDEPTH states) ends before the C stack would: its
   "memory exhausted" is a nesting limit, reported as E0106 like the tree's. */
/* A syntax error on a line that starts a declaration (`rule`, `source`, ... at column 1)
   or at the end of the file while a `{` is open is most often that brace's missing `}`:
   the open brace is named too, once, so no one searches from where the parse broke. */
static int starts_declaration(const hm_lexer *lx, const YYLTYPE *loc) {
  static const char *const words[] = {"rule ", "source ", "setting ", "gap ", "target ",
                                      "object ", "migration ", "use ", "module "};
  if (loc->first_column == 1) return 1;
  if ((uint32_t)loc->first_line != lx->line) return 0;
  for (size_t i = 0; i < sizeof words / sizeof *words; i++)
    if (!strncmp((const char *)lx->line_start, words[i], strlen(words[i]))) return 1;
  return 0;
}

static void report_open_brace(YYLTYPE *loc, hm_lexer *lx, hm_parse_ctx *pc) {
  int at_end = lx->cur >= lx->end;
  if (!lx->nbraces || (!at_end && !starts_declaration(lx, loc)) || !pc->report) return;
  uint32_t i = lx->nbraces <= HM_LEX_BRACES ? lx->nbraces - 1 : HM_LEX_BRACES - 1;
  YYLTYPE b = lx->open_brace[i];
  if (b.first_line == pc->brace_reported_line && b.first_column == pc->brace_reported_col)
    return;
  pc->brace_reported_line = b.first_line;
  pc->brace_reported_col = b.first_column;
  char msg[160];
  if (at_end)
    snprintf(msg, sizeof msg, "syntax error: this `{` is never closed (the file ends first)");
  else
    snprintf(msg, sizeof msg, "syntax error: this `{` is not closed before line %d (a `}` "
             "is missing)", loc->first_line);
  pc->report(pc->user, &b, msg);
}

static void yyerror(YYLTYPE *loc, hm_lexer *lx, hm_parse_ctx *pc, const char *msg) {
  pc->errors++;
  if (pc->errors > HM_MAX_SYNTAX_ERRORS) { lx->cur = lx->end; return; }
  if (!strcmp(msg, "memory exhausted"))
    msg = "nested too deep: the parser's stack is full; split the expression into `let` steps";
  /* `if a = b`: `=` where only an expression can go is a comparison written as assignment */
  /* (after a whole operand: Bison then expects only a few tokens, and lists them) */
  const char *expecting = strstr(msg, "unexpected '=', expecting");
  int eq_slip = expecting && !strstr(expecting + 15, "'='") && !strstr(expecting, "+=");
  if (eq_slip) msg = "syntax error: `=` sets a field; to compare two values write `==`";
  /* `join(", ", each S as x)`: a body-less each stands only as a call's one argument */
  else if (strstr(msg, "expecting => or '{'"))
    msg = "syntax error: this `each` needs a body, `{ FIELD = x.NAME ... }`, or a value, "
          "`=> (x.NAME)`; without one it is the list of the records, which only exists(...) "
          "and count(...) read";
  /* `let in = ...`: a reserved word where a name goes is named as one */
  char reserved[160];
  const char *kw = strstr(msg, "unexpected '");
  if (!eq_slip && kw && strstr(msg, "expecting identifier")) {
    const char *end = strchr(kw + 12, '\'');
    if (end && end - (kw + 12) < 20) {
      snprintf(reserved, sizeof reserved, "syntax error: `%.*s` is a reserved word, not a name: "
               "choose another (docs/language.md, \"Reserved words\")", (int)(end - (kw + 12)),
               kw + 12);
      msg = reserved;
    }
  }
  if (pc->report) pc->report(pc->user, loc, msg);
  if (eq_slip && pc->fix) pc->fix(pc->user, loc, "==");
  report_open_brace(loc, lx, pc);
}

static hm_loc L(YYLTYPE l) {
  hm_loc r = {l.file, (uint32_t)l.first_line, (uint32_t)l.first_column,
               (uint32_t)l.last_line, (uint32_t)l.last_column};
  return r;
}
#define NEW(kind, loc) hm_node_new(pc->arena, kind, L(loc))
static hm_node *str_node(hm_parse_ctx *pc, hm_nkind k, YYLTYPE loc, const char *s, uint32_t len) {
  hm_node *n = NEW(k, loc);
  n->s = s; n->slen = len;
  return n;
}
/* `ignore COLUMN "why"`: a column the map leaves out on purpose. */
static hm_node *ignore_node(hm_parse_ctx *pc, YYLTYPE at, const char *col, uint32_t col_len,
                            YYLTYPE why_at, const char *why, uint32_t why_len) {
  hm_node *n = str_node(pc, N_SRCOPT, at, col, col_len);
  n->op = SO_IGNORE;
  n->a = str_node(pc, N_STR, why_at, why, why_len);
  return n;
}
static hm_node *when_node(hm_parse_ctx *pc, YYLTYPE at, hm_node *cond, hm_node *st) {
  hm_node *n = NEW(N_IF, at);
  n->a = cond; n->b = st;
  return n;
}

/* `F = e [lossy "why"] when c`. A `lossy "why" when c` on a line after the value is the
   statement `lossy ... when c` that follows, not an annotation of a guarded assignment. */
static hm_node *guarded(hm_parse_ctx *pc, hm_node *st, hm_nlist annots, YYLTYPE value,
                        YYLTYPE at, hm_node *cond) {
  if (annots.tail && annots.tail->loc.line > (uint32_t)value.last_line) {
    hm_node **a = &annots.head;
    while (*a != annots.tail) a = &(*a)->next;
    *a = NULL;
    st->annots = annots.head;
    st->next = when_node(pc, at, cond, annots.tail);
    return st;
  }
  st->annots = annots.head;
  return when_node(pc, at, cond, st);
}

/* `exists(e)`: e yields a value — it neither fails (a lookup of a record not migrated)
   nor is null, blank or an empty list. Written as `nonempty(e ?? null) != null`, the
   form it replaces, so it checks and runs exactly as that does. */
static hm_node *exists_node(hm_parse_ctx *pc, YYLTYPE at, hm_node *e) {
  hm_node *dflt = NEW(N_COALESCE, at), *call = str_node(pc, N_CALL, at, "nonempty", 8);
  dflt->a = e; dflt->b = NEW(N_NULL, at);
  call->a = dflt;
  hm_node *ne = NEW(N_BIN, at);
  ne->op = OPB_NE; ne->a = call; ne->b = NEW(N_NULL, at);
  return ne;
}
/* A contextual word where the grammar expects it: 1, or a syntax error naming it, 0. */
static int word(YYLTYPE *at, const char *got, const char *want, hm_lexer *lx,
                hm_parse_ctx *pc) {
  if (!strcmp(got, want)) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "syntax error, unexpected identifier '%.40s', expecting '%s'", got,
           want);
  yyerror(at, lx, pc, msg);
  return 0;
}
/* A declared type's name: the scalar types by their words, any other an object's. */
static int type_named(const char *s) {
  static const struct { const char *w; int ty; } T[] = {
    {"string", TY_STRING}, {"number", TY_NUMBER}, {"int", TY_INT}, {"bool", TY_BOOL},
    {"datetime", TY_DATETIME}, {"any", TY_ANY}, {"record", TY_RECORD}, {"list", TY_LIST},
  };
  for (size_t i = 0; i < sizeof T / sizeof *T; i++) if (!strcmp(s, T[i].w)) return T[i].ty;
  return TY_OBJECT;
}
/* `f(a, b)`; `agent(e)`, `upload(p)` and `exists(e)` are forms of their own, read by name. */
static hm_node *call_node(hm_parse_ctx *pc, YYLTYPE at, YYLTYPE all, const char *s, uint32_t len,
                          hm_node *args) {
  int one = args && !args->next;
  if (one && args->kind == N_EACH && args->op == HM_EACH_BARE &&
      (!strcmp(s, "exists") || !strcmp(s, "count")))
    args->op = HM_EACH_RECORDS;
  if (one && !strcmp(s, "exists")) return exists_node(pc, all, args);
  if (one && (!strcmp(s, "agent") || !strcmp(s, "upload"))) {
    hm_node *n = NEW(s[0] == 'a' ? N_AGENT : N_UPLOAD, at);
    n->a = args;
    return n;
  }
  hm_node *n = str_node(pc, N_CALL, at, s, len);
  n->a = args;
  return n;
}
/* A statement, or the chain one statement makes (`tags += a, b`), added to a list. */
static hm_nlist add_stmt(hm_nlist list, hm_node *st) {
  list = hm_list_add(list, st);
  while (list.tail && list.tail->next) list.tail = list.tail->next;
  return list;
}
static void bad_option(hm_parse_ctx *pc, hm_lexer *lx, YYLTYPE l, const char *w) {
  char m[200];
  snprintf(m, sizeof m, "syntax error: '%.40s' is not a source option (key, parent, records, "
           "sep, encoding, files, table, distinct, optional, ignore, dates)", w);
  /* the words after it on its line are its own: one error, not one per word */
  if (pc->bad_option_line != l.first_line) yyerror(&l, lx, pc, m);
  pc->bad_option_line = l.first_line;
}
/* `strict` (a contextual word, read by its place after a `dates` clause): the N_NAME the
   clause keeps in `c`, or a syntax error naming the word that stands there instead. */
#define STRICT_ALONE "syntax error: `strict` follows a `dates FORMAT [zone ZONE]` clause (`dates " \
  "\"\" strict` for ISO-8601 dates)"
static hm_node *strict_node(hm_parse_ctx *pc, YYLTYPE at, const char *s, hm_lexer *lx) {
  if (!word(&at, s, "strict", lx, pc)) return NULL;
  return str_node(pc, N_NAME, at, s, (uint32_t)strlen(s));
}
/* A source option added to the list; `strict` (an N_NAME) goes on the `dates` before it. */
static hm_nlist srcopt_add(hm_parse_ctx *pc, hm_nlist opts, hm_node *o, hm_lexer *lx) {
  if (!o || o->kind != N_NAME) return o ? hm_list_add(opts, o) : opts;
  YYLTYPE l = {.first_line = (int)o->loc.line, .first_column = (int)o->loc.col,
               .last_line = (int)o->loc.end_line, .last_column = (int)o->loc.end_col,
               .file = o->loc.file};
  if (opts.tail && opts.tail->op == SO_DATES && !opts.tail->c) opts.tail->c = o;
  else yyerror(&l, lx, pc, opts.tail && opts.tail->op == SO_DATES
               ? "syntax error: `strict` is given twice" : STRICT_ALONE);
  return opts;
}
static void add_item(hm_parse_ctx *pc, hm_node *n) {
  if (!n) return;
  if (pc->items_tail) pc->items_tail->next = n; else pc->items = n;
  pc->items_tail = n;
}
/* `S : T [from FORMAT "PATH"] [options]` in a head: the name, with on its `b` the
   N_SOURCE a `source` line would make (format NULL: "" until the checker reads T's). */
static hm_node *head_node(hm_parse_ctx *pc, YYLTYPE at, const char *s, uint32_t len,
                          hm_node *format, hm_node *type, hm_node *path, hm_node *opts) {
  hm_node *name = str_node(pc, N_NAME, at, s, len), *src = str_node(pc, N_SOURCE, at, s, len);
  src->op = HM_SRC_HEAD;
  src->a = format ? format : str_node(pc, N_NAME, at, "", 0);
  src->a->next = type;
  src->b = opts;
  src->d = path;
  name->b = src;
  return name;
}
/* A head's name for its rule or gap; a source the head declares goes into the file
   first, so it is declared where the head is, as a `source` line there would be. */
static hm_node *head_source(hm_parse_ctx *pc, hm_node *name) {
  add_item(pc, name->b);
  name->b = NULL;
  return name;
}
static hm_node *gap_node(hm_parse_ctx *pc, hm_node *name) {
  hm_node *n = head_source(pc, name);
  n->kind = N_GAP;
  return n;
}
}

%union {
  struct { const char *s; uint32_t len; } str;
  struct { hm_node *list; int given; } fields;   /* a field block: its HM_SRC_* kind, even empty */
  double num;
  hm_node *node;
  hm_nlist list;
  int ival;
}

%token <str> IDENT "identifier" STRING "string" SETREF "setting reference"
%token <num> NUMBER "number"
%token ARROW "->" FATARROW "=>" COALESCE "??" EQ "==" NE "!=" LE "<=" GE ">=" MATCHRE "=~"
    PLUSEQ "+="
/* Reserved words (grammar/hm_lex.re KEYWORDS) */
%token <str> KW_OBJECT "'object'" KW_SOURCE "'source'" KW_FROM "'from'" KW_KEY "'key'"
  KW_PARENT "'parent'" KW_DISTINCT "'distinct'" KW_OPTIONAL "'optional'" KW_IGNORE "'ignore'"
  KW_RULE "'rule'" KW_WHEN "'when'" KW_LET "'let'" KW_IF "'if'" KW_ELSE "'else'"
  KW_FLAG "'flag'" KW_REJECT "'reject'" KW_LOSSY "'lossy'" KW_LOOKUP "'lookup'"
  KW_FIND "'find'" KW_EACH "'each'" KW_MATCH "'match'" KW_TRUE "'true'" KW_FALSE "'false'"
  KW_NULL "'null'" KW_AND "'and'" KW_OR "'or'" KW_NOT "'not'" KW_SRC "'src'"
  KW_REQUIRED "'required'" KW_CREATE_ONLY "'create_only'" KW_READONLY "'readonly'" KW_IN "'in'"
/* Contextual words the lexer reads as keywords only before what they take (CONTEXTUALS) */
%token <str> KW_MIGRATION "'migration'" KW_PATH "'path'" KW_RECORDS "'records'"
  KW_SEP "'sep'" KW_ENCODING "'encoding'" KW_FILES "'files'" KW_TABLE "'table'"
  KW_INFO "'info'" KW_WARN "'warn'" KW_REVIEW "'review'" KW_MAX "'max'" KW_MIN "'min'"
  KW_DEFAULT "'default'" KW_OF "'of'" KW_REF "'ref'" KW_OPEN "'open'" KW_AFTER "'after'"
  KW_USE "'use'" KW_SETTING "'setting'" KW_MODULE "'module'" KW_TARGET "'target'"
  KW_GAP "'gap'" KW_FRAGMENT "'fragment'"
%token <str> KW_DATES "'dates'" KW_ZONE "'zone'"

%type <node> item type fielddecl fopt literal srcopt
%type <list> names fielddecls fopts srcopts strlist annots stmts exprs args arms patterns recfields
%type <list> recstmts literals
%type <fields> opt_fields
%type <node> stmt block else_part opt_flag expr coalesce orx andx cmp add mul unary postfix primary
%type <node> head
%type <node> arm pattern recfield opt_where opt_guard opt_after datearg opt_zone
%type <str> fname anyname
%type <ival> severity

%nonassoc LOWER_THAN_FLAG
%nonassoc KW_FLAG KW_LOSSY
/* `reject "why"` then `when`: the guarded form (a field named `when` cannot follow) */
%nonassoc LOWER_THAN_WHEN
%nonassoc KW_WHEN
%nonassoc LOWER_THAN_ELSE
%nonassoc KW_ELSE

%destructor { } <*>

%%

file: %empty | file item { add_item(pc, $2); } | file error ;

item:
    KW_MIGRATION STRING { $$ = str_node(pc, N_MIGRATION, @$, $2.s, $2.len); }
  | KW_MIGRATION STRING KW_DATES datearg opt_zone {
      $$ = str_node(pc, N_MIGRATION, @$, $2.s, $2.len); $$->a = $4; $$->b = $5; }
  | KW_MIGRATION STRING KW_DATES datearg opt_zone IDENT {
      $$ = str_node(pc, N_MIGRATION, @$, $2.s, $2.len); $$->a = $4; $$->b = $5;
      $$->c = strict_node(pc, @6, $6.s, lx); }
  /* `strict` belongs to a `dates` clause: without one it is named, not a cascade */
  | KW_MIGRATION STRING IDENT { $$ = str_node(pc, N_MIGRATION, @$, $2.s, $2.len);
      YYLTYPE l = @3; if (!strcmp($3.s, "strict")) yyerror(&l, lx, pc, STRICT_ALONE);
      else yyerror(&l, lx, pc, "syntax error: after `migration \"title\"` comes `dates "
                   "FORMAT [zone ZONE] [strict]` or the end of the line"); }
  | KW_MODULE IDENT { $$ = str_node(pc, N_MODULE, @$, $2.s, $2.len); }
  | KW_USE IDENT { $$ = str_node(pc, N_USE, @2, $2.s, $2.len); }
  | KW_SETTING IDENT '=' literal { $$ = str_node(pc, N_SETTING, @2, $2.s, $2.len); $$->a = $4; }
  /* a list setting: `setting ids = [2, 3]`, its items literals (`--set ids=2,3`) */
  | KW_SETTING IDENT '=' '[' literals ']' { $$ = str_node(pc, N_SETTING, @2, $2.s, $2.len);
      $$->a = NEW(N_LIST, @4); $$->a->a = $5.head; }
  | KW_SETTING IDENT '=' '[' ']' { $$ = str_node(pc, N_SETTING, @2, $2.s, $2.len);
      $$->a = NEW(N_LIST, @4); }
  | KW_TARGET IDENT KW_PATH STRING IDENT names '{' fielddecls '}' {
      $$ = str_node(pc, N_TARGET, @2, $2.s, $2.len);
      $$->a = str_node(pc, N_STR, @4, $4.s, $4.len); $$->b = $6.head; $$->c = $8.head;
      if (!word(&@5, $5.s, "unique", lx, pc)) $$ = NULL; }
  | KW_TARGET IDENT KW_PATH STRING '{' fielddecls '}' {
      $$ = str_node(pc, N_TARGET, @2, $2.s, $2.len);
      $$->a = str_node(pc, N_STR, @4, $4.s, $4.len); $$->c = $6.head; }
  | KW_OBJECT IDENT '{' fielddecls '}' { $$ = str_node(pc, N_OBJECT, @2, $2.s, $2.len);
      $$->c = $4.head; }
  | KW_OBJECT IDENT KW_KEY fname '{' fielddecls '}' {
      $$ = str_node(pc, N_OBJECT, @2, $2.s, $2.len); $$->a = str_node(pc, N_NAME, @4, $4.s, $4.len);
          $$->c = $6.head; }
  /* `object T key F from FORMAT "PATH"`: where an export holds T's records, so a source of
     type T may leave out its `from` (`source Brand : st_Brands`) */
  | KW_OBJECT IDENT KW_KEY fname KW_FROM srcformat STRING '{' fielddecls '}' {
      $$ = str_node(pc, N_OBJECT, @2, $2.s, $2.len); $$->a = str_node(pc, N_NAME, @4, $4.s, $4.len);
      $$->b = $<node>6; $$->d = str_node(pc, N_STR, @7, $7.s, $7.len); $$->c = $9.head; }
  | KW_OBJECT IDENT KW_FROM srcformat STRING '{' fielddecls '}' {
      $$ = str_node(pc, N_OBJECT, @2, $2.s, $2.len);
      $$->b = $<node>4; $$->d = str_node(pc, N_STR, @5, $5.s, $5.len); $$->c = $7.head; }
  | KW_SOURCE IDENT KW_FROM srcformat STRING srcopts opt_fields {
      $$ = str_node(pc, N_SOURCE, @2, $2.s, $2.len);
      $$->d = str_node(pc, N_STR, @5, $5.s, $5.len); $$->a = $<node>4; $$->b = $6.head;
      $$->c = $7.list; $$->op = (uint16_t)$7.given; }
  | KW_SOURCE IDENT ':' IDENT KW_FROM srcformat STRING srcopts opt_fields {
      $$ = str_node(pc, N_SOURCE, @2, $2.s, $2.len);
      $$->d = str_node(pc, N_STR, @7, $7.s, $7.len); $$->a = $<node>6;
      $$->a->next = str_node(pc, N_NAME, @4, $4.s, $4.len); $$->b = $8.head;
      $$->c = $9.list; $$->op = (uint16_t)$9.given; }
  /* `source S : T` or `source S` without `from`: T's module says where its records are
     (the format is left empty here, filled in by the checker from the object) */
  | KW_SOURCE IDENT ':' IDENT srcopts opt_fields {
      $$ = str_node(pc, N_SOURCE, @2, $2.s, $2.len); $$->a = str_node(pc, N_NAME, @2, "", 0);
      $$->a->next = str_node(pc, N_NAME, @4, $4.s, $4.len); $$->b = $5.head;
      $$->c = $6.list; $$->op = (uint16_t)$6.given; }
  | KW_SOURCE IDENT srcopts opt_fields {
      $$ = str_node(pc, N_SOURCE, @2, $2.s, $2.len); $$->a = str_node(pc, N_NAME, @2, "", 0);
      $$->b = $3.head; $$->c = $4.list; $$->op = (uint16_t)$4.given; }
  | KW_RULE head ARROW IDENT opt_guard annots '{' stmts '}' opt_after {
      $$ = NEW(N_RULE, @1);
      $$->loc.end_line = (uint32_t)@4.last_line; $$->loc.end_col = (uint32_t)@4.last_column;
      $$->a = head_source(pc, $2); $$->b = str_node(pc, N_NAME, @4, $4.s, $4.len);
      $$->guard = $5; $$->annots = $6.head; $$->c = $8.head; $$->d = $10; }
  /* `rule S -> T extends P { ... }`: `extends` is a contextual word (not a keyword); the
     parent's name hangs on the target's `next` until compiler/hm_expand.c splices it */
  | KW_RULE head ARROW IDENT IDENT IDENT opt_guard annots '{' stmts '}' opt_after {
      $$ = NEW(N_RULE, @1);
      $$->loc.end_line = (uint32_t)@4.last_line; $$->loc.end_col = (uint32_t)@4.last_column;
      $$->a = head_source(pc, $2); $$->b = str_node(pc, N_NAME, @4, $4.s, $4.len);
      $$->b->next = str_node(pc, N_NAME, @6, $6.s, $6.len);
      if (strcmp($5.s, "extends") != 0) { YYLTYPE l = @5; yyerror(&l, lx, pc,
          "syntax error: after `rule S -> T` comes `extends RULE`, `when`, `lossy` or `{`"); }
      $$->guard = $7; $$->annots = $8.head; $$->c = $10.head; $$->d = $12; }
  /* `fragment NAME { ... }`: statements a rule takes in with `use NAME` */
  | KW_FRAGMENT IDENT '{' stmts '}' {
      $$ = str_node(pc, N_FRAGMENT, @2, $2.s, $2.len); $$->c = $4.head; }
  | KW_GAP head ARROW IDENT IDENT STRING annots {
      $$ = gap_node(pc, $2); $$->op = 0;
      $$->a = str_node(pc, N_STR, @6, $6.s, $6.len); $$->annots = $7.head;
      if (!word(&@4, $4.s, "export", lx, pc) || !word(&@5, $5.s, "csv", lx, pc)) $$ = NULL; }
  | KW_GAP head ARROW IDENT STRING annots {
      $$ = gap_node(pc, $2); $$->op = 1;
      $$->a = str_node(pc, N_STR, @5, $5.s, $5.len); $$->annots = $6.head;
      if (!word(&@4, $4.s, "inventory", lx, pc)) $$ = NULL; }
  ;

/* A rule's or gap's source: `S`, or `S : T [from FORMAT "PATH"] [options]`, which declares
   source S of object T as `source S : T ...` would (the N_SOURCE hangs on the name's `b`
   until head_source puts it in the file, just before the rule or gap). */
head: IDENT { $$ = str_node(pc, N_NAME, @1, $1.s, $1.len); }
    | IDENT ':' IDENT srcopts { $$ = head_node(pc, @1, $1.s, $1.len, NULL,
        str_node(pc, N_NAME, @3, $3.s, $3.len), NULL, $4.head); }
    | IDENT ':' IDENT KW_FROM srcformat STRING srcopts { $$ = head_node(pc, @1, $1.s, $1.len,
        $<node>5, str_node(pc, N_NAME, @3, $3.s, $3.len), str_node(pc, N_STR, @6, $6.s, $6.len),
        $7.head); } ;

/* The format is kept as an N_NAME node (checked later) so unknown formats get a
   precise E0210 instead of a syntax error. */
srcformat: IDENT { $<node>$ = str_node(pc, N_NAME, @1, $1.s, $1.len); } ;

names: fname { $$ = hm_list_one(str_node(pc, N_NAME, @1, $1.s, $1.len)); }
     | names ',' fname { $$ = hm_list_add($1, str_node(pc, N_NAME, @3, $3.s, $3.len)); } ;

fielddecls: %empty { $$ = (hm_nlist){0}; }
          | fielddecls fielddecl { $$ = hm_list_add($1, $2); }
          | fielddecls error { $$ = $1; } ;

fielddecl: IDENT ':' type fopts { $$ = str_node(pc, N_FIELDDECL, @1, $1.s, $1.len); $$->a = $3;
    $$->b = $4.head; } ;

/* Type names are contextual: `string`, `int`... here, a field or a builtin elsewhere. */
type: IDENT { $$ = NEW(N_TYPE, @$); $$->op = (uint16_t)type_named($1.s); $$->s = $1.s; }
    | IDENT KW_OF type { $$ = NEW(N_TYPE, @$); $$->op = TY_LIST; $$->a = $3;
        word(&@1, $1.s, "list", lx, pc); }
    | KW_REF IDENT { $$ = NEW(N_TYPE, @$); $$->op = TY_REF; $$->s = $2.s; }
    | IDENT '(' strlist ')' { $$ = NEW(N_TYPE, @$); $$->op = TY_ENUM; $$->b = $3.head;
        word(&@1, $1.s, "enum", lx, pc); }
    | IDENT KW_OPEN '(' strlist ')' { $$ = NEW(N_TYPE, @$); $$->op = TY_ENUM_OPEN;
        $$->b = $4.head; word(&@1, $1.s, "enum", lx, pc); }
    ;

strlist: STRING { $$ = hm_list_one(str_node(pc, N_STR, @1, $1.s, $1.len)); }
       | strlist ',' STRING { $$ = hm_list_add($1, str_node(pc, N_STR, @3, $3.s, $3.len)); } ;

fopts: %empty { $$ = (hm_nlist){0}; } | fopts fopt { $$ = hm_list_add($1, $2); } ;
fopt: KW_REQUIRED { $$ = NEW(N_FOPT, @$); $$->op = FO_REQUIRED; }
    | KW_MAX NUMBER { $$ = NEW(N_FOPT, @$); $$->op = FO_MAX; $$->num = $2; }
    | KW_MIN NUMBER { $$ = NEW(N_FOPT, @$); $$->op = FO_MIN; $$->num = $2; }
    | KW_DEFAULT literal { $$ = NEW(N_FOPT, @$); $$->op = FO_DEFAULT; $$->a = $2; }
    | KW_CREATE_ONLY { $$ = NEW(N_FOPT, @$); $$->op = FO_CREATE_ONLY; }
    | KW_READONLY { $$ = NEW(N_FOPT, @$); $$->op = FO_READONLY; }
    | STRING { $$ = NEW(N_FOPT, @$); $$->op = FO_DOC; $$->s = $1.s; }
    ;

literal: STRING { $$ = str_node(pc, N_STR, @1, $1.s, $1.len); }
       | NUMBER { $$ = NEW(N_NUM, @1); $$->num = $1; }
       | '-' NUMBER { $$ = NEW(N_NUM, @$); $$->num = -$2; }
       | KW_TRUE { $$ = NEW(N_BOOL, @1); $$->op = 1; }
       | KW_FALSE { $$ = NEW(N_BOOL, @1); $$->op = 0; }
       | KW_NULL { $$ = NEW(N_NULL, @1); }
       ;

literals: literal { $$ = hm_list_one($1); } | literals ',' literal { $$ = hm_list_add($1, $3); } ;

srcopts: %empty { $$ = (hm_nlist){0}; } | srcopts srcopt { $$ = srcopt_add(pc, $1, $2, lx); } ;
srcopt: KW_KEY fname { $$ = str_node(pc, N_SRCOPT, @2, $2.s, $2.len); $$->op = SO_KEY; }
      | KW_PARENT IDENT IDENT fname { word(&@3, $3.s, "by", lx, pc);
          $$ = str_node(pc, N_SRCOPT, @2, $2.s, $2.len); $$->op = SO_PARENT;
          if (strcmp($4.s, "path") != 0) $$->a = str_node(pc, N_NAME, @4, $4.s, $4.len); }
      | KW_RECORDS STRING { $$ = str_node(pc, N_SRCOPT, @2, $2.s, $2.len); $$->op = SO_RECORDS; }
      | KW_SEP STRING { $$ = str_node(pc, N_SRCOPT, @2, $2.s, $2.len); $$->op = SO_SEP; }
      | KW_ENCODING STRING { $$ = str_node(pc, N_SRCOPT, @2, $2.s, $2.len); $$->op = SO_ENCODING; }
      | KW_FILES STRING { $$ = str_node(pc, N_SRCOPT, @2, $2.s, $2.len); $$->op = SO_FILES; }
      | KW_DISTINCT { $$ = NEW(N_SRCOPT, @1); $$->op = SO_DISTINCT; }
      | KW_OPTIONAL { $$ = NEW(N_SRCOPT, @1); $$->op = SO_OPTIONAL; }
      | KW_TABLE STRING { $$ = str_node(pc, N_SRCOPT, @2, $2.s, $2.len); $$->op = SO_TABLE; }
      | KW_IGNORE fname STRING { $$ = ignore_node(pc, @2, $2.s, $2.len, @3, $3.s, $3.len); }
      /* a word no option starts with: named, rather than read as the next declaration */
      /* a word no option starts with: named, rather than read as the next declaration;
         `strict` (after `dates ...`) is hung on that option by srcopt_add */
      | IDENT { $$ = strcmp($1.s, "strict") ? NULL : str_node(pc, N_NAME, @1, $1.s, $1.len);
          if (!$$) bad_option(pc, lx, @1, $1.s); }
      | KW_DATES datearg opt_zone { $$ = NEW(N_SRCOPT, @1); $$->op = SO_DATES; $$->a = $2;
          $$->b = $3; }
      ;
/* a date format or time zone: a string, or a setting so `--set` can change it */
datearg: STRING { $$ = str_node(pc, N_STR, @1, $1.s, $1.len); }
       | SETREF { $$ = str_node(pc, N_SETREF, @1, $1.s, $1.len); } ;
opt_zone: %empty { $$ = NULL; } | KW_ZONE datearg { $$ = $2; } ;
opt_fields: %empty { $$.list = NULL; $$.given = 0; } | '{' fielddecls '}' { $$.list = $2.head;
    $$.given = HM_SRC_INLINE; }
  /* `+ { ... }`: columns added to (or overriding) the source's stdlib object */
  | '+' '{' fielddecls '}' { $$.list = $3.head; $$.given = HM_SRC_EXTEND; } ;

opt_guard: %empty { $$ = NULL; }
         | KW_WHEN expr { $$ = $2;
             if (pc->pending) { YYLTYPE l = @2; pc->pending = NULL; yyerror(&l, lx, pc,
                 "syntax error: a rule's `when` takes no `flag ... when`"); } } ;
opt_after: %empty { $$ = NULL; } | KW_AFTER '{' stmts '}' { $$ = $3.head; } ;
    /* an empty after is no after */
annots: %empty %prec LOWER_THAN_FLAG { $$ = (hm_nlist){0}; }
      | annots KW_LOSSY STRING { hm_node *n = str_node(pc, N_LOSSY, @2, $3.s, $3.len);
          $$ = hm_list_add($1, n); } ;

/* Field names: identifiers, and keywords that cannot start a statement or an
   expression, so targets and sources may have fields like `source` or `path`.
   (In declarations and record literals the lexer already turns `word:` into an
   identifier, so those positions take IDENT.) */
fname: IDENT | KW_KEY | KW_PATH | KW_SOURCE | KW_FROM | KW_PARENT | KW_RECORDS | KW_SEP
     | KW_IGNORE | KW_TABLE | KW_ENCODING | KW_FILES | KW_DISTINCT | KW_OPTIONAL | KW_RULE
     | KW_OBJECT | KW_INFO | KW_WARN | KW_REVIEW | KW_REQUIRED | KW_MAX | KW_MIN | KW_DEFAULT
     | KW_CREATE_ONLY | KW_READONLY | KW_OF | KW_REF | KW_OPEN | KW_MIGRATION | KW_WHEN
     | KW_AFTER | KW_DATES | KW_ZONE | KW_USE | KW_SETTING | KW_MODULE | KW_TARGET | KW_GAP
     | KW_FRAGMENT ;
/* After a '.', every word is a field name: `src.each`, `c.match`. */
anyname: fname | KW_FIND | KW_LET | KW_IF | KW_ELSE | KW_FLAG | KW_REJECT | KW_LOSSY
       | KW_LOOKUP | KW_EACH | KW_MATCH | KW_TRUE | KW_FALSE | KW_NULL | KW_AND | KW_OR
       | KW_NOT | KW_SRC | KW_IN ;

block: '{' stmts '}' { $$ = $2.head; } ;
stmts: %empty { $$ = (hm_nlist){0}; }
     | stmts stmt { $$ = add_stmt($1, $2);
         if (pc->pending) { $$ = hm_list_add($$, pc->pending); pc->pending = NULL; } }
     | stmts error { $$ = $1; } ;

stmt: fname '=' expr annots %prec LOWER_THAN_FLAG { $$ = str_node(pc, N_ASSIGN, @1, $1.s, $1.len);
    $$->a = $3; $$->annots = $4.head; }
    /* `channel = via = e`: one value for two fields; compiler/hm_expand.c gives the second
       its own copy of e (op HM_ASSIGN_SAME, a NULL until then) */
    | fname '=' fname '=' expr annots %prec LOWER_THAN_FLAG {
        $$ = str_node(pc, N_ASSIGN, @1, $1.s, $1.len); $$->a = $5; $$->annots = $6.head;
        $$->next = str_node(pc, N_ASSIGN, @3, $3.s, $3.len); $$->next->op = HM_ASSIGN_SAME; }
    | fname PLUSEQ expr annots %prec LOWER_THAN_FLAG { $$ = str_node(pc, N_APPEND, @1, $1.s,
        $1.len); $$->a = $3; $$->annots = $4.head; }
    /* `tags += a, b, c`: one append per value, in order (a chain the statement lists take) */
    | fname PLUSEQ expr ',' exprs { $$ = str_node(pc, N_APPEND, @1, $1.s, $1.len); $$->a = $3;
        hm_node *tail = $$;
        for (hm_node *v = $5.head, *next; v; v = next) {
          next = v->next; v->next = NULL;
          tail->next = str_node(pc, N_APPEND, @1, $1.s, $1.len); tail = tail->next; tail->a = v; } }
    /* `FIELD = e when c`, `FIELD += e when c`: `if c { ... }` in one line */
    | fname '=' expr annots KW_WHEN expr { hm_node *st = str_node(pc, N_ASSIGN, @1, $1.s, $1.len);
        st->a = $3; $$ = guarded(pc, st, $4, @3, @5, $6); }
    | fname PLUSEQ expr annots KW_WHEN expr { hm_node *st = str_node(pc, N_APPEND, @1, $1.s,
        $1.len); st->a = $3; $$ = guarded(pc, st, $4, @3, @5, $6); }
    | KW_LET IDENT '=' expr { $$ = str_node(pc, N_LET, @2, $2.s, $2.len); $$->a = $4; }
    | KW_IF expr block else_part { $$ = NEW(N_IF, @1); $$->a = $2; $$->b = $3; $$->c = $4; }
    | KW_FLAG severity STRING %prec LOWER_THAN_WHEN { $$ = str_node(pc, N_FLAG, @1, $3.s, $3.len);
        $$->op = (uint16_t)$2; }
    | KW_REJECT STRING %prec LOWER_THAN_WHEN { $$ = str_node(pc, N_REJECT, @1, $2.s, $2.len); }
    /* `reject "why" when c`, `flag warn "m" when c`: a one-statement `if c { ... }` */
    | KW_FLAG severity STRING KW_WHEN expr { hm_node *f = str_node(pc, N_FLAG, @1, $3.s, $3.len);
        f->op = (uint16_t)$2; $$ = when_node(pc, @4, $5, f); }
    | KW_REJECT STRING KW_WHEN expr { $$ = when_node(pc, @3, $4,
        str_node(pc, N_REJECT, @1, $2.s, $2.len)); }
    | KW_LOSSY STRING %prec LOWER_THAN_WHEN { $$ = str_node(pc, N_LOSSY, @1, $2.s, $2.len); }
    | KW_LOSSY STRING KW_WHEN expr { $$ = when_node(pc, @3, $4,
        str_node(pc, N_LOSSY, @1, $2.s, $2.len)); }
    | KW_IGNORE fname STRING { $$ = ignore_node(pc, @2, $2.s, $2.len, @3, $3.s, $3.len); }
    | KW_USE IDENT { $$ = str_node(pc, N_USE, @2, $2.s, $2.len); }   /* a fragment's statements */
    ;
else_part: %empty %prec LOWER_THAN_ELSE { $$ = NULL; }
         | KW_ELSE block { $$ = $2; }
         | KW_ELSE KW_IF expr block else_part { $$ = NEW(N_IF, @2); $$->a = $3; $$->b = $4;
             $$->c = $5; }
         ;
severity: KW_INFO { $$ = 0; } | KW_WARN { $$ = 1; } | KW_REVIEW { $$ = 2; } ;

expr: coalesce
    | coalesce '?' expr ':' expr { $$ = NEW(N_COND, @$); $$->a = $1; $$->b = $3; $$->c = $5; }
    ;
coalesce: orx
    | coalesce COALESCE orx opt_flag { $$ = NEW(N_COALESCE, @2); $$->a = $1; $$->b = $3; $$->c = $4;
        /* `?? skip` and `?? unset` (contextual words here): leave the field out, the
           second with a report line for a failed value */
        if ($3->kind == N_NAME && !strcmp($3->s, "unset") && !$4) {
          $$->b = NEW(N_SKIP, @3); $$->b->op = HM_SKIP_UNSET; }
        else if ($3->kind == N_NAME && !strcmp($3->s, "skip")) $$->b = NEW(N_SKIP, @3); }
    | coalesce COALESCE KW_REJECT STRING { $$ = NEW(N_COALESCE, @2); $$->a = $1;
        $$->b = str_node(pc, N_REJECTX, @3, $4.s, $4.len); }
    ;
opt_flag: %empty %prec LOWER_THAN_FLAG { $$ = NULL; }
        | KW_FLAG severity STRING %prec LOWER_THAN_WHEN { $$ = str_node(pc, N_FLAG, @1, $3.s,
            $3.len); $$->op = (uint16_t)$2; }
        /* a `flag` right after `?? b` is that default's, even on the next line, unless it
           has a `when`: then it is the statement after the one being read (pc->pending) */
        | KW_FLAG severity STRING KW_WHEN orx { $$ = NULL;
            hm_node *f = str_node(pc, N_FLAG, @1, $3.s, $3.len);
            f->op = (uint16_t)$2;
            if (pc->pending) { YYLTYPE l = @4; yyerror(&l, lx, pc,
                "syntax error: one guarded `flag ... when` per statement after a `??`"); }
            else pc->pending = when_node(pc, @4, $5, f); } ;
orx: andx | orx KW_OR andx { $$ = NEW(N_BIN, @2); $$->op = OPB_OR; $$->a = $1; $$->b = $3; } ;
andx: cmp | andx KW_AND cmp { $$ = NEW(N_BIN, @2); $$->op = OPB_AND; $$->a = $1; $$->b = $3; } ;
cmp: add
   | add EQ add { $$ = NEW(N_BIN, @2); $$->op = OPB_EQ; $$->a = $1; $$->b = $3; }
   | add NE add { $$ = NEW(N_BIN, @2); $$->op = OPB_NE; $$->a = $1; $$->b = $3; }
   | add '<' add { $$ = NEW(N_BIN, @2); $$->op = OPB_LT; $$->a = $1; $$->b = $3; }
   | add LE add { $$ = NEW(N_BIN, @2); $$->op = OPB_LE; $$->a = $1; $$->b = $3; }
   | add '>' add { $$ = NEW(N_BIN, @2); $$->op = OPB_GT; $$->a = $1; $$->b = $3; }
   | add GE add { $$ = NEW(N_BIN, @2); $$->op = OPB_GE; $$->a = $1; $$->b = $3; }
   | add MATCHRE add { $$ = NEW(N_BIN, @2); $$->op = OPB_MATCHRE; $$->a = $1; $$->b = $3; }
   /* `x in L`: x equals (as `==` does) an item of the list L; `x not in L` is its negation */
   | add KW_IN add { $$ = NEW(N_BIN, @2); $$->op = OPB_IN; $$->a = $1; $$->b = $3; }
   | add KW_NOT KW_IN add { hm_node *in = NEW(N_BIN, @3); in->op = OPB_IN; in->a = $1;
       in->b = $4; $$ = NEW(N_UN, @2); $$->op = OPU_NOT; $$->a = in; }
   ;
add: mul
   | add '+' mul { $$ = NEW(N_BIN, @2); $$->op = OPB_ADD; $$->a = $1; $$->b = $3; }
   | add '-' mul { $$ = NEW(N_BIN, @2); $$->op = OPB_SUB; $$->a = $1; $$->b = $3; }
   ;
mul: unary
   | mul '*' unary { $$ = NEW(N_BIN, @2); $$->op = OPB_MUL; $$->a = $1; $$->b = $3; }
   | mul '/' unary { $$ = NEW(N_BIN, @2); $$->op = OPB_DIV; $$->a = $1; $$->b = $3; }
   | mul '%' unary { $$ = NEW(N_BIN, @2); $$->op = OPB_MOD; $$->a = $1; $$->b = $3; }
   ;
unary: postfix
     | KW_NOT unary { $$ = NEW(N_UN, @1); $$->op = OPU_NOT; $$->a = $2; }
     | '-' unary { $$ = NEW(N_UN, @1); $$->op = OPU_NEG; $$->a = $2; }
     ;
postfix: primary
       | postfix '.' anyname { $$ = str_node(pc, N_FIELD, @3, $3.s, $3.len); $$->a = $1; }
       | postfix '[' expr ']' { $$ = NEW(N_INDEX, @2); $$->a = $1; $$->b = $3; }
       ;
primary: NUMBER { $$ = NEW(N_NUM, @1); $$->num = $1; }
       | STRING { $$ = str_node(pc, N_STR, @1, $1.s, $1.len); }
       | KW_TRUE { $$ = NEW(N_BOOL, @1); $$->op = 1; }
       | KW_FALSE { $$ = NEW(N_BOOL, @1); $$->op = 0; }
       | KW_NULL { $$ = NEW(N_NULL, @1); }
       | KW_SRC { $$ = NEW(N_SRC, @1); }
       /* `.F` is `src.F`: the rule's record is the one every body reads most */
       | '.' anyname { $$ = str_node(pc, N_FIELD, @2, $2.s, $2.len); $$->a = NEW(N_SRC, @1); }
       | IDENT { $$ = str_node(pc, N_NAME, @1, $1.s, $1.len); }
       | SETREF { $$ = str_node(pc, N_SETREF, @1, $1.s, $1.len); }
       | IDENT '(' args ')' { $$ = call_node(pc, @1, @$, $1.s, $1.len, $3.head); }
       | KW_LOOKUP IDENT '(' expr ')' { $$ = str_node(pc, N_LOOKUP, @2, $2.s, $2.len); $$->a = $4; }
       | KW_FIND IDENT '(' expr ')' { $$ = str_node(pc, N_FIND, @2, $2.s, $2.len); $$->a = $4; }
       | KW_MATCH expr '{' arms '}' { $$ = NEW(N_MATCH, @1); $$->a = $2; $$->b = $4.head; }
       | KW_EACH postfix IDENT IDENT opt_where block {
           $$ = str_node(pc, N_EACH, @1, $4.s, $4.len); $$->a = $2; $$->b = $5; $$->c = $6;
           word(&@3, $3.s, "as", lx, pc); }
       /* the value is parenthesised so it never swallows the operators after it */
       | KW_EACH postfix IDENT IDENT opt_where FATARROW '(' expr ')' {
           $$ = str_node(pc, N_EACH, @1, $4.s, $4.len); $$->a = $2; $$->b = $5; $$->d = $8;
           $$->op = 1; word(&@3, $3.s, "as", lx, pc); }
       /* no body: the matching records themselves, as the one argument of a call (so the
          `)` ends its `where`); exists() and count() take it (call_node), E0217 elsewhere */
       | IDENT '(' KW_EACH postfix IDENT IDENT opt_where ')' {
           hm_node *e = str_node(pc, N_EACH, @3, $6.s, $6.len); e->a = $4; e->b = $7;
           e->op = HM_EACH_BARE; word(&@5, $5.s, "as", lx, pc);
           $$ = call_node(pc, @1, @$, $1.s, $1.len, e); }
       | '[' exprs ']' { $$ = NEW(N_LIST, @$); $$->a = $2.head; }
       | '[' ']' { $$ = NEW(N_LIST, @$); }
       | '{' recfields '}' { $$ = NEW(N_RECORD, @$); $$->a = $2.head; }
       /* the block form `{ k = v ... }`, statements as in an `each` body: made a plain
          record (or reported) by compiler/hm_expand.c once fragments are spliced in */
       | '{' recstmts '}' { $$ = NEW(N_RECORD, @$); $$->op = HM_REC_BLOCK; $$->c = $2.head; }
       | '(' expr ')' { $$ = $2; }
       ;
opt_where: %empty { $$ = NULL; }
         | IDENT expr { $$ = $2; word(&@1, $1.s, "where", lx, pc); } ;
args: %empty { $$ = (hm_nlist){0}; } | exprs ;
exprs: expr { $$ = hm_list_one($1); } | exprs ',' expr { $$ = hm_list_add($1, $3); } ;
arms: arm { $$ = hm_list_one($1); } | arms arm { $$ = hm_list_add($1, $2); } ;
arm: patterns FATARROW expr { $$ = NEW(N_ARM, @1); $$->a = $1.head; $$->b = $3; }
   | IDENT FATARROW expr {
       $$ = NEW(N_ARM, @1); $$->b = $3;
       if (strcmp($1.s, "_") != 0) { YYLTYPE l = @1; yyerror(&l, lx, pc,
           "a match arm is a constant or _ (the default)"); } }
   ;
patterns: pattern { $$ = hm_list_one($1); } | patterns ',' pattern { $$ = hm_list_add($1, $3); } ;
pattern: STRING { $$ = str_node(pc, N_STR, @1, $1.s, $1.len); }
       | NUMBER { $$ = NEW(N_NUM, @1); $$->num = $1; }
       | KW_TRUE { $$ = NEW(N_BOOL, @1); $$->op = 1; }
       | KW_FALSE { $$ = NEW(N_BOOL, @1); $$->op = 0; }
       | KW_NULL { $$ = NEW(N_NULL, @1); }
       ;
recstmts: stmt { $$ = add_stmt((hm_nlist){0}, $1);
            if (pc->pending) { $$ = hm_list_add($$, pc->pending); pc->pending = NULL; } }
        | recstmts stmt { $$ = add_stmt($1, $2);
            if (pc->pending) { $$ = hm_list_add($$, pc->pending); pc->pending = NULL; } } ;
recfields: %empty { $$ = (hm_nlist){0}; } | recfield { $$ = hm_list_one($1); }
         | recfields ',' recfield { $$ = hm_list_add($1, $3); } ;
recfield: IDENT ':' expr { $$ = str_node(pc, N_RECFIELD, @1, $1.s, $1.len); $$->a = $3; }
        | STRING ':' expr { $$ = str_node(pc, N_RECFIELD, @1, $1.s, $1.len); $$->a = $3; } ;

%%

int hm_parse_file(hm_parse_ctx *pc, hm_lexer *lx) {
  return yyparse(lx, pc);
}
