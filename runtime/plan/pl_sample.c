/* hm_sample: the stratified `--sample N` choice. The first N records of an
 * export are usually the oldest and dullest; a customer reviewing a sample
 * should see the records that stress the map. Per object we keep, while
 * streaming, the best candidate of each stratum and the first N records; at
 * the end we pick one per stratum (in the order below), then fill up in record
 * order. Ties go to the earlier record, so the choice is deterministic and
 * `plan --sample N` and `run --sample N` pick the same records. */
#include <stdlib.h>
#include <string.h>
#include "hm_plan.h"

enum { ST_THREAD, ST_UPLOADS, ST_NONASCII, ST_HTML, ST_FALLBACK, ST_FLAG, ST__N };
static const char *stratum_reason[ST__N] = {"longest thread", "most attachments", "non-ASCII text",
                                            "HTML body",      "takes a fallback", "raises a flag"};

typedef struct cand { uint64_t index; uint64_t score; char *key; } cand;
typedef struct chosen { uint64_t index; char *key; const char *reason; } chosen;

struct hm_sample {
  long n;
  cand best[ST__N];
  cand *first; uint32_t nfirst;
  chosen *picks; uint32_t npicks;
};

hm_sample *hm_sample_new(long n) {
  hm_sample *s = calloc(1, sizeof *s);
  if (!s) abort();
  s->n = n > 0 ? n : 0;
  s->first = calloc((size_t)s->n + 1, sizeof *s->first);
  s->picks = calloc((size_t)s->n + 1, sizeof *s->picks);
  if (!s->first || !s->picks) abort();
  return s;
}

static char *dupkey(const char *k) {
  char *d = strdup(k ? k : "");
  if (!d) abort();
  return d;
}

static void offer(cand *c, uint64_t index, uint64_t score, const char *key) {
  if (!score || (c->key && c->score >= score)) return;
  free(c->key);
  *c = (cand){index, score, dupkey(key)};
}

void hm_sample_add(hm_sample *s, const hm_sample_feat *f) {
  offer(&s->best[ST_THREAD], f->index, f->children, f->key);
  offer(&s->best[ST_UPLOADS], f->index, f->uploads, f->key);
  offer(&s->best[ST_NONASCII], f->index, f->non_ascii ? 1 : 0, f->key);
  offer(&s->best[ST_HTML], f->index, f->html ? 1 : 0, f->key);
  offer(&s->best[ST_FALLBACK], f->index, f->fallback ? 1 : 0, f->key);
  offer(&s->best[ST_FLAG], f->index, f->flagged ? 1 : 0, f->key);
  if ((long)s->nfirst < s->n) s->first[s->nfirst++] = (cand){f->index, 0, dupkey(f->key)};
}

static bool taken(const hm_sample *s, uint64_t index) {
  for (uint32_t i = 0; i < s->npicks; i++)
    if (s->picks[i].index == index) return true;
  return false;
}

static int by_index(const void *x, const void *y) {
  const chosen *a = x, *b = y;
  return (a->index > b->index) - (a->index < b->index);
}

void hm_sample_finish(hm_sample *s) {
  for (int st = 0; st < ST__N && (long)s->npicks < s->n; st++) {
    cand *c = &s->best[st];
    if (!c->key || taken(s, c->index)) continue;
    s->picks[s->npicks++] = (chosen){c->index, dupkey(c->key), stratum_reason[st]};
  }
  for (uint32_t i = 0; i < s->nfirst && (long)s->npicks < s->n; i++)
    if (!taken(s, s->first[i].index))
      s->picks[s->npicks++] =
          (chosen){s->first[i].index, dupkey(s->first[i].key), "fills the sample in record order"};
  qsort(s->picks, s->npicks, sizeof *s->picks, by_index);
}

const char *hm_sample_reason(const hm_sample *s, uint64_t index) {
  uint32_t lo = 0, hi = s->npicks;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (s->picks[mid].index < index) lo = mid + 1;
    else hi = mid;
  }
  return lo < s->npicks && s->picks[lo].index == index ? s->picks[lo].reason : NULL;
}

uint32_t hm_sample_count(const hm_sample *s) { return s->npicks; }

void hm_sample_picked(const hm_sample *s, uint32_t i, const char **key, const char **reason) {
  *key = s->picks[i].key;
  *reason = s->picks[i].reason;
}

void hm_sample_free(hm_sample *s) {
  if (!s) return;
  for (int i = 0; i < ST__N; i++) free(s->best[i].key);
  for (uint32_t i = 0; i < s->nfirst; i++) free(s->first[i].key);
  for (uint32_t i = 0; i < s->npicks; i++) free(s->picks[i].key);
  free(s->first); free(s->picks); free(s);
}
