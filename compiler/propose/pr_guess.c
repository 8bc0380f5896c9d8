/* pr_guess: what propose concludes from the profiles — which system made the
 * export, each source's name, key, links to other sources' keys, parent (for
 * messages and comments) and Gorgias target. Every guess is by name and by
 * the values seen; pr_emit writes the evidence next to it. */
#include "pr.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *pr_system_name(hm_propose_system s) {
  switch (s) {
  case HM_SYS_ITOP: return "itop";
  case HM_SYS_SMARTERTRACK: return "smartertrack";
  case HM_SYS_ATERA: return "atera";
  default: return "unknown";
  }
}

int hm_propose_system_parse(const char *s) {
  static const char *const names[] = {"auto", "itop", "smartertrack", "atera"};
  for (int i = 0; i < 4; i++)
    if (!strcmp(s, names[i])) return i;
  return -1;
}

/* Lower case, letters and digits only: "Caller_ID" -> "callerid". */
static void norm(const char *s, char *out, size_t n) {
  size_t j = 0;
  for (; *s && j + 1 < n; s++)
    if (isalnum((unsigned char)*s)) out[j++] = (char)tolower((unsigned char)*s);
  out[j] = 0;
}

static bool has_any(const char *s, const char *const *words) {
  for (; *words; words++)
    if (strstr(s, *words)) return true;
  return false;
}

static hm_propose_system detect(const pr_export *x) {
  for (uint32_t i = 0; i < x->n; i++) {
    const pr_src *s = &x->srcs[i];
    if (!strncmp(s->path, "st_", 3)) return HM_SYS_SMARTERTRACK;
    if (!strcmp(s->path, "UserRequest.csv") || !strcmp(s->path, "Person.csv")) return HM_SYS_ITOP;
    for (uint32_t j = 0; j < s->ncols; j++) {
      if (s->fmt == HF_JSON_PAGES && (!strcmp(s->cols[j].name, "TicketID") ||
                                      !strcmp(s->cols[j].name, "EndUserID")))
        return HM_SYS_ATERA;
      if (strstr(s->cols[j].name, "_friendlyname")) return HM_SYS_ITOP;
    }
  }
  return HM_SYS_UNKNOWN;
}

/* One path segment as a name part: st_Tickets -> Ticket, comments -> Comment. */
static void name_part(const char *seg, size_t n, hm_buf *out) {
  if (n > 3 && !strncmp(seg, "st_", 3)) { seg += 3; n -= 3; }
  const char *dot = memchr(seg, '.', n);
  if (dot) n = (size_t)(dot - seg);
  if (n > 4 && !strncmp(seg + n - 3, "ies", 3)) { hm_buf_put(out, seg, n - 3); n = 0; }
  else if (n > 4 && !strncmp(seg + n - 4, "uses", 4)) n -= 2;
  else if (n > 3 && seg[n - 1] == 's' && seg[n - 2] != 's') n--;
  bool up = true;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)seg[i];
    if (!isalnum(c)) { up = true; continue; }
    hm_buf_putc(out, (char)(up ? toupper(c) : c));
    up = false;
  }
  if (!n && out->len) hm_buf_putc(out, 'y');
}

static const char *source_name(pr_export *x, const pr_src *s) {
  hm_buf b; hm_buf_init(&b);
  for (const char *p = s->path; *p;) {
    size_t n = strcspn(p, "/");
    if (!(n == 1 && *p == '*') && !(n > 1 && *p == '*')) name_part(p, n, &b);
    p += n + (p[n] == '/');
  }
  const char *log = s->records ? strstr(s->records, ".fields.") : NULL;
  if (log) name_part(log + 8, strcspn(log + 8, "."), &b);
  if (!b.len || isdigit((unsigned char)b.data[0])) hm_buf_puts(&b, "Src");
  const char *base = hm_arena_strndup(&x->a, b.data, b.len);
  hm_buf_free(&b);
  const char *name = base;
  for (int k = 2;; k++) {
    bool taken = false;
    for (uint32_t i = 0; i < x->n && !taken; i++)
      taken = x->srcs[i].name && !strcmp(x->srcs[i].name, name);
    if (!taken) return name;
    name = hm_arena_printf(&x->a, "%s%d", base, k);
  }
}

static bool ident(const char *s) {
  if (!isalpha((unsigned char)*s) && *s != '_') return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_') return false;
  return true;
}

