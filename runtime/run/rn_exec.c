/* hm_exec: the exactly-once executor. Takes planned calls in dependency order,
 * resolves their references through the id map, and sends them so that any
 * crash, kill or network failure followed by the same command ends with every
 * planned object present once:
 *   - an intent row is committed before a create leaves; the answer and the id
 *     map row are committed together after it;
 *   - an intent without an answer (crash, dropped connection, 5xx) is resolved
 *     by looking the object up by its unique fields BEFORE creating again;
 *   - customers (and anything else answering 409) are reused by their unique
 *     fields and marked "reused" so rollback never deletes what it did not make.
 * --delta: unchanged content hash skipped, changed -> PUT (new ticket messages
 * appended), new -> created. Counts per source object feed the report.
 * References and lookups are rn_resolve.c's. */
#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hm_psettings.h"
#include "hm_arena.h"
#include "hm_read.h"
#include "rn.h"
#include "hm_run.h"

/* ---- small helpers ---- */

static void count_add(hm_exec *ex, const char *object, const char *what, long long n) {
  if (!object) object = "(none)";
  cJSON *o = cJSON_GetObjectItemCaseSensitive(ex->counts, object);
  if (!o) {
    o = cJSON_AddObjectToObject(ex->counts, object);
    const char *k[] = {"read",    "created",        "updated",     "skipped",
                       "rejected", "failed",        "reused",      "flagged",
                       "messages_added", "second_pass", "follow_ups_failed"};
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) cJSON_AddNumberToObject(o, k[i], 0);
  }
  cJSON *v = cJSON_GetObjectItemCaseSensitive(o, what);
  if (v) cJSON_SetNumberValue(v, v->valuedouble + (double)n);
  else cJSON_AddNumberToObject(o, what, (double)n);   /* a count only some runs have */
}

void hm_exec_note(hm_exec *ex, const char *level, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  hm_progress_note(&ex->prog, level, buf);
}

static int unpack(const cJSON *c, call *k, char *err, size_t errlen) {
  memset(k, 0, sizeof *k);
  const cJSON *seq = cJSON_GetObjectItemCaseSensitive(c, "seq");
  k->seq = cJSON_IsNumber(seq) ? (long long)seq->valuedouble : 0;
  k->phase = hm_rn_json_str(c, "phase");
  k->method = hm_rn_json_str(c, "method");
  k->path = hm_rn_json_str(c, "path");
  const cJSON *src = cJSON_GetObjectItemCaseSensitive(c, "source");
  k->object = hm_rn_json_str(src, "object");
  const cJSON *key = cJSON_GetObjectItemCaseSensitive(src, "key");
  if (cJSON_IsNumber(key)) {
    snprintf(k->num_key, sizeof k->num_key, "%lld", (long long)key->valuedouble);
    k->key = k->num_key;
  } else {
    k->key = cJSON_IsString(key) ? key->valuestring : NULL;
  }
  k->target = hm_rn_json_str(c, "target");
  k->ref = hm_rn_json_str(c, "ref");
  k->hash = hm_rn_json_str(c, "hash");
  k->file = hm_rn_json_str(c, "file");
  k->name = hm_rn_json_str(c, "name");
  k->ctype = hm_rn_json_str(c, "content_type");
  k->utype = hm_rn_json_str(c, "upload_type");
  k->body = cJSON_GetObjectItemCaseSensitive(c, "body");
  k->unique = cJSON_GetObjectItemCaseSensitive(c, "unique");
  k->flags = cJSON_GetObjectItemCaseSensitive(c, "flags");
  if (!k->phase) k->phase = k->file ? "upload" : "create";
  if (!k->method) k->method = "POST";
  if (!k->path) { snprintf(err, errlen, "planned call %lld has no \"path\"", k->seq); return 2; }
  if (strcmp(k->phase, "upload") && strcmp(k->phase, "create") && strcmp(k->phase, "message") &&
      strcmp(k->phase, "update")) {
    snprintf(err, errlen, "planned call %lld: unknown phase \"%s\"", k->seq, k->phase);
    return 2;
  }
  if (!strcmp(k->phase, "upload") && !k->file) {
    snprintf(err, errlen, "planned call %lld: an upload needs \"file\"", k->seq);
    return 2;
  }
  const char *bad = hm_plancheck_flags(c);
  if (bad) { snprintf(err, errlen, "planned call %lld: %s", k->seq, bad); return 2; }
  if (!k->object) k->object = k->target ? k->target : k->phase;
  if (!k->hash) {
    char *txt = k->body ? cJSON_PrintUnformatted(k->body) : NULL;
    hm_buf b; hm_buf_init(&b);
    hm_buf_printf(&b, "%s %s %s %s", k->method, k->path, txt ? txt : "", k->file ? k->file : "");
    hm_hash_hex(hm_buf_cstr(&b), k->hash_buf);
    hm_buf_free(&b);
    free(txt);
    k->hash = k->hash_buf;
  }
  /* The journal key must be stable across re-plans of the same data: the ref
   * when the call creates something, else phase + sequence + path. */
  if (k->ref) snprintf(k->key_buf, sizeof k->key_buf, "%s:%s", k->phase, k->ref);
  else snprintf(k->key_buf, sizeof k->key_buf, "%s:%lld:%s", k->phase, k->seq, k->path);
  /* The object a call acts on: its own ref, else the first {ref:R} of its path. */
  const char *p = strstr(k->path, "{ref:");
  if ((!strcmp(k->phase, "update") || !strcmp(k->phase, "message")) && p) {
    const char *e = strchr(p, '}');
    if (e) k->subject = strndup(p + 5, (size_t)(e - p - 5));
  }
  if (!k->subject) k->subject = hm_xstrdup(k->ref);
  return 0;
}

/* ---- flags ---- */

void hm_exec_flag(hm_exec *ex, const call *k, const char *sev, const char *msg) {
  hm_store_flag(ex->st, ex->run, k->ref ? k->ref : k->key_buf, k->object, k->key, sev, msg,
                ex->o.map_hash);
  char rec[700];   /* "flagged" counts records, as the ledger does, not flags */
  snprintf(rec, sizeof rec, "%s\t%s", k->object ? k->object : "", k->key ? k->key : k->key_buf);
  if (!hm_seen_add(&ex->flagged, rec)) count_add(ex, k->object, "flagged", 1);
}

/* The map's flags on k's record, once its call has been made (the journal or
 * the id map knows it: a call stopped before it left carries none yet). They
 * replace what an earlier plan carried for it; this run's report counts them
 * when this run did the call, not when it skipped it. */
static void plan_flags(hm_exec *ex, const call *k, const char *outcome) {
  if (strcmp(k->phase, "create") && strcmp(k->phase, "upload")) return;
  hm_jrow j;
  hm_idrow row;
  if (!hm_store_journal_get(ex->st, k->key_buf, &j) &&
      !(k->ref && hm_store_id_get(ex->st, k->ref, &row)))
    return;
  size_t n = (size_t)cJSON_GetArraySize(k->flags), i = 0;
  hm_plan_flag *f = n ? calloc(n, sizeof *f) : NULL;
  if (n && !f) abort();
  const cJSON *e;
  cJSON_ArrayForEach(e, k->flags) {
    hm_plan_flag pf = { hm_rn_json_str(e, "severity"), hm_rn_json_str(e, "message"),
                        hm_rn_json_str(e, "map") };
    f[i++] = pf;
  }
  if (hm_store_plan_flags(ex->st, ex->run, k->ref ? k->ref : k->key_buf, k->object, k->key, f,
                          n, ex->o.map_hash)) {
    hm_exec_note(ex, "error", "state database write failed");
    ex->fatal = 2;
  }
  free(f);
  char rec[700];
  snprintf(rec, sizeof rec, "%s\t%s", k->object ? k->object : "", k->key ? k->key : k->key_buf);
  if (n && strcmp(outcome, "skipped") && !hm_seen_add(&ex->flagged, rec))
    count_add(ex, k->object, "flagged", 1);
}

/* ---- answers ---- */

/* What earlier runs flagged on a call that is now done (its failure) is no
 * longer true; this run's flags on it stay. */
static void clear_old_flags(hm_exec *ex, const call *k) {
  hm_store_flags_clear_before(ex->st, k->ref ? k->ref : k->key_buf, ex->run);
}

