/* hm_store: the SQLite state database. WAL with synchronous=FULL so that a
 * committed intent or answer survives kill -9 (and power loss) — the whole
 * exactly-once argument rests on "intent committed before the request leaves,
 * answer committed in one transaction with the id map row". Statements are
 * prepared per call: at two API calls a second, simplicity beats caching. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <sqlite3.h>
#include "hm_arena.h"
#include "rn.h"

struct hm_store {
  sqlite3 *db;
  hm_arena scratch;   /* strings handed out by the get functions */
  int lock_fd;        /* -1 unless hm_store_lock succeeded */
};

/* The seal: STATE.lock holds the holder's pid (line 1, padded to SEAL_OFF
 * bytes) and, at SEAL_OFF, "intents N": how many intents the state had
 * committed when the newest request could leave. It is written (fdatasync)
 * after the intent's commit and before its request, so at any time the
 * state's own count (meta "intents", raised in the intent's transaction) is
 * >= the seal. A state below its seal lost committed rows: its -wal was
 * deleted after a kill -9, or an older copy was put back. */
#define SEAL_OFF 32

static long long read_seal(const char *lock_path) {
  int fd = open(lock_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[48] = "";
  ssize_t n = pread(fd, buf, sizeof buf - 1, SEAL_OFF);
  close(fd);
  long long v = 0;
  buf[n > 0 ? n : 0] = 0;
  return sscanf(buf, "intents %lld", &v) == 1 && v > 0 ? v : 0;
}

static int write_seal(int fd, long long n) {
  char line[40];
  int len = snprintf(line, sizeof line, "intents %020lld\n", n);
  return pwrite(fd, line, (size_t)len, SEAL_OFF) == len && fdatasync(fd) == 0 ? 0 : -1;
}

static const char *SCHEMA =
  "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
  "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started TEXT, finished TEXT,"
  "  mode TEXT, map_hash TEXT, target TEXT, status TEXT, counts TEXT);"
  "CREATE TABLE IF NOT EXISTS idmap(ref TEXT PRIMARY KEY, object TEXT, key TEXT, target TEXT,"
  "  path TEXT, gid INTEGER, fields TEXT, hash TEXT, map_hash TEXT, run_id INTEGER,"
  "  ord INTEGER, created TEXT, deleted INTEGER DEFAULT 0, reused INTEGER DEFAULT 0);"
  "CREATE TABLE IF NOT EXISTS journal(call_key TEXT PRIMARY KEY, run_id INTEGER, seq INTEGER,"
  "  phase TEXT, method TEXT, path TEXT, ref TEXT, subject_ref TEXT, object TEXT, key TEXT,"
  "  target TEXT, body TEXT, hash TEXT, map_hash TEXT, state INTEGER, status INTEGER,"
  "  error TEXT, updated TEXT);"
  "CREATE INDEX IF NOT EXISTS journal_subject ON journal(subject_ref, seq);"
  "CREATE INDEX IF NOT EXISTS journal_record ON journal(object, key);"
  "CREATE TABLE IF NOT EXISTS flags(id INTEGER PRIMARY KEY, run_id INTEGER, ref TEXT,"
  "  object TEXT, key TEXT, severity TEXT, message TEXT, map_hash TEXT,"
  "  UNIQUE(ref, severity, message));"
  "CREATE TABLE IF NOT EXISTS totals(object TEXT PRIMARY KEY, total INTEGER);"
  "CREATE TABLE IF NOT EXISTS record_creates(object TEXT PRIMARY KEY);"
  "CREATE TABLE IF NOT EXISTS target_history(id INTEGER PRIMARY KEY, url TEXT, account TEXT,"
  "  bound TEXT, replaced TEXT, command TEXT);"
  "CREATE TABLE IF NOT EXISTS paused(id INTEGER PRIMARY KEY, kind TEXT, name TEXT, path TEXT,"
  "  member TEXT, before TEXT, sent TEXT, after TEXT, state TEXT, note TEXT, changed TEXT);";

/* Columns later versions added to a table of an older state (additive only:
 * an older hmaprun ignores them). flags.plan_map: NULL for a flag the run
 * raised; for a flag of the map carried by the plan's calls (docs/plan.md
 * "Calls"), the map line that raised it ("" when the plan names none). */
static const char *const UPGRADES[][3] = {
  { "flags", "plan_map", "ALTER TABLE flags ADD COLUMN plan_map TEXT" },
};

static void now_iso(char out[32]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int exec_sql(hm_store *st, const char *sql) {
  return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* SQLite's own check of every page: b-trees, records, and every index entry
 * against its row (a journal key index that lies would make a done call look
 * unknown). About 4.5 s for a 200 MB state of 200,000 calls (docs/run.md). */
static int check_pages(hm_store *st, const char *path, char *err, size_t errlen) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(st->db, "PRAGMA integrity_check(1)", -1, &s, NULL);
  const char *first = NULL;
  if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
    first = (const char *)sqlite3_column_text(s, 0);
  int ok = first && !strcmp(first, "ok");
  if (!ok)
    snprintf(err, errlen,
             "%s is damaged (SQLite integrity check: %s): resuming from it could send creates "
             "it has lost the record of. Put back a copy of it taken while no run was going "
             "(with its -wal), or start over as docs/run.md \"Damaged or incomplete state\" says",
             path, first ? first : sqlite3_errmsg(st->db));
  sqlite3_finalize(s);
  return ok ? 0 : 2;
}

static long long meta_count(hm_store *st, const char *key);

static int has_column(hm_store *st, const char *table, const char *column) {
  char sql[200];
  snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", column, table);
  sqlite3_stmt *s = NULL;
  int ok = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK;
  sqlite3_finalize(s);
  return ok;
}

static int upgrade(hm_store *st) {
  for (size_t i = 0; i < sizeof UPGRADES / sizeof *UPGRADES; i++)
    if (!has_column(st, UPGRADES[i][0], UPGRADES[i][1]) && exec_sql(st, UPGRADES[i][2]))
      return -1;
  return 0;
}

/* The state's count of intents must reach its seal (see SEAL_OFF). */
static int check_seal(hm_store *st, const char *path, long long seal, int accept, char *err,
                      size_t errlen) {
  long long have = meta_count(st, "intents");
  if (have >= seal) return 0;
  if (accept) {
    char n[32];
    snprintf(n, sizeof n, "%lld", seal);
    return hm_store_set_meta(st, "intents", n) ? 2 : 0;
  }
  snprintf(err, errlen,
           "%s has lost %lld recorded call(s): %s.lock vouches for %lld sent through it, the "
           "state holds %lld (its -wal file was deleted after a crash, or an older copy was put "
           "back). Resuming would create again what those calls created. Put back the missing "
           "%s-wal if you still have it; otherwise run again with --recover: every create the "
           "state does not know is then looked up in Gorgias first (see docs/run.md \"Damaged "
           "or incomplete state\")",
           path, seal - have, path, seal, have, path);
  return 2;
}

int hm_store_open(hm_store **out, const char *path, int create, char *err, size_t errlen) {
  *out = NULL;
  char lock_path[4096];
  snprintf(lock_path, sizeof lock_path, "%s.lock", path);
  long long seal = read_seal(lock_path);
  if (seal && access(path, F_OK) && !(create & HM_STORE_ACCEPT_LOST)) {
    snprintf(err, errlen,
             "%s is missing, but %s vouches for %lld call(s) sent through it: a new state would "
             "create again what they created. Put the state back, or run with --recover (every "
             "create looked up in Gorgias first); to really start over, delete %s too",
             path, lock_path, seal, lock_path);
    return 2;
  }
  hm_store *st = calloc(1, sizeof *st);
  if (!st) { snprintf(err, errlen, "out of memory"); return 2; }
  int flags = SQLITE_OPEN_READWRITE | (create & HM_STORE_CREATE ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s: cannot open the state database%s", path,
             create ? "" : " (no run has used it yet?)");
    sqlite3_close(st->db);
    free(st);
    return 2;
  }
  sqlite3_busy_timeout(st->db, 5000);
  hm_arena_init(&st->scratch, 4096);
  st->lock_fd = -1;
  if (exec_sql(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")) {
    snprintf(err, errlen, "%s: not a usable state database: %s", path, sqlite3_errmsg(st->db));
    hm_store_close(st);
    return 2;
  }
  int rc = check_pages(st, path, err, errlen);
  if (!rc && (exec_sql(st, SCHEMA) || upgrade(st))) {
    snprintf(err, errlen, "%s: not a usable state database: %s", path, sqlite3_errmsg(st->db));
    rc = 2;
  }
  if (!rc) rc = check_seal(st, path, seal, create & HM_STORE_ACCEPT_LOST, err, errlen);
  if (rc) { hm_store_close(st); return rc; }
  *out = st;
  return 0;
}

int hm_store_lock(hm_store *st, const char *path, char *err, size_t errlen) {
  char lp[4096];
  snprintf(lp, sizeof lp, "%s.lock", path);
  int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) { snprintf(err, errlen, "%s: cannot create the lock file", lp); return 2; }
  if (flock(fd, LOCK_EX | LOCK_NB)) {
    char pid[32] = "";
    ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
    pid[n > 0 ? n : 0] = 0;
    pid[strcspn(pid, " \n")] = 0;
    snprintf(err, errlen, "%s is in use by another hmaprun (pid %s); two runs on one state would "
             "create the same records twice", path, pid[0] ? pid : "?");
    close(fd);
    return 2;
  }
  char me[SEAL_OFF + 1];
  snprintf(me, sizeof me, "%-*ld\n", SEAL_OFF - 1, (long)getpid());   /* the seal after it stays */
  if (pwrite(fd, me, SEAL_OFF, 0) < 0) { /* the pid is only informative */ }
  st->lock_fd = fd;
  return 0;
}

int hm_store_open_locked(hm_store **out, const char *path, char *err, size_t errlen) {
  if (hm_store_open(out, path, 0, err, errlen)) return 2;
  if (!hm_store_lock(*out, path, err, errlen)) return 0;
  hm_store_close(*out);
  *out = NULL;
  return 2;
}

void hm_store_close(hm_store *st) {
  if (!st) return;
  if (st->lock_fd >= 0) close(st->lock_fd);   /* releases the flock */
  sqlite3_close(st->db);
  hm_arena_free(&st->scratch);
  free(st);
}

static sqlite3_stmt *prep(hm_store *st, const char *sql) {
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
    fprintf(stderr, "hmaprun: state database: %s\n", sqlite3_errmsg(st->db));
    return NULL;
  }
  return s;
}

