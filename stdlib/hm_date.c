/* hm_date: date(s[, format[, tz]]) → "YYYY-MM-DDTHH:MM:SSZ".
 *
 * Our own strict parser instead of strptime (dsl-anchors lesson 5): libc
 * strptime differs between systems, accepts trailing junk, silently
 * normalises 31/02 into March and knows nothing of zones. Here every
 * character of the input must be accounted for, every field is range-checked
 * and a failure says exactly what did not match.
 *
 * Rules, in order:
 *  - an offset in the text (%z, Z, +02:00, a UTC/GMT or IANA %Z) wins;
 *  - else the tz argument (IANA name, "UTC", or "+05:30") gives the zone;
 *  - else the call fails "no time zone for ...": guessing a zone would shift
 *    every timestamp of a migration by hours without anyone noticing.
 * DST: a wall time that happens twice (clocks go back) takes the FIRST
 * instant, the one still on summer time; a wall time that never happens
 * (clocks go forward) is read with the offset in force before the jump, so
 * 02:30 in Paris on the spring-forward day becomes 01:30Z (= 03:30 CEST).
 * Both cases raise a warn flag naming the zone.
 * Fractions of a second are kept, at most six digits: Gorgias writes
 * microseconds (gorgias-api.md §1.5). Digits past the sixth are cut, not
 * rounded, so a value never carries into the next second (or day); nothing is
 * padded, which would claim a precision the source never had. Trailing zeros
 * are dropped, so one instant has one text whatever the export wrote (SQL
 * Server's ".000" on every value stays whole seconds) and content hashes do
 * not change with the rendering. */
#include "hm_std.h"
#include "hm_tz.h"
#include <stdio.h>
#include <string.h>

#define FRAC_MAX 6

/* The kept digits of a fraction: "457" is {457, 3}; n == 0 means none. */
typedef struct frac { uint32_t v; int n; } frac;

typedef struct dt {
  int64_t year;
  int mon, day, hour, min, sec;
  int pm;                  /* -1 no %p, 0 AM, 1 PM */
  bool h12;                /* hour came from %I */
  bool has_year, has_mon, has_day;
  bool has_off;            /* an offset was in the text */
  int32_t off;
  const char *zone;        /* IANA zone named by %Z (NUL-terminated, arena) */
  bool epoch, epoch_neg;
  int64_t epoch_secs;
  frac fr;
} dt;

typedef struct scan {
  const char *s;
  size_t n, i;
  hm_arena *a;
  char why[160];
} scan;

static const char *months[] = {"january", "february", "march", "april", "may", "june", "july",
                               "august", "september", "october", "november", "december"};
static const char *weekdays[] = {"monday", "tuesday",  "wednesday", "thursday",
                                 "friday", "saturday", "sunday"};

