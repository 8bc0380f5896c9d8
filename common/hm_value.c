/* hm_value: constructors, comparison and JSON output of the value model. */
#include "hm_value.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *hm_type_name(hm_type t) {
  static const char *names[] = {"any",    "string", "number", "bool",    "list",
                                "record", "ref",    "null",   "datetime"};
  return (unsigned)t < sizeof names / sizeof *names ? names[t] : "?";
}

const char *hv_kind_name(hm_kind k) {
  static const char *names[] = {"missing", "null", "bool",   "number",
                                "string",  "list", "record", "ref"};
  return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}

hm_value hv_str(const char *s) { return hv_strn(s, strlen(s)); }

hm_value hv_str_copy(hm_arena *a, const char *s, size_t n) {
  return hv_strn(hm_arena_strndup(a, s, n), n);
}

hm_value hv_list_new(hm_arena *a, uint32_t cap) {
  hm_value v = {0};
  v.kind = HV_LIST;
  v.u.list = hm_arena_alloc(a, sizeof *v.u.list);
  if (cap) {
    v.u.list->items = hm_arena_alloc(a, cap * sizeof(hm_value));
    v.u.list->cap = cap;
  }
  return v;
}

hm_value hv_rec_new(hm_arena *a, uint32_t cap) {
  hm_value v = {0};
  v.kind = HV_REC;
  v.u.rec = hm_arena_alloc(a, sizeof *v.u.rec);
  if (cap) {
    v.u.rec->keys = hm_arena_alloc(a, cap * sizeof(char *));
    v.u.rec->vals = hm_arena_alloc(a, cap * sizeof(hm_value));
    v.u.rec->cap = cap;
  }
  return v;
}

hm_value hv_ref(hm_arena *a, hm_ref_kind kind, const char *object, const char *key) {
  hm_value v = {0};
  v.kind = HV_REF;
  v.u.ref = hm_arena_alloc(a, sizeof *v.u.ref);
  v.u.ref->kind = (uint8_t)kind;
  v.u.ref->object = object;
  v.u.ref->key = key;
  v.u.ref->fallback = v.u.ref->flag = NULL;
  v.u.ref->flag_sev = 0;
  v.u.ref->optional = 0;
  return v;
}

hm_value hv_agent_ref(hm_arena *a, const char *email, const char *fallback, const char *flag) {
  hm_value v = hv_ref(a, HM_REF_AGENT, NULL, email);
  v.u.ref->fallback = fallback;
  v.u.ref->flag = flag;
  return v;
}

void hv_list_push(hm_arena *a, hm_value *list, hm_value item) {
  hm_list *l = list->u.list;
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? l->cap * 2 : 4;
    l->items = hm_arena_realloc(a, l->items, l->cap * sizeof(hm_value), cap * sizeof(hm_value));
    l->cap = cap;
  }
  l->items[l->n++] = item;
}

void hv_rec_set(hm_arena *a, hm_value *recv, const char *key, hm_value val) {
  hm_rec *r = recv->u.rec;
  for (uint32_t i = 0; i < r->n; i++)
    if (r->keys[i] == key || (r->keys[i][0] == key[0] && strcmp(r->keys[i], key) == 0)) {
      r->vals[i] = val;
      return;
    }
  hv_rec_add(a, recv, key, val);
}

void hv_rec_grow(hm_arena *a, hm_rec *r) {
  uint32_t cap = r->cap ? r->cap * 2 : 4;
  r->keys = hm_arena_realloc(a, r->keys, r->cap * sizeof(char *), cap * sizeof(char *));
  r->vals = hm_arena_realloc(a, r->vals, r->cap * sizeof(hm_value), cap * sizeof(hm_value));
  r->cap = cap;
}

hm_value hv_rec_get(const hm_value *recv, const char *key) {
  if (recv->kind != HV_REC) return hv_missing(HM_WHY_ABSENT);
  const hm_rec *r = recv->u.rec;
  /* keys are often the very constant-pool string asked for; else the first
     byte spares most strcmp calls */
  for (uint32_t i = 0; i < r->n; i++)
    if (r->keys[i] == key || (r->keys[i][0] == key[0] && strcmp(r->keys[i], key) == 0))
      return r->vals[i];
  return hv_missing(HM_WHY_ABSENT);
}

/* The one truthiness (docs/language.md, "Conditions: one truthiness"): true holds;
   false, missing and null do not. The checker lets only bools reach a condition (E0215),
   but a `bool` column arrives as the export wrote it, so its spellings are read the way
   the plan writes a bool field: 1 and true (any case) hold; 0, false, blank and any other
   text (flagged when the record is read) do not. */
bool hv_truthy(hm_value v) {
  switch (v.kind) {
  case HV_BOOL: return v.u.b;
  case HV_NUM: return v.u.num == 1;   /* a JSON bool column written 0/1 */
  case HV_STR:
    return (v.len == 1 && v.u.str[0] == '1') ||
           (v.len == 4 && strncasecmp(v.u.str, "true", 4) == 0);
  default: return false;
  }
}

