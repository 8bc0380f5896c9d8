/* hm_plan: the planner behind `hmaprun plan` (decisions in hm_plan.h). One
 * pass per source in dependency order creates objects; a second pass runs the
 * `after` blocks as updates once everything exists. Records stream through a
 * per-record arena; what must outlive a record (keys for duplicate checks,
 * refs for lookups) is kept as compact hashes, and only for the sources that
 * need it, so memory does not grow with the text of the export. */
#include "hm_plan.h"
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hm_buf.h"
#include "hm_read.h"
#include "hm_psettings.h"
#include "pl.h"
#include "hm_vm.h"

#define HM_MAX_MESSAGES 500   /* per ticket create: gorgias-api.md §6 */

/* ---- a set of keys by 64-bit hash, optionally with a string value ----
 * Two different keys with the same FNV-1a 64 hash would be taken for one; at a
 * million keys the odds are about 1 in 10^7, which we accept for flat memory. */
typedef struct kmap { uint64_t *h; char **v; size_t cap, n; bool values; } kmap;

static uint64_t fnv(const void *data, size_t n, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; }
  return h;
}
#define FNV0 14695981039346656037ull

/* The content hash of a call (for --delta): 8 bytes a step, little-endian
 * whatever the host, so plans hash the same everywhere. */
static uint64_t body_hash(const void *data, size_t n, uint64_t h) {
  const unsigned char *p = data;
  while (n >= 8) {
    uint64_t w = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
                 (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    p += 8; n -= 8;
  }
  return fnv(p, n, h);
}

static uint64_t khash(const char *s) {
  uint64_t h = fnv(s, strlen(s), FNV0);
  return h ? h : 1;   /* 0 marks an empty slot */
}

/* Returns the slot index of h (inserting it when absent and insert is set), or -1.
 * Values (m->v) exist only in maps created with kmap_values: a plain set of
 * keys costs 16 bytes a key at most. */
static long kmap_find(kmap *m, uint64_t h, bool insert, bool *was_new) {
  if (was_new) *was_new = false;
  if (insert && (m->n + 1) * 10 > m->cap * 7) {   /* load factor 0.7 */
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *nh = calloc(cap, sizeof *nh);
    char **nv = m->values ? calloc(cap, sizeof *nv) : NULL;
    if (!nh || (m->values && !nv)) abort();
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->h[i]) continue;
      size_t j = m->h[i] & (cap - 1);
      while (nh[j]) j = (j + 1) & (cap - 1);
      nh[j] = m->h[i];
      if (nv) nv[j] = m->v[i];
    }
    free(m->h); free(m->v);
    m->h = nh; m->v = nv; m->cap = cap;
  }
  if (!m->cap) return -1;
  size_t j = h & (m->cap - 1);
  while (m->h[j]) {
    if (m->h[j] == h) return (long)j;
    j = (j + 1) & (m->cap - 1);
  }
  if (!insert) return -1;
  m->h[j] = h;
  m->n++;
  if (was_new) *was_new = true;
  return (long)j;
}

static void kmap_free(kmap *m) {
  for (size_t i = 0; m->v && i < m->cap; i++) free(m->v[i]);
  free(m->h); free(m->v);
  bool values = m->values;
  memset(m, 0, sizeof *m);
  m->values = values;
}

/* The keys read from one source, for the duplicate check. The first `max`
 * (KEYSET_MEM_MAX, or $HMAP_KEYSET_MEM_MAX for tests) as hashes in memory;
 * the rest as text in a temporary SQLite table (on disk, bounded cache), so a
 * million-record source does not grow the heap. Text, not hashes, on disk:
 * exports number their records in order, so the keys arrive nearly sorted and
 * each insert lands on the B-tree's last page; random hashes made every
 * insert a page read and write (a fifth of a million-ticket plan). */
#define KEYSET_MEM_MAX (1u << 14)
typedef struct keyset { kmap mem; sqlite3 *db; sqlite3_stmt *ins, *has; } keyset;
static int keyset_open(keyset *k) {
  return sqlite3_open("", &k->db) != SQLITE_OK ||
         sqlite3_exec(k->db, "PRAGMA cache_size=-1024; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                             "CREATE TABLE k(key BLOB PRIMARY KEY) WITHOUT ROWID; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(k->db, "INSERT OR IGNORE INTO k(key) VALUES (?)", -1, &k->ins, NULL) != SQLITE_OK ||
         sqlite3_prepare_v2(k->db, "SELECT 1 FROM k WHERE key = ?", -1, &k->has, NULL) != SQLITE_OK
             ? -1 : 0;
}
/* key on disk: its length (4 bytes, big-endian) then its text, so the
   B-tree's order is shorter first, which is counting order for ids ("99999"
   before "100000"; by text alone every id past it would land mid-table). */
static void keyset_bind(sqlite3_stmt *st, const char *key) {
  size_t n = strlen(key);
  unsigned char small[256], *b = n + 4 <= sizeof small ? small : malloc(n + 4);   /* no malloc per usual key */
  if (!b) abort();
  b[0] = (unsigned char)(n >> 24); b[1] = (unsigned char)(n >> 16); b[2] = (unsigned char)(n >> 8); b[3] = (unsigned char)n;
  memcpy(b + 4, key, n);
  sqlite3_bind_blob(st, 1, b, (int)(n + 4), SQLITE_TRANSIENT);
  if (b != small) free(b);
}
/* 1 when key is new, 0 when it was seen before, -1 on a database error. */
static int keyset_add(keyset *k, const char *key, size_t max) {
  uint64_t h = khash(key);
  if (kmap_find(&k->mem, h, false, NULL) >= 0) return 0;
  if (k->mem.n < max) { kmap_find(&k->mem, h, true, NULL); return 1; }
  if (!k->db && keyset_open(k)) return -1;
  keyset_bind(k->ins, key);
  int rc = sqlite3_step(k->ins);
  sqlite3_reset(k->ins);
  if (rc != SQLITE_DONE) return -1;
  return sqlite3_changes(k->db) > 0;
}
/* 1 when key was added before, 0 when not, -1 on a database error. */
static int keyset_has(keyset *k, const char *key) {
  if (kmap_find(&k->mem, khash(key), false, NULL) >= 0) return 1;
  if (!k->db) return 0;
  keyset_bind(k->has, key);
  int rc = sqlite3_step(k->has);
  sqlite3_reset(k->has);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
static int keyset_error(keyset *k, char *err, size_t errlen) {
  snprintf(err, errlen, "duplicate-key index: %s", k->db ? sqlite3_errmsg(k->db) : "out of memory");
  return 2;
}

static void keyset_free(keyset *k) {
  kmap_free(&k->mem);
  if (k->ins) sqlite3_finalize(k->ins);
  if (k->has) sqlite3_finalize(k->has);
  if (k->db) sqlite3_close(k->db);
  memset(k, 0, sizeof *k);
}

/* a + b + c in the arena: the per-record ref names, without printf's cost */
static char *cat3(hm_arena *ar, const char *a, const char *b, const char *c) {
  size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
  char *d = hm_arena_alloc(ar, la + lb + lc + 1);
  memcpy(d, a, la);
  memcpy(d + la, b, lb);
  memcpy(d + la + lb, c, lc + 1);
  return d;
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) abort();
  return d;
}

/* ---- planner state ---- */

typedef struct src_state {
  bool has_rules, has_after, looked_up, children_used;
  keyset seen;        /* keys read (duplicate check) */
  kmap made;          /* key -> ref key part ("k" or "k:Target"), when needed */
  hm_childidx *cidx;
  hm_childidx *fidx;  /* `find S(k)`: the source's records indexed by their own key */
  bool find_used;
  hm_sample *sample;
  kmap need;          /* sample mode: keys that sampled records look up */
  int *colmap; uint32_t gen; bool bound;
} src_state;

typedef struct upload { const char *rel; long long size; } upload;

typedef struct plan {
  const hm_program *p;
  const hm_plan_opts *o;
  hm_vm *vm;
  hm_wire *wire;
  hm_rpt *rpt;
  src_state *ss;
  char **rule_suffix;          /* per rule: "" or ":Target" or ":Target:rN" */
  FILE *calls;
  uint64_t seq;
  hm_arena arena;              /* per record */
  hm_buf body, line, scratch;
  kmap uploaded, agents;
  keyset uniq;                 /* target + unique field + value of planned creates */
  hm_value pset[HM_PSET__COUNT];   /* planner settings (stdlib/hm_psettings.h); missing: none */
  /* the record being planned */
  uint32_t src;
  const char *key;
  hm_value whole;
  bool flagged, dry, collect;
  uint32_t dry_emits;          /* rules that emitted during a dry run */
  size_t keyset_max;
  upload *pend; uint32_t npend, cap_pend;
  bool got; uint32_t got_target; hm_value got_obj;
  hm_sample_feat feat;
  int rejected_any;
} plan;

static const char *K(const hm_program *p, uint32_t k) { return hm_vm_const(p, k); }
static const char *src_name(plan *pl, uint32_t s) { return K(pl->p, pl->p->sources[s].name); }
static const char *tgt_name(plan *pl, uint32_t t) { return K(pl->p, pl->p->targets[t].name); }

static const char *sev_name(uint32_t s) {
  static const char *n[] = {"info", "warn", "review"};
  return s < 3 ? n[s] : "info";
}

static const char *map_loc(plan *pl, const char *file, uint32_t line, uint32_t col) {
  return hm_arena_printf(&pl->arena, "%s:%u:%u", file, line, col);
}

static const char *rule_loc(plan *pl, uint32_t r) {
  const hm_rule *ru = &pl->p->rules[r];
  return map_loc(pl, K(pl->p, ru->file), ru->line, ru->col);
}

static void report_row(plan *pl, hm_rpt_kind kind, const char *sev, const char *msg, const char *map,
                       uint32_t rule, const char *field) {
  if (pl->dry) { if (kind == HM_ROW_FLAG) pl->feat.flagged = 1; return; }
  hm_rpt_row row = {kind, pl->src, pl->key, sev, msg, map,
                    rule < pl->p->nrules ? K(pl->p, pl->p->rules[rule].name) : NULL, field, NULL, NULL, NULL};
  hm_rpt_add(pl->rpt, &row);
  if (kind == HM_ROW_FLAG) pl->flagged = true;
}

/* ---- host callbacks ---- */

static hm_value h_lookup(void *u, uint32_t src, hm_value key, hm_arena *a) {
  plan *pl = u;
  if (src >= pl->p->nsources) return hv_missing(HM_WHY_LOOKUP);
  hm_value k = hv_to_str(a, key);
  if (pl->dry) {   /* choosing the sample: every lookup pulls its record in */
    if (pl->collect) kmap_find(&pl->ss[src].need, khash(k.u.str), true, NULL);
    return hv_ref(a, HM_REF_OBJECT, src_name(pl, src), k.u.str);
  }
  long i = kmap_find(&pl->ss[src].made, khash(k.u.str), false, NULL);
  if (i < 0 || !pl->ss[src].made.v[i]) return hv_missing(HM_WHY_LOOKUP);
  return hv_ref(a, HM_REF_OBJECT, src_name(pl, src), hm_arena_strdup(a, pl->ss[src].made.v[i]));
}

static char *lower_trim(hm_arena *a, hm_value v) {
  hm_value s = hv_to_str(a, v);
  const char *b = s.u.str, *e = s.u.str + s.len;
  while (b < e && (*b == ' ' || *b == '\t')) b++;
  while (e > b && (e[-1] == ' ' || e[-1] == '\t')) e--;
  char *d = hm_arena_strndup(a, b, (size_t)(e - b));
  for (char *c = d; *c; c++) if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  return d;
}

static bool listed(hm_value list, const char *email, hm_arena *a) {
  hm_value s = hv_to_str(a, list);
  const char *p = s.u.str;
  size_t n = strlen(email);
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == ';') p++;
    const char *e = p;
    while (*e && *e != ',' && *e != ';' && *e != ' ') e++;
    if ((size_t)(e - p) == n && !strncasecmp(p, email, n)) return true;
    p = e;
  }
  return false;
}

