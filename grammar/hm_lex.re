/* hm_lex: the .hmap lexer (re2c source; the C file is generated at build time).
 * Tracks line and column (in characters, so carets line up under UTF-8 text)
 * for every token, unescapes strings into the compile arena, and reports bad
 * characters and unterminated strings as E0101 without stopping: the parser
 * goes on so one run shows every error. */
#include <stdlib.h>
#include <string.h>
#include "hm_lex.h"
#include "hm_parse.h"
#include "hm_utf8.h"

/*!re2c
  re2c:define:YYCTYPE = "unsigned char";
  re2c:yyfill:enable = 0;
  re2c:define:YYCURSOR = "lx->cur";
  re2c:define:YYMARKER = "lx->mar";
  re2c:flags:tags = 0;
*/

/* Columns are counted from a cursor (col_at, col) that only moves forward
   within a line, so a long line costs its length once, not once per token. */
static uint32_t col_of(hm_lexer *lx, const unsigned char *p) {
  if (lx->col_at < lx->line_start || lx->col_at > p) { lx->col_at = lx->line_start; lx->col = 1; }
  for (; lx->col_at < p; lx->col_at++)
    if ((*lx->col_at & 0xC0) != 0x80) lx->col++;
  return lx->col;
}

static void newline(hm_lexer *lx, const unsigned char *after) {
  lx->line++;
  lx->line_start = after;
}

static void set_loc(hm_lexer *lx, YYLTYPE *loc, const unsigned char *start) {
  loc->first_line = (int)lx->tok_line;
  loc->first_column = (int)col_of(lx, start);
  loc->last_line = (int)lx->line;
  loc->last_column = (int)col_of(lx, lx->cur);
  loc->file = lx->file;
  loc->first_column_adj = 0;
}

/* A keyword followed by ':' (a field name in a declaration or record literal)
 * is an identifier: lets sources and targets have fields named `key`, `type`... */
static int followed_by_colon(const unsigned char *p) {
  while (*p == ' ' || *p == '\t') p++;
  return p[0] == ':' && p[1] != ':';
}

/* Unescape the body of a "..." string (quotes excluded). Returns 0 or reports. */
static void unescape(hm_lexer *lx, const unsigned char *s, const unsigned char *e, YYSTYPE *val,
    YYLTYPE *loc) {
  char *d = hm_arena_alloc(lx->arena, (size_t)(e - s) + 1);
  size_t n = 0;
  for (const unsigned char *p = s; p < e; p++) {
    if (*p != '\\') { d[n++] = (char)*p; continue; }
    p++;
    switch (*p) {
    case 'n': d[n++] = '\n'; break;
    case 't': d[n++] = '\t'; break;
    case 'r': d[n++] = '\r'; break;
    case '"': d[n++] = '"'; break;
    case '\\': d[n++] = '\\'; break;
    case 'u': {
      unsigned long cp = 0;
      const unsigned char *q = p + 1;
      if (*q == '{') {
        q++;
        while (q < e && *q != '}') {
          int h = (*q >= '0' && *q <= '9') ? *q - '0' : (*q | 32) >= 'a' && (*q | 32) <= 'f' ? (*q
              | 32) - 'a' + 10 : -1;
          if (h < 0) break;
          cp = cp * 16 + (unsigned long)h;
          q++;
        }
      }
      if (q < e && *q == '}' && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        n += hm_utf8_encode((uint32_t)cp, d + n);   /* cp is a scalar value: checked above */
        p = q;
      } else {
        hm_lex_error(lx, loc, "bad \\u escape: write \\u{XXXX} with 1 to 6 hex digits");
      }
      break;
    }
    default:
      hm_lex_error(lx, loc, "unknown escape '\\%c' in string", *p >= 32 && *p < 127 ? *p : '?');
      break;
    }
  }
  d[n] = 0;
  val->str.s = d;
  val->str.len = (uint32_t)n;
}

