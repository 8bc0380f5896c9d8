/* rn: what the run layer's files share and nobody else sees (internal to
 * runtime/run/; hm_run.h is its interface). Sections name the file that exports
 * each group. */
#ifndef HM_RN_H
#define HM_RN_H
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hm_buf.h"
#include "hm_hash.h"
#include "hm_gorgias.h"
#include "hm_run.h"

/* ==== rn_http.c, rn_ratelimit.c, rn_creds.c ====
 * hm_http: the one connection to Gorgias — a libcurl easy handle kept alive
 * across calls, Basic auth, TLS verification on, connect/transfer timeouts, the
 * rate limiter and the retry policy. Callers get a status and a parsed JSON body
 * and never see credentials, sleeps or retries. Pure pacing arithmetic lives in
 * rn_ratelimit.c (declared here so it can be unit-tested without a network). */
/* ---- credentials (rn_creds.c) ---- */
typedef struct hm_creds { char email[330]; char key[512]; } hm_creds;
/* From file (lines KEY=value: GORGIAS_EMAIL, GORGIAS_API_KEY; '#' comments) when
 * path is non-NULL, else from the environment. 0 or 2 with a reason in err. */
int hm_creds_load(hm_creds *c, const char *path, char *err, size_t errlen);
/* Any pair (Gorgias, iTop): the names a credentials file may give each half
 * (NULL-ended; the first is also the environment variable read without a
 * file) and the message when the environment lacks them. */
typedef struct hm_creds_source {
  const char *const *user, *const *secret;
  const char *missing;
} hm_creds_source;
extern const hm_creds_source HM_CREDS_GORGIAS;
int hm_creds_read(hm_creds *c, const hm_creds_source *s, const char *path, char *err,
                  size_t errlen);
/* Replace every occurrence of the e-mail or key in s (NUL-terminated, in place)
 * by "***", so no error text can leak them. */
void hm_creds_scrub(const hm_creds *c, char *s);
void hm_creds_wipe(hm_creds *c);

/* ==== rn_secret.c ====
 * hm_secret: the key's encodings scrubbed from what is printed or stored, the
 * masked long-lived copy, the Authorization header in a wiped buffer, a
 * libcurl allocator that wipes what it frees, core dumps off. */
void hm_secret_wipe(void *p, size_t n);
/* RLIMIT_CORE 0 and not dumpable (no core image, no ptrace by other users). */
int hm_secret_no_core(void);
/* Replace in s[0..n) every occurrence of the key, raw, base64 of "email:key"
 * (the Basic header) and of the key alone (standard and url alphabets,
 * unpadded, so padded forms are covered), URL-encoded (either hex case) and
 * JSON-escaped, by "***"; forms shorter than min (and than 3) are left.
 * Returns the new length (never longer). */
size_t hm_secret_scrub_mem(const hm_creds *c, char *s, size_t n, size_t min);
/* The same on every string and member name of a parsed JSON tree (covers any
 * JSON escape a server used). */
void hm_secret_scrub_json(const hm_creds *c, cJSON *json, size_t min);
/* Shortest form scrubbed from answers: a shorter key (a test key such as
 * "sandbox") would match ordinary content (a download URL); error texts and
 * logs are scrubbed of forms down to 3 characters. */
#define HM_SECRET_ANSWER_MIN 16
/* A random pad of n bytes; hm_secret_mask XORs credentials with it (apply
 * twice to get them back), so no plain copy is kept between requests. */
void hm_secret_pad(unsigned char *pad, size_t n);
void hm_secret_mask(hm_creds *c, const unsigned char *pad);
/* "Authorization: Basic base64(email:key)" into out; its length, 0 if cap is
 * too small. The caller wipes out after the transfer. */
size_t hm_secret_auth_header(const hm_creds *c, char *out, size_t cap);
/* curl_global_init with an allocator that wipes every block libcurl frees
 * (the request headers it builds hold the Basic credentials). 0 or -1. */
int hm_secret_curl_init(long flags);

/* ---- rate limiter and backoff (rn_ratelimit.c) ---- */
typedef struct hm_rl {
  double limit;        /* bucket size (40 API key, 80 OAuth) */
  double window;       /* seconds to drain a full bucket (20; scaled in rehearsals) */
  double level;        /* estimated requests in the bucket at time t */
  double t;            /* monotonic seconds of the estimate */
  double headroom;     /* slots left free for other integrations */
  double backoff_base, backoff_cap;  /* seconds */
  uint64_t rng;        /* xorshift state for jitter */
} hm_rl;
void hm_rl_init(hm_rl *rl, double window, double headroom, uint64_t seed);
/* Seconds to wait before sending one request at time now (0 = go). */
double hm_rl_wait(const hm_rl *rl, double now);
/* Count one request sent at now. */
void hm_rl_sent(hm_rl *rl, double now);
/* Adopt the server's "used/limit" header value seen at now (ignored if malformed). */
void hm_rl_observe(hm_rl *rl, const char *header, double now);
/* Retry-after header -> seconds (capped to 60; -1 if absent or malformed). */
double hm_rl_retry_after(const char *header);
/* Delay before retry number attempt (0-based): capped exponential with jitter. */
double hm_rl_backoff(hm_rl *rl, int attempt);
double hm_now(void);   /* monotonic seconds */

