/* hm_list: builtins over lists — first, last, count, unique, flatten.
 *
 * A single non-list value is treated as a one-item list, so a map can apply
 * first() to a field that is sometimes a list and sometimes a scalar (JSON
 * exports do that) without a type switch. */
#include "hm_std.h"

static const hm_value *items_of(const hm_value *v, uint32_t *n) {
  if (v->kind == HV_LIST) { *n = v->u.list->n; return v->u.list->items; }
  *n = 1;
  return v;
}

HM_BI(first) {
  (void)ctx; (void)argc;
  HM_PROPAGATE(argv[0], out);
  uint32_t n;
  const hm_value *it = items_of(&argv[0], &n);
  *out = n ? it[0] : hv_missing(HM_WHY_EMPTY);
  return 0;
}

HM_BI(last) {
  (void)ctx; (void)argc;
  HM_PROPAGATE(argv[0], out);
  uint32_t n;
  const hm_value *it = items_of(&argv[0], &n);
  *out = n ? it[n - 1] : hv_missing(HM_WHY_EMPTY);
  return 0;
}

HM_BI(count) {
  (void)ctx; (void)argc;
  HM_PROPAGATE(argv[0], out);
  uint32_t n;
  items_of(&argv[0], &n);
  *out = hv_num(n);
  return 0;
}

/* First occurrence wins and order is kept. Quadratic, which is fine for the
 * tag and address lists it is meant for. */
HM_BI(unique) {
  (void)argc;
  HM_PROPAGATE(argv[0], out);
  uint32_t n;
  const hm_value *it = items_of(&argv[0], &n);
  hm_value list = hv_list_new(ctx->arena, n);
  for (uint32_t i = 0; i < n; i++) {
    bool seen = false;
    for (uint32_t j = 0; j < list.u.list->n && !seen; j++)
      seen = hv_equal(list.u.list->items[j], it[i]);
    if (!seen) hv_list_push(ctx->arena, &list, it[i]);
  }
  *out = list;
  return 0;
}

static void flatten_into(hm_bctx *ctx, hm_value *dst, hm_value v, int depth) {
  if (v.kind != HV_LIST || depth > 64) { hv_list_push(ctx->arena, dst, v); return; }
  for (uint32_t i = 0; i < v.u.list->n; i++) flatten_into(ctx, dst, v.u.list->items[i], depth + 1);
}

/* All levels; nested lists deeper than 64 are kept as they are rather than
 * recursing without bound on hostile input. */
HM_BI(flatten) {
  (void)argc;
  HM_PROPAGATE(argv[0], out);
  hm_value list = hv_list_new(ctx->arena, 4);
  flatten_into(ctx, &list, argv[0], 0);
  *out = list;
  return 0;
}