static int record_done(hm_exec *ex, const call *k, const char *key, const char *path, long status,
                       const cJSON *obj, int reused, int with_id) {
  if (with_id && k->ref && strcmp(k->phase, "upload") && !hm_rn_json_id(obj)) {
    /* Every caller checked the id; a row without one would be used as 0. */
    hm_exec_note(ex, "error", "%s: no valid Gorgias id to record; it stays in doubt", k->ref);
    return ex->fatal = 4;
  }
  char *fields = obj ? hm_answer_fields(obj) : strdup("{}");
  hm_idrow id = { .ref = k->ref, .object = k->object, .key = k->key, .target = k->target,
                  .path = path, .fields = fields, .hash = k->hash, .map_hash = ex->o.map_hash,
                  .gid = obj ? hm_rn_json_id(obj) : 0, .reused = reused };
  int rc = hm_store_done(ex->st, key, status, with_id && k->ref ? &id : NULL);
  if (!rc) clear_old_flags(ex, k);
  free(fields);
  if (hm_gorgias_kind_named(k->target) == HM_GK_USER && obj) hm_resolver_learn_user(ex->rv, obj);
  if (rc) { hm_exec_note(ex, "error", "state database write failed"); ex->fatal = 2; }
  return rc;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *s = malloc((size_t)n + 1);
  if (!s) abort();
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

/* 401: the credentials. 403 is per endpoint ("the API token provided does not
 * have the permissions to perform the request ... mainly due to the role",
 * Gorgias reference/errors): a refusal of that kind of object, not a stop
 * (forbid below). */
static int is_auth(long status) { return status == 401; }

/* The target looked at the request and said no (a rejected record). 408 and a
 * 429 that outlasted every retry are not about the record. */
static int refused(long status) {
  return status >= 400 && status < 500 && status != 408 && status != 429;
}

static void auth_stop(hm_exec *ex, const hm_http_resp *r) {
  hm_exec_note(ex, "error",
               "Gorgias refused the credentials (%s); check GORGIAS_EMAIL/GORGIAS_API_KEY "
               "and that the key's user may create these objects",
               r->err);
  ex->fatal = 3;
}

/* ---- sending ---- */

static int journal_intent(hm_exec *ex, const call *k, const char *key, const char *path,
                          const cJSON *body);

static void reject(hm_exec *ex, const call *k, const char *kind, long status, const char *why) {
  hm_store_failed(ex->st, k->key_buf, status, why);
  /* rejected and failed count records (their create or upload), as the
   * ledger does; a message or update of a record is a follow-up */
  int record = !strcmp(k->phase, "create") || !strcmp(k->phase, "upload");
  count_add(ex, k->object, record ? kind : "follow_ups_failed", 1);
  if (!strcmp(kind, "rejected")) ex->rejected++; else ex->failed++;
  hm_exec_flag(ex, k, "review", why);
  hm_exec_note(ex, "warning", "%s %s (%s): %s", k->object, k->key ? k->key : "",
               k->ref ? k->ref : k->key_buf, why);
}

/* The kind a 403 is about: the call's target and method (the key's role may
   create tickets but not write agents, or create but not update). */
static void kind_of(const call *k, char *out, size_t n) {
  snprintf(out, n, "%s %s", k->method ? k->method : "", k->target ? k->target : k->object);
}

/* A 403: this record is refused with Gorgias' message, and so is every later
   record of its kind, without a call (forbidden_before); the run goes on. */
static void forbid(hm_exec *ex, const call *k, const hm_http_resp *r) {
  char kind[200], why[sizeof r->err + 300];
  kind_of(k, kind, sizeof kind);
  snprintf(why, sizeof why,
           "refused by Gorgias (%s): the API key's role may not %s; the rest of the "
           "migration goes on", r->err, kind);
  if (!ex->forbidden) ex->forbidden = cJSON_CreateObject();
  if (!cJSON_GetObjectItemCaseSensitive(ex->forbidden, kind))
    cJSON_AddStringToObject(ex->forbidden, kind, why);
  reject(ex, k, "rejected", 403, why);
}

static int forbidden_before(hm_exec *ex, const call *k) {
  char kind[200];
  kind_of(k, kind, sizeof kind);
  const char *why = hm_rn_json_str(ex->forbidden, kind);
  if (!why) return 0;
  if (!journal_intent(ex, k, k->key_buf, k->path, k->body)) reject(ex, k, "rejected", 403, why);
  return 1;
}

static int journal_intent(hm_exec *ex, const call *k, const char *key, const char *path,
                          const cJSON *body) {
  char *txt = body ? cJSON_PrintUnformatted(body) : NULL;
  hm_jrow j = {.call_key = key,
               .phase = k->phase,
               .method = k->method,
               .path = path,
               .ref = k->ref,
               .subject_ref = k->subject,
               .object = k->object,
               .key = k->key,
               .target = k->target,
               .body = txt,
               .hash = k->hash,
               .seq = k->seq};
  int rc = hm_store_intent(ex->st, ex->run, &j, ex->o.map_hash);
  free(txt);
  if (rc) { hm_exec_note(ex, "error", "state database write failed"); ex->fatal = 2; }
  return rc;
}

/* Was the object found by a lookup made by us (same external_id), or a
 * pre-existing one we reuse (and must never delete)? */
static int found_is_ours(const cJSON *found, const cJSON *unique) {
  const char *want = hm_rn_json_str(unique, "external_id");
  if (!want) return 1;
  const char *have = hm_rn_json_str(found, "external_id");
  return have && !strcmp(have, want);
}

/* After a 409 the object was there before this create: it is ours only if it
 * carries our external_id (an earlier attempt whose answer was lost) or a run
 * made it for another record. Without an external_id to tell, it is treated
 * as pre-existing: rollback must never delete what it cannot prove it made. */
static int reused_on_conflict(hm_exec *ex, const char *path, const cJSON *found,
                              const cJSON *unique) {
  const char *want = hm_rn_json_str(unique, "external_id"),
             *have = hm_rn_json_str(found, "external_id");
  if (want && have && !strcmp(want, have)) return 0;
  return !hm_store_gid_ours(ex->st, path, hm_rn_json_id(found));
}

/* Reused means "existed before the migration": an object this migration made
 * for another record (two source people with one e-mail) is ours to delete. */
static int reused_from_before(hm_exec *ex, const char *path, const cJSON *found,
                              const cJSON *unique) {
  return !found_is_ours(found, unique) && !hm_store_gid_ours(ex->st, path, hm_rn_json_id(found));
}

/* Reconciliation counts are per record: a follow-up message is not a record. */
static const char *created_kind(const call *k) {
  return strcmp(k->phase, "create") && strcmp(k->phase, "upload") ? "messages_added" : "created";
}

static int stop_requested(const hm_exec *ex) { return ex->o.stop && *ex->o.stop; }

static void pause_seconds(hm_exec *ex, double seconds) {
  double until = hm_now() + seconds;
  while (hm_now() < until && !stop_requested(ex)) {
    struct timespec ts = { 0, 20 * 1000000L };
    nanosleep(&ts, NULL);
  }
}

static void unreachable(hm_exec *ex, const call *k, const hm_http_resp *r) {
  if (stop_requested(ex)) { ex->fatal = 4; return; }
  hm_exec_note(
      ex, "error",
      "%s %s: Gorgias did not answer (%s); stopping — run the same command again to resume",
      k->method, k->path, r->err[0] ? r->err : "no answer");
  ex->fatal = 4;
}

/* A create whose answer was lost, and the list that would show whether it
 * landed could not be read to the end: creating it again could duplicate it.
 * Stop; it stays in doubt and the next run looks again. */
static int lookup_stop(hm_exec *ex, const call *k, const hm_found *f) {
  if (!stop_requested(ex))
    hm_exec_note(
        ex, "error",
        "%s %s: the answer was lost and looking the object up failed (%s); it stays in doubt — "
        "run the same command again to resume",
        k->method, k->path, f->err[0] ? f->err : "no answer");
  return ex->fatal = 4;
}

/* Tags named on a ticket are created by Gorgias when the account has none of
 * that name; those are the migration's too (rollback removes them). The
 * account's names are listed once, before the first ticket that names any. */
static int learn_tag(void *ctx, const cJSON *t) {
  const char *n = hm_rn_json_str(t, "name");
  if (n && !cJSON_GetObjectItemCaseSensitive(ctx, n)) cJSON_AddTrueToObject(ctx, n);
  return 0;
}

static int names_new_tags(hm_exec *ex, const call *k, const cJSON *body) {
  const cJSON *tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
  if (hm_gorgias_kind_named(k->target) != HM_GK_TICKET || !cJSON_GetArraySize(tags)) return 0;
  if (!ex->known_tags) {
    ex->known_tags = cJSON_CreateObject();
    char err[300];
    if (hm_http_list(ex->http, HM_GORGIAS[HM_GK_TAG].collection, 0, learn_tag, ex->known_tags, err,
                     sizeof err))
      hm_exec_note(
          ex, "warning",
          "cannot list the account's tags (%s): tags created by tickets will not be rolled back",
          err);
  }
  const cJSON *t;
  cJSON_ArrayForEach(t, tags) {
    const char *n = hm_rn_json_str(t, "name");
    if (n && !cJSON_GetObjectItemCaseSensitive(ex->known_tags, n)) return 1;
  }
  return 0;
}

/* After the ticket exists: its answer lists the tags with their ids. */
static void record_new_tags(hm_exec *ex, const call *k, const cJSON *answer) {
  const cJSON *t;
  cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(answer, "tags")) {
    const char *n = hm_rn_json_str(t, "name");
    long long id = hm_rn_json_id(t);
    if (!n || !id || cJSON_GetObjectItemCaseSensitive(ex->known_tags, n)) continue;
    cJSON_AddTrueToObject(ex->known_tags, n);
    char ref[400];
    snprintf(ref, sizeof ref, "implicit:%s:%s", HM_GORGIAS[HM_GK_TAG].name, n);
    char *fields = hm_answer_fields(t);
    hm_idrow id_row = { .ref = ref, .object = k->object, .key = k->key,
                        .target = HM_GORGIAS[HM_GK_TAG].name,
                        .path = HM_GORGIAS[HM_GK_TAG].collection,
                        .fields = fields, .hash = "", .map_hash = ex->o.map_hash, .gid = id };
    hm_jrow j = { .call_key = ref, .phase = "implicit", .method = "POST",
                  .path = HM_GORGIAS[HM_GK_TAG].collection, .ref = ref, .subject_ref = ref,
                  .object = k->object, .key = k->key, .target = HM_GORGIAS[HM_GK_TAG].name,
                  .hash = "", .seq = k->seq };
    if (!hm_store_intent(ex->st, ex->run, &j, ex->o.map_hash))
      hm_store_done(ex->st, ref, 201, &id_row);
    free(fields);
  }
}

