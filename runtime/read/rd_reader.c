/* hm_reader: the reader's front door. Owns opening a source (path expansion,
 * per-file open/close, generations), the buffered input every format reads
 * through (big reads, line tracking for error positions) and dispatch by
 * format. The formats themselves live in rd_csv.c, rd_json.c and rd_sqlite.c. */
#include "rd.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *cstr(const hm_program *p, uint32_t i) {
  return i != HM_BC_NONE && i < p->nconsts && p->consts[i].str ? p->consts[i].str : NULL;
}

const char *hm_reader_file(const hm_reader *r) {
  return r->cur < r->nfiles ? r->files[r->cur].rel : "?";
}

void hm_reader_fail(hm_reader *r, uint64_t line, uint64_t col, const char *fmt, ...) {
  int n = snprintf(r->err, sizeof r->err, "%s:%llu:%llu: ", hm_reader_file(r),
                   (unsigned long long)line, (unsigned long long)col);
  if (n < 0 || (size_t)n >= sizeof r->err) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
  va_end(ap);
}

/* ---- buffered input ---- */

int hm_in_fill(hm_reader *r, size_t want) {
  size_t avail = r->len - r->pos;
  if (avail >= want || r->eof) return (int)(avail < want ? avail : want);
  if (r->pos) {
    memmove(r->buf, r->buf + r->pos, avail);
    r->buf_abs += r->pos;
    r->len = avail;
    r->pos = 0;
  }
  while (r->len < want && !r->eof) {
    ssize_t got = read(r->fd, r->buf + r->len, HM_READ_BUF - r->len);
    if (got < 0) {
      if (errno == EINTR) continue;
      snprintf(r->err, sizeof r->err, "%s: read error: %s", hm_reader_file(r), strerror(errno));
      return -1;
    }
    if (got == 0) r->eof = true;
    r->len += (size_t)got;
  }
  avail = r->len - r->pos;
  return (int)(avail < want ? avail : want);
}

static void close_file(hm_reader *r) {
  hm_sqlite_close(r);
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  r->open = false;
}

/* Opens files[cur], skips a UTF-8 BOM and lets the format read its preamble. */
static int open_file(hm_reader *r) {
  const char *rel = r->files[r->cur].rel;
  r->fd = hm_contain_open(r->data_dir, rel, O_RDONLY, r->err, sizeof r->err);
  if (r->fd < 0) { r->fd = -1; return -1; }
  r->open = true;
  r->generation++;
  r->len = r->pos = 0;
  r->buf_abs = 0;
  r->eof = false;
  r->line = 1;
  r->line_start = 0;
  r->ncols = 0;
  r->cols = NULL;
  if (r->fmt == HF_SQLITE) return hm_sqlite_begin(r);
  int n = hm_in_fill(r, 3);
  if (n < 0) return -1;
  if (n == 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
    r->pos = 3;
    r->line_start = 3;                     /* columns count from after the BOM */
  }
  int rc = 0;
  if (r->fmt == HF_CSV) rc = hm_csv_begin(r);
  else rc = hm_jsonsrc_begin(r);
  return rc;
}

/* The attachment folder a source's metadata rows point into (`files "DIR"`)
   must exist too: finding it missing after half the plan would be too late. */
static int check_files_dir(const hm_program *p, const hm_source *s, const char *data_dir, char *err,
                           size_t errlen) {
  const char *files = cstr(p, s->files);
  if (!files || strchr(files, '*')) return 0;
  int fd = hm_contain_open(data_dir, files, O_RDONLY | O_DIRECTORY, err, errlen);
  if (fd >= 0) { close(fd); return 0; }
  if (fd == HM_CONTAIN_REFUSED) return -1;
  snprintf(err, errlen, "%s: no such folder in the data folder (the files of source %s)", files,
           cstr(p, s->name) ? cstr(p, s->name) : "?");
  return -1;
}

