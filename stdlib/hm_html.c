/* hm_html: the HTML builtins that only read or write text — html_to_text,
 * text_to_html, has_html — on one small forgiving tag scanner (no DOM, no
 * allocation per node). Helpdesk bodies are fragments pasted from mail
 * clients: unclosed tags, stray '<', odd case; the scanner never fails, and
 * anything that is not a well-formed tag is treated as text. Nothing it
 * writes is HTML a browser runs: sanitize_html (hm_sanitize.c) is the one
 * builtin that passes HTML on, and it parses as a browser does. */
#include "hm_std.h"
#include <string.h>
#include <stdlib.h>

typedef struct attr { const char *name, *val; size_t nn, vn; bool has_val; } attr;
typedef struct tag {
  enum { TAG_START, TAG_END, TAG_COMMENT, TAG_DECL } kind;
  char name[16];            /* lower-cased; longer names are cut (no HTML element is that long) */
  size_t nn;
  attr *attrs;
  int nattrs;
  bool self_close;
  bool closed;              /* a comment that has its "-->" */
  size_t end;               /* offset just after the tag */
} tag;

/* Every element name the builtins care about, sorted for bsearch, with what
 * each builtin does with it. One lookup per tag instead of scanning lists. */
enum {
  EL_PARA = 1,           /* html_to_text: a blank line around it */
  EL_LINE = 2,           /* html_to_text: a line break around it */
  EL_SKIP = 4,           /* html_to_text: dropped with its content */
  EL_HTML = 8,           /* has_html: a real HTML element */
  EL_CELL = 16           /* html_to_text: a table cell, separated by a space */
};
static const struct element { const char *name; uint8_t cls;
} elements[] = {
    {"a", EL_HTML},
    {"abbr", EL_HTML},
    {"address", EL_PARA},
    {"article", EL_LINE | EL_HTML},
    {"aside", EL_LINE},
    {"audio", EL_HTML},
    {"b", EL_HTML},
    {"blockquote", EL_PARA | EL_HTML},
    {"body", EL_LINE | EL_HTML},
    {"br", EL_HTML},
    {"button", EL_HTML},
    {"caption", EL_LINE | EL_HTML},
    {"center", EL_LINE | EL_HTML},
    {"code", EL_HTML},
    {"col", EL_HTML},
    {"dd", EL_LINE | EL_HTML},
    {"del", EL_HTML},
    {"details", EL_LINE},
    {"div", EL_LINE | EL_HTML},
    {"dl", EL_PARA | EL_HTML},
    {"dt", EL_LINE | EL_HTML},
    {"em", EL_HTML},
    {"embed", EL_HTML},
    {"fieldset", EL_LINE},
    {"figure", EL_PARA | EL_HTML},
    {"font", EL_HTML},
    {"footer", EL_LINE | EL_HTML},
    {"form", EL_LINE | EL_HTML},
    {"h1", EL_PARA | EL_HTML},
    {"h2", EL_PARA | EL_HTML},
    {"h3", EL_PARA | EL_HTML},
    {"h4", EL_PARA | EL_HTML},
    {"h5", EL_PARA | EL_HTML},
    {"h6", EL_PARA | EL_HTML},
    {"head", EL_SKIP | EL_HTML},
    {"header", EL_LINE | EL_HTML},
    {"hr", EL_LINE | EL_HTML},
    {"html", EL_LINE | EL_HTML},
    {"i", EL_HTML},
    {"iframe", EL_HTML},
    {"img", EL_HTML},
    {"input", EL_HTML},
    {"ins", EL_HTML},
    {"kbd", EL_HTML},
    {"label", EL_HTML},
    {"li", EL_LINE | EL_HTML},
    {"link", EL_HTML},
    {"main", EL_LINE | EL_HTML},
    {"mark", EL_HTML},
    {"meta", EL_HTML},
    {"nav", EL_LINE | EL_HTML},
    {"noscript", EL_SKIP},
    {"object", EL_HTML},
    {"ol", EL_PARA | EL_HTML},
    {"option", EL_HTML},
    {"p", EL_PARA | EL_HTML},
    {"pre", EL_PARA | EL_HTML},
    {"q", EL_HTML},
    {"s", EL_HTML},
    {"script", EL_SKIP | EL_HTML},
    {"section", EL_LINE | EL_HTML},
    {"select", EL_HTML},
    {"small", EL_HTML},
    {"source", EL_HTML},
    {"span", EL_HTML},
    {"strike", EL_HTML},
    {"strong", EL_HTML},
    {"style", EL_SKIP | EL_HTML},
    {"sub", EL_HTML},
    {"summary", EL_LINE},
    {"sup", EL_HTML},
    {"table", EL_PARA | EL_HTML},
    {"tbody", EL_LINE | EL_HTML},
    {"td", EL_HTML | EL_CELL},
    {"template", EL_SKIP},
    {"textarea", EL_HTML},
    {"tfoot", EL_LINE | EL_HTML},
    {"th", EL_HTML | EL_CELL},
    {"thead", EL_LINE | EL_HTML},
    {"title", EL_SKIP | EL_HTML},
    {"tr", EL_LINE | EL_HTML},
    {"tt", EL_HTML},
    {"u", EL_HTML},
    {"ul", EL_PARA | EL_HTML},
    {"video", EL_HTML},
};

