/* pr_emit: the proposed map's text. Rules are written first (into their own
 * buffer) so that each column a rule reads is known when the sources are
 * written: every other column becomes an `ignore` with its fill rate. Each
 * guess carries a `# confirm:` comment with the values it was made from. */
#include "pr.h"
#include "hm_gorgias.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum { W_STR = 1, W_DATE, W_EMAIL, W_ANY };

typedef struct em {
  pr_export *x;
  hm_buf *o;           /* rules and gaps */
  bool tz;             /* some rule reads a date: the time zone setting is needed */
} em;

static void norm(const char *s, char *out, size_t n) {
  size_t j = 0;
  for (; *s && j + 1 < n; s++)
    if (isalnum((unsigned char)*s)) out[j++] = (char)tolower((unsigned char)*s);
  out[j] = 0;
}

static bool ident(const char *s) {
  if (!isalpha((unsigned char)*s) && *s != '_') return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_') return false;
  return true;
}

/* A value quoted for the map (a string literal) or for a comment. */
static void put_lit(hm_buf *o, const char *s) {
  hm_buf_putc(o, '"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { hm_buf_putc(o, '\\'); hm_buf_putc(o, (char)c); }
    else if (c < 0x20) hm_buf_putc(o, ' ');
    else hm_buf_putc(o, (char)c);
  }
  hm_buf_putc(o, '"');
}

static bool plain(const char *s) {
  if (strlen(s) > 60) return false;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20) return false;
  return true;
}

static bool is_enum(const pr_col *c) {
  return c->ndistinct && c->ndistinct <= PR_ENUM_MAX && !c->capped && c->filled > c->ndistinct;
}

static bool shape_ok(const pr_col *c, int want) {
  if (!ident(c->name) || !c->filled || c->nnested) return false;
  switch (want) {
  case W_STR: return c->nstr == c->filled && pr_col_datefmt(c) < 0 && !pr_col_is_int(c);
  case W_DATE: return pr_col_datefmt(c) >= 0;
  case W_EMAIL: return c->nemail * 2 > c->filled;
  default: return true;
  }
}

/* The column of s named like one of syn (exactly, else containing it), with
   the shape wanted, not yet read by this rule. -1 = none. */
static int pick(pr_src *s, const char *const *syn, int want, const bool *used) {
  char n[128];
  for (int pass = 0; pass < 2; pass++)
    for (const char *const *w = syn; *w; w++)
      for (uint32_t i = 0; i < s->ncols; i++) {
        if (used[i] || (int)i == s->key || !shape_ok(&s->cols[i], want)) continue;
        norm(s->cols[i].name, n, sizeof n);
        if (pass == 0 ? !strcmp(n, *w) : (strlen(*w) >= 4 && strstr(n, *w) != NULL)) return (int)i;
      }
  return -1;
}

static void values_note(hm_buf *o, const pr_col *c) {
  hm_buf_printf(o, "%u distinct value%s:", c->ndistinct, c->ndistinct == 1 ? "" : "s");
  for (uint32_t i = 0; i < c->ndistinct && i < PR_ENUM_MAX; i++) {
    hm_buf_puts(o, i ? ", " : " ");
    put_lit(o, plain(c->order[i]) ? c->order[i] : "...");
    hm_buf_printf(o, " (%llu)", (unsigned long long)pr_val_count(c, c->order[i]));
  }
}

static void use_col(pr_src *s, int i, bool *used) {
  used[i] = true;
  s->cols[i].read = true;
}

/* ---- the lines of a rule ---- */

static const char *src_sys(const em *e) {
  return e->x->sys == HM_SYS_UNKNOWN ? "src" : pr_system_name(e->x->sys);
}

/* What the values say of their zone: all carry an offset, or none does (then
   $source_timezone is what they mean), or some do. */
static const char *tz_note(const pr_col *c) {
  if (c->noffset == c->filled) return ", every one with its offset";
  return c->noffset ? ", some without an offset ($source_timezone)"
                    : ", no offset: $source_timezone";
}

