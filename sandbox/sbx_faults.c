/* sbx_faults: the seeded fault schedule (--faults SPEC --seed N). Request number
 * k of the API gets its fault from a hash of (seed, k) alone, so the same run
 * against the same seed sees the same faults — a failing client test replays.
 * SPEC is a comma list of KIND:PROB[:ARG]; KIND is 429, 500, 502, 503, slow
 * (ARG = delay: 250ms, 2s), drop-before, drop-after; 429's ARG is a burst length
 * (that many consecutive 429s). Probabilities are cumulative over the list.
 * Hostile answers (answer-text, answer-array, answer-id0, answer-id-string,
 * answer-id-negative, answer-id-float, answer-huge:P:SIZE, echo-auth) only
 * touch POST requests: the object is made and committed, then its 2xx answer
 * is replaced by one a client must not trust; echo-auth refuses the POST with
 * a 400 that echoes the credentials. Other requests drawing them are served
 * normally. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { const char *name; hm_sbx_fault_kind kind; } KINDS[] = {
  {"429", HM_SBX_FAULT_429}, {"500", HM_SBX_FAULT_500}, {"502", HM_SBX_FAULT_502},
  {"503", HM_SBX_FAULT_503}, {"slow", HM_SBX_FAULT_SLOW}, {"drop-before", HM_SBX_FAULT_DROP_BEFORE},
  {"drop-after", HM_SBX_FAULT_DROP_AFTER},
  {"answer-text", HM_SBX_FAULT_ANSWER_TEXT}, {"answer-array", HM_SBX_FAULT_ANSWER_ARRAY},
  {"answer-id0", HM_SBX_FAULT_ANSWER_ID0}, {"answer-id-string", HM_SBX_FAULT_ANSWER_ID_STRING},
  {"answer-id-negative", HM_SBX_FAULT_ANSWER_ID_NEGATIVE},
  {"answer-id-float", HM_SBX_FAULT_ANSWER_ID_FLOAT},
  {"answer-huge", HM_SBX_FAULT_ANSWER_HUGE}, {"echo-auth", HM_SBX_FAULT_ECHO_AUTH},
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

/* "20M", "512K", "1000" (bytes), at most 1 GiB → bytes */
static int parse_size(const char *s, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v >= 1)) return -1;
  if (!strcasecmp(end, "K")) v *= 1024;
  else if (!strcasecmp(end, "M")) v *= 1024 * 1024;
  else if (*end) return -1;
  if (v > 1024.0 * 1024 * 1024) return -1;
  *out = v;
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
  if (k < 0) {
    snprintf(err, errlen,
             "fault \"%s\": unknown kind (429, 500, 502, 503, slow, drop-before, drop-after, "
             "answer-text, answer-array, answer-id0, answer-id-string, answer-id-negative, "
             "answer-id-float, answer-huge, echo-auth)",
             name);
    return -1;
  }
  char *end;
  double p = strtod(prob, &end);
  if (end == prob || *end || !(p >= 0 && p <= 1)) {
    snprintf(err, errlen, "fault \"%s\": probability must be a number from 0 to 1", name);
    return -1;
  }
  if (f->n == HM_SBX_MAX_FAULTS) {
    snprintf(err, errlen, "too many faults (at most %d)", HM_SBX_MAX_FAULTS);
    return -1;
  }
  double a = 0;
  hm_sbx_fault_kind kind = KINDS[k].kind;
  if (kind == HM_SBX_FAULT_SLOW) {
    if (!arg || parse_duration(arg, &a) != 0) {
      snprintf(err, errlen, "fault \"slow\": needs a delay, e.g. slow:0.02:500ms");
      return -1;
    }
  } else if (kind == HM_SBX_FAULT_429) {
    a = 1;
    if (arg) {
      long b = strtol(arg, &end, 10);
      if (end == arg || *end || b < 1 || b > 1000) {
        snprintf(err, errlen, "fault \"429\": burst length must be 1..1000");
        return -1;
      }
      a = (double)b;
    }
  } else if (kind == HM_SBX_FAULT_ANSWER_HUGE) {
    if (!arg || parse_size(arg, &a) != 0) {
      snprintf(err, errlen, "fault \"answer-huge\": needs a size, e.g. answer-huge:1:20M");
      return -1;
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
  for (char *save = NULL, *item = strtok_r(copy, ",", &save); item;
       item = strtok_r(NULL, ",", &save)) {
    if ((rc = parse_one(f, item, err, errlen)) != 0) break;
    total += f->prob[f->n - 1];
  }
  if (rc == 0 && total > 1 + 1e-9) {
    snprintf(err, errlen, "fault probabilities add up to more than 1");
    rc = -1;
  }
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
  if (!hm_sbx_fault_hostile(out)) f->served[out]++;   /* hostile ones count when applied */
  pthread_mutex_unlock(&f->mu);
  return out;
}

int hm_sbx_fault_hostile(hm_sbx_fault_kind k) {
  return k >= HM_SBX_FAULT_ANSWER_TEXT && k < HM_SBX_FAULT_KINDS;
}

static void served(hm_sbx_faults *f, hm_sbx_fault_kind k) {
  pthread_mutex_lock(&f->mu);
  f->served[k]++;
  pthread_mutex_unlock(&f->mu);
}

static void raw_answer(hm_sbx_resp *rs, char *text, const char *ctype) {
  cJSON_Delete(rs->json);
  rs->json = NULL;
  free(rs->raw);
  rs->raw = text;
  rs->raw_len = text ? strlen(text) : 0;
  snprintf(rs->ctype, sizeof rs->ctype, "%s", ctype);
}

/* The answer's "id" replaced by what kind says (only an object with an id). */
static void lie_about_id(hm_sbx_fault_kind k, cJSON *o) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
  if (!cJSON_IsNumber(id)) return;
  double real = id->valuedouble;
  cJSON *bad;
  if (k == HM_SBX_FAULT_ANSWER_ID0) bad = cJSON_CreateNumber(0);
  else if (k == HM_SBX_FAULT_ANSWER_ID_NEGATIVE) bad = cJSON_CreateNumber(-real);
  else if (k == HM_SBX_FAULT_ANSWER_ID_FLOAT) bad = cJSON_CreateNumber(real + 0.5);
  else {
    char s[64];
    snprintf(s, sizeof s, "%.0f/../../evil", real);
    bad = cJSON_CreateString(s);
  }
  cJSON_ReplaceItemInObjectCaseSensitive(o, "id", bad);
}

