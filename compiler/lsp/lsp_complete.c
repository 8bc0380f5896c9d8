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

/* The fields a source declares: its inline block, else its type's. */
static const hm_node *source_fields(lsp_unit *u, const char *name) {
  const hm_node *s = name ? find_item(u, N_SOURCE, name, strlen(name)) : NULL;
  if (!s) return NULL;
  if (s->op == HM_SRC_INLINE) return s->c;
  const hm_node *type = s->a ? s->a->next : NULL;
  const hm_node *obj = type && type->s ? hm_schema_object(&u->c, type->s, NULL) : NULL;
  return obj ? obj->c : NULL;
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

enum { SCOPE_MAX = 32 };

/* The fields that a statement at off assigns: the rule's target's in its body and
   blocks, a record's type's inside `FIELD = { ... }` (or a list's items', `FIELD = [{`).
   *owner names that type; *in_record tells whether off is inside a record. */
static const hm_node *scope_fields(lsp_unit *u, const lsp_doc *doc, const hm_node *rule,
                                   size_t off, const char **owner, int *in_record) {
  struct { size_t at, len; } st[SCOPE_MAX];
  int n = 0, over = 0;
  const char *t = doc->text;
  for (size_t i = lsp_offset(t, doc->len, (int)rule->loc.line - 1, 0); i < off && i < doc->len;) {
    size_t j = skip_text(t, i, off);
    if (j != i) { i = j; continue; }
    if (t[i] == '{' || t[i] == '[') {
      size_t at = 0, len = assigned_before(t, i, &at);
      if (n < SCOPE_MAX) { st[n].at = at; st[n].len = len; n++; } else over++;
    } else if (t[i] == '}' || t[i] == ']') {
      if (over) over--; else if (n) n--;
    }
    i++;
  }
  *owner = rule->b ? rule->b->s : NULL;
  *in_record = 0;
  const hm_node *cur = target_fields(u, rule);
  for (int k = 0; k < n && !over; k++) {
    if (!st[k].len) continue;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)st[k].len, t + st[k].at);
    const hm_node *f = hm_schema_field((hm_node *)cur, name);
    cur = f ? type_fields(u, f->a, owner) : NULL;
    *in_record = 1;
  }
  return over ? NULL : cur;
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

/* A statement may start at start: first on its line, or just inside a record's `{`. */
static int statement_start(const lsp_doc *doc, size_t start, int in_record) {
  if (line_blank_before(doc, start)) return 1;
  size_t i = start;
  while (i > 0 && (doc->text[i - 1] == ' ' || doc->text[i - 1] == '\t')) i--;
  return in_record && i > 0 && doc->text[i - 1] == '{';
}

cJSON *lsp_completion(lsp_unit *u, const lsp_doc *doc, size_t off) {
  cJSON *list = cJSON_CreateArray();
  size_t start;
  lsp_word_at(doc->text, doc->len, off, &start);
  char before = start > 0 ? doc->text[start - 1] : 0;
  const hm_node *rule = lsp_rule_at(u, doc, off);
  if (before == '$') { add_settings(list, u); return list; }
  if (before == '.' && start >= 4 && !memcmp(doc->text + start - 4, "src.", 4)) {
    add_fields(list, source_fields(u, rule && rule->a ? rule->a->s : NULL));
    return list;
  }
  const char *owner = NULL;
  int in_record = 0;
  const hm_node *fields = rule ? scope_fields(u, doc, rule, start, &owner, &in_record) : NULL;
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
static const hm_node *statement_field(lsp_unit *u, const lsp_doc *doc, const hm_node *rule,
                                      size_t start, const char *w, const char **owner) {
  int in_record = 0;
  const hm_node *fields = scope_fields(u, doc, rule, start, owner, &in_record);
  if (!statement_start(doc, start, in_record)) return NULL;
  return hm_schema_field((hm_node *)fields, w);
}

cJSON *lsp_hover(lsp_unit *u, const lsp_doc *doc, size_t off) {
  size_t start, len = lsp_word_at(doc->text, doc->len, off, &start);
  if (!len || len > 200) return NULL;
  char w[256];
  snprintf(w, sizeof w, "%.*s", (int)len, doc->text + start);
  char before = start > 0 ? doc->text[start - 1] : 0, after = doc->text[start + len];
  const hm_node *rule = lsp_rule_at(u, doc, off), *f;
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
  } else if (before == '.' && start >= 4 && !memcmp(doc->text + start - 4, "src.", 4) && rule
             && (f = hm_schema_field((hm_node *)source_fields(u, rule->a->s), w))) {
    h = hover_field(rule->a->s, f);
  } else if (after == '(' && hm_builtin_find(w) >= 0) {
    const hm_builtin *bi = &hm_builtins[hm_builtin_find(w)];
    hm_buf_printf(&b, "`%s` — %s%s", w, bi->doc ? bi->doc : "", bi->fallible ? " (fallible)" : "");
    h = hover_of(hm_buf_cstr(&b));
  } else if (rule && (f = statement_field(u, doc, rule, start, w, &owner))) {
    h = hover_field(owner, f);
  } else if (find_item(u, N_SOURCE, w, len)) {
    const hm_node *s = find_item(u, N_SOURCE, w, len);
    hm_buf_printf(&b, "source `%s` (line %u)", w, s->loc.line);
    h = hover_of(hm_buf_cstr(&b));
  }
  hm_buf_free(&b);
  return h;
}
