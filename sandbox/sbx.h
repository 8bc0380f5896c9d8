/* sbx.h: the sandbox's internal interfaces — the server context every request
 * handler receives, the request/response structs the router passes around, and
 * the functions each sbx_*.c file exports. One header because the sandbox is one
 * program; nothing outside sandbox/ includes it. */
#ifndef HM_SBX_H
#define HM_SBX_H
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct MHD_Connection;
struct MHD_Daemon;

/* ---- storage (sbx_store.c) ---- */
typedef struct hm_sbx_store hm_sbx_store;
hm_sbx_store *hm_sbx_store_open(const char *path, char *err, size_t errlen);
void hm_sbx_store_close(hm_sbx_store *st);
/* Every store call below must run with the store lock held (hm_sbx_store_lock):
 * one request's reads and writes are one atomic step, so no write is lost. */
void hm_sbx_store_lock(hm_sbx_store *st);
void hm_sbx_store_unlock(hm_sbx_store *st);
int hm_sbx_store_begin(hm_sbx_store *st);
int hm_sbx_store_commit(hm_sbx_store *st);
void hm_sbx_store_rollback(hm_sbx_store *st);
/* Allocates the next id of KIND, sets doc.id (and doc.uri from URI_FMT, which
 * takes the id as its one %lld, unless NULL), stores it; returns the id or -1. */
long long hm_sbx_store_insert(hm_sbx_store *st, const char *kind, long long parent, cJSON *doc,
                              const char *uri_fmt);
int hm_sbx_store_put(hm_sbx_store *st, const char *kind, long long id, const cJSON *doc);
cJSON *hm_sbx_store_get(hm_sbx_store *st, const char *kind, long long id); /* NULL: none */
long long hm_sbx_store_parent(hm_sbx_store *st, const char *kind, long long id);
int hm_sbx_store_delete(hm_sbx_store *st, const char *kind, long long id); /* 1 deleted, 0 none */
int hm_sbx_store_delete_children(hm_sbx_store *st, const char *kind, long long parent);
int hm_sbx_store_reset(hm_sbx_store *st);
/* Blobs hold uploaded file bytes, keyed by the upload id. */
int hm_sbx_store_put_blob(hm_sbx_store *st, long long id, const void *data, size_t len);
void *hm_sbx_store_get_blob(hm_sbx_store *st, long long id, size_t *len);

/* A list query: objects of KIND, optionally under PARENT, whose JSON fields equal
 * the given values (text comparison of json_extract), ordered by id. */
#define HM_SBX_MAX_FILTERS 4
typedef struct hm_sbx_query {
  const char *kind;
  long long parent;            /* -1: any */
  int nfilters;
  const char *fpath[HM_SBX_MAX_FILTERS];  /* JSON path, e.g. "$.email" */
  const char *fvalue[HM_SBX_MAX_FILTERS]; /* NULL: the field must be null/absent */
  int fcontains[HM_SBX_MAX_FILTERS];      /* 1: the field holds fvalue, in any case */
  int desc;                    /* 1: descending */
  const char *sort_path;       /* NULL: by id; else by this JSON path (as text), then id */
  long long after;             /* 0: from the start; else rows strictly after (in order) */
  const char *after_key;       /* with sort_path: the sort key of row `after` */
  int before_mode;             /* 1: fetch the page just before `after` instead */
  int limit;                   /* <= 0: no limit */
} hm_sbx_query;
/* Returns a cJSON array of docs (caller frees) or NULL on a database error. */
cJSON *hm_sbx_store_query(hm_sbx_store *st, const hm_sbx_query *q);

/* ---- rate limiting (sbx_ratelimit.c) ---- */
typedef struct hm_sbx_bucket { char account[128]; double level; double last; } hm_sbx_bucket;
typedef struct hm_sbx_ratelimit {
  pthread_mutex_t mu;
  int capacity;        /* 0: unlimited */
  double window;       /* seconds, already divided by the time scale */
  hm_sbx_bucket *buckets; int nbuckets, capbuckets;
} hm_sbx_ratelimit;
int hm_sbx_rate_parse(const char *spec, int *capacity, double *window_s);
void hm_sbx_rate_init(hm_sbx_ratelimit *rl, int capacity, double window);
void hm_sbx_rate_free(hm_sbx_ratelimit *rl);
void hm_sbx_rate_reset(hm_sbx_ratelimit *rl);
/* Takes one slot for ACCOUNT at time NOW. Returns 1 allowed, 0 refused; *used is
 * the bucket level after the call, *retry_after the wait (seconds) when refused. */
