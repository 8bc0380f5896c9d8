/* hm_wire: the Gorgias wire shapes of target objects (see pl.h). The
 * per-target moves are one table, documented row by row; everything else is a
 * rule over field types from stdlib/gorgias.hmap as compiled into the program. */
#include "pl.h"
#include "hm_vm.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Fields the API wants inside a nested envelope rather than at the top, and
 * scalars it wants wrapped in an object: the Gorgias profile's rows
 * (envelope/enveloped, wrap_field/wrap_key; stdlib/gorgias/hm_gorgias.c). */
typedef hm_gorgias_kind wire_move;

uint32_t hm_wire_target(const hm_program *p, const char *name) {
  for (uint32_t i = 0; i < p->ntargets; i++)
    if (p->targets[i].name < p->nconsts && !strcmp(p->consts[p->targets[i].name].str, name))
      return i;
  return HM_BC_NONE;
}

/* The index: per target, its fields by name in an open-addressing table,
 * and what the tables above say of each field, worked out once. Members are
 * looked up for every object written and checked: a search of the target's
 * field list (60 for a Ticket) costs a tenth of a plan. */
typedef struct wire_field {
  const char *name;     /* the constant pool's string: the VM names members with it */
  uint32_t index;       /* in the target's field list */
} wire_field;

typedef struct wire_target {
  wire_field *slots;    /* 2^k slots by the name's text, name NULL when free */
  wire_field *by_ptr;   /* the same by the name's address: no hashing of text */
  uint32_t mask;
  const wire_move *move;
  const char **wrap;    /* per field: the profile's wrap_key, or NULL */
  hm_buf *key;          /* per field: its name as a JSON member name, colon included */
  bool *moved;          /* per field: goes into move->envelope */
  bool upload;          /* the Upload target */
  uint32_t *required;   /* the indexes of its required fields, in schema order */
  uint32_t nrequired;
} wire_target;

struct hm_wire {
  const hm_program *p;
  wire_target *t;
};

static uint32_t ptr_hash(const char *s) {
  uint64_t x = (uint64_t)(uintptr_t)s * 0x9E3779B97F4A7C15ull;
  return (uint32_t)(x >> 32);
}

static void put_slot(wire_field *slots, uint32_t mask, uint32_t h, const char *name,
                     uint32_t index) {
  for (h &= mask; slots[h].name; h = (h + 1) & mask)
    if (slots[h].name == name || !strcmp(slots[h].name, name))
      return; /* a repeated name keeps its first */
  slots[h] = (wire_field){name, index};
}

static const wire_move *move_of(const char *target) {
  const hm_gorgias_kind *g = hm_gorgias_named(target);
  return g && g->envelope ? g : NULL;
}

static bool in_move(const wire_move *m, const char *field) {
  for (int i = 0; m && m->enveloped[i]; i++)
    if (!strcmp(m->enveloped[i], field)) return true;
  return false;
}

static const char *wrap_of(const char *target, const char *field) {
  const hm_gorgias_kind *g = hm_gorgias_named(target);
  return g && g->wrap_field && !strcmp(g->wrap_field, field) ? g->wrap_key : NULL;
}

static void index_target(const hm_program *p, const hm_target *tg, wire_target *wt) {
  const char *tn = hm_vm_const(p, tg->name);
  uint32_t size = 8;
  while (size < 2 * tg->nfields) size *= 2;
  wt->slots = calloc(size, sizeof *wt->slots);
  wt->by_ptr = calloc(size, sizeof *wt->by_ptr);
  wt->wrap = calloc(tg->nfields + 1, sizeof *wt->wrap);
  wt->moved = calloc(tg->nfields + 1, sizeof *wt->moved);
  wt->key = calloc(tg->nfields + 1, sizeof *wt->key);
  wt->required = calloc(tg->nfields + 1, sizeof *wt->required);
  if (!wt->slots || !wt->by_ptr || !wt->key || !wt->required || !wt->wrap || !wt->moved) abort();
  wt->mask = size - 1;
  wt->move = move_of(tn);
  wt->upload = hm_gorgias_kind_named(tn) == HM_GK_UPLOAD;
  for (uint32_t i = 0; i < tg->nfields; i++) {
    if (tg->fields[i].name >= p->nconsts) continue;
    const char *name = p->consts[tg->fields[i].name].str;
    if (tg->fields[i].flags & HM_TF_REQUIRED) wt->required[wt->nrequired++] = i;
    wt->wrap[i] = wrap_of(tn, name);
    hm_buf_json_str(&wt->key[i], name, strlen(name));
    hm_buf_putc(&wt->key[i], ':');
    wt->moved[i] = in_move(wt->move, name);
    put_slot(wt->slots, wt->mask, hm_fnv1a32_str(name), name, i);
    put_slot(wt->by_ptr, wt->mask, ptr_hash(name), name, i);
  }
}