static void date_expr(em *e, const pr_src *s, const char *v, int c, hm_buf *o) {
  int f = pr_col_datefmt(&s->cols[c]);
  hm_buf_printf(o, "date(%s.%s, ", v, s->cols[c].name);
  put_lit(o, pr_date_formats[f]);
  hm_buf_puts(o, ", $source_timezone)");
  e->tz = true;
}

static void date_line(em *e, pr_src *s, const char *field, const char *v, int c) {
  const pr_col *col = &s->cols[c];
  int f = pr_col_datefmt(col);
  hm_buf_printf(e->o, "%s%s = ", *v == 'm' ? "    " : "  ", field);
  date_expr(e, s, v, c, e->o);
  hm_buf_printf(e->o, " ?? skip   # confirm: %llu of %llu records read as %s%s\n",
                (unsigned long long)col->filled, (unsigned long long)s->nrec,
                f ? pr_date_formats[f] : "ISO 8601", tz_note(col));
}

static const char *status_of(const char *v) {
  static const char *const closed[] = {"close", "resolv", "done", "solved", "cancel", "reject",
                                       "complete", "archiv", NULL};
  char n[128];
  norm(v, n, sizeof n);
  for (const char *const *w = closed; *w; w++)
    if (strstr(n, *w)) return "closed";
  return NULL;
}

static const char *priority_of(const char *v) {
  char n[128];
  norm(v, n, sizeof n);
  if (strstr(n, "crit") || strstr(n, "urgent") || !strcmp(n, "1")) return "critical";
  if (strstr(n, "high") || !strcmp(n, "2")) return "high";
  if (strstr(n, "low") || strstr(n, "minor") || !strcmp(n, "4") || !strcmp(n, "5")) return "low";
  if (strstr(n, "normal") || strstr(n, "medium") || !strcmp(n, "3")) return "normal";
  return NULL;
}

/* `field = match src.C { ... _ => dflt }` from the distinct values; nothing
   when no value maps anywhere but the default. */
static void match_line(em *e, pr_src *s, const char *field, int c, const char *(*map)(const char *),
                       const char *dflt, bool *used) {
  const pr_col *col = &s->cols[c];
  uint32_t arms = 0;
  for (uint32_t i = 0; i < col->ndistinct; i++)
    arms += plain(col->order[i]) && map(col->order[i]) && strcmp(map(col->order[i]), dflt);
  if (!arms) return;
  use_col(s, c, used);
  hm_buf_printf(e->o, "  # confirm: %s from %s, ", field, col->name);
  values_note(e->o, col);
  hm_buf_printf(e->o, "\n  %s = match src.%s {", field, col->name);
  for (uint32_t i = 0; i < col->ndistinct; i++) {
    const char *to = plain(col->order[i]) ? map(col->order[i]) : NULL;
    if (!to || !strcmp(to, dflt)) continue;
    hm_buf_puts(e->o, "  ");
    put_lit(e->o, col->order[i]);
    hm_buf_printf(e->o, " => \"%s\"", to);
  }
  hm_buf_printf(e->o, "  _ => \"%s\" }\n", dflt);
}

/* lookup of the first column naming a record of a source migrated to t. */
static bool lookup_line(em *e, pr_src *s, const char *field, pr_target t, bool *used) {
  for (uint32_t i = 0; i < s->ncols; i++) {
    pr_col *c = &s->cols[i];
    if (used[i] || c->ref < 0 || e->x->srcs[c->ref].target != t || !ident(c->name)) continue;
    const pr_src *b = &e->x->srcs[c->ref];
    use_col(s, (int)i, used);
    hm_buf_printf(e->o, "  %s = lookup %s(src.%s) ?? skip   # confirm: %s names %s's key %s "
                  "in %u distinct values\n", field, b->name, c->name, c->name, b->name,
                  b->cols[b->key].name, c->ndistinct);
    return true;
  }
  return false;
}

