/* sbx_conformance_test: compares the sandbox's conformance table (what Gorgias
 * accepts, sandbox/sbx_conformance.c) with the schema module (`hmapc schema
 * stdlib/gorgias.hmap`). Lists every disagreement, one per (object, field,
 * aspect); fails on any not written down in sandbox/conformance_differences.md
 * and on any written down that no longer disagrees.
 * usage: sbx_conformance_test HMAPC GORGIAS.hmap DIFFERENCES.md */
#include "sbx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DOC 256
typedef struct documented {
  char key[240];
  int seen;
} documented;
typedef struct diffs {
  documented doc[MAX_DOC];
  int ndoc, undocumented, total;
} diffs;

static char *slurp(FILE *f) {
  size_t cap = 1 << 16, n = 0;
  char *s = malloc(cap);
  for (size_t r; s && (r = fread(s + n, 1, cap - n - 1, f)) > 0;) {
    n += r;
    if (n + 1 == cap) {
      char *t = realloc(s, cap *= 2);
      if (!t) {
        free(s);
        return NULL;
      }
      s = t;
    }
  }
  if (s) s[n] = '\0';
  return s;
}

static void trim_cell(char *c) {
  char *p = c;
  while (*p == ' ' || *p == '`') p++;
  memmove(c, p, strlen(p) + 1);
  for (size_t n = strlen(c); n && (c[n - 1] == ' ' || c[n - 1] == '`'); n--) c[n - 1] = '\0';
}

/* rows "| `Object.field` | aspect | reason |" → keys "Object.field aspect" */
static int read_documented(const char *path, diffs *d) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return -1;
  }
  char line[2048];
  while (fgets(line, sizeof line, f) && d->ndoc < MAX_DOC) {
    char a[160], b[64];
    if (sscanf(line, " |%159[^|]|%63[^|]|", a, b) != 2) continue;
    trim_cell(a);
    trim_cell(b);
    if (!a[0] || a[0] == '-' || strcmp(b, "aspect") == 0) continue;
    snprintf(d->doc[d->ndoc++].key, sizeof d->doc[0].key, "%s %s", a, b);
  }
  fclose(f);
  return 0;
}

static void report(diffs *d, const char *what, const char *aspect, const char *gorgias,
                   const char *hmap) {
  char key[240];
  snprintf(key, sizeof key, "%s %s", what, aspect);
  int known = 0;
  for (int i = 0; i < d->ndoc; i++)
    if (strcmp(d->doc[i].key, key) == 0) {
      d->doc[i].seen = 1;
      known = 1;
    }
  d->total++;
  if (!known) d->undocumented++;
  printf("%-14s %-44s gorgias=%s hmap=%s\n", known ? "documented" : "UNDOCUMENTED", key, gorgias,
         hmap);
}