hm_wire *hm_wire_new(const hm_program *p) {
  hm_wire *w = calloc(1, sizeof *w);
  if (!w || !(w->t = calloc(p->ntargets + 1, sizeof *w->t))) abort();
  w->p = p;
  for (uint32_t t = 0; t < p->ntargets; t++) index_target(p, &p->targets[t], &w->t[t]);
  return w;
}

void hm_wire_free(hm_wire *w) {
  if (!w) return;
  for (uint32_t t = 0; t < w->p->ntargets; t++) {
    free(w->t[t].slots);
    free(w->t[t].by_ptr);
    for (uint32_t f = 0; f < w->p->targets[t].nfields; f++) hm_buf_free(&w->t[t].key[f]);
    free(w->t[t].key);
    free(w->t[t].required);
    free(w->t[t].wrap);
    free(w->t[t].moved);
  }
  free(w->t);
  free(w);
}

uint32_t hm_wire_field(const hm_wire *w, uint32_t t, const char *name) {
  if (t >= w->p->ntargets) return HM_BC_NONE;
  const wire_target *wt = &w->t[t];
  /* the VM names members with the constant pool's strings: their address first */
  for (uint32_t h = ptr_hash(name) & wt->mask; wt->by_ptr[h].name; h = (h + 1) & wt->mask)
    if (wt->by_ptr[h].name == name) return wt->by_ptr[h].index;
  for (uint32_t h = hm_fnv1a32_str(name) & wt->mask; wt->slots[h].name; h = (h + 1) & wt->mask)
    if (!strcmp(wt->slots[h].name, name)) return wt->slots[h].index;
  return HM_BC_NONE;
}

const uint32_t *hm_wire_required(const hm_wire *w, uint32_t t, uint32_t *n) {
  *n = t < w->p->ntargets ? w->t[t].nrequired : 0;
  return *n ? w->t[t].required : NULL;
}

const char *hm_wire_ref_name(hm_arena *a, const hm_ref *r) {
  if (r->kind == HM_REF_AGENT) return NULL;
  if (r->kind == HM_REF_UPLOAD) return hm_arena_printf(a, "upload:%s", r->key);
  return hm_arena_printf(a, "%s:%s", r->object ? r->object : "?", r->key);
}

/* JSON string (hm_buf_json_str copies plain runs a word at a time). */
static void put_strn(hm_buf *out, const char *s, size_t n) { hm_buf_json_str(out, s, n); }

static void put_str(hm_buf *out, const char *s) { put_strn(out, s, strlen(s)); }

/* A reference in its bare form: what replaces it at run time is an id. */
static void put_ref(hm_buf *out, const hm_ref *r, hm_arena *a) {
  if (r->kind == HM_REF_AGENT) {
    hm_buf_puts(out, "{\"$agent\":");
    put_str(out, r->key);
    if (r->fallback) {   /* AGENTOR's second candidate and its flag: the run applies them */
      hm_buf_puts(out, ",\"fallback\":");
      put_str(out, r->fallback);
      if (r->flag) { hm_buf_puts(out, ",\"flag\":"); put_str(out, r->flag); }
      if (r->flag && r->flag_sev) {   /* info, the run's default, is left out */
        hm_buf_puts(out, ",\"severity\":");
        put_str(out, sev_name(r->flag_sev));
      }
    }
    if (r->optional) hm_buf_puts(out, ",\"optional\":true");
    hm_buf_putc(out, '}');
    return;
  }
  hm_buf_puts(out, "{\"$ref\":");
  put_str(out, hm_wire_ref_name(a, r));
  if (r->kind == HM_REF_UPLOAD) hm_buf_puts(out, ",\"field\":\"url\"");
  hm_buf_putc(out, '}');
}

