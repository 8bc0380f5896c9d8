/* sbx_ratelimit: Gorgias' per-account leaky bucket (reference §2): CAPACITY
 * requests drain evenly over WINDOW seconds; a request that would overflow the
 * bucket is refused with the wait until one slot has leaked out. The window is
 * already divided by --time-scale so tests can exhaust and refill it quickly. */
#include "sbx.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int hm_sbx_rate_parse(const char *spec, int *capacity, double *window_s) {
  if (!spec) return -1;
  if (strcmp(spec, "off") == 0) { *capacity = 0; *window_s = 1; return 0; }
  char *end;
  long cap = strtol(spec, &end, 10);
  if (end == spec || *end != '/' || cap <= 0 || cap > 1000000) return -1;
  const char *w = end + 1;
  double win = strtod(w, &end);
  if (end == w || *end != '\0' || !(win > 0) || win > 86400) return -1;
  *capacity = (int)cap;
  *window_s = win;
  return 0;
}

void hm_sbx_rate_init(hm_sbx_ratelimit *rl, int capacity, double window) {
  memset(rl, 0, sizeof *rl);
  pthread_mutex_init(&rl->mu, NULL);
  rl->capacity = capacity;
  rl->window = window;
}

void hm_sbx_rate_free(hm_sbx_ratelimit *rl) {
  free(rl->buckets);
  pthread_mutex_destroy(&rl->mu);
}

void hm_sbx_rate_reset(hm_sbx_ratelimit *rl) {
  pthread_mutex_lock(&rl->mu);
  rl->nbuckets = 0;
  pthread_mutex_unlock(&rl->mu);
}

static hm_sbx_bucket *bucket_for(hm_sbx_ratelimit *rl, const char *account, double now) {
  for (int i = 0; i < rl->nbuckets; i++)
    if (strcmp(rl->buckets[i].account, account) == 0) return &rl->buckets[i];
  if (rl->nbuckets == rl->capbuckets) {
    int nc = rl->capbuckets ? rl->capbuckets * 2 : 8;
    hm_sbx_bucket *nb = realloc(rl->buckets, (size_t)nc * sizeof *nb);
    if (!nb) return NULL;
    rl->buckets = nb;
    rl->capbuckets = nc;
  }
  hm_sbx_bucket *b = &rl->buckets[rl->nbuckets++];
  memset(b, 0, sizeof *b);
  snprintf(b->account, sizeof b->account, "%s", account);
  b->last = now;
  return b;
}

int hm_sbx_rate_take(hm_sbx_ratelimit *rl, const char *account, double now, int *used,
                     double *retry_after) {
  *retry_after = 0;
  if (rl->capacity <= 0) { *used = 0; return 1; }
  pthread_mutex_lock(&rl->mu);
  hm_sbx_bucket *b = bucket_for(rl, account, now);
  int ok = 1;
  if (b) {
    double rate = rl->capacity / rl->window;  /* slots leaked per second */
    b->level -= (now - b->last) * rate;
    if (b->level < 0) b->level = 0;
    b->last = now;
    if (b->level + 1 > rl->capacity + 1e-9) {
      ok = 0;
      *retry_after = (b->level + 1 - rl->capacity) / rate;
    } else {
      b->level += 1;
    }
    *used = (int)ceil(b->level - 1e-9);
  } else {
    *used = 0;
  }
  pthread_mutex_unlock(&rl->mu);
  return ok;
}
