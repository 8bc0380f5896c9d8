/* hm_compile: reading and parsing files, resolving `use` to stdlib modules
 * (embedded, or from a directory override), and schema lookups over the
 * declarations of loaded modules. */
#include "hm_compile.h"
#include "hm_expand.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_lex.h"
#include "hm_parse.h"
#include "hm_stdlib.h"
#include "hm_value.h"

void hm_compiler_init(hm_compiler *c, const char *stdlib_dir) {
  memset(c, 0, sizeof *c);
  hm_arena_init(&c->arena, 256 * 1024);
  hm_diags_init(&c->diags, &c->arena);
  c->stdlib_dir = stdlib_dir;
}

void hm_compiler_free(hm_compiler *c) {
  hm_diags_free(&c->diags);
  free(c->units);
  for (uint32_t i = 0; i < c->chk.nsources; i++) {
    hm_names_free(&c->chk.sources[i].fieldnames);
    hm_names_free(&c->chk.sources[i].slotnames);
  }
  free(c->chk.sources);
  free(c->chk.rules);
  free(c->chk.settings);
  free(c->chk.gaps);
  free(c->chk.targets);
  free(c->chk.order);
  hm_arena_free(&c->arena);
}

static void report_parse(void *user, const YYLTYPE *l, const char *msg) {
  hm_compiler *c = user;
  hm_loc loc = {l->file, (uint32_t)l->first_line, (uint32_t)l->first_column, (uint32_t)l->last_line,
                (uint32_t)l->last_column};
  hm_dcode code = strncmp(msg, "syntax error", 12) == 0 ? HC_E0102
                : strncmp(msg, "nested too deep", 15) == 0 ? HC_E0106 : HC_E0101;
  hm_diag_at(&c->diags, loc, code, "%s", msg);
}

static void fix_parse(void *user, const YYLTYPE *l, const char *text) {
  hm_compiler *c = user;
  hm_loc loc = {l->file, (uint32_t)l->first_line, (uint32_t)l->first_column, (uint32_t)l->last_line,
                (uint32_t)l->last_column};
  hm_diag_fix(&c->diags, loc, text);
}

/* ---- depth limit: one walk with its own stack, so no input can exhaust the
   C stack here; afterwards every tree is at most HM_MAX_DEPTH deep. ---- */

typedef struct dframe { hm_node *n; uint32_t depth; } dframe;
typedef struct dstack { dframe *v; size_t n, cap; } dstack;

static void dpush(dstack *s, hm_node *n, uint32_t depth) {
  if (!n) return;
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 256;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (!s->v) abort();
  }
  s->v[s->n++] = (dframe){n, depth};
}

/* The first node of item's tree deeper than HM_MAX_DEPTH, or NULL. Siblings
   (`next`) share a depth; children (a, b, c, d, guard, annots) are one deeper. */
static hm_node *too_deep_at(dstack *s, hm_node *item) {
  s->n = 0;
  dpush(s, item, 0);
  while (s->n) {
    dframe f = s->v[--s->n];
    if (f.depth > HM_MAX_DEPTH) return f.n;
    hm_node *kids[] = {f.n->a, f.n->b, f.n->c, f.n->d, f.n->guard, f.n->annots};
    if (f.n != item) dpush(s, f.n->next, f.depth);
    for (size_t i = 0; i < sizeof kids / sizeof *kids; i++) dpush(s, kids[i], f.depth + 1);
  }
  return NULL;
}

static void check_depth(hm_compiler *c, hm_unit *u) {
  dstack s = {0};
  for (hm_node *it = u->items; it; it = it->next) {
    hm_node *at = too_deep_at(&s, it);
    if (!at) continue;
    u->too_deep = 1;
    hm_diag_at(&c->diags, at->loc, HC_E0106,
               "nested too deep: here the map is more than %d levels deep (operators, brackets, "
               "calls, blocks); split the expression into `let` steps, a long if/else if chain "
               "into a match", HM_MAX_DEPTH);
  }
  free(s.v);
}

int hm_compiler_parse_text(hm_compiler *c, const char *path, const char *text, size_t len) {
  uint32_t file = hm_diags_add_file(&c->diags, hm_arena_strdup(&c->arena, path), text, len);
  hm_lexer lx;
  hm_lex_init(&lx, &c->arena, file, text, len, report_parse, c);
  hm_parse_ctx pc = {0};
  pc.arena = &c->arena;
  pc.report = report_parse;
  pc.fix = fix_parse;
  pc.user = c;
  hm_parse_file(&pc, &lx);
  if (c->nunits == c->capunits) {
    c->capunits = c->capunits ? c->capunits * 2 : 8;
    c->units = realloc(c->units, c->capunits * sizeof *c->units);
    if (!c->units) abort();
  }
  hm_unit *u = &c->units[c->nunits];
  u->file = file;
  u->items = pc.items;
  u->module = NULL;
  u->too_deep = 0;
  if (pc.items && pc.items->kind == N_MODULE) u->module = pc.items->s;
  check_depth(c, u);
  /* shared rule bodies spliced in; a fragment inside a block can deepen the tree */
  if (!u->too_deep && hm_expand(c, u)) check_depth(c, u);
  return (int)c->nunits++;
}

