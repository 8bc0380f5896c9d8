/* hm_rollback: deletes what the runs created, newest kind first (messages and
 * tickets before the customers they point to), in bulk where Gorgias allows it
 * (customers, tags), one by one otherwise. Objects that existed before the
 * migration (reused by e-mail) are never touched. What Gorgias cannot delete is
 * listed: uploaded files and satisfaction surveys; custom fields are
 * deactivated instead. Tickets go through deleteTicket jobs (100 a job).
 * Each deletion is recorded, so a rollback that is interrupted resumes where
 * it stopped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rn.h"
#include "hm_run.h"

static const char *USAGE =
    "usage: hmaprun rollback --state state.db --target URL [--credentials-file F] [--dry-run] "
    "[--time-scale F] [--help-center-url URL]\n"
    "                         [--retarget] [--yes] [--log-json] [--log-every SECONDS]\n"
    "       [--max-answer-bytes N]   (largest answer read, default 8 MiB)\n"
    "Deletes everything the runs created, newest first; lists what Gorgias cannot delete.\n"
    "First shows what it will delete per kind (the counts its deletion uses; --dry-run stops\n"
    "there, without any API call) and asks on a terminal; --yes confirms without asking, and\n"
    "without a terminal it refuses (exit 2) unless --yes is given.\n";

typedef struct item { char *ref, *target, *path, *fields; long long gid, ord; int reused; } item;
typedef struct items { item *v; size_t n, cap; } items;

static int collect(void *ctx, const hm_idrow *r) {
  items *o = ctx;
  if (o->n == o->cap) {
    o->cap = o->cap ? o->cap * 2 : 64;
    item *g = realloc(o->v, o->cap * sizeof *g);
    if (!g) return 1;
    o->v = g;
  }
  o->v[o->n++] = (item){strdup(r->ref),
                        strdup(r->target ? r->target : ""),
                        strdup(r->path ? r->path : ""),
                        strdup(r->fields ? r->fields : "{}"),
                        r->gid,
                        r->seq,
                        r->reused};
  return 0;
}

/* Per kind (Gorgias target): what the preview promises, what was deleted. */
typedef struct tally { char **kind; long long *planned, *done; size_t n; } tally;

typedef struct rb {
  hm_http *h; hm_store *st; int rc; long long deleted, kept, failed;
  hm_progress prog;
  tally t;
} rb;

static size_t tally_slot(const tally *t, const char *kind) {
  size_t k;
  for (k = 0; k < t->n && strcmp(t->kind[k], kind); k++) {}
  return k;   /* t->n: not a kind of this rollback (cannot happen: kinds come from the items) */
}

/* The item's row in the Gorgias profile (by kind, else by path), or NULL. */
static const hm_gorgias_kind *kind_of(const item *it) {
  return hm_gorgias_of(it->target, it->path);
}

static int is_upload(const item *it) {
  return hm_gorgias_is_upload(it->target, it->path);
}

static int undeletable(const item *it) {
  return is_upload(it) || (kind_of(it) && kind_of(it)->del == HM_GDEL_NONE);
}

static void gone(rb *b, const item *it) {
  hm_store_mark_deleted(b->st, it->ref);
  b->deleted++;
  size_t k = tally_slot(&b->t, it->target);
  if (k < b->t.n) b->t.done[k]++;
  hm_progress_step(&b->prog, it->target, "deleted", it->ref, 0);
}

static long send(rb *b, const char *method, const char *path, const cJSON *body, char *err,
                 size_t errlen) {
  hm_http_resp r;
  hm_http_request(b->h, method, path, body, 1, &r);
  long st = r.status;
  snprintf(err, errlen, "%s", r.err);
  hm_http_resp_free(&r);
  if (st == 401 || st == 403) {
    fprintf(stderr, "hmaprun rollback: Gorgias refused the credentials (%s)\n", err);
    b->rc = 3;
  } else if (st == 0)
    b->rc = 4;
  return st;
}

