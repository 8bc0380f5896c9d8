/* hm_progress: what the user sees while run, verify or rollback goes. On a
 * terminal, one line rewritten in place (counts, rate, ETA); on a pipe or a
 * file, a timestamped line every log_every seconds and at each phase; with
 * --log-json, JSON event lines that each carry an ISO-8601 UTC "ts". The last
 * line always says how the command ended (hm_progress_outcome), matching its
 * exit code. No colour is ever written (NO_COLOR holds trivially). The ETA
 * uses the slower of the observed pace and the rate limit, so it never
 * promises more than the account's bucket can deliver. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hm_buf.h"
#include "rn.h"

void hm_progress_init(hm_progress *p, int log_json, long long total, double max_rate) {
  memset(p, 0, sizeof *p);
  p->tty = isatty(2);
  p->json = log_json;
  p->total = total;
  p->max_rate = max_rate;
  p->start = hm_now();
  p->last_log = p->start;
  p->log_every = HM_PROGRESS_LOG_EVERY;
  snprintf(p->label, sizeof p->label, "run");
  snprintf(p->unit, sizeof p->unit, "calls");
}

void hm_progress_configure(hm_progress *p, const char *label, const char *unit, double log_every) {
  if (label) snprintf(p->label, sizeof p->label, "%s", label);
  if (unit) snprintf(p->unit, sizeof p->unit, "%s", unit);
  if (log_every > 0) p->log_every = log_every;
}

void hm_progress_timestamp(char out[32]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char sec[24];
  strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
  int ms = (int)(ts.tv_nsec / 1000000) % 1000;
  snprintf(out, 32, "%.20s.%03dZ", sec, ms);
}

void hm_progress_json_open(hm_buf *b, const char *event) {
  char ts[32];
  hm_progress_timestamp(ts);
  hm_buf_printf(b, "{\"ts\":\"%s\",\"event\":", ts);
  hm_buf_json_str(b, event, strlen(event));
}

static int slot(hm_progress *p, const char *object) {
  for (int i = 0; i < p->nobj; i++) if (!strcmp(p->obj[i], object)) return i;
  if (p->nobj == HM_PROGRESS_OBJECTS) return -1;
  snprintf(p->obj[p->nobj], sizeof p->obj[0], "%s", object);
  p->obj_done[p->nobj] = p->obj_total[p->nobj] = 0;
  return p->nobj++;
}

void hm_progress_expect(hm_progress *p, const char *object, long long total) {
  int i = object ? slot(p, object) : -1;
  if (i >= 0) p->obj_total[i] = total;
}

void hm_progress_record(hm_progress *p, const char *object) {
  int i = object ? slot(p, object) : -1;
  if (i >= 0) p->obj_done[i]++;
}

/* "Ticket 40/100  (calls 120/400, 2.0/s, ETA 0:02:20)" for the current object. */
static void status_text(hm_progress *p, const char *object, char *out, size_t n) {
  double el = hm_now() - p->start;
  double rate = el > 0 ? (double)p->done / el : 0;
  double eta_rate = rate > 0 && rate < p->max_rate ? rate : p->max_rate;
  char eta[32] = "?";
  if (p->total > 0 && eta_rate > 0) {
    long s = (long)((double)(p->total - p->done) / eta_rate);
    snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  }
  char per[128] = "";
  int i = object[0] ? slot(p, object) : -1;
  if (i >= 0 && p->obj_total[i] > 0)
    snprintf(per, sizeof per, " %lld/%lld", p->obj_done[i], p->obj_total[i]);
  else if (i >= 0) snprintf(per, sizeof per, " %lld", p->obj_done[i]);
  if (p->total > 0)
    snprintf(out, n, "%s%s  (%s %lld/%lld, %.1f/s, ETA %s)", object, per, p->unit, p->done,
             p->total, rate, eta);
  else
    snprintf(out, n, "%s%s  (%s %lld, %.1f/s)", object, per, p->unit, p->done, rate);
}

static void draw(hm_progress *p, const char *object) {
  char line[512];
  status_text(p, object, line, sizeof line);
  fprintf(stderr, "\r\033[K%s", line);
  fflush(stderr);
}

/* One timestamped line for a log (stderr not a terminal). */
static void log_line(hm_progress *p, const char *fmt_text) {
  char ts[32];
  hm_progress_timestamp(ts);
  fprintf(stderr, "%s hmaprun %s: %s\n", ts, p->label, fmt_text);
  fflush(stderr);
  p->last_log = hm_now();
}

void hm_progress_step(hm_progress *p, const char *object, const char *outcome,
                      const char *ref, long status) {
  p->done++;
  if (p->json) {
    hm_buf b; hm_buf_init(&b);
    hm_progress_json_open(&b, "call");
    hm_buf_puts(&b, ",\"object\":");
    hm_buf_json_str(&b, object ? object : "", object ? strlen(object) : 0);
    hm_buf_puts(&b, ",\"outcome\":");
    hm_buf_json_str(&b, outcome, strlen(outcome));
    hm_buf_puts(&b, ",\"ref\":");
    hm_buf_json_str(&b, ref ? ref : "", ref ? strlen(ref) : 0);
    hm_buf_printf(&b, ",\"status\":%ld,\"done\":%lld,\"total\":%lld}\n", status, p->done, p->total);
    fputs(hm_buf_cstr(&b), stderr);
    hm_buf_free(&b);
    return;
  }
  double now = hm_now();
  if (p->tty) {
    if (now - p->last_draw >= 0.2) { p->last_draw = now; draw(p, object ? object : ""); }
  } else if (now - p->last_log >= p->log_every) {
    char line[512];
    status_text(p, object ? object : "", line, sizeof line);
    log_line(p, line);
  }
}

