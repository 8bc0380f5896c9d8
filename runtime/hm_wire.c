/* hm_wire: the Gorgias wire shapes of target objects (see hm_wire.h). The
 * per-target moves are one table, documented row by row; everything else is a
 * rule over field types from stdlib/gorgias.hmap as compiled into the program. */
#include "hm_wire.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Fields the API wants inside a nested envelope rather than at the top.
 * gorgias-api.md §5.15: Help Center categories and articles are created with
 * their localised text in `translation`; §5.3 has no `organization` field on
 * customers, so the schema's convenience field goes to meta.organization. */
typedef struct wire_move { const char *target, *envelope; const char *fields[10]; } wire_move;
static const wire_move wire_moves[] = {
  {"HelpCenterCategory", "translation",
   {"title", "description", "slug", "locale", "parent_category_id", "visibility_status", "seo_meta", NULL}},
  {"HelpCenterArticle", "translation",
   {"title", "content", "excerpt", "slug", "locale", "is_current", "visibility_status", "seo_meta", NULL}},
  {"Customer", "meta", {"organization", NULL}},
};

/* Scalar fields the API wants wrapped in an object: gorgias-api.md §5.4 creates
 * users with `role: {"name": "agent"}`; the schema (and the map) say the name. */
typedef struct wire_wrap { const char *target, *field, *key; } wire_wrap;
static const wire_wrap wire_wraps[] = {
  {"User", "role", "name"},
};

static const char *wrap_of(const hm_program *p, uint32_t target, const char *field) {
  const char *tn = p->consts[p->targets[target].name].str;
  for (size_t i = 0; i < sizeof wire_wraps / sizeof *wire_wraps; i++)
    if (!strcmp(wire_wraps[i].target, tn) && !strcmp(wire_wraps[i].field, field)) return wire_wraps[i].key;
  return NULL;
}

uint32_t hm_wire_target(const hm_program *p, const char *name) {
  for (uint32_t i = 0; i < p->ntargets; i++)
    if (p->targets[i].name < p->nconsts && !strcmp(p->consts[p->targets[i].name].str, name)) return i;
  return HM_BC_NONE;
}

uint32_t hm_wire_field(const hm_program *p, uint32_t t, const char *name) {
  if (t >= p->ntargets) return HM_BC_NONE;
  const hm_target *tg = &p->targets[t];
  /* the VM names fields with the constant pool's own strings: try pointers first */
  for (uint32_t i = 0; i < tg->nfields; i++)
    if (tg->fields[i].name < p->nconsts && p->consts[tg->fields[i].name].str == name) return i;
  for (uint32_t i = 0; i < tg->nfields; i++)
    if (tg->fields[i].name < p->nconsts && !strcmp(p->consts[tg->fields[i].name].str, name)) return i;
  return HM_BC_NONE;
}

const char *hm_wire_ref_name(hm_arena *a, const hm_ref *r) {
  if (r->kind == HM_REF_AGENT) return NULL;
  if (r->kind == HM_REF_UPLOAD) return hm_arena_printf(a, "upload:%s", r->key);
  return hm_arena_printf(a, "%s:%s", r->object ? r->object : "?", r->key);
}

/* Whether the 8 bytes in w are all printable ASCII other than '"' and '\\'.
 * The classic "has a byte less than n" word tricks: each test is exact for
 * "any byte", which is all that is asked. */
static bool plain8(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  uint64_t ctl = (w - ones * 0x20) & ~w;                    /* a byte < 0x20 */
  uint64_t del = (w ^ (ones * 0x7f)), quo = (w ^ (ones * '"')), bsl = (w ^ (ones * '\\'));
  uint64_t hit = ctl | ((del - ones) & ~del) | ((quo - ones) & ~quo) | ((bsl - ones) & ~bsl) | w;
  return (hit & high) == 0;
}