static void delete_one(rb *b, const item *it) {
  char path[600], err[600];
  snprintf(path, sizeof path, "%s/%lld", it->path, it->gid);
  long st = send(b, "DELETE", path, NULL, err, sizeof err);
  if ((st >= 200 && st < 300) || st == 404) gone(b, it);
  else if (!b->rc) {
    fprintf(stderr, "hmaprun rollback: %s %lld (%s): %s\n", it->target, it->gid, it->ref, err);
    b->failed++;
    hm_progress_step(&b->prog, it->target, "failed", it->ref, st);
  }
}

/* Custom fields cannot be deleted: deactivate (PUT wants the definition back). */
static void deactivate_field(rb *b, const item *it) {
  cJSON *f = cJSON_Parse(it->fields);
  cJSON *body = cJSON_CreateObject();
  hm_jrow j;
  char key[600];
  snprintf(key, sizeof key, "create:%s", it->ref);
  cJSON *sent = hm_store_journal_get(b->st, key, &j) && j.body ? cJSON_Parse(j.body) : NULL;
  const char *const *keep = HM_GORGIAS[HM_GK_CUSTOM_FIELD].resend;
  for (size_t i = 0; keep[i]; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(sent, keep[i]);
    if (!v) v = cJSON_GetObjectItemCaseSensitive(f, keep[i]);
    if (v) cJSON_AddItemToObject(body, keep[i], cJSON_Duplicate(v, 1));
  }
  char now[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
  cJSON_AddStringToObject(body, HM_GORGIAS[HM_GK_CUSTOM_FIELD].stamp, now);
  char path[600], err[600];
  snprintf(path, sizeof path, "%s/%lld", it->path, it->gid);
  long st = send(b, "PUT", path, body, err, sizeof err);
  if ((st >= 200 && st < 300) || st == 404) {
    printf("deactivated custom field %lld (%s): Gorgias cannot delete custom fields\n", it->gid,
           it->ref);
    gone(b, it);
  } else if (!b->rc) {
    fprintf(stderr, "hmaprun rollback: custom field %lld: %s\n", it->gid, err);
    b->failed++;
  }
  cJSON_Delete(body);
  cJSON_Delete(sent);
  cJSON_Delete(f);
}

/* Bulk delete (customers, tags: DELETE collection {"ids": [...]}) in chunks of
 * 100; a refused bulk call falls back to one by one. */
static void delete_bulk(rb *b, item **v, size_t n) {
  for (size_t i = 0; i < n && !b->rc; i += 100) {
    size_t m = n - i < 100 ? n - i : 100;
    cJSON *body = cJSON_CreateObject();
    cJSON *ids = cJSON_AddArrayToObject(body, kind_of(v[i])->bulk_ids);
    for (size_t k = 0; k < m; k++)
      cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)v[i + k]->gid));
    char err[600];
    long st = send(b, "DELETE", v[i]->path, body, err, sizeof err);
    cJSON_Delete(body);
    if (st >= 200 && st < 300) for (size_t k = 0; k < m; k++) gone(b, v[i + k]);
    else if (!b->rc) for (size_t k = 0; k < m && !b->rc; k++) delete_one(b, v[i + k]);
  }
}

/* A message of a ticket this rollback deletes goes with it: no call. Returns
 * that ticket's item, or NULL. */
static const item *ticket_of(const items *o, const item *it) {
  long long tid = hm_gorgias_ticket_of_messages(it->path);
  if (!tid) return NULL;
  for (size_t i = 0; i < o->n; i++)
    if (hm_gorgias_kind_named(o->v[i].target) == HM_GK_TICKET && o->v[i].gid == tid &&
        !o->v[i].reused)
      return &o->v[i];
  return NULL;
}

/* Deleted many a call: a bulk DELETE or a job (the profile's del). */
static int bulk_kind(const char *target) {
  const hm_gorgias_kind *g = hm_gorgias_named(target);
  return g && (g->del == HM_GDEL_BULK || g->del == HM_GDEL_JOB);
}

/* Waits for a job to end: 1 done, 0 failed or too slow (the caller falls back
 * to deleting one by one, where 404 means the job got there first). */