/* A plain value (meta, source, records the schema does not describe): JSON,
 * with references as placeholders. */
static void ref_writer(hm_buf *out, const hm_ref *r, void *a) { put_ref(out, r, a); }
static void put_plain(hm_buf *out, hm_value v, hm_arena *a) {
  hv_to_json_refs(out, v, ref_writer, a);
}

static bool is_id_name(const char *n) {
  size_t l = strlen(n);
  return !strcmp(n, "id") || (l > 3 && !strcmp(n + l - 3, "_id"));
}

/* A reference where the API expects an object: {"id": ref}. Uploads are
 * always their url (attachments), never an {"id"}. */
static void put_wrapped_ref(hm_buf *out, const hm_ref *r, const char *field, hm_arena *a) {
  if (is_id_name(field) || r->kind == HM_REF_UPLOAD) { put_ref(out, r, a); return; }
  hm_buf_puts(out, "{\"id\":");
  put_ref(out, r, a);
  hm_buf_putc(out, '}');
}

static void put_object(hm_buf *out, const hm_wire *w, uint32_t target, hm_value obj, hm_arena *a);

/* CSV cells are text whatever the source schema says: a number or bool field
 * of the target gets "42" as 42 and "true"/"false" as a bool, which is what
 * the API accepts (Gorgias answers 400 to "size": "42"). Anything else is
 * written as it is. */
static bool put_coerced(hm_buf *out, hm_type t, hm_value v) {
  if (t == HT_NUM && v.len && v.len < 32) {
    char buf[32], *end;
    memcpy(buf, v.u.str, v.len);
    buf[v.len] = 0;
    double d = strtod(buf, &end);
    if (*end || end == buf || buf[0] == ' ' || !isfinite(d)) return false;
    hv_to_json(out, hv_num(d));
    return true;
  }
  if (t == HT_BOOL) {
    bool yes = (v.len == 4 && !memcmp(v.u.str, "true", 4)) || (v.len == 1 && v.u.str[0] == '1');
    bool no = (v.len == 5 && !memcmp(v.u.str, "false", 5)) || (v.len == 1 && v.u.str[0] == '0');
    if (!yes && !no) return false;
    hm_buf_puts(out, yes ? "true" : "false");
    return true;
  }
  return false;
}

static void put_field(hm_buf *out, const hm_wire *w, const hm_tfield *tf, const char *name,
                      hm_value v, hm_arena *a) {
  const hm_program *p = w->p;
  /* a `ref Upload` field (an attachment's url) is the upload answer's url */
  if (v.kind == HV_REF && tf && tf->type == HT_REF && tf->ref_target < p->ntargets &&
      w->t[tf->ref_target].upload && v.u.ref->kind == HM_REF_OBJECT) {
    hm_buf_puts(out, "{\"$ref\":");
    put_str(out, hm_wire_ref_name(a, v.u.ref));
    hm_buf_puts(out, ",\"field\":\"url\"}");
    return;
  }
  if (v.kind == HV_REF) { put_wrapped_ref(out, v.u.ref, name, a); return; }
  if (v.kind == HV_STR && tf && put_coerced(out, (hm_type)tf->type, v)) return;
  if (v.kind == HV_STR) { put_strn(out, v.u.str, v.len); return; }
  if (v.kind == HV_LIST && (!strcmp(name, "tags") || (tf && tf->ref_target != HM_BC_NONE))) {
    hm_buf_putc(out, '[');
    for (uint32_t i = 0; i < v.u.list->n; i++) {
      hm_value e = v.u.list->items[i];
      if (i) hm_buf_putc(out, ',');
      if (!strcmp(name, "tags") && e.kind == HV_STR) {
        hm_buf_puts(out, "{\"name\":");
        put_strn(out, e.u.str, e.len);
        hm_buf_putc(out, '}');
      } else if (e.kind == HV_REF) {
        put_wrapped_ref(out, e.u.ref, "", a);
      } else if (e.kind == HV_REC && tf && tf->ref_target < p->ntargets) {
        put_object(out, w, tf->ref_target, e, a);
      } else {
        put_plain(out, e, a);
      }
    }
    hm_buf_putc(out, ']');
    return;
  }
  if (v.kind == HV_REC && tf && tf->ref_target < p->ntargets && tf->type != HT_REF) {
    put_object(out, w, tf->ref_target, v, a);
    return;
  }
  put_plain(out, v, a);
}

