/* hm_strref: checks the "{ref:SOURCE:KEY#field}" references a string literal holds. The run
 * replaces each, just before the call that carries the string, with a field of the Gorgias
 * object made for record KEY of SOURCE (docs/language.md, "References in strings"); a
 * reference to a source no rule migrates, or to a field the object's answer does not
 * carry, could only fail there, record by record. The source must be declared and have a
 * rule, the field be one the profile lists for the rule's target (hm_gorgias_returned);
 * the source is then a dependency, as a lookup's is. Diagnostics point at the part at
 * fault, located in the map's own text (the literal's escapes shift the unescaped value's
 * offsets). */
#include <string.h>
#include "hm_gorgias.h"
#include "hm_strref.h"

#define REF_OPEN "{ref:"
#define REF_OPEN_LEN 5

/* One literal being checked: its raw text (quotes and escapes included) and where. */
typedef struct lit {
  hm_compiler *c;
  const char *raw; size_t len; hm_loc at;
  hm_node *str;      /* the literal: its lookups of the referenced sources hang on it */
  int self;          /* the source of the rule it is in */
} lit;

/* The location of raw bytes [a, b) of the literal (one line: strings never span two). */
static hm_loc part_loc(const lit *l, size_t a, size_t b) {
  hm_loc r = l->at;
  uint32_t col = l->at.col;
  for (size_t i = 0; i < l->len && i < b; i++) {
    if (i == a) r.col = col;
    if (((unsigned char)l->raw[i] & 0xC0) != 0x80) col++;
  }
  if (a >= b) r.col = col;
  r.end_line = r.line;
  r.end_col = col;
  return r;
}

static int ident_char(char ch, int first) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' ||
         (!first && ch >= '0' && ch <= '9');
}

static size_t ident_end(const lit *l, size_t i) {
  size_t s = i;
  while (i < l->len && ident_char(l->raw[i], i == s)) i++;
  return i;
}

static const char *copy_of(const lit *l, size_t a, size_t b) {
  char *s = hm_arena_alloc(&l->c->arena, b - a + 1);
  memcpy(s, l->raw + a, b - a);
  s[b - a] = 0;
  return s;
}

/* Offset of the first "{ref:" in s[from, n), or n. */
static size_t find_open(const char *s, size_t from, size_t n) {
  for (size_t i = from; i + REF_OPEN_LEN <= n; i++)
    if (s[i] == '{' && !memcmp(s + i, REF_OPEN, REF_OPEN_LEN)) return i;
  return n;
}

static int source_named(const hm_checked *k, const char *name) {
  for (uint32_t i = 0; i < k->nsources; i++)
    if (!strcmp(k->sources[i].name, name)) return (int)i;
  return -1;
}

static void unknown_source(const lit *l, hm_loc at, const char *name) {
  const hm_checked *k = &l->c->chk;
  const char **v = hm_arena_alloc(&l->c->arena, (k->nsources + 1) * sizeof *v);
  for (uint32_t i = 0; i < k->nsources; i++) v[i] = k->sources[i].name;
  const char *s = hm_suggest(name, v, (int)k->nsources);
  char dym[160] = "";
  if (s) snprintf(dym, sizeof dym, "; did you mean '%s'?", s);
  hm_diag_at(&l->c->diags, at, HC_E0216, "{ref:...} names unknown source '%s'%s", name, dym);
}

/* The rule of source s whose target returns field (NULL: any rule's first field), or the
   first rule of s when none does (*ok = 0), or NULL when s has no rule with a target. */
static const hm_ruleinfo *rule_returning(const hm_checked *k, int s, const char *field, int *ok) {
  const hm_ruleinfo *first = NULL;
  *ok = 0;
  for (uint32_t i = 0; i < k->nrules; i++) {
    const hm_ruleinfo *r = &k->rules[i];
    if (r->source != s || !r->target) continue;
    if (!first) first = r;
    const char *const *f = hm_gorgias_returned(hm_gorgias_kind_named(r->target->s));
    for (; *f; f++)
      if (!field ? !strcmp(*f, "id") : !strcmp(*f, field)) { *ok = 1; return r; }
  }
  return first;
}

static void fields_list(const hm_ruleinfo *r, char *out, size_t cap) {
  const char *const *f = hm_gorgias_returned(hm_gorgias_kind_named(r->target->s));
  size_t n = 0;
  out[0] = 0;
  for (int i = 0; f[i] && n < cap; i++)
    n += (size_t)snprintf(out + n, cap - n, "%s#%s", i ? ", " : "", f[i]);
}