int hm_sbx_rate_take(hm_sbx_ratelimit *rl, const char *account, double now, int *used,
                     double *retry_after);

/* ---- faults (sbx_faults.c) ---- */
typedef enum { HM_SBX_FAULT_NONE, HM_SBX_FAULT_429, HM_SBX_FAULT_500, HM_SBX_FAULT_502,
               HM_SBX_FAULT_503, HM_SBX_FAULT_SLOW, HM_SBX_FAULT_DROP_BEFORE,
               HM_SBX_FAULT_DROP_AFTER,
               /* hostile answers (POST only): see hm_sbx_fault_answer, hm_sbx_fault_echo */
               HM_SBX_FAULT_ANSWER_TEXT, HM_SBX_FAULT_ANSWER_ARRAY, HM_SBX_FAULT_ANSWER_ID0,
               HM_SBX_FAULT_ANSWER_ID_STRING, HM_SBX_FAULT_ANSWER_ID_NEGATIVE,
               HM_SBX_FAULT_ANSWER_ID_FLOAT, HM_SBX_FAULT_ANSWER_HUGE, HM_SBX_FAULT_ECHO_AUTH,
               HM_SBX_FAULT_KINDS } hm_sbx_fault_kind;
#define HM_SBX_MAX_FAULTS 16
typedef struct hm_sbx_faults {
  pthread_mutex_t mu;
  int n;
  hm_sbx_fault_kind kind[HM_SBX_MAX_FAULTS];
  double prob[HM_SBX_MAX_FAULTS];
  double arg[HM_SBX_MAX_FAULTS];  /* slow: seconds (unscaled); 429: burst length;
                                     answer-huge: bytes of padding */
  uint64_t seed;
  uint64_t counter;               /* API requests seen so far */
  int burst_left;                 /* 429 burst still to serve */
  uint64_t served[HM_SBX_FAULT_KINDS];   /* per kind (hostile answers: when applied) */
} hm_sbx_faults;
int hm_sbx_faults_parse(hm_sbx_faults *f, const char *spec, char *err, size_t errlen);
void hm_sbx_faults_init(hm_sbx_faults *f, uint64_t seed);
void hm_sbx_faults_reset(hm_sbx_faults *f);
/* The fault for the next API request (deterministic by request number and seed). */
hm_sbx_fault_kind hm_sbx_faults_next(hm_sbx_faults *f, double *arg);
const char *hm_sbx_fault_name(hm_sbx_fault_kind k);
struct hm_sbx_resp;
/* Is k a hostile answer to a POST (applied by the two calls below)? */
int hm_sbx_fault_hostile(hm_sbx_fault_kind k);
/* Rewrite the 2xx answer of a committed POST: not JSON, an array, an id that
 * is 0 / a string "<id>/../../evil" / negative / fractional, or padded by arg
 * bytes. Counts the fault as served. */
void hm_sbx_fault_answer(hm_sbx_faults *f, hm_sbx_fault_kind k, double arg, struct hm_sbx_resp *rs);
/* echo-auth: a 400 whose message echoes the Authorization header, the decoded
 * "email:key" pair and its URL-encoded form (nothing is written). */
void hm_sbx_fault_echo(hm_sbx_faults *f, const char *authorization, struct hm_sbx_resp *rs);

