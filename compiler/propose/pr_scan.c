/* pr_scan: the export as propose sees it. Walks the folder (CSV, NDJSON and
 * JSON files, Atera-style page folders, one '*' level of per-record folders),
 * reads every record through runtime/read and keeps a profile of each column:
 * fill, distinct values with counts, and the shapes its values take. */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif
#include "pr.h"
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "hm_bytecode.h"
#include "hm_read.h"

const char *const pr_date_formats[PR_NDATEFMT] = {
  "",                      /* ISO 8601, as date() reads it without a format */
  "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y",
};

/* ---- names and kinds of files ---- */

static bool has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted names of a folder's entries, dot files left out. */
static const char **list_dir(hm_arena *a, const char *path, uint32_t *n) {
  *n = 0;
  DIR *d = opendir(path);
  if (!d) return NULL;
  uint32_t cap = 16;
  const char **v = hm_arena_alloc(a, cap * sizeof *v);
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    if (*n == cap) { v = hm_arena_realloc(a, v, cap * sizeof *v, 2 * cap * sizeof *v); cap *= 2; }
    v[(*n)++] = hm_arena_strdup(a, e->d_name);
  }
  closedir(d);
  qsort(v, *n, sizeof *v, cmp_str);
  return v;
}

static bool has_pages(hm_arena *a, const char *path) {
  uint32_t n;
  const char **v = list_dir(a, path, &n);
  for (uint32_t i = 0; i < n; i++)
    if (!strncmp(v[i], "page-", 5) && has_suffix(v[i], ".json")) return true;
  return false;
}

/* Where the records of a JSON document are: the document itself when it is an
   array; else an Atera envelope's items, iTop REST's objects.*.fields, or the
   first member holding an array of objects. NULL = the document itself. Under
   objects.*.fields, each member holding {"entries": [...]} (an iTop case log)
   is a records path of its own, listed in logs[]. */
static const char *json_records(hm_arena *a, const char *file, const char **logs, int *nlogs,
                                int maxlogs) {
  hm_buf b; hm_buf_init(&b);
  const char *rec = NULL;
  *nlogs = 0;
  struct stat st;
  /* the shape is read from the whole first file: a huge one is taken as an array */
  if (stat(file, &st) == 0 && st.st_size <= 64 * 1024 * 1024 && hm_buf_read_path(&b, file) == 0) {
    cJSON *j = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
    if (cJSON_IsObject(j)) {
      cJSON *objs = cJSON_GetObjectItemCaseSensitive(j, "objects");
      cJSON *fields =
          cJSON_IsObject(objs) && objs->child ? cJSON_GetObjectItem(objs->child, "fields") : NULL;
      if (fields) rec = "objects.*.fields";
      for (cJSON *m = fields ? fields->child : NULL; m && *nlogs < maxlogs; m = m->next)
        if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(m, "entries")))
          logs[(*nlogs)++] = hm_arena_printf(a, "objects.*.fields.%s.entries.*", m->string);
      for (cJSON *m = j->child; !rec && m; m = m->next)
        if (cJSON_IsArray(m) && cJSON_IsObject(m->child))
          rec = hm_arena_printf(a, "%s.*", m->string);
    }
    cJSON_Delete(j);
  }
  hm_buf_free(&b);
  return rec;
}

static pr_src *add_src(pr_export *x, const char *path, int fmt, const char *records,
                       int path_parent) {
  if (x->n == PR_MAX_SOURCES) return NULL;
  if (x->n % 16 == 0)
    x->srcs = hm_arena_realloc(&x->a, x->srcs, x->n * sizeof *x->srcs,
                               (x->n + 16) * sizeof *x->srcs);
  pr_src *s = &x->srcs[x->n++];
  memset(s, 0, sizeof *s);
  s->path = hm_arena_strdup(&x->a, path);
  s->fmt = fmt;
  s->records = records;
  s->path_parent = path_parent;
  s->key = s->parent = s->parent_by = -1;
  return s;
}

