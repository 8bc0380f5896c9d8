/* hm_gorgias: the Gorgias profile's data — one row per object kind, the
 * routes of no kind, the MIME table — and the lookups over them (see
 * hm_gorgias.h). Every fact names its source: "§n" is a section of
 * ../shared/reference/gorgias-api.md; [INF] marks what hmap infers where no
 * source says. */
#include "hm_gorgias.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* §5.1 "Update body": the same fields as create except these. No source
 * lists create-only fields of another kind [INF]: they are stripped from
 * every update, where they are no field of the kind or server-set. */
static const char *const UPDATE_STRIP[] = {"messages", "created_datetime", "imported", "split_from",
                                           NULL};

/* Verify: `imported` is taken on create and never echoed (§5.1, §5.2: semantics
 * undocumented); updated_datetime is the server's clock (§5.1 response). */
#define UNECHOED {"imported", "updated_datetime", NULL}

const hm_gorgias_kind HM_GORGIAS[HM_GK_COUNT] = {
  /* §5.3: ?email/external_id/name filters (§3.4); email duplicate = 409; bulk
   * DELETE {ids}; no `organization` field, so it travels in meta. */
  [HM_GK_CUSTOMER] = {.name = "Customer", .collection = "/api/customers",
    .item = "/api/customers/{id}", .create_rank = 2,
    .filters = {{"email", "email"}, {"external_id", "external_id"}, {"name", "name"}},
    .create_only = UPDATE_STRIP, .envelope = "meta", .enveloped = {"organization"},
    .del = HM_GDEL_BULK, .bulk_ids = "ids", .unechoed = UNECHOED},
  /* §5.4: ?email/external_id (§3.4); role sent as {"name": ...}; single
   * DELETE only. Agents exist before a migration: looked up first. */
  [HM_GK_USER] = {.name = "User", .collection = "/api/users", .item = "/api/users/{id}",
    .create_rank = 3,
    .filters = {{"email", "email"}, {"external_id", "external_id"}}, .prefer_existing = true,
    .create_only = UPDATE_STRIP, .wrap_field = "role", .wrap_key = "name",
    .del = HM_GDEL_ITEM, .unechoed = UNECHOED},
  /* §5.5: no list filter (found by reading the list); single DELETE. */
  [HM_GK_TEAM] = {.name = "Team", .collection = "/api/teams", .item = "/api/teams/{id}",
    .create_rank = 4,
    .create_only = UPDATE_STRIP, .del = HM_GDEL_ITEM, .unechoed = UNECHOED},
  /* §5.6: only ?search (case-insensitive substring: the match is exact
   * afterwards, names are case-sensitive); bulk DELETE {ids}. */
  [HM_GK_TAG] = {.name = "Tag", .collection = "/api/tags", .item = "/api/tags/{id}",
    .create_rank = 0,
    .filters = {{"name", "search"}}, .create_only = UPDATE_STRIP,
    .del = HM_GDEL_BULK, .bulk_ids = "ids", .unechoed = UNECHOED},
  /* §5.7: lists need ?object_type; no DELETE — deactivated with
   * deactivated_datetime, and PUT wants object_type, label, definition back.
   * Often made by hand before a migration: looked up first. */
  [HM_GK_CUSTOM_FIELD] = {.name = "CustomField", .collection = "/api/custom-fields",
    .item = "/api/custom-fields/{id}", .create_rank = 1,
    .scope_param = "object_type", .scope_from = {"object_type"}, .prefer_existing = true,
    .create_only = UPDATE_STRIP, .del = HM_GDEL_DEACTIVATE,
    .resend = {"object_type", "label", "definition"}, .stamp = "deactivated_datetime",
    .unechoed = UNECHOED},
  /* §5.1: ?external_id (§3.4); bulk deletion is a deleteTicket job of
   * ticket_ids (§5.14, [INF] from the enum and params). */
  [HM_GK_TICKET] = {.name = "Ticket", .collection = "/api/tickets", .item = "/api/tickets/{id}",
    .create_rank = 7, .filters = {{"external_id", "external_id"}}, .create_only = UPDATE_STRIP,
    .del = HM_GDEL_JOB, .job_type = "deleteTicket", .job_ids = "ticket_ids", .unechoed = UNECHOED},
  /* §5.2: created under its ticket; listed by GET /api/messages?ticket_id=
   * (the per-ticket list is deprecated, §7.3); DELETE per item (§5.16). */
  [HM_GK_MESSAGE] = {.name = "Message", .collection = "/api/tickets/{ticket_id}/messages",
    .item = "/api/tickets/{ticket_id}/messages/{id}", .create_rank = 8, .create_only = UPDATE_STRIP,
    .del = HM_GDEL_ITEM, .unechoed = UNECHOED},
  /* §5.2 attachments are the answer of an upload (§5.12): no endpoint of
   * their own, no DELETE (§5.16). */
  [HM_GK_ATTACHMENT] = {.name = "Attachment", .collection = "/api/upload", .create_rank = 6,
    .create_only = UPDATE_STRIP, .del = HM_GDEL_NONE, .unechoed = UNECHOED},
  /* §5.12: multipart POST, 201 with an array; no DELETE (§5.16). */
  [HM_GK_UPLOAD] = {.name = "Upload", .collection = "/api/upload", .create_rank = 5,
    .create_only = UPDATE_STRIP, .del = HM_GDEL_NONE, .unechoed = UNECHOED},
  /* §5.11: no DELETE. */
  [HM_GK_SURVEY] = {.name = "SatisfactionSurvey", .collection = "/api/satisfaction-surveys",
    .item = "/api/satisfaction-surveys/{id}", .create_rank = 9, .create_only = UPDATE_STRIP,
    .del = HM_GDEL_NONE, .unechoed = UNECHOED},
  /* §5.15 (C1): localised text in `translation`, lists page-based and per
   * ?locale, DELETE per item (only when empty). */
  [HM_GK_HC_CATEGORY] = {.name = "HelpCenterCategory",
    .collection = "/api/help-center/help-centers/{help_center_id}/categories",
    .item = "/api/help-center/help-centers/{help_center_id}/categories/{id}", .create_rank = 10,
    .scope_param = "locale", .scope_from = {"translation", "locale"},
    .create_only = UPDATE_STRIP, .envelope = "translation",
    .enveloped = {"title", "description", "slug", "locale", "parent_category_id",
                  "visibility_status", "seo_meta"},
    .del = HM_GDEL_ITEM, .unechoed = UNECHOED},
  [HM_GK_HC_ARTICLE] = {.name = "HelpCenterArticle",
    .collection = "/api/help-center/help-centers/{help_center_id}/articles",
    .item = "/api/help-center/help-centers/{help_center_id}/articles/{id}", .create_rank = 11,
    .scope_param = "locale", .scope_from = {"translation", "locale"},
    .create_only = UPDATE_STRIP, .envelope = "translation",
    .enveloped = {"title", "content", "excerpt", "slug", "locale", "is_current",
                  "visibility_status", "seo_meta"},
    .del = HM_GDEL_ITEM, .unechoed = UNECHOED},
  /* §5.9: DELETE per item; the preflight lists them (§6: auto-replies). */
  [HM_GK_RULE] = {.name = "Rule", .collection = "/api/rules", .item = "/api/rules/{id}",
    .create_rank = 12,
    .create_only = UPDATE_STRIP, .del = HM_GDEL_ITEM, .unechoed = UNECHOED},
};