hm_reader *hm_reader_open(const hm_program *p, uint32_t src, const char *data_dir, char *err,
                          size_t errlen) {
  if (!p || src >= p->nsources) {
    snprintf(err, errlen, "no source #%u in the program", src);
    return NULL;
  }
  const hm_source *s = &p->sources[src];
  const char *path = cstr(p, s->path);
  if (!path || !*path) { snprintf(err, errlen, "source #%u has no path", src); return NULL; }
  if (s->format > HF_SQLITE) {
    snprintf(err, errlen, "%s: unknown format %u", path, s->format);
    return NULL;
  }
  if (s->format == HF_CSV &&
      (s->sep == '"' || s->sep == '\n' || s->sep == '\r' || s->sep >= 0x80)) {
    snprintf(err, errlen, "%s: cannot use byte 0x%02X as the CSV separator", path, s->sep);
    return NULL;
  }
  if (check_files_dir(p, s, data_dir && *data_dir ? data_dir : ".", err, errlen) < 0) return NULL;
  hm_reader *r = calloc(1, sizeof *r);
  r->p = p;
  r->src = src;
  r->fmt = (hm_format)s->format;
  r->fd = -1;
  hm_arena_init(&r->life, 16 * 1024);
  hm_buf_init(&r->scratch);
  hm_buf_init(&r->key);
  r->data_dir = hm_arena_strdup(&r->life, data_dir && *data_dir ? data_dir : ".");
  r->sep = s->sep ? (char)s->sep : ',';
  r->absent = (s->flags & HM_SRC_OPTIONAL) && hm_srcpath_absent(r->data_dir, path);
  if (!r->absent && hm_srcpath_expand(&r->life, r->data_dir, path, r->fmt == HF_JSON_PAGES,
                                      &r->files, &r->nfiles, err, errlen) < 0) {
    hm_reader_close(r);
    return NULL;
  }
  r->buf = malloc(HM_READ_BUF);
  if (r->fmt != HF_CSV && r->fmt != HF_SQLITE) hm_jsonsrc_init(r);
  if (r->nfiles && open_file(r) < 0) {
    snprintf(err, errlen, "%s", r->err);
    hm_reader_close(r);
    return NULL;
  }
  return r;
}

int hm_reader_next(hm_reader *r, hm_arena *a, hm_record *out) {
  for (;;) {
    if (!r->open) {
      if (r->cur >= r->nfiles) return 0;
      if (open_file(r) < 0) { close_file(r); r->cur = r->nfiles; return -2; }
    }
    int rc;
    switch (r->fmt) {
    case HF_CSV: rc = hm_csv_next(r, a, out); break;
    case HF_SQLITE: rc = hm_sqlite_next(r, a, out); break;
    case HF_NDJSON: rc = hm_ndjson_next(r, a, out); break;
    default: rc = hm_jsonsrc_next(r, a, out); break;
    }
    if (rc == 0) { close_file(r); r->cur++; continue; }
    if (rc == -2) { close_file(r); r->cur = r->nfiles; return -2; }
    r->index++;
    if (rc == 1) {
      out->file = r->files[r->cur].rel;
      out->path_key = r->files[r->cur].key;
      out->index = r->index;
    }
    return rc;
  }
}

const char *hm_reader_error(const hm_reader *r) { return r->err; }

const char *hm_reader_raw_json(const hm_reader *r, size_t *len) {
  if (r->fmt == HF_CSV || r->fmt == HF_SQLITE || !r->raw) return NULL;
  *len = r->rawlen;
  return r->raw;
}

int hm_reader_column(const hm_reader *r, const char *field) {
  if (!r->cols || !r->open) return -1;
  for (uint32_t i = 0; i < r->ncols; i++)
    if (strcmp(r->cols[i], field) == 0) return (int)i;
  return -1;
}

uint32_t hm_reader_file_generation(const hm_reader *r) { return r->generation; }

bool hm_reader_absent(const hm_reader *r) { return r->absent; }
uint64_t hm_reader_bit_words(const hm_reader *r) { return r->bit_words; }

void hm_reader_close(hm_reader *r) {
  if (!r) return;
  close_file(r);
  free(r->buf);
  free(r->cell);
  free(r->stack);
  hm_buf_free(&r->scratch);
  hm_buf_free(&r->key);
  hm_arena_free(&r->life);
  free(r);
}