/* ---- client ---- */
typedef struct hm_http_resp {
  long status;         /* HTTP status; 0 = transport failure after all retries */
  cJSON *json;         /* parsed body or NULL (empty or not JSON) */
  hm_buf body;         /* raw body */
  char err[512];       /* scrubbed reason when status is 0 or >= 400 */
  int timed_out;       /* no answer within the transfer timeout: may still be in flight */
  int not_sent;        /* stopped (SIGINT/SIGTERM) before the request left, or throttled
                          (429, not processed): nothing happened on the server */
  int oversized;       /* the answer was over max_answer_bytes: aborted, not read (status 0,
                          body empty); a request that changes something may have landed */
} hm_http_resp;
void hm_http_resp_free(hm_http_resp *r);

typedef struct hm_http_stats {
  long requests, retries, throttled, server_errors, transport_errors;
  double first_t, last_t;  /* monotonic times of first and last request */
} hm_http_stats;

typedef struct hm_http hm_http;
typedef struct hm_http_opts {
  double time_scale; /* 1 = real Gorgias timing; X = windows divided by X (hmap-sandbox --time-scale
                        X) */
  long connect_timeout_s, timeout_s;
  int max_attempts;        /* per call, default 8 */
  int log_json;            /* one JSON line per request on stderr */
  long max_answer_bytes;   /* largest answer read (default HM_HTTP_MAX_ANSWER_DEFAULT) */
  const volatile sig_atomic_t *stop;   /* set by the signal handler: abort soon */
} hm_http_opts;

#define HM_HTTP_MAX_ANSWER_DEFAULT (8L << 20)
hm_http *hm_http_open(const char *base_url, const hm_creds *c, const hm_http_opts *o,
                      char *err, size_t errlen);
void hm_http_close(hm_http *h);
/* The Help Center's own base URL (rn_http.c): Help Center calls go there with
 * a Bearer token from the account's token exchange, renewed before it expires
 * and once on a 401. NULL, "" or the target itself: the target serves the Help
 * Center with the account's credentials. hm_http_open sets the profile's
 * default for the target (hm_gorgias_help_center_default). */
void hm_http_set_help_center(hm_http *h, const char *url);
/* The account's `settings` from its GET answer, kept for the preflight (one
   read of the account per run); NULL until kept (a JSON null: none listed). */
void hm_http_keep_account(hm_http *h, const cJSON *account);
const cJSON *hm_http_account_settings(const hm_http *h);
const cJSON *hm_http_account_user(const hm_http *h);   /* current_user, the same way */
const char *hm_http_help_center(const hm_http *h);   /* NULL: the target */
/* The preflight's token exchange (nothing to do without a Help Center host):
 * 0, or -1 with the reason in err. */
int hm_http_help_center_token(hm_http *h, char *err, size_t errlen);
/* method: GET POST PUT DELETE; path starts with '/'; body may be NULL.
 * Retries 429 (Retry-after), 5xx, timeouts and dropped connections unless
 * idempotent is 0 and the failure may have reached the server: then it returns
 * at once (status 0 or 5xx) and the caller decides (look the object up first).
 * Returns the final response in r (free with hm_http_resp_free). */
void hm_http_request(hm_http *h, const char *method, const char *path, const cJSON *body,
                     int idempotent, hm_http_resp *r);
/* POST a file as multipart/form-data (field "file"): `size` bytes read by
 * position from fd (opened with hm_contain_open; the caller closes it). */
void hm_http_upload(hm_http *h, const char *path, int fd, long long size, const char *name,
                    const char *content_type, hm_http_resp *r);
/* GET url (http or https) as a visitor would: no credentials, no redirects,
 * the client's timeouts, at most max bytes kept. The HTTP status (0 when no
 * answer came, err says why); *got the bytes read. The probe's check that a
 * public attachment is public. */
long hm_http_get_public(const hm_http *h, const char *url, long long max, long long *got,
                        char *err, size_t errlen);
/* GET every page of a cursor-paginated list (path may carry a query; limit=100
 * and cursor are added), calling fn on each item until it returns non-zero;
 * also accepts a bare array. Follows meta.next_cursor to the end (or stops
 * after max_pages when max_pages > 0). Returns 0, the failing HTTP status,
 * -1 when no answer came, or HM_HTTP_CURSOR_LOOP when the server handed back a
 * cursor it had already given (it would never end); err says which. */
#define HM_HTTP_CURSOR_LOOP (-2)
long hm_http_list(hm_http *h, const char *path, int max_pages,
                  int (*fn)(void *ctx, const cJSON *item), void *ctx, char *err, size_t errlen);

/* A set of strings kept as 64-bit hashes (16 bytes a member at most): two
 * strings with one hash count as one, about 1 in 10^10 at a million members. */
typedef struct hm_seen { hm_htab t; } hm_seen;   /* keys: the strings' FNV-1a 64 */
/* 1 when s was already in the set; else adds it and returns 0. */
int hm_seen_add(hm_seen *s, const char *str);
int hm_seen_has(const hm_seen *s, const char *str);
void hm_seen_free(hm_seen *s);
/* Percent-encode s for a query string into b. */
void hm_http_query_escape(hm_buf *b, const char *s);
/* Sleep the backoff delay for retry number attempt (interruptible by stop). */
void hm_http_backoff(hm_http *h, int attempt);
/* Attempts per request from now on (the preflight fails fast on a wrong URL). */
void hm_http_set_attempts(hm_http *h, int n);
/* Largest answer read from now on (<= 0: the default); a larger one is
 * aborted and reported as oversized. */