/* Whether member k (field fi of the target, or none) goes into the envelope. */
static bool member_moved(const wire_target *wt, uint32_t fi, const char *k) {
  if (!wt->move) return false;
  return fi != HM_BC_NONE ? wt->moved[fi] : in_move(wt->move, k);
}

static void put_members(hm_buf *out, const hm_wire *w, uint32_t target, hm_value obj, bool inside,
                        int *first, hm_arena *a) {
  const wire_target *wt = &w->t[target];
  for (uint32_t i = 0; i < obj.u.rec->n; i++) {
    const char *k = obj.u.rec->keys[i];
    hm_value v = obj.u.rec->vals[i];
    if (v.kind == HV_MISSING) continue;
    uint32_t f = hm_wire_field(w, target, k);
    if (member_moved(wt, f, k) != inside) continue;
    if (!inside && wt->move && !strcmp(k, wt->move->envelope))
      continue; /* merged with the moved fields */
    const hm_tfield *tf = f == HM_BC_NONE ? NULL : &w->p->targets[target].fields[f];
    if (tf && (tf->flags & HM_TF_READONLY)) continue;
    if (!*first) hm_buf_putc(out, ',');
    *first = 0;
    if (tf) {
      hm_buf_put(out, wt->key[f].data, wt->key[f].len);
    } else {
      put_str(out, k);
      hm_buf_putc(out, ':');
    }
    const char *wrap = v.kind == HV_STR && tf ? wt->wrap[f] : NULL;
    if (wrap) { hm_buf_putc(out, '{'); put_str(out, wrap); hm_buf_putc(out, ':'); }
    put_field(out, w, tf, k, v, a);
    if (wrap) hm_buf_putc(out, '}');
  }
}

/* The envelope: the map's own envelope record (e.g. meta) plus the moved fields. */
static void put_envelope(hm_buf *out, const hm_wire *w, uint32_t target, hm_value obj, int *first,
                         hm_arena *a) {
  const wire_move *m = w->t[target].move;
  hm_value env = hv_rec_get(&obj, m->envelope);
  bool any = env.kind == HV_REC && env.u.rec->n;
  for (uint32_t i = 0; !any && i < obj.u.rec->n; i++)
    any = obj.u.rec->vals[i].kind != HV_MISSING && in_move(m, obj.u.rec->keys[i]);
  if (!any) return;
  if (!*first) hm_buf_putc(out, ',');
  *first = 0;
  put_str(out, m->envelope);
  hm_buf_puts(out, ":{");
  int efirst = 1;
  if (env.kind == HV_REC)
    for (uint32_t i = 0; i < env.u.rec->n; i++) {
      if (env.u.rec->vals[i].kind == HV_MISSING) continue;
      if (!efirst) hm_buf_putc(out, ',');
      efirst = 0;
      put_str(out, env.u.rec->keys[i]);
      hm_buf_putc(out, ':');
      put_plain(out, env.u.rec->vals[i], a);
    }
  put_members(out, w, target, obj, true, &efirst, a);
  hm_buf_putc(out, '}');
}

static void put_object(hm_buf *out, const hm_wire *w, uint32_t target, hm_value obj, hm_arena *a) {
  if (obj.kind != HV_REC) { put_plain(out, obj, a); return; }
  hm_buf_putc(out, '{');
  int first = 1;
  put_members(out, w, target, obj, false, &first, a);
  if (w->t[target].move) put_envelope(out, w, target, obj, &first, a);
  hm_buf_putc(out, '}');
}

void hm_wire_body(const hm_wire *w, hm_buf *out, uint32_t target, hm_value obj, hm_arena *a) {
  if (target >= w->p->ntargets) { put_plain(out, obj, a); return; }
  put_object(out, w, target, obj, a);
}
