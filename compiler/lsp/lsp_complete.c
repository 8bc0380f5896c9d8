/* lsp_complete: completion and hover. Both read the document's compile (lsp_analyze) and
 * the schema modules it uses: source fields after `src.`, settings after `$`, the rule's
 * Gorgias fields at the start of a statement (a record's type's inside `FIELD = { ... }`),
 * enum values after `field =`, builtins and source names elsewhere; hover shows a field's
 * type, limits and documentation. */
#include <ctype.h>
#include <string.h>
#include "hm_builtins.h"
#include "lsp.h"

enum { CK_FUNCTION = 3, CK_FIELD = 5, CK_CLASS = 7, CK_KEYWORD = 14, CK_CONSTANT = 21,
       CK_ENUM_MEMBER = 20 };

static const char *const statement_words[] = {"let", "if", "else", "flag", "reject", "ignore",
                                              "lossy", "each", "match", "lookup", "agent"};
/* reserved words that only stand inside an expression */
static const char *const operator_words[] = {"and", "or", "not", "in"};

static void type_text(const hm_node *t, hm_buf *b) {
  static const char *const names[] = {"string", "number", "int", "bool", "datetime", "any",
                                      "record", "list of ", "ref ", "enum", "enum open", ""};
  if (!t) { hm_buf_puts(b, "any"); return; }
  hm_buf_puts(b, t->op < sizeof names / sizeof *names ? names[t->op] : "?");
  if (t->op == TY_LIST) type_text(t->a, b);
  else if (t->op == TY_REF || t->op == TY_OBJECT) hm_buf_puts(b, t->s ? t->s : "?");
  else if (t->op == TY_ENUM || t->op == TY_ENUM_OPEN) {
    hm_buf_putc(b, '(');
    for (const hm_node *v = t->b; v; v = v->next)
      hm_buf_printf(b, "%s\"%s\"", v == t->b ? "" : ", ", v->s ? v->s : "");
    hm_buf_putc(b, ')');
  }
}

/* "string max 320 — unique per account" for a field declaration. */
static void field_text(const hm_node *f, hm_buf *b) {
  type_text(f->a, b);
  const hm_node *o;
  if (hm_field_has(f, FO_REQUIRED)) hm_buf_puts(b, " required");
  if ((o = hm_field_opt(f, FO_MAX))) hm_buf_printf(b, " max %g", o->num);
  if ((o = hm_field_opt(f, FO_MIN))) hm_buf_printf(b, " min %g", o->num);
  if (hm_field_has(f, FO_CREATE_ONLY)) hm_buf_puts(b, " create_only");
  if (hm_field_has(f, FO_READONLY)) hm_buf_puts(b, " readonly");
  if ((o = hm_field_opt(f, FO_DOC)) && o->s) hm_buf_printf(b, " — %s", o->s);
}

static void add_item(cJSON *list, const char *label, int kind, const char *detail) {
  cJSON *it = cJSON_CreateObject();
  cJSON_AddStringToObject(it, "label", label);
  cJSON_AddNumberToObject(it, "kind", kind);
  if (detail && *detail) cJSON_AddStringToObject(it, "detail", detail);
  cJSON_AddItemToArray(list, it);
}

static void add_fields(cJSON *list, const hm_node *fields) {
  hm_buf b; hm_buf_init(&b);
  for (const hm_node *f = fields; f; f = f->next) {
    if (f->kind != N_FIELDDECL) continue;
    b.len = 0;
    field_text(f, &b);
    add_item(list, f->s, CK_FIELD, hm_buf_cstr(&b));
  }
  hm_buf_free(&b);
}

static const hm_node *items(lsp_unit *u) {
  return u->unit >= 0 ? u->c.units[u->unit].items : NULL;
}

static const hm_node *find_item(lsp_unit *u, int kind, const char *name, size_t len) {
  for (const hm_node *it = items(u); it; it = it->next)
    if ((int)it->kind == kind && it->s && strlen(it->s) == len && !memcmp(it->s, name, len))
      return it;
  return NULL;
}

/* The fields a source declares: its inline block, else its type's (`source S`, and a
   source a head implies, are of the object S). */