void hm_http_set_max_answer(hm_http *h, long bytes);
const hm_http_stats *hm_http_get_stats(const hm_http *h);
const hm_rl *hm_http_get_rl(const hm_http *h);
/* The bucket's drain window in Gorgias seconds (--rate-window; divided by the
   time scale): the limit comes from every answer's header, the window does not
   (enterprise accounts drain 40 in 10 s, others in 20). <= 0: unchanged. */
void hm_http_set_window(hm_http *h, double seconds);
int hm_http_stopped(const hm_http *h);
/* While on, a stop request is ignored (a graceful stop finishing the lookup
 * of a create whose answer was lost, so nothing is left in doubt). */
void hm_http_finishing(hm_http *h, int on);

/* ==== rn_progress.c ====
 * hm_progress: what the user sees while run, verify or rollback goes — one
 * progress line on stderr, rewritten in place, when stderr is a terminal; a
 * timestamped line every log_every seconds and at each phase otherwise; JSON
 * event lines (each with an ISO-8601 UTC "ts") with --log-json. The last
 * line (hm_progress_outcome) says how the command ended. */
#define HM_PROGRESS_OBJECTS 64
#define HM_PROGRESS_LOG_EVERY 5.0   /* seconds between log lines (--log-every) */
typedef struct hm_progress {
  int tty, json;
  double start, last_draw, last_log, log_every;
  char label[16];            /* the command: run, verify, rollback */
  char unit[16];             /* what done/total count: "calls" unless set */
  long long done, total;     /* calls handled so far / planned (0 = unknown) */
  double max_rate;           /* calls per second the rate limit allows */
  int nobj;                  /* per source object: records handled / planned */
  char obj[HM_PROGRESS_OBJECTS][64];
  long long obj_done[HM_PROGRESS_OBJECTS], obj_total[HM_PROGRESS_OBJECTS];
} hm_progress;

void hm_progress_init(hm_progress *p, int log_json, long long total, double max_rate);
/* The command named on log lines, what it counts ("calls", "objects"), and
 * seconds between log lines (<= 0: keep); NULL keeps a string. */
void hm_progress_configure(hm_progress *p, const char *label, const char *unit, double log_every);
/* One call handled (object, what happened: created/updated/skipped/...). */
void hm_progress_step(hm_progress *p, const char *object, const char *outcome,
                      const char *ref, long status);
/* Records planned for one object (shown as done/total on the line). */
void hm_progress_expect(hm_progress *p, const char *object, long long total);
/* One record of object handled (creates and uploads; follow-ups are calls). */
void hm_progress_record(hm_progress *p, const char *object);
/* A new phase (upload, create, message, update; verify/rollback: a kind). */
void hm_progress_phase(hm_progress *p, const char *phase);
void hm_progress_note(hm_progress *p, const char *level, const char *text);
/* Clears the terminal line (hm_progress_outcome calls it). */
void hm_progress_end(hm_progress *p);
/* The last line: "done", "done with N failures" ("done with N DETAIL" when
 * DETAIL is given), "interrupted — resume with: DETAIL", "stopped: DETAIL";
 * rc is the exit code the command returns. */
void hm_progress_outcome(hm_progress *p, int rc, long long failures, const char *detail);
/* Now as ISO-8601 UTC with milliseconds ("2026-12-07T03:22:01.123Z"). */
void hm_progress_timestamp(char out[32]);
/* Starts a --log-json line: {"ts":"...","event":EVENT (the caller closes it). */
void hm_progress_json_open(hm_buf *b, const char *event);
/* "PROGRAM ARGV..." with shell quoting where needed (malloc'd; NULL if out of
 * memory): the command that resumes, on the last line after an interrupt. */
char *hm_command_line(const char *program, int argc, char **argv);

/* ==== rn_client.c, rn_preflight.c ====
 * hm_client: glue shared by the run, verify, rollback and status commands —
 * opening an authenticated connection, the preflight, the signal flag, and the
 * small JSON helpers they all need. Internal to hmrun. */
/* Credentials (file or environment) + connection. 0, or 2 with err. */
int hm_client_connect(const char *target, const char *creds_file, double time_scale, int log_json,
                      const volatile sig_atomic_t *stop, hm_http **out, char *err, size_t errlen);
/* Active rules allowed: all (--allow-active-rules) or these names (--allow-rule). */
typedef struct hm_rule_allow { int all; const char *const *names; int n; } hm_rule_allow;
/* Account reachable, credentials accepted, no active rule that listens to a
 * ticket event the run causes (unless allowed). 0, 3 or 4. */
int hm_preflight(hm_http *h, const hm_rule_allow *allow, hm_progress *p, char *err,
                 size_t errlen);
/* Its two halves: GET /api/account (reachable, credentials accepted: 0, 3
 * or 4), and the rules (0 or 3). hm_target_bind with strict does the first. */
