/* hm_resolve: turning a planned call into what is sent — references to
 * objects the run created ({"$ref"}, "{ref:R}", "{ref:R#field}") through the id
 * map, agents matched by e-mail ({"$agent"}) through one listing of the
 * account's users, files that were not uploaded dropped with their element —
 * and finding an existing object by its unique fields, which is how a create
 * whose answer was lost is resolved without creating it twice. It reads the
 * state and lists Gorgias, and writes only into the results it returns. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "rn.h"

/* ---- reference resolution ---- */

/* RES_OMIT_UP: an optional agent found nowhere; its wrapper object ({"id":
 * agent}) answers RES_OMIT to its own parent, which leaves that member out. */
enum { RES_OK = 0, RES_MISSING = 1, RES_DROP = 2, RES_OMIT_UP = 3, RES_OMIT = 4 };

struct hm_resolver {
  hm_http *http;
  hm_store *st;
  cJSON *agents;   /* lower(email) -> id; NULL until the account's users are first needed */
};

/* One resolution under way: out collects what the caller acts on. */
typedef struct resolve_ctx { hm_resolver *rv; hm_resolved *out; char missing[300]; } resolve_ctx;

hm_resolver *hm_resolver_open(hm_http *http, hm_store *st) {
  hm_resolver *rv = calloc(1, sizeof *rv);
  if (rv) { rv->http = http; rv->st = st; }
  return rv;
}

void hm_resolver_close(hm_resolver *rv) {
  if (!rv) return;
  cJSON_Delete(rv->agents);
  free(rv);
}

static int learn_agent(void *ctx, const cJSON *u) {
  cJSON *map = ctx;
  const char *e = hm_rn_json_str(u, "email");
  long long id = hm_rn_json_id(u);
  if (e && id) {
    char low[330];
    snprintf(low, sizeof low, "%s", e);
    for (char *q = low; *q; q++) *q = (char)tolower((unsigned char)*q);
    if (!cJSON_GetObjectItemCaseSensitive(map, low)) cJSON_AddNumberToObject(map, low, (double)id);
  }
  return 0;
}

void hm_resolver_learn_user(hm_resolver *rv, const cJSON *user) {
  if (rv->agents && user) learn_agent(rv->agents, user);
}

/* The account's users are listed once, on the first agent to resolve; a
 * listing that fails leaves the cache as far as it got (note says why). */
static long long agent_id(resolve_ctx *rc, const char *email) {
  hm_resolver *rv = rc->rv;
  if (!email) return 0;
  if (!rv->agents) {
    rv->agents = cJSON_CreateObject();
    char err[300];
    const char *users = HM_GORGIAS[HM_GK_USER].collection;
    if (hm_http_list(rv->http, users, 0, learn_agent, rv->agents, err, sizeof err))
      snprintf(rc->out->note, sizeof rc->out->note, "cannot list Gorgias users: %s", err);
  }
  char low[330];
  snprintf(low, sizeof low, "%s", email);
  for (char *q = low; *q; q++) *q = (char)tolower((unsigned char)*q);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(rv->agents, low);
  return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static void raise_flag(resolve_ctx *rc, const char *severity, const char *msg);

/* A reference to a record Gorgias refused with 403 (the key's role may not
 * write its kind, rn_exec.c forbid): the records naming it still go. An agent
 * already in the account with the refused user's e-mail stands in for it;
 * otherwise the reference becomes null (an assignee left unassigned), flagged.
 * NULL: the record was not refused that way. */
static cJSON *refused_ref(resolve_ctx *rc, const char *ref, const char *field) {
  char key[600], email[330] = "";
  hm_jrow j;
  snprintf(key, sizeof key, "create:%s", ref);
  if ((field && strcmp(field, "id")) || !hm_store_journal_get(rc->rv->st, key, &j) ||
      j.state != HM_J_FAILED || j.status != 403)
    return NULL;
  int user = j.target && hm_gorgias_kind_named(j.target) == HM_GK_USER;
  cJSON *body = user && j.body ? cJSON_Parse(j.body) : NULL;
  const char *e = hm_rn_json_str(body, "email");
  if (e) snprintf(email, sizeof email, "%s", e);
  cJSON_Delete(body);
  char msg[900];
  long long id = email[0] ? agent_id(rc, email) : 0;
  if (id) {
    snprintf(msg, sizeof msg, "%s was refused by Gorgias (HTTP 403): the account's user %s "
             "is used", ref, email);
    raise_flag(rc, "info", msg);
    return cJSON_CreateNumber((double)id);
  }
  rc->out->unresolved += 2;
  snprintf(msg, sizeof msg, "%s was refused by Gorgias (HTTP 403) and no user of the account "
           "has its e-mail: left out (null)", ref);
  raise_flag(rc, "warn", msg);
  return cJSON_CreateNull();
}

/* Value of {"$ref": R [, "field": F]} — a new node, or NULL with rc set. */
static cJSON *ref_value(resolve_ctx *rc, const char *ref, const char *field, int *res) {
  hm_idrow row;
  if (!hm_store_id_get(rc->rv->st, ref, &row) || row.deleted) {
    cJSON *stand_in = refused_ref(rc, ref, field);
    if (stand_in) return stand_in;
    snprintf(rc->missing, sizeof rc->missing, "%s", ref);
    *res = RES_MISSING;
    return NULL;
  }
  cJSON *fields = row.fields ? cJSON_Parse(row.fields) : NULL;
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fields, "skipped"))) {
    cJSON_Delete(fields);
    *res = RES_DROP;
    return NULL;
  }
  cJSON *out = NULL;
  if ((!field || !strcmp(field, "id")) && row.gid <= 0) {
    /* No valid Gorgias id was ever recorded for it (an upload has none):
     * never sent as 0 in a body or a path. */
    snprintf(rc->missing, sizeof rc->missing, "%s (no Gorgias id)", ref);
    *res = RES_MISSING;
  } else if (!field || !strcmp(field, "id")) {
    out = cJSON_CreateNumber((double)row.gid);
  } else {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(fields, field);
    if (v) out = cJSON_Duplicate(v, 1);
    else {
      snprintf(rc->missing, sizeof rc->missing, "%s (field %s)", ref, field);
      *res = RES_MISSING;
    }
  }
  cJSON_Delete(fields);
  return out;
}

