/* pl_pass: passes over a source — one record through its rules, the create
 * and `after` passes, choosing a sample, and the gap exports. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hm_plan.h"
#include "pl.h"

/* ---- one record ---- */

static const hm_value *bind_cols(plan *pl, hm_reader *r, const hm_record *rec) {
  const hm_source *s = &pl->p->sources[pl->src];
  src_state *ss = &pl->ss[pl->src];
  if (!ss->bound || ss->gen != hm_reader_file_generation(r)) {
    if (!ss->colmap) {
      ss->colmap = calloc(s->nfields + 1, sizeof *ss->colmap);
      if (!ss->colmap) abort();
    }
    for (uint32_t a = 0; a < s->nfields; a++)
      ss->colmap[a] = hm_reader_column(r, K(pl->p, s->fields[a]));
    ss->gen = hm_reader_file_generation(r);
    ss->bound = true;
  }
  hm_value *cols = hm_arena_alloc(&pl->arena, (s->nfields + 1) * sizeof *cols);
  const hm_rec *rv = rec->value.kind == HV_REC ? rec->value.u.rec : NULL;
  for (uint32_t a = 0; a < s->nfields; a++) {
    int c = ss->colmap[a];
    if (rv && c >= 0 && (uint32_t)c < rv->n) cols[a] = rv->vals[c];
    else cols[a] = hv_rec_get(&rec->value, K(pl->p, s->fields[a]));
  }
  return cols;
}

static const char *record_key(plan *pl, const hm_record *rec) {
  const hm_source *s = &pl->p->sources[pl->src];
  if (s->key >= pl->p->nconsts)
    return hm_arena_printf(&pl->arena, "%llu", (unsigned long long)rec->index);
  hm_value v = hv_rec_get(&rec->value, K(pl->p, s->key));
  if (v.kind != HV_STR && v.kind != HV_NUM && v.kind != HV_BOOL) return NULL;
  hm_value t = hv_to_str(&pl->arena, v);
  return t.len ? t.u.str : NULL;
}

/* The example of a not-migrated value: the record's key, or FILE:LINE for a
   source without a key. */
static void count_unread(plan *pl, uint32_t s, const hm_record *rec, const char *key) {
  if (pl->p->sources[s].key >= pl->p->nconsts || !key)
    key = hm_arena_printf(&pl->arena, "%s:%llu", rec->file, (unsigned long long)rec->line);
  hm_rpt_unread(pl->rpt, s, rec->value, key);
}

/* Runs every rule of the current source on one record (pass 1 or after). */
/* Which fields the map reads some record holds: JSON has no header, so a member no record
   has (a renamed or dropped export field) is found only by reading them all. */
static void note_fields(plan *pl, const hm_value *cols, uint32_t n) {
  src_state *ss = &pl->ss[pl->src];
  if (!ss->had && !(ss->had = calloc(n + 1, sizeof *ss->had))) abort();
  for (uint32_t a = 0; a < n; a++)
    if (cols[a].kind != HV_MISSING) ss->had[a] = true;
  ss->planned_records++;
}

/* A record counts as flagged once, whether its first pass, its `after` pass
   or both flagged it. */
static void count_flagged(plan *pl) {
  src_state *ss = &pl->ss[pl->src];
  bool fresh = true;
  if (ss->has_after) pl_kmap_find(&ss->flagged, pl_khash(pl->key), true, &fresh);
  if (fresh) hm_rpt_count(pl->rpt, pl->src, HM_RPT_FLAGGED);
}