static char *read_file(hm_arena *a, const char *path, size_t *len, char *err, size_t errlen) {
  hm_buf b; hm_buf_init(&b);
  int e = hm_buf_read_path(&b, path);
  char *text = e ? NULL : hm_arena_strndup(a, b.data ? b.data : "", b.len);
  if (e) snprintf(err, errlen, "%s", strerror(e));
  *len = b.len;
  hm_buf_free(&b);
  return text;
}

int hm_compiler_load_file(hm_compiler *c, const char *path) {
  char err[256];
  size_t len = 0;
  char *text = read_file(&c->arena, path, &len, err, sizeof err);
  if (!text) {
    uint32_t file = hm_diags_add_file(&c->diags, hm_arena_strdup(&c->arena, path), "", 0);
    hm_loc loc = {file, 0, 0, 0, 0};
    hm_diag_at(&c->diags, loc, HC_E0103, "cannot read %s: %s", path, err);
    return -1;
  }
  return hm_compiler_parse_text(c, path, text, len);
}

int hm_compiler_module(hm_compiler *c, const char *name) {
  for (uint32_t i = 0; i < c->nunits; i++)
    if (c->units[i].module && strcmp(c->units[i].module, name) == 0) return (int)i;
  if (c->stdlib_dir) {
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/%s.hmap", c->stdlib_dir, name);
    size_t len = 0;
    char *text = read_file(&c->arena, path, &len, err, sizeof err);
    if (text) return hm_compiler_parse_text(c, path, text, len);
  }
  for (const hm_stdlib_module *m = hm_stdlib_modules; m->name; m++)
    if (strcmp(m->name, name) == 0) return hm_compiler_parse_text(c, m->path, m->text, m->len);
  return -1;
}

static hm_node *find_decl(hm_compiler *c, hm_nkind kind, const char *name, const char **module) {
  for (uint32_t i = 0; i < c->nunits; i++) {
    if (!c->units[i].module) continue;
    for (hm_node *n = c->units[i].items; n; n = n->next)
      if (n->kind == kind && strcmp(n->s, name) == 0) {
        if (module) *module = c->units[i].module;
        return n;
      }
  }
  return NULL;
}

hm_node *hm_schema_target(hm_compiler *c, const char *name) {
  return find_decl(c, N_TARGET, name, NULL);
}
hm_node *hm_schema_object(hm_compiler *c, const char *name, const char **module) {
  return find_decl(c, N_OBJECT, name, module);
}

hm_node *hm_schema_field(hm_node *fields, const char *name) {
  for (hm_node *f = fields; f; f = f->next)
    if (f->kind == N_FIELDDECL && f->s && strcmp(f->s, name) == 0) return f;
  return NULL;
}

const hm_node *hm_field_opt(const hm_node *field, hm_fopt opt) {
  for (const hm_node *o = field->b; o; o = o->next)
    if (o->op == opt) return o;
  return NULL;
}
int hm_field_has(const hm_node *field, hm_fopt opt) { return hm_field_opt(field, opt) != NULL; }
int hm_field_required(const hm_node *field) {
  return hm_field_has(field, FO_REQUIRED) && !hm_field_has(field, FO_DEFAULT);
}

int hm_decl_type(const hm_node *t) {
  if (!t) return HT_ANY;
  switch (t->op) {
  case TY_STRING: case TY_ENUM: case TY_ENUM_OPEN: return HT_STR;
  case TY_DATETIME: return HT_DATE;
  case TY_NUMBER: case TY_INT: return HT_NUM;
  case TY_BOOL: return HT_BOOL;
  case TY_RECORD: case TY_OBJECT: return HT_REC;
  case TY_LIST: return HT_LIST;
  case TY_REF: return HT_REF;
  default: return HT_ANY;
  }
}

/* ---- `hmapc schema`: JSON of a module's declarations ---- */

static void json_lit(hm_buf *out, const hm_node *lit) {
  if (!lit) { hm_buf_puts(out, "null"); return; }
  switch (lit->kind) {
  case N_STR: hm_buf_json_str(out, lit->s, lit->slen); break;
  case N_NUM: hm_buf_printf(out, "%.17g", lit->num); break;
  case N_BOOL: hm_buf_puts(out, lit->op ? "true" : "false"); break;
  default: hm_buf_puts(out, "null"); break;
  }
}

