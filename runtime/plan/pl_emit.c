/* pl_emit: turning one emitted object into calls — writing calls.ndjson lines,
 * messages that never e-mail anyone, what Gorgias would refuse caught here
 * rather than in the run, creates and updates. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hm_plan.h"
#include "hm_apipath.h"
#include "hm_calls.h"
#include "hm_utf8.h"
#include "pl.h"

/* ---- writing calls ---- */

static void hex16(char out[17], uint64_t h) {
  static const char *d = "0123456789abcdef";
  for (int i = 15; i >= 0; i--) { out[i] = d[h & 15]; h >>= 4; }
  out[16] = 0;
}

static void put_jstr(hm_buf *b, const char *s) { hm_buf_json_str(b, s, strlen(s)); }

/* The first line of calls.ndjson, the plan's typed header: what the run must
 * know of the plan besides its calls — the map hash it stamps on the state and
 * the upload limit the plan flagged uploads with. It has no "path", so no
 * reader can take it for a call. */
void pl_write_header(plan *pl, const char *map_hash, long long max_upload_bytes) {
  fprintf(pl->calls, "{\"hmap_plan\":%d,\"map_hash\":\"%s\",\"max_upload_bytes\":%lld}\n",
          HM_PLAN_FORMAT, map_hash, max_upload_bytes);
}

/* One line of calls.ndjson; body (JSON text) or the upload members in extra. */
static void write_call(plan *pl, uint32_t rule, const char *phase, const char *method,
                       const char *path, const char *body, size_t blen, const char *extra,
                       const char *target, const char *ref, const char *unique) {
  hm_buf *b = &pl->line;
  b->len = 0;
  uint64_t h = pl_body_hash(method, strlen(method), FNV0);
  h = pl_body_hash(path, strlen(path), h);
  if (body) h = pl_body_hash(body, blen, h);
  if (extra) h = pl_body_hash(extra, strlen(extra), h);
  char hex[17];
  hex16(hex, h);
  char num[24];
  int nl = snprintf(num, sizeof num, "%llu", (unsigned long long)++pl->seq);
  hm_buf_puts(b, "{\"seq\":");
  hm_buf_put(b, num, (size_t)nl);
  hm_buf_puts(b, ",\"phase\":\"");
  hm_buf_puts(b, phase);
  hm_buf_puts(b, "\",\"method\":\"");
  hm_buf_puts(b, method);
  hm_buf_puts(b, "\",\"path\":");
  put_jstr(b, path);
  if (body) { hm_buf_puts(b, ",\"body\":"); hm_buf_put(b, body, blen); }
  if (extra) hm_buf_puts(b, extra);
  hm_buf_puts(b, ",\"source\":{\"object\":");
  put_jstr(b, src_name(pl, pl->src));
  hm_buf_puts(b, ",\"key\":");
  put_jstr(b, pl->key ? pl->key : "");
  hm_buf_puts(b, "},\"rule\":");
  put_jstr(b, K(pl->p, pl->p->rules[rule].name));
  hm_buf_puts(b, ",\"target\":");
  put_jstr(b, target);
  hm_buf_puts(b, ",\"ref\":");
  put_jstr(b, ref);
  if (unique) { hm_buf_puts(b, ",\"unique\":"); hm_buf_puts(b, unique); }
  hm_buf_puts(b, ",\"hash\":\"");
  hm_buf_put(b, hex, 16);
  hm_buf_puts(b, "\"}\n");
  if (!pl->buffering) fwrite(b->data, 1, b->len, pl->calls);
  else {
    hm_buf_put(&pl->rec_calls, b->data, b->len);
    if (!pl->first_end) pl->first_end = pl->rec_calls.len;
  }
  hm_rpt_call(pl->rpt, phase, target, !pl->surplus);
  pl->surplus = false;
}

/* ---- a record's flags on its first call ---- */

void pl_record_begin(plan *pl) {
  pl->rec_calls.len = pl->rec_flags.len = pl->first_end = 0;
  pl->buffering = true;
}

void pl_record_flag(plan *pl, const hm_rpt_row *row) {
  if (!pl->buffering || row->kind != HM_ROW_FLAG || !row->message) return;
  hm_buf *f = &pl->rec_flags;
  hm_buf_puts(f, f->len ? ",{\"severity\":" : "{\"severity\":");
  put_jstr(f, row->severity ? row->severity : "info");
  hm_buf_puts(f, ",\"message\":");
  put_jstr(f, row->message);
  if (row->map) { hm_buf_puts(f, ",\"map\":"); put_jstr(f, row->map); }
  hm_buf_putc(f, '}');
}

/* The first line gets "flags" as its last member (before "}\n"); a record
   without flags is written as planned, so its lines do not change. */
void pl_record_end(plan *pl) {
  if (!pl->buffering) return;
  pl->buffering = false;
  hm_buf *c = &pl->rec_calls;
  if (!c->len) return;
  if (!pl->rec_flags.len || pl->rec_after) { fwrite(c->data, 1, c->len, pl->calls); return; }
  fwrite(c->data, 1, pl->first_end - 2, pl->calls);
  fputs(",\"flags\":[", pl->calls);
  fwrite(pl->rec_flags.data, 1, pl->rec_flags.len, pl->calls);
  fputs("]}\n", pl->calls);
  fwrite(c->data + pl->first_end, 1, c->len - pl->first_end, pl->calls);
}

/* ---- an `after` pass's flags on the record's create ---- */

bool pl_record_after_kept(plan *pl) {
  if (!pl->rec_after || !pl->rec_flags.len) return false;
  kmap *m = &pl->ss[pl->src].made;
  long i = pl_kmap_find(m, pl_khash(pl->key), false, NULL);
  if (i < 0 || !m->ord || !m->ord[i]) return false;   /* not created: its rejection only */
  if (pl->naflags == pl->capaflags) {
    pl->capaflags = pl->capaflags ? pl->capaflags * 2 : 64;
    pl->aflags = realloc(pl->aflags, pl->capaflags * sizeof *pl->aflags);
    if (!pl->aflags) abort();
  }
  pl->aflags[pl->naflags].seq = m->ord[i];
  pl->aflags[pl->naflags++].json = hm_xstrdup(hm_buf_cstr(&pl->rec_flags));
  return true;
}