static bool bad(scan *sc, const char *fmt, const char *what) {
  snprintf(sc->why, sizeof sc->why, fmt, what);
  return false;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* Between lo and hi digits; the value must fit in lo..hi range given by the caller. */
static bool digits(scan *sc, int lo, int hi, int64_t *v, const char *what) {
  int k = 0;
  int64_t x = 0;
  while (k < hi && sc->i < sc->n && is_digit(sc->s[sc->i])) {
    x = x * 10 + (sc->s[sc->i++] - '0');
    k++;
  }
  if (k < lo) return bad(sc, "expected %s", what);
  *v = x;
  return true;
}

static bool field(scan *sc, int lo_digits, int hi_digits, int min, int max, int *out,
                  const char *what) {
  int64_t v;
  if (!digits(sc, lo_digits, hi_digits, &v, what)) return false;
  if (v < min || v > max) {
    snprintf(sc->why, sizeof sc->why, "%s %lld is out of range", what, (long long)v);
    return false;
  }
  *out = (int)v;
  return true;
}

/* The digits after the decimal mark, as many as there are (ISO 8601 sets no
 * limit); the first FRAC_MAX are kept. */
static bool fraction(scan *sc, dt *d) {
  d->fr = (frac){0, 0};
  size_t start = sc->i;
  for (; sc->i < sc->n && is_digit(sc->s[sc->i]); sc->i++)
    if (d->fr.n < FRAC_MAX) { d->fr.v = d->fr.v * 10 + (uint32_t)(sc->s[sc->i] - '0'); d->fr.n++; }
  return sc->i > start || bad(sc, "expected %s", "fractional seconds");
}

static int name_match(scan *sc, const char *const *names, int count) {
  for (int k = 0; k < count; k++) {
    size_t full = strlen(names[k]);
    for (int pass = 0; pass < 2; pass++) {
      size_t len = pass == 0 ? full : 3;
      if (sc->n - sc->i < len) continue;
      size_t j = 0;
      while (j < len && (sc->s[sc->i + j] | 0x20) == names[k][j]) j++;
      if (j == len) { sc->i += len; return k; }
    }
  }
  return -1;
}

/* Z, z, ±HH, ±HHMM, ±HH:MM. */
static bool offset(scan *sc, dt *d) {
  if (sc->i < sc->n && (sc->s[sc->i] == 'Z' || sc->s[sc->i] == 'z')) {
    sc->i++;
    d->has_off = true;
    d->off = 0;
    return true;
  }
  if (sc->i >= sc->n || (sc->s[sc->i] != '+' && sc->s[sc->i] != '-'))
    return bad(sc, "expected %s", "an offset like +02:00 or Z");
  int sign = sc->s[sc->i++] == '-' ? -1 : 1;
  int h, m = 0;
  if (!field(sc, 2, 2, 0, 18, &h, "offset hour")) return false;
  if (sc->i < sc->n && sc->s[sc->i] == ':') sc->i++;
  if (sc->i < sc->n && is_digit(sc->s[sc->i]) && !field(sc, 2, 2, 0, 59, &m, "offset minute"))
    return false;
  d->has_off = true;
  d->off = sign * (h * 3600 + m * 60);
  return true;
}

/* %Z: UTC/GMT/Z or an IANA name; abbreviations like CET or EST name several
 * zones (and IST three different offsets), so they are refused. */
static bool zone_name(scan *sc, dt *d) {
  size_t start = sc->i;
  while (sc->i < sc->n) {
    char c = sc->s[sc->i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '/' || c == '_' || c == '-' ||
          (c >= '0' && c <= '9' && sc->i > start)))
      break;
    sc->i++;
  }
  size_t len = sc->i - start;
  const char *z = sc->s + start;
  if (!len) return bad(sc, "expected %s", "a time zone name");
  if ((len == 3 && (memcmp(z, "UTC", 3) == 0 || memcmp(z, "GMT", 3) == 0)) ||
      (len == 1 && *z == 'Z')) {
    d->has_off = true;
    d->off = 0;
    return true;
  }
  char *name = hm_arena_strndup(sc->a, z, len);
  if (!memchr(z, '/', len))
    return bad(sc, "time zone abbreviation \"%s\" is ambiguous; use %%z or a tz argument", name);
  d->zone = name;
  return true;
}

static bool parse_fmt(scan *sc, const char *fmt, dt *d, int depth);

static bool directive(scan *sc, char c, dt *d, int depth) {
  int64_t v;
  switch (c) {
  case 'Y':
    if (!digits(sc, 4, 4, &v, "a 4-digit year")) return false;
    d->year = v; d->has_year = true; return true;
  case 'y':
    if (!digits(sc, 2, 2, &v, "a 2-digit year")) return false;
    d->year = v < 69 ? 2000 + v : 1900 + v;   /* POSIX pivot */
    d->has_year = true; return true;
  case 'm': d->has_mon = true; return field(sc, 1, 2, 1, 12, &d->mon, "month");
  case 'd': d->has_day = true; return field(sc, 1, 2, 1, 31, &d->day, "day");
  case 'H': return field(sc, 1, 2, 0, 23, &d->hour, "hour");
  case 'I': d->h12 = true; return field(sc, 1, 2, 1, 12, &d->hour, "hour (1-12)");
  case 'M': return field(sc, 1, 2, 0, 59, &d->min, "minute");
  case 'S': return field(sc, 1, 2, 0, 59, &d->sec, "second");
  case 'f': return fraction(sc, d);
  case 'b': case 'B': case 'h': {
    int k = name_match(sc, months, 12);
    if (k < 0) return bad(sc, "expected %s", "a month name");
    d->mon = k + 1; d->has_mon = true; return true;
  }
  case 'a': case 'A':
    if (name_match(sc, weekdays, 7) < 0) return bad(sc, "expected %s", "a weekday name");
    return true;
  case 'p': {
    static const char *ampm[] = {"am", "pm", "a.m.", "p.m."};
    for (int k = 3; k >= 0; k--) {
      size_t len = strlen(ampm[k]), j = 0;
      if (sc->n - sc->i < len) continue;
      while (j < len && (sc->s[sc->i + j] | 0x20) == ampm[k][j]) j++;
      if (j == len) { sc->i += len; d->pm = k % 2; return true; }
    }
    return bad(sc, "expected %s", "AM or PM");
  }
  case 'z': return offset(sc, d);
  case 'Z': return zone_name(sc, d);
  case 'T': return parse_fmt(sc, "%H:%M:%S", d, depth + 1);
  case 'F': return parse_fmt(sc, "%Y-%m-%d", d, depth + 1);
  case 'R': return parse_fmt(sc, "%H:%M", d, depth + 1);
  case 's': {
    bool neg = sc->i < sc->n && sc->s[sc->i] == '-';
    if (neg) sc->i++;
    if (!digits(sc, 1, 12, &v, "epoch seconds")) return false;
    d->epoch = true; d->epoch_neg = neg; d->epoch_secs = neg ? -v : v; return true;
  }
  case '%':
    if (sc->i < sc->n && sc->s[sc->i] == '%') { sc->i++; return true; }
    return bad(sc, "expected %s", "'%'");
  default: {
    char dir[3] = {'%', c, 0};
    return bad(sc, "unknown directive %s in the format", dir);
  }
  }
}

