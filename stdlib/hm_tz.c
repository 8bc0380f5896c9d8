/* hm_tz: time-zone arithmetic for date() without libc's TZ machinery.
 *
 * localtime()/mktime() read the process-wide TZ variable, so converting in
 * "Europe/Paris" would mean setenv("TZ") — global state that every other
 * thread sees. Instead we parse the TZif file ourselves (RFC 8536: 64-bit
 * data block of version 2+, plus the POSIX TZ footer rule that Debian's
 * "slim" files rely on for all recent and future dates) and answer offsets
 * from that. Zones are immutable once loaded, so sharing them is safe. */
#include "hm_tz.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HM_ZONEINFO "/usr/share/zoneinfo/"
#define HM_TZIF_MAX (512 * 1024)

int64_t hm_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void hm_civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int64_t y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* ---- POSIX TZ rule strings ---- */

static const char *rule_name(const char *p) {
  if (*p == '<') {
    while (*p && *p != '>') p++;
    return *p ? p + 1 : NULL;
  }
  const char *s = p;
  while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) p++;
  return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] as seconds; hours up to 167 (RFC 8536 extension). */
static const char *rule_time(const char *p, int32_t *secs) {
  int sign = 1;
  if (*p == '+' || *p == '-') { if (*p == '-') sign = -1; p++; }
  int parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; i++) {
    if (*p < '0' || *p > '9') return i == 0 ? NULL : p;
    int v = 0, digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 3) { v = v * 10 + (*p++ - '0'); digits++; }
    parts[i] = v;
    if (*p != ':' || i == 2) break;
    p++;
  }
  if (parts[0] > 167 || parts[1] > 59 || parts[2] > 59) return NULL;
  *secs = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return p;
}

static const char *rule_num(const char *p, int *v, int lo, int hi) {
  if (*p < '0' || *p > '9') return NULL;
  int x = 0;
  while (*p >= '0' && *p <= '9' && x <= hi) x = x * 10 + (*p++ - '0');
  if (x < lo || x > hi) return NULL;
  *v = x;
  return p;
}

static const char *rule_date(const char *p, hm_tzdate *d) {
  d->secs = 7200;
  if (*p == 'M') {
    d->kind = 'M';
    if (!(p = rule_num(p + 1, &d->m, 1, 12)) || *p != '.') return NULL;
    if (!(p = rule_num(p + 1, &d->w, 1, 5)) || *p != '.') return NULL;
    if (!(p = rule_num(p + 1, &d->d, 0, 6))) return NULL;
  } else if (*p == 'J') {
    d->kind = 'J';
    if (!(p = rule_num(p + 1, &d->d, 1, 365))) return NULL;
  } else {
    d->kind = 'n';
    if (!(p = rule_num(p, &d->d, 0, 365))) return NULL;
  }
  if (*p == '/') {
    if (!(p = rule_time(p + 1, &d->secs))) return NULL;
  }
  return p;
}

static bool parse_rule(const char *p, hm_tzrule *r) {
  int32_t t;
  memset(r, 0, sizeof *r);
  if (!(p = rule_name(p)) || !(p = rule_time(p, &t))) return false;
  r->std_off = -t;
  if (!*p) return true;
  if (!(p = rule_name(p))) return false;
  r->has_dst = true;
  r->dst_off = r->std_off + 3600;
  if (*p && *p != ',') {
    if (!(p = rule_time(p, &t))) return false;
    r->dst_off = -t;
  }
  if (*p != ',') {   /* POSIX default rules are US ones; tzdata always writes them out */
    if (*p) return false;
    r->start = (hm_tzdate){'M', 3, 2, 0, 7200};
    r->end = (hm_tzdate){'M', 11, 1, 0, 7200};
    return true;
  }
  if (!(p = rule_date(p + 1, &r->start)) || *p != ',') return false;
  if (!(p = rule_date(p + 1, &r->end))) return false;
  return *p == 0;
}

/* Day number (since the epoch) on which the rule date falls in year y. */
static int64_t rule_day(const hm_tzdate *d, int64_t y) {
  int64_t jan1 = hm_days_from_civil(y, 1, 1);
  if (d->kind == 'J') return jan1 + d->d - 1 + (leap(y) && d->d >= 60);
  if (d->kind == 'n') return jan1 + d->d;
  int64_t first = hm_days_from_civil(y, d->m, 1);
  int64_t wd = ((first + 4) % 7 + 7) % 7;               /* 1970-01-01 was a Thursday */
  int64_t day = first + (d->d - wd + 7) % 7 + (int64_t)(d->w - 1) * 7;
  while (day >= first + month_days(y, d->m)) day -= 7;
  return day;
}