/* The reserved words: a keyword wherever it stands (but before ':' and after '.'). */
static const struct { const char *w; int tok; } KEYWORDS[] = {
  {"object", KW_OBJECT}, {"source", KW_SOURCE}, {"from", KW_FROM}, {"key", KW_KEY},
  {"parent", KW_PARENT}, {"distinct", KW_DISTINCT}, {"optional", KW_OPTIONAL},
  {"ignore", KW_IGNORE}, {"rule", KW_RULE}, {"when", KW_WHEN}, {"let", KW_LET}, {"if", KW_IF},
  {"else", KW_ELSE}, {"flag", KW_FLAG}, {"reject", KW_REJECT}, {"lossy", KW_LOSSY},
  {"lookup", KW_LOOKUP}, {"find", KW_FIND}, {"each", KW_EACH}, {"match", KW_MATCH},
  {"true", KW_TRUE}, {"false", KW_FALSE}, {"null", KW_NULL}, {"and", KW_AND}, {"or", KW_OR},
  {"not", KW_NOT}, {"src", KW_SRC}, {"required", KW_REQUIRED}, {"create_only", KW_CREATE_ONLY},
  {"readonly", KW_READONLY}, {"in", KW_IN},
};

static int reserved(const unsigned char *s, size_t n) {
  /* The first-letter test keeps the linear scan cheap: identifiers outnumber keywords, and
     most of them differ from every keyword in their first letter. */
  for (size_t i = 0; i < sizeof KEYWORDS / sizeof *KEYWORDS; i++)
    if (KEYWORDS[i].w[0] == s[0] && strncmp(KEYWORDS[i].w, (const char *)s, n) == 0 &&
        KEYWORDS[i].w[n] == 0)
      return (int)i;
  return -1;
}

/* Contextual words (docs/language.md, "Reserved words"): a keyword only when what follows
   on its line is what the keyword takes, so anywhere else (a field, a `let`, a source)
   the word is a plain name. `dates "%d/%m/%Y"`, `sep ";"`, `flag warn "m"`, `max 255`,
   `default "x"`, `ref User`, `enum open (...)`, `after { ... }`, `use itop`, `setting x`.
   Words the grammar can tell apart by position (types, `as`, `by`, `skip`...) are
   identifiers it reads by their text. */
typedef enum next_kind { NX_TEXT, NX_NUMBER, NX_LITERAL, NX_NAME, NX_PAREN, NX_BRACE } next_kind;
#define CONTEXTUAL(word, tok, next) { word, tok, next }
static const struct { const char *w; int tok; next_kind next; } CONTEXTUALS[] = {
  CONTEXTUAL("migration", KW_MIGRATION, NX_TEXT), CONTEXTUAL("path", KW_PATH, NX_TEXT),
  CONTEXTUAL("records", KW_RECORDS, NX_TEXT), CONTEXTUAL("sep", KW_SEP, NX_TEXT),
  CONTEXTUAL("encoding", KW_ENCODING, NX_TEXT), CONTEXTUAL("files", KW_FILES, NX_TEXT),
  CONTEXTUAL("table", KW_TABLE, NX_TEXT), CONTEXTUAL("dates", KW_DATES, NX_TEXT),
  CONTEXTUAL("zone", KW_ZONE, NX_TEXT), CONTEXTUAL("info", KW_INFO, NX_TEXT),
  CONTEXTUAL("warn", KW_WARN, NX_TEXT), CONTEXTUAL("review", KW_REVIEW, NX_TEXT),
  CONTEXTUAL("max", KW_MAX, NX_NUMBER), CONTEXTUAL("min", KW_MIN, NX_NUMBER),
  CONTEXTUAL("default", KW_DEFAULT, NX_LITERAL), CONTEXTUAL("of", KW_OF, NX_NAME),
  CONTEXTUAL("ref", KW_REF, NX_NAME), CONTEXTUAL("open", KW_OPEN, NX_PAREN),
  CONTEXTUAL("after", KW_AFTER, NX_BRACE), CONTEXTUAL("use", KW_USE, NX_NAME),
  CONTEXTUAL("setting", KW_SETTING, NX_NAME), CONTEXTUAL("module", KW_MODULE, NX_NAME),
  CONTEXTUAL("target", KW_TARGET, NX_NAME), CONTEXTUAL("gap", KW_GAP, NX_NAME),
  CONTEXTUAL("fragment", KW_FRAGMENT, NX_NAME),
};

