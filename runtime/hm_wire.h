/* hm_wire: how a built target object looks on the Gorgias wire. The map and
 * the schema speak in fields (`customer` is a ref Customer, `tags` a list of
 * string); the API wants `{"id": ...}` wrappers, `[{"name": ...}]` tags and
 * Help Center `translation` envelopes. All of that knowledge lives in this one
 * module (see the table in hm_wire.c), so the planner and the VM stay generic. */
#ifndef HM_WIRE_H
#define HM_WIRE_H
#include "hm_buf.h"
#include "hm_bytecode.h"
#include "hm_value.h"

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

#endif
