/* hm_sanitize: the sanitize_html builtin — HTML from a helpdesk export made
 * safe to show. The text is parsed by an HTML5-conformant parser (gumbo) as a
 * fragment in a <body>, exactly as a browser would read it, and the tree is
 * written back out from an allowlist: known elements with known attributes
 * and URLs of known schemes. Everything else is dropped, so what the browser
 * runs is decided by the tree, never by how a scanner guessed the markup.
 *
 * Invariants of the output:
 * - only elements of ALLOW below, each with attributes of its own list or of
 *   GLOBAL_ATTRS, every value quoted with & < > " ' escaped, text with & < >
 *   escaped: nothing in it can open a tag, end a raw-text element or leave an
 *   attribute, whatever context a later parser was in;
 * - URL attributes hold relative URLs or http, https, mailto, tel (cid and
 *   raster data:image for img src), judged on the value the parser decoded;
 * - it is a fixed point: sanitising it again gives the same text, no flag.
 * The parser allocates in the per-record arena; nothing is freed piecemeal. */
#include "hm_std.h"
#include <gumbo.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* What becomes of an element. Elements not in the table are UNWRAPPED: the
 * tag goes, its content stays (unknown and Office elements such as <o:p>,
 * form controls, <font> look-alikes), silently, as nothing of it runs. */
enum { KEEP = 1, DROP, DROP_QUIET };
typedef struct policy { const char *name; unsigned char kind; const char *attrs; } policy;

/* DROP: removed with its content and named in the review flag: it can run or
 * load code (script, plugins, frames, SVG/MathML with their own parsing
 * rules), change the page (base, link, meta, style) or is raw-text fallback
 * (noscript, noembed, noframes). DROP_QUIET: <title> is never displayed.
 * Sorted by name for bsearch. */
static const policy ALLOW[] = {
  {"a", KEEP, " href "}, {"abbr", KEEP, ""}, {"acronym", KEEP, ""}, {"address", KEEP, ""},
  {"applet", DROP, NULL}, {"article", KEEP, ""}, {"aside", KEEP, ""}, {"audio", DROP, NULL},
  {"b", KEEP, ""}, {"base", DROP, NULL}, {"basefont", DROP, NULL}, {"bdi", KEEP, ""},
  {"bdo", KEEP, ""}, {"big", KEEP, ""}, {"blockquote", KEEP, " cite "}, {"br", KEEP, ""},
  {"caption", KEEP, " align "}, {"center", KEEP, ""}, {"cite", KEEP, ""}, {"code", KEEP, ""},
  {"col", KEEP, " span width align valign "}, {"colgroup", KEEP, " span width align valign "},
  {"dd", KEEP, ""}, {"del", KEEP, " cite datetime "}, {"details", KEEP, " open "},
  {"dfn", KEEP, ""}, {"div", KEEP, " align "}, {"dl", KEEP, ""}, {"dt", KEEP, ""},
  {"em", KEEP, ""}, {"embed", DROP, NULL}, {"figcaption", KEEP, ""}, {"figure", KEEP, ""},
  {"font", KEEP, " color face size "}, {"footer", KEEP, ""}, {"frame", DROP, NULL},
  {"frameset", DROP, NULL}, {"h1", KEEP, " align "}, {"h2", KEEP, " align "},
  {"h3", KEEP, " align "}, {"h4", KEEP, " align "}, {"h5", KEEP, " align "},
  {"h6", KEEP, " align "}, {"header", KEEP, ""}, {"hgroup", KEEP, ""},
  {"hr", KEEP, " align size width noshade color "}, {"i", KEEP, ""}, {"iframe", DROP, NULL},
  {"img", KEEP, " src alt width height border align hspace vspace data-img-id "},
  {"ins", KEEP, " cite datetime "}, {"kbd", KEEP, ""}, {"li", KEEP, " value type "},
  {"link", DROP, NULL}, {"main", KEEP, ""}, {"mark", KEEP, ""}, {"math", DROP, NULL},
  {"meta", DROP, NULL}, {"nav", KEEP, ""}, {"noembed", DROP, NULL}, {"noframes", DROP, NULL},
  {"noscript", DROP, NULL}, {"object", DROP, NULL}, {"ol", KEEP, " start type reversed "},
  {"p", KEEP, " align "}, {"param", DROP, NULL}, {"pre", KEEP, " width "}, {"q", KEEP, " cite "},
  {"rp", KEEP, ""}, {"rt", KEEP, ""}, {"ruby", KEEP, ""}, {"s", KEEP, ""}, {"samp", KEEP, ""},
  {"script", DROP, NULL}, {"section", KEEP, ""}, {"small", KEEP, ""}, {"source", DROP, NULL},
  {"span", KEEP, ""}, {"strike", KEEP, ""}, {"strong", KEEP, ""}, {"style", DROP, NULL},
  {"sub", KEEP, ""}, {"summary", KEEP, ""}, {"sup", KEEP, ""}, {"svg", DROP, NULL},
  {"table", KEEP, " width height border cellpadding cellspacing align bgcolor summary "},
  {"tbody", KEEP, " align valign bgcolor "},
  {"td", KEEP, " colspan rowspan width height align valign bgcolor nowrap scope headers abbr "},
  {"template", DROP, NULL}, {"tfoot", KEEP, " align valign bgcolor "},
  {"th", KEEP, " colspan rowspan width height align valign bgcolor nowrap scope headers abbr "},
  {"thead", KEEP, " align valign bgcolor "}, {"time", KEEP, " datetime "},
  {"title", DROP_QUIET, NULL}, {"tr", KEEP, " align valign bgcolor height "},
  {"track", DROP, NULL}, {"tt", KEEP, ""}, {"u", KEEP, ""}, {"ul", KEEP, " type "},
  {"var", KEEP, ""}, {"video", DROP, NULL}, {"wbr", KEEP, ""},
};