/* ---- the conformance table (sbx_conformance.c) ---- */
/* What Gorgias accepts in one request-body field, and the public source saying so. */
#define HM_SBX_CONF_REQUIRED 1u      /* required on create */
#define HM_SBX_CONF_CREATE_ONLY 2u   /* refused (or dropped, --put-created-datetime) on update */
#define HM_SBX_CONF_READ_ONLY 4u     /* refused in any body */
#define HM_SBX_CONF_UNCONFIRMED 8u   /* no public source settles it; SOURCE says what is open */
#define HM_SBX_CONF_NO_BOUND (-1.0)
typedef struct hm_sbx_conf_row {
  const char *object, *field;
  /* "string" "int" "number" "bool" "datetime" "record" "any", "enum"/"enum-open" (VALUES,
   * '|'-separated), "ref:<Object>", "list:<type>", or an object name (a nested body) */
  const char *type, *values;
  double min, max;              /* characters, items or value; HM_SBX_CONF_NO_BOUND: none */
  unsigned flags;               /* HM_SBX_CONF_* */
  const char *dflt;             /* JSON a create fills in when the field is absent; NULL: none */
  /* "api §5.1 (S7)" = gorgias-api.md, "fid §1.4" = gorgias-fidelity.md (shared/reference) */
  const char *source;
} hm_sbx_conf_row;
const hm_sbx_conf_row *hm_sbx_conformance(size_t *n);
/* The table in the `hmapc schema` JSON shape (plus "source"/"unconfirmed" per field),
 * malloc'd; what the sandbox validates with unless --schema FILE is given. */
char *hm_sbx_conformance_json(void);

/* ---- validation (sbx_validate.c) ---- */
typedef struct hm_sbx_schema hm_sbx_schema;
hm_sbx_schema *hm_sbx_schema_parse(const char *json, char *err, size_t errlen);
void hm_sbx_schema_free(hm_sbx_schema *s);
const cJSON *hm_sbx_schema_target(const hm_sbx_schema *s, const char *name);
typedef enum { HM_SBX_CREATE, HM_SBX_UPDATE } hm_sbx_mode;
/* Checks BODY against target NAME. On success returns 0 and (create mode) fills
 * absent fields that have a schema default into BODY. On failure returns -1 with
 * "<field path>: <problem>" in msg and the path in field. With no schema loaded
 * every body passes. refuse_create_only: 1 → a create_only field on update is an
 * error, 0 → it is dropped from BODY. */
int hm_sbx_validate(const hm_sbx_schema *s, const char *name, cJSON *body, hm_sbx_mode mode,
                    int refuse_create_only, char *msg, size_t msglen, char *field, size_t fieldlen);
int hm_sbx_is_datetime(const char *s);


/* ---- server context ---- */
typedef struct hm_sbx_account {
  char email[128]; char key[128];
  char role[32];                /* --account EMAIL:KEY:ROLE; "" = admin */
} hm_sbx_account;

/* ---- roles (sbx_roles.c) ---- */
int hm_sbx_role_known(const char *role);
/* May a key of ROLE make this call? Reads are open to every role. */
int hm_sbx_role_may(const char *role, const char *method, const char *path);

/* ---- Help Center tokens (sbx_hctoken.c) ---- */
typedef struct hm_sbx_token { char token[40]; char account[128]; double expires; } hm_sbx_token;
typedef struct hm_sbx_tokens {
  pthread_mutex_t mu;
  hm_sbx_token *t; int n, cap;
  double ttl;                   /* seconds, already divided by the time scale */
} hm_sbx_tokens;
void hm_sbx_tokens_init(hm_sbx_tokens *tk, double ttl);
void hm_sbx_tokens_free(hm_sbx_tokens *tk);
/* A new token for ACCOUNT at time NOW into OUT; 0 or -1 (no memory, no randomness). */
int hm_sbx_token_issue(hm_sbx_tokens *tk, const char *account, double now, char out[40]);
/* The account a token was issued to (copied into ACCOUNT), 1; 0 unknown; -1 expired. */
int hm_sbx_token_check(hm_sbx_tokens *tk, const char *token, double now, char account[128]);
void hm_sbx_tokens_expire(hm_sbx_tokens *tk);  /* every token issued so far */
typedef struct hm_sbx_stats {
  pthread_mutex_t mu;
  cJSON *by_route;              /* {"GET /api/tickets": {"200": n}} */
  uint64_t requests, rate_limited;
} hm_sbx_stats;