static void bind_texts(sqlite3_stmt *s, int from, int n, const char *const *v) {
  for (int i = 0; i < n; i++)
    sqlite3_bind_text(s, from + i, v[i], -1, SQLITE_TRANSIENT);
}

static int step_done(sqlite3_stmt *s) {
  int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static const char *dup_col(hm_store *st, sqlite3_stmt *s, int i) {
  const unsigned char *t = sqlite3_column_text(s, i);
  return t ? hm_arena_strdup(&st->scratch, (const char *)t) : NULL;
}

static const char *col(sqlite3_stmt *s, int i) { return (const char *)sqlite3_column_text(s, i); }

const char *hm_store_get_meta(hm_store *st, const char *key) {
  hm_arena_reset(&st->scratch);
  sqlite3_stmt *s = prep(st, "SELECT value FROM meta WHERE key=?");
  if (!s) return NULL;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
  const char *v = sqlite3_step(s) == SQLITE_ROW ? dup_col(st, s, 0) : NULL;
  sqlite3_finalize(s);
  return v;
}

int hm_store_set_meta(hm_store *st, const char *key, const char *value) {
  sqlite3_stmt *s = prep(st, "INSERT INTO meta(key,value) VALUES(?,?) "
                             "ON CONFLICT(key) DO UPDATE SET value=excluded.value");
  if (!s) return -1;
  const char *v[] = { key, value };
  bind_texts(s, 1, 2, v);
  return step_done(s);
}

int hm_store_check_map(hm_store *st, const char *map_hash, int force, char *err, size_t errlen) {
  const char *old = hm_store_get_meta(st, "map_hash");
  if (old && strcmp(old, map_hash)) {
    if (!force) {
      snprintf(err, errlen,
               "the state database was written by another map or other --set values "
               "(%.16s…, now %.16s…); resuming would mix two mappings. Use --force-map-change to "
               "continue anyway",
               old, map_hash);
      return 2;
    }
  }
  return hm_store_set_meta(st, "map_hash", map_hash) ? 2 : 0;
}

long long hm_store_run_begin(hm_store *st, const char *mode, const char *map_hash,
                             const char *target) {
  char t[32];
  now_iso(t);
  sqlite3_stmt *s =
      prep(st, "INSERT INTO runs(started,mode,map_hash,target,status) VALUES(?,?,?,?,'running')");
  if (!s) return 0;
  const char *v[] = { t, mode, map_hash, target };
  bind_texts(s, 1, 4, v);
  if (step_done(s)) return 0;
  return sqlite3_last_insert_rowid(st->db);
}

void hm_store_run_end(hm_store *st, long long run, const char *status, const char *counts_json) {
  char t[32];
  now_iso(t);
  sqlite3_stmt *s = prep(st, "UPDATE runs SET finished=?, status=?, counts=? WHERE id=?");
  if (!s) return;
  const char *v[] = { t, status, counts_json };
  bind_texts(s, 1, 3, v);
  sqlite3_bind_int64(s, 4, run);
  step_done(s);
}

#define ID_COLS "ref,object,key,target,path,gid,fields,hash,map_hash,ord,deleted,reused"

static void id_from(sqlite3_stmt *s, hm_idrow *r, const char *(*get)(sqlite3_stmt *, int, void *),
                    void *ud) {
  r->ref = get(s, 0, ud); r->object = get(s, 1, ud); r->key = get(s, 2, ud);
  r->target = get(s, 3, ud); r->path = get(s, 4, ud); r->gid = sqlite3_column_int64(s, 5);
  r->fields = get(s, 6, ud); r->hash = get(s, 7, ud); r->map_hash = get(s, 8, ud);
  r->seq = sqlite3_column_int64(s, 9); r->deleted = sqlite3_column_int(s, 10);
  r->reused = sqlite3_column_int(s, 11);
}

static const char *get_dup(sqlite3_stmt *s, int i, void *ud) { return dup_col(ud, s, i); }
static const char *get_raw(sqlite3_stmt *s, int i, void *ud) { (void)ud; return col(s, i); }

/* One row by its text key, copied into the scratch arena by fill. */
static int get_row(hm_store *st, const char *sql, const char *key,
                   void (*fill)(sqlite3_stmt *, void *, hm_store *), void *out) {
  hm_arena_reset(&st->scratch);
  sqlite3_stmt *s = prep(st, sql);
  if (!s) return 0;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_TRANSIENT);
  int found = sqlite3_step(s) == SQLITE_ROW;
  if (found) fill(s, out, st);
  sqlite3_finalize(s);
  return found;
}

