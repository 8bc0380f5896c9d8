/* xss_check: the structural XSS test of sanitize_html and the pages of the
 * browser test (chromium.sh).
 *
 *   xss_check VECTORS            every vector is sanitised and the OUTPUT is
 *                                parsed again with gumbo: no script element,
 *                                no on* attribute, no javascript:, vbscript:
 *                                or data:text URL in any attribute, nothing
 *                                outside the HTML namespace; the output is a
 *                                fixed point. The same check must find most
 *                                raw vectors guilty, or it proves nothing.
 *   xss_check --page raw|clean VECTORS OUT.html POKE.js
 *                                one page, one srcdoc iframe per vector (raw
 *                                or sanitised), where alert, confirm, prompt
 *                                and print report to the top page, and
 *                                POKE.js fires events at every element.
 *
 * Vector file: one per line, escapes \n \t \r \0 \xHH \\, '#' comments. */
#include <gumbo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_builtins.h"

#define MAX_VECTORS 1000

typedef struct vec { char *s; size_t n; int line; } vec;

static int hexval(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes the escapes of one line in place; returns its length. */
static size_t unescape(char *s) {
  size_t k = 0;
  for (size_t i = 0; s[i]; i++) {
    if (s[i] != '\\' || !s[i + 1]) { s[k++] = s[i]; continue; }
    char c = s[++i];
    if (c == 'x' && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      s[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      s[k++] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == '0' ? '\0' : c;
    }
  }
  return k;
}

static int read_vectors(const char *path, vec *v) {
  FILE *f = fopen(path, "r");
  if (!f) { fprintf(stderr, "%s: cannot open\n", path); return -1; }
  char line[8192];
  int n = 0, lineno = 0;
  while (fgets(line, sizeof line, f) && n < MAX_VECTORS) {
    lineno++;
    line[strcspn(line, "\r\n")] = 0;
    if (!line[0] || line[0] == '#') continue;
    v[n].line = lineno;
    v[n].s = strdup(line);
    v[n].n = unescape(v[n].s);
    n++;
  }
  fclose(f);
  return n;
}

/* ---- sanitising ---- */

typedef struct result { char *out; size_t n; int flags; } result;

static void on_flag(void *user, hm_severity sev, const char *msg) {
  (void)sev; (void)msg;
  (*(int *)user)++;
}

static result sanitise(hm_arena *a, const char *s, size_t n) {
  static int bi = -2;
  if (bi == -2) bi = hm_builtin_find("sanitize_html");
  result r = {0};
  hm_bctx ctx = {a, &r.flags, on_flag, NULL, NULL};
  hm_value arg = hv_strn(s, n), out;
  if (bi < 0 || hm_builtins[bi].fn(&ctx, 1, &arg, &out) != 0 || out.kind != HV_STR) {
    fprintf(stderr, "sanitize_html failed\n");
    exit(2);
  }
  r.out = hm_arena_strndup(a, out.u.str, out.len);
  r.n = out.len;
  return r;
}

/* ---- the structural check ---- */

/* A URL value with ASCII controls and spaces removed, lower case, starts
 * with a scheme that runs or renders script. */
static const char *bad_url(const char *v) {
  char view[32];
  size_t k = 0;
  for (const char *p = v; *p && k + 1 < sizeof view; p++) {
    unsigned char c = (unsigned char)*p;
    if (c > 0x20 && c != 0x7F) view[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  view[k] = 0;
  if (strncmp(view, "javascript:", 11) == 0) return "javascript: URL";
  if (strncmp(view, "vbscript:", 9) == 0) return "vbscript: URL";
  if (strncmp(view, "data:text", 9) == 0) return "data:text URL";
  return NULL;
}

static const char *bad_element(const GumboNode *n) {
  const GumboElement *e = &n->v.element;
  if (e->tag == GUMBO_TAG_SCRIPT) return "script element";
  if (e->tag_namespace != GUMBO_NAMESPACE_HTML) return "SVG or MathML element";
  static const GumboTag active[] = {GUMBO_TAG_IFRAME, GUMBO_TAG_OBJECT, GUMBO_TAG_EMBED,
                                    GUMBO_TAG_FRAME, GUMBO_TAG_BASE, GUMBO_TAG_META,
                                    GUMBO_TAG_LINK, GUMBO_TAG_STYLE, GUMBO_TAG_APPLET};
  for (size_t i = 0; i < sizeof active / sizeof *active; i++)
    if (e->tag == active[i]) return "active element";
  for (unsigned i = 0; i < e->attributes.length; i++) {
    const GumboAttribute *at = e->attributes.data[i];
    if ((at->name[0] | 32) == 'o' && (at->name[1] | 32) == 'n') return "event handler attribute";
    const char *url = bad_url(at->value);
    if (url) return url;
  }
  return NULL;
}

/* The first thing in the tree that could run script, NULL if none. */
static const char *bad_tree(const GumboNode *n) {
  if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE) return NULL;
  const char *why = bad_element(n);
  const GumboVector *c = &n->v.element.children;
  for (unsigned i = 0; !why && i < c->length; i++) why = bad_tree(c->data[i]);
  return why;
}

static const char *judge(const char *s, size_t n) {
  GumboOptions opt = kGumboDefaultOptions;
  opt.fragment_context = GUMBO_TAG_BODY;
  GumboOutput *g = gumbo_parse_with_options(&opt, s, n);
  const char *why = bad_tree(g->root);
  gumbo_destroy_output(&opt, g);
  return why;
}

/* Nesting no parser should be made to walk: 5000 deep <div>s, and markup
 * that makes an HTML5 parser reopen every earlier <b> (quadratic nodes). Both
 * must come back safe, flagged, as a fixed point. */
static int check_deep(hm_arena *a) {
  int bad = 0;
  for (int k = 0; k < 2; k++) {
    char *s = malloc(200000), *p = s;
    for (int i = 0; i < 5000; i++)
      p += k ? sprintf(p, "<div><b x=%d></div>", i) : sprintf(p, "<div>%d", i);
    result r = sanitise(a, s, (size_t)(p - s));
    result again = sanitise(a, r.out, r.n);
    const char *why = judge(r.out, r.n);
    if (why || !r.flags || strncmp(r.out, "<pre>", 5) != 0 || again.n != r.n || again.flags) {
      fprintf(stderr, "deep markup %d: %s, %d flags, fixed point %d: %.80s\n", k,
              why ? why : "safe", r.flags, again.n == r.n && !again.flags, r.out);
      bad++;
    }
    free(s);
    hm_arena_reset(a);
  }
  return bad;
}

static int check(const char *path) {
  static vec v[MAX_VECTORS];
  int n = read_vectors(path, v), bad = 0, caught = 0;
  if (n <= 0) return 1;
  hm_arena a;
  hm_arena_init(&a, 1 << 16);
  for (int i = 0; i < n; i++) {
    caught += judge(v[i].s, v[i].n) != NULL;
    result r = sanitise(&a, v[i].s, v[i].n);
    const char *why = judge(r.out, r.n);
    result again = sanitise(&a, r.out, r.n);
    if (why) fprintf(stderr, "%s:%d: %s left in: %s\n", path, v[i].line, why, r.out);
    if (again.n != r.n || memcmp(again.out, r.out, r.n) != 0 || again.flags)
      fprintf(stderr, "%s:%d: not a fixed point: %s -> %s\n", path, v[i].line, r.out, again.out);
    bad += why || again.n != r.n || memcmp(again.out, r.out, r.n) != 0 || again.flags;
    hm_arena_reset(&a);
  }
  bad += check_deep(&a);
  hm_arena_free(&a);
  printf("%d vectors, %d unsafe after sanitize_html; %d caught unsanitised\n", n, bad, caught);
  /* The control: the same judge on the raw vectors must see script. */
  if (caught * 2 < n) {
    fprintf(stderr, "the check finds only %d of %d raw vectors guilty: it is blind\n", caught, n);
    return 1;
  }
  return bad ? 1 : 0;
}

/* ---- the browser page ---- */

/* Each frame's document: the reporters first, then the vector in <body>. */
static const char PRELUDE[] =
  "<!DOCTYPE html><html><head><meta charset=utf-8><script>"
  "['alert','confirm','prompt','print'].forEach(function(f){"
  "window[f]=function(){parent.hit(frameElement.id,f)}})</script></head><body>";

static void put_attr_escaped(FILE *f, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    switch (s[i]) {
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    default: fputc(s[i], f);
    }
  }
}

static int page(const char *kind, const char *path, const char *outpath, const char *js) {
  static vec v[MAX_VECTORS];
  int n = read_vectors(path, v);
  bool raw = strcmp(kind, "raw") == 0;
  FILE *f = fopen(outpath, "w");
  if (n <= 0 || !f) return 1;
  fputs("<!DOCTYPE html><html><head><meta charset=utf-8><title>xss</title>"
        "<script>var hits=[];function hit(id,how){hits.push(id+':'+how);"
        "document.getElementById('hits').textContent='HITS '+hits.length+' '+hits.join(' ')}"
        "</script></head><body><pre id=hits>HITS 0</pre><pre id=done></pre>\n", f);
  hm_arena a;
  hm_arena_init(&a, 1 << 16);
  for (int i = 0; i < n; i++) {
    result r = raw ? (result){v[i].s, v[i].n, 0} : sanitise(&a, v[i].s, v[i].n);
    /* sandbox without allow-modals: a real dialog (from a frame the vector
     * makes, where the reporters are not) is dropped instead of hanging the
     * browser; sandbox flags reach nested frames. Scripts run as on a page. */
    fprintf(f, "<iframe id=\"v%d\" sandbox=\"allow-scripts allow-same-origin allow-forms\" "
            "srcdoc=\"", v[i].line);
    put_attr_escaped(f, PRELUDE, strlen(PRELUDE));
    put_attr_escaped(f, r.out, r.n);
    fputs("\"></iframe>\n", f);
    hm_arena_reset(&a);
  }
  hm_arena_free(&a);
  FILE *in = fopen(js, "r");
  if (!in) { fprintf(stderr, "%s: cannot open\n", js); return 1; }
  fputs("<script>\n", f);
  for (int c; (c = fgetc(in)) != EOF;) fputc(c, f);
  fclose(in);
  fputs("</script></body></html>\n", f);
  return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc == 2) return check(argv[1]);
  if (argc == 6 && strcmp(argv[1], "--page") == 0) return page(argv[2], argv[3], argv[4], argv[5]);
  fprintf(stderr, "usage: xss_check VECTORS | --page raw|clean VECTORS OUT.html POKE.js\n");
  return 2;
}
