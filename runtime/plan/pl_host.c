/* pl_host: the VM's host callbacks while planning — lookups, finds, children,
 * agents, uploads, events and emits — and the indexes they read. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hm_plan.h"
#include "pl.h"

/* ---- host callbacks ---- */

hm_value pl_h_lookup(void *u, uint32_t src, hm_value key, hm_arena *a) {
  plan *pl = u;
  if (src >= pl->p->nsources) return hv_missing(HM_WHY_LOOKUP);
  hm_value k = hv_to_str(a, key);
  if (pl->dry) {   /* choosing the sample: every lookup pulls its record in */
    if (pl->collect) pl_kmap_find(&pl->ss[src].need, pl_khash(k.u.str), true, NULL);
    return hv_ref(a, HM_REF_OBJECT, src_name(pl, src), k.u.str);
  }
  long i = pl_kmap_find(&pl->ss[src].made, pl_khash(k.u.str), false, NULL);
  if (i < 0 || !pl->ss[src].made.v[i]) return hv_missing(HM_WHY_LOOKUP);
  if (pl->in_after && pl->ss[src].made.ord[i] >= pl->cur_ord) pl->later_ref = true;
  return hv_ref(a, HM_REF_OBJECT, src_name(pl, src), hm_arena_strdup(a, pl->ss[src].made.v[i]));
}

char *pl_lower_trim(hm_arena *a, hm_value v) {
  hm_value s = hv_to_str(a, v);
  const char *b = s.u.str, *e = s.u.str + s.len;
  while (b < e && (*b == ' ' || *b == '\t')) b++;
  while (e > b && (e[-1] == ' ' || e[-1] == '\t')) e--;
  char *d = hm_arena_strndup(a, b, (size_t)(e - b));
  for (char *c = d; *c; c++) if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  return d;
}

static bool listed(hm_value list, const char *email, hm_arena *a) {
  hm_value s = hv_to_str(a, list);
  const char *p = s.u.str;
  size_t n = strlen(email);
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == ';') p++;
    const char *e = p;
    while (*e && *e != ',' && *e != ';' && *e != ' ') e++;
    if ((size_t)(e - p) == n && !strncasecmp(p, email, n)) return true;
    p = e;
  }
  return false;
}

hm_value pl_h_agent(void *u, hm_value email, hm_arena *a) {
  plan *pl = u;
  char *e = pl_lower_trim(a, email);
  if (!*e) return hv_missing(HM_WHY_LOOKUP);
  long i = pl_kmap_find(&pl->agents, pl_khash(e), false, NULL);
  if (i >= 0 && pl->agents.v[i]) {
    char *ref = pl->agents.v[i];   /* "Source:keypart" */
    char *colon = strchr(ref, ':');
    return hv_ref(a, HM_REF_OBJECT, hm_arena_strndup(a, ref, (size_t)(colon - ref)),
                  hm_arena_strdup(a, colon + 1));
  }
  hm_value known = pl->pset[HM_PSET_KNOWN_AGENTS];
  if (known.kind == HV_STR && !listed(known, e, a)) return hv_missing(HM_WHY_LOOKUP);
  return hv_ref(a, HM_REF_AGENT, NULL, e);
}

/* An attachment path as the map gives it, relative to the data dir or to the
 * source's `files` folder, opened inside the export folder the way the run
 * opens it (hm_contain_open), so both size and send the same file. A name the
 * containment refuses is not looked for elsewhere: `why` says why, the caller
 * reports it. */
const char *pl_find_file(plan *pl, const char *rel, long long *size, hm_arena *a,
                         char *why, size_t whylen) {
  struct stat st;
  const char *cands[2] = {rel, NULL};
  const hm_source *s = &pl->p->sources[pl->src];
  if (s->files < pl->p->nconsts) cands[1] = hm_arena_printf(a, "%s/%s", K(pl->p, s->files), rel);
  why[0] = 0;
  for (int i = 0; i < 2; i++) {
    if (!cands[i]) continue;
    int fd = hm_contain_open(pl->o->data_dir, cands[i], O_RDONLY | O_NONBLOCK, why, whylen);
    if (fd == HM_CONTAIN_REFUSED) return NULL;
    why[0] = 0;
    if (fd < 0) continue;
    int reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    close(fd);
    if (reg) { *size = (long long)st.st_size; return cands[i]; }
  }
  return NULL;
}

/* A file the containment refused: named in the report, never dropped silently. */
static void report_refused_file(plan *pl, uint32_t rule, const char *why) {
  pl_report_row(pl, HM_ROW_FLAG, "review", hm_arena_printf(&pl->arena, "%s: not uploaded", why),
                rule < pl->p->nrules ? pl_rule_loc(pl, rule) : NULL, rule, "file");
}

hm_value pl_h_upload(void *u, hm_value path, hm_arena *a) {
  plan *pl = u;
  hm_value s = hv_to_str(a, path);
  long long size = 0;
  char why[700];
  const char *rel = pl_find_file(pl, s.u.str, &size, a, why, sizeof why);
  if (!rel && why[0]) report_refused_file(pl, pl->p->nrules, why);
  if (!rel) return hv_missing(HM_WHY_LOOKUP);
  if (pl->dry) { pl->feat.uploads++; return hv_ref(a, HM_REF_UPLOAD, NULL, rel); }
  bool known = pl_kmap_find(&pl->uploaded, pl_khash(rel), false, NULL) >= 0;
  for (uint32_t i = 0; i < pl->npend && !known; i++) known = !strcmp(pl->pend[i].rel, rel);
  if (!known) {
    if (pl->npend == pl->cap_pend) {
      uint32_t cap = pl->cap_pend ? pl->cap_pend * 2 : 8;
      pl->pend =
          hm_arena_realloc(a, pl->pend, pl->cap_pend * sizeof *pl->pend, cap * sizeof *pl->pend);
      pl->cap_pend = cap;
    }
    pl->pend[pl->npend++] = (upload){rel, size};
  }
  return hv_ref(a, HM_REF_UPLOAD, NULL, rel);
}