/* A create in doubt (its answer lost, or a state under --recover that has no
 * record of it) with nothing to look it up by: sending it again could
 * duplicate it, so it stays in doubt (status shows it) until the operator has
 * checked Gorgias and runs with --resend-in-doubt. */
static int unidentified(hm_exec *ex, const call *k, const char *key, const char *path,
                        const cJSON *body) {
  hm_jrow j;
  if (!hm_store_journal_get(ex->st, key, &j) && journal_intent(ex, k, key, path, body))
    return ex->fatal;
  hm_exec_flag(
      ex, k, "review",
      "in doubt and nothing identifies it in Gorgias for a lookup (no unique field): "
      "not sent again; check Gorgias, and if it is not there run again with --resend-in-doubt");
  count_add(ex, k->object, "failed", 1);
  ex->failed++;
  return ex->fatal;
}

/* A create answered, but not as a create answers (not a JSON object, no
 * valid id, over the answer size limit): it may exist and its id is unknown.
 * Found by its unique fields, it is recorded with the id the list gives.
 * Otherwise it stays in doubt (its intent row: looked up before anything is
 * created again) and the run stops; it is never recorded as made, so nothing
 * refers to it. k->key_buf is the journal key. */
static void settle_unusable(hm_exec *ex, const call *k, const char *path, const cJSON *body,
                            const cJSON *unique, int with_id, int new_tags, long status,
                            const char *why) {
  hm_found f = { 0 };
  const char *what = k->ref ? k->ref : k->key_buf;
  char http[32] = "";   /* an oversized answer has no status: it was not read */
  if (status) snprintf(http, sizeof http, " (HTTP %ld)", status);
  cJSON *found = cJSON_IsObject(unique) && unique->child
                 ? hm_resolve_lookup(ex->rv, path, body, unique, &f) : NULL;
  if (found) {
    hm_exec_note(
        ex, "warning",
        "POST %s (%s): the answer%s was %s; the object was found by its %s instead", path,
        what, http, why, f.by);
    record_done(ex, k, k->key_buf, path, 200, found, reused_from_before(ex, path, found, unique),
                with_id);
    if (new_tags) record_new_tags(ex, k, found);
    count_add(ex, k->object, created_kind(k), 1);
    cJSON_Delete(found);
    return;
  }
  if (!stop_requested(ex))
    hm_exec_note(
        ex, "error",
        "POST %s (%s): the answer%s was %s%s%s; it stays in doubt, not recorded as "
        "created (it is looked up before anything is created again) — run the same command again "
        "to resume",
        path, what, http, why, f.status ? "; looking it up failed: " : "", f.status ? f.err : "");
  ex->fatal = 4;
}

/* POST that creates one object, exactly once. key: journal key. */
static int send_create(hm_exec *ex, const call *k, const char *key, const char *path,
                       const cJSON *body, const cJSON *unique, int in_doubt, int with_id) {
  call kk = *k;
  snprintf(kk.key_buf, sizeof kk.key_buf, "%s", key);
  hm_found f = { 0 };
  int has_unique = cJSON_IsObject(unique) && unique->child;
  int prefer_existing = hm_gorgias_named(k->target) && hm_gorgias_named(k->target)->prefer_existing;
  if (has_unique && (in_doubt || prefer_existing)) {
    cJSON *found = hm_resolve_lookup(ex->rv, path, body, unique, &f);
    long st = f.status;
    if (is_auth(st)) {
      hm_http_resp r = {.status = st};
      snprintf(r.err, sizeof r.err, "HTTP %ld", st);
      auth_stop(ex, &r);
      return ex->fatal;
    }
    if (in_doubt && (st < 0 || st >= 500)) return lookup_stop(ex, k, &f);
    if (st >= 400 && st < 500)
      hm_exec_note(ex, "warning",
                   "%s: looking up %s by its unique fields was refused (HTTP %ld); creating it",
                   k->ref ? k->ref : k->key_buf, k->target ? k->target : "object", st);
    if (found) {
      int ours = !reused_from_before(ex, path, found, unique);
      if (!journal_intent(ex, k, key, path, body))
        record_done(ex, k, key, path, 200, found, !ours, with_id);
      cJSON_Delete(found);
      count_add(ex, k->object, ours ? created_kind(k) : "reused", 1);
      if (!ours) {
        char msg[300];
        snprintf(msg, sizeof msg, "reused the existing Gorgias %s with the same %s",
                 k->target ? k->target : "object", f.by);
        hm_exec_flag(ex, k, "info", msg);
      }
      return ex->fatal;
    }
  }
  if (in_doubt && !has_unique && !ex->o.resend_in_doubt)
    return unidentified(ex, k, key, path, body);
  if (in_doubt && !has_unique)
    hm_exec_flag(ex, k, "warn",
                 "sent again after a crash (--resend-in-doubt): nothing identifies it for a lookup "
                 "(no unique fields), check Gorgias for a duplicate");
  int new_tags = names_new_tags(ex, k, body);
  if (stop_requested(ex)) return ex->fatal = 4;   /* a graceful stop: not started */
  if (journal_intent(ex, k, key, path, body)) return ex->fatal;
  for (int attempt = 0;; attempt++) {
    hm_http_resp r;
    hm_http_request(ex->http, "POST", path, body, 0, &r);
    if (r.not_sent) {
      /* Stopped before it left (or throttled): nothing to be in doubt about. */
      hm_store_unsent(ex->st, key);
      hm_http_resp_free(&r);
      return ex->fatal = 4;
    }
    if ((r.status >= 200 && r.status < 300) || r.oversized) {
      const cJSON *obj = NULL;
      char why[sizeof r.err];
      snprintf(why, sizeof why, "%s", r.err);
      if (r.oversized || !hm_answer_check(r.json, 0, with_id && k->ref, &obj, why, sizeof why)) {
        settle_unusable(ex, &kk, path, body, unique, with_id, new_tags, r.status, why);
        hm_http_resp_free(&r);
        return ex->fatal;
      }
      record_done(ex, k, key, path, r.status, obj, 0, with_id);
      if (new_tags) record_new_tags(ex, k, obj);
      count_add(ex, k->object, created_kind(k), 1);
      hm_http_resp_free(&r);
      return ex->fatal;
    }
    if (is_auth(r.status)) { auth_stop(ex, &r); hm_http_resp_free(&r); return ex->fatal; }
    if (r.status == 403) { forbid(ex, &kk, &r); hm_http_resp_free(&r); return ex->fatal; }
    if (r.status == 409 && has_unique) {
      cJSON *found = hm_resolve_lookup(ex->rv, path, body, unique, &f);
      if (found) {
        record_done(ex, k, key, path, r.status, found, reused_on_conflict(ex, path, found, unique),
                    with_id);
        cJSON_Delete(found);
        count_add(ex, k->object, "reused", 1);
        char msg[300];
        snprintf(msg, sizeof msg, "reused the existing Gorgias %s with the same %s (answer 409)",
                 k->target ? k->target : "object", f.by);
        hm_exec_flag(ex, k, "info", msg);
        hm_http_resp_free(&r);
        return ex->fatal;
      }
    }
    if (refused(r.status)) {
      reject(ex, &kk, "rejected", r.status, r.err);
      hm_http_resp_free(&r);
      return ex->fatal;
    }
    /* No answer or a server error: the object may exist. Look before resending,
     * after a pause so that a request still being processed has landed (a
     * timed-out one may be in flight for a long while). */
    if (stop_requested(ex)) {
      /* A graceful stop after a create without a clear answer: settle it now
       * with one lookup (the stop waits for it) so the resume starts at once. */
      if (has_unique) {
        hm_http_finishing(ex->http, 1);
        cJSON *found = hm_resolve_lookup(ex->rv, path, body, unique, &f);
        hm_http_finishing(ex->http, 0);
        if (found) {
          record_done(ex, k, key, path, 200, found, reused_from_before(ex, path, found, unique),
                      with_id);
          if (new_tags) record_new_tags(ex, k, found);
          count_add(ex, k->object, created_kind(k), 1);
          cJSON_Delete(found);
        } else if (f.status == 0 && !r.timed_out) {
          hm_store_unsent(ex->st, key);   /* it did not land */
        }
      }
      ex->fatal = 4;
      hm_http_resp_free(&r);
      return 4;
    }
    hm_http_backoff(ex->http, attempt);
    if (r.timed_out) pause_seconds(ex, ex->o.in_doubt_wait);
    if (!has_unique && r.status == 0) {
      /* Nothing to look it up by: resending could duplicate it. Leave it in
       * doubt for the operator (status shows it) instead of guessing. */
      unreachable(ex, k, &r);
      hm_http_resp_free(&r);
      return ex->fatal;
    }
    if (has_unique) {
      cJSON *found = hm_resolve_lookup(ex->rv, path, body, unique, &f);
      if (found) {
        record_done(ex, k, key, path, 200, found, reused_from_before(ex, path, found, unique),
                    with_id);
        if (new_tags) record_new_tags(ex, k, found);
        cJSON_Delete(found);
        count_add(ex, k->object, created_kind(k), 1);
        hm_http_resp_free(&r);
        return ex->fatal;
      }
      if (f.status < 0 || f.status >= 500) { hm_http_resp_free(&r); return lookup_stop(ex, k, &f); }
    }
    if (attempt >= 7) { unreachable(ex, k, &r); hm_http_resp_free(&r); return ex->fatal; }
    hm_http_resp_free(&r);
  }
}

