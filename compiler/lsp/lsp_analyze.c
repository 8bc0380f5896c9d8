/* lsp_analyze: one compile of an open document (parse, and check when the parse is
 * clean: the same passes as `hmapc check`), and what the editor asks of the result —
 * diagnostics, document symbols, the declaration a name refers to. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "lsp.h"

void lsp_analyze(lsp_unit *u, const lsp_doc *doc, const char *stdlib_dir) {
  hm_compiler_init(&u->c, stdlib_dir);
  char *text = hm_arena_strndup(&u->c.arena, doc->text, doc->len);
  u->unit = hm_compiler_parse_text(&u->c, doc->path, text, doc->len);
  u->checked = 0;
  if (u->unit >= 0 && !u->c.diags.errors) {
    hm_check(&u->c, u->unit);
    u->checked = 1;
  }
}

void lsp_unit_free(lsp_unit *u) { hm_compiler_free(&u->c); }

static const hm_node *items(const lsp_unit *u) {
  return u->unit >= 0 ? u->c.units[u->unit].items : NULL;
}

cJSON *lsp_diagnostics(lsp_unit *u, const lsp_doc *doc) {
  cJSON *params = cJSON_CreateObject(), *list = cJSON_CreateArray();
  cJSON_AddStringToObject(params, "uri", doc->uri);
  cJSON_AddNumberToObject(params, "version", doc->version);
  uint32_t file = u->unit >= 0 ? u->c.units[u->unit].file : 0;
  for (uint32_t i = 0; i < u->c.diags.n; i++) {
    const hm_diag *g = &u->c.diags.items[i];
    if (u->unit < 0 || g->loc.file != file) continue;   /* a stdlib module's own problem */
    cJSON *d = cJSON_CreateObject();
    cJSON_AddItemToObject(d, "range", lsp_range(doc->text, doc->len, g->loc));
    cJSON_AddNumberToObject(d, "severity", hm_code_is_error(g->code) ? 1 : 2);
    cJSON_AddStringToObject(d, "code", hm_code_id(g->code));
    cJSON_AddStringToObject(d, "source", "hmapc");
    cJSON_AddStringToObject(d, "message", g->msg);
    cJSON_AddItemToArray(list, d);
  }
  cJSON_AddItemToObject(params, "diagnostics", list);
  return params;
}

cJSON *lsp_code_actions(lsp_unit *u, const lsp_doc *doc, uint32_t first, uint32_t last) {
  cJSON *list = cJSON_CreateArray();
  uint32_t file = u->unit >= 0 ? u->c.units[u->unit].file : 0;
  for (uint32_t i = 0; u->unit >= 0 && i < u->c.diags.n; i++) {
    const hm_diag *g = &u->c.diags.items[i];
    if (!g->fix || g->loc.file != file || g->loc.line < first || g->loc.line > last) continue;
    char title[256];
    snprintf(title, sizeof title, "Write `%s` (%s)", g->fix, hm_code_id(g->code));
    cJSON *a = cJSON_CreateObject(), *edit = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "title", title);
    cJSON_AddStringToObject(a, "kind", "quickfix");
    cJSON *changes = cJSON_AddObjectToObject(edit, "changes");
    cJSON *edits = cJSON_AddArrayToObject(changes, doc->uri), *e = cJSON_CreateObject();
    hm_loc at = g->fix_loc;
    if (at.end_line != at.line) { at.end_line = at.line; at.end_col = at.col; }
    cJSON *r = cJSON_CreateObject();   /* an empty span is an insertion: no +1 widening */
    cJSON_AddItemToObject(r, "start", lsp_position(doc->text, doc->len, at.line, at.col));
    cJSON_AddItemToObject(r, "end", lsp_position(doc->text, doc->len, at.line, at.end_col));
    cJSON_AddItemToObject(e, "range", r);
    cJSON_AddStringToObject(e, "newText", g->fix);
    cJSON_AddItemToArray(edits, e);
    cJSON_AddItemToObject(a, "edit", edit);
    cJSON_AddItemToArray(list, a);
  }
  return list;
}