static hm_value h_agent(void *u, hm_value email, hm_arena *a) {
  plan *pl = u;
  char *e = lower_trim(a, email);
  if (!*e) return hv_missing(HM_WHY_LOOKUP);
  long i = kmap_find(&pl->agents, khash(e), false, NULL);
  if (i >= 0 && pl->agents.v[i]) {
    char *ref = pl->agents.v[i];   /* "Source:keypart" */
    char *colon = strchr(ref, ':');
    return hv_ref(a, HM_REF_OBJECT, hm_arena_strndup(a, ref, (size_t)(colon - ref)), hm_arena_strdup(a, colon + 1));
  }
  hm_value known = pl->pset[HM_PSET_KNOWN_AGENTS];
  if (known.kind == HV_STR && !listed(known, e, a)) return hv_missing(HM_WHY_LOOKUP);
  return hv_ref(a, HM_REF_AGENT, NULL, e);
}

/* Whether a path has a ".." segment (a way out of the data folder); a name
   that merely contains two dots ("report..final.txt") has none. */
static bool has_dotdot_segment(const char *path) {
  for (const char *seg = path; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
    if (seg[0] == '.' && seg[1] == '.' && (seg[2] == '/' || seg[2] == 0)) return true;
  return false;
}

/* An attachment path as the map gives it, relative to the data dir or to the
 * source's `files` folder. */
static const char *find_file(plan *pl, const char *rel, long long *size, hm_arena *a) {
  struct stat st;
  const char *cands[2] = {rel, NULL};
  const hm_source *s = &pl->p->sources[pl->src];
  if (s->files < pl->p->nconsts) cands[1] = hm_arena_printf(a, "%s/%s", K(pl->p, s->files), rel);
  for (int i = 0; i < 2; i++) {
    if (!cands[i] || has_dotdot_segment(cands[i])) continue;
    char *full = hm_arena_printf(a, "%s/%s", pl->o->data_dir, cands[i]);
    if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) { *size = (long long)st.st_size; return cands[i]; }
  }
  return NULL;
}

static hm_value h_upload(void *u, hm_value path, hm_arena *a) {
  plan *pl = u;
  hm_value s = hv_to_str(a, path);
  long long size = 0;
  const char *rel = find_file(pl, s.u.str, &size, a);
  if (!rel) return hv_missing(HM_WHY_LOOKUP);
  if (pl->dry) { pl->feat.uploads++; return hv_ref(a, HM_REF_UPLOAD, NULL, rel); }
  bool known = kmap_find(&pl->uploaded, khash(rel), false, NULL) >= 0;
  for (uint32_t i = 0; i < pl->npend && !known; i++) known = !strcmp(pl->pend[i].rel, rel);
  if (!known) {
    if (pl->npend == pl->cap_pend) {
      uint32_t cap = pl->cap_pend ? pl->cap_pend * 2 : 8;
      pl->pend = hm_arena_realloc(a, pl->pend, pl->cap_pend * sizeof *pl->pend, cap * sizeof *pl->pend);
      pl->cap_pend = cap;
    }
    pl->pend[pl->npend++] = (upload){rel, size};
  }
  return hv_ref(a, HM_REF_UPLOAD, NULL, rel);
}

static void scan_text(plan *pl, hm_value v) {
  if (v.kind == HV_STR) {
    for (uint32_t i = 0; i < v.len; i++) {
      unsigned char c = (unsigned char)v.u.str[i];
      if (c >= 0x80) pl->feat.non_ascii = 1;
      if (c == '<' && i + 1 < v.len) {
        unsigned char d = (unsigned char)v.u.str[i + 1];
        if (((d | 32) >= 'a' && (d | 32) <= 'z') || d == '/') {
          if (memchr(v.u.str + i, '>', v.len - i)) pl->feat.html = 1;
        }
      }
    }
  } else if (v.kind == HV_LIST) {
    for (uint32_t i = 0; i < v.u.list->n; i++) scan_text(pl, v.u.list->items[i]);
  } else if (v.kind == HV_REC) {
    for (uint32_t i = 0; i < v.u.rec->n; i++) scan_text(pl, v.u.rec->vals[i]);
  }
}

