/* hm_ratelimit: pacing arithmetic for Gorgias' per-account leaky bucket (40
 * requests drained over 20 s for API keys) and the retry schedule. Kept free of
 * I/O so the numbers can be unit-tested: the client feeds it clock readings and
 * the X-Gorgias-Account-Api-Call-Limit header of every answer, and asks how long
 * to wait. The server's count is authoritative; between answers we assume the
 * bucket drains at limit/window per second, which errs on the safe side because
 * we read the count after the server wrote it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rn.h"

double hm_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void hm_rl_init(hm_rl *rl, double window, double headroom, uint64_t seed) {
  memset(rl, 0, sizeof *rl);
  rl->limit = 40;
  rl->window = window > 0 ? window : 20;
  rl->headroom = headroom < 0 ? 0 : headroom;
  rl->backoff_base = 0.5 * (rl->window / 20);
  rl->backoff_cap = 30 * (rl->window / 20);
  rl->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static double drained_level(const hm_rl *rl, double now) {
  double rate = rl->limit / rl->window;
  double lvl = rl->level - (now - rl->t) * rate;
  return lvl > 0 ? lvl : 0;
}

double hm_rl_wait(const hm_rl *rl, double now) {
  double room = rl->limit - rl->headroom;
  if (room < 1) room = 1;
  double lvl = drained_level(rl, now);
  if (lvl + 1 <= room) return 0;
  return (lvl + 1 - room) / (rl->limit / rl->window);
}

void hm_rl_sent(hm_rl *rl, double now) {
  rl->level = drained_level(rl, now) + 1;
  rl->t = now;
}

void hm_rl_observe(hm_rl *rl, const char *header, double now) {
  if (!header) return;
  char *end;
  double used = strtod(header, &end);
  if (end == header || *end != '/' || used < 0) return;
  const char *p = end + 1;
  double limit = strtod(p, &end);
  if (end == p || limit < 1 || limit > 100000) return;
  rl->limit = limit;
  rl->level = used;
  rl->t = now;
}

double hm_rl_retry_after(const char *header) {
  if (!header) return -1;
  char *end;
  double s = strtod(header, &end);
  if (end == header || s < 0 || isnan(s)) return -1;
  return s > 60 ? 60 : s;
}

static double next_unit(hm_rl *rl) {   /* xorshift64*: jitter only, not crypto */
  uint64_t x = rl->rng;
  x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
  rl->rng = x;
  return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

double hm_rl_backoff(hm_rl *rl, int attempt) {
  double d = rl->backoff_base;
  for (int i = 0; i < attempt && d < rl->backoff_cap; i++) d *= 2;
  if (d > rl->backoff_cap) d = rl->backoff_cap;
  return d * (0.5 + 0.5 * next_unit(rl));
}