static void external_id(em *e, pr_src *s) {
  hm_buf_printf(e->o, "  external_id = \"%s:%s:\" + text(src.%s)\n", src_sys(e), s->name,
                s->cols[s->key].name);
}

static const char *const body_syn[] = {"bodytext", "body", "description", "comment", "text",
                                       "content", "message", "note", NULL};
static const char *const html_syn[] = {"bodyhtml", "commenthtml", "html", NULL};
static const char *const created_syn[] = {"datecreatedutc", "dateopenedutc", "datereceivedutc",
                                          "creationdate", "startdate", "ticketcreateddate",
                                          "datecreated", "created", "date", "opened", NULL};

static void message_each(em *e, const pr_src *t, uint32_t child) {
  pr_src *m = &e->x->srcs[child];
  bool used[1024] = {0};
  if (m->ncols > 1024) return;
  if (m->parent_by >= 0) use_col(m, m->parent_by, used);
  hm_buf_printf(e->o, "  # confirm: %s are %s's messages (%s)\n", m->name, t->name,
                m->parent_by >= 0 ? "a column names the ticket's key" : "by folder");
  hm_buf_printf(e->o, "  messages += each %s as m {\n", m->name);
  char n[128];
  norm(m->name, n, sizeof n);
  if (strstr(n, "private") || strstr(n, "internal"))
    hm_buf_puts(e->o, "    channel = \"internal-note\"\n    via = \"internal-note\"\n"
                "    public = false   # confirm: private by its name\n");
  else
    hm_buf_puts(e->o, "    channel = \"api\"\n    via = \"api\"\n");
  hm_buf_puts(e->o, "    from_agent = false   # confirm: which messages agents wrote\n");
  int b = pick(m, body_syn, W_STR, used), h = b < 0 ? pick(m, html_syn, W_STR, used) : -1;
  if (b >= 0) { use_col(m, b, used); hm_buf_printf(e->o, "    body_text = m.%s ?? \"\"\n",
                                                   m->cols[b].name); }
  else if (h >= 0) { use_col(m, h, used);
    hm_buf_printf(e->o, "    body_text = html_to_text(m.%s ?? \"\")\n", m->cols[h].name); }
  else hm_buf_puts(e->o, "    body_text = \"(no text)\"   # confirm: no text column found\n");
  int d = pick(m, created_syn, W_DATE, used);
  if (d >= 0) {
    use_col(m, d, used);
    date_line(e, m, "created_datetime", "m", d);
    date_line(e, m, "sent_datetime", "m", d);
  } else if (!strstr(n, "private") && !strstr(n, "internal")) {
    hm_buf_puts(e->o, "    public = false   # confirm: no date column: kept as notes, never "
                "e-mailed\n");
  }
  hm_buf_puts(e->o, "  }\n");
}

/* The ticket's own text as its first message (Gorgias needs one), dated as
   the ticket so that Gorgias stores it and e-mails nobody. */
static void first_message(em *e, const pr_src *s, int body, int subj, int created) {
  hm_buf_puts(e->o, "  messages = [{ channel = \"api\"  via = \"api\"  from_agent = false\n"
              "                body_text = ");
  if (body >= 0) hm_buf_printf(e->o, "nonempty(src.%s) ?? ", s->cols[body].name);
  hm_buf_printf(e->o, "src.%s ?? \"(no text)\"", s->cols[subj].name);
  if (created < 0) {
    hm_buf_puts(e->o, "  public = false }]   # confirm: no date: a note, never e-mailed\n");
    return;
  }
  const char *f[2] = {"created_datetime", "sent_datetime"};
  for (int i = 0; i < 2; i++) {
    hm_buf_printf(e->o, "\n                %s = ", f[i]);
    date_expr(e, s, "src", created, e->o);
    hm_buf_puts(e->o, " ?? skip");
  }
  hm_buf_puts(e->o, " }]\n");
}