static void plan_record(plan *pl, hm_reader *r, const hm_record *rec, bool after) {
  const hm_program *p = pl->p;
  hm_vm_record vr = {bind_cols(pl, r, rec), p->sources[pl->src].nfields, rec->value};
  if (!after) note_fields(pl, vr.cols, vr.ncols);
  pl->whole = rec->value;
  pl->flagged = false;
  pl->rec_after = after;
  if (!pl->dry) pl_record_begin(pl);
  bool planned = false, rejected = false;
  for (uint32_t ru = 0; ru < p->nrules; ru++) {
    if (p->rules[ru].source != pl->src || (after && !p->rules[ru].has_after)) continue;
    pl->got = false;
    pl->npend = 0; pl->cap_pend = 0; pl->pend = NULL;
    if (after) {   /* an after block updates what the rule made: nothing made, nothing to do */
      pl->cur_ord = pl_made_ord(pl, ru);
      if (!pl->cur_ord) continue;
      pl->later_ref = false;
    }
    pl->in_after = after;
    pl->hold = !pl->dry;
    hm_vm_status st = hm_vm_run(pl->vm, ru, after, &vr, &pl->arena);
    pl->in_after = false;
    bool refused = false;
    if (pl->dry) {
      pl->dry_emits += st == HM_VM_EMITTED;
    } else if (st == HM_VM_ERROR) {
      pl_report_row(pl, HM_ROW_REJECT, NULL,
                    hm_arena_printf(&pl->arena, "run-time fault: %s", hm_vm_error(pl->vm)),
                    pl_rule_loc(pl, ru), ru, NULL);
      refused = true;
    } else if (st == HM_VM_REJECTED) {
      refused = true;
    } else if (st == HM_VM_EMITTED && pl->got && after) {
      if (pl_update_needed(pl, ru))
        pl_plan_update(pl, ru, pl->got_target, pl_update_with_created(pl, ru, &vr, pl->got_obj));
      pl->surplus = false;   /* the update may have been left out (nothing to send) */
    } else if (st == HM_VM_EMITTED && pl->got) {
      if (pl_plan_create(pl, ru, pl->got_target, pl_fold_after(pl, ru, &vr, pl->got_obj)))
        planned = true;   /* a lossy rule counts through its LOSSY instruction */
      else
        refused = true;
    }
    pl_release_flags(pl, !refused);   /* a rejected record carries its rejection only */
    rejected |= refused;
  }
  bool kept = !pl->dry && pl_record_after_kept(pl);
  pl_record_end(pl);
  if (kept) count_flagged(pl);
  if (pl->dry || after) return;
  if (planned) hm_rpt_count(pl->rpt, pl->src, HM_RPT_PLANNED);
  if (rejected) hm_rpt_count(pl->rpt, pl->src, HM_RPT_REJECTED);
  if (!planned && !rejected) hm_rpt_count(pl->rpt, pl->src, HM_RPT_GUARDED);
  if (pl->flagged) count_flagged(pl);
  if (rejected) pl->rejected_any = 1;
}

/* ---- passes over a source ---- */

/* A column the map reads that the CSV file's header lacks (a source typed by
   a stdlib schema: the export left it out; a declared source was refused at
   open) reads as missing on every record: one report line per column. */
static void absent_columns(plan *pl, hm_reader *r, uint32_t s) {
  const hm_source *so = &pl->p->sources[s];
  if ((so->format != HF_CSV && so->format != HF_SQLITE) || hm_reader_absent(r)) return;
  for (uint32_t i = 0; i < so->nfields; i++) {
    if (hm_reader_column(r, K(pl->p, so->fields[i])) >= 0) continue;
    const char *msg = hm_arena_printf(&pl->arena,
                                      "%s: no column '%s' in the header: the map reads it, "
                                      "every record reads it as missing",
                                      K(pl->p, so->path), K(pl->p, so->fields[i]));
    pl_report_row(pl, HM_ROW_FLAG, "warn", msg, NULL, HM_BC_NONE, NULL);
  }
  pl->flagged = false;
}

/* A JSON source's member the map reads that no record holds, once per source. */
static void absent_members(plan *pl, uint32_t s) {
  const hm_source *so = &pl->p->sources[s];
  const src_state *ss = &pl->ss[s];
  if (so->format == HF_CSV || so->format == HF_SQLITE || !ss->planned_records || !ss->had
      || ss->sample)   /* a sample's records say nothing of the others' */
    return;
  for (uint32_t i = 0; i < so->nfields; i++) {
    if (ss->had[i]) continue;
    const char *msg = hm_arena_printf(&pl->arena,
                                      "%s: no record has the member '%s': the map reads it, "
                                      "every record reads it as missing",
                                      K(pl->p, so->path), K(pl->p, so->fields[i]));
    pl_report_row(pl, HM_ROW_FLAG, "warn", msg, NULL, HM_BC_NONE, NULL);
  }
  pl->flagged = false;
}

/* Bits written as words (PowerShell's Export-Csv writes True/False) are read as 1/0 by
   comparisons: the report says which format was assumed, once per source. */