/* A key: filled on every record and never repeated. Preferred: "id", then
   NAMEid, then any *id, then the first such column. */
static int find_key(const pr_src *s) {
  if (!s->nrec || s->path_parent >= 0) return -1;
  int best = -1, score = -1;
  char nm[128], sn[128];
  norm(s->name, sn, sizeof sn);
  for (uint32_t i = 0; i < s->ncols; i++) {
    const pr_col *c = &s->cols[i];
    if (c->filled != s->nrec || c->capped || c->ndistinct != c->filled || c->nnested ||
        !ident(c->name))
      continue;
    norm(c->name, nm, sizeof nm);
    size_t n = strlen(nm);
    int sc = !strcmp(nm, "id") ? 4 : 0;
    if (!sc && n > 2 && !strcmp(nm + n - 2, "id")) sc = !strncmp(nm, sn, n - 2) ? 3 : 2;
    if (!sc && pr_col_is_int(c)) sc = 1;
    if (sc > score) { best = (int)i; score = sc; }
  }
  return best;
}

static pr_target target_by_name(const pr_src *s) {
  static const char *const none[] = {"attachment", "image", "field", "link", "status", "priorit",
                                     "role", "profile", "event", "filter", "customfield",
                                     "customdata", "customvalue", "workhour",
                                     "alert", "contract", "sla", "slt", "device", "functionalci",
                                     "usersin", "ingroup", "type", NULL};
  static const char *const msg[] = {"message", "comment", "post", "log", "note", "repl", NULL};
  static const char *const tic[] = {"ticket", "request", "incident", "change", "case", "issue",
                                    "chat", NULL};
  static const char *const cus[] = {"contact", "person", "customer", "enduser", "client",
                                    "people", NULL};
  static const char *const usr[] = {"user", "agent", "technician", "staff", NULL};
  static const char *const team[] = {"team", "group", "department", NULL};
  static const char *const tag[] = {"organi", "company", "brand", NULL};
  char n[256];
  norm(s->name, n, sizeof n);
  if (has_any(n, none)) return PT_NONE;
  if (has_any(n, msg)) return PT_MESSAGE;
  if (has_any(n, tic)) return PT_TICKET;
  if (has_any(n, cus)) return PT_CUSTOMER;
  if (has_any(n, usr)) return PT_USER;
  if (has_any(n, team)) return PT_TEAM;
  if (has_any(n, tag)) return PT_TAG;
  return PT_NONE;
}

/* Role words of a column that names another record, by the target it points to. */
static bool role_fits(const char *col, pr_target t) {
  static const char *const cus[] = {"caller", "requestor", "customer", "enduser", "contact", NULL};
  static const char *const usr[] = {"agent", "technician", "assignee", "owner", NULL};
  static const char *const team[] = {"team", "group", NULL};
  static const char *const tag[] = {"org", "company", NULL};
  static const char *const tic[] = {"ticket", "request", "incident", NULL};
  switch (t) {
  case PT_CUSTOMER: return has_any(col, cus);
  case PT_USER: return has_any(col, usr);
  case PT_TEAM: return has_any(col, team);
  case PT_TAG: return has_any(col, tag);
  case PT_TICKET: return has_any(col, tic);
  default: return false;
  }
}

/* Share of c's distinct values that are keys of b, in percent. */
static unsigned key_share(const pr_col *c, const pr_src *b) {
  const pr_col *k = &b->cols[b->key];
  uint32_t hit = 0;
  for (uint32_t i = 0; i < c->ndistinct; i++) hit += pr_val_count(k, c->order[i]) > 0;
  return c->ndistinct ? (unsigned)(100u * hit / c->ndistinct) : 0;
}

static int ref_score(const pr_src *a, const pr_col *c, const pr_src *b) {
  char cn[128], bn[128], kn[128];
  norm(c->name, cn, sizeof cn);
  norm(b->name, bn, sizeof bn);
  norm(b->cols[b->key].name, kn, sizeof kn);
  if (!strstr(cn, "id") || a == b || c->capped || !c->ndistinct || key_share(c, b) < 90) return 0;
  int sc = 0;
  if (!strcmp(cn, kn) && strcmp(kn, "id")) sc += 3;
  char stem[128];
  snprintf(stem, sizeof stem, "%s", cn);
  char *id = strstr(stem, "id");
  if (id) memmove(id, id + 2, strlen(id + 2) + 1);
  if (*stem && (strstr(stem, bn) || !strncmp(bn, stem, strlen(stem)))) sc += 2;
  if (role_fits(cn, b->target)) sc += 2;
  return sc;
}