static int element_cmp(const void *key, const void *el) {
  return strcmp(key, ((const struct element *)el)->name);
}

static bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
static bool name_char(char c) {
  return alpha(c) || (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '-' || c == '.';
}
static char lowc(char c) { return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c); }

static unsigned el_class(const tag *t) {
  const struct element *e =
      bsearch(t->name, elements, sizeof elements / sizeof *elements, sizeof *elements, element_cmp);
  return e ? e->cls : 0;
}

static long find_ci(const char *s, size_t n, size_t from, const char *needle) {
  size_t nn = strlen(needle);
  for (size_t i = from; i + nn <= n; i++) {
    size_t j = 0;
    while (j < nn && lowc(s[i + j]) == needle[j]) j++;
    if (j == nn) return (long)i;
  }
  return -1;
}

/* Just after the last '>' of s (0 if none): no tag can end beyond it, so a
 * '<' that starts no tag costs a scan to there at most, and text full of
 * unclosed '<' stays linear instead of rescanning to the end for each one. */
static size_t tag_limit(const char *s, size_t n) {
  while (n && s[n - 1] != '>') n--;
  return n;
}

/* Parses the tag starting at s[i] == '<'; it must end by lim (tag_limit).
 * False when it is not a tag (then the '<' is text). Attributes go into the
 * arena when a is given. */
static bool parse_tag(hm_arena *a, const char *s, size_t full, size_t n, size_t i, tag *t) {
  memset(t, 0, sizeof *t);
  size_t p = i + 1;
  if (p + 2 < full && s[p] == '!' && s[p + 1] == '-' && s[p + 2] == '-') {
    long end = find_ci(s, full, p + 3, "-->");
    t->kind = TAG_COMMENT;
    t->closed = end >= 0;
    t->end =
        end < 0 ? full : (size_t)end + 3; /* an unclosed comment runs to the end, as in browsers */
    return true;
  }
  if (p >= n) return false;
  if (s[p] == '!' || s[p] == '?') {
    long end = find_ci(s, n, p, ">");
    if (end < 0) return false;
    t->kind = TAG_DECL;
    t->end = (size_t)end + 1;
    return true;
  }
  t->kind = TAG_START;
  if (s[p] == '/') { t->kind = TAG_END; p++; }
  if (p >= n || !alpha(s[p])) return false;
  while (p < n && !space(s[p]) && s[p] != '>' && s[p] != '/') {
    if (!name_char(s[p])) return false;        /* "<scr<script>" is text, not a tag */
    if (t->nn < sizeof t->name - 1) t->name[t->nn++] = lowc(s[p]);
    p++;
  }
  int cap = 0;
  for (;;) {
    while (p < n && (space(s[p]) || s[p] == '/')) {
      if (s[p] == '/' && p + 1 < n && s[p + 1] == '>') t->self_close = true;
      p++;
    }
    if (p >= n) return false;
    if (s[p] == '>') { t->end = p + 1; return true; }
    attr at = {s + p, NULL, 0, 0, false};
    while (p < n && !space(s[p]) && s[p] != '>' && s[p] != '=' &&
           !(s[p] == '/' && p + 1 < n && s[p + 1] == '>'))
      p++;
    at.nn = (size_t)(s + p - at.name);
    if (at.nn == 0) at.nn = 1, p++;   /* a lone '=' or quote: skip it */
    size_t q = p;
    while (q < n && space(s[q])) q++;
    if (q < n && s[q] == '=') {
      q++;
      while (q < n && space(s[q])) q++;
      if (q >= n) return false;
      at.has_val = true;
      if (s[q] == '"' || s[q] == '\'') {
        char quote = s[q++];
        at.val = s + q;
        while (q < n && s[q] != quote) q++;
        if (q >= n) return false;
        at.vn = (size_t)(s + q - at.val);
        q++;
      } else {
        at.val = s + q;
        while (q < n && !space(s[q]) && s[q] != '>') q++;
        at.vn = (size_t)(s + q - at.val);
      }
      p = q;
    }
    if (a) {
      if (t->nattrs == cap) {
        int ncap = cap ? cap * 2 : 8;
        t->attrs =
            hm_arena_realloc(a, t->attrs, (size_t)cap * sizeof(attr), (size_t)ncap * sizeof(attr));
        cap = ncap;
      }
      t->attrs[t->nattrs++] = at;
    }
  }
}