static int cmp_aflag(const void *a, const void *b) {
  uint64_t x = ((const struct pl_aflag *)a)->seq, y = ((const struct pl_aflag *)b)->seq;
  return x < y ? -1 : x > y;
}

static uint64_t line_seq(const char *line, ssize_t n) {
  return n > 7 && !strncmp(line, "{\"seq\":", 7) ? strtoull(line + 7, NULL, 10) : 0;
}

/* A line as pl_record_end wrote it: ends in `"hash":"…"}` or, with flags,
   `"flags":[…]}`; the kept flags [k, e) join them. */
static void splice_line(plan *pl, const char *line, ssize_t n, size_t k, size_t e) {
  FILE *out = pl->calls_out;
  bool has = line[n - 3] == ']';
  fwrite(line, 1, (size_t)n - (has ? 3 : 2), out);
  fputs(has ? "," : ",\"flags\":[", out);
  for (size_t i = k; i < e; i++) {
    if (i > k) fputc(',', out);
    fputs(pl->aflags[i].json, out);
  }
  fputs("]}\n", out);
}

int pl_after_flags_splice(plan *pl, char *err, size_t errlen) {
  if (pl->naflags) qsort(pl->aflags, pl->naflags, sizeof *pl->aflags, cmp_aflag);
  char *line = NULL;
  size_t cap = 0, k = 0;
  ssize_t n;
  int bad = fflush(pl->calls) || fseek(pl->calls, 0, SEEK_SET);
  while (!bad && (n = getline(&line, &cap, pl->calls)) > 0) {
    uint64_t seq = line_seq(line, n);
    while (k < pl->naflags && pl->aflags[k].seq < seq) k++;
    size_t e = k;
    while (e < pl->naflags && pl->aflags[e].seq == seq) e++;
    if (e > k && n > 3 && line[n - 1] == '\n' && line[n - 2] == '}') splice_line(pl, line, n, k, e);
    else fwrite(line, 1, (size_t)n, pl->calls_out);
    k = e;
  }
  free(line);
  if (bad || ferror(pl->calls) || ferror(pl->calls_out)) {
    snprintf(err, errlen, "calls.ndjson: %s", bad ? "cannot read the calls back" : "write error");
    return 2;
  }
  return 0;
}

/* The type of a file by its extension: the Gorgias profile's MIME table. */
static const char *content_type(const char *path) {
  const char *dot = strrchr(path, '.');
  const char *type = dot ? hm_gorgias_mime(dot + 1, strlen(dot + 1)) : NULL;
  return type ? type : HM_GORGIAS_MIME_DEFAULT;
}

/* An upload call. ref NULL: an upload() of the map, named and deduplicated by
 * its path; otherwise an Upload rule's object (name and type from its body). */
static void write_upload(plan *pl, uint32_t rule, const char *rel, long long size, const char *ref,
                         const char *name, const char *type, const char *utype) {
  const char *slash = strrchr(rel, '/');
  hm_buf x;
  hm_buf_init(&x);
  hm_buf_puts(&x, ",\"file\":");
  put_jstr(&x, rel);
  hm_buf_puts(&x, ",\"name\":");
  put_jstr(&x, name ? name : slash ? slash + 1 : rel);
  hm_buf_puts(&x, ",\"content_type\":");
  put_jstr(&x, type ? type : content_type(rel));
  hm_buf_printf(&x, ",\"size\":%lld", size);
  if (utype && strcmp(utype, HM_GORGIAS_UPLOAD_DEFAULT)) {   /* "upload_type": hm_calls.h */
    hm_buf_puts(&x, ",\"upload_type\":");
    put_jstr(&x, utype);
  }
  const hm_gorgias_kind *up = &HM_GORGIAS[HM_GK_UPLOAD];
  write_call(pl, rule, "upload", "POST", up->collection, NULL, 0, hm_buf_cstr(&x), up->name,
             ref ? ref : hm_arena_printf(&pl->arena, "upload:%s", rel), NULL);
  long long max = (long long)pl->pset[HM_PSET_MAX_UPLOAD_BYTES].u.num;   /* a count: a number */
  if (size > max)
    pl_report_row(
        pl, HM_ROW_FLAG, "warn",
        hm_arena_printf(
            &pl->arena,
            "%s is %lld bytes, over the %lld-byte upload limit: the run will not upload it", rel,
            size, max),
        pl_rule_loc(pl, rule), rule, NULL);
  hm_buf_free(&x);
  if (!ref) pl_kmap_find(&pl->uploaded, pl_khash(rel), true, NULL);
}

/* upload() in a Help Center rule: the file is shown in public content. */
static void flush_uploads(plan *pl, uint32_t rule) {
  hm_gkind gk = hm_gorgias_kind_named(tgt_name(pl, pl->p->rules[rule].target));
  const char *utype = gk == HM_GK_HC_ARTICLE || gk == HM_GK_HC_CATEGORY ? HM_GORGIAS_UPLOAD_PUBLIC
                                                                         : NULL;
  for (uint32_t i = 0; i < pl->npend; i++)
    write_upload(pl, rule, pl->pend[i].rel, pl->pend[i].size, NULL, NULL, NULL, utype);
  pl->npend = 0;
}

static const char *unique_json(plan *pl, uint32_t t, hm_value obj) {
  const hm_target *tg = &pl->p->targets[t];
  hm_buf b = pl->scratch;   /* reused: no malloc per call */
  b.len = 0;
  for (uint32_t i = 0; i < tg->nunique; i++) {
    const char *f = K(pl->p, tg->unique[i]);
    hm_value v = hv_rec_get(&obj, f);
    if (v.kind != HV_STR && v.kind != HV_NUM) continue;
    hm_buf_putc(&b, b.len ? ',' : '{');
    put_jstr(&b, f);
    hm_buf_putc(&b, ':');
    hv_to_json(&b, v);
  }
  const char *out = NULL;
  if (b.len) {
    hm_buf_putc(&b, '}');
    out = hm_arena_strndup(&pl->arena, b.data, b.len);
  }
  pl->scratch = b;
  return out;
}

/* Two creates with the same e-mail (a unique field other than our own
 * external_id): Gorgias keeps one object per value, so the run will find the
 * first and reuse it for the second. Not silent: a review flag on the second.
 * -1 on an index error. */
