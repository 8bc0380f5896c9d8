/* hm_hash: the one FNV-1a (32 and 64 bits, standard offset bases), the
 * four-lane digest of the bytecode image and the map hash, and the one
 * open-addressing hash table (string or 64-bit keys -> a pointer-size value).
 * None of it is cryptographic: it finds things and detects changes. */
#ifndef HM_HASH_H
#define HM_HASH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HM_FNV32_OFFSET 2166136261u
#define HM_FNV32_PRIME 16777619u
#define HM_FNV64_OFFSET 14695981039346656037ull
#define HM_FNV64_PRIME 1099511628211ull
/* FNV-1a 64's offset basis short of its last digit. Hashes that are stored
 * or compared across runs were first written with it and keep it, so that
 * existing .hbc files, report.json and calls.ndjson headers, --delta plans
 * and state databases still match: the digest below, and hm_fnv1a64_v0. */
#define HM_FNV64_OFFSET_V0 1469598103934665603ull

/* Continues FNV-1a 64 from h over n bytes (h = HM_FNV64_OFFSET to start). */
static inline uint64_t hm_fnv1a64_add(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= HM_FNV64_PRIME; }
  return h;
}
static inline uint32_t hm_fnv1a32_add(uint32_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= HM_FNV32_PRIME; }
  return h;
}
/* Of a NUL-terminated string, in one pass (inline: planner lookups). */
static inline uint64_t hm_fnv1a64_str(const char *s) {
  uint64_t h = HM_FNV64_OFFSET;
  for (; *s; s++) { h ^= (unsigned char)*s; h *= HM_FNV64_PRIME; }
  return h;
}
static inline uint32_t hm_fnv1a32_str(const char *s) {
  uint32_t h = HM_FNV32_OFFSET;
  for (; *s; s++) { h ^= (unsigned char)*s; h *= HM_FNV32_PRIME; }
  return h;
}
uint64_t hm_fnv1a64(const void *data, size_t n);
uint32_t hm_fnv1a32(const void *data, size_t n);
/* FNV-1a 64 of s from HM_FNV64_OFFSET_V0: the run's call content hash, which
 * state databases store (rn_client.c hm_hash_hex). */
uint64_t hm_fnv1a64_v0_str(const char *s);

/* 256 bits as four FNV-1a-64 lanes (basis HM_FNV64_OFFSET_V0 with a per-lane
 * seed, each step also folding h >> 29): the .hbc image digest and the map
 * hash of report.json and calls.ndjson. Its output is part of those formats:
 * changing it is a format version bump. */
typedef struct hm_digest { uint64_t h[4]; } hm_digest;
void hm_digest_init(hm_digest *d);
void hm_digest_add(hm_digest *d, const void *data, size_t n);
void hm_digest_out(const hm_digest *d, uint8_t out[32]);   /* lane by lane, little-endian */

/* An open-addressing table (linear probing, load <= 3/4, capacity a power of
 * two). Zero-initialised it is empty. A table holds either string keys (not
 * copied: they must outlive it; compared with strcmp) or 64-bit keys (any but
 * 0), never both. Values are one pointer each; a fresh slot holds NULL. */
typedef struct hm_htab {
  uint64_t *h;          /* per slot: the key, or the string key's hash; 0 = empty */
  const char **k;       /* string keys: per slot the key; NULL for 64-bit keys */
  void **v;
  size_t cap, n;
} hm_htab;

/* The value slot of key, or NULL when absent. */
void **hm_htab_find_str(const hm_htab *t, const char *key);
void **hm_htab_find_u64(const hm_htab *t, uint64_t key);
/* The value slot of key, added (holding NULL) when absent; *was_new (if
 * given) says which. Aborts when memory runs out. */
void **hm_htab_put_str(hm_htab *t, const char *key, bool *was_new);
void **hm_htab_put_u64(hm_htab *t, uint64_t key, bool *was_new);
void hm_htab_free(hm_htab *t);   /* the table only: keys and values are the caller's */

#endif