/* ---- entities ---- */

static const struct { const char *name; uint32_t cp;
} entities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},    {"copy", 0xA9},     {"reg", 0xAE},     {"trade", 0x2122}, {"hellip", 0x2026},
    {"mdash", 0x2014}, {"ndash", 0x2013},  {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"laquo", 0xAB},    {"raquo", 0xBB},   {"euro", 0x20AC},  {"pound", 0xA3},
    {"yen", 0xA5},     {"cent", 0xA2},     {"sect", 0xA7},    {"deg", 0xB0},     {"plusmn", 0xB1},
    {"times", 0xD7},   {"divide", 0xF7},   {"middot", 0xB7},  {"bull", 0x2022},  {"para", 0xB6},
    {"shy", 0xAD},     {"iexcl", 0xA1},    {"iquest", 0xBF},  {"agrave", 0xE0},  {"aacute", 0xE1},
    {"acirc", 0xE2},   {"atilde", 0xE3},   {"auml", 0xE4},    {"aring", 0xE5},   {"aelig", 0xE6},
    {"ccedil", 0xE7},  {"egrave", 0xE8},   {"eacute", 0xE9},  {"ecirc", 0xEA},   {"euml", 0xEB},
    {"igrave", 0xEC},  {"iacute", 0xED},   {"icirc", 0xEE},   {"iuml", 0xEF},    {"ntilde", 0xF1},
    {"ograve", 0xF2},  {"oacute", 0xF3},   {"ocirc", 0xF4},   {"otilde", 0xF5},  {"ouml", 0xF6},
    {"oslash", 0xF8},  {"ugrave", 0xF9},   {"uacute", 0xFA},  {"ucirc", 0xFB},   {"uuml", 0xFC},
    {"yacute", 0xFD},  {"yuml", 0xFF},     {"szlig", 0xDF},   {"Agrave", 0xC0},  {"Aacute", 0xC1},
    {"Acirc", 0xC2},   {"Auml", 0xC4},     {"Aring", 0xC5},   {"AElig", 0xC6},   {"Ccedil", 0xC7},
    {"Egrave", 0xC8},  {"Eacute", 0xC9},   {"Ecirc", 0xCA},   {"Iacute", 0xCD},  {"Ntilde", 0xD1},
    {"Oacute", 0xD3},  {"Ouml", 0xD6},     {"Oslash", 0xD8},  {"Uacute", 0xDA},  {"Uuml", 0xDC},
    {"oelig", 0x153},  {"OElig", 0x152},   {"zwnj", 0x200C},  {"zwj", 0x200D},   {"ensp", 0x2002},
    {"emsp", 0x2003},  {"thinsp", 0x2009},
};