/* Attributes every kept element may have. id and name are not among them:
 * Gorgias shows many messages in one page, where they would collide and can
 * clobber the page's own globals (DOM clobbering). style is checked by
 * style_danger. */
static const char GLOBAL_ATTRS[] = " class title lang dir style ";

/* Attributes that hold a URL on some element, checked on every element so a
 * dangerous one is named in the flag even where the attribute would go anyway. */
static const char URL_ATTRS[] = " href src action formaction xlink:href data background poster "
                                "lowsrc dynsrc srcset codebase cite longdesc usemap ping manifest "
                                "icon profile classid archive ";

/* Nesting of kept elements stops here (deeper ones are unwrapped): the
 * output stays shallow enough for any parser, and re-parses to itself. */
#define MAX_DEPTH 200
/* A fragment the parser might nest deeper than this is not parsed (see
 * too_deep): the parser's scope checks and end tags walk the open elements,
 * so each tag costs up to this much, and a hostile nest of 50,000 tags costs
 * seconds. Chromium stops nesting at 512 too. */
#define MAX_PARSE_DEPTH 512
/* What one parse may allocate: markup such as <div><b x=1></div><div><b x=2>
 * </div>… makes the parser reopen every earlier <b> (browsers do the same),
 * so nodes grow with the square of the input. Dense real markup takes about
 * 100 bytes per input byte; a parse over the budget is abandoned. */
#define PARSE_BUDGET(n) ((n) * 256 + ((size_t)4 << 20))
/* Passes until a fixed point (see sanitize_html); one is almost always enough. */
#define MAX_PASSES 4

static int policy_cmp(const void *key, const void *p) {
  return strcmp(key, ((const policy *)p)->name);
}

static const policy *policy_of(const GumboElement *e) {
  if (e->tag == GUMBO_TAG_UNKNOWN) return NULL;
  const char *name = gumbo_normalized_tagname(e->tag);
  return bsearch(name, ALLOW, sizeof ALLOW / sizeof *ALLOW, sizeof *ALLOW, policy_cmp);
}

/* True when name is a word of list (" a b c "). */
static bool in_list(const char *list, const char *name) {
  size_t n = strlen(name);
  if (!n) return false;
  for (const char *p = strstr(list, name); p; p = strstr(p + 1, name))
    if (p > list && p[-1] == ' ' && p[n] == ' ') return true;
  return false;
}