/* The upload's file, opened inside the export folder as the planner opened it
 * (hm_contain_open): fd >= 0 and its size, or -1 with why. */
static int open_upload(const hm_exec *ex, const call *k, long long *size, char *why, size_t n) {
  char refusal[600];
  struct stat sb;
  if (!ex->o.data_dir) {
    snprintf(why, n, "attachment file %s: no --data folder to read it from: not uploaded", k->file);
    return -1;
  }
  int fd = hm_contain_open(ex->o.data_dir, k->file, O_RDONLY | O_NONBLOCK, refusal, sizeof refusal);
  if (fd == HM_CONTAIN_REFUSED) {
    snprintf(why, n, "attachment %s: not uploaded", refusal);
    return -1;
  }
  if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
    *size = (long long)sb.st_size;
    return fd;
  }
  if (fd >= 0) close(fd);
  snprintf(why, n, "attachment file %s is missing or unreadable: not uploaded", k->file);
  return -1;
}

/* An upload that will not be sent still gets an id map row marked skipped, so
 * attachments referring to it are dropped (and flagged) instead of failing
 * their whole ticket. */
static int skip_upload(hm_exec *ex, const call *k, const char *why) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddTrueToObject(o, "skipped");
  char *path_copy = strdup(k->path);
  if (!journal_intent(ex, k, k->key_buf, path_copy, NULL))
    record_done(ex, k, k->key_buf, path_copy, 0, o, 0, 1);
  free(path_copy);
  cJSON_Delete(o);
  count_add(ex, k->object, "rejected", 1);
  ex->rejected++;
  hm_exec_flag(ex, k, "review", why);
  hm_exec_note(ex, "warning", "%s: %s", k->file, why);
  return ex->fatal;
}

static int do_upload(hm_exec *ex, const call *k) {
  long long size = 0;
  char why[700];
  int rc;
  int fd = open_upload(ex, k, &size, why, sizeof why);
  if (fd < 0) {
    rc = skip_upload(ex, k, why);
  } else if (size > ex->o.max_upload_bytes) {
    snprintf(why, sizeof why, "attachment %s is %lld bytes, over the %ld-byte limit: not uploaded",
             k->file, size, ex->o.max_upload_bytes);
    rc = skip_upload(ex, k, why);
  } else if (stop_requested(ex)) {
    rc = ex->fatal = 4;   /* a graceful stop: not started */
  } else if (!journal_intent(ex, k, k->key_buf, k->path, NULL)) {
    hm_http_resp r;
    hm_buf path;   /* the type as the route's query: planned paths have none (hm_apipath) */
    hm_buf_init(&path);
    hm_buf_puts(&path, k->path);
    if (k->utype) {
      hm_buf_printf(&path, "?%s=", HM_GORGIAS_UPLOAD_TYPE_PARAM);
      hm_http_query_escape(&path, k->utype);
    }
    hm_http_upload(ex->http, hm_buf_cstr(&path), fd, size, k->name ? k->name : k->file, k->ctype,
                   &r);
    hm_buf_free(&path);
    if (r.not_sent) {
      hm_store_unsent(ex->st, k->key_buf);
      ex->fatal = 4;
    } else if ((r.status >= 200 && r.status < 300) || r.oversized) {
      const cJSON *obj = NULL;
      char bad[sizeof r.err];
      snprintf(bad, sizeof bad, "%s", r.err);
      if (!r.oversized && hm_answer_check(r.json, 1, 0, &obj, bad, sizeof bad)) {
        record_done(ex, k, k->key_buf, k->path, r.status, obj, 0, 1);
        count_add(ex, k->object, "created", 1);
      } else {
        char http[32] = "";
        if (r.status) snprintf(http, sizeof http, " (HTTP %ld)", r.status);
        hm_exec_note(
            ex, "error",
            "upload %s: the answer%s was %s; not recorded (a file cannot be looked "
            "up: the next run sends it again) — run the same command again to resume",
            k->file, http, bad);
        ex->fatal = 4;
      }
    } else if (is_auth(r.status)) {
      auth_stop(ex, &r);
    } else if (r.status == 403) {
      forbid(ex, k, &r);
    } else if (refused(r.status)) {
      snprintf(why, sizeof why, "upload refused: %s", r.err);
      skip_upload(ex, k, why);
    } else {
      unreachable(ex, k, &r);
    }
    hm_http_resp_free(&r);
    rc = ex->fatal;
  } else {
    rc = ex->fatal;
  }
  if (fd >= 0) close(fd);
  return rc;
}

static int send_put(hm_exec *ex, const call *k, const char *key, const char *path,
                    const cJSON *body, long *status) {
  for (int attempt = 0;; attempt++) {
    hm_http_resp r;
    hm_http_request(ex->http, "PUT", path, body, 1, &r);
    *status = r.status;
    if (r.not_sent) { hm_store_unsent(ex->st, key); hm_http_resp_free(&r); return ex->fatal = 4; }
    if (r.status >= 200 && r.status < 300) { hm_http_resp_free(&r); return 0; }
    if (is_auth(r.status)) { auth_stop(ex, &r); hm_http_resp_free(&r); return ex->fatal; }
    if (r.status == 403) {
      call kk = *k;
      snprintf(kk.key_buf, sizeof kk.key_buf, "%s", key);
      forbid(ex, &kk, &r);
      hm_http_resp_free(&r);
      return -1;
    }
    if (refused(r.status)) {
      call kk = *k;
      snprintf(kk.key_buf, sizeof kk.key_buf, "%s", key);
      reject(ex, &kk, "rejected", r.status, r.err);
      hm_http_resp_free(&r);
      return -1;
    }
    if (stop_requested(ex) || attempt >= 3) {
      unreachable(ex, k, &r);
      hm_http_resp_free(&r);
      return ex->fatal;
    }
    hm_http_resp_free(&r);
    hm_http_backoff(ex->http, attempt);
  }
}

