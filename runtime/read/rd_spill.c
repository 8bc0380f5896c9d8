/* hm_spill: bytes in memory, then in an unlinked temporary file; see rd.h.
 * The child index keeps its rows here rather than in SQLite: its rows are
 * written once and read back mostly in write order, and going through
 * SQLite's pages cost a plan a third of its time. */
#include "rd.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HM_SPILL_MEM
#define HM_SPILL_MEM (1u << 20)   /* tests build a tiny one, to take the file path */
#endif

void hm_spill_init(hm_spill *s) {
  memset(s, 0, sizeof *s);
  hm_buf_init(&s->mem);
  hm_buf_init(&s->win);
  s->fd = -1;
}

static int open_file(hm_spill *s) {
  const char *dir = getenv("TMPDIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/hmap-spill-XXXXXX", dir && *dir ? dir : "/tmp");
  s->fd = mkstemp(path);
  if (s->fd < 0) return -1;
  unlink(path);   /* gone from the directory now; the space is freed on close or crash */
  return 0;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int flush_mem(hm_spill *s) {
  if (!s->mem.len) return 0;
  if (s->fd < 0 && open_file(s) < 0) return -1;
  if (write_all(s->fd, s->mem.data, s->mem.len) < 0) return -1;
  s->flushed += s->mem.len;
  s->mem.len = 0;
  return 0;
}

int hm_spill_append(hm_spill *s, const void *p, size_t n) {
  if (s->mem.len + n > HM_SPILL_MEM && flush_mem(s) < 0) return -1;
  hm_buf_put(&s->mem, p, n);
  return 0;
}

uint64_t hm_spill_size(const hm_spill *s) { return s->flushed + s->mem.len; }

static int fill_window(hm_spill *s, uint64_t off, size_t want) {
  s->win.len = 0;
  hm_buf_reserve(&s->win, want);
  s->win_off = off;
  while (s->win.len < want) {
    ssize_t r =
        pread(s->fd, s->win.data + s->win.len, want - s->win.len, (off_t)(off + s->win.len));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    s->win.len += (size_t)r;
  }
  return 0;
}

const unsigned char *hm_spill_view(hm_spill *s, uint64_t off, size_t n) {
  if (off > hm_spill_size(s) || n > hm_spill_size(s) - off) return NULL;
  if (!n) return (const unsigned char *)"";
  if (s->fd < 0) return (const unsigned char *)s->mem.data + off;
  if (flush_mem(s) < 0) return NULL;
  uint64_t win_end = s->win_off + s->win.len;
  if (off < s->win_off || off + n > win_end) {
    /* Reading on from the window's end is a scan: read ahead. Elsewhere
       it is a lookup: read only what it asks for. */
    size_t want = n;
    if (off >= s->win_off && off <= win_end && n < HM_SPILL_MEM) {
      uint64_t left = s->flushed - off;
      want = left < HM_SPILL_MEM ? (size_t)left : HM_SPILL_MEM;
    }
    if (fill_window(s, off, want) < 0) return NULL;
  }
  return (const unsigned char *)s->win.data + (off - s->win_off);
}

void hm_spill_free(hm_spill *s) {
  if (s->fd >= 0) close(s->fd);
  hm_buf_free(&s->mem);
  hm_buf_free(&s->win);
  s->fd = -1;
}
