/* hm_vm: the bytecode interpreter. It runs one rule's code (body or `after`)
 * over one source record and reports what happened through host callbacks;
 * it knows nothing about files, readers, the id map or the report. The planner
 * (and the unit tests) are its only callers, which keeps the VM testable with
 * hand-assembled programs and lets the planner decide what a lookup means.
 *
 * Memory: every value the VM makes lives in the arena passed to hm_vm_run (the
 * per-record arena); the VM's own stacks are malloc'd once and reused. */
#ifndef HM_VM_H
#define HM_VM_H
#include <stdbool.h>
#include <stdint.h>
#include "hm_arena.h"
#include "hm_builtins.h"
#include "hm_bytecode.h"
#include "hm_value.h"

/* What raised a report event: an annotation instruction (kind = hm_annot_kind)
 * or a builtin's own flag (truncate cut text, sanitize removed a script). */
/* HM_EV_UNMATCHED: a value no arm of a match names (a warn flag about the data,
   reported whatever the record's outcome, unlike the map's and builtins' flags). */
enum { HM_EV_FLAG = HA_FLAG, HM_EV_REJECT = HA_REJECT, HM_EV_LOSSY = HA_LOSSY,
       HM_EV_SKIP = HA_SKIP, HM_EV_BUILTIN = 16, HM_EV_UNMATCHED = 17 };

typedef struct hm_vm_event {
  uint8_t kind;            /* HM_EV_* */
  uint8_t severity;        /* hm_severity */
  uint32_t annot;          /* annotation index, HM_BC_NONE for builtin flags */
  uint32_t rule;           /* rule index */
  const char *message;
  const char *file;        /* map file, line, col that raised it */
  uint32_t line, col;
  const char *field;       /* target field name or NULL */
  /* FLAGWHY only: which nothing took the default: "missing" or "null", and for a
   * missing value why it was missing ("absent", "lookup", "parse", "nomatch",
   * "empty") plus a builtin's error text when a builtin produced it. */
  const char *trigger, *why, *detail;
} hm_vm_event;

/* The host: how the VM reaches the world. Every callback may be NULL (then
 * lookups miss, children are empty, events are dropped). */
typedef struct hm_vm_host {
  void *user;
  /* LOOKUP: reference to the object planned from record `key` of source `src`,
   * or hv_missing(HM_WHY_LOOKUP). */
  hm_value (*lookup)(void *user, uint32_t src, hm_value key, hm_arena *a);
  /* AGENT: reference to the Gorgias user with this e-mail, or missing. */
  hm_value (*agent)(void *user, hm_value email, hm_arena *a);
  /* UPLOAD: reference to the upload of a file under the data dir, or missing
   * (the file does not exist). */
  hm_value (*upload)(void *user, hm_value path, hm_arena *a);
  /* CHILDREN: list of child records (HV_REC) of source `src` joined to the
   * current record, in file order. */
  hm_value (*children)(void *user, uint32_t src, hm_arena *a);
  /* EMIT: the rule built target object `obj` (HV_REC) of target `target`. */
  void (*emit)(void *user, uint32_t rule, bool is_after, uint32_t target, hm_value obj);
  /* A flag, rejection, loss or skipped element. */
  void (*event)(void *user, const hm_vm_event *ev);
  /* FIND: the export record (HV_REC) of source `src` whose key is `key` — a
   * join against another file, not a migrated object — or missing. */
  hm_value (*find)(void *user, uint32_t src, hm_value key, hm_arena *a);
} hm_vm_host;

/* The current source record: `cols[a]` is LOADCOL a (already bound to the
 * reader's columns by the caller); `whole` is the record as a value. */
typedef struct hm_vm_record {
  const hm_value *cols;
  uint32_t ncols;
  hm_value whole;
} hm_vm_record;

typedef enum hm_vm_status {
  HM_VM_EMITTED = 0,   /* ran to RET after at least one EMIT */
  HM_VM_GUARDED,       /* ran to RET without emitting: the `when` guard was false */
  HM_VM_REJECTED,      /* a REJECT stopped the rule */
  HM_VM_ERROR          /* a run-time fault (see hm_vm_error) */
} hm_vm_status;

typedef struct hm_vm hm_vm;

/* The VM keeps pointers to p, host and builtins: they must outlive it, and p
 * must not change meanwhile (the VM tabulates its constants and target fields
 * once, here). */
hm_vm *hm_vm_new(const hm_program *p, const hm_vm_host *host,
                 const hm_builtin *builtins, int nbuiltins);
void hm_vm_free(hm_vm *vm);
/* The builtins' per-run caches (hm_std_state_new); NULL is valid. Not owned. */
void hm_vm_set_std(hm_vm *vm, struct hm_std_state *std);

/* Settings start at the map's defaults. hm_vm_set converts `text` to the
 * setting's type (--set NAME=VALUE); returns -1 with a reason in err for an
 * unknown name or a bad value. */
int hm_vm_set(hm_vm *vm, const char *name, const char *text, char *err, size_t errlen);
hm_value hm_vm_setting(const hm_vm *vm, const char *name);   /* missing if none */

hm_vm_status hm_vm_run(hm_vm *vm, uint32_t rule, bool is_after,
                       const hm_vm_record *rec, hm_arena *a);
/* The fault of the last HM_VM_ERROR, with its map location. */
const char *hm_vm_error(const hm_vm *vm);

/* Map location (line, col) of instruction pc of a code array. */
void hm_vm_locate(const hm_code *c, uint32_t pc, uint32_t *line, uint32_t *col);
/* "" for NONE; inline: the planner and the VM read names on every record */
static inline const char *hm_vm_const(const hm_program *p, uint32_t k) {
  return k < p->nconsts && p->consts[k].str ? p->consts[k].str : "";
}

#endif