static void fill_id(sqlite3_stmt *s, void *out, hm_store *st) { id_from(s, out, get_dup, st); }

int hm_store_id_get(hm_store *st, const char *ref, hm_idrow *out) {
  memset(out, 0, sizeof *out);
  return get_row(st, "SELECT " ID_COLS " FROM idmap WHERE ref=?", ref, fill_id, out);
}

#define J_COLS                                                                                     \
  "call_key,phase,method,path,ref,subject_ref,object,key,target,body,hash,error,seq,state,status"

static void j_from(sqlite3_stmt *s, hm_jrow *j, const char *(*get)(sqlite3_stmt *, int, void *),
                   void *ud) {
  j->call_key = get(s, 0, ud); j->phase = get(s, 1, ud); j->method = get(s, 2, ud);
  j->path = get(s, 3, ud); j->ref = get(s, 4, ud); j->subject_ref = get(s, 5, ud);
  j->object = get(s, 6, ud); j->key = get(s, 7, ud); j->target = get(s, 8, ud);
  j->body = get(s, 9, ud); j->hash = get(s, 10, ud); j->error = get(s, 11, ud);
  j->seq = sqlite3_column_int64(s, 12); j->state = sqlite3_column_int(s, 13);
  j->status = (long)sqlite3_column_int64(s, 14);
}