static void ticket_rule(em *e, pr_src *s, uint32_t si) {
  static const char *const subj[] = {"subject", "title", "tickettitle", "summary", "name", NULL};
  static const char *const status[] = {"status", "ticketstatus", "state", NULL};
  static const char *const prio[] = {"priority", "ticketpriority", "urgency", NULL};
  static const char *const closed[] = {"closedate", "resolutiondate", "dateclosedutc",
                                       "ticketresolveddate", "dateclosed", "resolved", NULL};
  static const char *const updated[] = {"lastupdate", "datemodifiedutc", "updated", "modified",
                                        NULL};
  static const char *const tagc[] = {"requesttype", "tickettype", "type", "category", "origin",
                                     "ticketsource", "impact", "urgency", NULL};
  static const char *const agentmail[] = {"technicianemail", "agentemail", "assigneeemail", NULL};
  bool used[1024] = {0};
  if (s->ncols > 1024) return;
  hm_buf_printf(e->o, "\nrule %s -> %s {\n", s->name, HM_GORGIAS[HM_GK_TICKET].name);
  int c = pick(s, subj, W_STR, used);
  use_col(s, c, used);
  hm_buf_printf(e->o, "  subject = truncate(nonempty(src.%s) ?? \"(no subject)\", 998)\n",
                s->cols[c].name);
  int st = pick(s, status, W_ANY, used);
  if (st >= 0 && is_enum(&s->cols[st])) match_line(e, s, "status", st, status_of, "open", used);
  int pr = pick(s, prio, W_ANY, used);
  if (pr >= 0 && is_enum(&s->cols[pr]))
    match_line(e, s, "priority", pr, priority_of, "normal", used);
  lookup_line(e, s, "customer", PT_CUSTOMER, used);
  if (!lookup_line(e, s, "assignee_user", PT_USER, used)) {
    int a = pick(s, agentmail, W_EMAIL, used);
    if (a >= 0) {
      use_col(s, a, used);
      hm_buf_printf(e->o, "  assignee_user = agent(lower(src.%s)) ?? skip   # confirm: agents "
                    "found by e-mail\n", s->cols[a].name);
    }
  }
  lookup_line(e, s, "assignee_team", PT_TEAM, used);
  for (int t; (t = pick(s, tagc, W_STR, used)) >= 0;) {
    use_col(s, t, used);
    if (!is_enum(&s->cols[t])) continue;
    hm_buf_printf(e->o, "  # confirm: tag from %s, ", s->cols[t].name);
    values_note(e->o, &s->cols[t]);
    char n[64]; norm(s->cols[t].name, n, sizeof n);
    hm_buf_printf(e->o, "\n  tags += tag(\"%s\", src.%s) ?? skip\n", n, s->cols[t].name);
  }
  int d = pick(s, created_syn, W_DATE, used), created = d;
  if (d >= 0) { use_col(s, d, used); date_line(e, s, "created_datetime", "src", d); }
  if ((d = pick(s, closed, W_DATE, used)) >= 0) {
    use_col(s, d, used); date_line(e, s, "closed_datetime", "src", d);
  }
  if ((d = pick(s, updated, W_DATE, used)) >= 0) {
    use_col(s, d, used); date_line(e, s, "updated_datetime", "src", d);
  }
  external_id(e, s);
  hm_buf_puts(e->o, "  imported = true\n");
  int b = pick(s, body_syn, W_STR, used);
  if (b >= 0) use_col(s, b, used);
  first_message(e, s, b, c, created);
  for (uint32_t i = 0; i < e->x->n; i++)
    if (e->x->srcs[i].target == PT_MESSAGE && e->x->srcs[i].parent == (int)si)
      message_each(e, s, i);
  hm_buf_puts(e->o, "}\n");
}

static const char *const email_syn[] = {"email", "emailaddress", "enduseremail", "mail",
                                        "contactemail", NULL};
