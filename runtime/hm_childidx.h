/* hm_childidx: an on-disk index of a child source's records (comments,
 * messages, log entries, attachments) by parent key, so a parent can be joined
 * to its children without holding any whole file in memory. */
#ifndef HM_CHILDIDX_H
#define HM_CHILDIDX_H
#include <stddef.h>
#include <stdint.h>
#include "hm_arena.h"
#include "hm_bytecode.h"
#include "hm_value.h"

typedef struct hm_childidx hm_childidx;
typedef void (*hm_bad_record_fn)(void *user, uint32_t src, const char *error);  /* bad records are reported, not fatal */

/* Reads every record of child_src once into a SQLite temporary database (in
 * $TMPDIR, deleted on free). The parent key of a record is its parent_by field
 * as text (numbers without ".0"), or its path key with parent_by_path. A bad
 * record, or one without a usable parent key, goes to bad() and is left out.
 * NULL + err when the source cannot be opened or read, or SQLite fails. */
hm_childidx *hm_childidx_build(const hm_program *p, uint32_t child_src, const char *data_dir,
                               hm_bad_record_fn bad, void *user, char *err, size_t errlen);
/* The children of parent_key as an HV_LIST of HV_REC in source order (empty list if none).
   0 ok, -1 on a SQLite error (*out is then an empty list). */
int hm_childidx_get(hm_childidx *x, const char *parent_key, hm_arena *a, hm_value *out);
uint64_t hm_childidx_count(const hm_childidx *x);
void hm_childidx_free(hm_childidx *x);

#endif
