/* hm_json: cJSON <-> hm_value. Records are built directly (keys and values
 * arrays sized once) instead of through hv_rec_set, which would cost a key
 * comparison per member per member. Converting a record read from JSON text,
 * a number no double holds exactly keeps its source text (see rd.h). */
#include "hm_read.h"
#include "rd.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The source text of a tree's numbers, in document order (which is the order
   a depth-first walk of the tree meets them); NULL when there is no text. */
typedef struct numtext { const char *p, *end; } numtext;

static hm_value to_value(const cJSON *j, hm_arena *a, numtext *t);

static hm_value array_to_list(const cJSON *j, hm_arena *a, numtext *t) {
  uint32_t n = 0;
  for (const cJSON *c = j->child; c; c = c->next) n++;
  hm_value v = hv_list_new(a, n);
  uint32_t i = 0;
  for (const cJSON *c = j->child; c; c = c->next) v.u.list->items[i++] = to_value(c, a, t);
  v.u.list->n = n;
  return v;
}

static hm_value object_to_rec(const cJSON *j, hm_arena *a, numtext *t) {
  uint32_t n = 0;
  for (const cJSON *c = j->child; c; c = c->next) n++;
  hm_value v = hv_rec_new(a, n);
  uint32_t i = 0;
  for (const cJSON *c = j->child; c; c = c->next) {
    v.u.rec->keys[i] = hm_arena_strdup(a, c->string ? c->string : "");
    v.u.rec->vals[i++] = to_value(c, a, t);
  }
  v.u.rec->n = n;
  return v;
}

/* The next number token of the text (outside strings): its bytes and length. */
static bool next_number(numtext *t, const char **num, size_t *n) {
  while (t->p < t->end) {
    char c = *t->p;
    if (c == '"') {
      for (t->p++; t->p < t->end && *t->p != '"'; t->p++)
        if (*t->p == '\\') t->p++;
      t->p++;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const char *s = t->p;
      while (t->p < t->end && *t->p && strchr("0123456789+-eE.", *t->p)) t->p++;
      *num = s;
      *n = (size_t)(t->p - s);
      return true;
    } else {
      t->p++;
    }
  }
  return false;
}

static hm_value number(const cJSON *j, hm_arena *a, numtext *t) {
  const char *num;
  size_t n;
  if (t && next_number(t, &num, &n) && hm_jnum_inexact(num, n, j->valuedouble))
    return hv_str_copy(a, num, n);
  return hv_num(j->valuedouble);
}

static hm_value to_value(const cJSON *j, hm_arena *a, numtext *t) {
  if (!j) return hv_missing(HM_WHY_ABSENT);
  switch (j->type & 0xFF) {
  case cJSON_NULL: return hv_null();
  case cJSON_False: return hv_bool(false);
  case cJSON_True: return hv_bool(true);
  case cJSON_Number: return number(j, a, t);
  case cJSON_String: case cJSON_Raw:
    return j->valuestring ? hv_str_copy(a, j->valuestring, strlen(j->valuestring)) : hv_str("");
  case cJSON_Array: return array_to_list(j, a, t);
  case cJSON_Object: return object_to_rec(j, a, t);
  default: return hv_missing(HM_WHY_ABSENT);
  }
}

hm_value hm_json_to_value(const cJSON *j, hm_arena *a) { return to_value(j, a, NULL); }

hm_value hm_json_text_to_value(const cJSON *j, const char *text, size_t len, hm_arena *a) {
  numtext t = {text, text + len};
  return to_value(j, a, &t);
}

/* Integers beyond 2^53, and numbers that overflow to infinity or underflow to
   zero, are not what their text says once they are doubles. */
bool hm_jnum_inexact(const char *num, size_t n, double d) {
  if (!isfinite(d)) return true;
  size_t i = n && num[0] == '-';
  bool integer = true, nonzero = false;
  for (size_t k = i; k < n && integer; k++) integer = num[k] >= '0' && num[k] <= '9';
  if (integer) {
    while (i < n && num[i] == '0') i++;
    return n - i > 16 || (n - i == 16 && memcmp(num + i, "9007199254740992", 16) > 0);
  }
  for (size_t k = i; k < n && num[k] != 'e' && num[k] != 'E'; k++)
    nonzero |= num[k] >= '1' && num[k] <= '9';
  return d == 0 && nonzero;
}

/* The first repeated member name of any object in the tree, or NULL. */
const char *hm_json_dup_member(const cJSON *j) {
  if (!j || !(cJSON_IsObject(j) || cJSON_IsArray(j))) return NULL;
  size_t n = 0;
  for (const cJSON *c = j->child; c; c = c->next) n++;
  if (cJSON_IsObject(j) && n > 1) {
    const char **names = malloc(n * sizeof *names);
    if (!names) abort();
    size_t i = 0, first, second;
    for (const cJSON *c = j->child; c; c = c->next) names[i++] = c->string ? c->string : "";
    const char *dup = hm_names_dup(names, n, false, &first, &second) ? names[second] : NULL;
    free(names);
    if (dup) return dup;
  }
  for (const cJSON *c = j->child; c; c = c->next) {
    const char *dup = hm_json_dup_member(c);
    if (dup) return dup;
  }
  return NULL;
}

static cJSON *ref_to_json(const hm_ref *r) {
  static const char *kinds[] = {"object", "agent", "upload"};
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "$ref", kinds[r->kind % 3]);
  if (r->object) cJSON_AddStringToObject(o, "object", r->object);
  cJSON_AddStringToObject(o, "key", r->key ? r->key : "");
  return o;
}

/* cJSON strings are NUL-terminated; a value with an embedded NUL is cut there. */
static cJSON *str_to_json(hm_value v) {
  if (memchr(v.u.str, 0, v.len) == NULL && v.u.str[v.len] == 0) return cJSON_CreateString(v.u.str);
  char buf[256];
  size_t n = strnlen(v.u.str, v.len);
  if (n < sizeof buf) {
    memcpy(buf, v.u.str, n); buf[n] = 0;
    return cJSON_CreateString(buf);
  }
  char *tmp = cJSON_malloc(n + 1);
  memcpy(tmp, v.u.str, n); tmp[n] = 0;
  cJSON *s = cJSON_CreateString(tmp);
  cJSON_free(tmp);
  return s;
}

cJSON *hm_value_to_json(hm_value v) {
  switch (v.kind) {
  case HV_BOOL: return cJSON_CreateBool(v.u.b);
  case HV_NUM: return isfinite(v.u.num) ? cJSON_CreateNumber(v.u.num) : cJSON_CreateNull();
  case HV_STR: return str_to_json(v);
  case HV_LIST: {
    cJSON *arr = cJSON_CreateArray();
    for (uint32_t i = 0; i < v.u.list->n; i++)
      cJSON_AddItemToArray(arr, hm_value_to_json(v.u.list->items[i]));
    return arr;
  }
  case HV_REC: {
    cJSON *o = cJSON_CreateObject();
    for (uint32_t i = 0; i < v.u.rec->n; i++) {
      if (v.u.rec->vals[i].kind == HV_MISSING) continue;
      cJSON_AddItemToObject(o, v.u.rec->keys[i], hm_value_to_json(v.u.rec->vals[i]));
    }
    return o;
  }
  case HV_REF: return ref_to_json(v.u.ref);
  default: return cJSON_CreateNull();
  }
}