static const char *const first_syn[] = {"firstname", "givenname", NULL};
static const char *const last_syn[] = {"lastname", "surname", "familyname", NULL};
static const char *const full_syn[] = {"fullname", "displayname", "friendlyname", NULL};
static const char *const name_syn[] = {"name", "username", "login", NULL};

/* A whole name column, else first and last joined, else a bare name or login. */
static void person_names(em *e, pr_src *s, bool *used) {
  int f = pick(s, first_syn, W_STR, used), l = pick(s, last_syn, W_STR, used);
  if (f >= 0) { use_col(s, f, used);
    hm_buf_printf(e->o, "  firstname = nonempty(src.%s) ?? skip\n", s->cols[f].name); }
  if (l >= 0) { use_col(s, l, used);
    hm_buf_printf(e->o, "  lastname = nonempty(src.%s) ?? skip\n", s->cols[l].name); }
  int n = pick(s, full_syn, W_STR, used);
  if (n < 0 && f >= 0 && l >= 0) {
    hm_buf_printf(e->o, "  name = join(\" \", src.%s, src.%s) ?? skip\n", s->cols[f].name,
                  s->cols[l].name);
    return;
  }
  if (n < 0) n = pick(s, name_syn, W_STR, used);
  if (n < 0) return;
  use_col(s, n, used);
  hm_buf_printf(e->o, "  name = nonempty(src.%s) ?? skip\n", s->cols[n].name);
}

static void customer_rule(em *e, pr_src *s) {
  static const char *const phone[] = {"phone", "mobilephone", "enduserphone", "telephone", NULL};
  bool used[1024] = {0};
  if (s->ncols > 1024) return;
  hm_buf_printf(e->o, "\nrule %s -> %s {\n", s->name, HM_GORGIAS[HM_GK_CUSTOMER].name);
  int m = pick(s, email_syn, W_EMAIL, used);
  if (m >= 0) {
    use_col(s, m, used);
    hm_buf_printf(e->o, "  let addr = nonempty(lower(trim(src.%s)))\n  email = addr ?? skip\n",
                  s->cols[m].name);
    hm_buf_puts(e->o, "  if addr != null {\n    channels += { type = \"email\"  address = addr  "
                "preferred = true }\n  }\n");
  }
  person_names(e, s, used);
  int p = pick(s, phone, W_STR, used);
  if (p >= 0) {
    use_col(s, p, used);
    hm_buf_printf(e->o, "  if nonempty(src.%s) != null {\n    channels += { type = \"phone\"  "
                  "address = src.%s }\n  }\n", s->cols[p].name, s->cols[p].name);
  }
  external_id(e, s);
  hm_buf_puts(e->o, "}\n");
}

static void user_rule(em *e, pr_src *s) {
  bool used[1024] = {0};
  if (s->ncols > 1024) return;
  int m = pick(s, email_syn, W_EMAIL, used);
  use_col(s, m, used);
  hm_buf_printf(e->o, "\n# confirm: every %s with an e-mail becomes an agent\n", s->name);
  hm_buf_printf(e->o, "rule %s -> %s when nonempty(src.%s) != null {\n", s->name,
                HM_GORGIAS[HM_GK_USER].name, s->cols[m].name);
  hm_buf_printf(e->o, "  email = lower(trim(src.%s))\n", s->cols[m].name);
  person_names(e, s, used);
  hm_buf_puts(e->o, "  role = \"agent\"   # confirm: the Gorgias role of each agent\n");
  external_id(e, s);
  hm_buf_puts(e->o, "}\n");
}