static int shared_unique(plan *pl, uint32_t rule, uint32_t t, hm_value obj) {
  const hm_target *tg = &pl->p->targets[t];
  for (uint32_t i = 0; i < tg->nunique; i++) {
    const char *f = K(pl->p, tg->unique[i]);
    hm_value v = hv_rec_get(&obj, f);
    if (!strcmp(f, "external_id") || v.kind != HV_STR || !v.len) continue;
    char *low = pl_lower_trim(&pl->arena, v);
    char num[16];
    snprintf(num, sizeof num, "%u:", t);
    int fresh = pl_keyset_add(
        &pl->uniq, pl_cat3(&pl->arena, num, f, pl_cat3(&pl->arena, ":", low, "")), pl->keyset_max);
    if (fresh < 0) return -1;
    if (!fresh)
      pl_report_row(
          pl, HM_ROW_FLAG, "review",
          hm_arena_printf(&pl->arena,
                          "%s %s %s is already planned for another record: Gorgias keeps one, "
                          "the run will reuse it for this record",
                          K(pl->p, tg->name), f, low),
          pl_rule_loc(pl, rule), rule, f);
  }
  return 0;
}

static hm_value without(hm_arena *a, hm_value obj, const char *field) {
  hm_value r = hv_rec_new(a, obj.u.rec->n);
  for (uint32_t i = 0; i < obj.u.rec->n; i++)
    if (strcmp(obj.u.rec->keys[i], field))
      hv_rec_set(a, &r, obj.u.rec->keys[i], obj.u.rec->vals[i]);
  return r;
}

/* "{name}" placeholders of a target path: a ref field of the object becomes
 * "{ref:R}" (and leaves the body), otherwise the planner setting of that name. */
static const char *resolve_path(plan *pl, const char *path, hm_value *obj) {
  if (!strchr(path, '{')) return path;
  hm_buf b;
  hm_buf_init(&b);
  const char *p = path;
  while (*p) {
    const char *open = strchr(p, '{'), *close = open ? strchr(open, '}') : NULL;
    if (!open || !close) { hm_buf_puts(&b, p); break; }
    hm_buf_put(&b, p, (size_t)(open - p));
    char *name = hm_arena_strndup(&pl->arena, open + 1, (size_t)(close - open - 1));
    hm_value v = obj->kind == HV_REC ? hv_rec_get(obj, name) : hv_missing(0);
    if (v.kind == HV_REF && v.u.ref->kind == HM_REF_OBJECT) {
      hm_buf_printf(&b, "{ref:%s}", hm_wire_ref_name(&pl->arena, v.u.ref));
      *obj = without(&pl->arena, *obj, name);
    } else if (v.kind == HV_STR || v.kind == HV_NUM) {
      hm_buf_puts(&b, hv_to_str(&pl->arena, v).u.str);
      *obj = without(&pl->arena, *obj, name);
    } else {
      int ps = hm_pset_find(name, strlen(name));
      hm_value s = ps >= 0 ? pl->pset[ps] : hv_missing(HM_WHY_ABSENT);
      if (s.kind == HV_STR || s.kind == HV_NUM) hm_buf_puts(&b, hv_to_str(&pl->arena, s).u.str);
      else hm_buf_put(&b, open, (size_t)(close - open + 1));
    }
    p = close + 1;
  }
  const char *out = hm_arena_strdup(&pl->arena, hm_buf_cstr(&b));
  hm_buf_free(&b);
  return out;
}

/* The first "{name}" of a path left unresolved, or NULL ("{ref:" is fine). */
static const char *unresolved(const char *path) {
  for (const char *b = strchr(path, '{'); b; b = strchr(b + 1, '{'))
    if (strncmp(b, "{ref:", 5)) return b;
  return NULL;
}

/* A customer's or user's e-mail as the planner holds it: its `email`, else the
   address of its first e-mail channel; NULL when it has neither. */
static const char *email_of(hm_value v) {
  if (v.kind != HV_REC) return NULL;
  hm_value em = hv_rec_get(&v, "email"), chs = hv_rec_get(&v, "channels");
  if (em.kind == HV_STR && em.len) return em.u.str;
  for (uint32_t i = 0; chs.kind == HV_LIST && i < chs.u.list->n; i++) {
    hm_value c = chs.u.list->items[i];
    hm_value t = hv_rec_get(&c, "type"), a = hv_rec_get(&c, "address");
    if (t.kind == HV_STR && !strcmp(t.u.str, "email") && a.kind == HV_STR && a.len) return a.u.str;
  }
  return NULL;
}

/* ---- messages: never e-mail anyone ---- */

static bool is_public(hm_value m) {
  hm_value ch = hv_rec_get(&m, "channel"), pub = hv_rec_get(&m, "public");
  if (ch.kind == HV_STR && !strcmp(ch.u.str, "internal-note")) return false;
  return !(pub.kind == HV_BOOL && !pub.u.b);
}

/* Gives every public message a sent_datetime. Returns how many got one, or -1
 * when a message has no date to take it from. */
static int fix_sent(plan *pl, hm_value *msg, hm_value fallback) {
  if (msg->kind != HV_REC || !is_public(*msg)) return 0;
  if (!hv_is_nothing(hv_rec_get(msg, "sent_datetime"))) return 0;
  hm_value c = hv_rec_get(msg, "created_datetime");
  if (hv_is_nothing(c)) c = fallback;
  if (hv_is_nothing(c)) return -1;
  hv_rec_set(&pl->arena, msg, "sent_datetime", c);
  return 1;
}

static bool fix_thread(plan *pl, uint32_t rule, hm_value msgs, hm_value fallback) {
  int fixed = 0;
  for (uint32_t i = 0; msgs.kind == HV_LIST && i < msgs.u.list->n; i++) {
    int r = fix_sent(pl, &msgs.u.list->items[i], fallback);
    if (r < 0) {
      pl_report_row(pl, HM_ROW_REJECT, NULL,
                    "a public message has neither sent_datetime nor created_datetime: Gorgias "
                    "would e-mail it",
                    pl_rule_loc(pl, rule), rule, "sent_datetime");
      return false;
    }
    fixed += r;
  }
  if (fixed)
    pl_report_row(pl, HM_ROW_FLAG, "info",
                  hm_arena_printf(&pl->arena,
                                  "%d public message(s) without sent_datetime: set from "
                                  "created_datetime so Gorgias does not e-mail them",
                                  fixed),
                  pl_rule_loc(pl, rule), rule, "sent_datetime");
  return true;
}