/* k with its hash marked when an agent did not resolve (see HM_UNRESOLVED_MARK). */
static const call *mark_unresolved(int unresolved, const call *k, call *copy, char *buf,
                                   size_t cap) {
  if (!unresolved || !k->hash) return k;
  *copy = *k;
  snprintf(buf, cap, "%s" HM_UNRESOLVED_MARK "%d", k->hash, unresolved);
  copy->hash = buf;
  return copy;
}

/* The unresolved score when hash is the planned hash `want` marked (see
 * HM_UNRESOLVED_MARK), else 0. */
static int marked_score(const char *hash, const char *want) {
  if (!hash || !want) return 0;
  size_t n = strlen(want), m = strlen(HM_UNRESOLVED_MARK);
  if (strncmp(hash, want, n) || strncmp(hash + n, HM_UNRESOLVED_MARK, m)) return 0;
  return atoi(hash + n + m);
}

/* What the resolver raised for call k: its note for the user, and (unless
 * dry) its flags on k's record, in the order raised — whether or not the
 * resolution succeeded. */
static void take_resolution(hm_exec *ex, const call *k, const hm_resolved *res, int dry) {
  if (res->note[0]) hm_exec_note(ex, "warning", "%s", res->note);
  for (size_t i = 0; !dry && i < res->nflags; i++)
    hm_exec_flag(ex, k, res->flags[i].severity, res->flags[i].message);
}

/* Do the call's agents resolve better now than when it was sent (score
 * then)? A dry resolution: nothing flagged. */
static int now_resolves(hm_exec *ex, const call *k, int score) {
  hm_resolved res;
  hm_resolve_call(ex->rv, k->path, k->body, k->unique, &res);
  take_resolution(ex, k, &res, 1);
  int better = res.wrap && res.unresolved < score;
  hm_resolved_free(&res);
  return better;
}

/* A call with its references resolved (res: wrap {"body", "unique"} and path,
 * or wrap NULL and why); k is the call, its hash marked when agents stayed
 * unresolved (mark_unresolved). */
typedef struct resolved {
  hm_resolved res;
  const call *k;
  call copy;
  char hash[128];
} resolved;

static void resolve_call(hm_exec *ex, const call *k_in, resolved *r) {
  hm_resolve_call(ex->rv, k_in->path, k_in->body, k_in->unique, &r->res);
  take_resolution(ex, k_in, &r->res, 0);
  r->k = mark_unresolved(r->res.unresolved, k_in, &r->copy, r->hash, sizeof r->hash);
}

static void resolved_free(resolved *r) { hm_resolved_free(&r->res); }

static int do_update(hm_exec *ex, const call *k_in) {
  resolved r;
  resolve_call(ex, k_in, &r);
  const call *k = r.k;
  if (!r.res.wrap) { reject(ex, k, "failed", 0, r.res.why); resolved_free(&r); return ex->fatal; }
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(r.res.wrap, "body");
  long status = 0;
  if (stop_requested(ex)) ex->fatal = 4;   /* a graceful stop: not started */
  else if (!journal_intent(ex, k, k->key_buf, r.res.path, body) &&
      send_put(ex, k, k->key_buf, r.res.path, body, &status) == 0) {
    hm_store_done(ex->st, k->key_buf, status, NULL);
    clear_old_flags(ex, k);
    count_add(ex, k->object, "second_pass", 1);
  }
  resolved_free(&r);
  return ex->fatal;
}

/* Fields Gorgias only takes on create: the profile's create_only (every kind
 * has the ticket's, the one list the reference gives). */
static void strip_create_only(cJSON *body) {
  const char *const *k = HM_GORGIAS[HM_GK_TICKET].create_only;
  for (size_t i = 0; k[i]; i++) cJSON_DeleteItemFromObjectCaseSensitive(body, k[i]);
}

static int has_message(const cJSON *old_msgs, const cJSON *m, int index) {
  const char *ext = hm_rn_json_str(m, "external_id");
  if (!ext) return index < cJSON_GetArraySize(old_msgs);
  const cJSON *o;
  cJSON_ArrayForEach(o, old_msgs) {
    const char *e = hm_rn_json_str(o, "external_id");
    if (e && !strcmp(e, ext)) return 1;
  }
  return 0;
}

/* Delta: a ticket (or any object) whose content changed since it was created.
 * New messages are appended one by one (each with its own journal key, so a
 * crash never appends twice), then the object is updated in place. */
static int do_delta_update(hm_exec *ex, const call *k, const hm_idrow *row_in) {
  long long gid = row_in->gid;
  if (gid <= 0) {
    reject(ex, k, "failed", 0, "no valid Gorgias id was recorded for it: not updated");
    return ex->fatal;
  }
  char *obj_path = xprintf("%s/%lld", row_in->path, gid);
  char *coll = strdup(row_in->path);
  hm_resolved res;
  hm_resolve_call(ex->rv, k->path, k->body, k->unique, &res);
  take_resolution(ex, k, &res, 0);
  int unresolved = res.unresolved;
  if (!res.wrap) {
    reject(ex, k, "failed", 0, res.why);
    hm_resolved_free(&res);
    free(obj_path);
    free(coll);
    return ex->fatal;
  }
  cJSON *body = cJSON_GetObjectItemCaseSensitive(res.wrap, "body");
  hm_jrow old;
  cJSON *old_body =
      hm_store_journal_get(ex->st, k->key_buf, &old) && old.body ? cJSON_Parse(old.body) : NULL;
  const cJSON *old_msgs = cJSON_GetObjectItemCaseSensitive(old_body, "messages");
  const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(body, "messages");
  /* What Gorgias will hold: the messages sent before plus the ones appended. */
  cJSON *merged = old_msgs ? cJSON_Duplicate(old_msgs, 1) : cJSON_CreateArray();
  int i = 0, edited = 0;
  const cJSON *m;
  cJSON_ArrayForEach(m, msgs) {
    if (has_message(old_msgs, m, i)) {
      const char *ext = hm_rn_json_str(m, "external_id");
      const cJSON *o = NULL, *it;
      cJSON_ArrayForEach(it, old_msgs) if (ext && hm_rn_json_str(it, "external_id") &&
                                           !strcmp(hm_rn_json_str(it, "external_id"), ext)) o = it;
      if (!ext) o = cJSON_GetArrayItem(old_msgs, i);
      hm_buf d; hm_buf_init(&d);
      if (o && hm_rn_json_diff(m, o, "", &d)) edited++;
      hm_buf_free(&d);
    } else {
      char key[700], mpath[300];
      const char *ext = hm_rn_json_str(m, "external_id");
      if (ext) snprintf(key, sizeof key, "delta-message:%s:%s", k->ref, ext);
      else snprintf(key, sizeof key, "delta-message:%s:#%d", k->ref, i);
      hm_gorgias_child(mpath, sizeof mpath, obj_path, HM_GK_MESSAGE);
      hm_jrow j;
      int known = hm_store_journal_get(ex->st, key, &j);
      if (!known || j.state != HM_J_DONE) {
        cJSON *uniq = cJSON_CreateObject();
        if (ext) cJSON_AddStringToObject(uniq, "external_id", ext);
        call mk = *k;
        mk.phase = "delta-message";   /* verify finds it in the merged body, not as a follow-up */
        mk.ref = NULL;
        int doubt = known ? j.state == HM_J_INTENT : ex->recovering;
        send_create(ex, &mk, key, mpath, m, uniq, doubt, 0);
        cJSON_Delete(uniq);
        if (ex->fatal) break;
        if (hm_store_journal_get(ex->st, key, &j) && j.state == HM_J_DONE)
          cJSON_AddItemToArray(merged, cJSON_Duplicate(m, 1));
      } else {
        cJSON_AddItemToArray(merged, cJSON_Duplicate(m, 1));
      }
    }
    i++;
  }
  cJSON_Delete(old_body);
  if (edited) {
    char msg[200];
    snprintf(msg, sizeof msg, "%d message(s) changed in the source after they were migrated; "
             "messages already in Gorgias are not rewritten by --delta", edited);
    hm_exec_flag(ex, k, "review", msg);
  }
  if (!ex->fatal) {
    cJSON *upd = cJSON_Duplicate(body, 1);
    strip_create_only(upd);
    long status = 0;
    if (send_put(ex, k, k->key_buf, obj_path, upd, &status) == 0 && !ex->fatal) {
      /* The journal keeps what Gorgias now holds: verify compares against it. */
      if (msgs)
        cJSON_ReplaceItemInObjectCaseSensitive(body, "messages", cJSON_Duplicate(merged, 1));
      if (!journal_intent(ex, k, k->key_buf, coll, body)) {
        hm_store_done(ex->st, k->key_buf, status, NULL);
        clear_old_flags(ex, k);
        char marked[128];
        if (unresolved)
          snprintf(marked, sizeof marked, "%s" HM_UNRESOLVED_MARK "%d", k->hash, unresolved);
        else snprintf(marked, sizeof marked, "%s", k->hash);
        hm_store_id_rehash(ex->st, k->ref, marked);
        count_add(ex, k->object, "updated", 1);
      }
    }
    cJSON_Delete(upd);
  }
  cJSON_Delete(merged);
  hm_resolved_free(&res);
  free(obj_path);
  free(coll);
  return ex->fatal;
}