static const hm_node *source_fields(lsp_unit *u, const char *name) {
  const hm_node *s = name ? find_item(u, N_SOURCE, name, strlen(name)) : NULL;
  if (!s) return NULL;
  if (s->op == HM_SRC_INLINE) return s->c;
  const hm_node *type = s->a ? s->a->next : NULL;
  const char *tname = type && type->s ? type->s : s->s;
  const hm_node *obj = hm_schema_object(&u->c, tname, NULL);
  return obj ? obj->c : NULL;
}

/* `source S` (line N), with where a head declared it and its type. */
static void source_hover(hm_buf *b, const hm_node *s) {
  const hm_node *type = s->a ? s->a->next : NULL;
  hm_buf_printf(b, "source `%s`", s->s);
  if (type && type->s) hm_buf_printf(b, " : %s", type->s);
  if (s->op & HM_SRC_HEAD) hm_buf_printf(b, " (declared in the head at line %u)", s->loc.line);
  else if (s->op & HM_SRC_IMPLIED)
    hm_buf_printf(b, " : %s (implied by the head at line %u)", s->s, s->loc.line);
  else hm_buf_printf(b, " (line %u)", s->loc.line);
}

static const hm_node *target_fields(lsp_unit *u, const hm_node *rule) {
  const hm_node *t = rule && rule->b && rule->b->s ? hm_schema_target(&u->c, rule->b->s) : NULL;
  return t ? t->c : NULL;
}

/* The fields of a field's type: a ref or object names a target or object; a list, its
   items'. */
static const hm_node *type_fields(lsp_unit *u, const hm_node *t, const char **owner) {
  while (t && t->op == TY_LIST) t = t->a;
  if (!t || (t->op != TY_REF && t->op != TY_OBJECT) || !t->s) return NULL;
  const hm_node *o = hm_schema_target(&u->c, t->s);
  if (!o) o = hm_schema_object(&u->c, t->s, NULL);
  *owner = t->s;
  return o ? o->c : NULL;
}

/* The word just before `= {`, `+= {` or `= [` ending at i (a field assigned a record or a
   list), or 0 when the bracket opens a block (rule body, `if`, `each`, `after`). */