/* ---- senders: never one with neither id nor e-mail ---- */

/* Whether a message's sender is a record with neither id nor e-mail (a name
   only): the strict reading of Gorgias refuses the whole ticket for it
   (gorgias-fidelity.md 1.4), so unless a probe found the account accepts it
   (anonymous_sender=accept) the planner replaces it. */
static bool anonymous(hm_value s) {
  if (s.kind != HV_REC) return false;
  hm_value id = hv_rec_get(&s, "id"), em = hv_rec_get(&s, "email");
  return hv_is_nothing(id) && !(em.kind == HV_STR && em.len);
}

static bool pset_is(const plan *pl, hm_pset_id id, const char *text) {
  hm_value v = pl->pset[id];
  return v.kind == HV_STR && !strcmp(v.u.str, text);
}

/* One message's anonymous sender replaced: an agent's by {email: fallback_agent}
   (left out when none is set: Gorgias then sends it as the key's user), a
   customer's by the ticket's customer (left out when unknown). Its name, if
   any, is added to names (the flag says whose messages moved). 1 when replaced. */
static int fix_sender(plan *pl, hm_value *msg, hm_value customer, hm_buf *names) {
  hm_value s = msg->kind == HV_REC ? hv_rec_get(msg, "sender") : hv_missing(HM_WHY_ABSENT);
  if (!anonymous(s)) return 0;
  hm_value nm = hv_rec_get(&s, "name");
  if (nm.kind == HV_STR && nm.len) {
    hm_buf_puts(names, names->len ? ", " : " (");
    hm_buf_put(names, nm.u.str, nm.len);
  }
  hm_value fa = hv_rec_get(msg, "from_agent"), fb = pl->pset[HM_PSET_FALLBACK_AGENT];
  hm_value by = customer;
  if (fa.kind == HV_BOOL && fa.u.b) {
    by = hv_missing(HM_WHY_ABSENT);
    if (fb.kind == HV_STR && fb.len) {
      by = hv_rec_new(&pl->arena, 1);
      hv_rec_set(&pl->arena, &by, "email", fb);
    }
  }
  if (hv_is_nothing(by)) *msg = without(&pl->arena, *msg, "sender");
  else hv_rec_set(&pl->arena, msg, "sender", by);
  return 1;
}

/* Every message of a thread (or one message: msgs a record) with its
   anonymous sender replaced, and one flag saying how many and whose. */
static void fix_senders(plan *pl, uint32_t rule, hm_value *msgs, hm_value customer) {
  if (pset_is(pl, HM_PSET_ANONYMOUS_SENDER, "accept")) return;
  int n = 0;
  hm_buf names;
  hm_buf_init(&names);
  if (msgs->kind == HV_REC) n = fix_sender(pl, msgs, customer, &names);
  for (uint32_t i = 0; msgs->kind == HV_LIST && i < msgs->u.list->n; i++)
    n += fix_sender(pl, &msgs->u.list->items[i], customer, &names);
  if (names.len) hm_buf_putc(&names, ')');
  if (n)
    pl_report_row(pl, HM_ROW_FLAG, "warn",
                  hm_arena_printf(&pl->arena,
                                  "%d message sender(s) with neither id nor e-mail%s: sent as the "
                                  "ticket's customer or fallback_agent, or left out when neither "
                                  "is known (anonymous_sender=refuse)",
                                  n, hm_buf_cstr(&names)),
                  pl_rule_loc(pl, rule), rule, "sender");
  hm_buf_free(&names);
}

/* ---- fields the account does not keep (refused_fields, from the probe) ---- */

/* The internal note that carries a ticket's refused fields (text: "f: value"
   lines), dated and identified after the ticket. */
static hm_value refused_note(plan *pl, hm_value ticket, const char *text) {
  hm_value n = hv_rec_new(&pl->arena, 8);
  hv_rec_set(&pl->arena, &n, "channel", hv_str("internal-note"));
  hv_rec_set(&pl->arena, &n, "via", hv_str("internal-note"));
  hv_rec_set(&pl->arena, &n, "public", hv_bool(false));
  hv_rec_set(&pl->arena, &n, "from_agent", hv_bool(true));
  hv_rec_set(&pl->arena, &n, "body_text",
             hv_str(pl_cat3(&pl->arena, "Fields this Gorgias account does not keep (hmaprun "
                            "probe):\n", text, "")));
  hm_value c = hv_rec_get(&ticket, "created_datetime"), x = hv_rec_get(&ticket, "external_id");
  if (!hv_is_nothing(c)) hv_rec_set(&pl->arena, &n, "created_datetime", c);
  if (x.kind == HV_STR && x.len)
    hv_rec_set(&pl->arena, &n, "external_id", hv_str(pl_cat3(&pl->arena, x.u.str, ":refused", "")));
  return n;
}

/* A field of obj (target tn) listed in refused_fields ("Target.field,...")
   would be accepted and lost: it leaves the body, its value goes into an
   internal note (a ticket) or into the flag (any other object), flagged. */
static void move_refused(plan *pl, uint32_t rule, const char *tn, hm_value *obj) {
  hm_value rf = pl->pset[HM_PSET_REFUSED_FIELDS];
  if (rf.kind != HV_STR || !rf.len || obj->kind != HV_REC) return;
  hm_buf text, names;
  hm_buf_init(&text);
  hm_buf_init(&names);
  size_t tl = strlen(tn);
  for (const char *s = rf.u.str; *s; s += *s == ',') {
    size_t n = strcspn(s, ",");
    if (n > tl + 1 && !memcmp(s, tn, tl) && s[tl] == '.') {
      const char *f = hm_arena_strndup(&pl->arena, s + tl + 1, n - tl - 1);
      hm_value v = hv_rec_get(obj, f);
      if (!hv_is_nothing(v)) {
        hm_buf_printf(&text, "%s%s: ", text.len ? "\n" : "", f);
        hv_to_json(&text, v);
        hm_buf_printf(&names, "%s%s", names.len ? ", " : "", f);
        *obj = without(&pl->arena, *obj, f);
      }
    }
    s += n;
  }
  if (text.len) {
    bool ticket = hm_gorgias_kind_named(tn) == HM_GK_TICKET;
    hm_value msgs = hv_rec_get(obj, HM_GORGIAS_ROUTES.nested_list);
    if (ticket && msgs.kind == HV_LIST)
      hv_list_push(&pl->arena, &msgs, refused_note(pl, *obj, hm_buf_cstr(&text)));
    if (ticket && msgs.kind == HV_LIST)
      hv_rec_set(&pl->arena, obj, HM_GORGIAS_ROUTES.nested_list, msgs);
    const char *where = ticket && msgs.kind == HV_LIST ? "its value is in an internal note"
                        : hm_arena_printf(&pl->arena, "left out: %s", hm_buf_cstr(&text));
    pl_report_row(pl, HM_ROW_FLAG, "warn",
                  hm_arena_printf(&pl->arena, "%s: this Gorgias account does not keep it "
                                  "(refused_fields, hmaprun probe): %s", hm_buf_cstr(&names),
                                  where),
                  pl_rule_loc(pl, rule), rule, NULL);
  }
  hm_buf_free(&text);
  hm_buf_free(&names);
}

