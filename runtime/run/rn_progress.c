/* hm_progress: the progress line (terminal only) and --log-json events. The ETA
 * uses the slower of the observed pace and the rate limit, so it never promises
 * more than the account's bucket can deliver. */
#include <stdio.h>
#include <string.h>
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

static void draw(hm_progress *p, const char *object) {
  double el = hm_now() - p->start;
  double rate = el > 0 ? (double)p->done / el : 0;
  double eta_rate = rate > 0 && rate < p->max_rate ? rate : p->max_rate;
  char eta[32] = "?";
  if (p->total > 0 && eta_rate > 0) {
    long s = (long)((double)(p->total - p->done) / eta_rate);
    snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  }
  char per[128] = "";
  int i = slot(p, object);
  if (i >= 0 && p->obj_total[i] > 0) snprintf(per, sizeof per, " %lld/%lld", p->obj_done[i], p->obj_total[i]);
  else if (i >= 0) snprintf(per, sizeof per, " %lld", p->obj_done[i]);
  if (p->total > 0)
    fprintf(stderr, "\r\033[K%s%s  (calls %lld/%lld, %.1f/s, ETA %s)", object, per, p->done, p->total, rate, eta);
  else
    fprintf(stderr, "\r\033[K%s%s  (calls %lld, %.1f/s)", object, per, p->done, rate);
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
  if (p->tty && !p->json && p->done)
    fprintf(stderr, "\r\033[Kdone: %lld calls in %.0f s\n", p->done, hm_now() - p->start);
}