static bool plain_ascii(const char *s, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    if (!plain8(w)) return false;
  }
  for (; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

/* JSON string; plain printable ASCII (the usual case) is copied in one go,
 * anything else goes through hm_buf_json_str's escaping and UTF-8 repair. */
static void put_strn(hm_buf *out, const char *s, size_t n) {
  if (!plain_ascii(s, n)) { hm_buf_json_str(out, s, n); return; }
  hm_buf_reserve(out, n + 2);
  out->data[out->len++] = '"';
  memcpy(out->data + out->len, s, n);
  out->len += n;
  out->data[out->len++] = '"';
}

static void put_str(hm_buf *out, const char *s) { put_strn(out, s, strlen(s)); }

/* A reference in its bare form: what replaces it at run time is an id. */
static void put_ref(hm_buf *out, const hm_ref *r, hm_arena *a) {
  if (r->kind == HM_REF_AGENT) {
    hm_buf_puts(out, "{\"$agent\":");
    put_str(out, r->key);
    if (r->object) {   /* the map's fallback, run-time: "e-mail \x1f flag text" (hm_vm.c agent_fallback) */
      const char *sep = strchr(r->object, '\x1f');
      size_t n = sep ? (size_t)(sep - r->object) : strlen(r->object);
      hm_buf_puts(out, ",\"fallback\":");
      put_strn(out, r->object, n);
      if (sep && sep[1]) { hm_buf_puts(out, ",\"flag\":"); put_str(out, sep + 1); }
    }
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
static void put_plain(hm_buf *out, hm_value v, hm_arena *a) { hv_to_json_refs(out, v, ref_writer, a); }

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

static void put_object(hm_buf *out, const hm_program *p, uint32_t target, hm_value obj, hm_arena *a);

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

static bool is_upload_target(const hm_program *p, uint32_t t) {
  return t < p->ntargets && !strcmp(p->consts[p->targets[t].name].str, "Upload");
}

static void put_field(hm_buf *out, const hm_program *p, const hm_tfield *tf, const char *name,
                      hm_value v, hm_arena *a) {
  /* a `ref Upload` field (an attachment's url) is the upload answer's url */
  if (v.kind == HV_REF && tf && tf->type == HT_REF && is_upload_target(p, tf->ref_target) &&
      v.u.ref->kind == HM_REF_OBJECT) {
    hm_buf_puts(out, "{\"$ref\":");
    put_str(out, hm_wire_ref_name(a, v.u.ref));
    hm_buf_puts(out, ",\"field\":\"url\"}");
    return;
  }
  if (v.kind == HV_REF) { put_wrapped_ref(out, v.u.ref, name, a); return; }
  if (v.kind == HV_STR && tf && put_coerced(out, (hm_type)tf->type, v)) return;
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
        put_object(out, p, tf->ref_target, e, a);
      } else {
        put_plain(out, e, a);
      }
    }
    hm_buf_putc(out, ']');
    return;
  }
  if (v.kind == HV_REC && tf && tf->ref_target < p->ntargets && tf->type != HT_REF) {
    put_object(out, p, tf->ref_target, v, a);
    return;
  }
  put_plain(out, v, a);
}

static const wire_move *move_of(const hm_program *p, uint32_t target) {
  const char *tn = p->consts[p->targets[target].name].str;
  for (size_t i = 0; i < sizeof wire_moves / sizeof *wire_moves; i++)
    if (!strcmp(wire_moves[i].target, tn)) return &wire_moves[i];
  return NULL;
}

static bool moved(const wire_move *m, const char *field) {
  if (!m) return false;
  for (int i = 0; m->fields[i]; i++)
    if (!strcmp(m->fields[i], field)) return true;
  return false;
}

static void put_members(hm_buf *out, const hm_program *p, uint32_t target, hm_value obj,
                        const wire_move *m, bool inside, int *first, hm_arena *a) {
  for (uint32_t i = 0; i < obj.u.rec->n; i++) {
    const char *k = obj.u.rec->keys[i];
    hm_value v = obj.u.rec->vals[i];
    if (v.kind == HV_MISSING || moved(m, k) != inside) continue;
    if (!inside && m && !strcmp(k, m->envelope)) continue;   /* merged with the moved fields */
    uint32_t f = hm_wire_field(p, target, k);
    const hm_tfield *tf = f == HM_BC_NONE ? NULL : &p->targets[target].fields[f];
    if (tf && (tf->flags & HM_TF_READONLY)) continue;
    if (!*first) hm_buf_putc(out, ',');
    *first = 0;
    put_str(out, k);
    hm_buf_putc(out, ':');
    const char *wrap = v.kind == HV_STR ? wrap_of(p, target, k) : NULL;
    if (wrap) { hm_buf_putc(out, '{'); put_str(out, wrap); hm_buf_putc(out, ':'); }
    put_field(out, p, tf, k, v, a);
    if (wrap) hm_buf_putc(out, '}');
  }
}

static void put_object(hm_buf *out, const hm_program *p, uint32_t target, hm_value obj, hm_arena *a) {
  if (obj.kind != HV_REC) { put_plain(out, obj, a); return; }
  const wire_move *m = move_of(p, target);
  hm_buf_putc(out, '{');
  int first = 1;
  put_members(out, p, target, obj, m, false, &first, a);
  if (m) {
    /* the envelope: the map's own envelope record (e.g. meta) plus the moved fields */
    hm_value env = hv_rec_get(&obj, m->envelope);
    bool any = env.kind == HV_REC && env.u.rec->n;
    for (uint32_t i = 0; !any && i < obj.u.rec->n; i++)
      any = obj.u.rec->vals[i].kind != HV_MISSING && moved(m, obj.u.rec->keys[i]);
    if (any) {
      if (!first) hm_buf_putc(out, ',');
      first = 0;
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
      put_members(out, p, target, obj, m, true, &efirst, a);
      hm_buf_putc(out, '}');
    }
  }
  hm_buf_putc(out, '}');
}

void hm_wire_body(hm_buf *out, const hm_program *p, uint32_t target, hm_value obj, hm_arena *a) {
  if (target >= p->ntargets) { put_plain(out, obj, a); return; }
  put_object(out, p, target, obj, a);
}