/* ---- outgoing messages: receiver and source ---- */

/* The e-mail a sender or customer value gives at plan time: a record's email,
   an agent's e-mail, or the e-mail of the planned create a reference names
   (pl->addrs, filled by remember()); NULL when none is known (a reference to a
   record created without one, or later). */
static const char *address_of(plan *pl, hm_value v) {
  if (v.kind == HV_REF && v.u.ref->kind == HM_REF_AGENT) return v.u.ref->key;
  if (v.kind == HV_REF && v.u.ref->kind == HM_REF_OBJECT) {
    long i = pl_kmap_find(&pl->addrs, pl_khash(hm_wire_ref_name(&pl->arena, v.u.ref)), false,
                          NULL);
    return i >= 0 ? pl->addrs.v[i] : NULL;
  }
  hm_value id = v.kind == HV_REC ? hv_rec_get(&v, "id") : hv_missing(HM_WHY_ABSENT);
  if (id.kind == HV_REF) return address_of(pl, id);
  return email_of(v);
}

static hm_value address_rec(plan *pl, const char *addr) {
  hm_value r = hv_rec_new(&pl->arena, 1);
  hv_rec_set(&pl->arena, &r, "address", hv_str(addr));
  return r;
}

/* An agent's public message (not a note) goes out to the ticket's customer:
   real clients send it with `receiver` (the customer) and `source` {type,
   from, to} (gorgias-fidelity.md 1.4, [PD] [FD] [DOC]). The map's own values
   stay (a receiver it sets is the source's `to`); source is added only when
   both addresses are known at plan time. */
static void fix_route(plan *pl, hm_value *msg, hm_value customer) {
  hm_value fa = msg->kind == HV_REC ? hv_rec_get(msg, "from_agent") : hv_missing(0);
  if (!(fa.kind == HV_BOOL && fa.u.b) || !is_public(*msg) || hv_is_nothing(customer)) return;
  if (hv_is_nothing(hv_rec_get(msg, "receiver")))
    hv_rec_set(&pl->arena, msg, "receiver", customer);
  const char *from = address_of(pl, hv_rec_get(msg, "sender"));
  const char *to = address_of(pl, hv_rec_get(msg, "receiver"));
  hm_value ch = hv_rec_get(msg, "channel");
  if (!hv_is_nothing(hv_rec_get(msg, "source")) || !from || !to || ch.kind != HV_STR) return;
  hm_value src = hv_rec_new(&pl->arena, 3), list = hv_list_new(&pl->arena, 1);
  hv_list_push(&pl->arena, &list, address_rec(pl, to));
  hv_rec_set(&pl->arena, &src, "type", ch);
  hv_rec_set(&pl->arena, &src, "from", address_rec(pl, from));
  hv_rec_set(&pl->arena, &src, "to", list);
  hv_rec_set(&pl->arena, msg, "source", src);
}

/* ---- internal notes: a user sender ---- */

/* Whether m is an internal note without a sender of its own. */
static bool senderless_note(hm_value m) {
  return m.kind == HV_REC && !is_public(m) && hv_is_nothing(hv_rec_get(&m, "sender"));
}

/* The agent a note without a sender is written by: the ticket's assignee
   (its run-time fallback the fallback_agent), else the fallback_agent; a
   missing value when neither is known (Gorgias then shows the key's user). */
static hm_value note_author(plan *pl, hm_value assignee) {
  hm_value fb = pl->pset[HM_PSET_FALLBACK_AGENT];
  const char *fbe = fb.kind == HV_STR && fb.len ? fb.u.str : NULL;
  if (assignee.kind == HV_REF && assignee.u.ref->kind == HM_REF_AGENT) {
    hm_ref *r = hm_arena_alloc(&pl->arena, sizeof *r);
    *r = *assignee.u.ref;
    if (!r->fallback) r->fallback = fbe;
    r->flag = NULL;   /* the assignee's flag is the ticket's, raised once */
    r->flag_sev = 0;
    r->optional = 1;  /* no such user: no sender, rather than an id of null */
    assignee.u.ref = r;
  }
  if (assignee.kind == HV_REF) return assignee;
  if (!fbe) return hv_missing(HM_WHY_ABSENT);
  hm_value by = hv_ref(&pl->arena, HM_REF_AGENT, NULL, fbe);
  by.u.ref->optional = 1;
  return by;
}

/* An agent sender (the map's or note_author's) found in no Gorgias user at run
   time is left out rather than sent as `{id: null}`, which a strict Gorgias
   refuses with the whole ticket (gorgias-fidelity.md 1.4). */
static void optional_agent(plan *pl, hm_value *m) {
  hm_value s = hv_rec_get(m, "sender");
  if (s.kind != HV_REF || s.u.ref->kind != HM_REF_AGENT || s.u.ref->optional) return;
  hm_ref *r = hm_arena_alloc(&pl->arena, sizeof *r);
  *r = *s.u.ref;
  r->optional = 1;
  s.u.ref = r;
  hv_rec_set(&pl->arena, m, "sender", s);
}

/* Internal notes go with a user sender, `{id}` of an agent, as Gorgias' own
   clients send them (gorgias-fidelity.md 1.10): a note the map gave no sender
   gets note_author's, one `info` flag per record saying whose. */
