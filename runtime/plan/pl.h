/* pl: what the plan layer's files share and nobody else sees (internal to
 * runtime/plan/; hm_plan.h is its interface). Sections name the file that
 * exports each group. */
#ifndef HM_PL_H
#define HM_PL_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "hm_arena.h"
#include "hm_buf.h"
#include "hm_bytecode.h"
#include "hm_plan.h"
#include "hm_gorgias.h"
#include "hm_hash.h"
#include "hm_psettings.h"
#include "hm_read.h"
#include "hm_value.h"
#include "hm_vm.h"

/* ==== pl_md.c ====
 * Every value written into a Markdown file goes through one of these: inline
 * text (a table cell or a line), or a code span (written with its backticks).
 * The result never holds a line break, an unescaped `|`, a link, an image, an
 * autolink, raw HTML or an entity. */
void hm_md_text(FILE *f, const char *s);
void hm_md_code(FILE *f, const char *s);

/* ==== pl_html.c ====
 * report.html from the report.json just written (so its numbers are
 * report.json's), with the human identifiers of example records, the
 * inventories' spooled rows, the map's settings and the tool's version. */
typedef struct pl_html_in {
  const hm_program *p;
  const char *report_json;
  const char *(*label)(void *u, const char *object, const char *key);   /* or NULL */
  void *u;
  FILE *const *inventory;     /* per gap: spooled Markdown rows "| key | label |", or NULL */
  FILE *agents;               /* rows "| object | key | name <e-mail> |" (agents), or NULL */
  const char *version;
} pl_html_in;
int pl_html_write(const pl_html_in *in, FILE *f);
/* ---- pl_scope.c (for report.html) ----
 * The scope's kinds of object, requests and grade as HTML, from report.json. */
void pl_scope_html(const hm_program *p, const struct cJSON *j, FILE *f);
/* The same in a few lines at the top of report.md (scope.md has the tables). */
void pl_scope_md(const hm_program *p, const struct cJSON *j, FILE *f);
/* "REF SUBJECT <EMAIL>" / "NAME <EMAIL>" of a source record from the columns
   that usually carry them; NULL when it has none. malloc'd. */
char *pl_record_label(const hm_value *rec);
/* The record's e-mail address by the same columns, or NULL. */
const char *pl_record_email(const hm_value *rec);

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

typedef enum hm_rpt_kind {
  HM_ROW_FLAG = 0,
  HM_ROW_REJECT,
  HM_ROW_SKIP,
  HM_ROW_BAD,
  HM_ROW__N
} hm_rpt_kind;

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
/* needed: false for a call the minimum would not make (an update that carries
   no reference to a record created later). */
void hm_rpt_call(hm_rpt *r, const char *phase, const char *target, bool needed);
uint64_t hm_rpt_calls(const hm_rpt *r);
/* Record counted against gap g (exported or inventoried). */
void hm_rpt_gap_record(hm_rpt *r, uint32_t gap);
/* Sampling: the sample size asked and why a record was picked. */
void hm_rpt_sample(hm_rpt *r, long n);
void hm_rpt_sample_pick(hm_rpt *r, uint32_t src, const char *key, const char *reason);
/* One record read of source src (its key, or NULL): columns with a value
   that the map neither reads nor ignores (pl_unread.c). */
void hm_rpt_unread(hm_rpt *r, uint32_t src, hm_value rec, const char *key);
/* The human identifiers of record key of src (pl_record_label of rec), kept
   for report.html's examples of the rows just added. */
void hm_rpt_label(hm_rpt *r, uint32_t src, const char *key, const hm_value *rec);
/* A Gorgias user planned from record key of src (an agent to invite): listed
   with the user's name and e-mail (pl_record_label of user) in inventory.md. */
void hm_rpt_agent(hm_rpt *r, uint32_t src, const char *key, const hm_value *user);
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

/* ==== the planner's state and its parts: pl_plan.c (set-up, the map hash),
 * pl_keys.c, pl_host.c, pl_emit.c, pl_pass.c ====
 * One `plan` per `hmaprun plan` (or planning run); everything below takes it. */

#define HM_MAX_MESSAGES HM_GORGIAS_TICKET_MESSAGES_MAX   /* per ticket create: the profile */
#define FNV0 HM_FNV64_OFFSET

/* ord: with values, the seq of the call that made the key's object (pl_fold.c
   tells a reference to a record created earlier from one created later). */
typedef struct kmap { uint64_t *h; char **v; uint64_t *ord; size_t cap, n; bool values; } kmap;

#define KEYSET_MEM_MAX (1u << 14)

typedef struct keyset { kmap mem; sqlite3 *db; sqlite3_stmt *ins, *has; } keyset;

