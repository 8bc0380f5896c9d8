/* ex.h: what the files of runtime/extract share and nobody else sees. `extract atera`
 * (ex_atera.c, ex_ahttp.c) pages through Atera's REST API into the folder the Atera map
 * reads.
 * The extractor turns a compiled map's sources into jobs (ex_jobs.c), fetches
 * each job's class from iTop's REST API page by page (ex_rest.c) and writes the
 * files the map reads in the shapes of docs/exports.md (ex_write.c); ex_cmd.c
 * owns the options, the credentials and the manifest. */
#ifndef EX_H
#define EX_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "hm_arena.h"
#include "hm_buf.h"
#include "hm_bytecode.h"
#include "rn.h"

/* ==== ex_jobs.c ====
 * One job per file (or per folder of per-object files) the map reads. */
typedef enum ex_kind {
  EX_CSV = 0,     /* <Class>.csv in export-v2's shape, one row per object */
  EX_OBJFILES,    /* rest/<Class>/<id>.json: one core/get reply per object (case logs) */
  EX_JSON         /* <Class>.json: one core/get reply over the whole class (+ files) */
} ex_kind;
typedef struct ex_job {
  ex_kind kind;
  const char *cls;        /* the iTop class asked for */
  const char *path;       /* as the map names it (may hold one '*') */
  const char **fields;    /* output_fields, in order, without duplicates */
  size_t nfields;
  const char *files_dir;  /* EX_JSON: where decoded `contents` go (if the map reads them) */
  int declared;           /* the map declares the columns itself (HM_SRC_DECLARED) */
} ex_job;
/* The jobs of every source of p, one per distinct path, in source order.
 * 0, or 2 with a reason naming the source in err. */
int ex_jobs_from_program(const hm_program *p, hm_arena *a, ex_job **jobs, size_t *njobs,
                         char *err, size_t errlen);

/* ==== ex_rest.c ====
 * core/get over the REST API (version 1.3, Basic auth through runtime/run's
 * hm_http: retries, pacing, scrubbing). */
typedef struct ex_rest { hm_http *http; const char *url; long requests; } ex_rest;
/* One page of `SELECT cls [WHERE ...]`: *ans is the parsed reply (the caller
 * deletes it). 0; 3 when iTop refused (err names the fix); 4 when no answer
 * came. */
int ex_rest_get(ex_rest *r, const char *cls, const char *oql, const char *fields, long limit,
                long page, cJSON **ans, char *err, size_t errlen);

/* ==== ex_write.c ==== */
/* One CSV row of obj's fields (export-v2 shape: link sets 'code:value';...|...,
 * case logs as the raw blob newest first). With header: the header row first. */
void ex_csv_header(hm_buf *b, const ex_job *j);
void ex_csv_row(hm_buf *b, const ex_job *j, const cJSON *fields);
/* Decode base64 (whitespace skipped) into b; -1 on a bad character. */
int ex_b64_decode(hm_buf *b, const char *s);
/* A file name from iTop made safe as one path component ("" -> "unnamed"). */
void ex_safe_name(char *out, size_t cap, const char *name);
/* Write b to dir/rel (folders made) through a temporary file and a rename, so
 * a stopped extraction never leaves a half file. 0 or -1 with errno. */
int ex_write_file(const char *dir, const char *rel, const void *data, size_t len);
/* dir/rel and its parents as folders (an empty class still has its folder). */
int ex_make_dir(const char *dir, const char *rel);

/* ==== ex_ahttp.c ====
 * GETs against Atera's REST API: the key as X-API-KEY or Bearer, to the
 * API's origin only; pacing; 429 (Retry-After), 5xx and lost connections
 * retried. */
typedef struct ex_ahttp ex_ahttp;
typedef struct ex_astats { long requests, retries, throttled; } ex_astats;
/* NULL when libcurl cannot start. rate: requests a second on average. */
ex_ahttp *ex_ahttp_open(const char *base, const char *key, int bearer, double rate);
void ex_ahttp_close(ex_ahttp *h);
/* GET url (absolute, or a path under the API root) into body: the final HTTP
   status, or 0 when no usable answer came (err says why). */
long ex_ahttp_get(ex_ahttp *h, const char *url, hm_buf *body, char *err, size_t errlen);
const ex_astats *ex_ahttp_stats(const ex_ahttp *h);

/* ==== ex_atera_api.c ====
 * Atera's routes, the one place they are spelled. */
typedef struct ex_atera_list {
  const char *path;   /* the folder the map reads */
  const char *api;    /* the paged list */
  const char *key;    /* the record's id member (pages of a live list overlap) */
} ex_atera_list;
typedef struct ex_atera_api {
  const ex_atera_list *lists;
  size_t nlists;
  const char *account, *custom_fields;
  const char *comments, *workhours, *attachments, *ticket_values;  /* %ld: ticket id */
  const char *values;   /* %s: customerfields or contactfields, %.0f: its id */
} ex_atera_api;
extern const ex_atera_api EX_ATERA;

/* ==== ex_atera.c ==== */
/* `hmaprun extract atera` (argv[0] = "extract"): the exit code of hm_extract.h. */
int ex_atera_main(int argc, char **argv);

#endif