static void json_type(hm_compiler *c, hm_buf *out, const hm_node *t) {
  static const char *kinds[] = {"string", "number", "int", "bool", "datetime", "any",
                                "record", "list",   "ref", "enum", "enum",     "object"};
  if (!t) { hm_buf_puts(out, "null"); return; }
  hm_buf_printf(out, "{\"kind\": \"%s\"", kinds[t->op]);
  if (t->op == TY_LIST) { hm_buf_puts(out, ", \"of\": "); json_type(c, out, t->a); }
  if (t->op == TY_REF || t->op == TY_OBJECT) {
    hm_buf_puts(out, ", \"target\": ");
    hm_buf_json_str(out, t->s, strlen(t->s));
  }
  if (t->op == TY_ENUM || t->op == TY_ENUM_OPEN) {
    hm_buf_puts(out, ", \"values\": [");
    for (const hm_node *v = t->b; v; v = v->next) {
      hm_buf_json_str(out, v->s, v->slen);
      if (v->next) hm_buf_puts(out, ", ");
    }
    hm_buf_printf(out, "], \"open\": %s", t->op == TY_ENUM_OPEN ? "true" : "false");
  }
  hm_buf_putc(out, '}');
}

static void json_field(hm_compiler *c, hm_buf *out, const hm_node *f) {
  const hm_node *mx = hm_field_opt(f, FO_MAX), *mn = hm_field_opt(f, FO_MIN);
  const hm_node *def = hm_field_opt(f, FO_DEFAULT), *doc = hm_field_opt(f, FO_DOC);
  hm_buf_puts(out, "{\"name\": ");
  hm_buf_json_str(out, f->s, strlen(f->s));
  hm_buf_puts(out, ", \"type\": ");
  json_type(c, out, f->a);
  hm_buf_printf(out, ", \"required\": %s, \"create_only\": %s, \"readonly\": %s",
                hm_field_has(f, FO_REQUIRED) ? "true" : "false",
                hm_field_has(f, FO_CREATE_ONLY) ? "true" : "false",
                hm_field_has(f, FO_READONLY) ? "true" : "false");
  if (mx) hm_buf_printf(out, ", \"max\": %.0f", mx->num); else hm_buf_puts(out, ", \"max\": null");
  if (mn) hm_buf_printf(out, ", \"min\": %.0f", mn->num); else hm_buf_puts(out, ", \"min\": null");
  hm_buf_puts(out, ", \"default\": ");
  json_lit(out, def ? def->a : NULL);
  hm_buf_puts(out, ", \"doc\": ");
  if (doc) hm_buf_json_str(out, doc->s, strlen(doc->s)); else hm_buf_puts(out, "null");
  hm_buf_putc(out, '}');
}

void hm_schema_json(hm_compiler *c, int unit, hm_buf *out) {
  const hm_unit *u = &c->units[unit];
  hm_buf_puts(out, "{\"module\": ");
  if (u->module) hm_buf_json_str(out, u->module, strlen(u->module)); else hm_buf_puts(out, "null");
  for (int pass = 0; pass < 2; pass++) {
    hm_nkind kind = pass == 0 ? N_TARGET : N_OBJECT;
    hm_buf_puts(out, pass == 0 ? ",\n \"targets\": [" : ",\n \"objects\": [");
    int first = 1;
    for (hm_node *n = u->items; n; n = n->next) {
      if (n->kind != kind) continue;
      hm_buf_puts(out, first ? "\n  " : ",\n  ");
      first = 0;
      hm_buf_puts(out, "{\"name\": ");
      hm_buf_json_str(out, n->s, strlen(n->s));
      if (kind == N_TARGET) {
        hm_buf_puts(out, ", \"path\": ");
        hm_buf_json_str(out, n->a->s, n->a->slen);
        hm_buf_puts(out, ", \"unique\": [");
        for (hm_node *q = n->b; q; q = q->next) {
          hm_buf_json_str(out, q->s, strlen(q->s));
          if (q->next) hm_buf_puts(out, ", ");
        }
        hm_buf_putc(out, ']');
      } else {
        hm_buf_puts(out, ", \"key\": ");
        if (n->a) hm_buf_json_str(out, n->a->s, strlen(n->a->s)); else hm_buf_puts(out, "null");
      }
      hm_buf_puts(out, ", \"fields\": [");
      for (hm_node *f = n->c; f; f = f->next) {
        if (f->kind != N_FIELDDECL || !f->a) continue;
        hm_buf_puts(out, "\n    ");
        json_field(c, out, f);
        if (f->next) hm_buf_putc(out, ',');
      }
      hm_buf_puts(out, "]}");
    }
    hm_buf_puts(out, first ? "]" : "\n ]");
  }
  hm_buf_puts(out, "}\n");
}
