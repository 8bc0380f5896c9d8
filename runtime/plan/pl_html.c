/* pl_html: report.html, the plan's report for the customer — one
 * self-contained page (no script, no stylesheet or image fetched: a
 * Content-Security-Policy of default-src 'none' says so to the browser too)
 * with the scope, records per object as an inline SVG chart, losses, flags
 * and rejections grouped by reason with example records named by their human
 * identifiers, gaps, inventories and the agents to invite (with their
 * e-mails) as tables, the settings, map hash and tool version. Its numbers
 * are read back from report.json, so the two cannot disagree; every value
 * from the export or the map is escaped. */
#include "pl.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "hm_html.h"

#define EXAMPLES 5          /* example records per reason */

static const char *str(const cJSON *o, const char *k) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(j) ? j->valuestring : "";
}

static double num(const cJSON *o, const char *k) {
  const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(j) ? j->valuedouble : 0;
}

static void esc(FILE *f, const char *s) { hm_html_esc(f, s); }

/* ---- human identifiers of a record ---- */

static void norm(const char *s, char *out, size_t n) {
  size_t j = 0;
  for (; *s && j + 1 < n; s++)
    if (isalnum((unsigned char)*s)) out[j++] = (char)tolower((unsigned char)*s);
  out[j] = 0;
}

static const char *field(const hm_value *rec, const char *const *names) {
  if (rec->kind != HV_REC) return NULL;
  char n[64];
  for (const char *const *w = names; *w; w++)
    for (uint32_t i = 0; i < rec->u.rec->n; i++) {
      hm_value v = rec->u.rec->vals[i];
      if (v.kind != HV_STR || !v.len) continue;
      norm(rec->u.rec->keys[i], n, sizeof n);
      if (!strcmp(n, *w)) return v.u.str;
    }
  return NULL;
}

static const char *const mail[] = {"email", "emailaddress", "enduseremail",
                                   "customeremailaddress", NULL};

const char *pl_record_email(const hm_value *rec) { return field(rec, mail); }

char *pl_record_label(const hm_value *rec) {
  static const char *const ref[] = {"ref", "ticketnumber", "callnumber", "chatnumber", NULL};
  static const char *const subj[] = {"subject", "title", "tickettitle", "summary", NULL};
  static const char *const who[] = {"friendlyname", "displayname", "fullname", "customername",
                                    NULL};
  static const char *const other[] = {"name", "username", "login", "filename", NULL};
  static const char *const first[] = {"firstname", NULL};
  static const char *const last[] = {"lastname", NULL};
  const char *r = field(rec, ref), *s = field(rec, subj), *w = s ? NULL : field(rec, who);
  const char *f = field(rec, first), *l = field(rec, last), *m = field(rec, mail);
  if (!s && !w && !f && !l) w = field(rec, other);
  hm_buf b; hm_buf_init(&b);
  if (r) hm_buf_puts(&b, r);
  if (s || w) { if (b.len) hm_buf_puts(&b, " "); hm_buf_puts(&b, s ? s : w); }
  else if (f || l) {
    if (b.len) hm_buf_puts(&b, " ");
    hm_buf_printf(&b, "%s%s%s", f ? f : "", f && l ? " " : "", l ? l : "");
  }
  if (m) hm_buf_printf(&b, "%s<%s>", b.len ? " " : "", m);
  char *out = NULL;
  if (b.len) {
    size_t n = b.len > 120 ? 120 : b.len;
    while (n < b.len && n > 0 && ((unsigned char)b.data[n] & 0xC0) == 0x80) n--;   /* UTF-8 */
    out = malloc(n + 1);
    memcpy(out, b.data, n);
    out[n] = 0;
  }
  hm_buf_free(&b);
  return out;
}

/* ---- sections ---- */

static const char *style =
    "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;"
    "padding:.25em .6em;text-align:left;vertical-align:top}td.n{text-align:right}"
    "th{background:#f3f3f3}h2{border-bottom:2px solid #ddd;margin-top:2em}"
    ".ex{color:#555;font-size:90%}svg text{font:12px sans-serif}";