static void add_json(pr_export *x, const char *rel, const char *full, int path_parent) {
  const char *logs[8];
  int nlogs;
  const char *rec = json_records(&x->a, full, logs, &nlogs, 8);
  add_src(x, rel, HF_JSON, rec, path_parent);
  for (int i = 0; i < nlogs; i++) add_src(x, rel, HF_JSON, logs[i], path_parent);
}

static void add_file(pr_export *x, const char *rel, const char *full, int path_parent) {
  if (has_suffix(rel, ".csv")) add_src(x, rel, HF_CSV, NULL, path_parent);
  else if (has_suffix(rel, ".ndjson") || has_suffix(rel, ".jsonl"))
    add_src(x, rel, HF_NDJSON, NULL, path_parent);
  else if (has_suffix(rel, ".json")) add_json(x, rel, full, path_parent);
  else x->nother++;
}

/* The entries found under DIR/<each record folder>/ become one source each,
   "DIR/ * /ENTRY", joined to the DIR source by the folder name. */
static void walk_record_folders(pr_export *x, const char *rel, const char *full, int parent) {
  uint32_t n;
  const char **sub = list_dir(&x->a, full, &n);
  hm_htab seen = {0};
  for (uint32_t i = 0; i < n; i++) {
    char *sfull = hm_arena_printf(&x->a, "%s/%s", full, sub[i]);
    if (!is_dir(sfull)) continue;
    uint32_t m;
    const char **ent = list_dir(&x->a, sfull, &m);
    for (uint32_t j = 0; j < m; j++) {
      bool fresh;
      void **slot = hm_htab_put_str(&seen, ent[j], &fresh);
      if (!fresh) continue;
      *slot = (void *)1;
      char *efull = hm_arena_printf(&x->a, "%s/%s", sfull, ent[j]);
      char *pat = hm_arena_printf(&x->a, "%s/*/%s", rel, ent[j]);
      if (is_dir(efull) && has_pages(&x->a, efull)) add_src(x, pat, HF_JSON_PAGES, NULL, parent);
      else if (!is_dir(efull) && has_suffix(ent[j], ".json"))
        add_json(x, pat, efull, parent);
      else x->nother++;
    }
  }
  hm_htab_free(&seen);
}

static void walk(pr_export *x, const char *rel, int depth);

/* A folder of JSON files named after records (ticketfields/48213.json) is one
   source "DIR/ *.json"; anything else is walked into. */
static void walk_dir(pr_export *x, const char *rel, const char *full, int depth) {
  if (has_pages(&x->a, full)) {
    add_src(x, rel, HF_JSON_PAGES, NULL, -1);
    walk_record_folders(x, rel, full, (int)x->n - 1);
    return;
  }
  uint32_t n, njson = 0, nfiles = 0;
  const char **v = list_dir(&x->a, full, &n);
  for (uint32_t i = 0; i < n; i++) {
    if (is_dir(hm_arena_printf(&x->a, "%s/%s", full, v[i]))) continue;
    nfiles++;
    if (has_suffix(v[i], ".json") && isdigit((unsigned char)v[i][0])) njson++;
  }
  if (njson > 1 && njson == nfiles) {
    const char *pat = hm_arena_printf(&x->a, "%s/*.json", rel);
    add_json(x, pat, hm_arena_printf(&x->a, "%s/%s", full, v[0]), -1);
    return;
  }
  if (depth < 3) walk(x, rel, depth + 1);
}

static void walk(pr_export *x, const char *rel, int depth) {
  const char *full = *rel ? hm_arena_printf(&x->a, "%s/%s", x->dir, rel) : x->dir;
  uint32_t n;
  const char **v = list_dir(&x->a, full, &n);
  for (uint32_t i = 0; i < n; i++) {
    const char *r = *rel ? hm_arena_printf(&x->a, "%s/%s", rel, v[i]) : v[i];
    const char *f = hm_arena_printf(&x->a, "%s/%s", x->dir, r);
    if (is_dir(f)) walk_dir(x, r, f, depth);
    else add_file(x, r, f, -1);
  }
}