static int job_done(rb *b, long long job) {
  char path[64];
  snprintf(path, sizeof path, "%s/%lld", HM_GORGIAS_ROUTES.jobs, job);
  for (int i = 0; i < 60 && !b->rc; i++) {
    hm_http_resp r;
    hm_http_request(b->h, "GET", path, NULL, 1, &r);
    const char *st = r.status == 200 ? hm_rn_json_str(r.json, "status") : NULL;
    int done = st && !strcmp(st, "done");
    int over =
        !st || !strcmp(st, "errored") || !strcmp(st, "fatal_errored") || !strcmp(st, "canceled");
    hm_http_resp_free(&r);
    if (done) return 1;
    if (over) return 0;
    hm_http_backoff(b->h, i < 5 ? i : 5);
  }
  return 0;
}

/* Tickets: one deleteTicket job per 100 (reference §5.14), one by one if the
 * job is refused or does not finish. */
static void delete_tickets(rb *b, item **v, size_t n) {
  for (size_t i = 0; i < n && !b->rc; i += 100) {
    size_t m = n - i < 100 ? n - i : 100;
    cJSON *body = cJSON_CreateObject();
    const hm_gorgias_kind *t = &HM_GORGIAS[HM_GK_TICKET];
    cJSON_AddStringToObject(body, "type", t->job_type);
    cJSON *ids = cJSON_AddArrayToObject(cJSON_AddObjectToObject(body, "params"), t->job_ids);
    for (size_t k = 0; k < m; k++)
      cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)v[i + k]->gid));
    hm_http_resp r;
    hm_http_request(b->h, "POST", HM_GORGIAS_ROUTES.jobs, body, 1, &r);
    cJSON_Delete(body);
    long long job = r.status >= 200 && r.status < 300 ? hm_rn_json_id(r.json) : 0;
    if (r.status == 401 || r.status == 403) {
      fprintf(stderr, "hmaprun rollback: Gorgias refused the credentials (%s)\n", r.err);
      b->rc = 3;
    }
    hm_http_resp_free(&r);
    if (b->rc) return;
    if (job && job_done(b, job)) for (size_t k = 0; k < m; k++) gone(b, v[i + k]);
    else for (size_t k = 0; k < m && !b->rc; k++) delete_one(b, v[i + k]);
  }
}

/* What the rollback does with one item; the preview and the deletion both
 * read it, so the counts shown are the counts deleted. */
typedef enum rb_action {
  RB_KEEP, RB_LEAVE, RB_NONE, RB_WITH_TICKET, RB_DEACTIVATE, RB_DELETE
} rb_action;

static rb_action classify(const items *o, const item *it) {
  if (it->reused) return RB_KEEP;
  if (undeletable(it)) return RB_LEAVE;
  if (it->gid <= 0) return RB_NONE;
  if (ticket_of(o, it)) return RB_WITH_TICKET;
  if (kind_of(it) && kind_of(it)->del == HM_GDEL_DEACTIVATE) return RB_DEACTIVATE;
  return RB_DELETE;
}

/* Counts per kind of what will go (deleted, deactivated, with its ticket);
 * prints them on stdout. Returns their sum. */
static long long preview(const items *o, tally *t, const char *target) {
  long long total = 0, kept = 0;
  for (size_t i = 0; i < o->n; i++) {
    rb_action a = classify(o, &o->v[i]);
    kept += a == RB_KEEP;
    if (a != RB_WITH_TICKET && a != RB_DEACTIVATE && a != RB_DELETE) continue;
    size_t k = tally_slot(t, o->v[i].target);
    if (k < t->n) t->planned[k]++;
    total++;
  }
  printf("rollback will delete %lld object(s) from %s:\n", total, target);
  for (size_t k = 0; k < t->n; k++)
    if (t->planned[k]) printf("  %-24s %8lld\n", t->kind[k], t->planned[k]);
  if (kept) printf("  (%lld object(s) that existed before the migration are kept)\n", kept);
  fflush(stdout);
  return total;
}

/* After the deletion: per kind, what was deleted (the preview's numbers when
 * nothing failed). */