static void bad_child(void *user, uint32_t src, const char *error);

/* FIND: the first export record of `src` whose key is `key` (a join). */
static hm_value h_find(void *u, uint32_t src, hm_value key, hm_arena *a) {
  plan *pl = u;
  if (src >= pl->p->nsources || !pl->ss[src].fidx) return hv_missing(HM_WHY_LOOKUP);
  hm_value k = hv_to_str(a, key), out;
  if (hm_childidx_get(pl->ss[src].fidx, k.u.str, a, &out) || out.kind != HV_LIST || !out.u.list->n)
    return hv_missing(HM_WHY_LOOKUP);
  return out.u.list->items[0];
}

/* The child index keyed by the source's own key instead of a parent link: a
   copy of the program whose source `s` is "parent by key". */
static hm_childidx *build_find_index(plan *pl, uint32_t s, char *err, size_t errlen) {
  const hm_program *p = pl->p;
  hm_program copy = *p;
  hm_source *srcs = malloc((p->nsources + 1) * sizeof *srcs);
  if (!srcs) abort();
  memcpy(srcs, p->sources, p->nsources * sizeof *srcs);
  srcs[s].parent = 0;
  srcs[s].parent_by = srcs[s].key;
  srcs[s].parent_by_path = 0;
  copy.sources = srcs;
  hm_childidx *x = hm_childidx_build(&copy, s, pl->o->data_dir, bad_child, pl, err, errlen);
  free(srcs);
  return x;
}

static void mark_finds(plan *pl) {
  const hm_program *p = pl->p;
  for (uint32_t r = 0; r < p->nrules; r++)
    for (int pass = 0; pass < 2; pass++) {
      const hm_code *c = pass ? &p->rules[r].after : &p->rules[r].body;
      if (pass && !p->rules[r].has_after) continue;
      for (uint32_t pc = 0; pc < c->ncode; pc++)
        if (HM_OP(c->code[pc]) == HOP_FIND && HM_A(c->code[pc]) < p->nsources) pl->ss[HM_A(c->code[pc])].find_used = true;
    }
}

static hm_value h_children(void *u, uint32_t src, hm_arena *a) {
  plan *pl = u;
  hm_value out = hv_list_new(a, 0);
  if (src >= pl->p->nsources || !pl->ss[src].cidx || !pl->key) return out;
  if (hm_childidx_get(pl->ss[src].cidx, pl->key, a, &out)) out = hv_list_new(a, 0);
  if (pl->dry) {
    pl->feat.children += out.u.list->n;
    scan_text(pl, out);
  }
  return out;
}

static void h_emit(void *u, uint32_t rule, bool is_after, uint32_t target, hm_value obj) {
  plan *pl = u;
  (void)rule; (void)is_after;
  pl->got = true;
  pl->got_target = target;
  pl->got_obj = obj;
}

static void h_event(void *u, const hm_vm_event *e) {
  plan *pl = u;
  if (pl->dry) {
    if (e->trigger) pl->feat.fallback = 1;
    if (e->kind == HM_EV_FLAG || e->kind == HM_EV_BUILTIN) pl->feat.flagged = 1;
    return;
  }
  if (e->kind == HM_EV_LOSSY) { hm_rpt_loss(pl->rpt, e->annot); return; }
  hm_rpt_kind k = e->kind == HM_EV_REJECT ? HM_ROW_REJECT : e->kind == HM_EV_SKIP ? HM_ROW_SKIP : HM_ROW_FLAG;
  hm_rpt_row row = {k, pl->src, pl->key,
                    k == HM_ROW_FLAG ? sev_name(e->severity) : NULL, e->message,
                    map_loc(pl, e->file ? e->file : "", e->line, e->col),
                    K(pl->p, pl->p->rules[e->rule].name), e->field, e->trigger, e->why, e->detail};
  hm_rpt_add(pl->rpt, &row);
  if (k == HM_ROW_FLAG) pl->flagged = true;
}

/* ---- writing calls ---- */

static void hex16(char out[17], uint64_t h) {
  static const char *d = "0123456789abcdef";
  for (int i = 15; i >= 0; i--) { out[i] = d[h & 15]; h >>= 4; }
  out[16] = 0;
}

static void put_jstr(hm_buf *b, const char *s) { hm_buf_json_str(b, s, strlen(s)); }

/* One line of calls.ndjson; body (JSON text) or the upload members in extra. */
static void write_call(plan *pl, uint32_t rule, const char *phase, const char *method, const char *path,
                       const char *body, size_t blen, const char *extra, const char *target,
                       const char *ref, const char *unique) {
  hm_buf *b = &pl->line;
  b->len = 0;
  uint64_t h = body_hash(method, strlen(method), FNV0);
  h = body_hash(path, strlen(path), h);
  if (body) h = body_hash(body, blen, h);
  if (extra) h = body_hash(extra, strlen(extra), h);
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
  fwrite(b->data, 1, b->len, pl->calls);
  hm_rpt_call(pl->rpt, phase, target);
}

static const char *content_type(const char *path) {
  static const char *map[][2] = {
    {".png", "image/png"}, {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".gif", "image/gif"},
    {".pdf", "application/pdf"}, {".txt", "text/plain"}, {".csv", "text/csv"}, {".html", "text/html"},
    {".htm", "text/html"}, {".zip", "application/zip"}, {".doc", "application/msword"},
    {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {".json", "application/json"}, {".xml", "application/xml"}, {".eml", "message/rfc822"}};
  const char *dot = strrchr(path, '.');
  if (dot)
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
      if (!strcasecmp(dot, map[i][0])) return map[i][1];
  return "application/octet-stream";
}

/* An upload call. ref NULL: an upload() of the map, named and deduplicated by
 * its path; otherwise an Upload rule's object (name and type from its body). */
static void write_upload(plan *pl, uint32_t rule, const char *rel, long long size, const char *ref,
                         const char *name, const char *type) {
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
  write_call(pl, rule, "upload", "POST", "/api/upload", NULL, 0, hm_buf_cstr(&x), "Upload",
             ref ? ref : hm_arena_printf(&pl->arena, "upload:%s", rel), NULL);
  long long max = (long long)pl->pset[HM_PSET_MAX_UPLOAD_BYTES].u.num;   /* a count: a number */
  if (size > max)
    report_row(pl, HM_ROW_FLAG, "warn",
               hm_arena_printf(&pl->arena, "%s is %lld bytes, over the %lld-byte upload limit: the run will not upload it",
                               rel, size, max),
               rule_loc(pl, rule), rule, NULL);
  hm_buf_free(&x);
  if (!ref) kmap_find(&pl->uploaded, khash(rel), true, NULL);
}

static void flush_uploads(plan *pl, uint32_t rule) {
  for (uint32_t i = 0; i < pl->npend; i++) write_upload(pl, rule, pl->pend[i].rel, pl->pend[i].size, NULL, NULL, NULL);
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
    char *low = lower_trim(&pl->arena, v);
    char num[16];
    snprintf(num, sizeof num, "%u:", t);
    int fresh = keyset_add(&pl->uniq, cat3(&pl->arena, num, f, cat3(&pl->arena, ":", low, "")), pl->keyset_max);
    if (fresh < 0) return -1;
    if (!fresh)
      report_row(pl, HM_ROW_FLAG, "review",
                 hm_arena_printf(&pl->arena, "%s %s %s is already planned for another record: Gorgias keeps one, "
                                 "the run will reuse it for this record", K(pl->p, tg->name), f, low),
                 rule_loc(pl, rule), rule, f);
  }
  return 0;
}