static void bit_words(plan *pl, hm_reader *r, uint32_t s) {
  uint64_t n = hm_reader_bit_words(r);
  if (!n) return;
  const hm_source *so = &pl->p->sources[s];
  const char *msg = hm_arena_printf(&pl->arena,
                                    "%s: %llu cells are True/False: read as the bits 1/0 "
                                    "(a PowerShell Export-Csv export; docs/exports.md)",
                                    K(pl->p, so->path), (unsigned long long)n);
  pl_report_row(pl, HM_ROW_FLAG, "info", msg, NULL, HM_BC_NONE, NULL);
  pl->flagged = false;
}

static int fatal_read(hm_reader *r, char *err, size_t errlen) {
  snprintf(err, errlen, "%s", hm_reader_error(r));
  return 2;
}

static bool needed(plan *pl, uint32_t s, const char *key) {
  return key && pl_kmap_find(&pl->ss[s].need, pl_khash(key), false, NULL) >= 0;
}

/* One dry pass over a source: scoring every record (collect = false), or
 * collecting the lookups of the chosen records (collect = true). */
static int dry_pass(plan *pl, uint32_t s, bool collect, char *err, size_t errlen) {
  hm_reader *r = hm_reader_open(pl->p, s, pl->o->data_dir, err, errlen);
  if (!r) return 2;
  src_state *ss = &pl->ss[s];
  kmap seen = {0};
  hm_record rec;
  int rc;
  pl->src = s;
  pl->dry = true;
  pl->collect = collect;
  ss->bound = false;
  while (hm_arena_reset(&pl->arena), (rc = hm_reader_next(r, &pl->arena, &rec)) != 0) {
    if (rc == -2) break;
    if (rc == -1) continue;
    pl->key = record_key(pl, &rec);
    pl->whole = rec.value;
    bool fresh = false;
    if (!pl->key || (pl_kmap_find(&seen, pl_khash(pl->key), true, &fresh), !fresh)) continue;
    if (collect) {
      if (hm_sample_reason(ss->sample, rec.index) || needed(pl, s, pl->key))
        plan_record(pl, r, &rec, false);
      continue;
    }
    memset(&pl->feat, 0, sizeof pl->feat);
    pl->feat.index = rec.index;
    pl->feat.key = pl->key;
    pl_scan_text(pl, rec.value);
    plan_record(pl, r, &rec, false);
    hm_sample_add(ss->sample, &pl->feat);
  }
  pl->dry = pl->collect = false;
  ss->bound = false;
  pl_kmap_free(&seen);
  if (rc == -2) rc = fatal_read(r, err, errlen);
  hm_reader_close(r);
  return rc;
}

/* Sampling, in reverse dependency order: each source picks its stratified
 * sample, then the records those picks (and the records later sources
 * need) look up are pulled into the sample of the sources they come from, so a
 * sampled ticket never loses its customer to the sample. */
int pl_choose_sample(plan *pl, uint32_t s, char *err, size_t errlen) {
  src_state *ss = &pl->ss[s];
  ss->sample = hm_sample_new(pl->o->sample);
  int rc = dry_pass(pl, s, false, err, errlen);
  if (rc) return rc;
  hm_sample_finish(ss->sample);
  return dry_pass(pl, s, true, err, errlen);
}

static bool is_distinct(const plan *pl, uint32_t s) {
  return pl->p->sources[s].flags & HM_SRC_DISTINCT;
}

/* A record whose key an earlier record had: no rule runs on it. In a distinct
   source it is an expected repeat, otherwise a rejection. */
static void repeated_key(plan *pl, uint32_t s, const hm_record *rec) {
  if (is_distinct(pl, s)) { hm_rpt_count(pl->rpt, s, HM_RPT_REPEATS); return; }
  pl_report_row(
      pl, HM_ROW_REJECT, NULL,
      hm_arena_printf(
          &pl->arena,
          "duplicate key: another record of %s has key %s (%s:%llu); only the first is migrated",
          src_name(pl, s), pl->key, rec->file, (unsigned long long)rec->line),
      NULL, HM_BC_NONE, NULL);
  hm_rpt_count(pl->rpt, s, HM_RPT_REJECTED);
  pl->rejected_any = 1;
}

/* Sampling leaves out a repeat (only first records are sampled), but a repeat
   of a sampled record of a distinct source is counted, as the full plan
   counts it. 0, or 2 with err. */