static void print_deleted(const tally *t) {
  for (size_t k = 0; k < t->n; k++)
    if (t->planned[k] || t->done[k])
      printf("deleted %-24s %8lld of %lld\n", t->kind[k], t->done[k], t->planned[k]);
}

/* The kinds of the items, in order of their first creation (oldest first). */
static void kinds_of(const items *o, tally *t) {
  size_t n = o->n ? o->n : 1;
  t->kind = calloc(n, sizeof *t->kind);
  t->planned = calloc(n, sizeof *t->planned);
  t->done = calloc(n, sizeof *t->done);
  if (!t->kind || !t->planned || !t->done) abort();
  for (size_t i = o->n; i-- > 0;)
    if (tally_slot(t, o->v[i].target) == t->n) t->kind[t->n++] = o->v[i].target;
}

/* Deletes kind by kind, newest kind first (dependents go first). */
static void delete_all(rb *b, items *o, const volatile sig_atomic_t *stop, long long *uploads,
                       long long *surveys) {
  size_t n = o->n;
  item **queue = calloc(n ? n : 1, sizeof *queue);
  if (!queue) abort();
  for (size_t k = b->t.n; k-- > 0 && !b->rc;) {
    size_t q = 0;
    if (b->t.planned[k]) hm_progress_phase(&b->prog, b->t.kind[k]);
    for (size_t i = 0; i < n; i++) {   /* newest first within a kind */
      item *it = &o->v[i];
      if (strcmp(it->target, b->t.kind[k])) continue;
      if (*stop) { b->rc = 4; break; }
      rb_action a = classify(o, it);
      if (a == RB_KEEP) {
        printf("kept %s %lld (%s): it existed before the migration\n", it->target, it->gid,
               it->ref);
        b->kept++;
        hm_store_mark_deleted(b->st, it->ref);
        continue;
      }
      if (a == RB_LEAVE) {
        /* Only files that reached Gorgias are left there (not the skipped ones). */
        if (is_upload(it)) *uploads += strstr(it->fields, "\"url\"") != NULL; else (*surveys)++;
        hm_store_mark_deleted(b->st, it->ref);
        continue;
      }
      if (a == RB_NONE) { hm_store_mark_deleted(b->st, it->ref); continue; }
      if (a == RB_WITH_TICKET) continue;   /* recorded once its ticket is gone, below */
      if (a == RB_DEACTIVATE) { deactivate_field(b, it); continue; }
      if (bulk_kind(it->target)) queue[q++] = it;
      else delete_one(b, it);
      if (b->rc) break;
    }
    if (q && !b->rc) {
      if (hm_gorgias_kind_named(b->t.kind[k]) == HM_GK_TICKET) delete_tickets(b, queue, q);
      else delete_bulk(b, queue, q);
    }
  }
  for (size_t i = 0; i < n; i++) {
    const item *t = ticket_of(o, &o->v[i]);
    hm_idrow row;
    if (t && hm_store_id_get(b->st, t->ref, &row) && row.deleted) gone(b, &o->v[i]);
  }
  free(queue);
}

static void items_free(items *o, tally *t) {
  for (size_t i = 0; i < o->n; i++) {
    free(o->v[i].ref); free(o->v[i].target); free(o->v[i].path); free(o->v[i].fields);
  }
  free(o->v);
  free(t->kind);
  free(t->planned);
  free(t->done);
}

/* Consent to delete total objects (none needed for none): 0 to go on, else
 * the exit code, or 0 with *done set when the person declined. With ask 0,
 * only whether consent can be had (before any API call). */
static int consent(const hm_target_args *a, long long total, int ask, int *done) {
  char q[1200], why[300];
  int rc;
  if (!total) return 0;
  if (ask) {
    snprintf(q, sizeof q, "Delete these %lld object(s) from %s?", total, a->target);
    rc = hm_confirm(q, a->yes, why, sizeof why);
  } else {
    rc = hm_confirm_possible(a->yes, why, sizeof why);
  }
  if (rc == 2)
    fprintf(stderr,
            "hmaprun rollback: refusing to delete %lld object(s) without confirmation: %s\n", total,
            why);
  else if (rc == 1) { fprintf(stderr, "hmaprun rollback: %s\n", why); *done = 1; rc = 0; }
  return rc;
}