/* users first: the key's own user is the most harmless object to write back */
const hm_gorgias_prove HM_GORGIAS_PROVE[] = {
    {HM_GK_USER, "name"}, {HM_GK_TEAM, "name"}, {HM_GK_CUSTOMER, "name"}, {HM_GK_TAG, "name"},
    {HM_GK_COUNT, NULL}};

/* status first: the planner skips a restore of an open status alone. */
const char *const HM_GORGIAS_TICKET_RESTORE[] = {
    "status", "opened_datetime", "closed_datetime", "updated_datetime", "last_message_datetime",
    "last_received_message_datetime", "snooze_datetime", NULL};

const char *const HM_GORGIAS_TICKET_TIMELINE[] = {
    "opened_datetime", "last_message_datetime", "last_received_message_datetime", NULL};

const char *const HM_GORGIAS_TICKET_SETTINGS[] = {
    "satisfaction-surveys", "auto-merge", "auto-split", "ticket-assignment", NULL};

const hm_gorgias_routes HM_GORGIAS_ROUTES = {
  .account = "/api/account",                          /* §1.1: a cheap credential probe */
  .jobs = "/api/jobs",                                /* §5.14 */
  .ticket_messages = "/api/messages?ticket_id=",      /* §3.4, §5.2, §7.3 */
  .messages_oldest_first = "&order_by=created_datetime:asc",   /* §5.2 */
  .help_center_prefix = "/api/help-center/",          /* §5.15, §3.2 */
  .rate_limit_header = "X-Gorgias-Account-Api-Call-Limit",   /* §2 */
  .upload_part = "file",                              /* §5.12: "usually named file" */
  .nested_list = "messages",                          /* §5.1: 1..500 in the ticket create */
  .help_center_auth = "/api/help-center/auth",        /* fid §1.2 [HC1] */
  /* fid §1.2 [HC2] getHelpCenterApiBaseUrl(): read from a client, UNCONFIRMED
   * against a live account; --help-center-url overrides it. */
  .help_center_host = "https://internal-help-center-api.gorgias.com",
  .account_domain = ".gorgias.com",
  .ticket_customer = "customer",                      /* §5.1: by id, or by e-mail (+ name) */
  /* fid §1.9: [DTO] AccountSetting objects carry an id; the PUT of one by id is
   * read from the DTO's update type, UNCONFIRMED against a live account (the
   * run reads every switch back before it trusts it, docs/run.md "Pausing"). */
  .account_setting = "/api/account/settings/",
};