int hm_preflight_account(hm_http *h, char *err, size_t errlen);
/* The account's settings that act on imported tickets (HM_GORGIAS_TICKET_SETTINGS):
   each switch that is on is named as TYPE.KEY; 3 unless each is allowed (the
   allowed ones are a warning). An account that does not list them: a warning. */
int hm_preflight_settings(hm_http *h, const hm_rule_allow *allow, hm_progress *p, char *err,
                          size_t errlen);
/* The same two checks, with the blockers PAUSE names (or all, pause->all)
 * appended to to_pause as {kind, name, path, member, type} instead of refused
 * (rn_pause.c pauses them). pause and to_pause may be NULL. */
int hm_preflight_rules_pausing(hm_http *h, const hm_rule_allow *allow,
                               const hm_rule_allow *pause, cJSON *to_pause, hm_progress *p,
                               char *err, size_t errlen);
int hm_preflight_settings_pausing(hm_http *h, const hm_rule_allow *allow,
                                  const hm_rule_allow *pause, cJSON *to_pause, hm_progress *p,
                                  char *err, size_t errlen);
/* A warning when the key's user is not an admin: Gorgias answers 403 to the
   calls its role may not make (users need an admin key); the run reports
   those records refused and goes on. Silent when the account does not say. */
int hm_preflight_role(hm_http *h, hm_progress *p);   /* 1: not an admin key */
/* rn_prove.c: write permission per kind of HM_GORGIAS_PROVE in targets (NULL:
   all), by an unchanged PUT on an existing object; each kind refused (403)
   goes into forbidden as "POST T"/"PUT T" -> why. Returns the kinds refused;
   calls counts the requests. */
int hm_prove_writes(hm_http *h, const cJSON *targets, hm_progress *p, cJSON *forbidden,
                    long long *calls);
int hm_preflight_rules(hm_http *h, const hm_rule_allow *allow, hm_progress *p, char *err,
                       size_t errlen);

/* SIGINT/SIGTERM set the flag returned here (the one piece of global mutable
 * state: a signal handler cannot be given a context). */
const volatile sig_atomic_t *hm_client_install_signals(void);

/* The options verify and rollback share. 0, or 2 after printing usage. */
typedef struct hm_target_args {
  const char *state, *target, *creds_file;
  double time_scale;
  long max_answer_bytes;   /* 0: the default (HM_HTTP_MAX_ANSWER_DEFAULT) */
  int log_json, json, dry_run, help, retarget;
  int yes;                 /* --yes: rollback deletes without asking */
  double log_every;        /* --log-every SECONDS (0: the default) */
  const char *help_center_url;   /* --help-center-url (NULL: the profile's default) */
} hm_target_args;
int hm_target_args_parse(int argc, char **argv, const char *usage, hm_target_args *a);
struct hm_store;
/* Connect with a's options and bind the state to the account (rn_client.c). */
int hm_client_connect_bound(const hm_target_args *a, struct hm_store *st,
                            const volatile sig_atomic_t *stop, int strict, const char *command,
                            hm_http **h);

const char *hm_rn_json_str(const cJSON *o, const char *key);      /* NULL unless a string */
long long hm_rn_json_id(const cJSON *o);   /* "id" if a valid Gorgias id (hm_answer_id), else 0 */
/* Compare expected (what was sent) with actual (what Gorgias holds): every
 * field of expected must be present and equal in actual (objects by subset,
 * arrays element-wise, datetimes by instant). Differences are appended to out
 * as "path: expected X, found Y" lines; returns their count. */
int hm_rn_json_diff(const cJSON *expected, const cJSON *actual, const char *path, hm_buf *out);
/* FNV-1a 64 of s, as 16 hex digits. */
void hm_hash_hex(const char *s, char out[17]);

/* ==== rn_verified.c ====
 * The last verify's counts per source object in the run's report and page. */
typedef struct hm_verified_sum {
  long long checked, differences, sample;
  bool against_export;       /* verify --map --data */
} hm_verified_sum;
/* One record read back: same (equal to what was sent) or not. */
void hm_verified_add(cJSON *tally, const char *object, int same);
/* The run records where its report is (absolute), for verify to update. */
void hm_verified_remember(struct hm_store *st, const char *report_path);
/* Merges tally into the run's report JSON and rewrites its page; 0, or -1
 * (said on stderr). No report recorded: 0, nothing written. */
int hm_verified_write(struct hm_store *st, const cJSON *tally, const hm_verified_sum *sum);

/* ==== rn_verify_src.c, rn_verify.c ====
 * verify --map FILE.hbc --data DIR: the expected objects recomputed from the
 * export by the planner (the map's calls, references resolved as the run
 * resolves them), compared with what Gorgias answers. */
typedef struct hm_verify_src {
  hm_http *h;
  struct hm_store *st;
  const char *state_path;
  const volatile sig_atomic_t *stop;
  hm_buf *report;            /* text lines (without --json) */
  cJSON *found;              /* --json findings, or NULL */
  long long checked, diffs, unmigrated;
  long long merged;          /* created as 409: another record's object, not compared */
  int rc;                    /* 3 refused, 4 no answer, 1 a read failed */
  cJSON *tally;              /* per source object, for the run's report (hm_verified_add) */
} hm_verify_src;
/* Every planned record's object compared; 0, or an exit code (2 another map
 * or unreadable export, 3, 4). Differences are counted in v->diffs. */