static void fill_j(sqlite3_stmt *s, void *out, hm_store *st) { j_from(s, out, get_dup, st); }

int hm_store_journal_get(hm_store *st, const char *call_key, hm_jrow *out) {
  memset(out, 0, sizeof *out);
  return get_row(st, "SELECT " J_COLS " FROM journal WHERE call_key=?", call_key, fill_j, out);
}

static int put_intent(hm_store *st, long long run, const hm_jrow *j, const char *map_hash) {
  sqlite3_stmt *s = prep(st,
    "INSERT INTO journal(call_key,run_id,seq,phase,method,path,ref,subject_ref,object,key,target,"
    " body,hash,map_hash,state,status,error,updated) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,0,NULL,"
    " strftime('%Y-%m-%dT%H:%M:%fZ','now')) /* ?15 unused */"
    " ON CONFLICT(call_key) DO UPDATE SET run_id=excluded.run_id, seq=excluded.seq,"
    " method=excluded.method, path=excluded.path, body=excluded.body, hash=excluded.hash,"
    " map_hash=excluded.map_hash, state=1, status=0, error=NULL, updated=excluded.updated");
  if (!s) return -1;
  sqlite3_bind_text(s, 1, j->call_key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, run);
  sqlite3_bind_int64(s, 3, j->seq);
  const char *v[] = { j->phase, j->method, j->path, j->ref, j->subject_ref, j->object, j->key,
                      j->target, j->body, j->hash, map_hash };
  bind_texts(s, 4, 11, v);
  return step_done(s);
}

/* A meta value as a number, without touching the scratch arena (the
 * caller's strings from an earlier get stay valid). */
static long long meta_count(hm_store *st, const char *key) {
  sqlite3_stmt *s = prep(st, "SELECT CAST(value AS INTEGER) FROM meta WHERE key=?");
  if (!s) return 0;
  sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
  long long v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_finalize(s);
  return v;
}

/* The intent and the raised count commit together; the seal follows before
 * the caller may send (see SEAL_OFF). */
int hm_store_intent(hm_store *st, long long run, const hm_jrow *j, const char *map_hash) {
  if (exec_sql(st, "BEGIN IMMEDIATE")) return -1;
  int rc = put_intent(st, run, j, map_hash);
  if (!rc)
    rc = exec_sql(st,
                  "INSERT INTO meta(key,value) VALUES('intents','1') ON CONFLICT(key) DO UPDATE"
                  " SET value=CAST(CAST(value AS INTEGER)+1 AS TEXT)");
  if (exec_sql(st, rc ? "ROLLBACK" : "COMMIT")) rc = -1;
  if (rc || st->lock_fd < 0) return rc;
  return write_seal(st->lock_fd, meta_count(st, "intents"));
}

static int put_id(hm_store *st, const hm_idrow *id) {
  char t[32];
  now_iso(t);
  sqlite3_stmt *s = prep(
      st,
      "INSERT INTO "
      "idmap(ref,object,key,target,path,gid,fields,hash,map_hash,run_id,ord,created,deleted,reused)"
      " VALUES(?,?,?,?,?,?,?,?,?,(SELECT MAX(id) FROM runs),(SELECT IFNULL(MAX(ord),0)+1 FROM "
      "idmap),?,0,?)"
      " ON CONFLICT(ref) DO UPDATE SET gid=excluded.gid, fields=excluded.fields, "
      "hash=excluded.hash,"
      " map_hash=excluded.map_hash, path=excluded.path, deleted=0, reused=excluded.reused,"
      " run_id=excluded.run_id,"
      " ord=excluded.ord");
  if (!s) return -1;
  const char *v[] = { id->ref, id->object, id->key, id->target, id->path };
  bind_texts(s, 1, 5, v);
  sqlite3_bind_int64(s, 6, id->gid);
  const char *w[] = { id->fields, id->hash, id->map_hash, t };
  bind_texts(s, 7, 4, w);
  sqlite3_bind_int(s, 11, id->reused);
  return step_done(s);
}

