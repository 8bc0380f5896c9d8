/* sbx_validate: checks request bodies against a schema in the `hmapc schema`
 * JSON shape — the sandbox's conformance table (sbx_conformance.c) or a
 * --schema FILE.
 * Each problem is reported as "<field path>: <what is wrong>." naming the first
 * offending field, e.g. "messages[0].channel: is required.". */
#include "sbx.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "hm_utf8.h"

struct hm_sbx_schema { cJSON *root; };

hm_sbx_schema *hm_sbx_schema_parse(const char *json, char *err, size_t errlen) {
  cJSON *root = cJSON_Parse(json);
  const cJSON *targets = cJSON_GetObjectItemCaseSensitive(root, "targets");
  if (!cJSON_IsArray(targets)) {
    snprintf(err, errlen, "schema: expected a JSON object with a \"targets\" array");
    cJSON_Delete(root);
    return NULL;
  }
  for (const cJSON *t = targets->child; t; t = t->next) {
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "name")) ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(t, "fields"))) {
      snprintf(err, errlen, "schema: every target needs a \"name\" and a \"fields\" array");
      cJSON_Delete(root);
      return NULL;
    }
  }
  hm_sbx_schema *s = calloc(1, sizeof *s);
  if (!s) { cJSON_Delete(root); return NULL; }
  s->root = root;
  return s;
}

void hm_sbx_schema_free(hm_sbx_schema *s) {
  if (!s) return;
  cJSON_Delete(s->root);
  free(s);
}

const cJSON *hm_sbx_schema_target(const hm_sbx_schema *s, const char *name) {
  if (!s) return NULL;
  const cJSON *targets = cJSON_GetObjectItemCaseSensitive(s->root, "targets");
  for (const cJSON *t = targets->child; t; t = t->next)
    if (strcmp(cJSON_GetObjectItemCaseSensitive(t, "name")->valuestring, name) == 0) return t;
  return NULL;
}

static int digits(const char *s, int n) {
  for (int i = 0; i < n; i++) if (!isdigit((unsigned char)s[i])) return 0;
  return 1;
}

/* ISO-8601 date-time: date, 'T' or ' ', hh:mm[:ss[.frac]], then Z, ±hh:mm, ±hhmm or nothing */
int hm_sbx_is_datetime(const char *s) {
  if (strlen(s) < 16 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
      !digits(s + 8, 2) || (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2) || s[13] != ':' ||
      !digits(s + 14, 2))
    return 0;
  int mo = atoi(s + 5), d = atoi(s + 8), h = atoi(s + 11), mi = atoi(s + 14);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return 0;
  const char *p = s + 16;
  if (*p == ':') {
    if (!digits(p + 1, 2) || atoi(p + 1) > 60) return 0;
    p += 3;
    if (*p == '.') {
      p++;
      if (!isdigit((unsigned char)*p)) return 0;
      while (isdigit((unsigned char)*p)) p++;
    }
  }
  if (*p == 'Z') return p[1] == '\0';
  if (*p == '+' || *p == '-') {
    if (!digits(p + 1, 2)) return 0;
    if (p[3] == ':') return digits(p + 4, 2) && p[6] == '\0';
    return (p[3] == '\0') || (digits(p + 3, 2) && p[5] == '\0');
  }
  return *p == '\0';
}

typedef struct vstate {
  const hm_sbx_schema *s;
  hm_sbx_mode mode;
  int refuse_create_only;
  char *msg; size_t msglen;
  char *field; size_t fieldlen;
} vstate;

static int fail(vstate *v, const char *path, const char *fmt, const char *a, double n) {
  char what[400];
  if (a) snprintf(what, sizeof what, fmt, a);
  else snprintf(what, sizeof what, fmt, n);
  snprintf(v->msg, v->msglen, "%s: %s", path, what);
  snprintf(v->field, v->fieldlen, "%s", path);
  return -1;
}

static int check_target(vstate *v, const cJSON *target, cJSON *obj, const char *path, int top);

static double num_or(const cJSON *f, const char *k, double dflt) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(f, k);
  return cJSON_IsNumber(x) ? x->valuedouble : dflt;
}

static int check_enum(vstate *v, const cJSON *type, const cJSON *val, const char *path) {
  const cJSON *values = cJSON_GetObjectItemCaseSensitive(type, "values");
  if (cJSON_IsString(val)) {
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(type, "open"))) return 0;
    for (const cJSON *e = values ? values->child : NULL; e; e = e->next)
      if (cJSON_IsString(e) && strcmp(e->valuestring, val->valuestring) == 0) return 0;
  }
  char list[300] = "";
  size_t n = 0;
  for (const cJSON *e = values ? values->child : NULL; e && n < sizeof list - 8; e = e->next)
    if (cJSON_IsString(e))
      n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", e->valuestring);
  if (n >= sizeof list - 8) snprintf(list + sizeof list - 8, 8, ", ...");
  char what[400];
  if (cJSON_IsString(val)) {
    char shown[64];
    snprintf(shown, sizeof shown, "%s", val->valuestring);
    snprintf(what, sizeof what, "\"%s\" is not one of: %s.", shown, list);
  } else {
    snprintf(what, sizeof what, "must be one of: %s.", list);
  }
  return fail(v, path, "%s", what, 0);
}