int hm_verify_source(hm_verify_src *v, const hm_run_planner *pl, const char *hbc,
                     const char *data, long sample);
/* One record's differences ("field: expected X, found Y" lines): to the text
 * report or the JSON findings (rn_verify.c). */
void hm_verify_src_report(hm_verify_src *v, const char *object, const char *key,
                          const char *target, long long gid, const char *lines, long long n);

/* ==== rn_confirm.c ====
 * Consent for a destructive command: 0 with --yes (yes) or when the person at
 * the terminal answers y/yes to question; 1 when they decline; 2 when there is
 * no terminal to ask (why says so and how to proceed). */
int hm_confirm(const char *question, int yes, char *why, size_t n);
/* The same refusal, before anything is asked or sent: 0 when hm_confirm can
 * get an answer (--yes, or a terminal), else 2 with why. */
int hm_confirm_possible(int yes, char *why, size_t n);

/* ==== rn_answer.c ====
 * hm_answer: the checks an answer passes before anything of it is recorded
 * or reused, and the few answer fields the state keeps. */
/* v as a Gorgias id: a JSON number, integral, 1..2^53-1; else 0 (strings too). */
long long hm_answer_id(const cJSON *v);
/* Is json the answer of a create (an object with a valid id when need_id) or
 * of an upload (upload: an object, or an array of them, with a string url)?
 * 1 with *obj the object; 0 with why ("an answer that is not JSON", "an
 * \"id\" that is not a positive integer (0)"...). */
int hm_answer_check(const cJSON *json, int upload, int need_id, const cJSON **obj, char *why,
                    size_t whylen);
/* The fields of an answer the state keeps (url, object_type, label, skipped;
 * strings of at most 8 KiB), as a JSON text to free. */
char *hm_answer_fields(const cJSON *obj);

/* ==== rn_store.c ====
 * hm_store: the run's memory in SQLite (WAL) — runs, the id map from source
 * record to Gorgias object, the call journal (intent written before a create is
 * sent, answer after), flags and planned totals. Everything resume, delta,
 * verify, rollback and status know comes from here; the map's digest is stamped
 * on every row. The API key is never given to this module. */
typedef struct hm_store hm_store;

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

/* Flags of hm_store_open: CREATE makes a missing file (run; without it verify,
 * rollback and status refuse one); ACCEPT_LOST (run --recover) takes a state
 * that lost committed writes (below its seal, see rn_store.c) as it is.
 * Every open checks the pages (PRAGMA integrity_check) and the seal, so a damaged
 * or truncated state is refused, not resumed. 0 or 2 with err. */
#define HM_STORE_CREATE 1
#define HM_STORE_ACCEPT_LOST 2
int hm_store_open(hm_store **st, const char *path, int create, char *err, size_t errlen);
void hm_store_close(hm_store *st);
/* Take the state's run lock (a file lock on PATH.lock, released by the kernel
 * even on kill -9): two processes driving one migration would both create the
 * same records. 0, or 2 with err naming the holder. */
int hm_store_lock(hm_store *st, const char *path, char *err, size_t errlen);
/* An existing state, opened and locked (the commands that act on a finished or stopped
 * run: rollback, restore-automation); 0, or 2 with err and *out NULL. */
int hm_store_open_locked(hm_store **out, const char *path, char *err, size_t errlen);
/* Refuse (2) when earlier rows carry another map digest (the map's, with its
   --set values) unless force. */
int hm_store_check_map(hm_store *st, const char *map_hash, int force, char *err, size_t errlen);
const char *hm_store_get_meta(hm_store *st, const char *key);   /* NULL if unset */
int hm_store_set_meta(hm_store *st, const char *key, const char *value);

long long hm_store_run_begin(hm_store *st, const char *mode, const char *map_hash,
                             const char *target);
void hm_store_run_end(hm_store *st, long long run, const char *status, const char *counts_json);

int hm_store_id_get(hm_store *st, const char *ref, hm_idrow *out);   /* 1 found, 0 not */
int hm_store_journal_get(hm_store *st, const char *call_key, hm_jrow *out);   /* 1 found */

/* Write the intent (commits before returning: it must survive a kill -9). */
int hm_store_intent(hm_store *st, long long run, const hm_jrow *j, const char *map_hash);
/* The answer: journal row done and, when ref is set, the id map row; one
 * transaction so a crash leaves either both or neither. */
int hm_store_done(hm_store *st, const char *call_key, long status, const hm_idrow *id);
int hm_store_failed(hm_store *st, const char *call_key, long status, const char *error);
/* Forget an intent whose request never left (a graceful stop before it was
 * sent, or after a lookup showed it did not land): it is not in doubt. */
int hm_store_unsent(hm_store *st, const char *call_key);
/* Record a new content hash for a ref after a delta update. */
int hm_store_id_rehash(hm_store *st, const char *ref, const char *hash);
int hm_store_mark_deleted(hm_store *st, const char *ref);

int hm_store_flag(hm_store *st, long long run, const char *ref, const char *object, const char *key,
                  const char *severity, const char *message, const char *map_hash);