/* Decodes the entity at s[i] == '&'; returns its length (0 if none). */
static size_t entity(const char *s, size_t n, size_t i, uint32_t *cp) {
  size_t p = i + 1;
  if (p < n && s[p] == '#') {
    p++;
    bool hex = p < n && (s[p] == 'x' || s[p] == 'X');
    if (hex) p++;
    uint32_t v = 0;
    size_t start = p;
    while (p < n && p - start < 8) {
      char c = s[p];
      int d = c >= '0' && c <= '9'                      ? c - '0'
              : hex && lowc(c) >= 'a' && lowc(c) <= 'f' ? lowc(c) - 'a' + 10
                                                        : -1;
      if (d < 0) break;
      v = v * (hex ? 16 : 10) + (uint32_t)d;
      p++;
    }
    if (p == start || p >= n || s[p] != ';') return 0;
    *cp = (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) ? 0xFFFD : v;
    return p + 1 - i;
  }
  size_t start = p;
  while (p < n && p - start < 10 && (alpha(s[p]) || (s[p] >= '0' && s[p] <= '9'))) p++;
  if (p == start || p >= n || s[p] != ';') return 0;
  for (size_t k = 0; k < sizeof entities / sizeof *entities; k++)
    if (strlen(entities[k].name) == p - start &&
        memcmp(entities[k].name, s + start, p - start) == 0) {
      *cp = entities[k].cp;
      return p + 1 - i;
    }
  return 0;
}

/* ---- html_to_text ---- */

static bool contains_bytes(const char *hay, size_t hn, const char *needle, size_t nn) {
  if (nn == 0 || nn > hn) return nn == 0;
  for (size_t i = 0; i + nn <= hn; i++)
    if (memcmp(hay + i, needle, nn) == 0) return true;
  return false;
}

typedef struct textout {
  hm_sb sb;
  int nl;              /* line breaks owed before the next text */
  bool space;          /* a collapsed white space owed */
  const char *prefix;  /* list bullet owed */
} textout;

static void owe_break(textout *o, int k) {
  if (k > o->nl) o->nl = k;
}

static void put_text(textout *o, const char *s, size_t n) {
  if (o->sb.len) {
    if (o->nl) for (int k = 0; k < (o->nl > 2 ? 2 : o->nl); k++) hm_sb_putc(&o->sb, '\n');
    else if (o->space && o->sb.p[o->sb.len - 1] != '\n') hm_sb_putc(&o->sb, ' ');
  }
  if (o->prefix) hm_sb_puts(&o->sb, o->prefix);
  o->nl = 0;
  o->space = false;
  o->prefix = NULL;
  hm_sb_put(&o->sb, s, n);
}

static void put_cp(textout *o, uint32_t cp) {
  hm_sb tmp;
  char buf[8];
  tmp.a = NULL; tmp.p = buf; tmp.len = 0; tmp.cap = sizeof buf;
  hm_sb_put_cp(&tmp, cp);
  put_text(o, buf, tmp.len);
}


/* Where the element started at s[i] ends: just after its closing tag, or the end of s. */
static size_t skip_element(const char *s, size_t n, size_t from, const tag *t) {
  char close[24] = "</";
  strcat(close, t->name);
  long end = find_ci(s, n, from, close);
  if (end < 0) return n;
  long gt = find_ci(s, n, (size_t)end, ">");
  return gt < 0 ? n : (size_t)gt + 1;
}