static void fix_note_senders(plan *pl, uint32_t rule, hm_value msgs, hm_value assignee) {
  int n = 0, left = 0;
  hm_value by = note_author(pl, assignee);
  for (uint32_t i = 0; msgs.kind == HV_LIST && i < msgs.u.list->n; i++) {
    hm_value *m = &msgs.u.list->items[i];
    if (m->kind == HV_REC) optional_agent(pl, m);
    if (!senderless_note(*m)) continue;
    if (hv_is_nothing(by)) { left++; continue; }
    hv_rec_set(&pl->arena, m, "sender", by);
    n++;
  }
  if (!n && !left) return;   /* no count in the text: the report groups equal flags */
  const char *msg = !n ? "internal notes without a sender and no fallback_agent: Gorgias shows "
                         "the API key's user as their author"
                    : assignee.kind == HV_REF
                    ? "internal notes without a sender: sent as written by the ticket's assignee"
                    : "internal notes without a sender: sent as written by fallback_agent";
  pl_report_row(pl, HM_ROW_FLAG, "info", msg, pl_rule_loc(pl, rule), rule, "sender");
}

static void fix_routes(hm_value msgs, plan *pl, hm_value customer) {
  for (uint32_t i = 0; msgs.kind == HV_LIST && i < msgs.u.list->n; i++)
    fix_route(pl, &msgs.u.list->items[i], customer);
}

/* Messages of one ticket with the same external_id (byte-identical comments of
 * a source without comment ids) would be one message for the run: the 2nd, 3rd...
 * get ":2", ":3" in source order, so a re-run or delta run finds the same ids. */
static void fix_msg_ids(plan *pl, hm_value msgs) {
  uint32_t n = msgs.kind == HV_LIST ? msgs.u.list->n : 0;
  hm_value *was = n ? hm_arena_alloc(&pl->arena, n * sizeof *was) : NULL;
  for (uint32_t i = 0; i < n; i++) was[i] = hv_rec_get(&msgs.u.list->items[i], "external_id");
  for (uint32_t i = 1; i < n; i++) {
    if (was[i].kind != HV_STR || !was[i].len) continue;
    unsigned same = 1;
    for (uint32_t j = 0; j < i; j++)
      same += was[j].kind == HV_STR && was[j].len == was[i].len &&
              !memcmp(was[j].u.str, was[i].u.str, was[i].len);
    if (same > 1)
      hv_rec_set(&pl->arena, &msgs.u.list->items[i], "external_id",
                 hv_str(hm_arena_printf(&pl->arena, "%.*s:%u", (int)was[i].len, was[i].u.str,
                                        same)));
  }
}

/* ---- what Gorgias would refuse: caught in the plan, not in the run ---- */

/* The schema's required/min/max of target t on obj (and on the elements of its
 * list-of-target fields). NULL if fine, else why Gorgias would answer 4xx.
 * Ticket messages beyond 500 are not an error: they become follow-up calls. */
/* A required field the object lacks (the first in the schema's order): why. */
static const char *missing_required(plan *pl, uint32_t t, hm_value obj, const char **field) {
  uint32_t n;
  const uint32_t *req = hm_wire_required(pl->wire, t, &n);
  const hm_target *tg = &pl->p->targets[t];
  for (uint32_t i = 0; i < n; i++) {
    const char *name = K(pl->p, tg->fields[req[i]].name);
    hm_value v = hv_rec_get(&obj, name);
    if (!hv_is_nothing(v) || !strcmp(name, "ticket_id")) continue;   /* ticket_id: the planner's */
    *field = name;
    return hm_arena_printf(&pl->arena, "%s: required field %s is %s", K(pl->p, tg->name), name,
                           v.kind == HV_NULL ? "null" : "missing");
  }
  return NULL;
}

/* Whether the schema limits field f's values at all. */
static bool limited(const hm_program *p, const hm_tfield *f) {
  return f->max || f->min || (f->ref_target < p->ntargets && f->type != HT_REF);
}

/* What Gorgias would refuse in field f of target t holding v; NULL if fine. */
static const char *refused_value(plan *pl, uint32_t t, const hm_tfield *f, hm_value v,
                                 const char **field, int depth);

static const char *refused(plan *pl, uint32_t t, hm_value obj, const char **field, int depth) {
  const hm_program *p = pl->p;
  if (t >= p->ntargets || obj.kind != HV_REC || depth > 4) return NULL;
  const char *why = missing_required(pl, t, obj, field);
  for (uint32_t m = 0; !why && m < obj.u.rec->n; m++) {
    hm_value v = obj.u.rec->vals[m];
    if (hv_is_nothing(v)) continue;
    uint32_t fi = hm_wire_field(pl->wire, t, obj.u.rec->keys[m]);
    if (fi != HM_BC_NONE && limited(p, &p->targets[t].fields[fi]))
      why = refused_value(pl, t, &p->targets[t].fields[fi], v, field, depth);
  }
  return why;
}

static const char *refused_value(plan *pl, uint32_t t, const hm_tfield *f, hm_value v,
                                 const char **field, int depth) {
  const hm_program *p = pl->p;
  const char *tn = K(p, p->targets[t].name);
  const char *name = K(p, f->name);
  *field = name;
  if (v.kind == HV_STR && f->max && v.len > f->max && hm_utf8_leads(v.u.str, v.len) > f->max)
    return hm_arena_printf(&pl->arena, "%s: %s has %zu characters, Gorgias accepts at most %u", tn,
                           name, hm_utf8_leads(v.u.str, v.len), f->max);
  if (v.kind == HV_LIST) {
    bool split = hm_gorgias_kind_named(tn) == HM_GK_TICKET &&
                 !strcmp(name, HM_GORGIAS_ROUTES.nested_list);
    if (f->min && v.u.list->n < f->min)
      return hm_arena_printf(&pl->arena, "%s: %s has %u item(s), Gorgias needs at least %u", tn,
                             name, v.u.list->n, f->min);
    if (f->max && v.u.list->n > f->max && !split)
      return hm_arena_printf(&pl->arena, "%s: %s has %u items, Gorgias accepts at most %u", tn,
                             name, v.u.list->n, f->max);
    if (f->ref_target < p->ntargets && f->type != HT_REF)
      for (uint32_t k = 0; k < v.u.list->n; k++) {
        const char *why = refused(pl, f->ref_target, v.u.list->items[k], field, depth + 1);
        if (why) return why;
      }
  }
  if (v.kind == HV_NUM && (f->min || f->max) && (v.u.num < f->min || (f->max && v.u.num > f->max)))
    return hm_arena_printf(&pl->arena, "%s: %s is %g, Gorgias accepts %u to %u", tn, name, v.u.num,
                           f->min, f->max);
  return NULL;
}