typedef struct src_state {
  bool has_rules, has_after, looked_up, children_used;
  keyset seen;        /* keys read (duplicate check) */
  kmap made;          /* key -> ref key part ("k" or "k:Target"), when needed */
  hm_childidx *cidx;
  hm_childidx *fidx;  /* `find S(k)`: the source's records indexed by their own key */
  bool find_used;
  hm_sample *sample;
  kmap need;          /* sample mode: keys that sampled records look up */
  int *colmap; uint32_t gen; bool bound;
  bool *had;          /* per field read: some record of the first pass had a value */
  uint64_t planned_records;   /* records of the first pass that reached the rules */
  kmap flagged;       /* has_after: keys of records flagged (by either pass), counted once */
} src_state;

typedef struct upload { const char *rel; long long size; } upload;

typedef struct plan {
  const hm_program *p;
  const hm_plan_opts *o;
  hm_vm *vm;
  hm_wire *wire;
  hm_rpt *rpt;
  src_state *ss;
  char **rule_suffix;          /* per rule: "" or ":Target" or ":Target:rN" */
  FILE *calls;
  uint64_t seq;
  hm_arena arena;              /* per record */
  hm_buf body, line, scratch;
  kmap uploaded, agents;
  kmap addrs;                  /* "Source:keypart" of a planned Customer/User create -> e-mail */
  keyset uniq;                 /* target + unique field + value of planned creates */
  hm_value pset[HM_PSET__COUNT];   /* planner settings (stdlib/hm_psettings.h); missing: none */
  /* the record being planned */
  uint32_t src;
  const char *key;
  hm_value whole;
  bool flagged, dry, collect;
  uint32_t dry_emits;          /* rules that emitted during a dry run */
  size_t keyset_max;
  upload *pend; uint32_t npend, cap_pend;
  bool got; uint32_t got_target; hm_value got_obj;
  /* The map's flags (VM events: a `??` flag, a builtin's) of the rule being
     run wait for its outcome: a rule that rejects the record reports its
     rejection only (pl_row, pl_release_flags). The planner's own rows (an
     upload refused, a thread fixed) explain the data: they wait in order
     with the others but are reported whatever the outcome. */
  bool hold; hm_rpt_row *held; bool *held_always; uint32_t nheld, capheld;
  /* pl_fold.c: a rule's `after` block folded into its create (foldable per
     rule); quiet: a re-run whose events and rows were reported by another run;
     in_after/cur_ord/later_ref: the `after` pass notes a lookup of a record
     made at or after this record's create; surplus: the next call is one the
     minimum would not make */
  bool *foldable;
  bool quiet, in_after, later_ref, surplus;
  uint64_t cur_ord;
  hm_sample_feat feat;
  int rejected_any;
  /* A record's calls wait in rec_calls until its rules have all run, so that
     its first call can carry the record's flags (rec_flags: the JSON objects
     of its flag rows, comma-separated) to the run (common/hm_calls.h). */
  bool buffering; hm_buf rec_calls, rec_flags; size_t first_end;
  /* The flags an `after` pass raises belong to the record's create, written
     in the first pass: kept as (the create's seq, flags) and spliced into that
     line as the calls are copied from calls (a temporary file when a rule has
     an `after` block) to calls_out (pl_after_flags_splice). */
  bool rec_after;
  struct pl_aflag { uint64_t seq; char *json; } *aflags;
  size_t naflags, capaflags;
  FILE *calls_out;
} plan;

static inline const char *K(const hm_program *p, uint32_t k) { return hm_vm_const(p, k); }

static inline const char *src_name(plan *pl, uint32_t s) {
  return K(pl->p, pl->p->sources[s].name);
}

static inline const char *tgt_name(plan *pl, uint32_t t) {
  return K(pl->p, pl->p->targets[t].name);
}

/* The plural ending of a count printed before an English noun: "1 record", "2 records". */
static inline const char *pl_s(double n) { return n == 1 ? "" : "s"; }

static inline const char *sev_name(uint32_t s) {
  static const char *n[] = {"info", "warn", "review"};
  return s < 3 ? n[s] : "info";
}

/* ---- pl_unread.c ---- */
typedef struct pl_unread pl_unread;
pl_unread *pl_unread_new(const hm_program *p);
void pl_unread_free(pl_unread *u);
/* Counts rec's members with a value: read ones nothing, ignored ones as
   hm_rpt_loss of their annotation, the others per (source, column). */
void pl_unread_record(pl_unread *u, hm_rpt *r, uint32_t src, hm_value rec, const char *key);
/* report.json's "not_migrated" member (with its trailing comma), strings written by jstr. */
void pl_unread_json(const pl_unread *u, FILE *f, void (*jstr)(FILE *, const char *));
void pl_unread_md(const pl_unread *u, FILE *f);