/* The Gorgias customer with this e-mail, or NULL (f says why). */
static cJSON *customer_by_email(hm_exec *ex, const char *email, hm_found *f) {
  cJSON *u = cJSON_CreateObject();
  cJSON_AddStringToObject(u, "email", email);
  cJSON *found = hm_resolve_lookup(ex->rv, HM_GORGIAS[HM_GK_CUSTOMER].collection, NULL, u, f);
  cJSON_Delete(u);
  return found;
}

/* A ticket naming its customer only by e-mail makes Gorgias create that
 * customer when none has the address. Such a customer is the migration's
 * too (rollback must remove it), so look before and record it after. Returns
 * the e-mail when the ticket is about to create its customer. */
static char *implicit_customer_email(hm_exec *ex, const call *k, const cJSON *body) {
  if (hm_gorgias_kind_named(k->target) != HM_GK_TICKET) return NULL;
  const cJSON *cust = cJSON_GetObjectItemCaseSensitive(body, "customer");
  const char *email = hm_rn_json_str(cust, "email");
  if (!email || cJSON_GetObjectItemCaseSensitive(cust, "id")) return NULL;
  hm_found f;
  cJSON *found = customer_by_email(ex, email, &f);
  int exists = found || f.status;
  cJSON_Delete(found);
  return exists ? NULL : strdup(email);
}

static void record_implicit_customer(hm_exec *ex, const call *k, const char *email) {
  hm_found f;
  cJSON *found = customer_by_email(ex, email, &f);
  if (!found) return;
  char ref[400];
  snprintf(ref, sizeof ref, "implicit:%s:%s", HM_GORGIAS[HM_GK_CUSTOMER].name, email);
  char *fields = hm_answer_fields(found);
  hm_idrow id = {.ref = ref,
                 .object = k->object,
                 .key = k->key,
                 .target = HM_GORGIAS[HM_GK_CUSTOMER].name,
                 .path = HM_GORGIAS[HM_GK_CUSTOMER].collection,
                 .fields = fields,
                 .hash = "",
                 .map_hash = ex->o.map_hash,
                 .gid = hm_rn_json_id(found)};
  hm_jrow j = { .call_key = ref, .phase = "implicit", .method = "POST",
                .path = HM_GORGIAS[HM_GK_CUSTOMER].collection, .ref = ref, .subject_ref = ref,
                .object = k->object, .key = k->key, .target = HM_GORGIAS[HM_GK_CUSTOMER].name,
                .hash = "", .seq = k->seq };
  if (!hm_store_intent(ex->st, ex->run, &j, ex->o.map_hash)) hm_store_done(ex->st, ref, 201, &id);
  free(fields);
  cJSON_Delete(found);
}

/* Whether this create is now in the id map with a Gorgias id (whatever else
 * happened since: a stop requested during it sets ex->fatal too). */
static int ticket_recorded(hm_exec *ex, const call *k) {
  hm_idrow row;
  return k->ref && hm_store_id_get(ex->st, k->ref, &row) == 1 && row.gid > 0;
}

static int do_create(hm_exec *ex, const call *k_in, int in_doubt) {
  resolved r;
  resolve_call(ex, k_in, &r);
  const call *k = r.k;
  if (!r.res.wrap) {
    /* Write the row so status and the report can show the failure. */
    if (!journal_intent(ex, k, k->key_buf, k->path, k->body)) reject(ex, k, "failed", 0, r.res.why);
    resolved_free(&r);
    return ex->fatal;
  }
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(r.res.wrap, "body");
  char *implicit = implicit_customer_email(ex, k, body);
  send_create(ex, k, k->key_buf, r.res.path, body,
              cJSON_GetObjectItemCaseSensitive(r.res.wrap, "unique"), in_doubt, 1);
  if (implicit && ticket_recorded(ex, k)) {
    /* Part of the call in flight, even when a stop came during it: the
     * customer the ticket made must be in the state or rollback misses it. */
    hm_http_finishing(ex->http, 1);
    record_implicit_customer(ex, k, implicit);
    hm_http_finishing(ex->http, 0);
  }
  free(implicit);
  resolved_free(&r);
  return ex->fatal;
}

/* ---- records gone from the source (--delta) ---- */

/* An object a run made for a record that no call of this run names: the
 * record left the export (or the map no longer plans it). Listed for the
 * consultant, never deleted: removing customer data is their decision. Side
 * effects of a ticket (implicit:*), uploads (Gorgias cannot delete files) and
 * objects that existed before the migration are not offered. */
static int note_gone(void *ctx, const hm_idrow *row) {
  hm_exec *ex = ctx;
  if (!row->ref || row->reused || !strncmp(row->ref, "implicit:", 9) ||
      hm_seen_has(&ex->planned_refs, row->ref))
    return 0;
  if (hm_gorgias_is_upload(row->target, row->path))
    return 0;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "object", row->object ? row->object : "");
  cJSON_AddStringToObject(o, "key", row->key ? row->key : "");
  cJSON_AddStringToObject(o, "target", row->target ? row->target : "");
  cJSON_AddNumberToObject(o, "id", (double)row->gid);
  cJSON_AddStringToObject(o, "ref", row->ref);
  cJSON_AddItemToArray(ex->source_gone, o);
  count_add(ex, row->object, "source_gone", 1);
  return 0;
}

/* Only a --delta run over the whole export (not a sample) that read every
 * planned call can tell that a record is gone. */
static void find_source_gone(hm_exec *ex) {
  if (!ex->o.delta || ex->o.sample > 0) return;
  ex->source_gone = cJSON_CreateArray();
  hm_store_each_id(ex->st, 0, 0, note_gone, ex);
  int n = cJSON_GetArraySize(ex->source_gone);
  if (n)
    hm_exec_note(
        ex, "warning",
        "%d object(s) migrated earlier have no record in this export any more; nothing was "
        "deleted — they are listed under \"source_gone\" in %s",
        n, ex->report_path ? ex->report_path : "the report");
}

/* ---- the report ---- */

/* STATE.report.html beside the report (X.json -> X.html), written first and
   renamed into place: a reader never sees half a page. */
static void write_report_html(hm_exec *ex, const cJSON *r) {
  if (!ex->report_path) return;
  size_t n = strlen(ex->report_path);
  bool json = n > 5 && !strcmp(ex->report_path + n - 5, ".json");
  char *path = xprintf("%.*s.html", (int)(json ? n - 5 : n), ex->report_path);
  char *tmp = xprintf("%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (f) {
    hm_run_html(ex->st, r, f);
    if (fclose(f) == 0) rename(tmp, path);
  }
  free(tmp);
  free(path);
}

