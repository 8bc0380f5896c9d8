/* hm_names: the name -> index map of hm_names.h; values are stored as
 * pointer-size integers in the table's slots. */
#include "hm_names.h"

int32_t hm_names_get(const hm_names *m, const char *key) {
  void **v = hm_htab_find_str(&m->t, key);
  return v ? (int32_t)(intptr_t)*v : -1;
}

int32_t hm_names_put(hm_names *m, const char *key, int32_t val) {
  bool fresh;
  void **v = hm_htab_put_str(&m->t, key, &fresh);
  if (!fresh) return (int32_t)(intptr_t)*v;
  *v = (void *)(intptr_t)val;
  return -1;
}

void hm_names_free(hm_names *m) { hm_htab_free(&m->t); }