static int32_t rule_offset(const hm_tzrule *r, int64_t t) {
  if (!r->has_dst) return r->std_off;
  int64_t y; int m, d;
  hm_civil_from_days(floor_div(t + r->std_off, 86400), &y, &m, &d);
  int64_t start = rule_day(&r->start, y) * 86400 + r->start.secs - r->std_off;
  int64_t end = rule_day(&r->end, y) * 86400 + r->end.secs - r->dst_off;
  bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? r->dst_off : r->std_off;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static int64_t be64(const unsigned char *p) {
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct tzif_counts { uint32_t isut, isstd, leap, time, type, chars; } tzif_counts;

static bool read_counts(const unsigned char *p, size_t n, tzif_counts *c) {
  if (n < 44 || memcmp(p, "TZif", 4) != 0) return false;
  c->isut = be32(p + 20); c->isstd = be32(p + 24); c->leap = be32(p + 28);
  c->time = be32(p + 32); c->type = be32(p + 36); c->chars = be32(p + 40);
  return c->type >= 1 && c->type <= 256 && c->time <= 100000 && c->leap <= 100000 &&
         c->chars <= 100000 && c->isut <= 256 && c->isstd <= 256;
}

static size_t block_size(const tzif_counts *c, size_t tsize) {
  return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) + c->isstd +
         c->isut;
}

static hm_tz *fail(hm_tz *tz, char *err, size_t errlen, const char *fmt, const char *name) {
  snprintf(err, errlen, fmt, name);
  hm_tz_free(tz);
  return NULL;
}

hm_tz *hm_tz_parse(const char *name, const unsigned char *p, size_t n, char *err, size_t errlen) {
  tzif_counts c;
  hm_tz *tz = calloc(1, sizeof *tz);
  if (!tz) abort();
  if (!read_counts(p, n, &c))
    return fail(tz, err, errlen, "time zone file for \"%s\" is not TZif", name);
  size_t tsize = 4, at = 44;
  if (p[4] >= '2') {   /* skip the 32-bit block; the 64-bit one follows with its own header */
    at += block_size(&c, 4);
    if (at > n || !read_counts(p + at, n - at, &c))
      return fail(tz, err, errlen, "time zone file for \"%s\" is truncated", name);
    at += 44;
    tsize = 8;
  }
  if (at + block_size(&c, tsize) > n)
    return fail(tz, err, errlen, "time zone file for \"%s\" is truncated", name);
  const unsigned char *times = p + at, *idx = times + c.time * tsize, *types = idx + c.time;
  tz->n = (int)c.time;
  tz->ntypes = (int)c.type;
  tz->trans = malloc((c.time ? c.time : 1) * sizeof *tz->trans);
  tz->type = malloc(c.time ? c.time : 1);
  tz->off = malloc(c.type * sizeof *tz->off);
  if (!tz->trans || !tz->type || !tz->off) abort();
  for (uint32_t i = 0; i < c.time; i++) {
    tz->trans[i] = tsize == 8 ? be64(times + i * 8) : (int32_t)be32(times + i * 4);
    tz->type[i] = idx[i];
    if (idx[i] >= c.type || (i && tz->trans[i] <= tz->trans[i - 1]))
      return fail(tz, err, errlen, "time zone file for \"%s\" is corrupt", name);
  }
  for (uint32_t i = 0; i < c.type; i++) {
    int32_t off = (int32_t)be32(types + i * 6);
    if (off < -25 * 3600 || off > 26 * 3600)
      return fail(tz, err, errlen, "time zone file for \"%s\" is corrupt", name);
    tz->off[i] = off;
  }
  tz->first_off = tz->off[0];
  at += block_size(&c, tsize);
  if (tsize == 8 && at < n && p[at] == '\n') {
    size_t end = at + 1;
    while (end < n && p[end] != '\n') end++;
    char rule[128];
    if (end < n && end - at - 1 < sizeof rule) {
      memcpy(rule, p + at + 1, end - at - 1);
      rule[end - at - 1] = 0;
      tz->has_rule = rule[0] && parse_rule(rule, &tz->rule);
    }
  }
  return tz;
}

static hm_tz *fixed_zone(const char *name, int32_t off) {
  hm_tz *tz = calloc(1, sizeof *tz);
  if (!tz) abort();
  tz->name = malloc(strlen(name) + 1);
  tz->off = malloc(sizeof *tz->off);
  if (!tz->name || !tz->off) abort();
  strcpy(tz->name, name);
  tz->off[0] = tz->first_off = off;
  tz->ntypes = 1;
  return tz;
}

/* "+05:30", "-0800", "+05" → seconds east of UTC. */
static bool parse_fixed(const char *s, int32_t *off) {
  if (*s != '+' && *s != '-') return false;
  int sign = *s == '-' ? -1 : 1;
  const char *p = s + 1;
  if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9')) return false;
  int h = (p[0] - '0') * 10 + (p[1] - '0'), m = 0;
  p += 2;
  if (*p == ':') p++;
  if (*p) {
    if (!(p[0] >= '0' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9') || p[2]) return false;
    m = (p[0] - '0') * 10 + (p[1] - '0');
  }
  if (h > 18) return false;
  *off = sign * (h * 3600 + m * 60);
  return true;
}

/* Only names tzdata could hold: no "..", no absolute paths, no odd bytes. */
static bool safe_zone_name(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 64 || name[0] == '/' || name[0] == '.') return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-' || c == '+' || c == '/' || c == '.'))
      return false;
    if (c == '.' && (name[i - 1] == '/' || name[i - 1] == '.')) return false;
  }
  return true;
}

hm_tz *hm_tz_load(const char *name, char *err, size_t errlen) {
  static const char *utc_names[] = {"UTC",  "Etc/UTC",  "GMT", "Etc/GMT", "Z",
                                    "Zulu", "Etc/Zulu", "UCT", "Etc/UCT", NULL};
  for (int i = 0; utc_names[i]; i++)
    if (strcmp(name, utc_names[i]) == 0) return fixed_zone(name, 0);
  int32_t off;
  if (parse_fixed(name, &off)) return fixed_zone(name, off);
  if (!safe_zone_name(name)) {
    snprintf(err, errlen, "unknown time zone \"%.64s\"", name);
    return NULL;
  }
  char path[128];
  snprintf(path, sizeof path, HM_ZONEINFO "%s", name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "unknown time zone \"%s\" (not in " HM_ZONEINFO ")", name);
    return NULL;
  }
  /* Zone files are a few KB; grow only for the odd large one, up to a cap. */
  size_t cap = 16 * 1024, n = 0;
  unsigned char *buf = malloc(cap);
  if (!buf) abort();
  for (;;) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap || cap >= HM_TZIF_MAX) break;
    cap *= 2;
    buf = realloc(buf, cap);
    if (!buf) abort();
  }
  fclose(f);
  hm_tz *tz = hm_tz_parse(name, buf, n, err, errlen);
  free(buf);
  if (tz) {
    tz->name = malloc(strlen(name) + 1);
    if (!tz->name) abort();
    strcpy(tz->name, name);
  }
  return tz;
}