/* One flag of the map on a planned record (a call's "flags", docs/plan.md). */
typedef struct hm_plan_flag { const char *severity, *message, *map; } hm_plan_flag;
/* The map's flags on ref's record, as the plan carried them: they replace
 * those an earlier plan carried (a record no longer flagged loses them, n 0);
 * a call that succeeds later never clears them (hm_store_flags_clear_before
 * clears the run's own). One transaction. */
int hm_store_plan_flags(hm_store *st, long long run, const char *ref, const char *object,
                        const char *key, const hm_plan_flag *flags, size_t n,
                        const char *map_hash);
void hm_store_set_total(hm_store *st, const char *object, long long total);
/* The plan creates object's records (their uploads are not records): a
 * ticket whose upload is done and whose create is not is not created yet. */
void hm_store_set_creates(hm_store *st, const char *object);
/* Forget the flags runs before run raised on ref (its call succeeded since);
 * a flag raised again keeps the newest run (hm_store_flag). The map's flags
 * (hm_store_plan_flags) stay. */
void hm_store_flags_clear_before(hm_store *st, const char *ref, long long run);
/* The run's counts so far (the ledger's "updated" sums them over runs). */
void hm_store_run_counts(hm_store *st, long long run, const char *counts_json);

/* Iterate id map rows (not deleted unless all) in creation order or newest
 * first; fn returns non-zero to stop (that value is returned). */
int hm_store_each_id(hm_store *st, int newest_first, int all,
                     int (*fn)(void *ctx, const hm_idrow *row), void *ctx);
/* Iterate journal rows that are done, in order of seq, for one subject ref
 * (its create, follow-up messages and updates). */
int hm_store_each_call_of(hm_store *st, const char *subject_ref,
                          int (*fn)(void *ctx, const hm_jrow *row), void *ctx);

/* One source object's records in the ledger (see hm_store_each_count in
 * rn_store.c for the definitions, docs/run.md "Counts" for the words). */
typedef struct hm_store_count {
  const char *object;
  long long total;      /* planned (-1: not known) */
  long long done;       /* created: Gorgias answered the create, the object is ours */
  long long failed;     /* ended without an object, not refused by Gorgias */
  long long intent;     /* in doubt: sent, no answer recorded */
  long long deleted;    /* rolled back */
  long long reused;     /* matched to an object that existed before the migration */
  long long rejected;   /* refused by Gorgias (4xx other than 408, 429) */
  long long flagged;    /* records with at least one flag */
  long long updated;    /* changed in place by --delta runs */
  long long follow_ups_failed;   /* messages, updates of records that failed (calls) */
} hm_store_count;
/* run 0: the whole migration; else the records whose last call that run made
 * (created, reused, rejected, failed, in doubt of one leg). */
int hm_store_each_count(hm_store *st, long long run,
                        int (*fn)(void *ctx, const hm_store_count *c), void *ctx);
/* Iterate flags of all runs (severity, object, key, message). */
/* Failed calls grouped by object, HTTP status and error text, most first
   (STATE.report.html's failures by reason). */
int hm_store_each_failure(hm_store *st, int (*fn)(void *ctx, const char *object, long status,
                                                  const char *error, long long n), void *ctx);
int hm_store_each_flag(hm_store *st, int (*fn)(void *ctx, const char *sev, const char *object,
                                               const char *key, const char *msg), void *ctx);
/* Did a run create the object at path/gid (under any ref)? */
int hm_store_gid_ours(hm_store *st, const char *path, long long gid);
/* Count of intents without an answer (in-doubt creates from a crash). */
long long hm_store_in_doubt(hm_store *st);
/* Seconds since the newest in-doubt intent was written (huge if none). */
double hm_store_in_doubt_age(hm_store *st);

/* The target of the newest run that recorded one (states written before the
 * binding existed), or NULL; valid until the next call into st. */
const char *hm_store_last_run_target(hm_store *st);
/* Bind the state to url/account (meta target_*); archive=1 first moves the
 * current binding to the history with the time and the command that
 * replaced it. One transaction. 0 or -1. */
int hm_store_target_set(hm_store *st, const char *url, const char *account, const char *command,
                        int archive);
/* Former bindings, oldest first: row = url, account, bound, replaced, command. */
int hm_store_each_target_history(hm_store *st, int (*fn)(void *ctx, const char *const *row),
                                 void *ctx);

/* run --recover: start (asked=1) or continue the recovery of a state that
 * lost its record of some calls; 1 while it lasts (meta "recover"). */
int hm_store_recovering(hm_store *st, int asked);
/* A run completed under --recover: every call is accounted for again. */
void hm_store_recovered(hm_store *st);

/* Automation the run paused (table paused): one rule's deactivated_datetime or
 * one setting switch. member is the dotted path of the value in the object read
 * back; before, sent and after are JSON texts (after: what Gorgias answered).
 * state: intent (recorded before the PUT left), paused, restored, unchanged
 * (the PUT was refused or never landed), left (changed by someone else since:
 * not touched), gone (deleted since). */
