/* hm_tz: IANA time zones read from the system tzdata (TZif files under
 * /usr/share/zoneinfo, RFC 8536) including the POSIX TZ rule in the footer
 * that covers every date after the last listed transition. "UTC" and fixed
 * offsets ("+02:00") never touch the file system, so they work without tzdata.
 * Zones are malloc-owned because they outlive a record (cached per run). */
#ifndef HM_TZ_H
#define HM_TZ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A POSIX TZ rule: "CET-1CEST,M3.5.0,M10.5.0/3". */
typedef struct hm_tzdate {
  char kind;
  int m, w, d;
  int32_t secs;
} hm_tzdate; /* kind 'M', 'J' or 'n' */
typedef struct hm_tzrule {
  int32_t std_off, dst_off;    /* seconds east of UTC */
  bool has_dst;
  hm_tzdate start, end;
} hm_tzrule;

typedef struct hm_tz {
  char *name;
  int n;                 /* transitions */
  int64_t *trans;        /* UTC instants, ascending */
  uint8_t *type;         /* local time type in effect from trans[i] */
  int ntypes;
  int32_t *off;          /* per type: seconds east of UTC */
  int32_t first_off;     /* before the first transition */
  bool has_rule;         /* footer rule applies after the last transition */
  hm_tzrule rule;
} hm_tz;

/* Loads name ("Europe/Paris", "UTC", "+05:30"); NULL with err set on failure. */
hm_tz *hm_tz_load(const char *name, char *err, size_t errlen);
void hm_tz_free(hm_tz *tz);
/* The TZif bytes of a zone file (exposed so tests can feed it damaged files). */
hm_tz *hm_tz_parse(const char *name, const unsigned char *p, size_t n, char *err, size_t errlen);
/* Offset from UTC in effect at the UTC instant t. */
int32_t hm_tz_offset_at(const hm_tz *tz, int64_t t);

typedef enum hm_tz_fold { HM_TZ_UNIQUE = 0, HM_TZ_OVERLAP, HM_TZ_GAP } hm_tz_fold;
/* UTC instant of the wall-clock time `local` (seconds as if it were UTC).
 * Overlap (clocks go back): the earlier instant, i.e. the offset before the
 * transition. Gap (clocks go forward): the wall time read with the offset
 * before the transition, which lands after the gap (02:30 → 03:30 in Paris).
 * *off gets the offset used. */
hm_tz_fold hm_tz_local_to_utc(const hm_tz *tz, int64_t local, int64_t *utc, int32_t *off);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t hm_days_from_civil(int64_t y, int m, int d);
void hm_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

#endif