typedef struct hm_sbx_ctx {
  hm_sbx_store *store;
  hm_sbx_schema *schema;
  hm_sbx_ratelimit rate;
  hm_sbx_faults faults;
  hm_sbx_stats stats;
  hm_sbx_account *accounts; int naccounts;
  hm_sbx_tokens tokens;         /* Help Center Bearer tokens */
  struct MHD_Daemon *hc_daemon; /* --help-center-port: the Help Center's own host */
  int hc_port;
  char hc_base_url[96];
  /* account settings by type, {"satisfaction-surveys": {...}, ...}; read and
   * changed only under the store lock (every handler runs under it) */
  cJSON *settings;
  int refuse_anonymous_sender;  /* --refuse-anonymous-sender: a message sender
                                   with neither id nor email is a 400 */
  double time_scale;
  size_t max_upload;
  int refuse_created_on_put;    /* --put-created-datetime refuse|ignore */
  int drop_opened;              /* --opened-datetime drop|keep: a ticket's
                                   opened_datetime is not stored (fid §1.8) */
  int port;
  char base_url[96];
  char domain[64];              /* --domain: the account's name in GET /api/account */
  struct MHD_Daemon *daemon;
  int stopping;                 /* set on SIGTERM: slow replies stop waiting */
  FILE *log;                    /* --log FILE: one line per API request */
  pthread_mutex_t log_mu;
  char deny_write[8][64]; int ndeny;   /* --deny-write PREFIX (sbx_deny.c) */
} hm_sbx_ctx;


/* ---- requests and responses (sbx_http.c, sbx_util.c) ---- */
typedef struct hm_sbx_resource hm_sbx_resource;
typedef struct hm_sbx_req {
  hm_sbx_ctx *ctx;
  struct MHD_Connection *conn;  /* NULL: a request made without a server (tests, fuzzing) */
  const char *const *args;      /* without conn: query arguments name, value, ..., NULL */
  const char *method, *path;
  const char *body; size_t body_len;
  const char *content_type;
  const char *account;          /* the authenticated account's email */
  const char *role;             /* its role ("" = admin) */
  int help_center_host;         /* arrived on the Help Center's own host */
  long long id[3]; int nid;     /* integer path parameters, in order */
  char word[64];                /* a non-integer path parameter (a locale) */
  cJSON *json;                  /* parsed body, owned by the request */
  const hm_sbx_resource *res;   /* the matched route's resource (NULL: none) */
} hm_sbx_req;

typedef struct hm_sbx_resp {
  int status;
  cJSON *json;                  /* body, freed by the server; NULL and raw NULL: empty */
  char *raw; size_t raw_len;    /* malloc'd raw body (file downloads) */
  char ctype[128];
  int committed_write;          /* the route changed the store */
} hm_sbx_resp;

/* ---- a key whose role may not write some kinds (sbx_deny.c) ---- */
/* --deny-write PREFIX: 0, or -1 when PREFIX is not an /api/ path or too many. */
int hm_sbx_deny_add(hm_sbx_ctx *ctx, const char *prefix);
/* A write under a denied prefix: answers 403 with Gorgias' body and returns 1. */
int hm_sbx_denied(hm_sbx_ctx *ctx, const hm_sbx_req *rq, hm_sbx_resp *rs);

typedef void (*hm_sbx_handler)(hm_sbx_req *rq, hm_sbx_resp *rs);
/* One row per route. RES says what the resource differs in, so one generic
 * handler (sbx_crud.c) serves every resource of the same shape; NULL for a
 * route that is its own handler. */
typedef struct hm_sbx_route {
  const char *method;
  const char *pattern;          /* also the key of the stats and the request log */
  hm_sbx_handler fn;
  const hm_sbx_resource *res;
} hm_sbx_route;

int hm_sbx_http_start(hm_sbx_ctx *ctx, const char *listen_addr, int port, char *err, size_t errlen);
/* The Help Center's own host: a second listener serving only /api/help-center/
 * routes, to Bearer tokens from POST /api/help-center/auth. */
int hm_sbx_http_start_hc(hm_sbx_ctx *ctx, const char *listen_addr, int port, char *err,
                         size_t errlen);