typedef struct hm_pause_row {
  long long id;
  const char *kind, *name, *path, *member, *before, *sent, *after, *state, *note;
} hm_pause_row;
/* Committed before the PUT leaves: row id, or -1. */
long long hm_store_pause_intent(hm_store *st, const hm_pause_row *r);
/* after NULL keeps the recorded one. 0 or -1. */
int hm_store_pause_set(hm_store *st, long long id, const char *state, const char *after,
                       const char *note);
/* Rows in order; open_only: those still intent or paused. */
int hm_store_pause_each(hm_store *st, int open_only,
                        int (*fn)(void *ctx, const hm_pause_row *r), void *ctx);

/* ==== rn_pause.c ====
 * Pausing the automation that would act on imported tickets, and putting back
 * exactly what was paused (docs/run.md "Pausing automation"). Each change is
 * recorded in the state before its PUT leaves; a restore reads each value back
 * and puts back only what still holds the value the run set. calls counts the
 * requests both make (reported apart from the migration's). */
typedef struct hm_pause_tally { long long calls, paused, restored, left; } hm_pause_tally;
/* Pause each item of to_pause (hm_preflight_*_pausing). 0; 3 when Gorgias
 * refuses a change (nothing is imported with automation on); 4 unreachable. */
int hm_pause_apply(hm_http *h, hm_store *st, const cJSON *to_pause, hm_progress *p,
                   hm_pause_tally *t, char *err, size_t errlen);
/* Put back every open row. 0 all done; 1 some left alone (named in notes);
 * 4 unreachable (rows stay open: run it again). */
int hm_pause_restore(hm_http *h, hm_store *st, hm_progress *p, hm_pause_tally *t);
/* The rows as [{kind, name, state, note?}] for the report; NULL when none. */
cJSON *hm_pause_json(hm_store *st);
/* Rows still open (paused or in doubt). */
long long hm_pause_open(hm_store *st);

/* ==== rn_ledger.c ====
 * hm_ledger: the counts of the whole migration, from the state alone, for
 * status, the run's report, verify and rollback (one definition each). */
/* Records neither created, reused, rejected, failed nor in doubt (-1: the
 * planned total is not known). */
long long hm_ledger_left(const hm_store_count *c);
/* The words of one object's row as members of o. */
void hm_ledger_add_json(const hm_store_count *c, cJSON *o);
/* {"Object": {planned, created, ...}, ...}: the caller owns it. */
cJSON *hm_ledger_json(hm_store *st);
/* The sum over every object (total -1 when one object's is not known). */
void hm_ledger_sum(hm_store *st, hm_store_count *sum);
/* Into counts ({"Object": {word: n}}, one run's report), that run's
 * created, reused, rejected and failed records from the ledger. */
void hm_ledger_run_into(hm_store *st, long long run, cJSON *counts);
/* "ledger: planned N, created N, ..." and a newline, appended to out. */
void hm_ledger_line(hm_store *st, hm_buf *out);

/* ==== rn_target.c ====
 * hm_target: which Gorgias account a state belongs to. Its ids mean something
 * in that account only, so run, verify and rollback compare the --target
 * (base URL, and the account's identity from GET /api/account) with the one
 * recorded at first use, before any write, and refuse another one unless
 * --retarget says it is the same account under a new address. */
/* Base URL as compared: scheme and host lower-cased, no trailing '/'. */
void hm_target_normalize(const char *url, char *out, size_t n);
/* "domain=NAME[, id=N]" from a GET /api/account answer ("" when it has none). */
void hm_target_identity(const cJSON *account, char *out, size_t n);
/* Compare and record (see above). command names the caller in messages and
 * in the history. Without strict, an account that does not answer is judged
 * by the URL (with a warning); with strict it is the preflight's refusal (3),
 * so that the account is read once per run. 0; 2 another target (err names
 * both); 3/4 as the preflight. */
int hm_target_bind(hm_store *st, hm_http *h, const char *state_path, const char *target,
                   int retarget, int strict, const char *command, char *err, size_t errlen);
/* The binding and the former ones: lines on stdout, or members "target" and
 * "former_targets" of json when it is not NULL. */
void hm_target_status(hm_store *st, cJSON *json);

/* ==== rn_origin.c ====
 * 0 when url names base's scheme, host and port and no user name; otherwise -1
 * with `why` (never containing credentials: the target URL has none). */
int hm_url_same_origin(const char *base, const char *url, char *why, size_t n);

/* ==== rn_plancheck.c ====
 * One line of a plan file, checked before the first request of the run: a
 * plain /api/ path (hm_apipath.h), the method of its phase, an upload's file
 * opening inside the export folder data_dir (NULL: no --data, and an upload is
 * refused). 0, or 2 with `why` naming what is wrong. */
int hm_plancheck_line(const cJSON *c, const char *data_dir, char *why, size_t n);
/* What is wrong with a call's "flags" (the map's flags on its record, only on
 * a create or an upload; docs/plan.md "Calls"), or NULL (absent is fine). */
const char *hm_plancheck_flags(const cJSON *c);

/* ==== rn_exec.c ====
 * hm_exec_int: the executor's state (rn_exec.c sends). It reaches the resolver
 * (rn_resolve.c, below) only through that section's calls and their results:
 * no field of hm_exec is read or written by the resolver. Internal to hmrun. */
typedef struct hm_count {
  long long read, created, updated, skipped, rejected, failed, reused, flagged;
} hm_count;

