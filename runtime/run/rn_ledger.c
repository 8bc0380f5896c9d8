/* hm_ledger: the one ledger of a migration's counts. status, the run's
 * report, verify and rollback print what it says, so each word (planned,
 * created, updated, rejected, failed, in doubt, left, reused, flagged, rolled
 * back) means one thing everywhere (docs/run.md, "Counts"). It reads the
 * state only (hm_store_each_count holds the definitions as SQL): a resumed
 * run's numbers are the whole migration's, never the last leg's. */
#include <string.h>
#include "rn.h"

long long hm_ledger_left(const hm_store_count *c) {
  if (c->total < 0) return -1;
  long long left = c->total - c->done - c->reused - c->rejected - c->failed - c->intent;
  return left > 0 ? left : 0;
}

/* The words in the order every output shows them. */
#define NWORDS 11
static const char *const WORDS[NWORDS] = { "planned", "created", "updated",  "rejected",
                                           "failed",  "in_doubt", "left",    "reused",
                                           "flagged", "rolled_back", "follow_ups_failed" };

static void values(const hm_store_count *c, long long v[NWORDS]) {
  long long w[NWORDS] = { c->total,  c->done,           c->updated, c->rejected, c->failed,
                          c->intent, hm_ledger_left(c), c->reused,  c->flagged,  c->deleted,
                          c->follow_ups_failed };
  memcpy(v, w, sizeof w);
}

void hm_ledger_add_json(const hm_store_count *c, cJSON *o) {
  long long v[NWORDS];
  values(c, v);
  for (size_t i = 0; i < NWORDS; i++) cJSON_AddNumberToObject(o, WORDS[i], (double)v[i]);
}

typedef struct collect { cJSON *by_object; hm_store_count sum; int unknown; } collect;

static int add_row(void *ctx, const hm_store_count *c) {
  collect *k = ctx;
  if (k->by_object)
    hm_ledger_add_json(c, cJSON_AddObjectToObject(k->by_object, c->object ? c->object : ""));
  if (c->total < 0) k->unknown = 1;
  else k->sum.total += c->total;
  k->sum.done += c->done; k->sum.failed += c->failed; k->sum.intent += c->intent;
  k->sum.deleted += c->deleted; k->sum.reused += c->reused; k->sum.rejected += c->rejected;
  k->sum.flagged += c->flagged; k->sum.updated += c->updated;
  k->sum.follow_ups_failed += c->follow_ups_failed;
  return 0;
}

cJSON *hm_ledger_json(hm_store *st) {
  collect k = { cJSON_CreateObject(), { 0 }, 0 };
  hm_store_each_count(st, 0, add_row, &k);
  return k.by_object;
}

void hm_ledger_sum(hm_store *st, hm_store_count *sum) {
  collect k = { NULL, { 0 }, 0 };
  hm_store_each_count(st, 0, add_row, &k);
  *sum = k.sum;
  sum->object = "(all)";
  if (k.unknown) sum->total = -1;
}

static void set_word(cJSON *o, const char *word, long long n) {
  cJSON *v = cJSON_GetObjectItemCaseSensitive(o, word);
  if (v) cJSON_SetNumberValue(v, (double)n);
  else cJSON_AddNumberToObject(o, word, (double)n);
}

static int run_row(void *ctx, const hm_store_count *c) {
  cJSON *counts = ctx;
  const char *name = c->object ? c->object : "";
  cJSON *o = cJSON_GetObjectItemCaseSensitive(counts, name);
  if (!o && !(c->done || c->reused || c->rejected || c->failed)) return 0;
  if (!o) o = cJSON_AddObjectToObject(counts, name);
  set_word(o, "created", c->done);
  set_word(o, "reused", c->reused);
  set_word(o, "rejected", c->rejected);
  set_word(o, "failed", c->failed);
  return 0;
}

void hm_ledger_run_into(hm_store *st, long long run, cJSON *counts) {
  if (run > 0) hm_store_each_count(st, run, run_row, counts);
}

void hm_ledger_line(hm_store *st, hm_buf *out) {
  hm_store_count s;
  hm_ledger_sum(st, &s);
  long long v[NWORDS];
  values(&s, v);
  hm_buf_printf(out, "ledger:");
  for (size_t i = 0; i < NWORDS; i++) {
    if (v[i] < 0) hm_buf_printf(out, "%s %s ?", i ? "," : "", WORDS[i]);
    else hm_buf_printf(out, "%s %s %lld", i ? "," : "", WORDS[i], v[i]);
  }
  hm_buf_printf(out, "\n");
}