static int set_state(hm_store *st, const char *call_key, int state, long status,
                     const char *error) {
  char t[32];
  now_iso(t);
  sqlite3_stmt *s =
      prep(st, "UPDATE journal SET state=?, status=?, error=?, updated=? WHERE call_key=?");
  if (!s) return -1;
  sqlite3_bind_int(s, 1, state);
  sqlite3_bind_int64(s, 2, status);
  const char *v[] = { error, t, call_key };
  bind_texts(s, 3, 3, v);
  return step_done(s);
}

int hm_store_done(hm_store *st, const char *call_key, long status, const hm_idrow *id) {
  if (exec_sql(st, "BEGIN IMMEDIATE")) return -1;
  int rc = set_state(st, call_key, HM_J_DONE, status, NULL);
  if (!rc && id && id->ref) rc = put_id(st, id);
  if (exec_sql(st, rc ? "ROLLBACK" : "COMMIT")) rc = -1;
  return rc;
}

int hm_store_failed(hm_store *st, const char *call_key, long status, const char *error) {
  return set_state(st, call_key, HM_J_FAILED, status, error);
}

int hm_store_unsent(hm_store *st, const char *call_key) {
  sqlite3_stmt *s = prep(st, "DELETE FROM journal WHERE call_key=? AND state=1");
  if (!s) return -1;
  sqlite3_bind_text(s, 1, call_key, -1, SQLITE_TRANSIENT);
  return step_done(s);
}

int hm_store_id_rehash(hm_store *st, const char *ref, const char *hash) {
  sqlite3_stmt *s = prep(st, "UPDATE idmap SET hash=? WHERE ref=?");
  if (!s) return -1;
  const char *v[] = { hash, ref };
  bind_texts(s, 1, 2, v);
  return step_done(s);
}

int hm_store_mark_deleted(hm_store *st, const char *ref) {
  /* The calls that built the object are forgotten with it, so a later run
   * creates it again from scratch (messages and updates included). */
  if (exec_sql(st, "BEGIN IMMEDIATE")) return -1;
  int rc = -1;
  sqlite3_stmt *s = prep(st, "UPDATE idmap SET deleted=1 WHERE ref=?");
  if (s) {
    sqlite3_bind_text(s, 1, ref, -1, SQLITE_TRANSIENT);
    rc = step_done(s);
  }
  s = rc ? NULL : prep(st, "UPDATE journal SET state=0 WHERE subject_ref=?1 OR ref=?1");
  if (s) {
    sqlite3_bind_text(s, 1, ref, -1, SQLITE_TRANSIENT);
    rc = step_done(s);
  }
  if (exec_sql(st, rc ? "ROLLBACK" : "COMMIT")) rc = -1;
  return rc;
}

int hm_store_flag(hm_store *st, long long run, const char *ref, const char *object, const char *key,
                  const char *severity, const char *message, const char *map_hash) {
  sqlite3_stmt *s =
      prep(st, "INSERT INTO flags(run_id,ref,object,key,severity,message,map_hash)"
               " VALUES(?,?,?,?,?,?,?) ON CONFLICT(ref,severity,message)"
               " DO UPDATE SET run_id=excluded.run_id");
  if (!s) return -1;
  sqlite3_bind_int64(s, 1, run);
  const char *v[] = { ref, object, key, severity, message, map_hash };
  bind_texts(s, 2, 6, v);
  return step_done(s);
}

int hm_store_plan_flags(hm_store *st, long long run, const char *ref, const char *object,
                        const char *key, const hm_plan_flag *flags, size_t n,
                        const char *map_hash) {
  if (!n) {   /* the common case, on every call a run makes or skips: no write, no sync */
    sqlite3_stmt *q = prep(st, "SELECT 1 FROM flags WHERE ref=? AND plan_map IS NOT NULL");
    if (!q) return -1;
    sqlite3_bind_text(q, 1, ref, -1, SQLITE_TRANSIENT);
    int any = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    if (!any) return 0;
  }
  if (exec_sql(st, "BEGIN IMMEDIATE")) return -1;
  sqlite3_stmt *s = prep(st, "DELETE FROM flags WHERE ref=? AND plan_map IS NOT NULL");
  int rc = s ? 0 : -1;
  if (s) { sqlite3_bind_text(s, 1, ref, -1, SQLITE_TRANSIENT); rc = step_done(s); }
  for (size_t i = 0; !rc && i < n; i++) {
    s = prep(st, "INSERT INTO flags(run_id,ref,object,key,severity,message,map_hash,plan_map)"
                 " VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(ref,severity,message)"
                 " DO UPDATE SET run_id=excluded.run_id, plan_map=excluded.plan_map");
    if (!s) { rc = -1; break; }
    sqlite3_bind_int64(s, 1, run);
    const char *v[] = { ref, object, key, flags[i].severity, flags[i].message, map_hash,
                        flags[i].map ? flags[i].map : "" };
    bind_texts(s, 2, 7, v);
    rc = step_done(s);
  }
  if (exec_sql(st, rc ? "ROLLBACK" : "COMMIT")) rc = -1;
  return rc;
}

