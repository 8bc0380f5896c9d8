/* hm_spill: an append-only run of bytes that stays in memory while it is
 * small and goes to an unlinked temporary file ($TMPDIR, else /tmp) once it
 * outgrows HM_SPILL_MEM, then is read back by offset. Memory is bounded by
 * two buffers (writes, and a window for reads) whatever the size, and nothing
 * is left on disk, even after a crash. */
#ifndef HM_SPILL_H
#define HM_SPILL_H
#include <stddef.h>
#include <stdint.h>
#include "hm_buf.h"

typedef struct hm_spill {
  hm_buf mem;        /* bytes not yet written to the file (all of them while fd < 0) */
  hm_buf win;        /* read window over the file */
  uint64_t win_off;  /* file offset of win.data[0] */
  uint64_t flushed;  /* bytes in the file */
  int fd;            /* -1 until the first spill */
} hm_spill;

void hm_spill_init(hm_spill *s);
/* 0, or -1 with errno when the temporary file cannot be made or written. */
int hm_spill_append(hm_spill *s, const void *p, size_t n);
uint64_t hm_spill_size(const hm_spill *s);
/* n bytes at off, valid until the next call on s; NULL when they are not all
   there or the file cannot be read. Reading where the last view ended reads
   ahead; reading elsewhere reads just what is asked (an index lookup). */
const unsigned char *hm_spill_view(hm_spill *s, uint64_t off, size_t n);
void hm_spill_free(hm_spill *s);

#endif
