/* hm_state: the run's memory in SQLite (WAL) — runs, the id map from source
 * record to Gorgias object, the call journal (intent written before a create is
 * sent, answer after), flags and planned totals. Everything resume, delta,
 * verify, rollback and status know comes from here; the map's digest is stamped
 * on every row. The API key is never given to this module. */
#ifndef HM_STATE_H
#define HM_STATE_H
#include <stddef.h>

typedef struct hm_state hm_state;

/* One id map row: a created (or reused) Gorgias object. Strings are owned by
 * the state handle and valid until the next call into it. */
typedef struct hm_idrow {
  const char *ref, *object, *key, *target, *path, *fields, *hash, *map_hash;
  long long gid;        /* Gorgias id (0 for uploads, which have none) */
  long long seq;        /* creation order */
  int deleted, reused;
} hm_idrow;

/* Journal states of one planned call. */
enum { HM_J_NONE = 0, HM_J_INTENT, HM_J_DONE, HM_J_FAILED };

typedef struct hm_jrow {
  const char *call_key, *phase, *method, *path, *ref, *subject_ref, *object, *key,
             *target, *body, *hash, *error;
  long long seq;
  int state;
  long status;
} hm_jrow;

/* create=0 refuses a missing file (verify, rollback, status). 0 or 2. */
int hm_state_open(hm_state **st, const char *path, int create, char *err, size_t errlen);
void hm_state_close(hm_state *st);
/* Take the state's run lock (a file lock on PATH.lock, released by the kernel
 * even on kill -9): two processes driving one migration would both create the
 * same records. 0, or 2 with err naming the holder. */
int hm_state_lock(hm_state *st, const char *path, char *err, size_t errlen);
/* Refuse (2) when earlier rows carry another map digest (the map's, with its
   --set values) unless force. */
int hm_state_check_map(hm_state *st, const char *map_hash, int force, char *err, size_t errlen);
const char *hm_state_get_meta(hm_state *st, const char *key);   /* NULL if unset */
int hm_state_set_meta(hm_state *st, const char *key, const char *value);

long long hm_state_run_begin(hm_state *st, const char *mode, const char *map_hash, const char *target);
void hm_state_run_end(hm_state *st, long long run, const char *status, const char *counts_json);

int hm_state_id_get(hm_state *st, const char *ref, hm_idrow *out);   /* 1 found, 0 not */
int hm_state_journal_get(hm_state *st, const char *call_key, hm_jrow *out);   /* 1 found */

/* Write the intent (commits before returning: it must survive a kill -9). */
int hm_state_intent(hm_state *st, long long run, const hm_jrow *j, const char *map_hash);
/* The answer: journal row done and, when ref is set, the id map row; one
 * transaction so a crash leaves either both or neither. */
int hm_state_done(hm_state *st, const char *call_key, long status, const hm_idrow *id);
int hm_state_failed(hm_state *st, const char *call_key, long status, const char *error);
/* Forget an intent whose request never left (a graceful stop before it was
 * sent, or after a lookup showed it did not land): it is not in doubt. */
int hm_state_unsent(hm_state *st, const char *call_key);
/* Record a new content hash for a ref after a delta update. */
int hm_state_id_rehash(hm_state *st, const char *ref, const char *hash);
int hm_state_mark_deleted(hm_state *st, const char *ref);

int hm_state_flag(hm_state *st, long long run, const char *ref, const char *object, const char *key,
                  const char *severity, const char *message, const char *map_hash);
void hm_state_set_total(hm_state *st, const char *object, long long total);

/* Iterate id map rows (not deleted unless all) in creation order or newest
 * first; fn returns non-zero to stop (that value is returned). */
int hm_state_each_id(hm_state *st, int newest_first, int all,
                     int (*fn)(void *ctx, const hm_idrow *row), void *ctx);
/* Iterate journal rows that are done, in order of seq, for one subject ref
 * (its create, follow-up messages and updates). */
int hm_state_each_call_of(hm_state *st, const char *subject_ref,
                          int (*fn)(void *ctx, const hm_jrow *row), void *ctx);

typedef struct hm_state_count { const char *object; long long total, done, failed, intent, deleted, reused; } hm_state_count;
int hm_state_each_count(hm_state *st, int (*fn)(void *ctx, const hm_state_count *c), void *ctx);
/* Iterate flags of all runs (severity, object, key, message). */
int hm_state_each_flag(hm_state *st, int (*fn)(void *ctx, const char *sev, const char *object,
                                               const char *key, const char *msg), void *ctx);
/* Did a run create the object at path/gid (under any ref)? */
int hm_state_gid_ours(hm_state *st, const char *path, long long gid);
/* Count of intents without an answer (in-doubt creates from a crash). */
long long hm_state_in_doubt(hm_state *st);
/* Seconds since the newest in-doubt intent was written (huge if none). */
double hm_state_in_doubt_age(hm_state *st);

#endif