void hm_store_flags_clear_before(hm_store *st, const char *ref, long long run) {
  sqlite3_stmt *s =
      prep(st, "DELETE FROM flags WHERE ref=? AND run_id<? AND plan_map IS NULL");
  if (!s) return;
  sqlite3_bind_text(s, 1, ref, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, run);
  step_done(s);
}

void hm_store_run_counts(hm_store *st, long long run, const char *counts_json) {
  sqlite3_stmt *s = prep(st, "UPDATE runs SET counts=? WHERE id=?");
  if (!s) return;
  sqlite3_bind_text(s, 1, counts_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, run);
  step_done(s);
}

void hm_store_set_creates(hm_store *st, const char *object) {
  sqlite3_stmt *s = prep(st, "INSERT OR IGNORE INTO record_creates(object) VALUES(?)");
  if (!s) return;
  sqlite3_bind_text(s, 1, object, -1, SQLITE_TRANSIENT);
  step_done(s);
}

void hm_store_set_total(hm_store *st, const char *object, long long total) {
  sqlite3_stmt *s = prep(st, "INSERT INTO totals(object,total) VALUES(?,?)"
                             " ON CONFLICT(object) DO UPDATE SET total=excluded.total");
  if (!s) return;
  sqlite3_bind_text(s, 1, object, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, total);
  step_done(s);
}

int hm_store_each_id(hm_store *st, int newest_first, int all,
                     int (*fn)(void *ctx, const hm_idrow *row), void *ctx) {
  sqlite3_stmt *s = prep(st, newest_first
    ? "SELECT " ID_COLS " FROM idmap WHERE ?1 OR deleted=0 ORDER BY ord DESC"
    : "SELECT " ID_COLS " FROM idmap WHERE ?1 OR deleted=0 ORDER BY ord");
  if (!s) return -1;
  sqlite3_bind_int(s, 1, all);
  int rc = 0;
  while (!rc && sqlite3_step(s) == SQLITE_ROW) {
    hm_idrow r;
    id_from(s, &r, get_raw, NULL);
    rc = fn(ctx, &r);
  }
  sqlite3_finalize(s);
  return rc;
}

int hm_store_each_call_of(hm_store *st, const char *subject_ref,
                          int (*fn)(void *ctx, const hm_jrow *row), void *ctx) {
  sqlite3_stmt *s =
      prep(st, "SELECT " J_COLS " FROM journal WHERE subject_ref=? AND state=2 ORDER BY seq");
  if (!s) return -1;
  sqlite3_bind_text(s, 1, subject_ref, -1, SQLITE_TRANSIENT);
  int rc = 0;
  while (!rc && sqlite3_step(s) == SQLITE_ROW) {
    hm_jrow j;
    j_from(s, &j, get_raw, NULL);
    rc = fn(ctx, &j);
  }
  sqlite3_finalize(s);
  return rc;
}

/* The ledger's one definition of each count (docs/run.md, "Counts"). A
 * record is a source record with a create or upload call; its main call is
 * its create (else its upload), and the outcome of that call is the record's.
 * Gorgias refusing it (4xx other than 408/429), or an upload the run would
 * not send (recorded as skipped so that attachments drop it), is "rejected";
 * anything else that ended it without an object is "failed". Its other
 * calls (messages, updates, a ticket's uploads) that failed are follow-ups.
 * "updated" is summed over the runs' own counts (a --delta update rewrites
 * the create's row, so the journal cannot tell it apart). */
#define ROWS "rows AS (SELECT j.object o, IFNULL(j.key, j.ref) k, j.phase ph, j.seq sq," \
  " j.state s, j.status st, IFNULL(i.reused,0) ru, IFNULL(i.deleted,0) dl," \
  " IFNULL(i.run_id, j.run_id) rid," \
  " CASE WHEN json_valid(i.fields) THEN IFNULL(json_extract(i.fields,'$.skipped'),0)" \
  " ELSE 0 END sk FROM journal j LEFT JOIN idmap i ON i.ref=j.ref" \
  " WHERE j.phase IN ('create','upload'))"
/* rn 1: the record's main call (its create first; an upload never, when the
 * plan said its object's records are creates); rn > 1: its other uploads.
 * Ranked over every run, so that one run's counts (?1) see the same records. */