/* ---- what was removed: the review flag ---- */

typedef struct removed { const char *what[16]; int count[16]; int n; } removed;

static void note(removed *r, hm_arena *a, const char *what) {
  for (int i = 0; i < r->n; i++)
    if (strcmp(r->what[i], what) == 0) { r->count[i]++; return; }
  if (r->n == 16) return;
  r->what[r->n] = hm_arena_strdup(a, what);
  r->count[r->n++] = 1;
}

/* "sanitize_html removed <script> x2, onerror attribute" */
static void flag_removed(hm_bctx *ctx, const removed *r) {
  if (!r->n) return;
  hm_sb msg;
  hm_sb_init(&msg, ctx->arena, 128);
  hm_sb_puts(&msg, "sanitize_html removed ");
  for (int k = 0; k < r->n; k++) {
    if (k) hm_sb_puts(&msg, ", ");
    hm_sb_puts(&msg, r->what[k]);
    if (r->count[k] > 1) hm_sb_puts(&msg, hm_arena_printf(ctx->arena, " x%d", r->count[k]));
  }
  hm_flagf(ctx, HM_SEV_REVIEW, "%s", hm_sb_value(&msg).u.str);
}

/* ---- URLs and styles ---- */

static char lowc(char c) { return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c); }
static bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool alnum(char c) { return alpha(c) || (c >= '0' && c <= '9'); }
static bool ctl_or_space(unsigned char c) { return c <= 0x20 || c == 0x7F; }

/* The scheme of a decoded URL as a browser finds it, lower-cased into buf:
 * browsers trim C0 controls and spaces and drop tabs and newlines anywhere;
 * dropping every ASCII control and space here only widens what is taken for
 * a scheme. Returns false for a relative URL (no ':' before '/', '?', '#'). */
static bool url_scheme(const char *v, char *buf, size_t cap, const char **rest) {
  size_t k = 0;
  for (const char *p = v; *p; p++) {
    if (ctl_or_space((unsigned char)*p)) continue;
    if (*p == '/' || *p == '?' || *p == '#') return false;
    if (*p == ':') { buf[k] = 0; *rest = p + 1; return k > 0; }
    if (k + 1 < cap) buf[k++] = lowc(*p);
  }
  return false;
}

/* The media type of data:TYPE[;…],… lower-cased into buf, controls dropped. */
static void data_type(const char *rest, char *buf, size_t cap) {
  size_t k = 0;
  for (const char *p = rest; *p && *p != ';' && *p != ','; p++)
    if (!ctl_or_space((unsigned char)*p) && k + 1 < cap) buf[k++] = lowc(*p);
  buf[k] = 0;
}

/* data: URLs pass only in <img src>, only as raster images: an image
 * context never runs script (not even SVG's), and rasters cannot hold any;
 * a data: URL elsewhere could be navigated to or framed as a document. */
static const char RASTER_TYPES[] =
  " image/png image/gif image/jpeg image/jpg image/webp image/bmp ";

/* NULL when the URL may stay, else what to call it in the flag
 * ("javascript: URL", "data:text/html URL"). */
static const char *url_danger(hm_arena *a, const char *el, const char *attr, const char *v) {
  char scheme[24], type[40];
  const char *rest = NULL;
  if (!url_scheme(v, scheme, sizeof scheme, &rest)) return NULL;
  bool img_src = strcmp(el, "img") == 0 && strcmp(attr, "src") == 0;
  if (in_list(" http https mailto tel ", scheme)) return NULL;   /* tel: mail signatures */
  if (img_src && strcmp(scheme, "cid") == 0) return NULL;
  if (strcmp(scheme, "data") == 0) {
    data_type(rest, type, sizeof type);
    if (img_src && in_list(RASTER_TYPES, type)) return NULL;
    return hm_arena_printf(a, "data:%s URL", type);
  }
  for (char *p = scheme; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' ||
          *p == '.'))
      return "unsafe URL";
  return hm_arena_printf(a, "%s: URL", scheme);
}