static hm_value without(hm_arena *a, hm_value obj, const char *field) {
  hm_value r = hv_rec_new(a, obj.u.rec->n);
  for (uint32_t i = 0; i < obj.u.rec->n; i++)
    if (strcmp(obj.u.rec->keys[i], field)) hv_rec_set(a, &r, obj.u.rec->keys[i], obj.u.rec->vals[i]);
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
      report_row(pl, HM_ROW_REJECT, NULL,
                 "a public message has neither sent_datetime nor created_datetime: Gorgias would e-mail it",
                 rule_loc(pl, rule), rule, "sent_datetime");
      return false;
    }
    fixed += r;
  }
  if (fixed)
    report_row(pl, HM_ROW_FLAG, "info",
               hm_arena_printf(&pl->arena, "%d public message(s) without sent_datetime: set from created_datetime so Gorgias does not e-mail them", fixed),
               rule_loc(pl, rule), rule, "sent_datetime");
  return true;
}

/* ---- what Gorgias would refuse: caught in the plan, not in the run ---- */

static size_t utf8_chars(const char *s, size_t n) {
  size_t c = 0;
  for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
  return c;
}

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
static const char *refused_value(plan *pl, uint32_t t, const hm_tfield *f, hm_value v, const char **field,
                                 int depth);

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

static const char *refused_value(plan *pl, uint32_t t, const hm_tfield *f, hm_value v, const char **field,
                                 int depth) {
  const hm_program *p = pl->p;
  const char *tn = K(p, p->targets[t].name);
  const char *name = K(p, f->name);
  *field = name;
  if (v.kind == HV_STR && f->max && v.len > f->max && utf8_chars(v.u.str, v.len) > f->max)
    return hm_arena_printf(&pl->arena, "%s: %s has %zu characters, Gorgias accepts at most %u", tn, name,
                           utf8_chars(v.u.str, v.len), f->max);
  if (v.kind == HV_LIST) {
    bool split = !strcmp(tn, "Ticket") && !strcmp(name, "messages");
    if (f->min && v.u.list->n < f->min)
      return hm_arena_printf(&pl->arena, "%s: %s has %u item(s), Gorgias needs at least %u", tn, name,
                             v.u.list->n, f->min);
    if (f->max && v.u.list->n > f->max && !split)
      return hm_arena_printf(&pl->arena, "%s: %s has %u items, Gorgias accepts at most %u", tn, name,
                             v.u.list->n, f->max);
    if (f->ref_target < p->ntargets && f->type != HT_REF)
      for (uint32_t k = 0; k < v.u.list->n; k++) {
        const char *why = refused(pl, f->ref_target, v.u.list->items[k], field, depth + 1);
        if (why) return why;
      }
  }
  if (v.kind == HV_NUM && (f->min || f->max) && (v.u.num < f->min || (f->max && v.u.num > f->max)))
    return hm_arena_printf(&pl->arena, "%s: %s is %g, Gorgias accepts %u to %u", tn, name, v.u.num, f->min, f->max);
  return NULL;
}

/* ---- planning one emitted object ---- */

static const char *ref_keypart(plan *pl, uint32_t rule) {
  return cat3(&pl->arena, pl->key, pl->rule_suffix[rule], "");
}

static void remember(plan *pl, uint32_t rule, uint32_t target, hm_value obj) {
  src_state *ss = &pl->ss[pl->src];
  const char *kp = ref_keypart(pl, rule);
  if (ss->looked_up || ss->has_after) {
    bool fresh;
    long i = kmap_find(&ss->made, khash(pl->key), true, &fresh);
    if (fresh) ss->made.v[i] = xstrdup(kp);
    if (pl->rule_suffix[rule][0]) {
      i = kmap_find(&ss->made, khash(kp), true, &fresh);
      if (fresh) ss->made.v[i] = xstrdup(kp);
    }
  }
  if (!strcmp(tgt_name(pl, target), "User")) {
    hm_value e = hv_rec_get(&obj, "email");
    if (e.kind == HV_STR) {
      bool fresh;
      long i = kmap_find(&pl->agents, khash(lower_trim(&pl->arena, e)), true, &fresh);
      if (fresh) pl->agents.v[i] = xstrdup(hm_arena_printf(&pl->arena, "%s:%s", src_name(pl, pl->src), kp));
    }
  }
}

static void body_of(plan *pl, uint32_t target, hm_value obj) {
  pl->body.len = 0;
  hm_wire_body(pl->wire, &pl->body, target, obj, &pl->arena);
}

static bool plan_create(plan *pl, uint32_t rule, uint32_t target, hm_value obj) {
  const char *tn = tgt_name(pl, target);
  const char *ref = cat3(&pl->arena, src_name(pl, pl->src), ":", ref_keypart(pl, rule));
  hm_value rest = hv_missing(0);
  const char *field = NULL, *why = refused(pl, target, obj, &field, 0);
  if (why) {
    report_row(pl, HM_ROW_REJECT, NULL, why, rule_loc(pl, rule), rule, field);
    return false;
  }
  if (!strcmp(tn, "Ticket")) {
    hm_value msgs = hv_rec_get(&obj, "messages");
    if (!fix_thread(pl, rule, msgs, hv_rec_get(&obj, "created_datetime"))) return false;
    if (msgs.kind == HV_LIST && msgs.u.list->n > HM_MAX_MESSAGES) {
      hm_value head = hv_list_new(&pl->arena, HM_MAX_MESSAGES);
      for (uint32_t i = 0; i < HM_MAX_MESSAGES; i++) hv_list_push(&pl->arena, &head, msgs.u.list->items[i]);
      hv_rec_set(&pl->arena, &obj, "messages", head);
      rest = msgs;
    }
  } else if (!strcmp(tn, "Message")) {
    if (fix_sent(pl, &obj, hv_missing(0)) < 0) {
      report_row(pl, HM_ROW_REJECT, NULL,
                 "a public message has neither sent_datetime nor created_datetime: Gorgias would e-mail it",
                 rule_loc(pl, rule), rule, "sent_datetime");
      return false;
    }
  }
  flush_uploads(pl, rule);
  if (!strcmp(tn, "Upload")) {
    hm_value f = hv_rec_get(&obj, "file");
    long long size = 0;
    const char *rel = f.kind == HV_STR ? find_file(pl, f.u.str, &size, &pl->arena) : NULL;
    if (!rel) {
      report_row(pl, HM_ROW_REJECT, NULL, "the file to upload does not exist", rule_loc(pl, rule), rule, "file");
      return false;
    }
    hm_value nm = hv_rec_get(&obj, "name"), ct = hv_rec_get(&obj, "content_type");
    write_upload(pl, rule, rel, size, ref, nm.kind == HV_STR ? nm.u.str : NULL, ct.kind == HV_STR ? ct.u.str : NULL);
    remember(pl, rule, target, obj);
    return true;
  }
  const char *unique = unique_json(pl, target, obj);
  if (shared_unique(pl, rule, target, obj) < 0) return false;
  const char *path = resolve_path(pl, K(pl->p, pl->p->targets[target].path), &obj);
  const char *hole = unresolved(path);
  if (hole) {
    report_row(pl, HM_ROW_REJECT, NULL,
               hm_arena_printf(&pl->arena, "the API path %s needs %.*s: add `setting %.*s = ...` to the map or plan with --set %.*s=...",
                               path, (int)strcspn(hole + 1, "}"), hole + 1, (int)strcspn(hole + 1, "}"), hole + 1,
                               (int)strcspn(hole + 1, "}"), hole + 1),
               rule_loc(pl, rule), rule, NULL);
    return false;
  }
  body_of(pl, target, obj);
  write_call(pl, rule, "create", "POST", path, pl->body.data, pl->body.len, NULL, tn, ref, unique);
  remember(pl, rule, target, obj);
  if (rest.kind == HV_LIST) {
    uint32_t mt = hm_wire_target(pl->p, "Message");
    const char *mpath = hm_arena_printf(&pl->arena, "/api/tickets/{ref:%s}/messages", ref);
    for (uint32_t i = HM_MAX_MESSAGES; i < rest.u.list->n; i++) {
      hm_value m = rest.u.list->items[i];
      body_of(pl, mt, m);
      write_call(pl, rule, "message", "POST", mpath, pl->body.data, pl->body.len, NULL, "Message",
                 hm_arena_printf(&pl->arena, "%s/message/%u", ref, i + 1),
                 mt != HM_BC_NONE ? unique_json(pl, mt, m) : NULL);
    }
  }
  return true;
}