/* The field part: `#field` in raw [h, e) (h == e: none) of a reference to source s. */
static void check_field(const lit *l, int s, size_t h, size_t e, hm_loc whole) {
  const hm_checked *k = &l->c->chk;
  const char *src = k->sources[s].name;
  const char *field = h < e ? copy_of(l, h + 1, e) : NULL;
  int ok;
  const hm_ruleinfo *r = rule_returning(k, s, field, &ok);
  if (ok || !r) return;   /* !r: no rule, reported at the source's name */
  char have[120];
  fields_list(r, have, sizeof have);
  if (!field) {
    hm_diag_at(&l->c->diags, whole, HC_E0216, "%s records become %s objects, which Gorgias "
               "answers without an id: name the field the answer gives, %s", src, r->target->s,
               have);
    return;
  }
  const char *const *f = hm_gorgias_returned(hm_gorgias_kind_named(r->target->s));
  int n = 0;
  while (f[n]) n++;
  const char *s2 = hm_suggest(field, (const char *const *)f, n);
  char dym[160] = "";
  if (s2) snprintf(dym, sizeof dym, "; did you mean '%s'?", s2);
  hm_diag_at(&l->c->diags, part_loc(l, h + 1, e), HC_E0216, "%s records become %s objects, "
             "whose answer gives %s, not #%s%s", src, r->target->s, have, field, dym);
}

/* The referenced records must exist when the call carrying the string is sent: the string
   holds a lookup of their source (under its `a`, which nothing else of an N_STR uses), so
   the checker orders that source first, as for `lookup S(k)`. A rule's own source is no
   dependency (its earlier records may be named). */
static void add_dependency(const lit *l, int s, hm_loc at, const char *name) {
  if (s == l->self) return;
  hm_node *n = hm_node_new(&l->c->arena, N_LOOKUP, at);
  n->s = name;
  n->slen = (uint32_t)strlen(name);
  n->idx = s;
  n->next = l->str->a;
  l->str->a = n;
}

/* The reference whose "{ref:" is at raw offset p: returns the offset after it. */
static size_t check_one(const lit *l, size_t p) {
  size_t n0 = p + REF_OPEN_LEN, n1 = ident_end(l, n0), e = n1;
  while (e < l->len && l->raw[e] != '}' && l->raw[e] != '"') e++;
  if (e >= l->len || l->raw[e] != '}') {
    hm_diag_at(&l->c->diags, part_loc(l, p, n0), HC_E0216, "this {ref: does not end in its "
               "string: write the reference whole, {ref:SOURCE:KEY} or {ref:SOURCE:KEY#field}");
    return n0;
  }
  hm_loc whole = part_loc(l, p, e + 1);
  size_t h = n1 + 1;
  while (h < e && l->raw[h] != '#') h++;
  int key_ok = n1 < e && l->raw[n1] == ':' && h > n1 + 1;
  int field_ok = h == e || (h + 1 < e && ident_end(l, h + 1) == e);
  if (n1 == n0 || !key_ok || !field_ok) {
    hm_diag_at(&l->c->diags, whole, HC_E0216, "a reference in a string is {ref:SOURCE:KEY} "
               "(the Gorgias id) or {ref:SOURCE:KEY#field}");
    return e + 1;
  }
  const char *name = copy_of(l, n0, n1);
  int s = source_named(&l->c->chk, name);
  hm_loc at = part_loc(l, n0, n1);
  int ok;
  if (s < 0) unknown_source(l, at, name);
  else if (!rule_returning(&l->c->chk, s, NULL, &ok))
    hm_diag_at(&l->c->diags, at, HC_E0216, "{ref:...} names source %s, which no rule "
               "migrates: there is no Gorgias object to refer to (add `rule %s -> ...`)",
               name, name);
  else {
    check_field(l, s, h, e, whole);
    add_dependency(l, s, at, name);
  }
  return e + 1;
}

void hm_check_string_refs(hm_compiler *c, hm_node *str, int self) {
  if (!str->s || find_open(str->s, 0, str->slen) == str->slen) return;
  hm_loc end = str->loc;
  end.col = str->loc.end_col;
  const char *raw = hm_diag_span(&c->diags, str->loc, end);
  /* a literal the map spells (not one a rule took in from elsewhere): "..." or r"..." */
  if (!raw || (raw[0] != '"' && raw[0] != 'r')) return;
  str->a = NULL;   /* checked again (a `let` at each use): its lookups anew */
  lit l = { c, raw, strlen(raw), str->loc, str, self };
  for (size_t p = find_open(raw, 0, l.len); p < l.len; p = find_open(raw, p, l.len))
    p = check_one(&l, p);
}