/* ---- profiling values ---- */

static pr_col *col_of(pr_export *x, pr_src *s, const char *name) {
  for (uint32_t i = 0; i < s->ncols; i++)
    if (!strcmp(s->cols[i].name, name)) return &s->cols[i];
  if (s->ncols == s->capcols) {
    uint32_t nc = s->capcols ? 2 * s->capcols : 16;
    s->cols = hm_arena_realloc(&x->a, s->cols, s->capcols * sizeof *s->cols, nc * sizeof *s->cols);
    s->capcols = nc;
  }
  pr_col *c = &s->cols[s->ncols++];
  memset(c, 0, sizeof *c);
  c->name = hm_arena_strdup(&x->a, name);
  c->ref = -1;
  return c;
}

static bool looks_email(const char *s) {
  const char *at = strchr(s, '@');
  return at && at > s && strchr(at, '.') && !strchr(s, ' ');
}

static bool looks_int(const char *s) {
  if (*s == '-') s++;
  if (!*s || strlen(s) > 15) return false;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s)) return false;
  return true;
}

/* A date format reads the value when strptime consumes all of it (ISO: a
   date, 'T' or ' ', a time, optional fraction and offset). */
static bool reads_as(int f, const char *s) {
  struct tm tm;
  if (f == 0) {
    memset(&tm, 0, sizeof tm);
    const char *e = strptime(s, "%Y-%m-%d", &tm);
    if (!e || (*e != 'T' && *e != ' ')) return false;
    bool space = *e == ' ';
    if (!(e = strptime(e + 1, "%H:%M:%S", &tm))) return false;
    if (space && *e != '.') return false;   /* "Y-m-d H:M:S" alone: an explicit format */
    if (*e == '.') for (e++; isdigit((unsigned char)*e); e++) {}
    return !*e || !strcmp(e, "Z") || ((*e == '+' || *e == '-') && strlen(e) <= 6);
  }
  memset(&tm, 0, sizeof tm);
  const char *e = strptime(s, pr_date_formats[f], &tm);
  return e && !*e;
}

/* t: the value, NUL-terminated, in the record's arena; copied into the
   export's arena only the first time it is seen. */
static void add_distinct(pr_export *x, pr_col *c, const char *t) {
  if (c->capped) return;
  void **seen = hm_htab_find_str(&c->vals, t);
  if (seen) { *seen = (void *)((uintptr_t)*seen + 1); return; }
  if (c->ndistinct == PR_MAX_DISTINCT) { c->capped = true; return; }
  char *key = hm_arena_strdup(&x->a, t);
  *hm_htab_put_str(&c->vals, key, NULL) = (void *)1;
  if (c->ndistinct == c->cap) {
    uint32_t nc = c->cap ? 2 * c->cap : 16;
    c->order = hm_arena_realloc(&x->a, c->order, c->cap * sizeof *c->order, nc * sizeof *c->order);
    c->cap = nc;
  }
  c->order[c->ndistinct++] = key;
}

/* tmp: the record's arena (reset per record), so that profiling keeps only
   the distinct values, never the whole export. */
static void profile(pr_export *x, pr_col *c, hm_value v, hm_arena *tmp) {
  char num[64];
  const char *s = NULL;
  size_t n = 0;
  switch (v.kind) {
  case HV_STR: s = v.u.str; n = v.len; if (!n) return; c->nstr++; break;
  case HV_NUM: n = (size_t)snprintf(num, sizeof num, "%.15g", v.u.num); s = num; break;
  case HV_BOOL: s = v.u.b ? "true" : "false"; n = strlen(s); c->nbool++; break;
  case HV_REC: case HV_LIST: c->filled++; c->nnested++; return;
  default: return;
  }
  c->filled++;
  char *t = hm_arena_strndup(tmp, s, n);
  if (looks_int(t)) c->nint++;
  if (v.kind == HV_STR) {
    if (looks_email(t)) c->nemail++;
    for (int f = 0; f < PR_NDATEFMT; f++)
      if (reads_as(f, t)) c->ndate[f]++;
    size_t len = strlen(t);
    if (reads_as(0, t) && len > 6 &&
        (t[len - 1] == 'Z' || ((t[len - 6] == '+' || t[len - 6] == '-') && t[len - 3] == ':')))
      c->noffset++;
  }
  add_distinct(x, c, t);
}