static void scope(const hm_program *p, FILE *f, const cJSON *j) {
  const cJSON *objs = cJSON_GetObjectItem(j, "objects"), *o;
  double read = 0, planned = 0, rejected = 0, flagged = 0;
  int n = 0, clean = 0;
  cJSON_ArrayForEach(o, objs) {
    n++;
    read += num(o, "read"); planned += num(o, "planned");
    rejected += num(o, "rejected"); flagged += num(o, "flagged");
    clean += num(o, "read") > 0 && num(o, "planned") == num(o, "read");
  }
  const cJSON *calls = cJSON_GetObjectItem(j, "calls");
  fputs("<h2 id=\"scope\">Scope</h2>\n", f);
  pl_scope_html(p, j, f);
  fputs("<table>\n", f);
  fprintf(f, "<tr><th>objects</th><td class=\"n\" id=\"n-objects\">%d</td></tr>\n", n);
  fprintf(f, "<tr><th>objects whose every record is planned</th>"
          "<td class=\"n\">%d of %d</td></tr>\n", clean, n);
  fprintf(f, "<tr><th>records read</th><td class=\"n\" id=\"n-read\">%.0f</td></tr>\n", read);
  fprintf(f, "<tr><th>records planned</th><td class=\"n\" id=\"n-planned\">%.0f</td></tr>\n",
          planned);
  fprintf(f, "<tr><th>records rejected</th><td class=\"n\" id=\"n-rejected\">%.0f</td></tr>\n",
          rejected);
  fprintf(f, "<tr><th>records flagged</th><td class=\"n\" id=\"n-flagged\">%.0f</td></tr>\n",
          flagged);
  fprintf(f, "<tr><th>planned API calls</th><td class=\"n\" id=\"n-calls\">%.0f</td></tr>\n",
          num(calls, "total"));
  fputs("</table>\n", f);   /* the time, with lookups and verify: pl_scope_html's table */
}

/* Records per object: a horizontal bar per object, planned and rejected. */
static void chart(FILE *f, const cJSON *j) {
  const cJSON *objs = cJSON_GetObjectItem(j, "objects"), *o;
  double max = 1;
  int n = 0;
  cJSON_ArrayForEach(o, objs) { n++; if (num(o, "read") > max) max = num(o, "read"); }
  fputs("<h2 id=\"objects\">Records per object</h2>\n", f);
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"%d\" role=\"img\" "
          "aria-label=\"records read, planned and rejected per object\">\n", 22 * n + 10);
  int y = 5;
  cJSON_ArrayForEach(o, objs) {
    double w = 420 * num(o, "read") / max, pw = 420 * num(o, "planned") / max,
           rw = 420 * num(o, "rejected") / max;
    fputs("<text x=\"0\" y=\"", f);
    fprintf(f, "%d\">", y + 13);
    esc(f, o->string);
    fprintf(f, "</text><rect x=\"200\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#ddd\"/>"
            "<rect x=\"200\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#3a7\"/>"
            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#c33\"/>"
            "<text x=\"%.1f\" y=\"%d\">%.0f read, %.0f planned, %.0f rejected</text>\n",
            y, w, y, pw, 200 + pw, y, rw, 206 + w, y + 13, num(o, "read"), num(o, "planned"),
            num(o, "rejected"));
    y += 22;
  }
  fputs("</svg>\n<table><tr><th>object</th><th>read</th><th>planned</th><th>rejected</th>"
        "<th>flagged</th><th>guarded out</th><th>bad</th><th>repeats</th></tr>\n", f);
  const char *cols[] = {"read", "planned", "rejected", "flagged", "guarded", "bad", "repeats"};
  cJSON_ArrayForEach(o, objs) {
    fputs("<tr class=\"object\" data-object=\"", f);
    esc(f, o->string);
    fputs("\"><td>", f);
    esc(f, o->string);
    fputs("</td>", f);
    for (int i = 0; i < 7; i++)
      fprintf(f, "<td class=\"n\" data-k=\"%s\">%.0f</td>", cols[i], num(o, cols[i]));
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
}

typedef struct ctx {
  const pl_html_in *in;
  FILE *f;
} ctx;

static void example(ctx *c, const char *object, const char *key) {
  const char *label = c->in->label ? c->in->label(c->in->u, object, key) : NULL;
  if (label) { esc(c->f, label); fputs(" (key ", c->f); esc(c->f, key); fputc(')', c->f); }
  else { fputs("key ", c->f); esc(c->f, key); }
}