/* A flag for the caller to record on the call's record. */
static void raise_flag(resolve_ctx *rc, const char *severity, const char *msg) {
  hm_resolved *o = rc->out;
  hm_resolve_flag *f = realloc(o->flags, (o->nflags + 1) * sizeof *f);
  char *m = strdup(msg);
  if (!f || !m) abort();
  o->flags = f;
  o->flags[o->nflags++] = (hm_resolve_flag){ severity, m };
}

static cJSON *agent_value(resolve_ctx *rc, const cJSON *node, int *res) {
  const char *email = hm_rn_json_str(node, "$agent");
  long long id = agent_id(rc, email);
  if (id) return cJSON_CreateNumber((double)id);
  rc->out->unresolved++;   /* one for the fallback, two if left unassigned (below) */
  const char *fb = hm_rn_json_str(node, "fallback");
  const char *text = hm_rn_json_str(node, "flag");
  /* a literal: the flag outlives the call's JSON */
  const char *given = text ? hm_rn_json_str(node, "severity") : NULL, *sev = "info";
  if (given && !strcmp(given, "warn")) sev = "warn";
  if (given && !strcmp(given, "review")) sev = "review";
  char msg[700];
  long long fid = agent_id(rc, fb);
  if (fid) {
    snprintf(msg, sizeof msg, "%s", text ? text : "");
    if (!text)
      snprintf(msg, sizeof msg, "agent %s not found in Gorgias: used fallback %s",
               email ? email : "?", fb);
    raise_flag(rc, sev, msg);
    return cJSON_CreateNumber((double)fid);
  }
  rc->out->unresolved++;
  int optional = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(node, "optional"));
  snprintf(msg, sizeof msg, "agent %s not found in Gorgias%s%s: %s", email ? email : "?",
           fb ? " nor fallback " : "", fb ? fb : "",
           optional ? "left out (Gorgias takes the API key's user)" : "left unassigned");
  raise_flag(rc, "warn", msg);
  if (optional) { *res = RES_OMIT_UP; return NULL; }
  return cJSON_CreateNull();
}

/* Replace {ref:R} and {ref:R#field} inside a string (paths, HTML bodies). */
static int resolve_string(resolve_ctx *rc, const char *s, hm_buf *out) {
  const char *p;
  while ((p = strstr(s, "{ref:"))) {
    const char *e = strchr(p, '}');
    if (!e) break;
    hm_buf_put(out, s, (size_t)(p - s));
    char ref[512];
    snprintf(ref, sizeof ref, "%.*s", (int)(e - p - 5), p + 5);
    char *hash = strchr(ref, '#');
    if (hash) *hash++ = 0;
    int res = RES_OK;
    cJSON *v = ref_value(rc, ref, hash, &res);
    /* A file that was not uploaded (flagged when it was skipped): its inline
     * reference becomes empty rather than failing the whole message. */
    if (!v && res == RES_DROP) { s = e + 1; continue; }
    if (!v) return res;
    if (cJSON_IsNumber(v)) hm_buf_printf(out, "%lld", (long long)v->valuedouble);
    else if (cJSON_IsString(v)) hm_buf_puts(out, v->valuestring);
    cJSON_Delete(v);
    s = e + 1;
  }
  hm_buf_puts(out, s);
  return RES_OK;
}