#define RANKED "ranked AS (SELECT *, CASE WHEN ph = 'upload' AND o IN" \
  " (SELECT object FROM record_creates) THEN 2 ELSE ROW_NUMBER() OVER (PARTITION BY o, k" \
  " ORDER BY ph <> 'create', sq) END rn FROM rows)"
#define REFUSED "((s=3 AND st BETWEEN 400 AND 499 AND st NOT IN (408,429)) OR (s=2 AND sk=1))"
#define AGG "agg AS (SELECT o, SUM(rn=1 AND s=2 AND ru=0 AND sk=0) cr," \
  " SUM(rn=1 AND s=3 AND NOT " REFUSED ") fa, SUM(rn=1 AND s=1) dbt, SUM(rn=1 AND dl=1) rb," \
  " SUM(rn=1 AND s=2 AND ru=1) reu, SUM(rn=1 AND " REFUSED ") rej," \
  " SUM(rn>1 AND (s=3 OR sk=1)) fx FROM ranked WHERE ?1 = 0 OR rid = ?1 GROUP BY o)"
int hm_store_each_count(hm_store *st, long long run,
                        int (*fn)(void *ctx, const hm_store_count *c), void *ctx) {
  sqlite3_stmt *s = prep(
      st, "WITH objs AS (SELECT object FROM totals UNION SELECT object FROM journal"
          "  WHERE phase IN ('create','upload') AND object IS NOT NULL), " ROWS ", " RANKED
          ", " AGG
          " SELECT b.object, IFNULL((SELECT total FROM totals t WHERE t.object=b.object),-1),"
          "  IFNULL(a.cr,0), IFNULL(a.fa,0), IFNULL(a.dbt,0), IFNULL(a.rb,0), IFNULL(a.reu,0),"
          "  IFNULL(a.rej,0),"
          "  (SELECT COUNT(DISTINCT IFNULL(f.key, f.ref)) FROM flags f WHERE f.object=b.object),"
          "  (SELECT IFNULL(SUM(json_extract(r.counts, '$.\"' || b.object || '\".updated')),0)"
          "    FROM runs r WHERE json_valid(r.counts)),"
          "  (SELECT COUNT(*) FROM journal j WHERE j.object=b.object AND j.state=3"
          "    AND j.phase NOT IN ('create','upload')) + IFNULL(a.fx,0)"
          " FROM objs b LEFT JOIN agg a ON a.o=b.object ORDER BY b.object");
  if (!s) return -1;
  sqlite3_bind_int64(s, 1, run);
  int rc = 0;
  while (!rc && sqlite3_step(s) == SQLITE_ROW) {
    hm_store_count c = { col(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2),
                         sqlite3_column_int64(s, 3), sqlite3_column_int64(s, 4),
                         sqlite3_column_int64(s, 5), sqlite3_column_int64(s, 6),
                         sqlite3_column_int64(s, 7), sqlite3_column_int64(s, 8),
                         sqlite3_column_int64(s, 9), sqlite3_column_int64(s, 10) };
    rc = fn(ctx, &c);
  }
  sqlite3_finalize(s);
  return rc;
}

int hm_store_each_flag(hm_store *st, int (*fn)(void *ctx, const char *sev, const char *object,
                                               const char *key, const char *msg), void *ctx) {
  sqlite3_stmt *s = prep(st, "SELECT severity, object, key, message FROM flags ORDER BY id");
  if (!s) return -1;
  int rc = 0;
  while (!rc && sqlite3_step(s) == SQLITE_ROW)
    rc = fn(ctx, col(s, 0), col(s, 1), col(s, 2), col(s, 3));
  sqlite3_finalize(s);
  return rc;
}

int hm_store_each_failure(hm_store *st, int (*fn)(void *ctx, const char *object, long status,
                                                  const char *error, long long n), void *ctx) {
  sqlite3_stmt *s = prep(st, "SELECT object, status, error, COUNT(*) FROM journal WHERE state=3"
                             " GROUP BY object, status, error ORDER BY 4 DESC, 1, 2, 3");
  if (!s) return -1;
  int rc = 0;
  while (!rc && sqlite3_step(s) == SQLITE_ROW)
    rc = fn(ctx, col(s, 0), (long)sqlite3_column_int64(s, 1), col(s, 2),
            sqlite3_column_int64(s, 3));
  sqlite3_finalize(s);
  return rc;
}

long long hm_store_in_doubt(hm_store *st) {
  sqlite3_stmt *s = prep(st, "SELECT COUNT(*) FROM journal WHERE state=1");
  if (!s) return 0;
  long long n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_finalize(s);
  return n;
}

double hm_store_in_doubt_age(hm_store *st) {
  sqlite3_stmt *s = prep(st, "SELECT (julianday('now') - julianday(MAX(updated))) * 86400.0"
                             " FROM journal WHERE state=1");
  if (!s) return 1e9;
  double age = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL
             ? sqlite3_column_double(s, 0) : 1e9;
  sqlite3_finalize(s);
  return age;
}