/* Contextual words that follow a name in the grammar (`each S as x where`, `parent P by
   f`, `T extends P`, `list of T`): after a word that takes a name they are not that name. */
static int follows_names(const unsigned char *p, size_t n) {
  static const char *const w[] = {"as", "where", "by", "of", "extends", "path", "unique"};
  for (size_t i = 0; i < sizeof w / sizeof *w; i++)
    if (strlen(w[i]) == n && !memcmp(w[i], p, n)) return 1;
  return 0;
}

static int ident_start(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

/* The word at p (bounded by e) is w, as a whole word. */
static int word_is(const unsigned char *p, const unsigned char *e, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(e - p) < n || memcmp(p, w, n)) return 0;
  return p + n >= e || !(ident_start(p[n]) || (p[n] >= '0' && p[n] <= '9'));
}

/* Does what follows p on its line (after blanks) fit `next`? */
static int next_fits(const unsigned char *p, const unsigned char *e, next_kind next) {
  while (p < e && (*p == ' ' || *p == '\t')) p++;
  if (p >= e) return 0;
  int digit = *p >= '0' && *p <= '9';
  int text = *p == '"' || *p == '$' || (*p == 'r' && p + 1 < e && p[1] == '"');
  switch (next) {
  case NX_TEXT: return text;
  case NX_NUMBER: return digit;
  case NX_LITERAL:
    return text || digit || *p == '-' || word_is(p, e, "true") || word_is(p, e, "false") ||
           word_is(p, e, "null");
  case NX_NAME: {
    if (*p == '`') return 1;
    const unsigned char *q = p;
    while (q < e && (ident_start(*q) || (*q >= '0' && *q <= '9'))) q++;
    return ident_start(*p) && reserved(p, (size_t)(q - p)) < 0 &&
           !follows_names(p, (size_t)(q - p));
  }
  case NX_PAREN: return *p == '(';
  case NX_BRACE: return *p == '{';
  }
  return 0;
}

static int keyword_or_ident(hm_lexer *lx, const unsigned char *s, YYSTYPE *val) {
  size_t n = (size_t)(lx->cur - s);
  val->str.len = (uint32_t)n;
  int k = reserved(s, n);
  if (k >= 0) {
    val->str.s = KEYWORDS[k].w;   /* a keyword's text is the table's: no copy per use */
    int tok = KEYWORDS[k].tok;
    /* The literals stay literals before ':' (`c ? null : x`); no field is called null. */
    int literal = tok == KW_NULL || tok == KW_TRUE || tok == KW_FALSE;
    if (!literal && followed_by_colon(lx->cur)) return IDENT;
    return tok;
  }
  for (size_t i = 0; i < sizeof CONTEXTUALS / sizeof *CONTEXTUALS; i++)
    if (CONTEXTUALS[i].w[0] == s[0] && strncmp(CONTEXTUALS[i].w, (const char *)s, n) == 0 &&
        CONTEXTUALS[i].w[n] == 0) {
      val->str.s = CONTEXTUALS[i].w;
      return next_fits(lx->cur, lx->end, CONTEXTUALS[i].next) ? CONTEXTUALS[i].tok : IDENT;
    }
  val->str.s = hm_arena_strndup(lx->arena, (const char *)s, n);
  return IDENT;
}