/* An `after` block's object: an update of what the rule created. Fields the
 * API cannot change after creation are left out. */
static void plan_update(plan *pl, uint32_t rule, uint32_t target, hm_value obj) {
  const char *kp = ref_keypart(pl, rule);
  long i = kmap_find(&pl->ss[pl->src].made, khash(kp), false, NULL);
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
  write_call(pl, rule, "update", "PUT", path, pl->body.data, pl->body.len, NULL, tgt_name(pl, target), ref, NULL);
}

/* ---- one record ---- */

static const hm_value *bind_cols(plan *pl, hm_reader *r, const hm_record *rec) {
  const hm_source *s = &pl->p->sources[pl->src];
  src_state *ss = &pl->ss[pl->src];
  if (!ss->bound || ss->gen != hm_reader_file_generation(r)) {
    if (!ss->colmap) { ss->colmap = calloc(s->nfields + 1, sizeof *ss->colmap); if (!ss->colmap) abort(); }
    for (uint32_t a = 0; a < s->nfields; a++) ss->colmap[a] = hm_reader_column(r, K(pl->p, s->fields[a]));
    ss->gen = hm_reader_file_generation(r);
    ss->bound = true;
  }
  hm_value *cols = hm_arena_alloc(&pl->arena, (s->nfields + 1) * sizeof *cols);
  const hm_rec *rv = rec->value.kind == HV_REC ? rec->value.u.rec : NULL;
  for (uint32_t a = 0; a < s->nfields; a++) {
    int c = ss->colmap[a];
    if (rv && c >= 0 && (uint32_t)c < rv->n) cols[a] = rv->vals[c];
    else cols[a] = hv_rec_get(&rec->value, K(pl->p, s->fields[a]));
  }
  return cols;
}

static const char *record_key(plan *pl, const hm_record *rec) {
  const hm_source *s = &pl->p->sources[pl->src];
  if (s->key >= pl->p->nconsts) return hm_arena_printf(&pl->arena, "%llu", (unsigned long long)rec->index);
  hm_value v = hv_rec_get(&rec->value, K(pl->p, s->key));
  if (v.kind != HV_STR && v.kind != HV_NUM && v.kind != HV_BOOL) return NULL;
  hm_value t = hv_to_str(&pl->arena, v);
  return t.len ? t.u.str : NULL;
}

/* Runs every rule of the current source on one record (pass 1 or after). */
static void plan_record(plan *pl, hm_reader *r, const hm_record *rec, bool after) {
  const hm_program *p = pl->p;
  hm_vm_record vr = {bind_cols(pl, r, rec), p->sources[pl->src].nfields, rec->value};
  pl->whole = rec->value;
  pl->flagged = false;
  bool planned = false, rejected = false;
  for (uint32_t ru = 0; ru < p->nrules; ru++) {
    if (p->rules[ru].source != pl->src || (after && !p->rules[ru].has_after)) continue;
    pl->got = false;
    pl->npend = 0; pl->cap_pend = 0; pl->pend = NULL;
    hm_vm_status st = hm_vm_run(pl->vm, ru, after, &vr, &pl->arena);
    if (pl->dry) { pl->dry_emits += st == HM_VM_EMITTED; continue; }
    if (st == HM_VM_ERROR) {
      report_row(pl, HM_ROW_REJECT, NULL, hm_arena_printf(&pl->arena, "run-time fault: %s", hm_vm_error(pl->vm)),
                 rule_loc(pl, ru), ru, NULL);
      rejected = true;
    } else if (st == HM_VM_REJECTED) {
      rejected = true;
    } else if (st == HM_VM_EMITTED && pl->got) {
      if (after) { plan_update(pl, ru, pl->got_target, pl->got_obj); continue; }
      if (plan_create(pl, ru, pl->got_target, pl->got_obj)) {
        planned = true;   /* a lossy rule counts through its LOSSY instruction */
      } else {
        rejected = true;
      }
    }
  }
  if (pl->dry || after) return;
  if (planned) hm_rpt_count(pl->rpt, pl->src, HM_RPT_PLANNED);
  if (rejected) hm_rpt_count(pl->rpt, pl->src, HM_RPT_REJECTED);
  if (!planned && !rejected) hm_rpt_count(pl->rpt, pl->src, HM_RPT_GUARDED);
  if (pl->flagged) hm_rpt_count(pl->rpt, pl->src, HM_RPT_FLAGGED);
  if (rejected) pl->rejected_any = 1;
}

/* ---- passes over a source ---- */

static int fatal_read(hm_reader *r, char *err, size_t errlen) {
  snprintf(err, errlen, "%s", hm_reader_error(r));
  return 2;
}

static bool needed(plan *pl, uint32_t s, const char *key) {
  return key && kmap_find(&pl->ss[s].need, khash(key), false, NULL) >= 0;
}

/* One dry pass over a source: scoring every record (collect = false), or
 * collecting the lookups of the chosen records (collect = true). */
static int dry_pass(plan *pl, uint32_t s, bool collect, char *err, size_t errlen) {
  hm_reader *r = hm_reader_open(pl->p, s, pl->o->data_dir, err, errlen);
  if (!r) return 2;
  src_state *ss = &pl->ss[s];
  kmap seen = {0};
  hm_record rec;
  int rc;
  pl->src = s;
  pl->dry = true;
  pl->collect = collect;
  ss->bound = false;
  while (hm_arena_reset(&pl->arena), (rc = hm_reader_next(r, &pl->arena, &rec)) != 0) {
    if (rc == -2) break;
    if (rc == -1) continue;
    pl->key = record_key(pl, &rec);
    bool fresh = false;
    if (!pl->key || (kmap_find(&seen, khash(pl->key), true, &fresh), !fresh)) continue;
    if (collect) {
      if (hm_sample_reason(ss->sample, rec.index) || needed(pl, s, pl->key)) plan_record(pl, r, &rec, false);
      continue;
    }
    memset(&pl->feat, 0, sizeof pl->feat);
    pl->feat.index = rec.index;
    pl->feat.key = pl->key;
    scan_text(pl, rec.value);
    plan_record(pl, r, &rec, false);
    hm_sample_add(ss->sample, &pl->feat);
  }
  pl->dry = pl->collect = false;
  ss->bound = false;
  kmap_free(&seen);
  if (rc == -2) rc = fatal_read(r, err, errlen);
  hm_reader_close(r);
  return rc;
}

/* Sampling, in reverse dependency order: each source picks its stratified
 * sample, then the records those picks (and the records later sources
 * need) look up are pulled into the sample of the sources they come from, so a
 * sampled ticket never loses its customer to the sample. */
static int choose_sample(plan *pl, uint32_t s, char *err, size_t errlen) {
  src_state *ss = &pl->ss[s];
  ss->sample = hm_sample_new(pl->o->sample);
  int rc = dry_pass(pl, s, false, err, errlen);
  if (rc) return rc;
  hm_sample_finish(ss->sample);
  return dry_pass(pl, s, true, err, errlen);
}

static bool is_distinct(const plan *pl, uint32_t s) { return pl->p->sources[s].flags & HM_SRC_DISTINCT; }

/* A record whose key an earlier record had: no rule runs on it. In a distinct
   source it is an expected repeat, otherwise a rejection. */
static void repeated_key(plan *pl, uint32_t s, const hm_record *rec) {
  if (is_distinct(pl, s)) { hm_rpt_count(pl->rpt, s, HM_RPT_REPEATS); return; }
  report_row(pl, HM_ROW_REJECT, NULL,
             hm_arena_printf(&pl->arena, "duplicate key: another record of %s has key %s (%s:%llu); only the first is migrated",
                             src_name(pl, s), pl->key, rec->file, (unsigned long long)rec->line), NULL, HM_BC_NONE, NULL);
  hm_rpt_count(pl->rpt, s, HM_RPT_REJECTED);
  pl->rejected_any = 1;
}

/* Sampling leaves out a repeat (only first records are sampled), but a repeat
   of a sampled record of a distinct source is counted, as the full plan
   counts it. 0, or 2 with err. */
