/* rd: what the read layer's files share and nobody else sees (internal to
 * runtime/read/). Sections name the file that exports each group. */
#ifndef HM_RD_H
#define HM_RD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hm_buf.h"
#include "hm_hash.h"
#include "hm_utf8.h"
#include "hm_read.h"

/* ==== rd_reader.c, rd_csv.c, rd_json.c, rd_srcpath.c ====
 * hm_reader_impl: what the reader's parts share and nobody else sees: the
 * reader state, the buffered input with line tracking, the per-format entry
 * points and the path expansion. Private to runtime/hm_*.c of hmread. */
/* Both can be lowered at build time (tests, fuzzing) to exercise the refill and
   size-limit paths with small inputs. */
#ifndef HM_READ_BUF
#define HM_READ_BUF (1u << 20)             /* input buffer: big reads, few syscalls */
#endif
#ifndef HM_MAX_RECORD
#define HM_MAX_RECORD (64u << 20)          /* one record larger than this is a bad record */
#define HM_MAX_RECORD_TEXT "64 MiB"
#endif
#ifndef HM_MAX_RECORD_TEXT
#define HM_MAX_RECORD_TEXT HM_STR(HM_MAX_RECORD) " bytes"
#endif
#define HM_STR_(x) #x
#define HM_STR(x) HM_STR_(x)
#define HM_JSON_MAX_DEPTH 1000             /* as cJSON's nesting limit */
#ifndef HM_CSV_MAX_FIELDS
#define HM_CSV_MAX_FIELDS (1u << 20) /* cells in a CSV row or header: bounds a record's memory */
#endif

/* One file of a source and the key its path gave it. */
typedef struct hm_srcfile { const char *rel; const char *key; } hm_srcfile;

/* Expands `path` (relative to data_dir, at most one '*', matching within one
 * path segment) into the files to read, in numeric-aware sorted order. With
 * `pages`, a matched folder stands for its page-*.json files (an empty folder
 * is no file) and a matched plain file for itself. Without a '*' the path must
 * exist; with one, entries missing the rest of the path are skipped and no
 * match at all is zero files. Strings live in arena a. 0 ok, -1 err. */
int hm_srcpath_expand(hm_arena *a, const char *data_dir, const char *path, bool pages,
                      hm_srcfile **files, size_t *nfiles, char *err, size_t errlen);
/* strcmp, except that digit runs compare as numbers ("2" < "10"). */
int hm_srcpath_natcmp(const char *a, const char *b);
/* True when path names nothing in the export: without a '*' the file is
   missing, with one the folder holding the '*' is (an `optional` source then
   reads as no records). A refused path is not absent: opening it says why. */
bool hm_srcpath_absent(const char *data_dir, const char *path);

/* A container being walked: its closing byte, the records path component its
   members are matched against, and whether that (named) member was seen. */
typedef struct hm_jlevel { char close; uint32_t comp; bool first, seen; } hm_jlevel;

struct hm_reader {
  const hm_program *p;
  uint32_t src;
  hm_format fmt;
  hm_arena life;               /* lives as long as the reader: file list, headers, names */
  const char *data_dir;
  hm_srcfile *files;
  size_t nfiles, cur;
  bool open;                   /* files[cur] is open */
  bool absent;                 /* an optional source whose path names nothing: no files */
  uint32_t generation;
  uint64_t index;
  uint64_t bit_words;          /* cells "True"/"False" (hm_reader_bit_words) */
  char err[1024];

  /* buffered input of the current file */
  int fd;
  char *buf;
  size_t len, pos;
  uint64_t buf_abs;            /* file offset of buf[0] */
  bool eof;
  uint64_t line, line_start;   /* current line and the file offset where it starts */
  hm_buf scratch;              /* the record being assembled (any size) */
  const char *raw;             /* the last JSON record's text: in buf or scratch */
  size_t rawlen;

  /* CSV */
  char sep;
  unsigned char ucls[256], qcls[256]; /* bytes that stop a run in an unquoted / quoted cell */
  bool bad;                    /* the record being read is bad (error already set) */
  uint64_t rec_line;
  const char **cols;           /* header of the current file (in life) */
  uint32_t ncols;
  size_t *cell, ncell, cellcap;/* cell start offsets into scratch */

  /* SQLite */
  struct sqlite3 *db;
  struct sqlite3_stmt *stmt;
  uint64_t row;

