/* pl_unread: loss accounting by construction. Every member of a source record
 * read with a non-empty value is either read by the map (a field slot of its
 * source, its key or its parent field), ignored by an `ignore COLUMN "why"`
 * (counted against that annotation, as a loss), or counted here as "not
 * migrated": per source and column, the records with a value and the first
 * such record's key.
 *
 * Invariants: columns are kept in first-seen order (records come in file
 * order, so the report is deterministic); a source keeps at most UNREAD_MAX
 * distinct unread columns and at most NAMES_MAX classified names, so a hostile
 * export with a million distinct members cannot grow memory without bound
 * (columns past the cap are counted together in `more`). */
#include <stdlib.h>
#include <string.h>
#include "hm_plan.h"
#include "pl.h"

#define UNREAD_MAX 256
#define NAMES_MAX 4096
#define CLASS_READ (-1)

typedef struct unread_col { char *name; uint64_t records; char *example; } unread_col;
/* name -> class: CLASS_READ, CLASS_IGNORE_BIT | annotation index, an unread_col index, or -2
   (unread past UNREAD_MAX) */
typedef struct name_class { char *name; int64_t cls; } name_class;
#define CLASS_IGNORE_BIT ((int64_t)1 << 40)

typedef struct src_unread {
  unread_col *cols; uint32_t ncols;
  uint64_t more_records;              /* values in columns past UNREAD_MAX */
  name_class *names; uint32_t nnames;
} src_unread;

struct pl_unread {
  const hm_program *p;
  src_unread *s;                      /* per source */
};

pl_unread *pl_unread_new(const hm_program *p) {
  pl_unread *u = calloc(1, sizeof *u);
  if (!u) abort();
  u->p = p;
  u->s = calloc(p->nsources + 1, sizeof *u->s);
  if (!u->s) abort();
  return u;
}

void pl_unread_free(pl_unread *u) {
  if (!u) return;
  for (uint32_t i = 0; i < u->p->nsources; i++) {
    src_unread *s = &u->s[i];
    for (uint32_t c = 0; c < s->ncols; c++) { free(s->cols[c].name); free(s->cols[c].example); }
    for (uint32_t n = 0; n < s->nnames; n++) free(s->names[n].name);
    free(s->cols); free(s->names);
  }
  free(u->s);
  free(u);
}

static bool has_value(hm_value v) {
  switch (v.kind) {
  case HV_STR: return v.len > 0;
  case HV_NUM: case HV_BOOL: case HV_REF: return true;
  case HV_LIST: return v.u.list && v.u.list->n > 0;
  case HV_REC: return v.u.rec && v.u.rec->n > 0;
  default: return false;
  }
}

static bool is_const(const hm_program *p, uint32_t k, const char *name) {
  return k < p->nconsts && p->consts[k].str && strcmp(p->consts[k].str, name) == 0;
}

/* What column `name` of source src is: read, ignored (annotation + bit), or
   unread (-2: not yet given an unread_col). */
static int64_t classify(const pl_unread *u, uint32_t src, const char *name) {
  const hm_source *s = &u->p->sources[src];
  if (is_const(u->p, s->key, name)) return CLASS_READ;
  if (!s->parent_by_path && is_const(u->p, s->parent_by, name)) return CLASS_READ;
  for (uint32_t i = 0; i < s->nfields; i++)
    if (is_const(u->p, s->fields[i], name)) return CLASS_READ;
  for (uint32_t i = 0; i < s->nignores; i++)
    if (is_const(u->p, u->p->annots[s->ignores[i]].field, name))
      return CLASS_IGNORE_BIT | s->ignores[i];
  return -2;
}