bool hv_equal(hm_value a, hm_value b) {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
  case HV_MISSING: case HV_NULL: return true;
  case HV_BOOL: return a.u.b == b.u.b;
  case HV_NUM: return a.u.num == b.u.num;
  case HV_STR: return a.len == b.len && memcmp(a.u.str, b.u.str, a.len) == 0;
  case HV_LIST:
    if (a.u.list->n != b.u.list->n) return false;
    for (uint32_t i = 0; i < a.u.list->n; i++)
      if (!hv_equal(a.u.list->items[i], b.u.list->items[i])) return false;
    return true;
  case HV_REC:
    if (a.u.rec->n != b.u.rec->n) return false;
    for (uint32_t i = 0; i < a.u.rec->n; i++)
      if (!hv_equal(a.u.rec->vals[i], hv_rec_get(&b, a.u.rec->keys[i]))) return false;
    return true;
  case HV_REF:
    return a.u.ref->kind == b.u.ref->kind && strcmp(a.u.ref->key, b.u.ref->key) == 0 &&
           (a.u.ref->object == b.u.ref->object ||
            (a.u.ref->object && b.u.ref->object && strcmp(a.u.ref->object, b.u.ref->object) == 0));
  }
  return false;
}

int hv_compare(hm_value a, hm_value b, bool *ok) {
  *ok = true;
  if (a.kind == HV_NUM && b.kind == HV_NUM) return (a.u.num > b.u.num) - (a.u.num < b.u.num);
  if (a.kind == HV_STR && b.kind == HV_STR) {
    size_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.u.str, b.u.str, n);
    if (c) return c < 0 ? -1 : 1;
    return (a.len > b.len) - (a.len < b.len);
  }
  *ok = false;
  return 0;
}

/* Integral values (ids, counts: nearly every number in an export) are written
 * by hand: snprintf's float formatting costs a tenth of a plan's time. The text
 * is what "%.0f" gives; -0 keeps going through snprintf for its "-0". */
static void num_text(char *buf, size_t n, double d) {
  if (isfinite(d) && d == floor(d) && fabs(d) < 1e15) {
    if (d == 0 && signbit(d)) { snprintf(buf, n, "%.0f", d); return; }
    char tmp[24];
    size_t k = 0;
    unsigned long long u = (unsigned long long)fabs(d);
    do { tmp[k++] = (char)('0' + u % 10); u /= 10; } while (u);
    size_t j = 0;
    if (d < 0 && j + 1 < n) buf[j++] = '-';
    while (k && j + 1 < n) buf[j++] = tmp[--k];
    buf[j] = 0;
  }
  else snprintf(buf, n, "%.17g", d);
}

hm_value hv_to_str(hm_arena *a, hm_value v) {
  char buf[64];
  switch (v.kind) {
  case HV_STR: return v;
  case HV_NUM: num_text(buf, sizeof buf, v.u.num); return hv_str_copy(a, buf, strlen(buf));
  case HV_BOOL: return hv_str(v.u.b ? "true" : "false");
  case HV_NULL: return hv_str("null");
  case HV_MISSING: return hv_str("");
  default: {
    hm_buf b; hm_buf_init(&b);
    hv_to_json(&b, v);
    hm_value s = hv_str_copy(a, b.data, b.len);
    hm_buf_free(&b);
    return s;
  }
  }
}

void hv_to_json_refs(hm_buf *out, hm_value v, hv_ref_writer ref, void *user) {
  char buf[64];
  switch (v.kind) {
  case HV_MISSING: case HV_NULL: hm_buf_puts(out, "null"); break;
  case HV_BOOL: hm_buf_puts(out, v.u.b ? "true" : "false"); break;
  case HV_NUM:
    if (!isfinite(v.u.num)) { hm_buf_puts(out, "null"); break; }
    num_text(buf, sizeof buf, v.u.num); hm_buf_puts(out, buf); break;
  case HV_STR: hm_buf_json_str(out, v.u.str, v.len); break;
  case HV_LIST:
    hm_buf_putc(out, '[');
    for (uint32_t i = 0; i < v.u.list->n; i++) {
      if (i) hm_buf_putc(out, ',');
      hv_to_json_refs(out, v.u.list->items[i], ref, user);
    }
    hm_buf_putc(out, ']');
    break;
  case HV_REC: {
    hm_buf_putc(out, '{');
    int first = 1;
    for (uint32_t i = 0; i < v.u.rec->n; i++) {
      if (v.u.rec->vals[i].kind == HV_MISSING) continue;
      if (!first) hm_buf_putc(out, ',');
      first = 0;
      hm_buf_json_str(out, v.u.rec->keys[i], strlen(v.u.rec->keys[i]));
      hm_buf_putc(out, ':');
      hv_to_json_refs(out, v.u.rec->vals[i], ref, user);
    }
    hm_buf_putc(out, '}');
    break;
  }
  case HV_REF: {
    if (ref) { ref(out, v.u.ref, user); break; }
    static const char *kinds[] = {"object", "agent", "upload"};
    hm_buf_puts(out, "{\"$ref\":");
    hm_buf_json_str(out, kinds[v.u.ref->kind % 3], strlen(kinds[v.u.ref->kind % 3]));
    if (v.u.ref->object) {
      hm_buf_puts(out, ",\"object\":");
      hm_buf_json_str(out, v.u.ref->object, strlen(v.u.ref->object));
    }
    hm_buf_puts(out, ",\"key\":");
    hm_buf_json_str(out, v.u.ref->key, strlen(v.u.ref->key));
    const char *more[] = {",\"fallback\":", v.u.ref->fallback, ",\"flag\":", v.u.ref->flag};
    for (int i = 0; i < 4; i += 2)
      if (more[i + 1]) {
        hm_buf_puts(out, more[i]);
        hm_buf_json_str(out, more[i + 1], strlen(more[i + 1]));
      }
    if (v.u.ref->flag && v.u.ref->flag_sev)
      hm_buf_printf(out, ",\"flag_sev\":%u", v.u.ref->flag_sev);
    hm_buf_putc(out, '}');
    break;
  }
  }
}

void hv_to_json(hm_buf *out, hm_value v) { hv_to_json_refs(out, v, NULL, NULL); }