/* A program of one source, so that runtime/read opens the file as hmaprun would. */
static int read_source(pr_export *x, pr_src *s) {
  hm_const consts[2] = {{HK_STR, (uint32_t)strlen(s->path), s->path, 0},
                        {HK_STR, s->records ? (uint32_t)strlen(s->records) : 0, s->records, 0}};
  hm_source src = {0};
  src.format = (uint32_t)s->fmt;
  src.name = src.type_name = src.key = src.parent = src.parent_by = HM_BC_NONE;
  src.files = HM_BC_NONE;
  src.path = 0;
  src.records = s->records ? 1 : HM_BC_NONE;
  hm_program p = {0};
  p.title = HM_BC_NONE;
  p.nconsts = 2; p.consts = consts;
  p.nsources = 1; p.sources = &src;
  char err[512];
  hm_reader *r = hm_reader_open(&p, 0, x->dir, err, sizeof err);
  if (!r) { s->first_error = hm_arena_strdup(&x->a, err); s->nbad++; return -1; }
  hm_arena rec; hm_arena_init(&rec, 16 * 1024);
  hm_record out;
  int rc;
  while ((rc = hm_reader_next(r, &rec, &out)) != 0) {
    if (rc < 0) {
      s->nbad++;
      if (!s->first_error) s->first_error = hm_arena_strdup(&x->a, hm_reader_error(r));
      if (rc == -2) break;
      continue;
    }
    s->nrec++;
    const hm_rec *rr = out.value.kind == HV_REC ? out.value.u.rec : NULL;
    for (uint32_t i = 0; rr && i < rr->n; i++)
      profile(x, col_of(x, s, rr->keys[i]), rr->vals[i], &rec);
    hm_arena_reset(&rec);
  }
  hm_arena_free(&rec);
  hm_reader_close(r);
  return 0;
}

int pr_scan(pr_export *x, const char *dir, char *err, size_t errlen) {
  memset(x, 0, sizeof *x);
  hm_arena_init(&x->a, 64 * 1024);
  x->dir = hm_arena_strdup(&x->a, dir);
  if (!is_dir(dir)) { snprintf(err, errlen, "%s: not a folder", dir); return 2; }
  walk(x, "", 0);
  if (!x->n) {
    snprintf(err, errlen, "%s: no CSV, NDJSON or JSON file in the folder", dir);
    return 2;
  }
  for (uint32_t i = 0; i < x->n; i++) read_source(x, &x->srcs[i]);
  return 0;
}

void pr_export_free(pr_export *x) {
  for (uint32_t i = 0; i < x->n; i++)
    for (uint32_t j = 0; j < x->srcs[i].ncols; j++) hm_htab_free(&x->srcs[i].cols[j].vals);
  hm_arena_free(&x->a);
}

int pr_col_find(const pr_src *s, const char *name) {
  for (uint32_t i = 0; i < s->ncols; i++)
    if (!strcmp(s->cols[i].name, name)) return (int)i;
  return -1;
}

uint64_t pr_val_count(const pr_col *c, const char *v) {
  void **slot = hm_htab_find_str(&c->vals, v);
  return slot ? (uint64_t)(uintptr_t)*slot : 0;
}

int pr_col_datefmt(const pr_col *c) {
  if (!c->filled || c->nstr != c->filled) return -1;
  for (int f = 0; f < PR_NDATEFMT; f++)
    if (c->ndate[f] == c->filled) return f;
  return -1;
}

bool pr_col_is_int(const pr_col *c) {
  return c->filled && c->nint == c->filled && !c->nbool;
}