static int unsampled(plan *pl, uint32_t s, char *err, size_t errlen) {
  if (!is_distinct(pl, s) || !pl->key) return 0;
  int seen = pl_keyset_has(&pl->ss[s].seen, pl->key);
  if (seen < 0) return pl_keyset_error(&pl->ss[s].seen, err, errlen);
  if (seen) hm_rpt_count(pl->rpt, s, HM_RPT_REPEATS);
  return 0;
}

int pl_plan_pass(plan *pl, uint32_t s, bool after, char *err, size_t errlen) {
  pl->src = s;
  src_state *ss = &pl->ss[s];
  hm_reader *r = hm_reader_open(pl->p, s, pl->o->data_dir, err, errlen);
  if (!r) return 2;
  ss->bound = false;
  pl->key = NULL;
  pl->whole = hv_missing(HM_WHY_ABSENT);   /* rows about the file name no record */
  if (!after) absent_columns(pl, r, s);
  hm_record rec;
  int rc;
  while (hm_arena_reset(&pl->arena), (rc = hm_reader_next(r, &pl->arena, &rec)) != 0) {
    if (rc == -2) { int x = fatal_read(r, err, errlen); hm_reader_close(r); return x; }
    pl->key = NULL;
    pl->whole = hv_missing(HM_WHY_ABSENT);   /* report rows name this record, never the last */
    if (rc == -1) {
      if (after) continue;
      hm_rpt_count(pl->rpt, s, HM_RPT_READ);
      hm_rpt_count(pl->rpt, s, HM_RPT_BAD);
      pl_report_row(pl, HM_ROW_BAD, NULL, hm_reader_error(r), NULL, HM_BC_NONE, NULL);
      pl->rejected_any = 1;
      continue;
    }
    if (!after) hm_rpt_count(pl->rpt, s, HM_RPT_READ);
    pl->key = record_key(pl, &rec);
    pl->whole = rec.value;
    if (!after) count_unread(pl, s, &rec, pl->key);
    const char *why = NULL;
    if (ss->sample) {
      why = hm_sample_reason(ss->sample, rec.index);
      if (!why && needed(pl, s, pl->key)) why = "looked up by a sampled record";
      int x = why || after ? 0 : unsampled(pl, s, err, errlen);
      if (x) { hm_reader_close(r); return x; }
      if (!why) continue;
    }
    if (after) {   /* a duplicate's after block must not update the first record's object */
      if (pl->key && pl_keyset_add(&ss->seen, pl->key, pl->keyset_max) == 1)
        plan_record(pl, r, &rec, true);
      continue;
    }
    if (!pl->key) {
      /* no key is only an error for a record some rule wants to migrate */
      pl->key = "";
      pl->dry = true;
      pl->dry_emits = 0;
      plan_record(pl, r, &rec, false);
      pl->dry = false;
      pl->key = NULL;
      if (!pl->dry_emits) { hm_rpt_count(pl->rpt, s, HM_RPT_GUARDED); continue; }
      const hm_source *so = &pl->p->sources[s];
      pl_report_row(pl, HM_ROW_REJECT, NULL,
                    hm_arena_printf(&pl->arena, "record %s:%llu has no key (%s)", rec.file,
                                    (unsigned long long)rec.line, K(pl->p, so->key)),
                    NULL, HM_BC_NONE, NULL);
      hm_rpt_count(pl->rpt, s, HM_RPT_REJECTED);
      pl->rejected_any = 1;
      continue;
    }
    int fresh = pl_keyset_add(&ss->seen, pl->key, pl->keyset_max);
    if (fresh < 0) { hm_reader_close(r); return pl_keyset_error(&ss->seen, err, errlen); }
    if (!fresh) { repeated_key(pl, s, &rec); continue; }
    if (why) hm_rpt_sample_pick(pl->rpt, s, pl->key, why);
    plan_record(pl, r, &rec, false);
  }
  pl->key = NULL;                          /* the last record's memory is reset by now */
  pl->whole = hv_missing(HM_WHY_ABSENT);
  if (!after) { bit_words(pl, r, s); absent_members(pl, s); }
  hm_reader_close(r);
  pl_keyset_free(&ss->seen);
  return 0;
}