static int unsampled(plan *pl, uint32_t s, char *err, size_t errlen) {
  if (!is_distinct(pl, s) || !pl->key) return 0;
  int seen = keyset_has(&pl->ss[s].seen, pl->key);
  if (seen < 0) return keyset_error(&pl->ss[s].seen, err, errlen);
  if (seen) hm_rpt_count(pl->rpt, s, HM_RPT_REPEATS);
  return 0;
}

static int plan_pass(plan *pl, uint32_t s, bool after, char *err, size_t errlen) {
  pl->src = s;
  src_state *ss = &pl->ss[s];
  hm_reader *r = hm_reader_open(pl->p, s, pl->o->data_dir, err, errlen);
  if (!r) return 2;
  ss->bound = false;
  hm_record rec;
  int rc;
  while (hm_arena_reset(&pl->arena), (rc = hm_reader_next(r, &pl->arena, &rec)) != 0) {
    if (rc == -2) { int x = fatal_read(r, err, errlen); hm_reader_close(r); return x; }
    pl->key = NULL;
    if (rc == -1) {
      if (after) continue;
      hm_rpt_count(pl->rpt, s, HM_RPT_READ);
      hm_rpt_count(pl->rpt, s, HM_RPT_BAD);
      report_row(pl, HM_ROW_BAD, NULL, hm_reader_error(r), NULL, HM_BC_NONE, NULL);
      pl->rejected_any = 1;
      continue;
    }
    if (!after) hm_rpt_count(pl->rpt, s, HM_RPT_READ);
    pl->key = record_key(pl, &rec);
    const char *why = NULL;
    if (ss->sample) {
      why = hm_sample_reason(ss->sample, rec.index);
      if (!why && needed(pl, s, pl->key)) why = "looked up by a sampled record";
      int x = why || after ? 0 : unsampled(pl, s, err, errlen);
      if (x) { hm_reader_close(r); return x; }
      if (!why) continue;
    }
    if (after) {   /* a duplicate's after block must not update the first record's object */
      if (pl->key && keyset_add(&ss->seen, pl->key, pl->keyset_max) == 1) plan_record(pl, r, &rec, true);
      continue;
    }
    if (!pl->key) {
      /* no key is only an error for a record some rule wants to migrate */
      pl->key = "";
      pl->dry = true;
      pl->dry_emits = 0;
      plan_record(pl, r, &rec, false);
      pl->dry = false;
      pl->key = NULL;
      if (!pl->dry_emits) { hm_rpt_count(pl->rpt, s, HM_RPT_GUARDED); continue; }
      const hm_source *so = &pl->p->sources[s];
      report_row(pl, HM_ROW_REJECT, NULL,
                 hm_arena_printf(&pl->arena, "record %s:%llu has no key (%s)", rec.file, (unsigned long long)rec.line,
                                 K(pl->p, so->key)), NULL, HM_BC_NONE, NULL);
      hm_rpt_count(pl->rpt, s, HM_RPT_REJECTED);
      pl->rejected_any = 1;
      continue;
    }
    int fresh = keyset_add(&ss->seen, pl->key, pl->keyset_max);
    if (fresh < 0) { hm_reader_close(r); return keyset_error(&ss->seen, err, errlen); }
    if (!fresh) { repeated_key(pl, s, &rec); continue; }
    if (why) hm_rpt_sample_pick(pl->rpt, s, pl->key, why);
    plan_record(pl, r, &rec, false);
  }
  hm_reader_close(r);
  keyset_free(&ss->seen);
  return 0;
}

/* ---- gaps ---- */

static const char *label_of(hm_value rec, hm_arena *a) {
  static const char *names[] = {"name", "title", "friendlyname", "Name", "Title", "subject", NULL};
  for (int i = 0; names[i]; i++) {
    hm_value v = hv_rec_get(&rec, names[i]);
    if (v.kind == HV_STR || v.kind == HV_NUM) return hv_to_str(a, v).u.str;
  }
  return "";
}

/* A gap of a distinct source lists each key once: 1 for a repeat (counted
   when the gap is what reads the source), 0 to list the record, -1 on error. */
static int gap_repeat(plan *pl, keyset *once, const hm_record *rec, bool counted) {
  if (!is_distinct(pl, pl->src)) return 0;
  const char *key = record_key(pl, rec);
  int fresh = key ? keyset_add(once, key, pl->keyset_max) : 1;
  if (fresh < 0) return -1;
  if (!fresh && counted) hm_rpt_count(pl->rpt, pl->src, HM_RPT_REPEATS);
  return !fresh;
}

static int plan_gap(plan *pl, uint32_t g, char *err, size_t errlen) {
  const hm_gap *gp = &pl->p->gaps[g];
  if (gp->source >= pl->p->nsources) return 0;
  pl->src = gp->source;
  hm_reader *r = hm_reader_open(pl->p, gp->source, pl->o->data_dir, err, errlen);
  if (!r) return 2;
  hm_rpt_csv *csv = NULL;
  if (gp->kind == HG_EXPORT_CSV) {
    const char *dest = K(pl->p, gp->dest);
    if (strchr(dest, '/')) { snprintf(err, errlen, "gap export file \"%s\" must be a plain file name", dest); hm_reader_close(r); return 2; }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", pl->o->out_dir, dest);
    csv = hm_rpt_csv_open(path, err, errlen);
    if (!csv) { hm_reader_close(r); return 2; }
  }
  hm_record rec;
  keyset once = {0};
  int rc;
  while (hm_arena_reset(&pl->arena), (rc = hm_reader_next(r, &pl->arena, &rec)) != 0) {
    if (rc == -2) { rc = fatal_read(r, err, errlen); break; }
    bool counted = !pl->ss[gp->source].has_rules;
    if (counted) hm_rpt_count(pl->rpt, gp->source, HM_RPT_READ);
    if (rc == -1) { if (counted) hm_rpt_count(pl->rpt, gp->source, HM_RPT_BAD); continue; }
    int repeat = gap_repeat(pl, &once, &rec, counted);
    if (repeat < 0) { rc = keyset_error(&once, err, errlen); break; }
    if (repeat) continue;
    if (gp->lossy < pl->p->nannots) hm_rpt_loss(pl->rpt, gp->lossy);
    if (csv) { hm_rpt_csv_row(csv, rec.value); hm_rpt_gap_record(pl->rpt, g); }
    else hm_rpt_inventory_item(pl->rpt, g, record_key(pl, &rec), label_of(rec.value, &pl->arena));
  }
  keyset_free(&once);
  hm_reader_close(r);
  if (rc) { hm_rpt_csv_close(csv); return rc; }
  if (hm_rpt_csv_close(csv)) { snprintf(err, errlen, "%s: cannot write", K(pl->p, gp->dest)); return 2; }
  return 0;
}

/* ---- set-up ---- */

static void scan_code(plan *pl, const hm_code *c) {
  for (uint32_t i = 0; i < c->ncode; i++) {
    uint32_t ins = c->code[i], a = HM_A(ins);
    if (HM_OP(ins) == HOP_LOOKUP && a < pl->p->nsources) pl->ss[a].looked_up = true;
    if (HM_OP(ins) == HOP_CHILDREN && a < pl->p->nsources) pl->ss[a].children_used = true;
  }
}

static void init_rules(plan *pl) {
  const hm_program *p = pl->p;
  pl->rule_suffix = calloc(p->nrules + 1, sizeof *pl->rule_suffix);
  if (!pl->rule_suffix) abort();
  for (uint32_t r = 0; r < p->nrules; r++) {
    const hm_rule *ru = &p->rules[r];
    if (ru->source < p->nsources) {
      pl->ss[ru->source].has_rules = true;
      if (ru->has_after) pl->ss[ru->source].has_after = true;
    }
    scan_code(pl, &ru->body);
    if (ru->has_after) scan_code(pl, &ru->after);
    /* first rule of the source: plain ref; another target: ":Target"; the same target again: ":Target:rN" */
    uint32_t first = HM_BC_NONE;
    bool same_target_before = false;
    for (uint32_t q = 0; q < r; q++) {
      if (p->rules[q].source != ru->source) continue;
      if (first == HM_BC_NONE) first = q;
      if (p->rules[q].target == ru->target) same_target_before = true;
    }
    const char *tn = K(p, p->targets[ru->target].name);
    char buf[512];
    if (first == HM_BC_NONE) buf[0] = 0;
    else if (!same_target_before) snprintf(buf, sizeof buf, ":%s", tn);
    else snprintf(buf, sizeof buf, ":%s:r%u", tn, r);
    pl->rule_suffix[r] = xstrdup(buf);
  }
}