static void write_report(hm_exec *ex, const char *status) {
  char *counts = cJSON_PrintUnformatted(ex->counts);
  hm_store_run_counts(ex->st, ex->run, counts);   /* the ledger's "updated" sums the runs */
  free(counts);
  cJSON *r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "status", status);
  cJSON_AddStringToObject(r, "map_hash", ex->o.map_hash ? ex->o.map_hash : "");
  cJSON_AddStringToObject(r, "target", ex->o.target);
  cJSON_AddNumberToObject(r, "run", (double)ex->run);
  cJSON_AddBoolToObject(r, "delta", ex->o.delta);
  /* the whole migration from the ledger; what this leg did beside it */
  cJSON_AddItemToObject(r, "objects", hm_ledger_json(ex->st));
  cJSON *leg = cJSON_Duplicate(ex->counts, 1);
  hm_ledger_run_into(ex->st, ex->run, leg);   /* its records by the ledger's definitions */
  cJSON_AddItemToObject(r, "this_run", leg);
  const hm_http_stats *s = hm_http_get_stats(ex->http);
  const hm_rl *rl = hm_http_get_rl(ex->http);
  cJSON *h = cJSON_AddObjectToObject(r, "http");
  cJSON_AddNumberToObject(h, "requests", (double)s->requests);
  cJSON_AddNumberToObject(h, "retries", (double)s->retries);
  cJSON_AddNumberToObject(h, "throttled_429", (double)s->throttled);
  cJSON_AddNumberToObject(h, "server_errors", (double)s->server_errors);
  cJSON_AddNumberToObject(h, "transport_errors", (double)s->transport_errors);
  double el = s->last_t - s->first_t;
  cJSON_AddNumberToObject(h, "elapsed_s", el);
  cJSON_AddNumberToObject(h, "bucket_limit", rl->limit);
  cJSON_AddNumberToObject(h, "bucket_window_s", rl->window);
  /* Share of the budget: requests against what the bucket allows in that time
   * (its capacity plus the drain), the figure bench/api_efficiency.sh reports. */
  double allowed = rl->limit + el * rl->limit / rl->window;
  cJSON_AddNumberToObject(h, "budget_share", allowed > 0 ? (double)s->requests / allowed : 0);
  cJSON_AddNumberToObject(h, "steady_rate_share",
                          el > 0 ? ((double)s->requests / el) / (rl->limit / rl->window) : 0);
  cJSON_AddNumberToObject(r, "in_doubt", (double)hm_store_in_doubt(ex->st));
  if (ex->source_gone) {
    cJSON *g = cJSON_AddObjectToObject(r, "source_gone");
    cJSON_AddNumberToObject(g, "count", cJSON_GetArraySize(ex->source_gone));
    cJSON_AddItemToObject(g, "objects", cJSON_Duplicate(ex->source_gone, 1));
  }
  cJSON *paused = hm_pause_json(ex->st);
  if (paused) {   /* apart from the migration's calls: bench/api_efficiency.sh compares those */
    cJSON *a = cJSON_AddObjectToObject(r, "automation");
    cJSON_AddNumberToObject(a, "calls", (double)ex->pause.calls);
    cJSON_AddItemToObject(a, "changes", paused);
  }
  if (ex->prove_calls) {   /* the preflight's write check, apart from the migration's calls */
    cJSON *w = cJSON_AddObjectToObject(r, "write_check");
    cJSON_AddNumberToObject(w, "calls", (double)ex->prove_calls);
    cJSON *refused = cJSON_AddArrayToObject(w, "refused");
    const cJSON *f;
    cJSON_ArrayForEach(f, ex->forbidden)
      if (f->string && !strncmp(f->string, "PUT ", 4) && strstr(f->valuestring, "write check"))
        cJSON_AddItemToArray(refused, cJSON_CreateString(f->string + 4));
  }
  write_report_html(ex, r);
  char *txt = cJSON_Print(r);
  cJSON_Delete(r);
  char *tmp = txt && ex->report_path ? xprintf("%s.tmp", ex->report_path) : NULL;
  if (tmp) {
    FILE *f = fopen(tmp, "w");
    if (f) {
      fputs(txt, f);
      fputc('\n', f);
      if (fclose(f) == 0 && rename(tmp, ex->report_path) == 0)
        hm_verified_remember(ex->st, ex->report_path);   /* verify adds its counts to it */
    }
  }
  free(tmp);
  free(txt);
}

/* ---- public ---- */

/* The rules and settings checks; the blockers the consultant asked to pause
   are paused (recorded in the state first) instead of refusing the run. */
static int preflight_automation(hm_exec *ex, char *err, size_t errlen) {
  const hm_exec_opts *o = &ex->o;
  cJSON *to_pause = cJSON_CreateArray();
  int rc = hm_preflight_rules_pausing(
      ex->http, &(hm_rule_allow){o->allow_active_rules, o->allow_rules, o->nallow_rules},
      &(hm_rule_allow){o->pause_all, o->pause_rules, o->npause_rules}, to_pause, &ex->prog, err,
      errlen);
  if (!rc)
    rc = hm_preflight_settings_pausing(
        ex->http,
        &(hm_rule_allow){o->allow_active_settings, o->allow_settings, o->nallow_settings},
        &(hm_rule_allow){o->pause_all, o->pause_settings, o->npause_settings}, to_pause,
        &ex->prog, err, errlen);
  if (!rc) rc = hm_pause_apply(ex->http, ex->st, to_pause, &ex->prog, &ex->pause, err, errlen);
  /* A blocker that could not be paused: the run does not start, so what was
     paused for it goes back now rather than stay off until a resume. */
  if (rc && hm_pause_open(ex->st)) hm_pause_restore(ex->http, ex->st, &ex->prog, &ex->pause);
  cJSON_Delete(to_pause);
  return rc;
}

/* At the end of a run: put back what it paused (this run or an earlier leg of
   the same migration); after a stop the automation stays paused for the resume. */
static void end_pause(hm_exec *ex, int final) {
  if (!hm_pause_open(ex->st)) return;
  if (final <= 1) {
    hm_pause_restore(ex->http, ex->st, &ex->prog, &ex->pause);
    return;
  }
  char msg[700];
  snprintf(msg, sizeof msg, "%lld rule(s)/setting(s) the run paused stay paused until the run "
           "is resumed to its end, or: hmaprun restore-automation --state %s --target %s",
           hm_pause_open(ex->st), ex->o.state_path, ex->o.target);
  hm_progress_note(&ex->prog, "warning", msg);
}

int hm_exec_open(hm_exec **out, const hm_exec_opts *o) {
  *out = NULL;
  char err[1024];
  hm_exec *ex = calloc(1, sizeof *ex);
  if (!ex) return 2;
  ex->o = *o;
  if (ex->o.max_upload_bytes <= 0) {   /* the planner's default: plan and run flag the same files */
    long long def = 0;
    hm_pset_count_text(hm_pset_get(HM_PSET_MAX_UPLOAD_BYTES)->def, &def);
    ex->o.max_upload_bytes = (long)def;
  }
  if (ex->o.in_doubt_wait < 0) ex->o.in_doubt_wait = 0;
  if (!ex->o.map_hash) ex->o.map_hash = "none";
  ex->counts = cJSON_CreateObject();
  if (o->report_path) ex->report_path = strdup(o->report_path);
  else ex->report_path = xprintf("%s.report.json", o->state_path);
  hm_progress_init(&ex->prog, o->log_json, o->planned_calls,
                   2.0 * (o->time_scale > 0 ? o->time_scale : 1));
  hm_progress_configure(&ex->prog, "run", NULL, o->log_every);
  int rc = hm_client_connect(o->target, o->creds_file, o->time_scale, o->log_json, o->stop,
                             &ex->http, err, sizeof err);
  if (!rc) hm_http_set_max_answer(ex->http, o->max_answer_bytes);
  if (!rc) hm_http_set_window(ex->http, o->rate_window);
  if (!rc && o->help_center_url) hm_http_set_help_center(ex->http, o->help_center_url);
  if (!rc)
    rc = hm_store_open(&ex->st, o->state_path,
                       HM_STORE_CREATE | (o->recover ? HM_STORE_ACCEPT_LOST : 0), err, sizeof err);
  if (!rc) rc = hm_store_lock(ex->st, o->state_path, err, sizeof err);
  if (!rc)
    rc = hm_target_bind(ex->st, ex->http, o->state_path, o->target, o->retarget,
                        !o->no_preflight, "run", err, sizeof err);
  if (!rc) rc = hm_store_check_map(ex->st, ex->o.map_hash, o->force_map_change, err, sizeof err);
  if (!rc && !o->no_preflight) rc = preflight_automation(ex, err, sizeof err);
  if (!rc && !o->no_preflight && (hm_preflight_role(ex->http, &ex->prog) || o->prove_writes)) {
    if (!ex->forbidden) ex->forbidden = cJSON_CreateObject();
    hm_prove_writes(ex->http, o->write_targets, &ex->prog, ex->forbidden, &ex->prove_calls);
  }
  if (!rc && !o->no_preflight && hm_http_help_center_token(ex->http, err, sizeof err)) {
    /* Not fatal: a map without Help Center objects never needs the token. */
    fprintf(stderr, "hmaprun: preflight: no Help Center token from %s (%s); Help Center calls "
                    "will fail\n", o->target, err);
    err[0] = 0;
  }
  if (!rc) ex->recovering = hm_store_recovering(ex->st, o->recover);
  if (!rc && !(ex->rv = hm_resolver_open(ex->http, ex->st))) {
    snprintf(err, sizeof err, "out of memory");
    rc = 2;
  }
  if (rc) {
    if (err[0]) fprintf(stderr, "hmaprun: %s\n", err);
    /* A pause that failed half-way has written (and put back) automation: say so. */
    const char *what = ex->pause.calls ? "no record was sent; the automation paused for the run "
                                         "was put back"
                                       : "nothing was sent";
    hm_progress_outcome(&ex->prog, rc, 0, rc == 4 ? o->resume_cmd : what);
    hm_http_close(ex->http);
    hm_store_close(ex->st);
    cJSON_Delete(ex->counts);
    free(ex->report_path);
    free(ex);
    return rc;
  }
  ex->run = hm_store_run_begin(ex->st, o->delta ? "delta" : "run", ex->o.map_hash, o->target);
  long long doubt = hm_store_in_doubt(ex->st);
  if (doubt) {
    hm_exec_note(ex, "info",
                 "resuming: %lld call(s) were sent without a recorded answer; each is looked up "
                 "before anything is created again",
                 doubt);
    /* A request sent just before the crash may still be in flight (a proxy's
     * queue, a slow server): looking it up too early finds nothing and the
     * create would be repeated. Wait until the newest one is old enough. */
    double wait = ex->o.in_doubt_wait - hm_store_in_doubt_age(ex->st);
    if (wait > 0) {
      hm_exec_note(ex, "info", "waiting %.1f s so that calls in flight at the crash have landed",
                   wait);
      pause_seconds(ex, wait);
    }
  }
  *out = ex;
  return 0;
}

