/* hm_ast: node allocation and list helpers for the syntax tree. */
#include "hm_ast.h"

hm_node *hm_node_new(hm_arena *a, hm_nkind kind, hm_loc loc) {
  hm_node *n = hm_arena_alloc(a, sizeof *n);
  n->kind = (uint16_t)kind;
  n->loc = loc;
  n->idx = -1;
  return n;
}

hm_nlist hm_list_add(hm_nlist list, hm_node *item) {
  if (!item) return list;
  if (list.tail) list.tail->next = item; else list.head = item;
  list.tail = item;
  return list;
}

hm_nlist hm_list_one(hm_node *item) {
  hm_nlist l = {item, item};
  return l;
}

int hm_list_len(const hm_node *list) {
  int n = 0;
  for (; list; list = list->next) n++;
  return n;
}

const char *hm_nkind_name(hm_nkind k) {
  static const char *names[N__COUNT] = {"migration",
                                        "module",
                                        "use",
                                        "setting",
                                        "target",
                                        "object",
                                        "field declaration",
                                        "type",
                                        "field option",
                                        "source",
                                        "source option",
                                        "rule",
                                        "gap",
                                        "assignment",
                                        "append",
                                        "let",
                                        "if",
                                        "flag",
                                        "reject",
                                        "lossy",
                                        "string",
                                        "number",
                                        "bool",
                                        "null",
                                        "src",
                                        "name",
                                        "setting reference",
                                        "field access",
                                        "index",
                                        "call",
                                        "lookup",
                                        "agent",
                                        "upload",
                                        "match",
                                        "match arm",
                                        "each",
                                        "list",
                                        "record",
                                        "record field",
                                        "binary operator",
                                        "unary operator",
                                        "conditional",
                                        "??",
                                        "reject",
                                        "skip",
                                        "find",
                                        "fragment"};
  return (unsigned)k < N__COUNT ? names[k] : "?";
}

hm_node *hm_list_clone(hm_arena *a, const hm_node *list) {
  hm_nlist out = {0};
  for (; list; list = list->next) out = hm_list_add(out, hm_node_clone(a, list));
  return out.head;
}

hm_node *hm_node_clone(hm_arena *a, const hm_node *n) {
  if (!n) return NULL;
  hm_node *m = hm_node_new(a, (hm_nkind)n->kind, n->loc);
  *m = *n;
  m->next = NULL;
  m->a = hm_list_clone(a, n->a);
  m->b = hm_list_clone(a, n->b);
  m->c = hm_list_clone(a, n->c);
  m->d = hm_list_clone(a, n->d);
  m->guard = hm_list_clone(a, n->guard);
  m->annots = hm_list_clone(a, n->annots);
  return m;
}
