/* ex_jobs: what the extractor fetches, asked of the compiled map — one job per
 * distinct source path, with the columns the map's code reads (the source's
 * field slots), its key and its parent link. The path says the shape:
 * "<X>.csv" a CSV of the source's class, "rest/<Class>/<star>.json" one core/get
 * reply per object (the fields named in the records path, e.g. the case logs),
 * any other JSON file one core/get reply over the class (objects whose
 * `contents` the map reads also get their decoded files). */
#include <stdio.h>
#include <string.h>
#include "ex.h"

#define EX_MAX_FIELDS 256

static const char *cstr(const hm_program *p, uint32_t i) {
  return i == HM_BC_NONE || i >= p->nconsts ? NULL : p->consts[i].str;
}

static void add_field(hm_arena *a, ex_job *j, const char *f) {
  if (!f || !*f) return;
  for (size_t i = 0; i < j->nfields; i++)
    if (!strcmp(j->fields[i], f)) return;
  if (j->nfields >= EX_MAX_FIELDS) return;
  j->fields[j->nfields++] = hm_arena_strdup(a, f);
}

/* "objects.*.fields.public_log.entries.*" -> "public_log" */
static void add_records_field(hm_arena *a, ex_job *j, const char *records) {
  const char *f = records ? strstr(records, "fields.") : NULL;
  if (!f) return;
  f += 7;
  size_t n = strcspn(f, ".");
  add_field(a, j, hm_arena_strndup(a, f, n));
}

/* "rest/UserRequest/<star>.json" -> "UserRequest" (the folder holding the star). */
static const char *class_of_star_path(hm_arena *a, const char *path) {
  const char *star = strchr(path, '*');
  const char *end = star;
  while (end > path && end[-1] == '/') end--;
  const char *beg = end;
  while (beg > path && beg[-1] != '/') beg--;
  return end > beg ? hm_arena_strndup(a, beg, (size_t)(end - beg)) : NULL;
}

/* Where the decoded `contents` of a class's objects go: the class in snake
   case, plural (InlineImage -> inline_images), as docs/exports.md lays out. */
static const char *files_dir_of(hm_arena *a, const char *cls) {
  hm_buf b; hm_buf_init(&b);
  for (const char *c = cls; *c; c++) {
    if (*c >= 'A' && *c <= 'Z') {
      if (c != cls) hm_buf_putc(&b, '_');
      hm_buf_putc(&b, (char)(*c - 'A' + 'a'));
    } else {
      hm_buf_putc(&b, *c);
    }
  }
  hm_buf_putc(&b, 's');
  const char *dir = hm_arena_strdup(a, hm_buf_cstr(&b));
  hm_buf_free(&b);
  return dir;
}

static ex_job *find_job(ex_job *jobs, size_t n, const char *path) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(jobs[i].path, path)) return &jobs[i];
  return NULL;
}

static int new_job(const hm_program *p, const hm_source *s, hm_arena *a, ex_job *j,
                   char *err, size_t errlen) {
  const char *path = cstr(p, s->path), *type = cstr(p, s->type_name);
  memset(j, 0, sizeof *j);
  j->path = path;
  j->fields = hm_arena_alloc(a, EX_MAX_FIELDS * sizeof *j->fields);
  if (s->format == HF_CSV) {
    j->kind = EX_CSV;
    j->cls = type;
  } else if (s->format == HF_JSON && strchr(path, '*')) {
    j->kind = EX_OBJFILES;
    j->cls = class_of_star_path(a, path);
    add_field(a, j, "id");
  } else if (s->format == HF_JSON) {
    j->kind = EX_JSON;
    j->cls = type;
    j->files_dir = type ? files_dir_of(a, type) : NULL;
    if (cstr(p, s->files)) j->files_dir = cstr(p, s->files);
  } else {
    snprintf(err, errlen, "source %s (%s): iTop extraction writes CSV and JSON, not this format",
             cstr(p, s->name), path);
    return 2;
  }
  if (!j->cls) {
    snprintf(err, errlen, "source %s (%s): cannot tell which iTop class it reads",
             cstr(p, s->name), path);
    return 2;
  }
  return 0;
}

static void add_source_fields(const hm_program *p, const hm_source *s, hm_arena *a, ex_job *j) {
  if (j->kind == EX_OBJFILES) { add_records_field(a, j, cstr(p, s->records)); return; }
  add_field(a, j, cstr(p, s->key));
  if (!s->parent_by_path) add_field(a, j, cstr(p, s->parent_by));
  for (uint32_t f = 0; f < s->nfields; f++) add_field(a, j, cstr(p, s->fields[f]));
}

int ex_jobs_from_program(const hm_program *p, hm_arena *a, ex_job **jobs, size_t *njobs,
                         char *err, size_t errlen) {
  ex_job *js = hm_arena_alloc(a, (p->nsources + 1) * sizeof *js);
  size_t n = 0;
  for (uint32_t i = 0; i < p->nsources; i++) {
    const hm_source *s = &p->sources[i];
    if (!cstr(p, s->path)) continue;
    ex_job *j = find_job(js, n, cstr(p, s->path));
    if (!j) {
      j = &js[n];
      int rc = new_job(p, s, a, j, err, errlen);
      if (rc) return rc;
      n++;
    }
    if (s->flags & HM_SRC_DECLARED) j->declared = 1;
    add_source_fields(p, s, a, j);
    if (j->kind == EX_JSON) add_field(a, j, "id");
  }
  *jobs = js;
  *njobs = n;
  return 0;
}