static void bad_child(void *user, uint32_t src, const char *error) {
  plan *pl = user;
  uint32_t keep = pl->src;
  const char *key = pl->key;
  pl->src = src; pl->key = NULL;
  hm_rpt_count(pl->rpt, src, HM_RPT_BAD);
  report_row(pl, HM_ROW_BAD, NULL, error, NULL, HM_BC_NONE, NULL);
  pl->rejected_any = 1;
  pl->src = keep; pl->key = key;
}

/* Every input is opened (and child indexes built) before any output exists. */
static int check_inputs(plan *pl, char *err, size_t errlen) {
  const hm_program *p = pl->p;
  mark_finds(pl);
  for (uint32_t s = 0; s < p->nsources; s++) {
    if (pl->ss[s].find_used && p->sources[s].key != HM_BC_NONE) {
      pl->ss[s].fidx = build_find_index(pl, s, err, errlen);
      if (!pl->ss[s].fidx) return 2;
    }
    bool gap = false;
    for (uint32_t g = 0; g < p->ngaps; g++) gap |= p->gaps[g].source == s;
    if (!pl->ss[s].has_rules && !gap && !pl->ss[s].children_used) continue;
    if (pl->ss[s].children_used) {
      pl->ss[s].cidx = hm_childidx_build(p, s, pl->o->data_dir, bad_child, pl, err, errlen);
      if (!pl->ss[s].cidx) return 2;
      continue;
    }
    hm_reader *r = hm_reader_open(p, s, pl->o->data_dir, err, errlen);
    if (!r) return 2;
    hm_reader_close(r);
  }
  return 0;
}

static void plan_free(plan *pl) {
  const hm_program *p = pl->p;
  if (pl->ss)
    for (uint32_t s = 0; s < p->nsources; s++) {
      keyset_free(&pl->ss[s].seen);
      kmap_free(&pl->ss[s].made);
      kmap_free(&pl->ss[s].need);
      if (pl->ss[s].cidx) hm_childidx_free(pl->ss[s].cidx);
      if (pl->ss[s].fidx) hm_childidx_free(pl->ss[s].fidx);
      hm_sample_free(pl->ss[s].sample);
      free(pl->ss[s].colmap);
    }
  if (pl->rule_suffix)
    for (uint32_t r = 0; r < p->nrules; r++) free(pl->rule_suffix[r]);
  free(pl->rule_suffix);
  free(pl->ss);
  kmap_free(&pl->uploaded);
  keyset_free(&pl->uniq);
  kmap_free(&pl->agents);
  hm_vm_free(pl->vm);
  hm_wire_free(pl->wire);
  hm_rpt_free(pl->rpt);
  hm_buf_free(&pl->body);
  hm_buf_free(&pl->line);
  hm_buf_free(&pl->scratch);
  hm_arena_free(&pl->arena);
}

/* What a --set may name, for the message about one it may not: the map's own
 * settings, then the planner's. */
static void known_settings(const hm_program *p, hm_buf *b) {
  const char *sep = "";
  hm_buf_puts(b, "the map declares ");
  for (uint32_t i = 0; i < p->nsettings; i++) {
    const char *n = K(p, p->settings[i].name);
    if (hm_pset_find(n, strlen(n)) >= 0) continue;
    hm_buf_printf(b, "%s%s", sep, n);
    sep = ", ";
  }
  hm_buf_puts(b, *sep ? "; planner settings: " : "none; planner settings: ");
  for (int i = 0; i < HM_PSET__COUNT; i++) hm_buf_printf(b, "%s%s", i ? ", " : "", hm_pset_get((hm_pset_id)i)->name);
}

/* A setting the map declares takes its --set converted to its type (the VM
 * keeps it); a planner setting it does not declare is kept as given[id], the
 * last --set of that name. */
static int apply_sets(plan *pl, const char **given, char *err, size_t errlen) {
  for (int i = 0; i < pl->o->nsets; i++) {
    const char *set = pl->o->sets[i], *eq = strchr(set, '=');
    if (!eq) { snprintf(err, errlen, "--set %s: expected NAME=VALUE", set); return 2; }
    char name[256], why[300];
    snprintf(name, sizeof name, "%.*s", (int)(eq - set), set);
    int ps = hm_pset_find(set, (size_t)(eq - set));
    if (ps >= 0) given[ps] = set;
    if (hm_vm_setting(pl->vm, name).kind == HV_MISSING) {
      if (ps >= 0) continue;
      hm_buf b;
      hm_buf_init(&b);
      known_settings(pl->p, &b);
      snprintf(err, errlen, "--set %s: unknown setting \"%s\"; %s", set, name, hm_buf_cstr(&b));
      hm_buf_free(&b);
      return 2;
    }
    if (hm_vm_set(pl->vm, name, eq + 1, why, sizeof why)) {
      snprintf(err, errlen, "--set %s: %s", set, why);
      return 2;
    }
  }
  return 0;
}

/* A planner setting's value from text (a --set, a default): a count is a number. */
static hm_value pset_value(hm_pset_kind kind, const char *text) {
  long long n;
  return kind == HM_PSET_COUNT && hm_pset_count_text(text, &n) ? hv_num((double)n) : hv_str(text);
}

/* Each planner setting's value: the map's (its default or its --set) when it
 * declares the setting, else the last --set of it, else the table's default. */
static int planner_settings(plan *pl, const char *const *given, char *err, size_t errlen) {
  for (int i = 0; i < HM_PSET__COUNT; i++) {
    const hm_pset *d = hm_pset_get((hm_pset_id)i);
    hm_value v = hm_vm_setting(pl->vm, d->name);
    if (v.kind == HV_MISSING && given[i]) v = pset_value(d->kind, strchr(given[i], '=') + 1);
    else if (v.kind == HV_MISSING && d->def) v = pset_value(d->kind, d->def);
    if (v.kind != HV_MISSING &&
        !hm_pset_fits(d->kind, v.kind == HV_STR, v.kind == HV_NUM, v.kind == HV_NUM ? v.u.num : 0)) {
      if (given[i]) snprintf(err, errlen, "--set %s: setting %s expects a %s", given[i], d->name, hm_pset_kind_name(d->kind));
      else snprintf(err, errlen, "setting %s of the map expects a %s, got %s", d->name, hm_pset_kind_name(d->kind),
                    hv_to_str(&pl->arena, v).u.str);
      return 2;
    }
    pl->pset[i] = v;
  }
  return 0;
}

/* ---- the map hash: the program's digest and its --set values ---- */

static size_t set_name_len(const char *set) {
  const char *eq = strchr(set, '=');
  return eq ? (size_t)(eq - set) : strlen(set);
}

static int by_set_name(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  size_t nx = set_name_len(x), ny = set_name_len(y);
  int c = memcmp(x, y, nx < ny ? nx : ny);
  return c ? c : (nx > ny) - (nx < ny);
}

/* 64-bit FNV-1a lanes, as the bytecode's own digest: it detects a change,
   nothing more. */
static void lanes_add(uint64_t h[4], const void *data, size_t len) {
  const unsigned char *p = data;
  for (int lane = 0; lane < 4; lane++)
    for (size_t i = 0; i < len; i++) { h[lane] ^= p[i]; h[lane] *= 1099511628211ull; h[lane] ^= h[lane] >> 29; }
}

/* Each name once, with its last value (the one the planner keeps), sorted
   by name. */
static int last_of_each_name(const char *const *sets, int nsets, const char **out) {
  int n = 0;
  for (int i = nsets - 1; i >= 0; i--) {
    int later = 0;
    for (int j = 0; j < n && !later; j++) later = !by_set_name(&sets[i], &out[j]);
    if (!later) out[n++] = sets[i];
  }
  qsort(out, (size_t)n, sizeof *out, by_set_name);
  return n;
}