/* A ticket's create and its uploads are one record ("read" counts records). */
static int first_call_of_record(hm_exec *ex, const call *k) {
  if (!k->key) return 1;
  char rec[700];
  snprintf(rec, sizeof rec, "%s\t%s", k->object ? k->object : "", k->key);
  return !hm_seen_add(&ex->records, rec);
}

int hm_exec_call(hm_exec *ex, const cJSON *c) {
  if (ex->fatal) return ex->fatal;
  if (stop_requested(ex)) return ex->fatal = 4;
  call k;
  char err[300];
  int unusable = unpack(c, &k, err, sizeof err);
  if (ex->o.delta && k.ref)
    hm_seen_add(&ex->planned_refs, k.ref); /* its record is still in the source */
  if (unusable) {
    hm_exec_note(ex, "error", "%s", err);
    count_add(ex, "(plan)", "failed", 1);
    ex->failed++;
    free(k.subject);
    return 0;
  }
  if (!ex->last_phase || strcmp(ex->last_phase, k.phase)) {
    if (ex->last_phase) write_report(ex, "running");
    ex->last_phase = !strcmp(k.phase, "upload") ? "upload" : !strcmp(k.phase, "create") ? "create"
                   : !strcmp(k.phase, "message") ? "message" : "update";
    hm_progress_phase(&ex->prog, ex->last_phase);
  }
  const char *outcome = "done";
  int creates = !strcmp(k.phase, "create") || !strcmp(k.phase, "upload");
  if (creates && first_call_of_record(ex, &k)) {
    count_add(ex, k.object, "read", 1);
    hm_progress_record(&ex->prog, k.object);
  }
  hm_idrow row;
  hm_jrow j;
  if (creates && k.ref && hm_store_id_get(ex->st, k.ref, &row) && !row.deleted) {
    /* Created while an agent it names was missing (left unassigned or given
     * the fallback): --delta updates it once the agent exists. */
    int score = marked_score(row.hash, k.hash), retry = 0;
    if (ex->o.delta && score) {
      retry = now_resolves(ex, &k, score);
      hm_store_id_get(ex->st, k.ref, &row);   /* row's strings did not survive the lookups */
    }
    if (!ex->o.delta || (!retry && row.hash && (!strcmp(row.hash, k.hash) || score))) {
      count_add(ex, k.object, "skipped", 1);
      outcome = "skipped";
    } else if (!strcmp(k.phase, "upload")) {
      do_upload(ex, &k);
      outcome = "updated";
    } else {
      hm_idrow copy = row;   /* strings live until the next state call: keep what we need */
      char *p = strdup(row.path ? row.path : "");
      copy.path = p;
      do_delta_update(ex, &k, &copy);
      free(p);
      outcome = "updated";
    }
  } else {
    int known = hm_store_journal_get(ex->st, k.key_buf, &j);
    int done = known && j.state == HM_J_DONE && j.hash && !strcmp(j.hash, k.hash);
    int score = known && j.state == HM_J_DONE ? marked_score(j.hash, k.hash) : 0;
    if (!creates && score)
      done = !(ex->o.delta &&
               now_resolves(ex, &k, score)); /* an agent missing then: retried by --delta */
    int in_doubt = known ? j.state == HM_J_INTENT : ex->recovering;
    if (!creates && done) {
      outcome = "skipped";
    } else if (forbidden_before(ex, &k)) {
      outcome = "rejected";
    } else if (!strcmp(k.phase, "upload")) {
      do_upload(ex, &k);
    } else if (!strcmp(k.phase, "update") || !strcmp(k.method, "PUT")) {
      do_update(ex, &k);
    } else {
      do_create(ex, &k, in_doubt);
    }
  }
  plan_flags(ex, &k, outcome);
  const hm_rl *rl = hm_http_get_rl(ex->http);
  ex->prog.max_rate = rl->limit / rl->window;   /* an OAuth bucket (80) drains faster */
  hm_progress_step(&ex->prog, k.object, outcome, k.ref, 0);
  free(k.subject);
  return ex->fatal;
}

void hm_exec_expect_creates(hm_exec *ex, const char *object) {
  hm_store_set_creates(ex->st, object);
}

void hm_exec_expect(hm_exec *ex, const char *object, long long records) {
  hm_store_set_total(ex->st, object, records);
  hm_progress_expect(&ex->prog, object, records);
}

int hm_exec_calls(hm_exec *ex, cJSON *(*next)(void *ctx), void *ctx) {
  cJSON *c;
  int rc = 0;
  while (!rc && (c = next(ctx))) {
    rc = hm_exec_call(ex, c);
    cJSON_Delete(c);
  }
  return rc;
}

int hm_exec_close(hm_exec *ex, int rc) {
  if (!ex) return rc;
  int final = rc >= 2 ? rc : ex->fatal ? ex->fatal : (ex->rejected || ex->failed) ? 1 : rc;
  if (!final && stop_requested(ex)) final = 4;
  const char *status = final == 0 ? "done" : final == 1 ? "done-with-rejections"
                     : final == 4 ? "interrupted" : final == 3 ? "refused" : "failed";
  if (final <= 1) find_source_gone(ex);
  if (final <= 1 && ex->recovering) hm_store_recovered(ex->st);
  end_pause(ex, final);
  write_report(ex, status);
  /* A planner stream has no count up front: once it has been read to the
   * end, what was read is what was planned (status shows what is left). */
  if (!ex->o.planned_calls && final <= 1) {
    const cJSON *o;
    cJSON_ArrayForEach(o, ex->counts) {
      const cJSON *rd = cJSON_GetObjectItemCaseSensitive(o, "read");
      if (o->string && cJSON_IsNumber(rd) && rd->valuedouble > 0)
        hm_store_set_total(ex->st, o->string, (long long)rd->valuedouble);
    }
  }
  char *counts = cJSON_PrintUnformatted(ex->counts);
  hm_store_run_end(ex->st, ex->run, status, counts);
  free(counts);
  if (!final && ex->o.planned_rejections) final = 1;   /* the run's status stays "done" */
  hm_progress_outcome(&ex->prog, final, ex->rejected + ex->failed,
                      final == 4 ? ex->o.resume_cmd : NULL);
  hm_http_close(ex->http);
  hm_store_close(ex->st);
  cJSON_Delete(ex->counts);
  hm_resolver_close(ex->rv);
  cJSON_Delete(ex->known_tags);
  cJSON_Delete(ex->forbidden);
  cJSON_Delete(ex->source_gone);
  hm_seen_free(&ex->planned_refs);
  hm_seen_free(&ex->flagged);
  hm_seen_free(&ex->records);
  free(ex->report_path);
  free(ex);
  return final;
}
