/* pl_keys: the planner's key sets — keys by 64-bit hash in memory (kmap), with
 * an optional string value, and the duplicate-check keyset that spills to
 * SQLite past KEYSET_MEM_MAX keys; the content hash of a call. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hm_plan.h"
#include "pl.h"

/* ---- a set of keys by 64-bit hash, optionally with a string value ----
 * Two different keys with the same FNV-1a 64 hash would be taken for one; at a
 * million keys the odds are about 1 in 10^7, which we accept for flat memory. */

/* The content hash of a call (for --delta): 8 bytes a step, little-endian
 * whatever the host, so plans hash the same everywhere. */
uint64_t pl_body_hash(const void *data, size_t n, uint64_t h) {
  const unsigned char *p = data;
  while (n >= 8) {
    uint64_t w = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
                 (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
                 (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
    h = (h ^ w) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    p += 8; n -= 8;
  }
  return hm_fnv1a64_add(h, p, n);
}

uint64_t pl_khash(const char *s) {
  uint64_t h = hm_fnv1a64_str(s);
  return h ? h : 1;   /* 0 marks an empty slot */
}

/* Returns the slot index of h (inserting it when absent and insert is set), or -1.
 * Values (m->v) exist only in maps created with kmap_values: a plain set of
 * keys costs 16 bytes a key at most. */
long pl_kmap_find(kmap *m, uint64_t h, bool insert, bool *was_new) {
  if (was_new) *was_new = false;
  if (insert && (m->n + 1) * 10 > m->cap * 7) {   /* load factor 0.7 */
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *nh = calloc(cap, sizeof *nh);
    char **nv = m->values ? calloc(cap, sizeof *nv) : NULL;
    uint64_t *no = m->values ? calloc(cap, sizeof *no) : NULL;
    if (!nh || (m->values && (!nv || !no))) abort();
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->h[i]) continue;
      size_t j = m->h[i] & (cap - 1);
      while (nh[j]) j = (j + 1) & (cap - 1);
      nh[j] = m->h[i];
      if (nv) { nv[j] = m->v[i]; no[j] = m->ord[i]; }
    }
    free(m->h); free(m->v); free(m->ord);
    m->h = nh; m->v = nv; m->ord = no; m->cap = cap;
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

void pl_kmap_free(kmap *m) {
  for (size_t i = 0; m->v && i < m->cap; i++) free(m->v[i]);
  free(m->h); free(m->v); free(m->ord);
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
static int keyset_open(keyset *k) {
  return sqlite3_open("", &k->db) != SQLITE_OK ||
                 sqlite3_exec(
                     k->db,
                     "PRAGMA cache_size=-1024; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                     "CREATE TABLE k(key BLOB PRIMARY KEY) WITHOUT ROWID; BEGIN",
                     NULL, NULL, NULL) != SQLITE_OK ||
                 sqlite3_prepare_v2(k->db, "INSERT OR IGNORE INTO k(key) VALUES (?)", -1, &k->ins,
                                    NULL) != SQLITE_OK ||
                 sqlite3_prepare_v2(k->db, "SELECT 1 FROM k WHERE key = ?", -1, &k->has, NULL) !=
                     SQLITE_OK
             ? -1
             : 0;
}
/* key on disk: its length (4 bytes, big-endian) then its text, so the
   B-tree's order is shorter first, which is counting order for ids ("99999"
   before "100000"; by text alone every id past it would land mid-table). */
static void keyset_bind(sqlite3_stmt *st, const char *key) {
  size_t n = strlen(key);
  unsigned char small[256],
      *b = n + 4 <= sizeof small ? small : malloc(n + 4); /* no malloc per usual key */
  if (!b) abort();
  b[0] = (unsigned char)(n >> 24);
  b[1] = (unsigned char)(n >> 16);
  b[2] = (unsigned char)(n >> 8);
  b[3] = (unsigned char)n;
  memcpy(b + 4, key, n);
  sqlite3_bind_blob(st, 1, b, (int)(n + 4), SQLITE_TRANSIENT);
  if (b != small) free(b);
}
/* 1 when key is new, 0 when it was seen before, -1 on a database error. */
int pl_keyset_add(keyset *k, const char *key, size_t max) {
  uint64_t h = pl_khash(key);
  if (pl_kmap_find(&k->mem, h, false, NULL) >= 0) return 0;
  if (k->mem.n < max) { pl_kmap_find(&k->mem, h, true, NULL); return 1; }
  if (!k->db && keyset_open(k)) return -1;
  keyset_bind(k->ins, key);
  int rc = sqlite3_step(k->ins);
  sqlite3_reset(k->ins);
  if (rc != SQLITE_DONE) return -1;
  return sqlite3_changes(k->db) > 0;
}
/* 1 when key was added before, 0 when not, -1 on a database error. */
int pl_keyset_has(keyset *k, const char *key) {
  if (pl_kmap_find(&k->mem, pl_khash(key), false, NULL) >= 0) return 1;
  if (!k->db) return 0;
  keyset_bind(k->has, key);
  int rc = sqlite3_step(k->has);
  sqlite3_reset(k->has);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
int pl_keyset_error(keyset *k, char *err, size_t errlen) {
  snprintf(err, errlen, "duplicate-key index: %s", k->db ? sqlite3_errmsg(k->db) : "out of memory");
  return 2;
}

void pl_keyset_free(keyset *k) {
  pl_kmap_free(&k->mem);
  if (k->ins) sqlite3_finalize(k->ins);
  if (k->has) sqlite3_finalize(k->has);
  if (k->db) sqlite3_close(k->db);
  memset(k, 0, sizeof *k);
}

/* a + b + c in the arena: the per-record ref names, without printf's cost */
char *pl_cat3(hm_arena *ar, const char *a, const char *b, const char *c) {
  size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
  char *d = hm_arena_alloc(ar, la + lb + lc + 1);
  memcpy(d, a, la);
  memcpy(d + la, b, lb);
  memcpy(d + la + lb, c, lc + 1);
  return d;
}