static bool parse_fmt(scan *sc, const char *fmt, dt *d, int depth) {
  for (const char *f = fmt; *f; f++) {
    if (*f == '%') {
      if (!f[1]) return bad(sc, "%s", "the format ends with a lone %");
      if (!directive(sc, *++f, d, depth)) return false;
      continue;
    }
    if (*f == ' ') {   /* one space in the format matches a run of white space */
      if (sc->i >= sc->n || (sc->s[sc->i] != ' ' && sc->s[sc->i] != '\t'))
        return bad(sc, "expected %s", "a space");
      while (sc->i < sc->n && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t')) sc->i++;
      continue;
    }
    if (sc->i >= sc->n || sc->s[sc->i] != *f) {
      char lit[2] = {*f, 0};
      return bad(sc, "expected \"%s\"", lit);
    }
    sc->i++;
  }
  return true;
}

/* YYYY-MM-DD[(T|t| )HH:MM[:SS[.fff]]][Z|±HH[:MM]] */
static bool parse_iso(scan *sc, dt *d) {
  if (!parse_fmt(sc, "%Y-%m-%d", d, 0)) return false;
  if (sc->i == sc->n) return true;
  char sep = sc->s[sc->i];
  if (sep != 'T' && sep != 't' && sep != ' ')
    return bad(sc, "expected %s", "\"T\" or a space after the date");
  sc->i++;
  if (!parse_fmt(sc, "%H:%M", d, 0)) return false;
  if (sc->i < sc->n && sc->s[sc->i] == ':') {
    sc->i++;
    if (!field(sc, 2, 2, 0, 59, &d->sec, "second")) return false;
    if (sc->i < sc->n && (sc->s[sc->i] == '.' || sc->s[sc->i] == ',')) {
      sc->i++;
      if (!fraction(sc, d)) return false;
    }
  }
  if (sc->i < sc->n) return offset(sc, d);
  return true;
}

/* /Date(1700000000000)/ or /Date(1700000000000+0100)/ — milliseconds since
 * the epoch in UTC; the offset only says where the writer was. */
static bool parse_msjson(const char *s, size_t n, dt *d) {
  size_t i = 0;
  if (n > 0 && s[0] == '\\') i++;
  if (n - i < 8 || memcmp(s + i, "/Date(", 6) != 0) return false;
  i += 6;
  bool neg = i < n && s[i] == '-';
  if (neg) i++;
  int64_t ms = 0;
  int k = 0;
  while (i < n && is_digit(s[i]) && k < 16) { ms = ms * 10 + (s[i++] - '0'); k++; }
  if (!k) return false;
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    i++;
    for (int j = 0; j < 4; j++, i++) if (i >= n || !is_digit(s[i])) return false;
  }
  if (n - i == 2 && memcmp(s + i, ")/", 2) == 0) i += 2;
  else if (n - i == 3 && memcmp(s + i, ")\\/", 3) == 0) i += 3;
  else return false;
  d->epoch = true;
  d->epoch_secs = neg ? -(ms / 1000) - (ms % 1000 != 0) : ms / 1000;   /* floor, also before 1970 */
  d->fr = (frac){(uint32_t)((neg ? -ms : ms) - d->epoch_secs * 1000), 3};
  return true;
}