/* ---- symbols ---- */

static uint32_t line_of(const lsp_doc *doc, size_t off) {
  uint32_t line = 1;
  for (size_t i = 0; i < off && i < doc->len; i++)
    if (doc->text[i] == '\n') line++;
  return line;
}

/* The last line of top-level item it: the line before the next item (comments between
   belong to the item before them), or the document's last. */
static uint32_t item_end(const lsp_doc *doc, const hm_node *it) {
  if (it->next) return it->next->loc.line > it->loc.line ? it->next->loc.line - 1 : it->loc.line;
  return line_of(doc, doc->len);
}

enum { SK_MODULE = 2, SK_CLASS = 5, SK_FIELD = 8, SK_FUNCTION = 12, SK_CONSTANT = 14,
       SK_KEY = 20, SK_STRUCT = 23 };

/* A symbol whose selection is loc (its name) and whose range runs to line `last`. */
static cJSON *symbol_to(const lsp_doc *doc, const char *name, int kind, hm_loc loc,
                        uint32_t last) {
  cJSON *s = cJSON_CreateObject();
  cJSON_AddStringToObject(s, "name", name && *name ? name : "?");
  cJSON_AddNumberToObject(s, "kind", kind);
  hm_loc whole = loc;
  if (last > loc.line) { whole.end_line = last; whole.end_col = UINT32_MAX; }
  cJSON_AddItemToObject(s, "range", lsp_range(doc->text, doc->len, whole));
  cJSON_AddItemToObject(s, "selectionRange", lsp_range(doc->text, doc->len, loc));
  return s;
}

static cJSON *symbol(const lsp_doc *doc, const char *name, int kind, hm_loc loc) {
  return symbol_to(doc, name, kind, loc, loc.line);
}

static void add_fields(cJSON *parent, const lsp_doc *doc, const hm_node *fields) {
  cJSON *kids = cJSON_AddArrayToObject(parent, "children");
  for (const hm_node *f = fields; f; f = f->next)
    if (f->kind == N_FIELDDECL) cJSON_AddItemToArray(kids, symbol(doc, f->s, SK_FIELD, f->loc));
}

static cJSON *item_symbol(const lsp_doc *doc, const hm_node *it) {
  char name[256];
  switch (it->kind) {
  case N_MIGRATION: return symbol(doc, it->s, SK_MODULE, it->loc);
  case N_MODULE: return symbol(doc, it->s, SK_MODULE, it->loc);
  case N_SETTING:
    snprintf(name, sizeof name, "$%s", it->s);
    return symbol(doc, name, SK_CONSTANT, it->loc);
  case N_SOURCE: {
    cJSON *s = symbol(doc, it->s, SK_STRUCT, it->loc);
    if (it->c) add_fields(s, doc, it->c);
    return s;
  }
  case N_TARGET: case N_OBJECT: {
    cJSON *s = symbol(doc, it->s, SK_CLASS, it->loc);
    add_fields(s, doc, it->c);
    return s;
  }
  case N_RULE:
    snprintf(name, sizeof name, "%s -> %s", it->a ? it->a->s : "?", it->b ? it->b->s : "?");
    return symbol_to(doc, name, SK_FUNCTION, it->loc, item_end(doc, it));
  case N_GAP: return symbol(doc, it->s, SK_KEY, it->loc);
  case N_FRAGMENT: return symbol_to(doc, it->s, SK_FUNCTION, it->loc, item_end(doc, it));
  default: return NULL;
  }
}

cJSON *lsp_symbols(lsp_unit *u, const lsp_doc *doc) {
  cJSON *list = cJSON_CreateArray();
  for (const hm_node *it = items(u); it; it = it->next) {
    cJSON *s = item_symbol(doc, it);
    if (s) cJSON_AddItemToArray(list, s);
  }
  return list;
}

/* ---- definitions ---- */