HM_BI_TEXT(html_to_text) {
  size_t lim = tag_limit(s, n);
  textout o = {0};
  hm_sb_init(&o.sb, ctx->arena, n + 1);
  int pre = 0;
  const char *href = NULL;
  size_t hn = 0, link_start = 0;
  size_t i = 0;
  while (i < n) {
    char c = s[i];
    tag t;
    if (c == '<' && parse_tag(ctx->arena, s, n, lim, i, &t)) {
      i = t.end;
      if (t.kind != TAG_START && t.kind != TAG_END) continue;
      bool start = t.kind == TAG_START;
      unsigned cls = el_class(&t);
      if (start && (cls & EL_SKIP)) { if (!t.self_close) i = skip_element(s, n, i, &t); continue; }
      if (strcmp(t.name, "br") == 0) {
        o.nl = o.nl < 2 ? o.nl + 1 : 2;
        if (!o.sb.len) o.nl = 0;
        continue;
      }
      if (strcmp(t.name, "pre") == 0) pre += start ? 1 : (pre > 0 ? -1 : 0);
      if (cls & EL_PARA) owe_break(&o, 2);
      else if (cls & EL_LINE) owe_break(&o, 1);
      else if ((cls & EL_CELL) && start) o.space = true;
      if (start && strcmp(t.name, "li") == 0) o.prefix = "- ";
      if (strcmp(t.name, "a") == 0) {
        if (start) {
          href = NULL;
          for (int k = 0; k < t.nattrs; k++)
            if (t.attrs[k].nn == 4 && find_ci(t.attrs[k].name, 4, 0, "href") == 0 &&
                t.attrs[k].vn) {
              href = t.attrs[k].val;
              hn = t.attrs[k].vn;
            }
          link_start = o.sb.len;
        } else if (href) {
          /* Keep the target of a link whose text does not show it: "docs (https://…)". */
          const char *target = href;
          size_t tn = hn;
          if (find_ci(target, tn, 0, "mailto:") == 0) { target += 7; tn -= 7; }
          bool shown = contains_bytes(o.sb.p + link_start, o.sb.len - link_start, target, tn);
          if (!shown &&
              (find_ci(href, hn, 0, "http") == 0 || find_ci(href, hn, 0, "mailto:") == 0)) {
            put_text(&o, " (", 2);
            hm_sb_put(&o.sb, href, hn);
            hm_sb_putc(&o.sb, ')');
          }
          href = NULL;
        }
      }
      continue;
    }
    if (c == '&') {
      uint32_t cp;
      size_t len = entity(s, n, i, &cp);
      if (len) {
        i += len;
        if (cp == 0xA0 && !pre) o.space = true;
        else put_cp(&o, cp);
        continue;
      }
    }
    if (!pre && space(c)) { o.space = true; i++; continue; }
    if (pre && c == '\r') { i++; continue; }
    if (pre && c == '\n') {   /* a newline right after a block break is part of that break */
      if (!o.nl && o.sb.len) hm_sb_putc(&o.sb, '\n');
      i++;
      continue;
    }
    size_t j = i + 1;   /* a run of plain text goes out in one piece */
    while (j < n && s[j] != '<' && s[j] != '&' && !space(s[j])) j++;
    put_text(&o, s + i, j - i);
    i = j;
  }
  *out = hm_sb_value(&o.sb);
  return 0;
}

/* ---- text_to_html ---- */

static void put_escaped(hm_sb *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
    case '&': hm_sb_puts(b, "&amp;"); break;
    case '<': hm_sb_puts(b, "&lt;"); break;
    case '>': hm_sb_puts(b, "&gt;"); break;
    case '"': hm_sb_puts(b, "&quot;"); break;
    case '\'': hm_sb_puts(b, "&#39;"); break;
    default: hm_sb_putc(b, s[i]);
    }
  }
}

static bool blank_line(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!space(s[i])) return false;
  return true;
}

/* Blank lines separate paragraphs (<p>), single line breaks become <br>.
 * CRLF and CR count as line breaks, as exports from Windows servers use them. */
HM_BI_TEXT(text_to_html) {
  hm_sb b;
  hm_sb_init(&b, ctx->arena, n + n / 4 + 16);
  bool in_p = false, line_open = false;
  size_t i = 0;
  while (i <= n) {
    size_t e = i;
    while (e < n && s[e] != '\n' && s[e] != '\r') e++;
    size_t len = e;
    if (e < n && s[e] == '\r' && e + 1 < n && s[e + 1] == '\n') e++;
    if (blank_line(s + i, len - i)) {
      if (in_p) { hm_sb_puts(&b, "</p>"); in_p = false; }
      line_open = false;
    } else {
      if (!in_p) { hm_sb_puts(&b, "<p>"); in_p = true; }
      else if (line_open) hm_sb_puts(&b, "<br>");
      put_escaped(&b, s + i, len - i);
      line_open = true;
    }
    i = e + 1;
  }
  if (in_p) hm_sb_puts(&b, "</p>");
  *out = hm_sb_value(&b);
  return 0;
}

/* ---- has_html ---- */


/* A real element name in a well-formed tag, or a comment: "a < b > c" and
 * "<john@example.com>" are not HTML. */
HM_BI_TEXT(has_html) {
  size_t lim = tag_limit(s, n);
  bool found = false;
  for (size_t i = 0; i < n && !found; i++) {
    tag t;
    if (s[i] != '<' || !parse_tag(NULL, s, n, lim, i, &t)) continue;
    if (t.kind == TAG_COMMENT) found = t.closed;
    else if (t.kind != TAG_DECL) found = el_class(&t) & EL_HTML;
    else found = find_ci(s, n, i, "<!doctype") == (long)i;
    i = t.end - 1;   /* what a tag or comment covers is not searched again */
  }
  *out = hv_bool(found);
  return 0;
}