int hm_lex(YYSTYPE *val, YYLTYPE *loc, hm_lexer *lx) {
  const unsigned char *start;
  for (;;) {
    start = lx->cur;
    lx->tok_line = lx->line;
    /*!re2c
      end = "\x00";
      ws = [ \t\f\v]+;
      nl = "\r\n" | "\n" | "\r";
      id = [A-Za-z_][A-Za-z0-9_]*;
      digits = [0-9]+;
      num = digits ("." digits)? ([eE] [+-]? digits)?;

      end {
        if (lx->cur - 1 < lx->end) { set_loc(lx, loc, start); hm_lex_error(lx, loc,
            "NUL byte in source"); continue; }
        lx->cur--; set_loc(lx, loc, start); return 0;
      }
      ws { continue; }
      nl { newline(lx, lx->cur); continue; }
      "#" [^\r\n\x00]* { continue; }
      id { set_loc(lx, loc, start); return keyword_or_ident(lx, start, val); }
      "`" [^`\x00\r\n]+ "`" {
        /* `Full Name`: a name with spaces, as some exports' headers have */
        set_loc(lx, loc, start);
        val->str.s = hm_arena_strndup(lx->arena, (const char *)start + 1,
            (size_t)(lx->cur - start - 2));
        val->str.len = (uint32_t)(lx->cur - start - 2);
        return IDENT;
      }
      "$" id { set_loc(lx, loc, start); val->str.s = hm_arena_strndup(lx->arena,
          (const char *)start + 1, (size_t)(lx->cur - start - 1));
              val->str.len = (uint32_t)(lx->cur - start - 1); return SETREF; }
      num { set_loc(lx, loc, start); val->num = strtod((const char *)start, NULL); return NUMBER; }
      "r\"" [^"\x00\r\n]* "\"" {
        set_loc(lx, loc, start);
        val->str.s = hm_arena_strndup(lx->arena, (const char *)start + 2,
            (size_t)(lx->cur - start - 3));
        val->str.len = (uint32_t)(lx->cur - start - 3);
        return STRING;
      }
      "\"" ([^"\\\x00\r\n] | "\\" [^\x00\r\n])* "\"" {
        set_loc(lx, loc, start);
        unescape(lx, start + 1, lx->cur - 1, val, loc);
        return STRING;
      }
      "\"" ([^"\\\x00\r\n] | "\\" [^\x00\r\n])* {
        set_loc(lx, loc, start);
        hm_lex_error(lx, loc, "unterminated string: a string ends with \" on the same line");
        unescape(lx, start + 1, lx->cur, val, loc);
        return STRING;
      }
      "->" { set_loc(lx, loc, start); return ARROW; }
      "=>" { set_loc(lx, loc, start); return FATARROW; }
      "??" { set_loc(lx, loc, start); return COALESCE; }
      "==" { set_loc(lx, loc, start); return EQ; }
      "!=" { set_loc(lx, loc, start); return NE; }
      "<=" { set_loc(lx, loc, start); return LE; }
      ">=" { set_loc(lx, loc, start); return GE; }
      "=~" { set_loc(lx, loc, start); return MATCHRE; }
      "+=" { set_loc(lx, loc, start); return PLUSEQ; }
      "{" {
        set_loc(lx, loc, start);
        if (lx->nbraces < HM_LEX_BRACES) lx->open_brace[lx->nbraces] = *loc;
        lx->nbraces++;
        return '{';
      }
      "}" { set_loc(lx, loc, start); if (lx->nbraces) lx->nbraces--; return '}'; }
      [-+*/%<>=?:.,()[\]] { set_loc(lx, loc, start); return *start; }
      [\x80-\xff]+ | [^] {
        set_loc(lx, loc, start);
        hm_lex_error(lx, loc, "unexpected character '%.*s'", (int)(lx->cur - start),
            (const char *)start);
        continue;
      }
    */
  }
}

void hm_lex_init(hm_lexer *lx, hm_arena *arena, uint32_t file, const char *text, size_t len,
                 void (*report)(void *, const YYLTYPE *, const char *), void *user) {
  memset(lx, 0, sizeof *lx);
  lx->arena = arena;
  lx->file = file;
  lx->cur = lx->line_start = (const unsigned char *)text;
  lx->end = (const unsigned char *)text + len;
  lx->line = 1;
  lx->report = report;
  lx->user = user;
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) lx->cur = lx->line_start = lx->cur + 3;
}