static int64_t lookup_class(pl_unread *u, uint32_t src, const char *name) {
  src_unread *s = &u->s[src];
  for (uint32_t n = 0; n < s->nnames; n++)
    if (strcmp(s->names[n].name, name) == 0) return s->names[n].cls;
  int64_t cls = classify(u, src, name);
  if (cls == -2 && s->ncols < UNREAD_MAX) {
    if (!(s->ncols & (s->ncols + 1)) || !s->cols) {
      s->cols = realloc(s->cols, ((size_t)s->ncols * 2 + 2) * sizeof *s->cols);
      if (!s->cols) abort();
    }
    s->cols[s->ncols] = (unread_col){hm_xstrdup(name), 0, NULL};
    cls = s->ncols++;
  }
  if (s->nnames < NAMES_MAX) {
    if (!(s->nnames & (s->nnames + 1)) || !s->names) {
      s->names = realloc(s->names, ((size_t)s->nnames * 2 + 2) * sizeof *s->names);
      if (!s->names) abort();
    }
    s->names[s->nnames++] = (name_class){hm_xstrdup(name), cls};
  }
  return cls;
}

void pl_unread_record(pl_unread *u, hm_rpt *r, uint32_t src, hm_value rec, const char *key) {
  if (!u || src >= u->p->nsources || rec.kind != HV_REC || !rec.u.rec) return;
  const hm_rec *rv = rec.u.rec;
  src_unread *s = &u->s[src];
  for (uint32_t i = 0; i < rv->n; i++) {
    if (!has_value(rv->vals[i]) || !rv->keys[i]) continue;
    int64_t cls = lookup_class(u, src, rv->keys[i]);
    if (cls == CLASS_READ) continue;
    if (cls < 0) { s->more_records++; continue; }   /* unread, past UNREAD_MAX */
    if (cls & CLASS_IGNORE_BIT) { hm_rpt_loss(r, (uint32_t)(cls & ~CLASS_IGNORE_BIT)); continue; }
    unread_col *c = &s->cols[cls];
    if (!c->records++) c->example = hm_xstrdup(key ? key : "");
  }
}

void pl_unread_json(const pl_unread *u, FILE *f, void (*jstr)(FILE *, const char *)) {
  bool first = true;
  fputs("  \"not_migrated\": [", f);
  for (uint32_t i = 0; u && i < u->p->nsources; i++) {
    const src_unread *s = &u->s[i];
    for (uint32_t c = 0; c < s->ncols + (s->more_records > 0); c++) {
      bool more = c == s->ncols;
      fputs(first ? "\n    {\"object\": " : ",\n    {\"object\": ", f);
      first = false;
      jstr(f, K(u->p, u->p->sources[i].name));
      fputs(", \"column\": ", f);
      jstr(f, more ? "(more columns)" : s->cols[c].name);
      uint64_t n = more ? s->more_records : s->cols[c].records;
      fprintf(f, ", \"records\": %llu", (unsigned long long)n);
      if (!more) { fputs(", \"example\": ", f); jstr(f, s->cols[c].example); }
      fputc('}', f);
    }
  }
  fputs(first ? "],\n" : "\n  ],\n", f);
}

void pl_unread_md(const pl_unread *u, FILE *f) {
  fputs("\n## Not migrated: columns with values the map does not read\n\n", f);
  bool any = false;
  for (uint32_t i = 0; u && i < u->p->nsources; i++) {
    const src_unread *s = &u->s[i];
    for (uint32_t c = 0; c < s->ncols; c++) {
      fputs("- ", f);
      hm_md_text(f, K(u->p, u->p->sources[i].name));
      fputc(' ', f);
      hm_md_code(f, s->cols[c].name);
      fprintf(f, ": %llu record%s (e.g. ", (unsigned long long)s->cols[c].records,
              pl_s((double)s->cols[c].records));
      hm_md_code(f, s->cols[c].example);
      fputs(")\n", f);
      any = true;
    }
    if (s->more_records) {
      fputs("- ", f);
      hm_md_text(f, K(u->p, u->p->sources[i].name));
      fprintf(f, ": %llu more value%s in columns past the first %d\n",
              (unsigned long long)s->more_records, pl_s((double)s->more_records), UNREAD_MAX);
      any = true;
    }
  }
  if (!any)
    fputs("None: every column with a value is read by the map or ignored with a reason.\n", f);
}