int hm_sbx_is_int(double d) {
  /* the range check first: casting an out-of-range double is undefined */
  return d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(long long)d;
}

static int is_int(const cJSON *x) { return cJSON_IsNumber(x) && hm_sbx_is_int(x->valuedouble); }

/* The API takes a bare integer only where the field is an id (`ticket_id`,
 * `customer_id`, a custom-field value's `id`); elsewhere (`customer`,
 * `assignee_user`, team `members`) it wants an object. */
static int takes_bare_id(const char *path) {
  const char *last = strrchr(path, '.');
  last = last ? last + 1 : path;
  size_t n = strcspn(last, "[");
  return (n == 2 && strncmp(last, "id", 2) == 0) || (n > 3 && strncmp(last + n - 3, "_id", 3) == 0);
}

static int check_ref(vstate *v, const cJSON *type, const cJSON *val, const char *path) {
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(type, "target");
  int person = cJSON_IsString(t) &&
               strcmp(t->valuestring, "Customer") == 0; /* {email, name} finds or creates one */
  int bare = takes_bare_id(path);
  /* an upload is referenced by the url POST /api/upload returned (attachments[].url) */
  if (cJSON_IsString(t) && strcmp(t->valuestring, "Upload") == 0) {
    if (cJSON_IsString(val) && val->valuestring[0]) return 0;
    return fail(v, path, "%s", "must be the url of an uploaded file.", 0);
  }
  if (bare && is_int(val) && val->valuedouble >= 0) return 0;
  if (cJSON_IsObject(val)) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(val, "id");
    if (id && !cJSON_IsNull(id) && !is_int(id))
      return fail(v, path, "%s", "id must be an integer.", 0);
    if (id) return 0;
    if (person && (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(val, "email")) ||
                   cJSON_IsString(cJSON_GetObjectItemCaseSensitive(val, "name"))))
      return 0;
  }
  return fail(v, path, "%s",
              bare     ? "must be an id or an object with an id."
              : person ? "must be an object with an id, email or name."
                       : "must be an object with an id.",
              0);
}

static int check_value(vstate *v, const cJSON *field, const cJSON *type, cJSON *val,
                       const char *path);

static int check_list(vstate *v, const cJSON *field, const cJSON *type, cJSON *val,
                      const char *path) {
  if (!cJSON_IsArray(val)) return fail(v, path, "%s", "must be a list.", 0);
  int n = cJSON_GetArraySize(val);
  double min = num_or(field, "min", -1), max = num_or(field, "max", -1);
  if (min >= 0 && n < min) return fail(v, path, "must contain at least %g item(s).", NULL, min);
  if (max >= 0 && n > max) return fail(v, path, "must contain at most %g item(s).", NULL, max);
  const cJSON *of = cJSON_GetObjectItemCaseSensitive(type, "of");
  int i = 0;
  for (cJSON *e = val->child; e; e = e->next, i++) {
    char sub[256];
    snprintf(sub, sizeof sub, "%s[%d]", path, i);
    if (check_value(v, NULL, of, e, sub) != 0) return -1;
  }
  return 0;
}