static size_t assigned_before(const char *t, size_t i, size_t *start) {
  while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t')) i--;
  if (i == 0 || t[i - 1] != '=') return 0;
  i--;
  if (i > 0 && t[i - 1] == '+') i--;
  else if (i > 0 && memchr("=!<>", t[i - 1], 4)) return 0;
  while (i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t')) i--;
  size_t e = i;
  while (i > 0 && (t[i - 1] == '_' || isalnum((unsigned char)t[i - 1]))) i--;
  *start = i;
  return e - i;
}

/* Past a string or comment starting at i (i itself when none starts there). */
static size_t skip_text(const char *t, size_t i, size_t end) {
  char q = t[i];
  if (q == '#') { while (i < end && t[i] != '\n') i++; return i; }
  if (q != '"' && q != '`') return i;
  for (i++; i < end && t[i] != q && t[i] != '\n'; i++)
    if (q == '"' && t[i] == '\\' && i + 1 < end) i++;
  return i < end ? i + 1 : i;
}

enum { SCOPE_MAX = 32, SCOPE_PARTS = 4 };

/* An `each ... {` body assigns the field its `each` is given to (`messages += each C as c {`):
   the start of the word `each` before the `{` at i, in its statement, or SIZE_MAX. */
static size_t each_before(const char *t, size_t i) {
  size_t brace = i;
  while (i > 0 && t[i - 1] != '{' && t[i - 1] != '}') {
    i--;
    if (i + 5 <= brace && !memcmp(t + i, "each ", 5) &&
        (i == 0 || !(isalnum((unsigned char)t[i - 1]) || t[i - 1] == '_')))
      return i;
  }
  return SIZE_MAX;
}

/* The brackets still open between from and to: for each, the field it assigns (or none). */
typedef struct scope_walk {
  struct { size_t at, len; } st[SCOPE_MAX];
  int n, over;
} scope_walk;

static void walk(const lsp_doc *doc, size_t from, size_t to, scope_walk *w) {
  const char *t = doc->text;
  for (size_t i = from; i < to && i < doc->len;) {
    size_t j = skip_text(t, i, to);
    if (j != i) { i = j; continue; }
    if (t[i] == '{' || t[i] == '[') {
      size_t at = 0, len = assigned_before(t, i, &at), e;
      if (!len && t[i] == '{' && (e = each_before(t, i)) != SIZE_MAX)
        len = assigned_before(t, e, &at);
      if (w->n < SCOPE_MAX) { w->st[w->n].at = at; w->st[w->n].len = len; w->n++; }
      else w->over++;
    } else if (t[i] == '}' || t[i] == ']') {
      if (w->over) w->over--; else if (w->n) w->n--;
    }
    i++;
  }
}

/* The rule whose scope holds off: its own, or for a fragment the first rule that uses it
   (through fragments that use fragments), *w then holds the brackets open at that `use`
   followed by the fragment's own up to off. */
static const hm_node *scope_rule(lsp_unit *u, const lsp_doc *doc, size_t off, scope_walk *w) {
  const hm_node *rule = lsp_rule_at(u, doc, off), *frag;
  size_t from[SCOPE_PARTS], to[SCOPE_PARTS];
  int parts = 0;
  const hm_node *at = rule;
  size_t end = off;
  while (!rule && parts < SCOPE_PARTS && (frag = lsp_fragment_at(u, doc, end))) {
    from[parts] = lsp_offset(doc->text, doc->len, (int)frag->loc.line - 1, 0);
    to[parts++] = end;
    at = lsp_fragment_user(u, doc, frag, &end);
    if (!at) return NULL;
    if (at->kind == N_RULE) rule = at;
  }
  if (!rule) return NULL;
  memset(w, 0, sizeof *w);
  walk(doc, lsp_offset(doc->text, doc->len, (int)rule->loc.line - 1, 0), end, w);
  for (int k = parts - 1; k >= 0; k--) walk(doc, from[k], to[k], w);
  return rule;
}

/* The fields that a statement at off assigns: the rule's target's in its body and
   blocks, a record's type's inside `FIELD = { ... }` (or a list's items', `FIELD = [{`,
   an each body's, `FIELD += each C as c {`). *owner names that type; *in_record tells
   whether off is inside a record. In a fragment, its first use decides. */
static const hm_node *scope_fields(lsp_unit *u, const lsp_doc *doc, size_t off,
                                   const char **owner, int *in_record) {
  scope_walk w;
  const hm_node *rule = scope_rule(u, doc, off, &w);
  *in_record = 0;
  if (!rule) return NULL;
  *owner = rule->b ? rule->b->s : NULL;
  const hm_node *cur = target_fields(u, rule);
  for (int k = 0; k < w.n && !w.over; k++) {
    if (!w.st[k].len) continue;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)w.st[k].len, doc->text + w.st[k].at);
    const hm_node *f = hm_schema_field((hm_node *)cur, name);
    cur = f ? type_fields(u, f->a, owner) : NULL;
    *in_record = 1;
  }
  return w.over ? NULL : cur;
}

/* ` = [2, 3]`: a list setting's items as the map writes them */
static void list_setting_text(const hm_node *l, hm_buf *b) {
  hm_buf_puts(b, " = [");
  for (const hm_node *i = l->a; i; i = i->next) {
    if (i != l->a) hm_buf_puts(b, ", ");
    if (i->kind == N_STR) hm_buf_printf(b, "\"%s\"", i->s);
    else if (i->kind == N_NUM) hm_buf_printf(b, "%g", i->num);
    else if (i->kind == N_BOOL) hm_buf_puts(b, i->op ? "true" : "false");
    else hm_buf_puts(b, "null");
  }
  hm_buf_putc(b, ']');
}

static void add_settings(cJSON *list, lsp_unit *u) {
  for (const hm_node *it = items(u); it; it = it->next)
    if (it->kind == N_SETTING)
      add_item(list, it->s, CK_CONSTANT,
               it->a && it->a->kind == N_STR ? it->a->s
               : it->a && it->a->kind == N_LIST ? "list setting" : "setting");
}