static void put_digits(char *p, int v, int width) {
  for (int i = width - 1; i >= 0; i--) { p[i] = (char)('0' + v % 10); v /= 10; }
}

/* The input text, quoted only when a message needs it (most calls succeed). */
typedef struct input { const char *s; size_t n; } input;
static const char *quoted(hm_bctx *ctx, const input *in) { return hm_quote(ctx, in->s, in->n); }

static int fmt_utc(hm_bctx *ctx, int64_t t, frac fr, hm_value *out, const input *in,
                   const char *fmt) {
  int64_t days = t / 86400 - (t % 86400 < 0), secs = t - days * 86400;
  int64_t y; int m, d;
  hm_civil_from_days(days, &y, &m, &d);
  if (y < 0 || y > 9999)
    return hm_fail(ctx, out, "date \"%s\" (format \"%s\") is outside years 0000-9999",
                   quoted(ctx, in), fmt);
  /* By hand: snprintf costs more than the whole parse on the hot path. */
  char buf[20 + 1 + FRAC_MAX + 1];
  put_digits(buf, (int)y, 4); buf[4] = '-';
  put_digits(buf + 5, m, 2); buf[7] = '-';
  put_digits(buf + 8, d, 2); buf[10] = 'T';
  put_digits(buf + 11, (int)(secs / 3600), 2); buf[13] = ':';
  put_digits(buf + 14, (int)(secs / 60 % 60), 2); buf[16] = ':';
  put_digits(buf + 17, (int)(secs % 60), 2);
  size_t len = 19;
  while (fr.n && fr.v % 10 == 0) { fr.v /= 10; fr.n--; }
  if (fr.n) { buf[len++] = '.'; put_digits(buf + len, (int)fr.v, fr.n); len += (size_t)fr.n; }
  buf[len++] = 'Z';
  *out = hv_str_copy(ctx->arena, buf, len);
  return 0;
}

static int to_utc(hm_bctx *ctx, const dt *d, const char *tzname, hm_value *out, const input *in,
                  const char *fmt) {
  int64_t local =
      hm_days_from_civil(d->year, d->mon, d->day) * 86400 + d->hour * 3600 + d->min * 60 + d->sec;
  if (d->has_off) return fmt_utc(ctx, local - d->off, d->fr, out, in, fmt);
  const char *zone = d->zone ? d->zone : tzname;
  if (!zone)
    return hm_fail(ctx, out,
                   "no time zone for \"%s\": give date() a tz argument or use a format with %%z",
                   quoted(ctx, in));
  bool owned;
  hm_tz *tz = hm_state_zone(ctx->std, zone, &owned);
  if (!tz) {
    char err[200];
    hm_tz *again = hm_tz_load(zone, err, sizeof err);   /* for the precise reason */
    hm_tz_free(again);
    return hm_fail(ctx, out, "date \"%s\": %s", quoted(ctx, in), err);
  }
  int64_t utc;
  int32_t off;
  hm_tz_fold fold = hm_tz_local_to_utc(tz, local, &utc, &off);
  if (owned) hm_tz_free(tz);
  if (fold != HM_TZ_UNIQUE) {
    char when[40];
    snprintf(when, sizeof when, "%04d-%02d-%02d %02d:%02d:%02d", (int)d->year, d->mon, d->day,
             d->hour, d->min, d->sec);
    int oh = (off < 0 ? -off : off) / 3600, om = (off < 0 ? -off : off) / 60 % 60;
    char sign = off < 0 ? '-' : '+';
    if (fold == HM_TZ_OVERLAP)
      hm_flagf(ctx, HM_SEV_WARN, "local time %s happens twice in %s: took the first (%c%02d:%02d)",
               when, zone, sign, oh, om);
    else
      hm_flagf(ctx, HM_SEV_WARN,
               "local time %s does not exist in %s (clocks went forward): read as %c%02d:%02d",
               when, zone, sign, oh, om);
  }
  return fmt_utc(ctx, utc, d->fr, out, in, fmt);
}

/* "-1.25" with %s.%f is 1.25 s before the epoch: -2 s plus .75. */
static int64_t epoch_secs(dt *d) {
  if (!d->epoch_neg || !d->fr.v) return d->epoch_secs;
  uint32_t one = 1;
  for (int k = 0; k < d->fr.n; k++) one *= 10;
  d->fr.v = one - d->fr.v;
  return d->epoch_secs - 1;
}