static int hexval(char c) {
  c = lowc(c);
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The style as CSS reads it, for the checks: comments gone, escapes decoded
 * (non-ASCII ones as '?'), controls and spaces dropped, lower case. */
static char *css_view(hm_arena *a, const char *v) {
  char *out = hm_arena_alloc(a, strlen(v) + 1), *o = out;
  for (const char *p = v; *p;) {
    if (p[0] == '/' && p[1] == '*') {
      const char *end = strstr(p + 2, "*/");
      p = end ? end + 2 : p + strlen(p);
    } else if (*p == '\\' && p[1]) {
      unsigned cp = 0;
      int d = 0;
      for (p++; d < 6 && hexval(*p) >= 0; d++) cp = cp * 16 + (unsigned)hexval(*p++);
      if (d && ctl_or_space((unsigned char)*p) && *p) p++;
      char c = d ? (cp < 0x80 ? (char)cp : '?') : *p++;
      if (!ctl_or_space((unsigned char)c)) *o++ = lowc(c);
    } else {
      if (!ctl_or_space((unsigned char)*p)) *o++ = lowc(*p);
      p++;
    }
  }
  *o = 0;
  return out;
}

/* True when a style attribute can run code in some browser: IE expressions
 * and behaviors, Mozilla XBL bindings, script URLs. */
static bool style_danger(hm_arena *a, const char *v) {
  const char *css = css_view(a, v);
  static const char *bad[] = {"expression(", "javascript:", "vbscript:", "-moz-binding",
                              "behavior:", "behaviour:"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (strstr(css, bad[i])) return true;
  return false;
}

/* ---- writing the tree ---- */

typedef struct san {
  hm_arena *a;
  hm_sb out;
  hm_sb stack;      /* one byte per element being walked: 'k' kept, 'u' unwrapped */
  int depth;        /* kept elements open */
  removed *r;
} san;

static void put_escaped(hm_sb *b, const char *s, size_t n, bool attr) {
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    const char *rep = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;"
                    : !attr ? NULL : s[i] == '"' ? "&quot;" : s[i] == '\'' ? "&#39;" : NULL;
    if (!rep && s[i]) continue;
    hm_sb_put(b, s + run, i - run);
    if (rep) hm_sb_puts(b, rep);
    run = i + 1;
  }
  hm_sb_put(b, s + run, n - run);
}

/* "onerror attribute": the name cut to 30 bytes, odd bytes as '?', so the
 * flag stays one printable line whatever the markup held. */
static const char *handler_name(hm_arena *a, const char *name) {
  char *what = hm_arena_printf(a, "%.30s attribute", name);
  for (char *p = what; *p != ' '; p++)
    if (!(alnum(*p) || *p == '-' || *p == '_' || *p == ':')) *p = '?';
  return what;
}

/* Judges every attribute (flagging handlers, bad URLs, scripted styles) and
 * writes the allowed ones when out is given. */
static void put_attrs(san *s, const char *el, const GumboElement *e, const policy *p, bool out) {
  for (unsigned i = 0; i < e->attributes.length; i++) {
    const GumboAttribute *at = e->attributes.data[i];
    const char *name = at->name, *v = at->value, *danger = NULL;
    if (lowc(name[0]) == 'o' && lowc(name[1]) == 'n' && name[2])
      danger = handler_name(s->a, name);
    else if (in_list(URL_ATTRS, name))
      danger = url_danger(s->a, el, name, v);
    else if (strcmp(name, "style") == 0 && style_danger(s->a, v))
      danger = "script in style attribute";
    if (danger) { note(s->r, s->a, danger); continue; }
    if (!out || !(in_list(GLOBAL_ATTRS, name) || in_list(p->attrs, name))) continue;
    hm_sb_putc(&s->out, ' ');
    hm_sb_puts(&s->out, name);
    hm_sb_puts(&s->out, "=\"");
    put_escaped(&s->out, v, strlen(v), true);
    hm_sb_putc(&s->out, '"');
  }
}

static bool void_element(GumboTag t) {
  return t == GUMBO_TAG_BR || t == GUMBO_TAG_HR || t == GUMBO_TAG_IMG || t == GUMBO_TAG_WBR ||
         t == GUMBO_TAG_COL;
}

static const GumboNode *child_at(const GumboNode *n, unsigned i) {
  const GumboVector *c = &n->v.element.children;
  return i < c->length ? c->data[i] : NULL;
}

/* Starts an element; true when its children are to be walked (then leave
 * ends it). Kept elements are written, unwrapped ones only walked; dropped
 * ones are named in the flag and not walked. */
static bool enter_element(san *s, const GumboNode *n) {
  const GumboElement *e = &n->v.element;
  const policy *p = policy_of(e);
  const char *name = gumbo_normalized_tagname(e->tag);
  if (e->tag_namespace != GUMBO_NAMESPACE_HTML || (p && p->kind != KEEP)) {
    if (!p || p->kind != DROP_QUIET) note(s->r, s->a, hm_arena_printf(s->a, "<%s>", name));
    return false;
  }
  bool keep = p && s->depth < MAX_DEPTH;
  hm_sb_putc(&s->stack, keep ? 'k' : 'u');
  if (!keep) {
    put_attrs(s, name, e, p, false);
    return true;
  }
  s->depth++;
  hm_sb_putc(&s->out, '<');
  hm_sb_puts(&s->out, name);
  put_attrs(s, name, e, p, true);
  hm_sb_putc(&s->out, '>');
  /* The parser eats one newline after <pre>: a text that starts with one
   * needs another in front to come back. */
  const GumboNode *first = child_at(n, 0);
  if (e->tag == GUMBO_TAG_PRE && first && first->type != GUMBO_NODE_ELEMENT &&
      first->type != GUMBO_NODE_TEMPLATE && first->type != GUMBO_NODE_COMMENT &&
      first->v.text.text[0] == '\n')
    hm_sb_putc(&s->out, '\n');
  return true;
}

/* Ends the element enter_element started. */
static void leave(san *s, const GumboNode *n) {
  bool kept = s->stack.p[--s->stack.len] == 'k';
  if (!kept) return;
  s->depth--;
  if (void_element(n->v.element.tag)) return;
  hm_sb_puts(&s->out, "</");
  hm_sb_puts(&s->out, gumbo_normalized_tagname(n->v.element.tag));
  hm_sb_putc(&s->out, '>');
}

/* Writes what n is; true when n is an element whose children are walked. */
static bool enter(san *s, const GumboNode *n) {
  if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE) {
    const char *t = n->v.text.text;
    put_escaped(&s->out, t, strlen(t), false);
    return false;
  }
  if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE) return false;
  return enter_element(s, n);
}

