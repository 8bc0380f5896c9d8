/* hm_value: the value model shared by builtins, readers, the VM and the planner.
 *
 * Three kinds of "nothing" are kept apart on purpose (dsl-anchors lesson 8):
 * MISSING (no such column, a lookup that found nothing, a failed parse),
 * NULL (an explicit JSON null) and "" (an empty CSV cell, a real string).
 * `??` replaces MISSING and NULL only; the report says which one it was.
 *
 * Values are small tagged structs passed by value. Everything they point to
 * lives in an arena (the per-record arena at run time), so values are never
 * freed one by one. Strings carry their length and are also NUL-terminated. */
#ifndef HM_VALUE_H
#define HM_VALUE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hm_arena.h"
#include "hm_buf.h"

typedef enum hm_kind {
  HV_MISSING = 0,
  HV_NULL,
  HV_BOOL,
  HV_NUM,
  HV_STR,
  HV_LIST,
  HV_REC,
  HV_REF      /* a reference to another migrated object, resolved by the planner */
} hm_kind;

typedef struct hm_list hm_list;
typedef struct hm_rec hm_rec;
typedef struct hm_ref hm_ref;

typedef struct hm_value {
  uint8_t kind;          /* hm_kind */
  uint8_t why;           /* for MISSING: hm_missing_why, so the report can say why */
  uint32_t len;          /* byte length for HV_STR */
  union {
    bool b;
    double num;
    const char *str;
    hm_list *list;
    hm_rec *rec;
    hm_ref *ref;
  } u;
} hm_value;

typedef enum hm_missing_why {
  HM_WHY_ABSENT = 0,     /* the field is not in the record */
  HM_WHY_LOOKUP,         /* a lookup found no migrated record */
  HM_WHY_PARSE,          /* a date/number/regex step failed */
  HM_WHY_NOMATCH,        /* a match over an open set had no arm */
  HM_WHY_EMPTY           /* an operation produced nothing (e.g. first of []) */
} hm_missing_why;

struct hm_list { uint32_t n, cap; hm_value *items; };
struct hm_rec  { uint32_t n, cap; const char **keys; hm_value *vals; };  /* keeps insertion order */

typedef enum hm_ref_kind {
  HM_REF_OBJECT = 0,     /* a record another rule migrates: source object + key */
  HM_REF_AGENT,          /* a Gorgias user matched by e-mail at run time */
  HM_REF_UPLOAD          /* a file to upload; key is its path under the data dir */
} hm_ref_kind;

struct hm_ref {
  uint8_t kind;          /* hm_ref_kind */
  const char *object;    /* source object name (HM_REF_OBJECT) */
  const char *key;       /* source key, agent e-mail or file path */
  /* HM_REF_AGENT resolved at run time: the e-mail the map's `??` branch falls
   * back to and the flag that branch raises (NULL: none), so the run assigns
   * and flags as the map says when the agent is missing from Gorgias. */
  const char *fallback, *flag;
  uint8_t flag_sev;      /* the flag's severity: 0 info, 1 warn, 2 review */
  /* HM_REF_AGENT: found neither by its e-mail nor its fallback, the field it
   * fills is left out at run time ({"id": agent} with it), not sent as null. */
  uint8_t optional;
};

/* Type lattice used by the checker and by builtin signatures. */
typedef enum hm_type {
  HT_ANY = 0, HT_STR, HT_NUM, HT_BOOL, HT_LIST, HT_REC, HT_REF, HT_NULL, HT_DATE
} hm_type;
const char *hm_type_name(hm_type t);

/* Constructors. */
static inline hm_value hv_missing(hm_missing_why why) {
  hm_value v = {0};
  v.kind = HV_MISSING;
  v.why = (uint8_t)why;
  return v;
}
static inline hm_value hv_null(void) { hm_value v = {0}; v.kind = HV_NULL; return v; }
static inline hm_value hv_bool(bool b) { hm_value v = {0}; v.kind = HV_BOOL; v.u.b = b; return v; }
static inline hm_value hv_num(double d) {
  hm_value v = {0};
  v.kind = HV_NUM;
  v.u.num = d;
  return v;
}
/* hv_str does not copy: s must outlive the value (arena or constant pool). */
static inline hm_value hv_strn(const char *s, size_t n) {
  hm_value v = {0};
  v.kind = HV_STR;
  v.u.str = s;
  v.len = (uint32_t)n;
  return v;
}
hm_value hv_str(const char *s);
hm_value hv_str_copy(hm_arena *a, const char *s, size_t n);
hm_value hv_list_new(hm_arena *a, uint32_t cap);
hm_value hv_rec_new(hm_arena *a, uint32_t cap);
hm_value hv_ref(hm_arena *a, hm_ref_kind kind, const char *object, const char *key);
/* An agent reference with the map's fallback e-mail and flag (both may be NULL). */
hm_value hv_agent_ref(hm_arena *a, const char *email, const char *fallback, const char *flag);

void hv_list_push(hm_arena *a, hm_value *list, hm_value item);
/* Sets key (replacing an existing one); key must outlive the record. */
void hv_rec_set(hm_arena *a, hm_value *rec, const char *key, hm_value val);
/* Appends key without looking for it: for a caller that knows it is absent
   (the VM's target records), sparing hv_rec_set's search. Inline: it is the
   VM's commonest store. */
void hv_rec_grow(hm_arena *a, hm_rec *r);
static inline void hv_rec_add(hm_arena *a, hm_value *rec, const char *key, hm_value val) {
  hm_rec *r = rec->u.rec;
  if (r->n == r->cap) hv_rec_grow(a, r);
  r->keys[r->n] = key;
  r->vals[r->n++] = val;
}
hm_value hv_rec_get(const hm_value *rec, const char *key);  /* MISSING if absent */

static inline bool hv_is_nothing(hm_value v) { return v.kind == HV_MISSING || v.kind == HV_NULL; }
bool hv_truthy(hm_value v);  /* true holds; a bool column's "1"/"true" too; nothing else */
bool hv_equal(hm_value a, hm_value b);
int hv_compare(hm_value a, hm_value b, bool *ok);   /* ok=false when not comparable */
const char *hv_kind_name(hm_kind k);
/* Text form: strings as is, numbers without trailing zeros, bools true/false. */
hm_value hv_to_str(hm_arena *a, hm_value v);
/* Serialise as JSON; MISSING members of records are omitted, MISSING elsewhere is null. */
void hv_to_json(hm_buf *out, hm_value v);
/* The same, with references written by `ref` (the planner writes them as
   {"$ref": ...} placeholders); hv_to_json's own form is the default. */
typedef void (*hv_ref_writer)(hm_buf *out, const hm_ref *r, void *user);
void hv_to_json_refs(hm_buf *out, hm_value v, hv_ref_writer ref, void *user);

#endif