/* Gorgias takes any content_type on an attachment (§5.2: a required string;
 * §5.12's answer echoes the upload's) and documents no list of accepted types,
 * so the types are the standard ones: the IANA media-type registry (RFC 6838)
 * unless noted. The union of the planner's and the mime_type() builtin's
 * tables, which agreed on every extension both had. */
static const struct { const char *ext, *type; } MIME[] = {
  {"7z", "application/x-7z-compressed"},     /* unregistered: the x- type in use */
  {"avi", "video/x-msvideo"},                /* unregistered: the x- type in use */
  {"bmp", "image/bmp"}, {"csv", "text/csv"},  /* RFC 7111 */
  {"doc", "application/msword"},
  {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
  {"eml", "message/rfc822"},                 /* RFC 5322 */
  {"gif", "image/gif"}, {"gz", "application/gzip"},   /* RFC 6713 */
  {"heic", "image/heic"}, {"htm", "text/html"}, {"html", "text/html"},
  {"ico", "image/vnd.microsoft.icon"}, {"ics", "text/calendar"},   /* RFC 5545 */
  {"jpeg", "image/jpeg"}, {"jpg", "image/jpeg"},
  {"js", "text/javascript"},                 /* RFC 9239 */
  {"json", "application/json"},              /* RFC 8259 */
  {"log", "text/plain"}, {"md", "text/markdown"},   /* RFC 7763 */
  {"mov", "video/quicktime"}, {"mp3", "audio/mpeg"}, {"mp4", "video/mp4"},
  {"msg", "application/vnd.ms-outlook"},
  {"odp", "application/vnd.oasis.opendocument.presentation"},
  {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
  {"odt", "application/vnd.oasis.opendocument.text"},
  {"ogg", "audio/ogg"}, {"pdf", "application/pdf"}, {"png", "image/png"},
  {"ppt", "application/vnd.ms-powerpoint"},
  {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
  {"rar", "application/vnd.rar"}, {"rtf", "application/rtf"}, {"svg", "image/svg+xml"},
  {"tar", "application/x-tar"},              /* unregistered: the x- type in use */
  {"tif", "image/tiff"}, {"tiff", "image/tiff"}, {"txt", "text/plain"},
  {"wav", "audio/wav"},                      /* what browsers send; IANA: audio/vnd.wave */
  {"webm", "video/webm"}, {"webp", "image/webp"}, {"xls", "application/vnd.ms-excel"},
  {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
  {"xml", "application/xml"},                /* RFC 7303 */
  {"zip", "application/zip"},
};

const char *const HM_GORGIAS_MIME_DEFAULT = "application/octet-stream";   /* RFC 2046 */

const char *hm_gorgias_mime(const char *ext, size_t n) {
  for (size_t i = 0; i < sizeof MIME / sizeof *MIME; i++)
    if (strlen(MIME[i].ext) == n && !strncasecmp(ext, MIME[i].ext, n)) return MIME[i].type;
  return NULL;
}

const char *const *hm_gorgias_returned(hm_gkind k) {
  static const char *const upload[] = { "url", NULL };
  static const char *const custom_field[] = { "id", "object_type", "label", NULL };
  static const char *const id_only[] = { "id", NULL };
  if (k == HM_GK_UPLOAD || k == HM_GK_ATTACHMENT) return upload;
  return k == HM_GK_CUSTOM_FIELD ? custom_field : id_only;
}

const hm_gorgias_kind *hm_gorgias_named(const char *name) {
  hm_gkind k = hm_gorgias_kind_named(name);
  return k == HM_GK_NONE ? NULL : &HM_GORGIAS[k];
}

hm_gkind hm_gorgias_kind_named(const char *name) {
  if (name)
    for (int k = 0; k < HM_GK_COUNT; k++)
      if (!strcmp(HM_GORGIAS[k].name, name)) return (hm_gkind)k;
  return HM_GK_NONE;
}

/* path matches tmpl: a {hole} takes one non-empty segment; the hole's text
 * goes to *hole (start and length) when asked. A ?query ends the path. */
static bool matches(const char *tmpl, const char *path, const char **hole, size_t *hole_len) {
  while (*tmpl) {
    if (*tmpl == '{') {
      size_t n = strcspn(path, "/?");
      if (!n) return false;
      if (hole && !*hole) { *hole = path; *hole_len = n; }
      path += n;
      tmpl = strchr(tmpl, '}');
      if (!tmpl) return false;
      tmpl++;
    } else if (*tmpl++ != *path++) {
      return false;
    }
  }
  return !*path || *path == '?';
}

const hm_gorgias_kind *hm_gorgias_at(const char *path) {
  if (path)
    for (int k = 0; k < HM_GK_COUNT; k++)
      if (matches(HM_GORGIAS[k].collection, path, NULL, NULL)) return &HM_GORGIAS[k];
  return NULL;
}

const hm_gorgias_kind *hm_gorgias_of(const char *name, const char *path) {
  const hm_gorgias_kind *g = hm_gorgias_named(name);
  return g ? g : hm_gorgias_at(path);
}

bool hm_gorgias_is_upload(const char *name, const char *path) {
  hm_gkind k = hm_gorgias_kind_named(name);
  const char *up = HM_GORGIAS[HM_GK_UPLOAD].collection;
  return k == HM_GK_UPLOAD || k == HM_GK_ATTACHMENT || (path && !strncmp(path, up, strlen(up)));
}

int hm_gorgias_fill(char *out, size_t cap, const char *tmpl, const char *value) {
  const char *open = strchr(tmpl, '{'), *close = open ? strchr(open, '}') : NULL;
  if (!close) return snprintf(out, cap, "%s", tmpl);
  return snprintf(out, cap, "%.*s%s%s", (int)(open - tmpl), tmpl, value, close + 1);
}

int hm_gorgias_child(char *out, size_t cap, const char *parent_item, hm_gkind child) {
  const char *close = strchr(HM_GORGIAS[child].collection, '}');
  return snprintf(out, cap, "%s%s", parent_item, close ? close + 1 : "");
}

long long hm_gorgias_ticket_of_messages(const char *path) {
  const char *hole = NULL;
  size_t n = 0;
  if (!path || !matches(HM_GORGIAS[HM_GK_MESSAGE].collection, path, &hole, &n)) return 0;
  char *end;
  long long id = strtoll(hole, &end, 10);
  return end == hole + n ? id : 0;
}

const char *hm_gorgias_filter(const char *coll, const char *field) {
  const hm_gorgias_kind *g = hm_gorgias_at(coll);
  size_t n = g ? sizeof g->filters / sizeof *g->filters : 0;
  for (size_t i = 0; field && i < n && g->filters[i].field; i++)
    if (!strcmp(g->filters[i].field, field)) return g->filters[i].param;
  return NULL;
}

bool hm_gorgias_paged(const char *path) {
  return strstr(path, HM_GORGIAS_ROUTES.help_center_prefix) != NULL;
}

bool hm_gorgias_help_center_route(const char *path) {
  const char *auth = HM_GORGIAS_ROUTES.help_center_auth;
  size_t n = strlen(auth);
  if (!strncmp(path, auth, n) && (!path[n] || path[n] == '?')) return false;
  return !strncmp(path, HM_GORGIAS_ROUTES.help_center_prefix,
                  strlen(HM_GORGIAS_ROUTES.help_center_prefix));
}

const char *hm_gorgias_help_center_default(const char *target) {
  const char *host = target ? strstr(target, "://") : NULL;
  if (!host) return NULL;
  host += 3;
  size_t n = strcspn(host, ":/?#");
  const char *dom = HM_GORGIAS_ROUTES.account_domain;
  size_t d = strlen(dom);
  if (n <= d || strncasecmp(host + n - d, dom, d)) return NULL;
  return HM_GORGIAS_ROUTES.help_center_host;
}