/* Rows of one kind grouped by object and message, in first-seen order. */
static void grouped(ctx *c, const cJSON *rows, const char *title, const char *id, bool sev) {
  int n = cJSON_GetArraySize(rows);
  fprintf(c->f, "<h2 id=\"%s\">%s</h2>\n", id, title);
  if (!n) { fputs("<p>None.</p>\n", c->f); return; }
  fprintf(c->f, "<table><tr><th>object</th>%s<th>reason</th><th>records</th><th>map line</th>"
          "<th>examples</th></tr>\n", sev ? "<th>severity</th>" : "");
  char *done = calloc((size_t)n, 1);
  int i = 0;
  for (const cJSON *r = rows->child; r; r = r->next, i++) {
    if (done[i]) continue;
    int count = 0, k = 0;
    const char *o = str(r, "object"), *m = str(r, "message");
    fprintf(c->f, "<tr class=\"%s\" data-object=\"", id);
    esc(c->f, o);
    fputs("\"><td>", c->f);
    esc(c->f, o);
    if (sev) { fputs("</td><td>", c->f); esc(c->f, str(r, "severity")); }
    fputs("</td><td>", c->f);
    esc(c->f, m);
    for (const cJSON *s = r; s; s = s->next, k++)
      if (!done[i + k] && !strcmp(str(s, "object"), o) && !strcmp(str(s, "message"), m) &&
          !strcmp(str(s, "severity"), str(r, "severity")))
        count++;
    fprintf(c->f, "</td><td class=\"n\" data-k=\"count\">%d</td><td>", count);
    esc(c->f, str(r, "map"));
    fputs("</td><td class=\"ex\">", c->f);
    int shown = 0;
    k = 0;
    for (const cJSON *s = r; s; s = s->next, k++) {
      if (done[i + k] || strcmp(str(s, "object"), o) || strcmp(str(s, "message"), m) ||
          strcmp(str(s, "severity"), str(r, "severity")))
        continue;
      done[i + k] = 1;
      if (shown++ >= EXAMPLES) continue;
      if (shown > 1) fputs("<br>", c->f);
      example(c, o, str(s, "key"));
    }
    if (shown > EXAMPLES) fprintf(c->f, "<br>… and %d more", shown - EXAMPLES);
    fputs("</td></tr>\n", c->f);
  }
  free(done);
  fputs("</table>\n", c->f);
}

static void losses(FILE *f, const cJSON *j) {
  const cJSON *l = cJSON_GetObjectItem(j, "losses"), *r;
  fputs("<h2 id=\"losses\">Losses</h2>\n<table><tr><th>rule</th><th>what is lost</th>"
        "<th>records</th></tr>\n", f);
  cJSON_ArrayForEach(r, l) {
    fputs("<tr class=\"loss\"><td>", f); esc(f, str(r, "rule"));
    fputs("</td><td>", f); esc(f, str(r, "reason"));
    fprintf(f, "</td><td class=\"n\">%.0f</td></tr>\n", num(r, "records"));
  }
  fputs("</table>\n<h3>Columns not migrated</h3>\n<table><tr><th>object</th><th>column</th>"
        "<th>records with a value</th><th>example key</th></tr>\n", f);
  cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "not_migrated")) {
    fputs("<tr class=\"unread\"><td>", f); esc(f, str(r, "object"));
    fputs("</td><td>", f); esc(f, str(r, "column"));
    fprintf(f, "</td><td class=\"n\">%.0f</td><td>", num(r, "records"));
    esc(f, str(r, "example"));
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n", f);
}

/* One spooled inventory row "| key | label |" (Markdown-escaped: `<` and `&`
   are entities already, `\` escapes punctuation) as two table cells. */
static void inventory_row(FILE *f, const char *cls, const char *line) {
  fprintf(f, "<tr class=\"%s\"><td>", cls);
  const char *s = line + (strncmp(line, "| ", 2) ? 0 : 2);
  for (; *s && *s != '\n'; s++) {
    if (*s == '\\' && s[1]) { s++; fputc(*s, f); continue; }
    if (!strncmp(s, " | ", 3)) { fputs(s[3] && s[3] != '\n' ? "</td><td>" : "", f); s += 2;
                                 continue; }
    if (!strncmp(s, " |", 2) && (s[2] == '\n' || !s[2])) break;
    if (*s == '>') fputs("&gt;", f);
    else fputc(*s, f);
  }
  fputs("</td></tr>\n", f);
}