void pl_scan_text(plan *pl, hm_value v) {
  if (v.kind == HV_STR) {
    for (uint32_t i = 0; i < v.len; i++) {
      unsigned char c = (unsigned char)v.u.str[i];
      if (c >= 0x80) pl->feat.non_ascii = 1;
      if (c == '<' && i + 1 < v.len) {
        unsigned char d = (unsigned char)v.u.str[i + 1];
        if (((d | 32) >= 'a' && (d | 32) <= 'z') || d == '/') {
          if (memchr(v.u.str + i, '>', v.len - i)) pl->feat.html = 1;
        }
      }
    }
  } else if (v.kind == HV_LIST) {
    for (uint32_t i = 0; i < v.u.list->n; i++) pl_scan_text(pl, v.u.list->items[i]);
  } else if (v.kind == HV_REC) {
    for (uint32_t i = 0; i < v.u.rec->n; i++) pl_scan_text(pl, v.u.rec->vals[i]);
  }
}

void pl_bad_child(void *user, uint32_t src, const char *error);

/* FIND: the first export record of `src` whose key is `key` (a join). */
hm_value pl_h_find(void *u, uint32_t src, hm_value key, hm_arena *a) {
  plan *pl = u;
  if (src >= pl->p->nsources || !pl->ss[src].fidx) return hv_missing(HM_WHY_LOOKUP);
  hm_value k = hv_to_str(a, key), out;
  if (hm_childidx_get(pl->ss[src].fidx, k.u.str, a, &out) || out.kind != HV_LIST || !out.u.list->n)
    return hv_missing(HM_WHY_LOOKUP);
  return out.u.list->items[0];
}

/* The child index keyed by the source's own key instead of a parent link: a
   copy of the program whose source `s` is "parent by key". */
hm_childidx *pl_build_find_index(plan *pl, uint32_t s, char *err, size_t errlen) {
  const hm_program *p = pl->p;
  hm_program copy = *p;
  hm_source *srcs = malloc((p->nsources + 1) * sizeof *srcs);
  if (!srcs) abort();
  memcpy(srcs, p->sources, p->nsources * sizeof *srcs);
  srcs[s].parent = 0;
  srcs[s].parent_by = srcs[s].key;
  srcs[s].parent_by_path = 0;
  copy.sources = srcs;
  hm_childidx *x = hm_childidx_build(&copy, s, pl->o->data_dir, pl_bad_child, pl, err, errlen);
  free(srcs);
  return x;
}

void pl_mark_finds(plan *pl) {
  const hm_program *p = pl->p;
  for (uint32_t r = 0; r < p->nrules; r++)
    for (int pass = 0; pass < 2; pass++) {
      const hm_code *c = pass ? &p->rules[r].after : &p->rules[r].body;
      if (pass && !p->rules[r].has_after) continue;
      for (uint32_t pc = 0; pc < c->ncode; pc++)
        if (HM_OP(c->code[pc]) == HOP_FIND && HM_A(c->code[pc]) < p->nsources)
          pl->ss[HM_A(c->code[pc])].find_used = true;
    }
}

hm_value pl_h_children(void *u, uint32_t src, hm_arena *a) {
  plan *pl = u;
  hm_value out = hv_list_new(a, 0);
  if (src >= pl->p->nsources || !pl->ss[src].cidx || !pl->key) return out;
  if (hm_childidx_get(pl->ss[src].cidx, pl->key, a, &out)) out = hv_list_new(a, 0);
  if (pl->dry) {
    pl->feat.children += out.u.list->n;
    pl_scan_text(pl, out);
  }
  return out;
}

void pl_h_emit(void *u, uint32_t rule, bool is_after, uint32_t target, hm_value obj) {
  plan *pl = u;
  (void)rule; (void)is_after;
  pl->got = true;
  pl->got_target = target;
  pl->got_obj = obj;
}

void pl_h_event(void *u, const hm_vm_event *e) {
  plan *pl = u;
  if (pl->quiet) return;
  if (pl->dry) {
    if (e->trigger) pl->feat.fallback = 1;
    if (e->kind == HM_EV_FLAG || e->kind == HM_EV_BUILTIN || e->kind == HM_EV_UNMATCHED)
      pl->feat.flagged = 1;
    return;
  }
  if (e->kind == HM_EV_LOSSY) { hm_rpt_loss(pl->rpt, e->annot); return; }
  hm_rpt_kind k = e->kind == HM_EV_REJECT ? HM_ROW_REJECT
                  : e->kind == HM_EV_SKIP ? HM_ROW_SKIP
                                          : HM_ROW_FLAG;
  hm_rpt_row row = {k, pl->src, pl->key,
                    k == HM_ROW_FLAG ? sev_name(e->severity) : NULL, e->message,
                    pl_map_loc(pl, e->file ? e->file : "", e->line, e->col),
                    K(pl->p, pl->p->rules[e->rule].name), e->field, e->trigger, e->why, e->detail};
  pl_row(pl, &row, e->kind == HM_EV_UNMATCHED);
}