static int check_value(vstate *v, const cJSON *field, const cJSON *type, cJSON *val,
                       const char *path) {
  const cJSON *kj = cJSON_GetObjectItemCaseSensitive(type, "kind");
  const char *kind = cJSON_IsString(kj) ? kj->valuestring : "any";
  double min = field ? num_or(field, "min", -1e308) : -1e308,
         max = field ? num_or(field, "max", 1e308) : 1e308;
  if (strcmp(kind, "string") == 0) {
    if (!cJSON_IsString(val)) return fail(v, path, "%s", "must be a string.", 0);
    size_t n = hm_utf8_leads(val->valuestring, strlen(val->valuestring));
    if ((double)n > max) return fail(v, path, "must be at most %g characters long.", NULL, max);
    if (min > 0 && (double)n < min)
      return fail(v, path, "must be at least %g characters long.", NULL, min);
  } else if (strcmp(kind, "number") == 0 || strcmp(kind, "int") == 0) {
    int want_int = kind[0] == 'i';
    if (!cJSON_IsNumber(val) || (want_int && !is_int(val)))
      return fail(v, path, "%s", want_int ? "must be an integer." : "must be a number.", 0);
    if (val->valuedouble > max) return fail(v, path, "must be at most %g.", NULL, max);
    if (val->valuedouble < min) return fail(v, path, "must be at least %g.", NULL, min);
  } else if (strcmp(kind, "bool") == 0) {
    if (!cJSON_IsBool(val)) return fail(v, path, "%s", "must be a boolean.", 0);
  } else if (strcmp(kind, "datetime") == 0) {
    if (!cJSON_IsString(val) || !hm_sbx_is_datetime(val->valuestring))
      return fail(v, path, "%s", "must be an ISO-8601 datetime.", 0);
  } else if (strcmp(kind, "record") == 0) {
    if (!cJSON_IsObject(val)) return fail(v, path, "%s", "must be an object.", 0);
  } else if (strcmp(kind, "enum") == 0) {
    return check_enum(v, type, val, path);
  } else if (strcmp(kind, "ref") == 0) {
    return check_ref(v, type, val, path);
  } else if (strcmp(kind, "list") == 0) {
    return check_list(v, field, type, val, path);
  } else if (strcmp(kind, "object") == 0) {
    const cJSON *tn = cJSON_GetObjectItemCaseSensitive(type, "target");
    const cJSON *target = cJSON_IsString(tn) ? hm_sbx_schema_target(v->s, tn->valuestring) : NULL;
    if (!cJSON_IsObject(val)) return fail(v, path, "%s", "must be an object.", 0);
    if (target) return check_target(v, target, val, path, 0);
  }
  return 0;
}

static const cJSON *find_field(const cJSON *target, const char *name) {
  for (const cJSON *f = cJSON_GetObjectItemCaseSensitive(target, "fields")->child; f; f = f->next) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(f, "name");
    if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return f;
  }
  return NULL;
}

static void join_path(char *out, size_t n, const char *path, const char *name) {
  if (path && *path) snprintf(out, n, "%s.%s", path, name);
  else snprintf(out, n, "%s", name);
}

static int check_target(vstate *v, const cJSON *target, cJSON *obj, const char *path, int top) {
  /* nested objects (messages of a ticket create) are always creations */
  hm_sbx_mode mode = top ? v->mode : HM_SBX_CREATE;
  for (cJSON *m = obj->child, *next; m; m = next) {
    next = m->next;
    char sub[256];
    join_path(sub, sizeof sub, path, m->string);
    const cJSON *f = find_field(target, m->string);
    if (!f) return fail(v, sub, "%s", "unknown field.", 0);
    for (const cJSON *o = m->next; o; o = o->next)
      if (strcmp(o->string, m->string) == 0)
        return fail(v, sub, "%s", "appears more than once.", 0);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "readonly")))
      return fail(v, sub, "%s", "is read-only.", 0);
    if (mode == HM_SBX_UPDATE && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "create_only"))) {
      if (v->refuse_create_only) return fail(v, sub, "%s", "cannot be changed after creation.", 0);
      cJSON_DeleteItemFromObjectCaseSensitive(obj, m->string);
      continue;
    }
    if (cJSON_IsNull(m)) {
      if (mode == HM_SBX_CREATE && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "required")))
        return fail(v, sub, "%s", "must not be null.", 0);
      continue;
    }
    if (check_value(v, f, cJSON_GetObjectItemCaseSensitive(f, "type"), m, sub) != 0) return -1;
  }
  if (mode != HM_SBX_CREATE) return 0;
  for (const cJSON *f = cJSON_GetObjectItemCaseSensitive(target, "fields")->child; f; f = f->next) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(f, "name");
    if (!cJSON_IsString(n) || cJSON_GetObjectItemCaseSensitive(obj, n->valuestring)) continue;
    char sub[256];
    join_path(sub, sizeof sub, path, n->valuestring);
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "required")))
      return fail(v, sub, "%s", "is required.", 0);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(f, "default");
    if (d && !cJSON_IsNull(d)) cJSON_AddItemToObject(obj, n->valuestring, cJSON_Duplicate(d, 1));
  }
  return 0;
}

int hm_sbx_validate(const hm_sbx_schema *s, const char *name, cJSON *body, hm_sbx_mode mode,
                    int refuse_create_only, char *msg, size_t msglen, char *field,
                    size_t fieldlen) {
  msg[0] = field[0] = '\0';
  if (!s) return 0;
  const cJSON *target = hm_sbx_schema_target(s, name);
  if (!target) return 0;
  vstate v = {s, mode, refuse_create_only, msg, msglen, field, fieldlen};
  if (!cJSON_IsObject(body)) {
    snprintf(msg, msglen, "The request body must be a JSON object.");
    return -1;
  }
  return check_target(&v, target, body, "", 1);
}