/* The top-level item of that kind whose lines hold byte offset off, or NULL. */
static const hm_node *item_at(lsp_unit *u, const lsp_doc *doc, size_t off, hm_nkind kind) {
  uint32_t line = line_of(doc, off);
  for (const hm_node *it = items(u); it; it = it->next)
    if (it->kind == kind && it->loc.line <= line && line <= item_end(doc, it)) return it;
  return NULL;
}

const hm_node *lsp_rule_at(lsp_unit *u, const lsp_doc *doc, size_t off) {
  return item_at(u, doc, off, N_RULE);
}

const hm_node *lsp_fragment_at(lsp_unit *u, const lsp_doc *doc, size_t off) {
  return item_at(u, doc, off, N_FRAGMENT);
}

static int word_char(char c) { return c == '_' || isalnum((unsigned char)c); }

/* The offset of the first `use NAME` in the text after line `from` (SIZE_MAX: none). */
static size_t use_of(const lsp_doc *doc, const char *name, uint32_t from) {
  size_t n = strlen(name), at = lsp_offset(doc->text, doc->len, (int)from - 1, 0);
  for (size_t i = at; i + 4 + n <= doc->len; i++) {
    if (memcmp(doc->text + i, "use ", 4) || (i > 0 && word_char(doc->text[i - 1]))) continue;
    size_t j = i + 4;
    while (j < doc->len && doc->text[j] == ' ') j++;
    if (j + n <= doc->len && !memcmp(doc->text + j, name, n) &&
        (j + n == doc->len || !word_char(doc->text[j + n])))
      return i;
  }
  return SIZE_MAX;
}

const hm_node *lsp_fragment_user(lsp_unit *u, const lsp_doc *doc, const hm_node *frag,
                                 size_t *use_off) {
  for (const hm_node *it = items(u); it; it = it->next) {
    if (it->kind != N_RULE && it->kind != N_FRAGMENT) continue;
    size_t at = use_of(doc, frag->s, it->loc.line);
    if (at == SIZE_MAX || line_of(doc, at) > item_end(doc, it)) continue;
    *use_off = at;
    return it;
  }
  return NULL;
}

static int named(const hm_node *n, const char *w, size_t len) {
  return n->s && strlen(n->s) == len && !memcmp(n->s, w, len);
}

/* The last `let w` in stmts (and the blocks inside them) that starts before line. */
static const hm_node *find_let(const hm_node *stmts, const char *w, size_t len, uint32_t line) {
  const hm_node *best = NULL;
  for (const hm_node *s = stmts; s && s->loc.line <= line; s = s->next) {
    if (s->kind == N_LET && named(s, w, len)) best = s;
    const hm_node *inner = NULL;
    if (s->kind == N_IF) {
      inner = find_let(s->b, w, len, line);
      if (!inner) inner = find_let(s->c, w, len, line);
    } else if ((s->kind == N_ASSIGN || s->kind == N_APPEND) && s->a && s->a->kind == N_EACH) {
      inner = find_let(s->a->c, w, len, line);
    }
    if (inner) best = inner;
  }
  return best;
}

const hm_node *lsp_definition(lsp_unit *u, const lsp_doc *doc, size_t off) {
  size_t start, len = lsp_word_at(doc->text, doc->len, off, &start);
  if (!len) return NULL;
  const char *w = doc->text + start;
  int setting = start > 0 && doc->text[start - 1] == '$';
  for (const hm_node *it = items(u); it; it = it->next) {
    if (setting && it->kind == N_SETTING && named(it, w, len)) return it;
    if (!setting && it->kind == N_SOURCE && named(it, w, len)) return it;
    if (!setting && it->kind == N_FRAGMENT && named(it, w, len)) return it;   /* `use NAME` */
  }
  const hm_node *rule = setting ? NULL : lsp_rule_at(u, doc, off);
  if (!rule) return NULL;
  uint32_t line = line_of(doc, off);
  const hm_node *let = find_let(rule->c, w, len, line);
  return let ? let : find_let(rule->d, w, len, line);
}