/* ---- planning one emitted object ---- */

static const char *ref_keypart(plan *pl, uint32_t rule) {
  return pl_cat3(&pl->arena, pl->key, pl->rule_suffix[rule], "");
}

uint64_t pl_made_ord(plan *pl, uint32_t rule) {
  kmap *m = &pl->ss[pl->src].made;
  long i = pl_kmap_find(m, pl_khash(ref_keypart(pl, rule)), false, NULL);
  return i < 0 || !m->ord ? 0 : m->ord[i];
}

static void remember(plan *pl, uint32_t rule, uint32_t target, hm_value obj) {
  src_state *ss = &pl->ss[pl->src];
  const char *kp = ref_keypart(pl, rule);
  if (ss->looked_up || ss->has_after) {
    bool fresh;
    long i = pl_kmap_find(&ss->made, pl_khash(pl->key), true, &fresh);
    if (fresh) { ss->made.v[i] = hm_xstrdup(kp); ss->made.ord[i] = pl->seq; }
    if (pl->rule_suffix[rule][0]) {
      i = pl_kmap_find(&ss->made, pl_khash(kp), true, &fresh);
      if (fresh) { ss->made.v[i] = hm_xstrdup(kp); ss->made.ord[i] = pl->seq; }
    }
  }
  hm_gkind gk = hm_gorgias_kind_named(tgt_name(pl, target));
  const char *addr = gk == HM_GK_USER || gk == HM_GK_CUSTOMER ? email_of(obj) : NULL;
  if (addr && ss->looked_up) {   /* a lookup's e-mail: the source of outgoing messages */
    bool fresh;
    const char *ref = pl_cat3(&pl->arena, src_name(pl, pl->src), ":", kp);
    long i = pl_kmap_find(&pl->addrs, pl_khash(ref), true, &fresh);
    if (fresh) pl->addrs.v[i] = hm_xstrdup(addr);
  }
  if (gk == HM_GK_USER) {
    hm_value e = hv_rec_get(&obj, "email");
    if (e.kind == HV_STR) {
      bool fresh;
      long i = pl_kmap_find(&pl->agents, pl_khash(pl_lower_trim(&pl->arena, e)), true, &fresh);
      if (fresh)
        pl->agents.v[i] =
            hm_xstrdup(hm_arena_printf(&pl->arena, "%s:%s", src_name(pl, pl->src), kp));
    }
  }
}

static void body_of(plan *pl, uint32_t target, hm_value obj) {
  pl->body.len = 0;
  hm_wire_body(pl->wire, &pl->body, target, obj, &pl->arena);
}

/* The collection of a planned ticket's follow-up messages: the profile's
 * message path with the ticket's {ref:R} in its hole. */
static const char *message_path(plan *pl, const char *ref) {
  const char *tmpl = HM_GORGIAS[HM_GK_MESSAGE].collection;
  const char *hole = hm_arena_printf(&pl->arena, "{ref:%s}", ref);
  int n = hm_gorgias_fill(NULL, 0, tmpl, hole);
  char *out = hm_arena_alloc(&pl->arena, (size_t)n + 1);
  hm_gorgias_fill(out, (size_t)n + 1, tmpl, hole);
  return out;
}

/* After a ticket's follow-up messages: its status and datetimes as the create
   gave them (HM_GORGIAS_TICKET_RESTORE), which the messages moved. */
static void plan_restore(plan *pl, uint32_t rule, uint32_t target, hm_value obj, const char *ref) {
  hm_value r = hv_rec_new(&pl->arena, 8);
  for (const char *const *f = HM_GORGIAS_TICKET_RESTORE; *f; f++) {
    hm_value v = hv_rec_get(&obj, *f);
    if (!hv_is_nothing(v)) hv_rec_set(&pl->arena, &r, *f, v);
  }
  hm_value st = hv_rec_get(&r, HM_GORGIAS_TICKET_RESTORE[0]);
  bool open = st.kind == HV_STR && !strcmp(st.u.str, HM_GORGIAS_TICKET_STATUS_OPEN);
  if (!r.u.rec->n || (r.u.rec->n == 1 && open)) return;   /* nothing a message moves */
  const hm_target *tg = &pl->p->targets[target];
  const char *base = resolve_path(pl, K(pl->p, tg->path), &obj);
  const char *path = hm_arena_printf(&pl->arena, "%s/{ref:%s}", base, ref);
  body_of(pl, target, r);
  write_call(pl, rule, "update", "PUT", path, pl->body.data, pl->body.len, NULL,
             tgt_name(pl, target), hm_arena_printf(&pl->arena, "%s/restore", ref), NULL);
}

