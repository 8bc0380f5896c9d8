/* pr_values: the two entry points of hm_propose.h — a whole proposed map, and
 * the distinct values of one column with their counts (for `match` tables). */
#include "pr.h"
#include <stdlib.h>
#include <string.h>
#include "hm_edit.h"

int hm_propose(const char *dir, hm_propose_system from, hm_buf *out, char *err, size_t errlen) {
  pr_export x;
  int rc = pr_scan(&x, dir, err, errlen);
  if (rc == 0) {
    pr_guess(&x, from);
    pr_emit(&x, out);
  }
  pr_export_free(&x);
  return rc;
}

typedef struct vc { const char *v; uint64_t n; uint32_t first; } vc;

static int by_count(const void *a, const void *b) {
  const vc *x = a, *y = b;
  if (x->n != y->n) return x->n > y->n ? -1 : 1;
  return x->first < y->first ? -1 : x->first > y->first;
}

static const pr_src *find_src(const pr_export *x, const char *file) {
  for (uint32_t i = 0; i < x->n; i++)
    if (!strcmp(x->srcs[i].path, file) || !strcmp(x->srcs[i].name, file)) return &x->srcs[i];
  return NULL;
}

/* "did you mean" over a list of names: the closest within a third of its length. */
static const char *closest(const char *want, const char *const *names, uint32_t n) {
  const char *best = NULL;
  size_t bd = strlen(want) / 3 + 2;
  for (uint32_t i = 0; i < n; i++) {
    size_t d = hm_edit_distance(want, names[i]);
    if (d < bd) { bd = d; best = names[i]; }
  }
  return best;
}

static void print_values(const pr_src *s, const pr_col *c, FILE *out) {
  vc *v = malloc((c->ndistinct + 1) * sizeof *v);
  for (uint32_t i = 0; i < c->ndistinct; i++)
    v[i] = (vc){c->order[i], pr_val_count(c, c->order[i]), i};
  qsort(v, c->ndistinct, sizeof *v, by_count);
  for (uint32_t i = 0; i < c->ndistinct; i++)
    fprintf(out, "%llu\t%s\n", (unsigned long long)v[i].n, v[i].v);
  free(v);
  if (c->capped)
    fprintf(out, "# more than %u distinct values: the first ones only\n", PR_MAX_DISTINCT);
  if (c->nnested) fprintf(out, "%llu\t(nested records or lists)\n", (unsigned long long)c->nnested);
  fprintf(out, "%llu\t(empty, null or missing)\n", (unsigned long long)(s->nrec - c->filled));
}

int hm_values(const char *dir, const char *file, const char *column, FILE *out, char *err,
              size_t errlen) {
  pr_export x;
  int rc = pr_scan(&x, dir, err, errlen);
  if (rc) { pr_export_free(&x); return rc; }
  pr_guess(&x, HM_SYS_AUTO);
  const pr_src *s = find_src(&x, file);
  if (!s) {
    const char **names = malloc(x.n * sizeof *names);
    for (uint32_t i = 0; i < x.n; i++) names[i] = x.srcs[i].path;
    const char *near = closest(file, names, x.n);
    snprintf(err, errlen, "%s: no such file among the export's sources%s%s%s", file,
             near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    free(names);
    pr_export_free(&x);
    return 2;
  }
  int c = pr_col_find(s, column);
  if (c < 0) {
    const char **names = malloc((s->ncols + 1) * sizeof *names);
    for (uint32_t i = 0; i < s->ncols; i++) names[i] = s->cols[i].name;
    const char *near = closest(column, names, s->ncols);
    snprintf(err, errlen, "%s: no column '%s'%s%s%s", s->path, column,
             near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
    free(names);
    pr_export_free(&x);
    return 2;
  }
  print_values(s, &s->cols[c], out);
  pr_export_free(&x);
  return 0;
}