static void find_refs(pr_export *x, pr_src *a) {
  for (uint32_t i = 0; i < a->ncols; i++) {
    pr_col *c = &a->cols[i];
    if ((int)i == a->key) continue;
    int best = 0;
    for (uint32_t j = 0; j < x->n; j++) {
      const pr_src *b = &x->srcs[j];
      if (b->key < 0) continue;
      int sc = ref_score(a, c, b);
      if (sc >= 2 && sc > best) { best = sc; c->ref = (int)j; }
    }
  }
}

static bool has_col_like(const pr_src *s, const char *const *words) {
  char n[128];
  for (uint32_t i = 0; i < s->ncols; i++) {
    norm(s->cols[i].name, n, sizeof n);
    for (const char *const *w = words; *w; w++)
      if (!strcmp(n, *w)) return true;
  }
  return false;
}

/* Messages join their ticket (by folder or by a column naming it); a source
   whose target needs a column it lacks has no home (a gap). */
static void settle(pr_export *x, pr_src *s) {
  static const char *const subj[] = {"subject", "title", "tickettitle", "name", "summary", NULL};
  if (s->target == PT_MESSAGE) {
    s->target = PT_NONE;
    if (s->path_parent >= 0 && x->srcs[s->path_parent].target == PT_TICKET &&
        x->srcs[s->path_parent].key >= 0) {
      s->parent = s->path_parent;
      s->target = PT_MESSAGE;
    }
    for (uint32_t i = 0; i < s->ncols && s->target == PT_NONE; i++)
      if (s->cols[i].ref >= 0 && x->srcs[s->cols[i].ref].target == PT_TICKET) {
        s->parent = s->cols[i].ref;
        s->parent_by = (int)i;
        s->target = PT_MESSAGE;
      }
    if (s->target == PT_MESSAGE) s->key = -1;
    return;
  }
  if (s->path_parent >= 0 || s->key < 0) { s->target = PT_NONE; return; }
  if (s->target == PT_TICKET && !has_col_like(s, subj)) s->target = PT_NONE;
  bool email = false;
  for (uint32_t i = 0; i < s->ncols; i++) email |= s->cols[i].nemail * 2 > s->cols[i].filled;
  if (s->target == PT_USER && !email) s->target = PT_NONE;
}

/* "rest/UserRequest/ *.json": the folder names the source whose keys the
   files are named by (UserRequest.csv). */
static void path_parent_by_folder(pr_export *x, pr_src *s) {
  const char *star = strstr(s->path, "/*");
  if (s->path_parent >= 0 || !star) return;
  const char *seg = star;
  while (seg > s->path && seg[-1] != '/') seg--;
  hm_buf b; hm_buf_init(&b);
  name_part(seg, (size_t)(star - seg), &b);
  hm_buf_putc(&b, 0);
  for (uint32_t i = 0; i < x->n; i++)
    if (&x->srcs[i] != s && !strchr(x->srcs[i].path, '*') && x->srcs[i].key >= 0 &&
        !strcmp(x->srcs[i].name, b.data))
      s->path_parent = (int)i;
  hm_buf_free(&b);
}

void pr_guess(pr_export *x, hm_propose_system from) {
  x->sys = from == HM_SYS_AUTO ? detect(x) : from;
  for (uint32_t i = 0; i < x->n; i++) x->srcs[i].name = source_name(x, &x->srcs[i]);
  for (uint32_t i = 0; i < x->n; i++) {
    x->srcs[i].key = find_key(&x->srcs[i]);
    x->srcs[i].target = target_by_name(&x->srcs[i]);
  }
  for (uint32_t i = 0; i < x->n; i++) path_parent_by_folder(x, &x->srcs[i]);
  for (uint32_t i = 0; i < x->n; i++) find_refs(x, &x->srcs[i]);
  for (uint32_t i = 0; i < x->n; i++)
    if (x->srcs[i].target != PT_MESSAGE) settle(x, &x->srcs[i]);
  for (uint32_t i = 0; i < x->n; i++)
    if (x->srcs[i].target == PT_MESSAGE) settle(x, &x->srcs[i]);
}