void hm_plan_map_hash(const hm_program *p, const char *const *sets, int nsets, char out[65]) {
  uint8_t d[32];
  memcpy(d, p->hash, 32);
  const char **last = calloc((size_t)nsets + 1, sizeof *last);
  if (!last) abort();
  int n = last_of_each_name(sets, nsets, last);
  if (n) {
    uint64_t h[4];
    for (int lane = 0; lane < 4; lane++) h[lane] = 1469598103934665603ull ^ (0x9E3779B97F4A7C15ull * (uint64_t)(lane + 1));
    lanes_add(h, p->hash, 32);
    for (int i = 0; i < n; i++) lanes_add(h, last[i], strlen(last[i]) + 1);   /* NUL: "a=b","c" != "a=bc" */
    for (int lane = 0; lane < 4; lane++)
      for (int b = 0; b < 8; b++) d[lane * 8 + b] = (uint8_t)(h[lane] >> (8 * b));
  }
  free(last);
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int make_out_dir(const char *dir, char *err, size_t errlen) {
  if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
  snprintf(err, errlen, "%s: %s", dir, strerror(errno));
  return 2;
}

static int run_ordered(plan *pl, const uint32_t *order, uint32_t n, char *err, size_t errlen) {
  const hm_program *p = pl->p;
  if (pl->o->sample > 0) {
    hm_rpt_sample(pl->rpt, pl->o->sample);
    for (uint32_t i = n; i-- > 0;) {
      uint32_t s = order[i];
      if (s >= p->nsources || !pl->ss[s].has_rules) continue;
      int rc = choose_sample(pl, s, err, errlen);
      if (rc) return rc;
    }
  }
  for (int after = 0; after < 2; after++)
    for (uint32_t i = 0; i < n; i++) {
      uint32_t s = order[i];
      if (s >= p->nsources || !pl->ss[s].has_rules || (after && !pl->ss[s].has_after)) continue;
      int rc = plan_pass(pl, s, after, err, errlen);
      if (rc) return rc;
    }
  /* sources seen only through their parents: read = records in the index */
  for (uint32_t s = 0; s < p->nsources; s++)
    if (pl->ss[s].cidx && !pl->ss[s].has_rules) {
      uint64_t c = hm_childidx_count(pl->ss[s].cidx);
      for (uint64_t k = 0; k < c; k++) hm_rpt_count(pl->rpt, s, HM_RPT_READ);
    }
  for (uint32_t g = 0; g < p->ngaps; g++) {
    int rc = plan_gap(pl, g, err, errlen);
    if (rc) return rc;
  }
  return 0;
}

/* The program's order comes from lookups; agent(e) is not a lookup, so the
 * sources that plan Users (and look nothing up) go first: a ticket then finds
 * its agent as a planned User rather than only at run time. */
static uint32_t *source_order(plan *pl, uint32_t *n) {
  const hm_program *p = pl->p;
  *n = p->norder ? p->norder : p->nsources;
  uint32_t *o = calloc(*n + 1, sizeof *o), k = 0;
  if (!o) abort();
  for (int pass = 0; pass < 2; pass++)
    for (uint32_t i = 0; i < *n; i++) {
      uint32_t s = p->norder ? p->order[i] : i;
      bool users_first = false;
      for (uint32_t r = 0; r < p->nrules && s < p->nsources; r++) {
        const hm_rule *ru = &p->rules[r];
        if (ru->source != s || strcmp(tgt_name(pl, ru->target), "User")) continue;
        users_first = true;
        for (uint32_t c = 0; c < ru->body.ncode; c++)
          if (HM_OP(ru->body.code[c]) == HOP_LOOKUP) users_first = false;
      }
      if (users_first == (pass == 0)) o[k++] = s;
    }
  return o;
}

static int run_passes(plan *pl, char *err, size_t errlen) {
  uint32_t n;
  uint32_t *order = source_order(pl, &n);
  int rc = run_ordered(pl, order, n, err, errlen);
  free(order);
  return rc;
}

int hm_plan_run(const hm_program *p, const hm_plan_opts *o, char *err, size_t errlen) {
  plan pl;
  memset(&pl, 0, sizeof pl);
  pl.p = p; pl.o = o;
  const char *km = getenv("HMAP_KEYSET_MEM_MAX");
  pl.keyset_max = km && atol(km) > 0 ? (size_t)atol(km) : KEYSET_MEM_MAX;
  hm_arena_init(&pl.arena, 1 << 20);   /* big enough that a reset frees nothing */
  hm_buf_init(&pl.body);
  hm_buf_init(&pl.line);
  hm_buf_init(&pl.scratch);
  static const hm_vm_host host_tmpl = {NULL, h_lookup, h_agent, h_upload, h_children, h_emit, h_event, h_find};
  hm_vm_host host = host_tmpl;
  host.user = &pl;
  pl.vm = hm_vm_new(p, &host, o->builtins, o->nbuiltins);
  hm_vm_set_std(pl.vm, o->std);
  pl.wire = hm_wire_new(p);
  char map_hash[65];
  hm_plan_map_hash(p, o->sets, o->nsets, map_hash);
  pl.rpt = hm_rpt_new(p, map_hash);
  pl.ss = calloc(p->nsources + 1, sizeof *pl.ss);
  if (!pl.ss) abort();
  for (uint32_t s = 0; s < p->nsources; s++) pl.ss[s].made.values = true;
  pl.agents.values = true;
  init_rules(&pl);
  const char *given[HM_PSET__COUNT] = {0};
  int rc = apply_sets(&pl, given, err, errlen);
  if (!rc) rc = planner_settings(&pl, given, err, errlen);
  if (!rc) hm_rpt_upload_limit(pl.rpt, (long long)pl.pset[HM_PSET_MAX_UPLOAD_BYTES].u.num);   /* a count: a number */
  if (!rc) rc = check_inputs(&pl, err, errlen);
  if (!rc) rc = make_out_dir(o->out_dir, err, errlen);
  FILE *own = NULL;
  char *obuf = NULL;   /* glibc ignores setvbuf's size without a buffer: 4 KiB writes were 5% of a plan */
  if (!rc) {
    if (o->calls) {
      pl.calls = o->calls;
    } else {
      char path[4096];
      snprintf(path, sizeof path, "%s/calls.ndjson", o->out_dir);
      if (!(own = pl.calls = fopen(path, "w"))) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); rc = 2; }
      else if ((obuf = malloc(1 << 20))) setvbuf(own, obuf, _IOFBF, 1 << 20);
    }
  }
  if (!rc) rc = run_passes(&pl, err, errlen);
  if (own && fclose(own) && !rc) { snprintf(err, errlen, "%s/calls.ndjson: write error", o->out_dir); rc = 2; }
  free(obuf);
  if (!rc && hm_rpt_write(pl.rpt, o->out_dir, err, errlen)) rc = 2;
  if (!rc && !o->quiet) {
    uint64_t planned = 0, rejected = 0, repeats = 0;
    for (uint32_t s = 0; s < p->nsources; s++) {
      planned += hm_rpt_get(pl.rpt, s, HM_RPT_PLANNED);
      rejected += hm_rpt_get(pl.rpt, s, HM_RPT_REJECTED) + hm_rpt_get(pl.rpt, s, HM_RPT_BAD);
      repeats += hm_rpt_get(pl.rpt, s, HM_RPT_REPEATS);
    }
    char rep[64] = "";   /* said only when there are some: they explain read > planned */
    if (repeats) snprintf(rep, sizeof rep, ", %llu repeats of distinct keys", (unsigned long long)repeats);
    fprintf(stderr, "hmaprun: planned %llu records in %llu calls, %llu rejected%s; see %s/report.md\n",
            (unsigned long long)planned, (unsigned long long)hm_rpt_calls(pl.rpt), (unsigned long long)rejected, rep,
            o->out_dir);
  }
  if (!rc && pl.rejected_any) rc = 1;
  plan_free(&pl);
  return rc;
}
