/* hm_heads: sources implied by rule and gap heads, and the did-you-mean over module
 * objects (see hm_heads.h). An implied source is an ordinary N_SOURCE in the item
 * list, placed at its head, so it is numbered (and listed in the report) where a
 * `source` line at that place would be, and every later pass sees one kind of
 * declaration. */
#include "hm_heads.h"
#include <string.h>
#include "hm_diag.h"

static const char *head_name(const hm_node *it) {
  if (it->kind == N_RULE) return it->a ? it->a->s : NULL;
  return it->kind == N_GAP ? it->s : NULL;
}

static hm_node *implied(hm_compiler *c, const char *name, hm_loc at) {
  hm_node *s = hm_node_new(&c->arena, N_SOURCE, at);
  s->s = name;
  s->slen = (uint32_t)strlen(name);
  s->op = HM_SRC_IMPLIED;
  s->a = hm_node_new(&c->arena, N_NAME, at);   /* format and path: from the object */
  s->a->s = "";
  return s;
}

uint32_t hm_imply_sources(hm_compiler *c, hm_unit *map) {
  hm_names declared = {0};
  for (hm_node *it = map->items; it; it = it->next)
    if (it->kind == N_SOURCE && it->s) hm_names_put(&declared, it->s, 0);
  uint32_t n = 0;
  hm_node **link = &map->items;
  for (hm_node *it = map->items; it; link = &it->next, it = it->next) {
    const char *name = head_name(it);
    if (!name || !*name || hm_names_get(&declared, name) >= 0) continue;
    hm_node *obj = hm_schema_object(c, name, NULL);
    if (!obj || !obj->d) continue;   /* no object, or one with no `from`: a label or an error */
    hm_node *s = implied(c, name, it->kind == N_RULE ? it->a->loc : it->loc);
    s->next = it;
    *link = s;
    hm_names_put(&declared, name, 0);
    n++;
  }
  hm_names_free(&declared);
  return n;
}

const char *hm_suggest_object(hm_compiler *c, const char *name) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < c->nunits; i++)
    for (hm_node *it = c->units[i].module ? c->units[i].items : NULL; it; it = it->next)
      n += it->kind == N_OBJECT;
  const char **v = hm_arena_alloc(&c->arena, (n + 1) * sizeof *v);
  n = 0;
  for (uint32_t i = 0; i < c->nunits; i++)
    for (hm_node *it = c->units[i].module ? c->units[i].items : NULL; it; it = it->next)
      if (it->kind == N_OBJECT) v[n++] = it->s;
  return hm_suggest(name, v, (int)n);
}