/* Routes an authenticated request (rq->path under /api/ or /_sandbox/, rq->account set)
 * and runs its handler in one store transaction, or answers 404/405, into RS. No
 * rate limit, faults or statistics: what the server adds around it. Callable
 * without a server, as the request fuzzer does. */
void hm_sbx_dispatch(hm_sbx_ctx *ctx, hm_sbx_req *rq, hm_sbx_resp *rs);
void hm_sbx_http_stop(hm_sbx_ctx *ctx);

/* Route tables, one per resource family. Each ends with a {NULL} row. */
extern const hm_sbx_route hm_sbx_routes_people[];
extern const hm_sbx_route hm_sbx_routes_tickets[];
extern const hm_sbx_route hm_sbx_routes_config[];
extern const hm_sbx_route hm_sbx_routes_files[];
extern const hm_sbx_route hm_sbx_routes_helpcenter[];
extern const hm_sbx_route hm_sbx_routes_observe[];
extern const hm_sbx_route hm_sbx_routes_fieldvalues[];
/* the owners of custom-field values (sbx_routes_tickets.c, sbx_routes_people.c) */
extern const hm_sbx_resource hm_sbx_res_tickets, hm_sbx_res_customers;

/* ---- helpers shared by the routes (sbx_util.c) ---- */
void hm_sbx_error(hm_sbx_resp *rs, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void hm_sbx_field_error(hm_sbx_resp *rs, const char *field, const char *msg);
void hm_sbx_json(hm_sbx_resp *rs, int status, cJSON *body);
void hm_sbx_empty(hm_sbx_resp *rs, int status);
/* The body as a JSON object (or array if allow_array); sets a 400 and returns NULL otherwise. */
cJSON *hm_sbx_body(hm_sbx_req *rq, hm_sbx_resp *rs, int allow_array);
const char *hm_sbx_query_arg(hm_sbx_req *rq, const char *name);
/* Validates BODY against the schema target; sets a 400 and returns -1 on error. */
int hm_sbx_check(hm_sbx_req *rq, hm_sbx_resp *rs, const char *target, cJSON *body,
                 hm_sbx_mode mode);
void hm_sbx_now(char out[40]);     /* wall clock, UTC, microseconds */
double hm_sbx_clock(void);      /* monotonic seconds */
void hm_sbx_sleep(double seconds);
char *hm_sbx_b64_encode(const unsigned char *p, size_t n);
unsigned char *hm_sbx_b64_decode(const char *s, size_t *n);
/* Paginates a query into the Gorgias cursor envelope; reads cursor/limit/order_by
 * from the request. ORDER_OK lists accepted order_by fields (NULL: any). MAP, if
 * given, turns each stored doc into its list shape (in place). */
void hm_sbx_list(hm_sbx_req *rq, hm_sbx_resp *rs, hm_sbx_query *q, const char *const *order_ok,
                 void (*map)(hm_sbx_req *, cJSON *));
/* The page-based list of ALL (freed) by ?page=&per_page= (help center, reference §3.2). */
void hm_sbx_page_list(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *all);
/* Merges src's members into dst (replacing same-named ones). */
void hm_sbx_merge(cJSON *dst, const cJSON *src);
int hm_sbx_get_id(const cJSON *v, long long *out);  /* integer or {"id": int} */
int hm_sbx_is_int(double d);                        /* a whole number within ±2^53 */
void hm_sbx_set_str(cJSON *o, const char *k, const char *v);
void hm_sbx_set_num(cJSON *o, const char *k, double v);
void hm_sbx_set_item(cJSON *o, const char *k, cJSON *v);

/* ---- resources and the generic routes (sbx_crud.c) ---- */
/* ?ARG=v keeps the objects whose JSON PATH equals v (CONTAINS: holds v, any case). */
typedef struct hm_sbx_filter { const char *arg, *path; int contains; } hm_sbx_filter;
/* An API member maps never set, so the schema does not list it: taken out before
 * the schema check, refused with MSG unless OK(value), put back after. */
typedef struct hm_sbx_extra {
  const char *field;
  int (*ok)(const cJSON *v);
  const char *msg;
} hm_sbx_extra;
#define HM_SBX_MAX_EXTRAS 4  /* per resource */
/* A member a create fills in when the body leaves it out (JSON text). */
typedef struct hm_sbx_fill { const char *field, *json; } hm_sbx_fill;

/* What one stored resource differs in. Lists end with a NULL member. */
struct hm_sbx_resource {
  const char *kind;             /* store kind and /_sandbox/dump key */
  const char *label;            /* "Customer" in "Customer 9 not found." */
  const char *target;           /* schema target of create and update bodies */
  const char *uri;              /* uri format, the new id its one %lld; NULL: none */
  /* Nested paths: id[0] is the parent's, id[1] this one's. A parent with LOAD
   * (the help center) is checked first; a stored parent (a message's ticket)
   * through the child's parent link, so one 404 names both. */
  const hm_sbx_resource *parent;
  const hm_sbx_filter *filters;  /* list filters */
  const char *const *order_by;   /* fields a list may be ordered by; NULL: any */
  int paged;                     /* page-based list (help center) instead of cursors */
  const char *const *unique;     /* members no two objects share (409) */
  const hm_sbx_extra *extras;
  const hm_sbx_fill *fills;      /* what create fills in */
  int put_replaces;              /* PUT is a full replacement, checked as a create */
  int update_status, delete_status;  /* 0: 200 and 204 */
  const char *no_delete;         /* DELETE answers 405 with this */
  const char *child_kind;        /* stored under the object, deleted with it */
  /* hooks, each optional */
  void (*to_schema)(cJSON *body);    /* wire shape -> the schema's, before the check */
  /* after the check: references and rules the schema cannot say; SELF is 0 on create */
  int (*resolve)(hm_sbx_req *rq, hm_sbx_resp *rs, cJSON *doc, long long self);
  void (*to_stored)(cJSON *doc);     /* the schema's shape -> the stored one */
  void (*on_create)(cJSON *doc);     /* derived members only a create adds */
  void (*show)(hm_sbx_req *rq, cJSON *doc);       /* GET of one object */
  void (*list_show)(hm_sbx_req *rq, cJSON *doc);  /* each object of a list */
  int (*list_args)(hm_sbx_req *rq, hm_sbx_resp *rs, hm_sbx_query *q);  /* other list arguments */
  int (*may_delete)(hm_sbx_req *rq, hm_sbx_resp *rs, long long id);
  /* after a successful PUT: BEFORE is the object as it was */
  void (*after_update)(hm_sbx_req *rq, long long id, const cJSON *before);
  void (*after_delete)(hm_sbx_req *rq, long long parent);
  cJSON *(*load)(hm_sbx_req *rq, long long id);   /* an object not in the store */
  const void *more;              /* facts only its own family's handlers read */
};

/* The generic handlers: each reads rq->res. */
void hm_sbx_crud_create(hm_sbx_req *rq, hm_sbx_resp *rs);
void hm_sbx_crud_list(hm_sbx_req *rq, hm_sbx_resp *rs);
void hm_sbx_crud_get(hm_sbx_req *rq, hm_sbx_resp *rs);
void hm_sbx_crud_update(hm_sbx_req *rq, hm_sbx_resp *rs);
void hm_sbx_crud_delete(hm_sbx_req *rq, hm_sbx_resp *rs);
void hm_sbx_crud_bulk_delete(hm_sbx_req *rq, hm_sbx_resp *rs);
/* The path's object of rq->res (404 and NULL if none); its id in *id. */
cJSON *hm_sbx_crud_load(hm_sbx_req *rq, hm_sbx_resp *rs, long long *id);
/* The path's parent exists (else 404 and -1). */
int hm_sbx_crud_parent(hm_sbx_req *rq, hm_sbx_resp *rs);
void hm_sbx_crud_fill(const hm_sbx_resource *r, cJSON *doc);

/* Loads KIND/id or answers 404 "<Label> <id> not found." and returns NULL. */
cJSON *hm_sbx_load(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long id,
                   const char *label);
/* Stamps created/updated datetimes (created kept if given), inserts, sets uri
 * (URI_FMT gets the new id) and answers 201 with the stored document. Returns the id or -1. */
long long hm_sbx_create(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long parent,
                        cJSON *doc, const char *uri_fmt);
/* Stores DOC as KIND/id after stamping updated_datetime; answers STATUS with it. */
void hm_sbx_save(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long id, cJSON *doc,
                 int status);
void hm_sbx_delete_one(hm_sbx_req *rq, hm_sbx_resp *rs, const char *kind, long long id,
                       const char *label, int status);
/* Finds the first object of KIND whose JSON path equals VALUE; returns its id or 0. */
long long hm_sbx_find(hm_sbx_store *st, const char *kind, const char *path, const char *value);
/* A query on KIND with the request's arguments named in FILTERS as filters. */
void hm_sbx_query_init(hm_sbx_req *rq, hm_sbx_query *q, const char *kind,
                       const hm_sbx_filter *filters);
/* Turns a path parameter into the id list of a bulk body {"ids": [...]}; 400 if malformed. */
int hm_sbx_ids(hm_sbx_resp *rs, const cJSON *body, const char *key, long long **ids, int *n);

/* ---- custom-field values (sbx_fieldvalues.c) ---- */
/* [{id, value}] of OBJECT_TYPE ("Ticket", "Customer") field definitions → the
 * stored {"<id>": {id, value}}; NULL after a 400 naming PREFIX[i]. */
cJSON *hm_sbx_field_values(hm_sbx_req *rq, hm_sbx_resp *rs, const cJSON *vals,
                           const char *object_type, const char *prefix);

/* ---- shared by tickets and tags (sbx_routes_tickets.c) ---- */
/* The tag named NAME, created if it does not exist yet (a ticket's tags are sent
 * by name). Returns the stored tag (caller frees) or NULL after a 400. */
cJSON *hm_sbx_tag_by_name(hm_sbx_req *rq, hm_sbx_resp *rs, const char *name, const char *field);

/* ---- automation (sbx_automation.c): rules and account settings acting on tickets ---- */
/* Fires EVENT ("ticket-created", "ticket-updated", "ticket-assigned",
 * "ticket-message-created") on ticket TICKET_ID: every active rule listening to
 * it whose modelled conditions hold runs its modelled actions; each firing is
 * recorded (kind "automation"), mail it would send goes to kind "outbox". */
void hm_sbx_automation_fire(hm_sbx_req *rq, const char *event, long long ticket_id);
/* The account settings acting on a ticket after a change: a satisfaction survey
 * for a ticket that became closed, auto-assign / unassign on reply after
 * message MSG (NULL: no new message), auto-merge of a new ticket (CREATED). */
void hm_sbx_automation_settings(hm_sbx_req *rq, long long ticket_id, const cJSON *before,
                                const cJSON *msg, int created);
cJSON *hm_sbx_settings_defaults(void);  /* every setting, all off */
void hm_sbx_settings_all(hm_sbx_ctx *ctx, int on);  /* every switch on (1) or off (0) */
/* A setting value by "type.key" (e.g. "auto-merge.tickets.enabled"), NULL if unset. */
const cJSON *hm_sbx_setting(const hm_sbx_ctx *ctx, const char *path);
/* "type.key[.key]=JSON" into CTX->settings; -1 on a malformed one. */
int hm_sbx_setting_parse(hm_sbx_ctx *ctx, const char *spec);
/* The settings in the GET /api/account shape: [{"type", "data"}]. */
cJSON *hm_sbx_settings_list(const hm_sbx_ctx *ctx);
/* PUT /api/account/settings/{id}: switch members of one setting's data. */
void hm_sbx_setting_put(hm_sbx_req *rq, hm_sbx_resp *rs);
/* Records one firing (also used by the routes for events without a rule). */
void hm_sbx_automation_record(hm_sbx_req *rq, const char *event, long long ticket_id,
                              const char *source, const char *name, cJSON *actions);
/* Stores an outbox entry: what Gorgias would e-mail because of automation. */
void hm_sbx_outbox_add(hm_sbx_req *rq, const char *why, long long ticket_id, const char *to,
                       const char *subject);
extern const hm_sbx_route hm_sbx_routes_automation[];

#endif