/* Walks the children of root in document order without recursion (a
 * hostile fragment can nest a hundred thousand elements). */
static void walk(san *s, const GumboNode *root) {
  const GumboNode *n = child_at(root, 0);
  while (n) {
    bool open = enter(s, n);
    const GumboNode *c = open ? child_at(n, 0) : NULL;
    if (c) { n = c; continue; }
    if (open) leave(s, n);
    const GumboNode *next = NULL;
    while (n != root && !next) {
      next = child_at(n->parent, n->index_within_parent + 1);
      if (!next) { n = n->parent; if (n != root) leave(s, n); }
    }
    n = next;
  }
}

/* ---- the builtin ---- */

/* Elements that never hold their own kind open: void ones, and those a
 * start tag of the same kind closes. */
static const char FLAT[] = " area base br col embed hr img input link meta param source track wbr "
                           "keygen p li dt dd option optgroup tr td th tbody thead tfoot rp rt ";

/* Reads the tag name at s[i] (lower-cased, cut to fit) into name. */
static void tag_name(const char *s, size_t n, size_t i, char name[12]) {
  size_t k = 0;
  for (; i < n && alnum(s[i]) && k + 1 < 12; i++) name[k++] = lowc(s[i]);
  name[k] = 0;
}

/* True when s may nest deeper than MAX_PARSE_DEPTH. A linear scan keeps a
 * stack of open start tags of elements that can nest; an end tag pops to its
 * match and is ignored without one, as the parser ignores it. Comments and
 * scripts count as markup: it overestimates. */
