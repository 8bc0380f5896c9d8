/* hm_reader: the streaming record readers of hmaprun (CSV, NDJSON, JSON arrays,
 * JSON records paths, Atera page envelopes), one interface whatever the format,
 * so the VM and the child index never look at bytes. Memory stays bounded by the
 * largest record, never by the file: records are handed out one at a time in the
 * caller's per-record arena.
 *
 * Bad input never stops a read: a bad record is reported (-1, with an error text
 * `FILE:LINE:COL: message`, FILE relative to the data dir, LINE and COL 1-based,
 * COL counted in bytes) and the next call goes on with the next record. A missing
 * or unreadable file, or a CSV file without a valid header, is fatal: at open
 * (NULL) for the first file, as -2 for a later one. */
#ifndef HM_READER_H
#define HM_READER_H
#include <stddef.h>
#include <stdint.h>
#include "hm_arena.h"
#include "hm_bytecode.h"
#include "hm_value.h"

typedef struct hm_reader hm_reader;

typedef struct hm_record {
  hm_value value;        /* HV_REC: field name -> value. CSV cells are HV_STR (an empty cell is "" not missing);
                            JSON keeps its types (null is HV_NULL, nested objects HV_REC, arrays HV_LIST) */
  const char *file;      /* file it came from, relative to the data dir (owned by the reader) */
  uint64_t line;         /* line where the record starts (1-based) */
  uint64_t index;        /* 1-based record number within the source (bad records count too) */
  const char *path_key;  /* what the '*' in the source path matched (parent key by path), or NULL */
} hm_record;

/* Opens source `src` of program p under data_dir. NULL + err on a missing/unreadable file or bad header. */
hm_reader *hm_reader_open(const hm_program *p, uint32_t src, const char *data_dir, char *err, size_t errlen);
/* 1 = a record in *out (memory in arena a), 0 = end, -1 = bad record (hm_reader_error names
   file:line[:col] and what is wrong; call again to continue with the next record), -2 = fatal I/O error. */
int hm_reader_next(hm_reader *r, hm_arena *a, hm_record *out);
const char *hm_reader_error(const hm_reader *r);
/* Column index of `field` in the current file's records if it is stable (CSV: from the header), else -1.
   Lets the VM bind LOADCOL slots to columns once per file instead of name lookups per record.
   When it returns i >= 0, record.value.u.rec->keys[i] is that field for every record of the current file. */
int hm_reader_column(const hm_reader *r, const char *field);
/* Increments each time the reader moves to a new file, so the VM knows to re-bind columns. */
uint32_t hm_reader_file_generation(const hm_reader *r);
void hm_reader_close(hm_reader *r);

#endif
