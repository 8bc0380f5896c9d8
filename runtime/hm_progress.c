/* hm_progress: the progress line (terminal only) and --log-json events. The ETA
 * uses the slower of the observed pace and the rate limit, so it never promises
 * more than the account's bucket can deliver. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hm_buf.h"
#include "hm_http.h"
#include "hm_progress.h"

void hm_progress_init(hm_progress *p, int log_json, long long total, double max_rate) {
  memset(p, 0, sizeof *p);
  p->tty = isatty(2);
  p->json = log_json;
  p->total = total;
  p->max_rate = max_rate;
  p->start = hm_now();
}

static void draw(hm_progress *p, const char *object) {
  double el = hm_now() - p->start;
  double rate = el > 0 ? (double)p->done / el : 0;
  double eta_rate = rate > 0 && rate < p->max_rate ? rate : p->max_rate;
  char eta[32] = "?";
  if (p->total > 0 && eta_rate > 0) {
    long s = (long)((double)(p->total - p->done) / eta_rate);
    snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  }
  if (p->total > 0)
    fprintf(stderr, "\r\033[K%s %lld/%lld calls  %.1f/s  ETA %s", object, p->done, p->total, rate, eta);
  else
    fprintf(stderr, "\r\033[K%s %lld calls  %.1f/s", object, p->done, rate);
  fflush(stderr);
}

void hm_progress_step(hm_progress *p, const char *object, const char *outcome,
                      const char *ref, long status) {
  p->done++;
  if (p->json) {
    hm_buf b; hm_buf_init(&b);
    hm_buf_puts(&b, "{\"event\":\"call\",\"object\":");
    hm_buf_json_str(&b, object ? object : "", object ? strlen(object) : 0);
    hm_buf_puts(&b, ",\"outcome\":");
    hm_buf_json_str(&b, outcome, strlen(outcome));
    hm_buf_puts(&b, ",\"ref\":");
    hm_buf_json_str(&b, ref ? ref : "", ref ? strlen(ref) : 0);
    hm_buf_printf(&b, ",\"status\":%ld,\"done\":%lld,\"total\":%lld}\n", status, p->done, p->total);
    fputs(hm_buf_cstr(&b), stderr);
    hm_buf_free(&b);
  } else if (p->tty) {
    double now = hm_now();
    if (now - p->last_draw >= 0.2) { p->last_draw = now; draw(p, object ? object : ""); }
  }
}

void hm_progress_note(hm_progress *p, const char *level, const char *text) {
  if (p->json) {
    hm_buf b; hm_buf_init(&b);
    hm_buf_puts(&b, "{\"event\":\"note\",\"level\":");
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
  if (p->tty && !p->json && p->done) { draw(p, "done"); fputc('\n', stderr); }
}