void hm_progress_phase(hm_progress *p, const char *phase) {
  if (p->json) {
    hm_buf b; hm_buf_init(&b);
    hm_progress_json_open(&b, "phase");
    hm_buf_puts(&b, ",\"phase\":");
    hm_buf_json_str(&b, phase, strlen(phase));
    hm_buf_printf(&b, ",\"done\":%lld,\"total\":%lld}\n", p->done, p->total);
    fputs(hm_buf_cstr(&b), stderr);
    hm_buf_free(&b);
    return;
  }
  if (p->tty) return;   /* the line in place already names the object */
  char line[256];
  if (p->total > 0)
    snprintf(line, sizeof line, "phase %s (%s %lld/%lld so far)", phase, p->unit, p->done,
             p->total);
  else
    snprintf(line, sizeof line, "phase %s (%s %lld so far)", phase, p->unit, p->done);
  log_line(p, line);
}

void hm_progress_note(hm_progress *p, const char *level, const char *text) {
  if (p->json) {
    hm_buf b; hm_buf_init(&b);
    hm_progress_json_open(&b, "note");
    hm_buf_puts(&b, ",\"level\":");
    hm_buf_json_str(&b, level, strlen(level));
    hm_buf_puts(&b, ",\"text\":");
    hm_buf_json_str(&b, text, strlen(text));
    hm_buf_puts(&b, "}\n");
    fputs(hm_buf_cstr(&b), stderr);
    hm_buf_free(&b);
    return;
  }
  if (p->tty) fputs("\r\033[K", stderr);
  fprintf(stderr, "hmaprun: %s: %s\n", level, text);
}

void hm_progress_end(hm_progress *p) {
  if (p->tty && !p->json && p->done) fputs("\r\033[K", stderr);
}

/* The words of the last line for exit code rc. */
static void outcome_text(const hm_progress *p, int rc, long long failures, const char *detail,
                         char *out, size_t n) {
  double el = hm_now() - p->start;
  if (rc == 0) snprintf(out, n, "done (%lld %s in %.0f s)", p->done, p->unit, el);
  else if (rc == 1 && detail && detail[0]) snprintf(out, n, "done with %lld %s (%lld %s in %.0f s)",
                                                    failures, detail, p->done, p->unit, el);
  else if (rc == 1 && !failures) snprintf(out, n, "done with records rejected by the map "
                                           "(%lld %s in %.0f s; see the report)",
                                           p->done, p->unit, el);
  else if (rc == 1) snprintf(out, n, "done with %lld failure%s (%lld %s in %.0f s)", failures,
                             failures == 1 ? "" : "s", p->done, p->unit, el);
  else if (rc == 4) snprintf(out, n, "interrupted — resume with: %s", detail && detail[0] ? detail
                             : "the same command");
  else snprintf(out, n, "stopped: %s (exit %d)", detail && detail[0] ? detail
                : rc == 3 ? "Gorgias refused the request" : "see the error above", rc);
}

void hm_progress_outcome(hm_progress *p, int rc, long long failures, const char *detail) {
  hm_progress_end(p);
  char text[1200];
  outcome_text(p, rc, failures, detail, text, sizeof text);
  if (p->json) {
    hm_buf b; hm_buf_init(&b);
    hm_progress_json_open(&b, "end");
    hm_buf_puts(&b, ",\"command\":");
    hm_buf_json_str(&b, p->label, strlen(p->label));
    hm_buf_printf(&b, ",\"exit\":%d,\"failures\":%lld,\"done\":%lld,\"text\":", rc, failures,
                  p->done);
    hm_buf_json_str(&b, text, strlen(text));
    hm_buf_puts(&b, "}\n");
    fputs(hm_buf_cstr(&b), stderr);
    hm_buf_free(&b);
  } else if (p->tty) {
    fprintf(stderr, "hmaprun %s: %s\n", p->label, text);
  } else {
    log_line(p, text);
  }
  fflush(stderr);
}

/* arg as one shell word: as is when plain, else single-quoted. */
static void shell_word(hm_buf *b, const char *arg) {
  int plain = arg[0] != 0;
  for (const char *c = arg; *c; c++)
    if (!isalnum((unsigned char)*c) && !strchr("_@%+=:,./-", *c)) plain = 0;
  if (plain) { hm_buf_puts(b, arg); return; }
  hm_buf_putc(b, '\'');
  for (const char *c = arg; *c; c++) {
    if (*c == '\'') hm_buf_puts(b, "'\\''");
    else hm_buf_putc(b, *c);
  }
  hm_buf_putc(b, '\'');
}

char *hm_command_line(const char *program, int argc, char **argv) {
  hm_buf b; hm_buf_init(&b);
  hm_buf_puts(&b, program);
  for (int i = 0; i < argc; i++) { hm_buf_putc(&b, ' '); shell_word(&b, argv[i]); }
  char *s = strdup(hm_buf_cstr(&b));
  hm_buf_free(&b);
  return s;
}