static int resolve_node(resolve_ctx *rc, cJSON *parent, cJSON *node);

/* cJSON_ReplaceItemViaPointer keeps the position but not the member name. */
static void replace_node(cJSON *parent, cJSON *node, cJSON *v) {
  if (v->string && !(v->type & cJSON_StringIsConst)) cJSON_free(v->string);
  v->string = NULL;
  if (node->string) {
    v->string = strdup(node->string);
    v->type &= ~cJSON_StringIsConst;
  }
  cJSON_ReplaceItemViaPointer(parent, node, v);
}

static int resolve_children(resolve_ctx *rc, cJSON *node) {
  cJSON *it = node->child;
  while (it) {
    cJSON *next = it->next;
    int r = resolve_node(rc, node, it);
    if (r == RES_DROP && cJSON_IsArray(node)) cJSON_Delete(cJSON_DetachItemViaPointer(node, it));
    else if (r == RES_OMIT) cJSON_Delete(cJSON_DetachItemViaPointer(node, it));
    else if (r == RES_OMIT_UP) return RES_OMIT;
    else if (r) return r;   /* a drop inside an object drops the object (up to its array) */
    it = next;
  }
  return RES_OK;
}

static int resolve_node(resolve_ctx *rc, cJSON *parent, cJSON *node) {
  if (cJSON_IsObject(node)) {
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(node, "$ref");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(node, "$agent");
    if (cJSON_IsString(r) || a) {
      int res = RES_OK;
      cJSON *v = a ? agent_value(rc, node, &res)
                   : ref_value(rc, r->valuestring, hm_rn_json_str(node, "field"), &res);
      if (!v) return res;
      replace_node(parent, node, v);
      return RES_OK;
    }
    return resolve_children(rc, node);
  }
  if (cJSON_IsArray(node)) return resolve_children(rc, node);
  if (cJSON_IsString(node) && strstr(node->valuestring, "{ref:")) {
    hm_buf b; hm_buf_init(&b);
    int res = resolve_string(rc, node->valuestring, &b);
    if (!res) replace_node(parent, node, cJSON_CreateString(hm_buf_cstr(&b)));
    hm_buf_free(&b);
    return res;
  }
  return RES_OK;
}

/* A reference to a file that was not uploaded (too large, unreadable) drops
 * the element of the nearest enclosing list — the whole attachment, which
 * would be refused without its url — and the drop was flagged at upload time.
 * With no list in between, the call cannot be made. */
static int resolve_body(resolve_ctx *rc, cJSON *wrapper) {
  int r = resolve_node(rc, NULL, wrapper);
  if (r == RES_OMIT || r == RES_OMIT_UP) r = RES_OK;   /* nothing above it to leave out */
  if (r == RES_DROP) {
    snprintf(rc->missing, sizeof rc->missing, "a file that was not uploaded");
    r = RES_MISSING;
  }
  return r;
}

/* Why a reference is missing, for the report. */
static void explain_missing(hm_store *st, const char *ref, char *out, size_t cap) {
  char key[600];
  const char *phases[] = { "create", "upload", "message" };
  for (size_t i = 0; i < 3; i++) {
    hm_jrow j;
    snprintf(key, sizeof key, "%s:%s", phases[i], ref);
    if (hm_store_journal_get(st, key, &j)) {
      snprintf(out, cap, "depends on %s, which %s", ref,
               j.state == HM_J_FAILED ? "was rejected or failed" : "has no created object");
      return;
    }
  }
  snprintf(out, cap, "depends on %s, which is not in the plan or not created yet", ref);
}

/* ---- lookup by unique fields ---- */

typedef struct find_ctx { const char *field; const cJSON *want; cJSON *found; } find_ctx;

/* E-mail addresses match whatever their case (exports and Gorgias may keep
 * capitals the planner's lower() took away); every other unique field, tag
 * names above all (gorgias-api.md: "names case-sensitive"), matches exactly,
 * or a lookup would take "VIP" for "vip" and never create the tag it needs. */
static int same_scalar(const char *field, const cJSON *a, const cJSON *b) {
  if (cJSON_IsString(a) && cJSON_IsString(b))
    return !strcmp(field, "email") ? !strcasecmp(a->valuestring, b->valuestring)
                                   : !strcmp(a->valuestring, b->valuestring);
  if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) return a->valuedouble == b->valuedouble;
  return 0;
}

static int find_one(void *ctx, const cJSON *item) {
  find_ctx *f = ctx;
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, f->field);
  /* Help Center articles and categories keep slug and title in their translation. */
  if (!v)
    v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "translation"),
                                         f->field);
  if (same_scalar(f->field, v, f->want)) {
    f->found = cJSON_Duplicate(item, 1);
    return 1;
  }
  return 0;
}

