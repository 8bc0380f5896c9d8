/* hm_gorgias: the Gorgias profile — what hmap's C code knows of the Gorgias
 * REST API, in one table with one row per object kind (paths, how an existing
 * object is found, create-only fields, how it is deleted and read back), the
 * routes that belong to no kind, and the one MIME table. The checker, the
 * planner, the executor, verify and rollback read it; no other C file spells
 * a Gorgias path or MIME type (tests/arch/literals.sh checks).
 * stdlib/gorgias.hmap stays the language-level schema (fields, types, limits);
 * tests/arch/profile_schema.sh keeps the two in step (names, paths,
 * create-only marks). Plain const data: no libcurl, no cJSON, no state. */
#ifndef HM_GORGIAS_H
#define HM_GORGIAS_H
#include <stdbool.h>
#include <stddef.h>

/* Object kinds, in the order the checker suggests names from ("did you
 * mean"): a tie goes to the first. */
typedef enum hm_gkind {
  HM_GK_CUSTOMER, HM_GK_USER, HM_GK_TEAM, HM_GK_TAG, HM_GK_CUSTOM_FIELD, HM_GK_TICKET,
  HM_GK_MESSAGE, HM_GK_ATTACHMENT, HM_GK_UPLOAD, HM_GK_SURVEY, HM_GK_HC_CATEGORY,
  HM_GK_HC_ARTICLE, HM_GK_RULE,
  HM_GK_COUNT,
  HM_GK_NONE = HM_GK_COUNT
} hm_gkind;

/* How rollback removes an object of a kind. */
typedef enum hm_gdelete {
  HM_GDEL_ITEM,         /* DELETE item path, one by one */
  HM_GDEL_BULK,         /* DELETE collection {bulk_ids: [...]}, one by one if refused */
  HM_GDEL_JOB,          /* POST a job {type: job_type, params: {job_ids: [...]}} */
  HM_GDEL_DEACTIVATE,   /* PUT item {resend..., stamp: now}: no DELETE exists */
  HM_GDEL_NONE          /* no API deletes it: listed as left in Gorgias */
} hm_gdelete;

/* A server-side list filter: the unique field `field` is found with
 * `?param=value` on the collection. */
typedef struct hm_gfilter { const char *field, *param; } hm_gfilter;

typedef struct hm_gorgias_kind {
  const char *name;          /* the schema's target name */
  const char *collection;    /* POST and list path; {x}: a setting or the parent's id */
  const char *item;          /* one object: the concrete collection + "/" + its id, which
                                verify GETs, delta PUTs and rollback DELETEs; NULL: none */
  unsigned create_rank;      /* checker's source order: what others point to first */
  hm_gfilter filters[4];     /* lookups by unique field; NULL-terminated */
  const char *scope_param;   /* a filter every list of the kind needs, or NULL */
  const char *scope_from[2]; /* its value's path in the create body (member, nested) */
  bool prefer_existing;      /* looked up before every create: reuse, not duplicate */
  const char *const *create_only;   /* fields an update must not send; NULL-terminated */
  const char *envelope;      /* member the API nests some fields in, or NULL */
  const char *enveloped[10]; /* those fields; NULL-terminated */
  const char *wrap_field, *wrap_key;   /* scalar sent as {wrap_key: value} */
  hm_gdelete del;
  const char *bulk_ids;      /* HM_GDEL_BULK: the body's id list member */
  const char *job_type, *job_ids;      /* HM_GDEL_JOB */
  const char *resend[4];     /* HM_GDEL_DEACTIVATE: fields PUT wants back */
  const char *stamp;         /* HM_GDEL_DEACTIVATE: the datetime field set to now */
  const char *unechoed[3];   /* verify: fields taken on create, never read back as sent */
} hm_gorgias_kind;

extern const hm_gorgias_kind HM_GORGIAS[HM_GK_COUNT];

/* Routes and names that belong to no object kind. */
typedef struct hm_gorgias_routes {
  const char *account;            /* GET: the preflight's "are we let in" call */
  const char *jobs;               /* POST a job; GET jobs/{id} for its status */
  const char *ticket_messages;    /* list of one ticket's messages: + ticket id */
  const char *messages_oldest_first;   /* appended to it: verify's order */
  const char *help_center_prefix; /* lists under it are page-based */
  const char *rate_limit_header;  /* "n/40" on every answer */
  const char *upload_part;        /* the multipart part that carries the file */
  const char *nested_list;        /* a ticket's messages, sent inside its create */
  const char *help_center_auth;   /* POST (Basic): {access_token, token_type, expires_in} */
  const char *help_center_host;   /* the Help Center API's base URL for a *.gorgias.com account */
  const char *account_domain;     /* the host suffix of a Gorgias account */
  const char *ticket_customer;    /* a ticket's customer: {id} or {email, name} found or made */
  const char *account_setting;    /* PUT + the setting's id: {type, data} (pausing automation) */
} hm_gorgias_routes;

extern const hm_gorgias_routes HM_GORGIAS_ROUTES;

/* Upload size above which the run does not upload a file (planner setting
 * max_upload_bytes' default): gorgias-api.md §5.12 and §9 give no number,
 * only "413 above the size limit"; 25 MiB is hmap's assumption, and the
 * sandbox's default (sandbox/sbx_main.c) agrees. */
#define HM_GORGIAS_UPLOAD_LIMIT_DEFAULT "26214400"