static void gaps(ctx *c, const cJSON *j) {
  FILE *f = c->f;
  const hm_program *p = c->in->p;
  fputs("<h2 id=\"gaps\">No Gorgias home</h2>\n<table><tr><th>object</th><th>kind</th>"
        "<th>where it goes</th><th>records</th></tr>\n", f);
  const cJSON *g;
  cJSON_ArrayForEach(g, cJSON_GetObjectItem(j, "gaps")) {
    fputs("<tr class=\"gap\"><td>", f); esc(f, str(g, "object"));
    fputs("</td><td>", f); esc(f, str(g, "kind"));
    fputs("</td><td>", f); esc(f, str(g, "destination"));
    fprintf(f, "</td><td class=\"n\">%.0f</td></tr>\n", num(g, "records"));
  }
  fputs("</table>\n", f);
  for (uint32_t i = 0; i < p->ngaps; i++) {
    FILE *sp = c->in->inventory ? c->in->inventory[i] : NULL;
    if (p->gaps[i].kind != HG_INVENTORY || !sp) continue;
    fputs("<h3>Inventory: ", f); esc(f, K(p, p->gaps[i].name)); fputs("</h3>\n<p>", f);
    esc(f, K(p, p->gaps[i].dest));
    fputs("</p>\n<table><tr><th>key</th><th>name</th></tr>\n", f);
    rewind(sp);
    char line[8192];
    while (fgets(line, sizeof line, sp)) inventory_row(f, "inv", line);
    fseek(sp, 0, SEEK_END);
    fputs("</table>\n", f);
  }
}

/* The Gorgias users the run creates, by name and e-mail: the customer's admin
   sends each an invitation (inventory.md lists the same rows). */
static void agents(ctx *c) {
  FILE *f = c->f, *sp = c->in->agents;
  fputs("<h2 id=\"agents\">Agents to invite</h2>\n", f);
  if (!sp) { fputs("<p>None: the run creates no Gorgias user.</p>\n", f); return; }
  fputs("<p>The Gorgias users the run creates: send each the onboarding invitation at this "
        "address.</p>\n<table><tr><th>object</th><th>key</th><th>name and e-mail</th></tr>\n", f);
  rewind(sp);
  char line[8192];
  while (fgets(line, sizeof line, sp)) inventory_row(f, "agent", line);
  fseek(sp, 0, SEEK_END);
  fputs("</table>\n", f);
}

static void setting_const(FILE *f, const hm_program *p, uint32_t k) {
  if (k < p->nconsts && p->consts[k].kind == HK_NUM) fprintf(f, "%g", p->consts[k].num);
  else esc(f, k < p->nconsts ? K(p, k) : "");
}

/* A list setting as its --set would give it: the items, between commas. */
static void list_setting(FILE *f, const hm_program *p, const hm_setting *s) {
  for (uint32_t i = 0; i < s->nitems; i++) {
    if (i) fputc(',', f);
    if (s->elem == HT_BOOL && s->items[i] < p->nconsts)
      fputs(p->consts[s->items[i]].num != 0 ? "true" : "false", f);
    else setting_const(f, p, s->items[i]);
  }
  if (!s->nitems) fputs("(none)", f);
}

static void settings(ctx *c, const cJSON *j) {
  FILE *f = c->f;
  const hm_program *p = c->in->p;
  fputs("<h2 id=\"settings\">Settings</h2>\n<table><tr><th>setting</th><th>value in the map"
        "</th></tr>\n", f);
  for (uint32_t i = 0; i < p->nsettings; i++) {
    const hm_setting *s = &p->settings[i];
    fputs("<tr class=\"setting\"><td>", f); esc(f, K(p, s->name)); fputs("</td><td>", f);
    if (s->type == HT_LIST) list_setting(f, p, s);
    else setting_const(f, p, s->def);
    fputs(strstr(K(p, s->name), "timezone") ? " (time zone of dates without an offset)" : "", f);
    fputs("</td></tr>\n", f);
  }
  fputs("</table>\n<p>Values given with <code>--set</code> are covered by the map hash.</p>\n"
        "<table><tr><th>map hash</th><td id=\"map-hash\">", f);
  esc(f, str(j, "map_hash"));
  fputs("</td></tr><tr><th>tool</th><td id=\"version\">", f);
  esc(f, c->in->version);
  fputs("</td></tr></table>\n", f);
}

int pl_html_write(const pl_html_in *in, FILE *f) {
  cJSON *j = cJSON_Parse(in->report_json);
  if (!j) return -1;
  ctx c = {in, f};
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n<title>Migration plan: ", f);
  esc(f, str(j, "migration"));
  fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>Migration plan: ", style);
  esc(f, str(j, "migration"));
  fputs("</h1>\n", f);
  scope(in->p, f, j);
  chart(f, j);
  grouped(&c, cJSON_GetObjectItem(j, "rejected"), "Rejected records", "rejected", false);
  grouped(&c, cJSON_GetObjectItem(j, "flags"), "Flags", "flags", true);
  losses(f, j);
  gaps(&c, j);
  agents(&c);
  settings(&c, j);
  fputs("</body></html>\n", f);
  cJSON_Delete(j);
  return 0;
}