void hm_tz_free(hm_tz *tz) {
  if (!tz) return;
  free(tz->name);
  free(tz->trans);
  free(tz->type);
  free(tz->off);
  free(tz);
}

int32_t hm_tz_offset_at(const hm_tz *tz, int64_t t) {
  if (tz->n == 0) return tz->has_rule ? rule_offset(&tz->rule, t) : tz->first_off;
  if (t < tz->trans[0]) return tz->first_off;
  if (t >= tz->trans[tz->n - 1] && tz->has_rule) return rule_offset(&tz->rule, t);
  int lo = 0, hi = tz->n - 1;            /* last transition at or before t */
  while (lo < hi) {
    int mid = lo + (hi - lo + 1) / 2;
    if (tz->trans[mid] <= t) lo = mid; else hi = mid - 1;
  }
  return tz->off[tz->type[lo]];
}

/* Transitions are months apart, so the offsets a day before and a day after
 * are the only two candidates for a wall-clock time. */
hm_tz_fold hm_tz_local_to_utc(const hm_tz *tz, int64_t local, int64_t *utc, int32_t *off) {
  int32_t before = hm_tz_offset_at(tz, local - 86400), after = hm_tz_offset_at(tz, local + 86400);
  int64_t t1 = local - before, t2 = local - after;
  bool ok1 = hm_tz_offset_at(tz, t1) == before, ok2 = hm_tz_offset_at(tz, t2) == after;
  if (before == after || (ok1 && !ok2)) { *utc = t1; *off = before; return HM_TZ_UNIQUE; }
  if (ok2 && !ok1) { *utc = t2; *off = after; return HM_TZ_UNIQUE; }
  if (ok1 && ok2) {
    bool first = t1 < t2;
    *utc = first ? t1 : t2;
    *off = first ? before : after;
    return HM_TZ_OVERLAP;
  }
  *utc = t1;
  *off = before;
  return HM_TZ_GAP;
}