static void named_rule(em *e, pr_src *s, const char *target) {
  static const char *const nm[] = {"name", "title", "label", "customername", NULL};
  static const char *const desc[] = {"description", "summary", NULL};
  bool used[1024] = {0};
  if (s->ncols > 1024) return;
  int n = pick(s, nm, W_STR, used);
  if (n < 0) {
    hm_buf_printf(e->o, "\ngap %s -> export csv \"%s.csv\"   # confirm: no name column for a %s\n",
                  s->name, s->name, target);
    return;
  }
  use_col(s, n, used);
  hm_buf_printf(e->o, "\nrule %s -> %s {\n  name = nonempty(src.%s) ?? reject \"%s without a "
                "name\"\n", s->name, target, s->cols[n].name, s->name);
  int d = pick(s, desc, W_STR, used);
  if (d >= 0) {
    use_col(s, d, used);
    hm_buf_printf(e->o, "  description = nonempty(src.%s) ?? skip\n", s->cols[d].name);
  }
  hm_buf_puts(e->o, "}\n");
}

/* A file with no column read (empty, unreadable, not the format its name
   says) declares nothing: the plan would stop on it. */
static bool unusable(const pr_src *s) { return s->ncols == 0; }

/* A source keeps its target only if the columns the target needs are there
   (so no rule falls back to a gap after another rule looked it up), and
   messages only under a ticket that kept its own. */
static void viable(pr_export *x) {
  static const char *const subj[] = {"subject", "title", "tickettitle", "summary", "name", NULL};
  static const char *const nm[] = {"name", "title", "label", "customername", NULL};
  for (uint32_t i = 0; i < x->n; i++) {
    pr_src *s = &x->srcs[i];
    bool used[1024] = {0};
    if (s->ncols > 1024) { s->target = PT_NONE; continue; }
    if ((s->target == PT_TICKET && pick(s, subj, W_STR, used) < 0) ||
        (s->target == PT_USER && pick(s, email_syn, W_EMAIL, used) < 0) ||
        ((s->target == PT_TEAM || s->target == PT_TAG) && pick(s, nm, W_STR, used) < 0))
      s->target = PT_NONE;
  }
  for (uint32_t i = 0; i < x->n; i++) {
    pr_src *s = &x->srcs[i];
    if (s->target == PT_MESSAGE && x->srcs[s->parent].target != PT_TICKET) {
      s->target = PT_NONE;
      s->parent = s->parent_by = -1;
    }
  }
}

static void rules(em *e) {
  viable(e->x);
  for (uint32_t i = 0; i < e->x->n; i++) {
    pr_src *s = &e->x->srcs[i];
    switch (s->target) {
    case PT_TICKET: ticket_rule(e, s, i); break;
    case PT_CUSTOMER: customer_rule(e, s); break;
    case PT_USER: user_rule(e, s); break;
    case PT_TEAM: named_rule(e, s, HM_GORGIAS[HM_GK_TEAM].name); break;
    case PT_TAG: named_rule(e, s, HM_GORGIAS[HM_GK_TAG].name); break;
    case PT_MESSAGE: break;
    default:
      if (unusable(s)) break;
      hm_buf_printf(e->o, "\n# confirm: %s has no Gorgias home found by its name: exported whole\n"
                    "gap %s -> export csv \"%s.csv\"\n", s->name, s->name, s->name);
    }
  }
}

/* ---- sources ---- */

static const char *fmt_name(int f) {
  static const char *const n[] = {"csv", "ndjson", "json", "json_pages"};
  return n[f];
}

static const char *col_type(const pr_col *c) {
  if (c->nnested) return "any";
  if (c->filled && c->nbool == c->filled) return "bool";
  if (pr_col_is_int(c) && c->nstr == 0) return "int";
  if (pr_col_is_int(c)) return "int";
  return "string";
}

static void col_note(const pr_export *x, const pr_src *s, int i, hm_buf *o) {
  const pr_col *c = &s->cols[i];
  unsigned pct = s->nrec ? (unsigned)(100 * c->filled / s->nrec) : 0;
  hm_buf_printf(o, "   # %u%% filled", pct);
  if (i == s->key) hm_buf_printf(o, "; the key: %llu distinct values",
                                 (unsigned long long)c->filled);
  else if (c->ref >= 0) hm_buf_printf(o, "; names %s", x->srcs[c->ref].name);
  else if (pr_col_datefmt(c) >= 0) hm_buf_printf(o, "; dates %s%s",
                                                  pr_date_formats[pr_col_datefmt(c)][0]
                                                      ? pr_date_formats[pr_col_datefmt(c)]
                                                      : "ISO 8601", tz_note(c));
  else if (is_enum(c)) { hm_buf_puts(o, "; "); values_note(o, c); }
  else if (c->nemail * 2 > c->filled && c->filled) hm_buf_puts(o, "; e-mail addresses");
  hm_buf_putc(o, '\n');
}