static const cJSON *item(const cJSON *o, const char *k) {
  return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const cJSON *find_named(const cJSON *arr, const char *name) {
  for (const cJSON *e = arr ? arr->child : NULL; e; e = e->next)
    if (cJSON_IsString(item(e, "name")) && strcmp(item(e, "name")->valuestring, name) == 0)
      return e;
  return NULL;
}

/* kind, list element and target, without enum values: "list of object Message" */
static void type_text(const cJSON *t, char *out, size_t n) {
  const cJSON *k = item(t, "kind"), *tg = item(t, "target"), *of = item(t, "of");
  size_t used = (size_t)snprintf(out, n, "%s", cJSON_IsString(k) ? k->valuestring : "?");
  if (cJSON_IsString(tg) && used < n)
    used += (size_t)snprintf(out + used, n - used, ":%s", tg->valuestring);
  if (of && used + 4 < n) {
    snprintf(out + used, n - used, " of ");
    type_text(of, out + used + 4, n - used - 4);
  }
}

/* the same enum values (in any order) and the same open flag */
static int same_values(const cJSON *a, const cJSON *b) {
  const cJSON *va = item(a, "values"), *vb = item(b, "values");
  if (cJSON_GetArraySize(va) != cJSON_GetArraySize(vb)) return 0;
  if (cJSON_IsTrue(item(a, "open")) != cJSON_IsTrue(item(b, "open"))) return 0;
  for (const cJSON *e = va ? va->child : NULL; e; e = e->next) {
    int found = 0;
    for (const cJSON *x = vb->child; x && !found; x = x->next)
      found = strcmp(x->valuestring, e->valuestring) == 0;
    if (!found) return 0;
  }
  return 1;
}

/* A's enum values that B lacks, "+a,+b" (and "open" when only A is open) */
static void values_only(const cJSON *a, const cJSON *b, char *out, size_t n) {
  size_t used = 0;
  out[0] = '\0';
  for (const cJSON *e = item(a, "values") ? item(a, "values")->child : NULL; e && used < n;
       e = e->next) {
    int found = 0;
    for (const cJSON *x = item(b, "values") ? item(b, "values")->child : NULL; x && !found;
         x = x->next)
      found = strcmp(x->valuestring, e->valuestring) == 0;
    if (!found)
      used += (size_t)snprintf(out + used, n - used, "%s+%s", used ? "," : "", e->valuestring);
  }
  if (used < n && cJSON_IsTrue(item(a, "open")) && !cJSON_IsTrue(item(b, "open")))
    used += (size_t)snprintf(out + used, n - used, "%sopen", used ? "," : "");
  if (!out[0]) snprintf(out, n, "-");
}

static const cJSON *innermost(const cJSON *t) {
  while (item(t, "of")) t = item(t, "of");
  return t;
}

static void text_of(const cJSON *v, char *out, size_t n) {
  char *s = v ? cJSON_PrintUnformatted(v) : NULL;
  snprintf(out, n, "%s", s ? s : "absent");
  free(s);
}

static void compare_flag(diffs *d, const char *what, const char *flag, const cJSON *g,
                         const cJSON *h) {
  int a = cJSON_IsTrue(item(g, flag)), b = cJSON_IsTrue(item(h, flag));
  if (a != b) report(d, what, flag, a ? "true" : "false", b ? "true" : "false");
}

static void compare_value(diffs *d, const char *what, const char *key, const cJSON *g,
                          const cJSON *h) {
  char a[200], b[200];
  const cJSON *x = item(g, key), *y = item(h, key);
  text_of(cJSON_IsNull(x) ? NULL : x, a, sizeof a);
  text_of(cJSON_IsNull(y) ? NULL : y, b, sizeof b);
  if (strcmp(a, b) != 0) report(d, what, key, a, b);
}

static void compare_field(diffs *d, const char *what, const cJSON *g, const cJSON *h) {
  char a[200], b[200];
  type_text(item(g, "type"), a, sizeof a);
  type_text(item(h, "type"), b, sizeof b);
  if (strcmp(a, b) != 0)
    report(d, what, "type", a, b);
  else if (strcmp(cJSON_GetStringValue(item(innermost(item(g, "type")), "kind")), "enum") == 0 &&
           !same_values(innermost(item(g, "type")), innermost(item(h, "type")))) {
    char only_g[200], only_h[200];
    values_only(innermost(item(g, "type")), innermost(item(h, "type")), only_g, sizeof only_g);
    values_only(innermost(item(h, "type")), innermost(item(g, "type")), only_h, sizeof only_h);
    report(d, what, "values", only_g, only_h);
  }
  compare_flag(d, what, "required", g, h);
  compare_flag(d, what, "create_only", g, h);
  compare_flag(d, what, "readonly", g, h);
  compare_value(d, what, "min", g, h);
  compare_value(d, what, "max", g, h);
  compare_value(d, what, "default", g, h);
}

/* each field of FROM missing in OTHER; FROM_IS_TABLE says which side is which */
static void compare_presence(diffs *d, const char *name, const cJSON *from, const cJSON *other,
                             int from_is_table) {
  for (const cJSON *f = item(from, "fields")->child; f; f = f->next) {
    char what[160];
    snprintf(what, sizeof what, "%s.%s", name, item(f, "name")->valuestring);
    const cJSON *o = other ? find_named(item(other, "fields"), item(f, "name")->valuestring) : NULL;
    if (!o)
      report(d, what, "presence", from_is_table ? "accepted" : "unknown",
             from_is_table ? "absent" : "field");
    else if (from_is_table)
      compare_field(d, what, f, o);
  }
}

static void compare(diffs *d, const cJSON *table, const cJSON *module) {
  const cJSON *tt = item(table, "targets"), *mt = item(module, "targets");
  for (const cJSON *t = tt->child; t; t = t->next) {
    const char *name = item(t, "name")->valuestring;
    const cJSON *m = find_named(mt, name);
    if (!m) {
      report(d, name, "target", "modelled", "absent");
      continue;
    }
    compare_presence(d, name, t, m, 1);
    compare_presence(d, name, m, t, 0);
  }
  for (const cJSON *m = mt->child; m; m = m->next)
    if (!find_named(tt, item(m, "name")->valuestring))
      report(d, item(m, "name")->valuestring, "target", "not a JSON body", "target");
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s HMAPC GORGIAS.hmap DIFFERENCES.md\n", argv[0]);
    return 2;
  }
  static diffs d;
  if (read_documented(argv[3], &d) != 0) return 2;
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' schema '%s'", argv[1], argv[2]);
  FILE *p = popen(cmd, "r");
  char *text = p ? slurp(p) : NULL;
  if (p && pclose(p) != 0) {
    fprintf(stderr, "hmapc schema failed\n");
    return 2;
  }
  char *tjson = hm_sbx_conformance_json();
  cJSON *module = cJSON_Parse(text ? text : ""), *table = cJSON_Parse(tjson ? tjson : "");
  free(text);
  free(tjson);
  if (!cJSON_IsArray(item(module, "targets")) || !cJSON_IsArray(item(table, "targets"))) {
    fprintf(stderr, "cannot read the schema module or the conformance table\n");
    return 2;
  }
  compare(&d, table, module);
  int stale = 0;
  for (int i = 0; i < d.ndoc; i++)
    if (!d.doc[i].seen) {
      printf("%-14s %s (written down, but the two agree)\n", "STALE", d.doc[i].key);
      stale++;
    }
  printf("%d disagreement(s), %d not written down in %s, %d stale entr%s\n", d.total,
         d.undocumented, argv[3], stale, stale == 1 ? "y" : "ies");
  cJSON_Delete(module);
  cJSON_Delete(table);
  return d.undocumented || stale ? 1 : 0;
}
