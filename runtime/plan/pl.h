/* pl: what the plan layer's files share and nobody else sees (internal to
 * runtime/plan/; hm_plan.h is its interface). Sections name the file that
 * exports each group. */
#ifndef HM_PL_H
#define HM_PL_H
#include <stdint.h>
#include <stdio.h>
#include "hm_buf.h"
#include "hm_bytecode.h"
#include "hm_value.h"

/* ==== pl_md.c ====
 * Every value written into a Markdown file goes through one of these: inline
 * text (a table cell or a line), or a code span (written with its backticks).
 * The result never holds a line break, an unescaped `|`, a link, an image, an
 * autolink, raw HTML or an entity. */
void hm_md_text(FILE *f, const char *s);
void hm_md_code(FILE *f, const char *s);

/* ==== pl_wire.c ====
 * hm_wire: how a built target object looks on the Gorgias wire. The map and
 * the schema speak in fields (`customer` is a ref Customer, `tags` a list of
 * string); the API wants `{"id": ...}` wrappers, `[{"name": ...}]` tags and
 * Help Center `translation` envelopes. All of that knowledge lives in this one
 * module (see the table in pl_wire.c), so the planner and the VM stay generic. */
/* The name later calls use for the object a reference points at:
 * "<SourceObject>:<key>" for objects, "upload:<path>" for uploads; NULL for
 * agents (they are written as {"$agent": email}). Arena-allocated. */
const char *hm_wire_ref_name(hm_arena *a, const hm_ref *r);

/* The program's targets indexed for writing: made once per program. */
typedef struct hm_wire hm_wire;
hm_wire *hm_wire_new(const hm_program *p);
void hm_wire_free(hm_wire *w);

/* JSON body of object `obj` (HV_REC) of target `target`, in the API's shape:
 * - a ref in a field named `id` or `*_id` is the bare reference
 *   {"$ref": R}; in any other ref or any-typed field it is {"id": {"$ref": R}};
 *   agents are {"$agent": EMAIL} in the same places; uploads are
 *   {"$ref": "upload:P", "field": "url"} (the upload answer's url);
 * - list-of-target fields are written with the element target's rules;
 * - `tags` strings become [{"name": T}];
 * - the wire table's per-target moves (Help Center `translation`, Customer
 *   `organization` into meta) are applied;
 * - missing members and readonly fields are left out. */
void hm_wire_body(const hm_wire *w, hm_buf *out, uint32_t target, hm_value obj, hm_arena *a);

/* Target index by name, HM_BC_NONE if the program has none. */
uint32_t hm_wire_target(const hm_program *p, const char *name);
/* The indexes of target t's required fields, in schema order (*n of them). */
const uint32_t *hm_wire_required(const hm_wire *w, uint32_t t, uint32_t *n);
/* Field index of `name` in target t, HM_BC_NONE if none. */
uint32_t hm_wire_field(const hm_wire *w, uint32_t t, const char *name);

/* ==== pl_report.c, pl_sample.c ====
 * hm_report: what a plan tells people — per-object counts, every flag,
 * rejection, loss and gap with the source record and the map line that raised
 * it, the call counts and the time estimate. Written as report.json (for tools
 * and golden tests), report.md (for the customer), gap exports as CSV and
 * inventories as Markdown.
 *
 * Memory stays flat however many rows there are: per-record rows are spooled
 * to temporary files as finished JSON lines and copied into report.json at the
 * end; only counts and a bounded summary per distinct message stay in memory.
 * Output is deterministic: rows in processing order, objects in source order. */
/* REPEATS: records of a `distinct` source whose key an earlier record had
   (expected, not rejections). */
typedef enum hm_rpt_counter {
  HM_RPT_READ = 0, HM_RPT_PLANNED, HM_RPT_REJECTED, HM_RPT_FLAGGED, HM_RPT_GUARDED,
  HM_RPT_BAD, HM_RPT_REPEATS, HM_RPT__NCOUNT
} hm_rpt_counter;

typedef enum hm_rpt_kind { HM_ROW_FLAG = 0, HM_ROW_REJECT, HM_ROW_SKIP, HM_ROW_BAD, HM_ROW__N } hm_rpt_kind;

/* One report row. Strings are copied; NULL members are left out. */
typedef struct hm_rpt_row {
  hm_rpt_kind kind;
  uint32_t src;               /* source index */
  const char *key;            /* source record key */
  const char *severity;       /* flags: info|warn|review */
  const char *message;
  const char *map;            /* "file:line:col" */
  const char *rule, *field;
  const char *trigger, *why, *detail;   /* defaults: which nothing took it */
} hm_rpt_row;

typedef struct hm_rpt hm_rpt;

/* map_hash: 64 hex digits for report.json (hm_plan_map_hash). */
hm_rpt *hm_rpt_new(const hm_program *p, const char *map_hash);
void hm_rpt_free(hm_rpt *r);
/* The planner's max_upload_bytes, written to report.json for `run --plan`. */
void hm_rpt_upload_limit(hm_rpt *r, long long max);
void hm_rpt_count(hm_rpt *r, uint32_t src, hm_rpt_counter what);
uint64_t hm_rpt_get(const hm_rpt *r, uint32_t src, hm_rpt_counter what);
void hm_rpt_add(hm_rpt *r, const hm_rpt_row *row);
/* A LOSSY instruction (or a lossy rule's planned record) for annotation a. */
void hm_rpt_loss(hm_rpt *r, uint32_t annot);
/* A planned call of phase (upload|create|message|update) for a target name. */
void hm_rpt_call(hm_rpt *r, const char *phase, const char *target);
uint64_t hm_rpt_calls(const hm_rpt *r);
/* Record counted against gap g (exported or inventoried). */
void hm_rpt_gap_record(hm_rpt *r, uint32_t gap);
/* Sampling: the sample size asked and why a record was picked. */
void hm_rpt_sample(hm_rpt *r, long n);
void hm_rpt_sample_pick(hm_rpt *r, uint32_t src, const char *key, const char *reason);
/* Writes report.json and report.md into out_dir. 0 or -1 with err. */
int hm_rpt_write(hm_rpt *r, const char *out_dir, char *err, size_t errlen);

/* ---- gap exports ---- */
typedef struct hm_rpt_csv hm_rpt_csv;
/* A CSV export file; columns come from the first record (the header), later
 * fields not in it go to a last `_extra` column as JSON. */
hm_rpt_csv *hm_rpt_csv_open(const char *path, char *err, size_t errlen);
void hm_rpt_csv_row(hm_rpt_csv *c, hm_value rec);
int hm_rpt_csv_close(hm_rpt_csv *c);
/* Spreadsheet formula neutralisation: a cell starting with = + - @ (or tab/CR)
 * gets a leading apostrophe so Excel and LibreOffice show it as text. */
void hm_rpt_csv_cell(FILE *f, const char *s, size_t n);

/* Inventory rows for `gap X -> inventory`: records of the gap's source. */
void hm_rpt_inventory_item(hm_rpt *r, uint32_t gap, const char *key, const char *label);

#endif
