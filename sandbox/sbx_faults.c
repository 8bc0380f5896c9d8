/* sbx_faults: the seeded fault schedule (--faults SPEC --seed N). Request number
 * k of the API gets its fault from a hash of (seed, k) alone, so the same run
 * against the same seed sees the same faults — a failing client test replays.
 * SPEC is a comma list of KIND:PROB[:ARG]; KIND is 429, 500, 502, 503, slow
 * (ARG = delay: 250ms, 2s), drop-before, drop-after; 429's ARG is a burst length
 * (that many consecutive 429s). Probabilities are cumulative over the list. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>

static const struct { const char *name; hm_sbx_fault_kind kind; } KINDS[] = {
  {"429", HM_SBX_FAULT_429}, {"500", HM_SBX_FAULT_500}, {"502", HM_SBX_FAULT_502},
  {"503", HM_SBX_FAULT_503}, {"slow", HM_SBX_FAULT_SLOW}, {"drop-before", HM_SBX_FAULT_DROP_BEFORE},
  {"drop-after", HM_SBX_FAULT_DROP_AFTER},
};

const char *hm_sbx_fault_name(hm_sbx_fault_kind k) {
  for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
    if (KINDS[i].kind == k) return KINDS[i].name;
  return "none";
}

void hm_sbx_faults_init(hm_sbx_faults *f, uint64_t seed) {
  memset(f, 0, sizeof *f);
  pthread_mutex_init(&f->mu, NULL);
  f->seed = seed;
}

void hm_sbx_faults_reset(hm_sbx_faults *f) {
  pthread_mutex_lock(&f->mu);
  f->counter = 0;
  f->burst_left = 0;
  memset(f->served, 0, sizeof f->served);
  pthread_mutex_unlock(&f->mu);
}

/* "500ms", "2s", "1.5s", "300" (ms) → seconds */
static int parse_duration(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v >= 0 && v <= 3600000)) return -1;
  if (strcmp(end, "ms") == 0 || *end == '\0') *out = v / 1000.0;
  else if (strcmp(end, "s") == 0) *out = v;
  else return -1;
  return 0;
}

static int parse_one(hm_sbx_faults *f, char *item, char *err, size_t errlen) {
  char *name = item, *prob = strchr(item, ':');
  if (!prob) { snprintf(err, errlen, "fault \"%s\": expected KIND:PROBABILITY", item); return -1; }
  *prob++ = '\0';
  char *arg = strchr(prob, ':');
  if (arg) *arg++ = '\0';
  int k = -1;
  for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
    if (strcmp(KINDS[i].name, name) == 0) k = (int)i;
  if (k < 0) { snprintf(err, errlen, "fault \"%s\": unknown kind (429, 500, 502, 503, slow, drop-before, drop-after)", name); return -1; }
  char *end;
  double p = strtod(prob, &end);
  if (end == prob || *end || !(p >= 0 && p <= 1)) { snprintf(err, errlen, "fault \"%s\": probability must be a number from 0 to 1", name); return -1; }
  if (f->n == HM_SBX_MAX_FAULTS) { snprintf(err, errlen, "too many faults (at most %d)", HM_SBX_MAX_FAULTS); return -1; }
  double a = 0;
  hm_sbx_fault_kind kind = KINDS[k].kind;
  if (kind == HM_SBX_FAULT_SLOW) {
    if (!arg || parse_duration(arg, &a) != 0) { snprintf(err, errlen, "fault \"slow\": needs a delay, e.g. slow:0.02:500ms"); return -1; }
  } else if (kind == HM_SBX_FAULT_429) {
    a = 1;
    if (arg) {
      long b = strtol(arg, &end, 10);
      if (end == arg || *end || b < 1 || b > 1000) { snprintf(err, errlen, "fault \"429\": burst length must be 1..1000"); return -1; }
      a = (double)b;
    }
  } else if (arg) {
    snprintf(err, errlen, "fault \"%s\": takes no argument", name);
    return -1;
  }
  f->kind[f->n] = kind;
  f->prob[f->n] = p;
  f->arg[f->n] = a;
  f->n++;
  return 0;
}

int hm_sbx_faults_parse(hm_sbx_faults *f, const char *spec, char *err, size_t errlen) {
  char *copy = strdup(spec);
  if (!copy) return -1;
  int rc = 0;
  double total = 0;
  for (char *save = NULL, *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    if ((rc = parse_one(f, item, err, errlen)) != 0) break;
    total += f->prob[f->n - 1];
  }
  if (rc == 0 && total > 1 + 1e-9) { snprintf(err, errlen, "fault probabilities add up to more than 1"); rc = -1; }
  free(copy);
  return rc;
}

/* splitmix64: a good 64-bit mix, so consecutive request numbers are independent */
static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

hm_sbx_fault_kind hm_sbx_faults_next(hm_sbx_faults *f, double *arg) {
  *arg = 0;
  if (f->n == 0) return HM_SBX_FAULT_NONE;
  pthread_mutex_lock(&f->mu);
  uint64_t k = f->counter++;
  hm_sbx_fault_kind out = HM_SBX_FAULT_NONE;
  if (f->burst_left > 0) {
    f->burst_left--;
    out = HM_SBX_FAULT_429;
  } else {
    double u = (double)(mix(f->seed * 0x100000001b3ull ^ mix(k)) >> 11) / 9007199254740992.0;
    double acc = 0;
    for (int i = 0; i < f->n; i++) {
      acc += f->prob[i];
      if (u < acc) {
        out = f->kind[i];
        *arg = f->arg[i];
        if (out == HM_SBX_FAULT_429) f->burst_left = (int)f->arg[i] - 1;
        break;
      }
    }
  }
  f->served[out]++;
  pthread_mutex_unlock(&f->mu);
  return out;
}
