/* hm_propose: `hmapc propose` and `hmapc values` — a first map drafted from an
 * export's files and values, and the distinct values of one column, for the
 * consultant to confirm. Reads the export through runtime/read. */
#ifndef HM_PROPOSE_H
#define HM_PROPOSE_H
#include <stdio.h>
#include "hm_buf.h"

typedef enum hm_propose_system {
  HM_SYS_AUTO = 0, HM_SYS_ITOP, HM_SYS_SMARTERTRACK, HM_SYS_ATERA, HM_SYS_UNKNOWN
} hm_propose_system;

/* Parses "itop|smartertrack|atera|auto"; -1 for anything else. */
int hm_propose_system_parse(const char *s);
/* Drafts a map of the export in dir into out. 0 ok, 2 with err when the
 * folder cannot be read or holds no CSV or JSON file. Bad records are
 * counted and named in the map's comments, never fatal. */
int hm_propose(const char *dir, hm_propose_system from, hm_buf *out, char *err, size_t errlen);
/* Prints COUNT<TAB>VALUE lines of one column, most frequent first (ties in
 * first-seen order), then the empty count. FILE is a path as listed by
 * propose (or a source name). 0 ok, 2 with err (unknown file or column, with
 * a did-you-mean). */
int hm_values(const char *dir, const char *file, const char *column, FILE *out, char *err,
              size_t errlen);
#endif