struct hm_exec {
  hm_exec_opts o;
  hm_http *http;
  hm_store *st;
  long long run;
  char *report_path;
  cJSON *counts;        /* object -> hm_count stored as a JSON object of numbers */
  struct hm_resolver *rv; /* references, agents and lookups (rn_resolve.c); owned */
  cJSON *known_tags;    /* tag names in the account (object used as a set); NULL until needed */
  cJSON *forbidden;     /* "METHOD Target" -> why, for kinds Gorgias answered 403 (rn_exec.c) */
  hm_progress prog;
  int fatal;            /* exit code that ended the run (3, 4), 0 if none */
  long long rejected, failed;
  const char *last_phase;
  hm_seen planned_refs; /* --delta: refs of this run's calls, to find what left the source */
  hm_seen flagged;      /* "object\tkey" of the records this run flagged (counted once) */
  hm_seen records;      /* "object\tkey" of the records this run met (read counts them) */
  cJSON *source_gone;   /* --delta: id map rows no call of this run names (report), or NULL */
  int recovering;       /* run --recover, kept in the state until a run completes: a create
                           the journal does not know is in doubt (looked up before it is sent) */
  hm_pause_tally pause; /* automation paused and put back by this run (rn_pause.c) */
  long long prove_calls; /* the preflight's write check (rn_prove.c), reported apart */
};

/* Appended to a content hash, with the unresolved score, when an agent did
 * not resolve at the time ("<hash>?unresolved=2"): a --delta run retries the
 * record once its agents resolve better (the agent or its fallback exists). */
#define HM_UNRESOLVED_MARK "?unresolved="

/* A planned call, unpacked once. */
typedef struct call {
  long long seq;
  const char *phase, *method, *path, *object, *key, *target, *ref, *hash, *file, *name, *ctype;
  const char *utype;    /* an upload's type (upload_type), NULL: the default */
  const char *flag_text;
  const cJSON *body, *unique;
  const cJSON *flags;   /* the map's flags on the record (its first call only), or NULL */
  char key_buf[600], hash_buf[17], num_key[32];
  char *subject;        /* owned */
} call;

/* A flag on the call's record (state flags table + report count). */
void hm_exec_flag(hm_exec *ex, const call *k, const char *sev, const char *msg);
/* A note for the user (stderr, or a JSON event with --log-json). */
void hm_exec_note(hm_exec *ex, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ==== rn_resolve.c ====
 * hm_resolver: what is sent for a planned call — references through the id
 * map, agents by e-mail, files not uploaded dropped — and existing objects
 * found by their unique fields. It reads the state (id map, journal) and
 * lists Gorgias; it never writes the state nor reports to the user: what it
 * found, and the flags and notes it raised, come back in its results for the
 * caller to act on. Its one state is a cache of the account's agents. */
typedef struct hm_resolver hm_resolver;
/* NULL when out of memory. http and st stay the caller's and outlive it. */
hm_resolver *hm_resolver_open(hm_http *http, hm_store *st);
void hm_resolver_close(hm_resolver *rv);
/* A user the run just created: an {"$agent"} of its e-mail resolves to it
 * from now on. Invariant: the cache is empty until the account's users were
 * listed, then holds that listing plus the users learnt since. */
void hm_resolver_learn_user(hm_resolver *rv, const cJSON *user);

/* A flag on the call's record raised while resolving (an agent replaced by its
 * fallback: "info"; left unassigned: "warn"). */
typedef struct hm_resolve_flag { const char *severity; char *message; } hm_resolve_flag;

/* One resolution. wrap and path are both set, or both NULL with why; flags,
 * unresolved and note are filled either way (a flag raised before a missing
 * reference stays raised). Free with hm_resolved_free. */
typedef struct hm_resolved {
  cJSON *wrap;            /* {"body", "unique"} with every reference resolved */
  char *path;             /* the path's placeholders filled */
  char why[700];          /* a reference with no object, for the report */
  int unresolved;         /* agents Gorgias does not have (yet): +1 per fallback used,
                             +2 per agent left unassigned */
  hm_resolve_flag *flags; /* nflags, in the order raised */
  size_t nflags;
  char note[400];         /* a warning for the user ("cannot list ... users"), or "" */
} hm_resolved;
void hm_resolve_call(hm_resolver *rv, const char *path, const cJSON *body, const cJSON *unique,
                     hm_resolved *out);
void hm_resolved_free(hm_resolved *r);

/* How a lookup went: by names the unique field that matched (a member name
 * of unique); status is 0 when the list was read to the end, else the failing
 * HTTP status or -1 (no answer, or found without a valid id) with err saying
 * why: "not found" cannot be concluded then. */
typedef struct hm_found { const char *by; long status; char err[600]; } hm_found;
/* An existing object (a new node) listed under coll by one of its unique
 * fields, each in turn; NULL when none matched or the list failed (f). */
cJSON *hm_resolve_lookup(hm_resolver *rv, const char *coll, const cJSON *body, const cJSON *unique,
                         hm_found *f);

/* ==== rn_html.c ====
 * STATE.report.html from the run's report JSON and the state's failures. */
void hm_run_html(hm_store *st, const cJSON *report, FILE *f);

#endif