static bool too_deep(hm_arena *a, const char *s, size_t n) {
  char (*open)[12] = hm_arena_alloc(a, (MAX_PARSE_DEPTH + 1) * sizeof *open);
  int depth = 0;
  for (size_t i = 0; i + 2 < n; i++) {
    if (s[i] != '<') continue;
    bool end = s[i + 1] == '/';
    char name[12];
    tag_name(s, n, i + 1 + end, name);
    if (!alpha(name[0]) || in_list(FLAT, name)) continue;
    if (!end && depth == MAX_PARSE_DEPTH) return true;
    if (!end) { memcpy(open[depth++], name, sizeof name); continue; }
    int k = depth - 1;
    while (k >= 0 && strcmp(open[k], name) != 0) k--;
    if (k >= 0) depth = k;
  }
  return false;
}

/* The text of a fragment too costly to parse, in one <pre>: what the
 * html_to_text scanner reads, linear whatever the markup. */
static void flatten(hm_bctx *ctx, const char **s, size_t *n, removed *r) {
  hm_value text, arg = hv_strn(*s, *n);
  hm_bi_html_to_text(ctx, 1, &arg, &text);
  hm_sb b;
  hm_sb_init(&b, ctx->arena, text.len + 16);
  hm_sb_puts(&b, "<pre>\n");
  put_escaped(&b, text.u.str, text.len, false);
  hm_sb_puts(&b, "</pre>");
  *s = b.p;
  *n = b.len;
  note(r, ctx->arena, "markup too deeply nested to parse (its text is kept)");
}

typedef struct budget { hm_arena *a; size_t left; jmp_buf over; } budget;

static void *budget_alloc(void *user, size_t size) {
  budget *b = user;
  if (size > b->left) longjmp(b->over, 1);
  b->left -= size;
  return hm_arena_alloc(b->a, size);
}
static void budget_free(void *user, void *p) { (void)user; (void)p; }

/* s parsed as the children of a <body>, in the arena (nothing to destroy);
 * NULL when the parse went over PARSE_BUDGET. */
static GumboOutput *parse(hm_arena *a, const char *s, size_t n) {
  budget b = {.a = a, .left = PARSE_BUDGET(n)};
  GumboOptions opt = kGumboDefaultOptions;
  opt.allocator = budget_alloc;
  opt.deallocator = budget_free;
  opt.userdata = &b;
  opt.max_errors = 0;
  opt.fragment_context = GUMBO_TAG_BODY;
  opt.fragment_namespace = GUMBO_NAMESPACE_HTML;
  if (setjmp(b.over)) return NULL;
  return gumbo_parse_with_options(&opt, s, n);
}

/* One parse and write of s into *v; what it removed is added to r. False,
 * with nothing written, when the parse went over budget. */
static bool sanitize_pass(hm_bctx *ctx, const char *s, size_t n, removed *r, hm_value *v) {
  GumboOutput *g = parse(ctx->arena, s, n);
  if (!g) return false;
  san st = {.a = ctx->arena, .r = r};
  hm_sb_init(&st.out, ctx->arena, n + 16);
  hm_sb_init(&st.stack, ctx->arena, 64);
  walk(&st, g->root);
  *v = hm_sb_value(&st.out);
  return true;
}

static bool same(hm_value v, const char *s, size_t n) {
  return v.len == n && memcmp(v.u.str, s, n) == 0;
}

/* Writing a parsed tree back out does not always re-parse to the same tree
 * (the adoption agency and foster parenting move nodes), so passes repeat
 * until the text is a fixed point; that is the text returned. */
HM_BI_TEXT(sanitize_html) {
  removed r = {0};
  hm_value v;
  if (too_deep(ctx->arena, s, n) || !sanitize_pass(ctx, s, n, &r, &v)) {
    flatten(ctx, &s, &n, &r);
    sanitize_pass(ctx, s, n, &r, &v);      /* one <pre>: always within budget */
  }
  for (int pass = 1; pass < MAX_PASSES && !same(v, s, n); pass++) {
    s = v.u.str;
    n = v.len;
    if (!sanitize_pass(ctx, s, n, &r, &v)) break;
  }
  flag_removed(ctx, &r);
  *out = v;
  return 0;
}