/* The migration's records as status counts them (before: what a rollback
 * would take back; after: what it did, under rolled_back). */
static void print_ledger(hm_store *st) {
  hm_buf b;
  hm_buf_init(&b);
  hm_ledger_line(st, &b);
  fputs(hm_buf_cstr(&b), stdout);
  hm_buf_free(&b);
}

/* Creates a killed run sent without recording the answer: the object may exist, but the
 * state holds no Gorgias id for it, so rollback cannot delete it. Said, never silent; the
 * run's resume looks each up by its unique fields (docs/run.md, "Exactly once"). */
static long long in_doubt_left(hm_store *st) {
  long long n = hm_store_in_doubt(st);
  if (n)
    printf("left in Gorgias, perhaps: %lld create(s) in doubt — a killed run sent them and "
           "recorded no answer, so rollback has no id for them; resume the run (it looks "
           "them up), then roll back again\n", n);
  return n;
}

int hm_rollback_main(int argc, char **argv) {
  hm_target_args a;
  int rc = hm_target_args_parse(argc, argv, USAGE, &a);
  if (rc || a.help) return rc;
  hm_store *st;
  char err[1024];
  if (hm_store_open_locked(&st, a.state, err, sizeof err)) {
    fprintf(stderr, "hmaprun rollback: %s\n", err);
    return 2;
  }
  items o = { 0 };
  hm_store_each_id(st, 1, 0, collect, &o);
  rb b = { 0 };
  b.st = st;
  kinds_of(&o, &b.t);
  long long total = preview(&o, &b.t, a.target);
  int done = a.dry_run;
  if (done) {
    printf("rollback: %lld object(s) would be deleted (dry run: nothing was sent)\n", total);
    in_doubt_left(st);
    print_ledger(st);
  }
  else rc = consent(&a, total, 0, &done);   /* no terminal and no --yes: refused before any call */
  const volatile sig_atomic_t *stop = hm_client_install_signals();
  if (!rc && !done) rc = hm_client_connect_bound(&a, st, stop, 1, "rollback", &b.h);
  if (!rc && !done) rc = consent(&a, total, 1, &done);   /* asked once the target is known good */
  if (rc || done) {
    if (b.h) hm_http_close(b.h);
    items_free(&o, &b.t);
    hm_store_close(st);
    return rc;
  }
  hm_progress_init(&b.prog, a.log_json, total, 2.0 * a.time_scale);
  hm_progress_configure(&b.prog, "rollback", "objects", a.log_every);
  long long uploads = 0, surveys = 0;
  delete_all(&b, &o, stop, &uploads, &surveys);
  hm_progress_end(&b.prog);
  hm_pause_tally pt = { 0 };   /* what the run paused goes back once its objects are gone */
  if (!b.rc && hm_pause_open(st) && hm_pause_restore(b.h, st, &b.prog, &pt) == 4) b.rc = 4;
  if (uploads)
    printf("left in Gorgias: %lld uploaded file(s) — Gorgias has no API to delete uploads\n",
           uploads);
  if (surveys)
    printf("left in Gorgias: %lld satisfaction survey(s) — Gorgias has no API to delete surveys\n",
           surveys);
  long long doubt = in_doubt_left(st);
  print_deleted(&b.t);
  printf("rollback: %lld object(s) deleted, %lld kept, %lld failed\n", b.deleted, b.kept, b.failed);
  print_ledger(st);
  fflush(stdout);
  rc = b.rc ? b.rc : b.failed || doubt ? 1 : 0;
  char *again = rc == 4 ? hm_command_line("hmaprun", argc, argv) : NULL;
  hm_progress_outcome(&b.prog, rc, b.failed, again);
  free(again);
  items_free(&o, &b.t);
  hm_http_close(b.h);
  hm_store_close(st);
  return rc;
}