static bool finish_fields(scan *sc, dt *d) {
  if (d->epoch) return true;
  if (!d->has_year || !d->has_mon || !d->has_day)
    return bad(sc, "%s", "the format has no complete date (needs year, month and day)");
  if (d->pm >= 0) {
    if (!d->h12 && d->hour > 12) return bad(sc, "%s", "hour above 12 with AM/PM");
    d->hour = d->hour % 12 + (d->pm ? 12 : 0);
  } else if (d->h12) {
    return bad(sc, "%s", "%I needs %p (AM/PM)");
  }
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0;
  int max = d->mon == 2 && !leap ? 28 : mdays[d->mon - 1];
  if (d->day > max) {
    snprintf(sc->why, sizeof sc->why, "day %d is past the end of %04d-%02d", d->day, (int)d->year,
             d->mon);
    return false;
  }
  return true;
}

static const char *opt_text(hm_bctx *ctx, int argc, const hm_value *argv, int k) {
  if (argc <= k || hv_is_nothing(argv[k])) return NULL;
  const char *s; size_t n;
  hm_arg_text(ctx, argv[k], &s, &n);
  if (!n) return NULL;
  return s[n] ? hm_arena_strndup(ctx->arena, s, n) : s;
}

HM_BI(date) {
  HM_PROPAGATE(argv[0], out);
  const char *s; size_t n;
  hm_arg_text(ctx, argv[0], &s, &n);
  hm_trim_span(&s, &n);
  input in = {s, n};
  const char *fmt = opt_text(ctx, argc, argv, 1);   /* missing, null or "" → ISO-8601 */
  const char *tz = opt_text(ctx, argc, argv, 2);
  dt d = {0};
  d.pm = -1;
  scan sc = {s, n, 0, ctx->arena, {0}};
  const char *fname = fmt ? fmt : "ISO-8601";
  if (!fmt && parse_msjson(s, n, &d))
    return fmt_utc(ctx, d.epoch_secs, d.fr, out, &in, "/Date(ms)/");
  bool ok = fmt ? parse_fmt(&sc, fmt, &d, 0) : parse_iso(&sc, &d);
  if (ok && sc.i < n) {
    ok = false;
    snprintf(sc.why, sizeof sc.why, "unexpected \"%s\" at the end",
             hm_quote(ctx, s + sc.i, n - sc.i));
  }
  if (ok) ok = finish_fields(&sc, &d);
  if (!ok)
    return hm_fail(ctx, out, "date \"%s\" does not match \"%s\": %s", quoted(ctx, &in), fname,
                   sc.why);
  if (d.epoch) return fmt_utc(ctx, epoch_secs(&d), d.fr, out, &in, fname);
  return to_utc(ctx, &d, tz, out, &in, fname);
}

/* Checks a constant format the way date() will read it, without input. */
int hm_date_format_check(const char *fmt, char *err, size_t errlen) {
  bool date = false, epoch = false, h12 = false, pm = false;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') continue;
    char c = *++f;
    if (!c) { snprintf(err, errlen, "format \"%s\" ends with a lone %%", fmt); return -1; }
    if (!strchr("YymdHIMSfbBhaApzZTFRs%", c)) {
      snprintf(err, errlen, "unknown directive %%%c in format \"%s\"", c, fmt);
      return -1;
    }
    if (c == 'Y' || c == 'y' || c == 'F') date = true;
    if (c == 's') epoch = true;
    if (c == 'I') h12 = true;
    if (c == 'p') pm = true;
  }
  bool month = strstr(fmt, "%m") || strstr(fmt, "%b") || strstr(fmt, "%B") || strstr(fmt, "%h") ||
               strstr(fmt, "%F");
  bool day = strstr(fmt, "%d") || strstr(fmt, "%F");
  if (!epoch && !(date && month && day)) {
    snprintf(err, errlen, "format \"%s\" has no complete date (needs year, month and day)", fmt);
    return -1;
  }
  if (h12 && !pm) { snprintf(err, errlen, "format \"%s\" uses %%I without %%p", fmt); return -1; }
  return 0;
}

int hm_date_zone_check(const char *tz, char *err, size_t errlen) {
  if (!*tz) return 0;   /* date() reads "" as no zone, like a missing tz */
  hm_tz *z = hm_tz_load(tz, err, errlen);
  if (!z) return -1;
  hm_tz_free(z);
  return 0;
}
