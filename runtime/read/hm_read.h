/* hm_read: the read layer's interface (runtime/read/): streaming records out of
 * an export, whatever its format, the child index that joins children to their
 * parent, and cJSON <-> value conversion. Sections name the file that exports
 * each group; rd.h is what the layer's files share and nobody else sees. */
#ifndef HM_READ_H
#define HM_READ_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include "hm_arena.h"
#include "hm_bytecode.h"
#include "hm_value.h"

/* ==== rd_reader.c,rd_csv.c,rd_json.c ====
 * hm_reader: the streaming record readers of hmaprun (CSV, NDJSON, JSON arrays,
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
typedef struct hm_reader hm_reader;

typedef struct hm_record {
  hm_value
      value; /* HV_REC: field name -> value. CSV cells are HV_STR (an empty cell is "" not missing);
                JSON keeps its types (null is HV_NULL, nested objects HV_REC, arrays HV_LIST) */
  const char *file;      /* file it came from, relative to the data dir (owned by the reader) */
  uint64_t line;         /* line where the record starts (1-based) */
  uint64_t index;        /* 1-based record number within the source (bad records count too) */
  const char *path_key;  /* what the '*' in the source path matched (parent key by path), or NULL */
} hm_record;

/* Opens source `src` of program p under data_dir. NULL + err on a missing/unreadable file or bad
 * header. */
hm_reader *hm_reader_open(const hm_program *p, uint32_t src, const char *data_dir, char *err,
                          size_t errlen);
/* 1 = a record in *out (memory in arena a), 0 = end, -1 = bad record (hm_reader_error names
   file:line[:col] and what is wrong; call again to continue with the next record), -2 = fatal I/O
   error. */
int hm_reader_next(hm_reader *r, hm_arena *a, hm_record *out);
const char *hm_reader_error(const hm_reader *r);
/* Column index of `field` in the current file's records if it is stable (CSV: from the header),
   else -1. Lets the VM bind LOADCOL slots to columns once per file instead of name lookups per
   record. When it returns i >= 0, record.value.u.rec->keys[i] is that field for every record of the
   current file. */
int hm_reader_column(const hm_reader *r, const char *field);
/* Cells read so far that are a bit written as a word ("True"/"False", any case: PowerShell's
   Export-Csv), which comparisons with 1/0 read as bits; the report says so. */
uint64_t hm_reader_bit_words(const hm_reader *r);
/* Increments each time the reader moves to a new file, so the VM knows to re-bind columns. */
uint32_t hm_reader_file_generation(const hm_reader *r);
/* The source is `optional` and its file (or the folder of its '*') is not in the export: the
   reader has no files and yields no record. */
bool hm_reader_absent(const hm_reader *r);
void hm_reader_close(hm_reader *r);

/* ==== rd_childidx.c ====
 * hm_childidx: an on-disk index of a child source's records (comments,
 * messages, log entries, attachments) by parent key, so a parent can be joined
 * to its children without holding any whole file in memory. */
typedef struct hm_childidx hm_childidx;
typedef void (*hm_bad_record_fn)(void *user, uint32_t src,
                                 const char *error); /* bad records are reported, not fatal */

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

/* ==== rd_value.c ====
 * hm_json: conversion between cJSON trees and the value model. The readers use
 * it for every JSON record; the child index and the planner use it to write
 * values back out. Kept apart so nothing else needs to know cJSON's layout. */
/* Deep copy of j into arena a: null -> HV_NULL, objects -> HV_REC (member
 * order kept; with duplicate keys the first one is what hv_rec_get finds, as in
 * cJSON: the readers refuse such records), arrays -> HV_LIST. A NULL j gives
 * MISSING. */
hm_value hm_json_to_value(const cJSON *j, hm_arena *a);
/* A fresh cJSON tree (caller cJSON_Delete's it). As hv_to_json: MISSING record
 * members are left out, MISSING elsewhere is null, refs become {"$ref":...}. */
cJSON *hm_value_to_json(hm_value v);

/* ==== rd_contain.c ====
 * hm_contain_open: the one way a file or folder of the export is opened — by
 * the readers, by the planner sizing an upload and by the run sending it, so
 * they all read the same file. `rel` is relative to `root` (the export folder):
 * an absolute name, a ".." segment or a control character is refused by name
 * (an empty name is missing);
 * a symlink is followed only while it stays inside the folder (where the kernel
 * cannot check that, every symlink is refused). Returns an open fd (flags as
 * for open(2), O_CLOEXEC added), else one of the codes below with `why` =
 * "REL: reason". */
enum { HM_CONTAIN_MISSING = -1, HM_CONTAIN_REFUSED = -2, HM_CONTAIN_ERROR = -3 };
int hm_contain_open(const char *root, const char *rel, int flags, char *why, size_t whylen);

#endif
