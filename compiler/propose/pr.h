/* pr.h: what the files of compiler/propose/ share and nobody else sees — the
 * export as propose sees it (sources found, each column's profile) and the
 * guesses made about it. Sections name the file that exports each group. */
#ifndef PR_H
#define PR_H
#include <stdbool.h>
#include <stdint.h>
#include "hm_arena.h"
#include "hm_buf.h"
#include "hm_bytecode.h"
#include "hm_hash.h"
#include "hm_propose.h"

#define PR_MAX_DISTINCT 100000u  /* distinct values kept per column: bounded memory */
#define PR_ENUM_MAX 12u          /* at most this many distinct values make an enum */
#define PR_MAX_SOURCES 256u
#define PR_NDATEFMT 6

typedef enum pr_target {
  PT_NONE = 0, PT_TICKET, PT_MESSAGE, PT_CUSTOMER, PT_USER, PT_TEAM, PT_TAG
} pr_target;

/* One column (a CSV header cell, a JSON record's top-level member). */
typedef struct pr_col {
  const char *name;
  uint64_t filled;                 /* values neither empty, null nor missing */
  uint64_t nint, nbool, nemail, nnested, nstr;
  uint64_t ndate[PR_NDATEFMT];     /* values read by each pr_date_formats entry */
  uint64_t noffset;                /* ISO values that carry their offset (Z, +02:00) */
  hm_htab vals;                    /* value text -> (uintptr_t) count */
  const char **order;              /* distinct values in first-seen order */
  uint32_t ndistinct, cap;
  bool capped;                     /* more than PR_MAX_DISTINCT distinct values */
  bool read;                       /* a proposed rule reads it (else: ignore) */
  int ref;                         /* source whose key its values name, or -1 */
} pr_col;

typedef struct pr_src {
  const char *name, *path, *records;
  int fmt;                         /* hm_format */
  int path_parent;                 /* with a '*' under a keyed folder source: it, else -1 */
  uint64_t nrec, nbad;
  const char *first_error;
  uint32_t ncols, capcols;
  pr_col *cols;
  int key;                         /* column index or -1 */
  int parent, parent_by;           /* source, column (-1 = by path); parent -1 = none */
  pr_target target;
} pr_src;

typedef struct pr_export {
  hm_arena a;
  const char *dir;
  pr_src *srcs;
  uint32_t n;
  hm_propose_system sys;
  uint32_t nother;                 /* files neither CSV nor JSON (attachments) */
} pr_export;

/* ==== pr_scan.c ==== finding the sources of an export and profiling columns */
extern const char *const pr_date_formats[PR_NDATEFMT];
int pr_scan(pr_export *x, const char *dir, char *err, size_t errlen);
void pr_export_free(pr_export *x);
int pr_col_find(const pr_src *s, const char *name);
uint64_t pr_val_count(const pr_col *c, const char *v);
int pr_col_datefmt(const pr_col *c);   /* index into pr_date_formats, or -1 */
bool pr_col_is_int(const pr_col *c);

/* ==== pr_guess.c ==== system, keys, links and targets */
void pr_guess(pr_export *x, hm_propose_system from);
const char *pr_system_name(hm_propose_system s);

/* ==== pr_emit.c ==== the map text */
void pr_emit(pr_export *x, hm_buf *out);

#endif