/* ---- pl_keys.c ---- */
uint64_t pl_body_hash(const void *data, size_t n, uint64_t h);
char *pl_cat3(hm_arena *ar, const char *a, const char *b, const char *c);
int pl_keyset_add(keyset *k, const char *key, size_t max);
int pl_keyset_error(keyset *k, char *err, size_t errlen);
void pl_keyset_free(keyset *k);
int pl_keyset_has(keyset *k, const char *key);
uint64_t pl_khash(const char *s);
long pl_kmap_find(kmap *m, uint64_t h, bool insert, bool *was_new);
void pl_kmap_free(kmap *m);

/* ---- pl_host.c ---- */
hm_childidx *pl_build_find_index(plan *pl, uint32_t s, char *err, size_t errlen);
const char *pl_find_file(plan *pl, const char *rel, long long *size, hm_arena *a, char *why,
                         size_t whylen);
hm_value pl_h_agent(void *u, hm_value email, hm_arena *a);
hm_value pl_h_children(void *u, uint32_t src, hm_arena *a);
void pl_h_emit(void *u, uint32_t rule, bool is_after, uint32_t target, hm_value obj);
void pl_h_event(void *u, const hm_vm_event *e);
hm_value pl_h_find(void *u, uint32_t src, hm_value key, hm_arena *a);
hm_value pl_h_lookup(void *u, uint32_t src, hm_value key, hm_arena *a);
hm_value pl_h_upload(void *u, hm_value path, hm_arena *a);
char *pl_lower_trim(hm_arena *a, hm_value v);
void pl_mark_finds(plan *pl);
void pl_scan_text(plan *pl, hm_value v);

/* ---- pl_emit.c ---- */
void pl_write_header(plan *pl, const char *map_hash, long long max_upload_bytes);
bool pl_plan_create(plan *pl, uint32_t rule, uint32_t target, hm_value obj);
void pl_plan_update(plan *pl, uint32_t rule, uint32_t target, hm_value obj);
/* The seq of the create of the current record by `rule`, 0 when not made. */
uint64_t pl_made_ord(plan *pl, uint32_t rule);

/* ---- pl_fold.c ---- */
void pl_fold_init(plan *pl);
hm_value pl_fold_after(plan *pl, uint32_t rule, const hm_vm_record *vr, hm_value obj);
bool pl_update_needed(plan *pl, uint32_t rule);
hm_value pl_update_with_created(plan *pl, uint32_t rule, const hm_vm_record *vr, hm_value obj);

/* Hold the calls of the record about to be planned (pl->buffering). */
void pl_record_begin(plan *pl);
/* Write them, the record's flags on its first call ("flags"). */
void pl_record_end(plan *pl);
/* A flag row reported on the record being planned: kept for its first call. */
void pl_record_flag(plan *pl, const hm_rpt_row *row);
/* The record's `after` pass flags kept for its create line (pl->rec_after):
   true when there were some and the record was created. */
bool pl_record_after_kept(plan *pl);
/* Copies pl->calls to pl->calls_out, the kept flags on their create lines. */
int pl_after_flags_splice(plan *pl, char *err, size_t errlen);

/* ---- pl_pass.c ---- */
int pl_choose_sample(plan *pl, uint32_t s, char *err, size_t errlen);
int pl_plan_gap(plan *pl, uint32_t g, char *err, size_t errlen);
int pl_plan_pass(plan *pl, uint32_t s, bool after, char *err, size_t errlen);
/* A source read only through joins (children, find): its records' columns
   for the not-migrated accounting. A gap's source is exported whole: skipped. */
int pl_unread_pass(plan *pl, uint32_t s, char *err, size_t errlen);

/* ---- pl_plan.c ---- */
void pl_bad_child(void *user, uint32_t src, const char *error);
const char *pl_map_loc(plan *pl, const char *file, uint32_t line, uint32_t col);
void pl_report_row(plan *pl, hm_rpt_kind kind, const char *sev, const char *msg, const char *map,
                   uint32_t rule, const char *field);
/* One report row of a VM event of the record being planned: a flag is held
   while pl->hold, and dropped if the rule rejects unless `always` (a fact about
   the data, such as a value no match arm names). */
void pl_row(plan *pl, const hm_rpt_row *row, bool always);
/* The held flag rows: reported when the rule's outcome stands (keep), else dropped. */
void pl_release_flags(plan *pl, bool keep);
const char *pl_rule_loc(plan *pl, uint32_t r);

/* ---- pl_manifest.c ---- */
/* Each file's count in the export's manifest.json (hmaprun extract) against
   the records read from it: a difference is a review flag. */
void pl_check_manifest(plan *pl);

#endif