  /* JSON */
  const char **comp;           /* records path components ("*" walks) */
  const char *records_path;
  uint32_t ncomp;
  hm_jlevel *stack;
  uint32_t sp, stackcap;
  bool root_done, dead;        /* dead: the file's structure broke, skip its rest */
  hm_buf key;
};

/* The exact text of the last JSON record read (valid JSON, checked UTF-8), so
   the child index can store it without serialising the value again; NULL for
   CSV. Valid until the next hm_reader_next. */
const char *hm_reader_raw_json(const hm_reader *r, size_t *len);

/* Input layer (rd_reader.c). */
int hm_in_fill(hm_reader *r,
               size_t want); /* ensure want bytes at pos unless EOF: avail, or -1 on I/O error */
static inline uint64_t hm_in_col(const hm_reader *r) {
  return r->buf_abs + r->pos - r->line_start + 1;
}
void hm_reader_fail(hm_reader *r, uint64_t line, uint64_t col, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
const char *hm_reader_file(const hm_reader *r);
/* UTF-8: hm_utf8_seq, hm_utf8_check (common/hm_utf8.h). */

/* Per format. *_begin runs when a file is opened (CSV reads its header; -1 = bad file,
   error set); *_next is as hm_reader_next for the current file. */
int hm_csv_begin(hm_reader *r);
int hm_csv_next(hm_reader *r, hm_arena *a, hm_record *out);
/* The column names of the current file (CSV header, SQLite table), cols in r->life: refuses a
   repeated name, renames columns to the map's spelling when they differ only in case (refusing
   two that would become one), and refuses a file without the key, the parent field or (a
   declared source) a declared column, naming the closest column. 0, or -1 with the error set. */
int hm_header_set(hm_reader *r, const char **cols, uint32_t n);
/* Counts a cell that is "True" or "False" in any case (hm_reader_bit_words). */
void hm_count_bit_word(hm_reader *r, const char *s, size_t n);
/* rd_sqlite.c: a table of a SQLite database, as rows of text like a CSV export of it (NULL is
   ""). begin opens files[cur] and the source's table; close releases them. */
int hm_sqlite_begin(hm_reader *r);
int hm_sqlite_next(hm_reader *r, hm_arena *a, hm_record *out);
void hm_sqlite_close(hm_reader *r);
void hm_jsonsrc_init(hm_reader *r);            /* records path of the source */
int hm_jsonsrc_begin(hm_reader *r);
int hm_ndjson_next(hm_reader *r, hm_arena *a, hm_record *out);
int hm_jsonsrc_next(hm_reader *r, hm_arena *a, hm_record *out);

/* ==== rd_names.c ====
 * hm_names_dup: whether a name appears twice in names[0..n), in linear time;
 * *first and *second are the indexes of the first repeat's two occurrences.
 * With skip_empty, "" may repeat (CSV headers' unnamed columns). */
bool hm_names_dup(const char *const *names, size_t n, bool skip_empty, size_t *first,
                  size_t *second);

/* ==== rd_closest.c ====
 * The name of names[0..n) closest to `name` (case-insensitive edit distance,
 * at most a third of its length), or NULL: the "did you mean" of a missing column. */
const char *hm_closest_name(const char *name, const char *const *names, size_t n);

/* ==== rd_value.c (JSON text) ====
 * A JSON number whose text no double holds exactly (an integer beyond 2^53,
 * a 20-digit id, an overflow to infinity, an underflow to 0) is read as the
 * string of its source text, never as a rounded number, `inf` or `nan`. */
bool hm_jnum_inexact(const char *num, size_t n, double d);
/* As hm_json_to_value for the tree cJSON parsed from text[0..len): numbers
   that hm_jnum_inexact refuses keep their source text. */
hm_value hm_json_text_to_value(const cJSON *j, const char *text, size_t len, hm_arena *a);
/* The first member name repeated within one object anywhere in j, or NULL. */
const char *hm_json_dup_member(const cJSON *j);

/* ==== rd_spill.c ====
 * hm_spill: an append-only run of bytes that stays in memory while it is
 * small and goes to an unlinked temporary file ($TMPDIR, else /tmp) once it
 * outgrows HM_SPILL_MEM, then is read back by offset. Memory is bounded by
 * two buffers (writes, and a window for reads) whatever the size, and nothing
 * is left on disk, even after a crash. */
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