static void add_general(cJSON *list, lsp_unit *u) {
  for (int i = 0; i < hm_builtin_count; i++)
    add_item(list, hm_builtins[i].name, CK_FUNCTION, hm_builtins[i].doc);
  for (const hm_node *it = items(u); it; it = it->next)
    if (it->kind == N_SOURCE) add_item(list, it->s, CK_CLASS, "source");
  for (size_t i = 0; i < sizeof statement_words / sizeof *statement_words; i++)
    add_item(list, statement_words[i], CK_KEYWORD, NULL);
  for (size_t i = 0; i < sizeof operator_words / sizeof *operator_words; i++)
    add_item(list, operator_words[i], CK_KEYWORD, NULL);
}

/* The field assigned on the cursor's line (`  status = |`), if the cursor is past `=`. */
static size_t assigned_field(const lsp_doc *doc, size_t off, size_t *start) {
  size_t ls = off;
  while (ls > 0 && doc->text[ls - 1] != '\n') ls--;
  size_t i = ls;
  while (i < off && (doc->text[i] == ' ' || doc->text[i] == '\t')) i++;
  size_t len = lsp_word_at(doc->text, doc->len, i, start);
  if (!len || *start != i) return 0;
  size_t j = i + len;
  while (j < off && doc->text[j] == ' ') j++;
  return j < off && doc->text[j] == '=' && doc->text[j + 1] != '=' ? len : 0;
}

static void add_enum_values(cJSON *list, const hm_node *field) {
  const hm_node *t = field ? field->a : NULL;
  if (!t || (t->op != TY_ENUM && t->op != TY_ENUM_OPEN)) return;
  char label[512];
  for (const hm_node *v = t->b; v; v = v->next) {
    snprintf(label, sizeof label, "\"%s\"", v->s ? v->s : "");
    add_item(list, label, CK_ENUM_MEMBER, field->s);
  }
}

static int line_blank_before(const lsp_doc *doc, size_t start) {
  for (size_t i = start; i > 0 && doc->text[i - 1] != '\n'; i--)
    if (doc->text[i - 1] != ' ' && doc->text[i - 1] != '\t') return 0;
  return 1;
}

/* The text before i ends a whole value (`x`, `"s"`, `f(a)`, `[..]`, `{..}`), not an operator
   or a word that wants an operand after it: a record's next field may start at i. */
static int ends_value(const lsp_doc *doc, size_t i) {
  static const char *const wants[] = {"and", "or", "not", "lookup", "find", "each", "match",
                                      "as", "where", "when", "in", "use", "flag", "reject"};
  char c = doc->text[i - 1];
  if (c == '"' || c == ')' || c == ']' || c == '}') return 1;
  if (!(isalnum((unsigned char)c) || c == '_')) return 0;
  size_t w = i;
  while (w > 0 && (isalnum((unsigned char)doc->text[w - 1]) || doc->text[w - 1] == '_')) w--;
  for (size_t k = 0; k < sizeof wants / sizeof *wants; k++)
    if (strlen(wants[k]) == i - w && !memcmp(doc->text + w, wants[k], i - w)) return 0;
  return 1;
}

/* A statement may start at start: first on its line, just inside a record's `{`, or in a
   record after a blank that follows a whole value (`{ a = x  b|`). */
static int statement_start(const lsp_doc *doc, size_t start, int in_record) {
  if (line_blank_before(doc, start)) return 1;
  size_t i = start;
  while (i > 0 && (doc->text[i - 1] == ' ' || doc->text[i - 1] == '\t')) i--;
  if (!in_record || i == 0 || i == start) return 0;
  return doc->text[i - 1] == '{' || ends_value(doc, i);
}

/* The word at start follows `src.` or a bare `.` (short for `src.`): a field of the rule's
   source. A '.' after a name, `)` or `]` is a field of that value instead. */
static int after_src_dot(const lsp_doc *doc, size_t start) {
  if (start == 0 || doc->text[start - 1] != '.') return 0;
  if (start >= 4 && !memcmp(doc->text + start - 4, "src.", 4)) return 1;
  char c = start >= 2 ? doc->text[start - 2] : ' ';
  return !(isalnum((unsigned char)c) || c == '_' || c == ')' || c == ']');
}

