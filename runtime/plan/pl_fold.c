/* pl_fold: calls per record at the minimum. A rule's `after` block runs once
 * more in the create pass, just before the create is written, and what it
 * builds goes into the create: references to records created earlier resolve
 * there and then. The `after` pass then writes an update only when the block
 * names a record created at or after this record's create (a value the create
 * could not carry), and that update carries the create's object-valued fields
 * (meta) merged with the block's, because Gorgias replaces such a field whole.
 *
 * Invariant: the VM is deterministic, so an `after` run that resolves no
 * later record builds exactly what the fold put into the create. A rule whose
 * `after` block asks for an agent or an upload (host state that changes
 * between the passes) is not folded: its update is always written, and
 * counted above the minimum when it names nothing created later. */
#include <stdlib.h>
#include <string.h>
#include "pl.h"

static bool has_state_ops(const hm_code *c) {
  for (uint32_t i = 0; i < c->ncode; i++) {
    hm_opcode op = HM_OP(c->code[i]);
    if (op == HOP_AGENT || op == HOP_UPLOAD) return true;
  }
  return false;
}

void pl_fold_init(plan *pl) {
  const hm_program *p = pl->p;
  pl->foldable = calloc(p->nrules + 1, sizeof *pl->foldable);
  if (!pl->foldable) abort();
  for (uint32_t r = 0; r < p->nrules; r++)
    pl->foldable[r] = p->rules[r].has_after && !has_state_ops(&p->rules[r].after);
}

/* base's members, then over's: an object-valued member present in both is
   merged key by key the same way, any other member of over replaces base's. */
static hm_value merged(hm_arena *a, hm_value base, hm_value over) {
  if (base.kind != HV_REC || over.kind != HV_REC) return over;
  hm_value r = hv_rec_new(a, base.u.rec->n + over.u.rec->n);
  for (uint32_t i = 0; i < base.u.rec->n; i++)
    hv_rec_set(a, &r, base.u.rec->keys[i], base.u.rec->vals[i]);
  for (uint32_t i = 0; i < over.u.rec->n; i++) {
    const char *k = over.u.rec->keys[i];
    hm_value v = over.u.rec->vals[i], old = hv_rec_get(&base, k);
    if (v.kind == HV_REC && old.kind == HV_REC) v = merged(a, old, v);
    else if (v.kind == HV_REC && !v.u.rec->n) continue;   /* `meta = {}` adds nothing */
    hv_rec_set(a, &r, k, v);
  }
  return r;
}

/* Runs one block of `rule` without reporting (its events are the other
   run's) and returns what it emitted, or nothing. pl->got* are kept. */
static hm_value quiet_run(plan *pl, uint32_t rule, bool after, const hm_vm_record *vr) {
  bool got = pl->got;
  uint32_t target = pl->got_target;
  hm_value obj = pl->got_obj;
  pl->got = false;
  pl->quiet = true;
  hm_vm_status st = hm_vm_run(pl->vm, rule, after, vr, &pl->arena);
  pl->quiet = false;
  hm_value out = st == HM_VM_EMITTED && pl->got ? pl->got_obj : hv_missing(0);
  pl->got = got; pl->got_target = target; pl->got_obj = obj;
  return out;
}

hm_value pl_fold_after(plan *pl, uint32_t rule, const hm_vm_record *vr, hm_value obj) {
  if (!pl->foldable[rule]) return obj;
  uint32_t npend = pl->npend;   /* the body's uploads: the block adds none (foldable) */
  hm_value upd = quiet_run(pl, rule, true, vr);
  pl->npend = npend;
  return upd.kind == HV_REC ? merged(&pl->arena, obj, upd) : obj;
}

bool pl_update_needed(plan *pl, uint32_t rule) {
  if (pl->later_ref) return true;
  if (pl->foldable[rule]) return false;
  pl->surplus = true;   /* written as before the fold existed, above the minimum */
  return true;
}

hm_value pl_update_with_created(plan *pl, uint32_t rule, const hm_vm_record *vr, hm_value obj) {
  if (obj.kind != HV_REC) return obj;
  bool has_rec = false;
  for (uint32_t i = 0; i < obj.u.rec->n; i++) has_rec |= obj.u.rec->vals[i].kind == HV_REC;
  if (!has_rec) return obj;
  uint32_t npend = pl->npend;
  hm_value made = quiet_run(pl, rule, false, vr);
  pl->npend = npend;
  if (made.kind != HV_REC) return obj;
  hm_value r = hv_rec_new(&pl->arena, obj.u.rec->n);
  for (uint32_t i = 0; i < obj.u.rec->n; i++) {
    const char *k = obj.u.rec->keys[i];
    hm_value v = obj.u.rec->vals[i], old = hv_rec_get(&made, k);
    hv_rec_set(&pl->arena, &r, k, v.kind == HV_REC ? merged(&pl->arena, old, v) : v);
  }
  return r;
}