int hm_store_gid_ours(hm_store *st, const char *path, long long gid) {
  sqlite3_stmt *s =
      prep(st, "SELECT 1 FROM idmap WHERE path=? AND gid=? AND deleted=0 AND reused=0 LIMIT 1");
  if (!s) return 0;
  sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, gid);
  int found = sqlite3_step(s) == SQLITE_ROW;
  sqlite3_finalize(s);
  return found;
}

const char *hm_store_last_run_target(hm_store *st) {
  hm_arena_reset(&st->scratch);
  sqlite3_stmt *s =
      prep(st, "SELECT target FROM runs WHERE target IS NOT NULL ORDER BY id DESC LIMIT 1");
  if (!s) return NULL;
  const char *v = sqlite3_step(s) == SQLITE_ROW ? dup_col(st, s, 0) : NULL;
  sqlite3_finalize(s);
  return v;
}

/* The binding lives in meta (target_url, target_account, target_bound); the
 * one it replaces moves to target_history in the same transaction. */
int hm_store_target_set(hm_store *st, const char *url, const char *account, const char *command,
                        int archive) {
  char t[32];
  now_iso(t);
  if (exec_sql(st, "BEGIN IMMEDIATE")) return -1;
  int rc = 0;
  if (archive) {
    sqlite3_stmt *s = prep(st,
        "INSERT INTO target_history(url,account,bound,replaced,command) SELECT"
        " (SELECT value FROM meta WHERE key='target_url'),"
        " (SELECT value FROM meta WHERE key='target_account'),"
        " (SELECT value FROM meta WHERE key='target_bound'), ?, ?");
    const char *v[] = { t, command };
    if (s) bind_texts(s, 1, 2, v);
    rc = s ? step_done(s) : -1;
  }
  if (!rc) rc = hm_store_set_meta(st, "target_url", url);
  if (!rc) rc = hm_store_set_meta(st, "target_account", account);
  if (!rc) rc = hm_store_set_meta(st, "target_bound", t);
  if (exec_sql(st, rc ? "ROLLBACK" : "COMMIT")) rc = -1;
  return rc;
}

int hm_store_each_target_history(hm_store *st, int (*fn)(void *ctx, const char *const *row),
                                 void *ctx) {
  sqlite3_stmt *s =
      prep(st, "SELECT url, account, bound, replaced, command FROM target_history ORDER BY id");
  if (!s) return -1;
  int rc = 0;
  while (!rc && sqlite3_step(s) == SQLITE_ROW) {
    const char *row[5];
    for (int i = 0; i < 5; i++) row[i] = col(s, i) ? col(s, i) : "";
    rc = fn(ctx, row);
  }
  sqlite3_finalize(s);
  return rc;
}

int hm_store_recovering(hm_store *st, int asked) {
  if (asked) hm_store_set_meta(st, "recover", "1");
  return meta_count(st, "recover") == 1;
}

void hm_store_recovered(hm_store *st) { hm_store_set_meta(st, "recover", "0"); }

/* ---- automation the run paused (rn_pause.c) ---- */

long long hm_store_pause_intent(hm_store *st, const hm_pause_row *r) {
  char now[32];
  now_iso(now);
  sqlite3_stmt *s = prep(st, "INSERT INTO paused(kind,name,path,member,before,sent,state,changed)"
                             " VALUES(?,?,?,?,?,?,'intent',?)");
  if (!s) return -1;
  const char *v[] = { r->kind, r->name, r->path, r->member, r->before, r->sent, now };
  bind_texts(s, 1, 7, v);
  return step_done(s) ? -1 : sqlite3_last_insert_rowid(st->db);
}

int hm_store_pause_set(hm_store *st, long long id, const char *state, const char *after,
                       const char *note) {
  char now[32];
  now_iso(now);
  sqlite3_stmt *s = prep(st, "UPDATE paused SET state=?, after=coalesce(?, after), note=?,"
                             " changed=? WHERE id=?");
  if (!s) return -1;
  const char *v[] = { state, after, note, now };
  bind_texts(s, 1, 4, v);
  sqlite3_bind_int64(s, 5, id);
  return step_done(s);
}

int hm_store_pause_each(hm_store *st, int open_only,
                        int (*fn)(void *ctx, const hm_pause_row *r), void *ctx) {
  sqlite3_stmt *s = prep(st, "SELECT id,kind,name,path,member,before,sent,after,state,note"
                             " FROM paused WHERE NOT ?1 OR state IN ('intent','paused')"
                             " ORDER BY id");
  if (!s) return -1;
  sqlite3_bind_int(s, 1, open_only);
  int rc = 0;
  while (!rc && sqlite3_step(s) == SQLITE_ROW) {
    const char *c[9];
    for (int i = 0; i < 9; i++) c[i] = (const char *)sqlite3_column_text(s, i + 1);
    hm_pause_row r = { sqlite3_column_int64(s, 0), c[0], c[1], c[2], c[3], c[4], c[5], c[6],
                       c[7], c[8] };
    rc = fn(ctx, &r);
  }
  sqlite3_finalize(s);
  return rc;
}