void hm_sbx_fault_answer(hm_sbx_faults *f, hm_sbx_fault_kind k, double arg, hm_sbx_resp *rs) {
  served(f, k);
  if (k == HM_SBX_FAULT_ANSWER_TEXT) {
    raw_answer(rs, strdup("<html><body><h1>Created</h1></body></html>"), "text/html");
  } else if (k == HM_SBX_FAULT_ANSWER_ARRAY) {
    if (cJSON_IsObject(rs->json)) {
      cJSON *arr = cJSON_CreateArray();
      cJSON_AddItemToArray(arr, rs->json);
      rs->json = arr;
    }
  } else if (k == HM_SBX_FAULT_ANSWER_HUGE) {
    cJSON *o = cJSON_IsArray(rs->json) ? cJSON_GetArrayItem(rs->json, 0) : rs->json;
    size_t n = (size_t)arg;
    char *pad = malloc(n + 1);
    if (!pad || !cJSON_IsObject(o)) { free(pad); return; }
    memset(pad, 'x', n);
    pad[n] = 0;
    cJSON_AddStringToObject(o, "padding", pad);
    free(pad);
  } else if (cJSON_IsObject(rs->json)) {
    lie_about_id(k, rs->json);
  }
}

/* Percent-encoding of s (every byte but unreserved ones). */
static void url_encode(const char *s, char *out, size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < cap; p++) {
    if ((*p >= '0' && *p <= '9') || ((*p | 32) >= 'a' && (*p | 32) <= 'z') || strchr("-_.~", *p))
      out[o++] = (char)*p;
    else { out[o++] = '%'; out[o++] = hex[*p >> 4]; out[o++] = hex[*p & 15]; }
  }
  out[o] = 0;
}

void hm_sbx_fault_echo(hm_sbx_faults *f, const char *authorization, hm_sbx_resp *rs) {
  served(f, HM_SBX_FAULT_ECHO_AUTH);
  char pair[600] = "", enc[1800] = "";
  if (authorization && !strncasecmp(authorization, "Basic ", 6)) {
    size_t n = 0;
    unsigned char *dec = hm_sbx_b64_decode(authorization + 6, &n);
    if (dec) snprintf(pair, sizeof pair, "%.*s", (int)n, (const char *)dec);
    free(dec);
  }
  url_encode(pair, enc, sizeof enc);
  hm_sbx_error(rs, 400, "Bad request. Debug: headers {Authorization: %s} credentials %s (url: %s)",
               authorization ? authorization : "(none)", pair, enc);
}