int pl_unread_pass(plan *pl, uint32_t s, char *err, size_t errlen) {
  for (uint32_t g = 0; g < pl->p->ngaps; g++) if (pl->p->gaps[g].source == s) return 0;
  hm_reader *r = hm_reader_open(pl->p, s, pl->o->data_dir, err, errlen);
  if (!r) return 2;
  pl->src = s;
  pl->key = NULL;
  absent_columns(pl, r, s);
  hm_record rec;
  int rc;
  while (hm_arena_reset(&pl->arena), (rc = hm_reader_next(r, &pl->arena, &rec)) != 0) {
    if (rc == -2) { rc = fatal_read(r, err, errlen); break; }
    if (rc == 1) count_unread(pl, s, &rec, record_key(pl, &rec));
  }
  hm_reader_close(r);
  return rc;
}

/* ---- gaps ---- */

static const char *name_of(hm_value rec, hm_arena *a) {
  static const char *names[] = {"name", "title", "friendlyname", "Name", "Title", "subject", NULL};
  for (int i = 0; names[i]; i++) {
    hm_value v = hv_rec_get(&rec, names[i]);
    if (v.kind == HV_STR || v.kind == HV_NUM) return hv_to_str(a, v).u.str;
  }
  return "";
}

/* An inventory row's name, with the e-mail when the record has one: the
   agents to invite are invited by address. */
static const char *label_of(hm_value rec, hm_arena *a) {
  const char *name = name_of(rec, a), *mail = pl_record_email(&rec);
  if (!mail || strstr(name, mail)) return name;
  size_t n = strlen(name) + strlen(mail) + 4;
  char *out = hm_arena_alloc(a, n);
  snprintf(out, n, "%s%s<%s>", name, *name ? " " : "", mail);
  return out;
}

/* A gap of a distinct source lists each key once: 1 for a repeat (counted
   when the gap is what reads the source), 0 to list the record, -1 on error. */
static int gap_repeat(plan *pl, keyset *once, const hm_record *rec, bool counted) {
  if (!is_distinct(pl, pl->src)) return 0;
  const char *key = record_key(pl, rec);
  int fresh = key ? pl_keyset_add(once, key, pl->keyset_max) : 1;
  if (fresh < 0) return -1;
  if (!fresh && counted) hm_rpt_count(pl->rpt, pl->src, HM_RPT_REPEATS);
  return !fresh;
}

int pl_plan_gap(plan *pl, uint32_t g, char *err, size_t errlen) {
  const hm_gap *gp = &pl->p->gaps[g];
  if (gp->source >= pl->p->nsources) return 0;
  pl->src = gp->source;
  hm_reader *r = hm_reader_open(pl->p, gp->source, pl->o->data_dir, err, errlen);
  if (!r) return 2;
  hm_rpt_csv *csv = NULL;
  if (gp->kind == HG_EXPORT_CSV) {
    const char *dest = K(pl->p, gp->dest);
    if (strchr(dest, '/')) {
      snprintf(err, errlen, "gap export file \"%s\" must be a plain file name", dest);
      hm_reader_close(r);
      return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", pl->o->out_dir, dest);
    csv = hm_rpt_csv_open(path, err, errlen);
    if (!csv) { hm_reader_close(r); return 2; }
  }
  hm_record rec;
  keyset once = {0};
  int rc;
  while (hm_arena_reset(&pl->arena), (rc = hm_reader_next(r, &pl->arena, &rec)) != 0) {
    if (rc == -2) { rc = fatal_read(r, err, errlen); break; }
    bool counted = !pl->ss[gp->source].has_rules;
    if (counted) hm_rpt_count(pl->rpt, gp->source, HM_RPT_READ);
    if (rc == -1) { if (counted) hm_rpt_count(pl->rpt, gp->source, HM_RPT_BAD); continue; }
    int repeat = gap_repeat(pl, &once, &rec, counted);
    if (repeat < 0) { rc = pl_keyset_error(&once, err, errlen); break; }
    if (repeat) continue;
    if (gp->lossy < pl->p->nannots) hm_rpt_loss(pl->rpt, gp->lossy);
    if (csv) { hm_rpt_csv_row(csv, rec.value); hm_rpt_gap_record(pl->rpt, g); }
    else hm_rpt_inventory_item(pl->rpt, g, record_key(pl, &rec), label_of(rec.value, &pl->arena));
  }
  pl_keyset_free(&once);
  hm_reader_close(r);
  if (rc) { hm_rpt_csv_close(csv); return rc; }
  if (hm_rpt_csv_close(csv)) {
    snprintf(err, errlen, "%s: cannot write", K(pl->p, gp->dest));
    return 2;
  }
  return 0;
}