static void query_value(hm_buf *q, const cJSON *v) {
  if (cJSON_IsString(v)) hm_http_query_escape(q, v->valuestring);
  else hm_buf_printf(q, "%lld", (long long)v->valuedouble);
}

/* The value of a kind's required list filter in a create body (the scope's
 * member, or the member of its nested object), or NULL. */
static const char *scope_value(const hm_gorgias_kind *g, const cJSON *body) {
  if (!g || !g->scope_param) return NULL;
  if (!g->scope_from[1]) return hm_rn_json_str(body, g->scope_from[0]);
  const cJSON *outer = cJSON_GetObjectItemCaseSensitive(body, g->scope_from[0]);
  return hm_rn_json_str(outer, g->scope_from[1]);
}

/* The list to read for a lookup of unique field u: filtered by it when the
 * API can, else the whole list (only narrowed by what the endpoint needs). */
static void lookup_query(hm_buf *q, const char *coll, const cJSON *body, const cJSON *u) {
  /* The per-ticket message list is deprecated; the message list by ticket is
   * not. It has no external_id filter: the ticket's messages are compared. */
  long long tid = hm_gorgias_ticket_of_messages(coll);
  if (tid) { hm_buf_printf(q, "%s%lld", HM_GORGIAS_ROUTES.ticket_messages, tid); return; }
  hm_buf_puts(q, coll);
  char sep = strchr(coll, '?') ? '&' : '?';
  /* Server-side filters (reference §3.4, the profile's): one call. Tags have
   * only `search` (a case-insensitive substring), which still narrows the list
   * to a page; find_one checks the match exactly. */
  const char *param = hm_gorgias_filter(coll, u->string);
  const hm_gorgias_kind *g = hm_gorgias_at(coll);
  const char *scope = scope_value(g, body);
  if (param) {
    hm_buf_printf(q, "%c%s=", sep, param);
    query_value(q, u);
  } else if (scope) {
    /* Custom fields are listed per object type, Help Center objects (page
     * after page, slug inside the translation) per locale. */
    hm_buf_printf(q, "%c%s=", sep, g->scope_param);
    hm_http_query_escape(q, scope);
  }
}

/* Each unique field in turn: the first whose list holds a match wins. A list
 * that could not be read to the end stops the lookup with f->status set. */
cJSON *hm_resolve_lookup(hm_resolver *rv, const char *coll, const cJSON *body, const cJSON *unique,
                         hm_found *f) {
  f->by = NULL;
  f->status = 0;
  f->err[0] = 0;
  const cJSON *u;
  cJSON_ArrayForEach(u, unique) {
    if (!cJSON_IsString(u) && !cJSON_IsNumber(u)) continue;
    hm_buf q; hm_buf_init(&q);
    lookup_query(&q, coll, body, u);
    find_ctx fc = { u->string, u, NULL };
    long st = hm_http_list(rv->http, hm_buf_cstr(&q), 0, find_one, &fc, f->err, sizeof f->err);
    hm_buf_free(&q);
    if (st) { f->status = st; return NULL; }
    if (fc.found && !hm_rn_json_id(fc.found)) {
      /* Found, but not with an id that can be recorded: as good as no answer. */
      snprintf(f->err, sizeof f->err, "the %s found by %s has no valid id", coll, u->string);
      cJSON_Delete(fc.found);
      f->status = -1;
      return NULL;
    }
    if (fc.found) { f->by = u->string; return fc.found; }
  }
  return NULL;
}

void hm_resolve_call(hm_resolver *rv, const char *path, const cJSON *body, const cJSON *unique,
                     hm_resolved *out) {
  memset(out, 0, sizeof *out);
  resolve_ctx rc = { rv, out, "" };
  cJSON *wrap = cJSON_CreateObject();
  if (body) cJSON_AddItemToObject(wrap, "body", cJSON_Duplicate(body, 1));
  if (unique) cJSON_AddItemToObject(wrap, "unique", cJSON_Duplicate(unique, 1));
  hm_buf pb; hm_buf_init(&pb);
  int res = resolve_body(&rc, wrap);
  if (!res) res = resolve_string(&rc, path, &pb);
  if (res) {
    explain_missing(rv->st, rc.missing, out->why, sizeof out->why);
    cJSON_Delete(wrap);
  } else {
    out->wrap = wrap;
    out->path = strdup(hm_buf_cstr(&pb));
  }
  hm_buf_free(&pb);
}

void hm_resolved_free(hm_resolved *r) {
  cJSON_Delete(r->wrap);
  free(r->path);
  for (size_t i = 0; i < r->nflags; i++) free(r->flags[i].message);
  free(r->flags);
  memset(r, 0, sizeof *r);
}