bool pl_plan_create(plan *pl, uint32_t rule, uint32_t target, hm_value obj) {
  const char *tn = tgt_name(pl, target);
  const char *ref = pl_cat3(&pl->arena, src_name(pl, pl->src), ":", ref_keypart(pl, rule));
  hm_value rest = hv_missing(0);
  const char *field = NULL, *why = refused(pl, target, obj, &field, 0);
  if (why) {
    pl_report_row(pl, HM_ROW_REJECT, NULL, why, pl_rule_loc(pl, rule), rule, field);
    return false;
  }
  hm_gkind gk = hm_gorgias_kind_named(tn);
  move_refused(pl, rule, tn, &obj);
  if (gk == HM_GK_TICKET) {
    hm_value msgs = hv_rec_get(&obj, HM_GORGIAS_ROUTES.nested_list);
    if (!fix_thread(pl, rule, msgs, hv_rec_get(&obj, "created_datetime"))) return false;
    fix_senders(pl, rule, &msgs, hv_rec_get(&obj, "customer"));
    fix_routes(msgs, pl, hv_rec_get(&obj, "customer"));
    fix_note_senders(pl, rule, msgs, hv_rec_get(&obj, "assignee_user"));
    fix_msg_ids(pl, msgs);
    if (msgs.kind == HV_LIST && msgs.u.list->n > HM_MAX_MESSAGES) {
      hm_value head = hv_list_new(&pl->arena, HM_MAX_MESSAGES);
      for (uint32_t i = 0; i < HM_MAX_MESSAGES; i++)
        hv_list_push(&pl->arena, &head, msgs.u.list->items[i]);
      hv_rec_set(&pl->arena, &obj, HM_GORGIAS_ROUTES.nested_list, head);
      rest = msgs;
    }
  } else if (gk == HM_GK_MESSAGE) {
    fix_senders(pl, rule, &obj, hv_missing(HM_WHY_ABSENT));
    if (fix_sent(pl, &obj, hv_missing(0)) < 0) {
      pl_report_row(pl, HM_ROW_REJECT, NULL,
                    "a public message has neither sent_datetime nor created_datetime: Gorgias "
                    "would e-mail it",
                    pl_rule_loc(pl, rule), rule, "sent_datetime");
      return false;
    }
  }
  flush_uploads(pl, rule);
  if (gk == HM_GK_UPLOAD) {
    hm_value f = hv_rec_get(&obj, "file");
    long long size = 0;
    char why[700] = "";
    const char *rel = f.kind == HV_STR
                      ? pl_find_file(pl, f.u.str, &size, &pl->arena, why, sizeof why) : NULL;
    if (!rel) {
      const char *msg = why[0] ? hm_arena_printf(&pl->arena, "%s: not uploaded", why)
                               : "the file to upload does not exist";
      pl_report_row(pl, HM_ROW_REJECT, NULL, msg, pl_rule_loc(pl, rule), rule, "file");
      return false;
    }
    hm_value nm = hv_rec_get(&obj, "name"), ct = hv_rec_get(&obj, "content_type");
    hm_value ut = hv_rec_get(&obj, HM_GORGIAS_UPLOAD_TYPE_PARAM);
    write_upload(pl, rule, rel, size, ref, nm.kind == HV_STR ? nm.u.str : NULL,
                 ct.kind == HV_STR ? ct.u.str : NULL, ut.kind == HV_STR ? ut.u.str : NULL);
    remember(pl, rule, target, obj);
    return true;
  }
  const char *unique = unique_json(pl, target, obj);
  if (shared_unique(pl, rule, target, obj) < 0) return false;
  const char *path = resolve_path(pl, K(pl->p, pl->p->targets[target].path), &obj);
  const char *hole = unresolved(path);
  if (hole) {
    pl_report_row(pl, HM_ROW_REJECT, NULL,
                  hm_arena_printf(&pl->arena,
                                  "the API path %s needs %.*s: add `setting %.*s = ...` to the map "
                                  "or plan with --set %.*s=...",
                                  path, (int)strcspn(hole + 1, "}"), hole + 1,
                                  (int)strcspn(hole + 1, "}"), hole + 1,
                                  (int)strcspn(hole + 1, "}"), hole + 1),
                  pl_rule_loc(pl, rule), rule, NULL);
    return false;
  }
  const char *bad_path = hm_apipath_problem(path);
  if (bad_path) {   /* a value of the record or a setting was put into the path */
    pl_report_row(pl, HM_ROW_REJECT, NULL,
                  hm_arena_printf(&pl->arena, "API path %s: %s", path, bad_path),
                  pl_rule_loc(pl, rule), rule, NULL);
    return false;
  }
  body_of(pl, target, obj);
  write_call(pl, rule, "create", "POST", path, pl->body.data, pl->body.len, NULL, tn, ref, unique);
  /* an agent is listed by the user the run creates (its name and e-mail), not
     by the source record, which may be a ticket its address was taken from */
  if (hm_gorgias_kind_named(tn) == HM_GK_USER) hm_rpt_agent(pl->rpt, pl->src, pl->key, &obj);
  remember(pl, rule, target, obj);
  if (rest.kind == HV_LIST) {
    const hm_gorgias_kind *msg = &HM_GORGIAS[HM_GK_MESSAGE];
    uint32_t mt = hm_wire_target(pl->p, msg->name);
    const char *mpath = message_path(pl, ref);
    for (uint32_t i = HM_MAX_MESSAGES; i < rest.u.list->n; i++) {
      hm_value m = rest.u.list->items[i];
      body_of(pl, mt, m);
      write_call(pl, rule, "message", "POST", mpath, pl->body.data, pl->body.len, NULL, msg->name,
                 hm_arena_printf(&pl->arena, "%s/message/%u", ref, i + 1),
                 mt != HM_BC_NONE ? unique_json(pl, mt, m) : NULL);
    }
    plan_restore(pl, rule, target, obj, ref);
  }
  return true;
}

/* An `after` block's object: an update of what the rule created. Fields the
 * API cannot change after creation are left out. */
void pl_plan_update(plan *pl, uint32_t rule, uint32_t target, hm_value obj) {
  const char *kp = ref_keypart(pl, rule);
  long i = pl_kmap_find(&pl->ss[pl->src].made, pl_khash(kp), false, NULL);
  if (i < 0) return;   /* the create was not planned: nothing to update */
  const hm_target *tg = &pl->p->targets[target];
  for (uint32_t f = 0; f < tg->nfields; f++)
    if (tg->fields[f].flags & HM_TF_CREATE_ONLY) {
      const char *name = K(pl->p, tg->fields[f].name);
      if (!hv_is_nothing(hv_rec_get(&obj, name))) obj = without(&pl->arena, obj, name);
    }
  /* an empty record would replace what the create wrote (meta: {}) */
  for (uint32_t i = 0; obj.kind == HV_REC && i < obj.u.rec->n;) {
    hm_value v = obj.u.rec->vals[i];
    if (v.kind == HV_REC && v.u.rec->n == 0) obj = without(&pl->arena, obj, obj.u.rec->keys[i]);
    else i++;
  }
  if (obj.kind != HV_REC || obj.u.rec->n == 0) return;
  const char *ref = hm_arena_printf(&pl->arena, "%s:%s", src_name(pl, pl->src), kp);
  const char *base = resolve_path(pl, K(pl->p, tg->path), &obj);
  const char *path = hm_arena_printf(&pl->arena, "%s/{ref:%s}", base, ref);
  body_of(pl, target, obj);
  write_call(pl, rule, "update", "PUT", path, pl->body.data, pl->body.len, NULL,
             tgt_name(pl, target), ref, NULL);
}