static void source_decl(const pr_export *x, const pr_src *s, hm_buf *o) {
  if (unusable(s)) {
    hm_buf_printf(o, "\n# confirm: %s is left out: no record could be read (%s)\n", s->path,
                  s->first_error ? s->first_error : "no records");
    return;
  }
  hm_buf_printf(o, "\n# %s: %llu records, %u columns", s->path, (unsigned long long)s->nrec,
                s->ncols);
  if (s->nbad) hm_buf_printf(o, "; %llu unreadable (first: %s)", (unsigned long long)s->nbad,
                             s->first_error ? s->first_error : "?");
  hm_buf_printf(o, "\nsource %s from %s ", s->name, fmt_name(s->fmt));
  put_lit(o, s->path);
  if (s->records) { hm_buf_puts(o, " records "); put_lit(o, s->records); }
  if (s->key >= 0) hm_buf_printf(o, " key %s", s->cols[s->key].name);
  if (s->parent >= 0 && s->parent_by >= 0)
    hm_buf_printf(o, " parent %s by %s", x->srcs[s->parent].name, s->cols[s->parent_by].name);
  else if (s->parent >= 0) hm_buf_printf(o, " parent %s by path", x->srcs[s->parent].name);
  bool migrated = s->target != PT_NONE;
  for (uint32_t i = 0; migrated && i < s->ncols; i++) {
    const pr_col *c = &s->cols[i];
    if (c->read || (int)i == s->key || (int)i == s->parent_by || !ident(c->name)) continue;
    hm_buf_printf(o, "\n  ignore %s \"not mapped: %llu of %llu records filled (%u%%)\"", c->name,
                  (unsigned long long)c->filled, (unsigned long long)s->nrec,
                  s->nrec ? (unsigned)(100 * c->filled / s->nrec) : 0);
  }
  hm_buf_puts(o, " {\n");
  for (uint32_t i = 0; i < s->ncols; i++) {
    const pr_col *c = &s->cols[i];
    if (!ident(c->name)) {
      hm_buf_puts(o, "  # confirm: column ");
      put_lit(o, c->name);
      hm_buf_puts(o, " is not a name a map can declare: rename it in the export\n");
      continue;
    }
    hm_buf_printf(o, "  %s: %s%s", c->name, col_type(c),
                  (int)i == s->key && c->filled == s->nrec ? " required" : "");
    col_note(x, s, (int)i, o);
  }
  hm_buf_puts(o, "}\n");
}

void pr_emit(pr_export *x, hm_buf *out) {
  hm_buf r; hm_buf_init(&r);
  em e = {x, &r, false};
  rules(&e);
  hm_buf_printf(out, "# Proposed by `hmapc propose` from %s (%s export). Nothing here is\n"
                "# checked against the customer: read every `# confirm:` before a run.\n",
                x->dir, pr_system_name(x->sys));
  if (x->nother)
    hm_buf_printf(out, "# %u other files (attachments?) are not sources: confirm how they move.\n",
                  x->nother);
  hm_buf_printf(out, "migration \"%s to Gorgias (proposed)\"\nuse gorgias\n",
                pr_system_name(x->sys));
  if (e.tz)
    hm_buf_puts(out, "\nsetting source_timezone = \"UTC\"   # confirm: the zone of dates "
                "written without an offset\n");
  for (uint32_t i = 0; i < x->n; i++) source_decl(x, &x->srcs[i], out);
  hm_buf_put(out, r.data, r.len);
  hm_buf_free(&r);
}