/* Messages a ticket create carries at most (§5.1 "1-500", §6); the planner
 * sends the rest as follow-up messages. The schema's `max 500` agrees
 * (tests/arch/profile_schema.c). */
#define HM_GORGIAS_TICKET_MESSAGES_MAX 500

/* Ticket fields a follow-up message can change (a customer's reply reopens a
 * closed ticket; any message moves updated_datetime and the last-message
 * datetimes): a ticket whose messages did not fit in its create gets them back
 * from the create with one update after its last message. NULL-terminated. */
extern const char *const HM_GORGIAS_TICKET_RESTORE[];
/* Ticket time-line fields CreateTicket takes that no public source says
 * Gorgias keeps as sent (gorgias-fidelity.md 1.8): `hmaprun probe` sends them
 * and reports the ones the account drops (refused_fields). NULL-terminated. */
extern const char *const HM_GORGIAS_TICKET_TIMELINE[];
/* The upload's type, a query parameter of the upload route (gorgias-fidelity.md
 * 1.5): files shown in public content (Help Center article images) must be
 * public, an attachment's URL is private. */
#define HM_GORGIAS_UPLOAD_TYPE_PARAM "type"
#define HM_GORGIAS_UPLOAD_PUBLIC "public_attachment"
#define HM_GORGIAS_UPLOAD_DEFAULT "attachment"

/* The account setting types (GET of the account, `settings: [{type, data}]`)
 * whose switches act on the tickets an import creates: surveys mailed when a
 * ticket closes, auto-merge, auto-split, auto-assign and unassign on reply
 * (gorgias-fidelity.md 1.9, [DTO] AccountSetting types). NULL-terminated. */
extern const char *const HM_GORGIAS_TICKET_SETTINGS[];

/* Write permission proved before the first create (rn_prove.c): a kind, and a
 * field whose unchanged value is PUT back on an existing object of it. Gorgias
 * publishes no role matrix (gorgias-fidelity.md 1.3), so a no-op write is the
 * proof. Tickets (rules fire on ticket-updated) and the Help Center (its own
 * host) are never proved. Ends with HM_GK_COUNT. */
typedef struct hm_gorgias_prove { hm_gkind kind; const char *field; } hm_gorgias_prove;
extern const hm_gorgias_prove HM_GORGIAS_PROVE[];

/* The role of a key that may write every kind (the account's
 * current_user.role.name; gorgias-fidelity.md 1.3: creating users needs it). */
#define HM_GORGIAS_ROLE_ADMIN "admin"

/* The status a message leaves as it is (a reply reopens; nothing closes). */
#define HM_GORGIAS_TICKET_STATUS_OPEN "open"

/* The row of a schema target name, or NULL. */
const hm_gorgias_kind *hm_gorgias_named(const char *name);
hm_gkind hm_gorgias_kind_named(const char *name);

/* The row whose collection a concrete path is (a {hole} matches one
 * non-empty segment, a ?query is ignored), or NULL. */
const hm_gorgias_kind *hm_gorgias_at(const char *path);

/* By name, else by path: state rows carry both. */
const hm_gorgias_kind *hm_gorgias_of(const char *name, const char *path);

/* An uploaded file (Upload or Attachment by name, or a path under the
 * upload route): nothing to read back, nothing to delete (§5.12, §5.16). */
bool hm_gorgias_is_upload(const char *name, const char *path);

/* tmpl with its first {hole} replaced by value, into out (snprintf rules:
 * returns the length it needs). */
int hm_gorgias_fill(char *out, size_t cap, const char *tmpl, const char *value);

/* The collection of kind `child` under one parent object: parent_item (a
 * concrete item path) and what the child's template has after its first
 * {hole}, e.g. a ticket's messages. snprintf rules. */
int hm_gorgias_child(char *out, size_t cap, const char *parent_item, hm_gkind child);

/* The ticket id of a concrete message collection path, or 0. */
long long hm_gorgias_ticket_of_messages(const char *path);

/* The list filter of unique field `field` on collection path coll, or NULL. */
const char *hm_gorgias_filter(const char *coll, const char *field);

/* Lists under path are page-based (Help Center) rather than cursor-based. */
bool hm_gorgias_paged(const char *path);

/* A call to path goes to the Help Center's own host (every Help Center route
 * but the token exchange, which the account's host answers). */
bool hm_gorgias_help_center_route(const char *path);

/* The default Help Center base URL for an account URL: the profile's host for
 * a *.gorgias.com account, NULL for any other target (it serves the Help
 * Center itself, with the account's credentials: hmap-sandbox, a proxy). */
const char *hm_gorgias_help_center_default(const char *target);

/* MIME type of an extension (no dot, any case, n bytes), NULL if unknown;
 * HM_GORGIAS_MIME_DEFAULT is what an unknown one is sent as. */
const char *hm_gorgias_mime(const char *ext, size_t n);
extern const char *const HM_GORGIAS_MIME_DEFAULT;

/* The fields of a created object of kind k that a "{ref:SOURCE:KEY#field}" in a string may
 * name: those the run keeps from Gorgias' answer (runtime/run/rn_answer.c), and "id" for
 * every kind with one (an upload answers a url, no id). The first is what a bare
 * "{ref:SOURCE:KEY}" gives. NULL-terminated. */
const char *const *hm_gorgias_returned(hm_gkind k);

#endif
