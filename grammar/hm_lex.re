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

static int keyword_or_ident(hm_lexer *lx, const unsigned char *s, YYSTYPE *val) {
  static const struct { const char *w; int tok; } kw[] = {
    {"migration", KW_MIGRATION}, {"module", KW_MODULE}, {"use", KW_USE}, {"setting", KW_SETTING},
    {"target", KW_TARGET}, {"object", KW_OBJECT}, {"source", KW_SOURCE}, {"from", KW_FROM},
    {"key", KW_KEY}, {"parent", KW_PARENT}, {"by", KW_BY}, {"path", KW_PATH}, {"records",
        KW_RECORDS},
    {"sep", KW_SEP}, {"encoding", KW_ENCODING}, {"files", KW_FILES}, {"distinct", KW_DISTINCT},
    {"optional", KW_OPTIONAL},
    {"ignore", KW_IGNORE}, {"rule", KW_RULE},
    {"table", KW_TABLE},
    {"when", KW_WHEN}, {"after", KW_AFTER}, {"gap", KW_GAP}, {"export", KW_EXPORT}, {"csv", KW_CSV},
    {"inventory", KW_INVENTORY}, {"let", KW_LET}, {"if", KW_IF}, {"else", KW_ELSE}, {"flag",
        KW_FLAG},
    {"info", KW_INFO}, {"warn", KW_WARN}, {"review", KW_REVIEW}, {"reject", KW_REJECT},
    {"lossy", KW_LOSSY}, {"skip", KW_SKIP}, {"lookup", KW_LOOKUP}, {"find", KW_FIND}, {"agent",
        KW_AGENT},
    {"upload", KW_UPLOAD}, {"each", KW_EACH}, {"as", KW_AS}, {"where", KW_WHERE}, {"match",
        KW_MATCH},
    {"true", KW_TRUE}, {"false", KW_FALSE}, {"null", KW_NULL}, {"and", KW_AND}, {"or", KW_OR},
    {"not", KW_NOT}, {"src", KW_SRC}, {"required", KW_REQUIRED}, {"max", KW_MAX}, {"min", KW_MIN},
    {"default", KW_DEFAULT}, {"unique", KW_UNIQUE}, {"create_only", KW_CREATE_ONLY},
    {"readonly", KW_READONLY}, {"string", KW_STRINGT}, {"number", KW_NUMBERT}, {"int", KW_INTT},
    {"bool", KW_BOOLT}, {"datetime", KW_DATETIMET}, {"list", KW_LISTT}, {"of", KW_OF},
    {"record", KW_RECORDT}, {"ref", KW_REF}, {"enum", KW_ENUM}, {"open", KW_OPEN}, {"any", KW_ANYT},
  };
  size_t n = (size_t)(lx->cur - s);
  val->str.len = (uint32_t)n;
  /* The first-letter test keeps the linear scan cheap: identifiers outnumber keywords, and
     most of them differ from every keyword in their first letter. */
  for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
    if (kw[i].w[0] == s[0] && strncmp(kw[i].w, (const char *)s, n) == 0 && kw[i].w[n] == 0) {
      val->str.s = kw[i].w;   /* a keyword's text is the table's: no copy per use */
      /* The literals stay literals before ':' (`c ? null : x`); no field is called null. */
      int literal = kw[i].tok == KW_NULL || kw[i].tok == KW_TRUE || kw[i].tok == KW_FALSE;
      if (!literal && followed_by_colon(lx->cur)) return IDENT;
      /* `number(x)`, `int(x)`, `text(x)`: type names double as conversion builtins. */
      int is_type = kw[i].tok == KW_STRINGT || kw[i].tok == KW_NUMBERT || kw[i].tok == KW_INTT
                    || kw[i].tok == KW_BOOLT || kw[i].tok == KW_DATETIMET
                    || kw[i].tok == KW_LISTT || kw[i].tok == KW_RECORDT || kw[i].tok == KW_ANYT;
      if (is_type && *lx->cur == '(') return IDENT;
      return kw[i].tok;
    }
  /* `dates FORMAT zone ZONE` (docs/language.md, "Dates"): contextual words, read as such
     only before the string or setting they introduce, so they stay free as names. */
  if ((n == 5 && !memcmp(s, "dates", 5)) || (n == 4 && !memcmp(s, "zone", 4))) {
    const unsigned char *p = lx->cur;
    while (p < lx->end && (*p == ' ' || *p == '\t')) p++;
    if (p < lx->end && (*p == '"' || *p == '$')) {
      val->str.s = n == 5 ? "dates" : "zone";
      return n == 5 ? KW_DATES : KW_ZONE;
    }
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
