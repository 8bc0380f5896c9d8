/* rt_prog: a one-source hm_program built by hand, so the reader tests do not
 * depend on the compiler. Strings are not copied: pass literals or argv. */
#ifndef RT_PROG_H
#define RT_PROG_H
#include <string.h>
#include "hm_bytecode.h"

typedef struct rt_prog {
  hm_program p;
  hm_const consts[16];
  hm_source src[2];
} rt_prog;

static inline uint32_t rt_const(rt_prog *t, const char *s) {
  if (!s) return HM_BC_NONE;
  uint32_t i = t->p.nconsts++;
  t->consts[i] = (hm_const){HK_STR, (uint32_t)strlen(s), s, 0};
  return i;
}

/* Source 0: format and path; records, parent_by (NULL or "path" for by path) and sep optional. */
static inline void rt_init(rt_prog *t, hm_format fmt, const char *path, const char *records,
                           const char *parent_by, char sep) {
  memset(t, 0, sizeof *t);
  t->p.consts = t->consts;
  t->p.sources = t->src;
  t->p.nsources = 1;
  hm_source *s = &t->src[0];
  s->name = rt_const(t, "Src");
  s->type_name = s->name;
  s->format = fmt;
  s->path = rt_const(t, path);
  s->key = HM_BC_NONE;
  s->parent = parent_by ? 0 : HM_BC_NONE;
  s->parent_by_path = parent_by && strcmp(parent_by, "path") == 0;
  s->parent_by = parent_by && !s->parent_by_path ? rt_const(t, parent_by) : HM_BC_NONE;
  s->records = rt_const(t, records);
  s->sep = (uint32_t)(unsigned char)sep;
  s->files = HM_BC_NONE;
}

#endif