cJSON *lsp_completion(lsp_unit *u, const lsp_doc *doc, size_t off) {
  cJSON *list = cJSON_CreateArray();
  size_t start;
  lsp_word_at(doc->text, doc->len, off, &start);
  char before = start > 0 ? doc->text[start - 1] : 0;
  scope_walk w;
  const hm_node *rule = scope_rule(u, doc, off, &w);
  if (before == '$') { add_settings(list, u); return list; }
  if (after_src_dot(doc, start)) {
    add_fields(list, source_fields(u, rule && rule->a ? rule->a->s : NULL));
    return list;
  }
  const char *owner = NULL;
  int in_record = 0;
  const hm_node *fields = rule ? scope_fields(u, doc, start, &owner, &in_record) : NULL;
  if (rule && statement_start(doc, start, in_record)) {
    add_fields(list, fields);
    for (size_t i = 0; !in_record && i < sizeof statement_words / sizeof *statement_words; i++)
      add_item(list, statement_words[i], CK_KEYWORD, NULL);
    return list;
  }
  size_t fstart, flen = rule ? assigned_field(doc, off, &fstart) : 0;
  if (flen) {
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)flen, doc->text + fstart);
    add_enum_values(list, hm_schema_field((hm_node *)fields, name));
  }
  add_general(list, u);
  return list;
}

/* ---- hover ---- */

static cJSON *hover_of(const char *text) {
  cJSON *h = cJSON_CreateObject(), *c = cJSON_AddObjectToObject(h, "contents");
  cJSON_AddStringToObject(c, "kind", "markdown");
  cJSON_AddStringToObject(c, "value", text);
  return h;
}

static cJSON *hover_field(const char *owner, const hm_node *f) {
  hm_buf b; hm_buf_init(&b);
  hm_buf_printf(&b, "`%s.%s`: ", owner, f->s);
  field_text(f, &b);
  cJSON *h = hover_of(hm_buf_cstr(&b));
  hm_buf_free(&b);
  return h;
}

/* The field a statement starting at start assigns (in a rule body or a record). */
static const hm_node *statement_field(lsp_unit *u, const lsp_doc *doc, size_t start,
                                      const char *w, const char **owner) {
  int in_record = 0;
  const hm_node *fields = scope_fields(u, doc, start, owner, &in_record);
  if (!statement_start(doc, start, in_record)) return NULL;
  return hm_schema_field((hm_node *)fields, w);
}

cJSON *lsp_hover(lsp_unit *u, const lsp_doc *doc, size_t off) {
  size_t start, len = lsp_word_at(doc->text, doc->len, off, &start);
  if (!len || len > 200) return NULL;
  char w[256];
  snprintf(w, sizeof w, "%.*s", (int)len, doc->text + start);
  char before = start > 0 ? doc->text[start - 1] : 0, after = doc->text[start + len];
  scope_walk sw;
  const hm_node *rule = scope_rule(u, doc, off, &sw), *f;
  const char *owner = NULL;
  hm_buf b; hm_buf_init(&b);
  cJSON *h = NULL;
  if (before == '$') {
    const hm_node *s = find_item(u, N_SETTING, w, len);
    if (s) {
      hm_buf_printf(&b, "setting `$%s`", w);
      if (s->a && s->a->kind == N_STR) hm_buf_printf(&b, " = \"%s\"", s->a->s);
      if (s->a && s->a->kind == N_NUM) hm_buf_printf(&b, " = %g", s->a->num);
      if (s->a && s->a->kind == N_LIST) list_setting_text(s->a, &b);
      h = hover_of(hm_buf_cstr(&b));
    }
  } else if (after_src_dot(doc, start) && rule
             && (f = hm_schema_field((hm_node *)source_fields(u, rule->a->s), w))) {
    h = hover_field(rule->a->s, f);
  } else if (after == '(' && hm_builtin_find(w) >= 0) {
    const hm_builtin *bi = &hm_builtins[hm_builtin_find(w)];
    hm_buf_printf(&b, "`%s` — %s%s", w, bi->doc ? bi->doc : "", bi->fallible ? " (fallible)" : "");
    h = hover_of(hm_buf_cstr(&b));
  } else if (rule && (f = statement_field(u, doc, start, w, &owner))) {
    h = hover_field(owner, f);
  } else if (find_item(u, N_SOURCE, w, len)) {
    source_hover(&b, find_item(u, N_SOURCE, w, len));
    h = hover_of(hm_buf_cstr(&b));
  }
  hm_buf_free(&b);
  return h;
}
