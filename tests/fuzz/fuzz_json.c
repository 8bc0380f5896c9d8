/* fuzz_json: the JSON readers on arbitrary bytes; the first byte (mod 8) picks
 * the mode, the rest is the file:
 *   0 NDJSON   1 JSON array   2 Atera page envelope   3 iTop REST, records "objects.*"
 *   4 records ""  (the document is the one record)    5 records "data.tickets.*"
 *   6 records "*.item"  (a member of each element)     7 pages with records "a.*.b.*"
 * Besides the drain invariants (fuzz_common.h), in mode 1 a file that cJSON reads
 * whole as an array of objects (valid UTF-8, no control bytes but JSON's white
 * space, finite numbers, no \u0000, not nested near the depth limit) must read
 * as exactly those records, no error, each equal to cJSON's object: the
 * reader's fast in-place parser and its general path must agree with cJSON on
 * everything both accept. Mode 0 likewise for NDJSON, line by line. */
#include <float.h>
#include <math.h>
#include "fuzz_common.h"
#include "rd.h"

/* Depth of j's deepest container, or -1 if j holds a number that is not finite. */
static int tree_depth(const cJSON *j) {
  if (cJSON_IsNumber(j)) return isfinite(j->valuedouble) ? 0 : -1;
  int d = 0;
  for (const cJSON *c = j->child; c; c = c->next) {
    int k = tree_depth(c);
    if (k < 0) return -1;
    if (k > d) d = k;
  }
  return j->child || cJSON_IsArray(j) || cJSON_IsObject(j) ? d + 1 : 0;
}

static int json_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Whether the reader reads data's numbers as cJSON does: it keeps a number no
 * double holds exactly (long integers, exponents that overflow or underflow)
 * as its source text, so inputs with 16 or more digits in a row or an
 * exponent are left out of the comparison. */
static int plain_numbers(const uint8_t *data, size_t size) {
  size_t run = 0;
  for (size_t i = 0; i < size; i++) {
    run = data[i] >= '0' && data[i] <= '9' ? run + 1 : 0;
    if (run >= 16) return 0;
    if ((data[i] == 'e' || data[i] == 'E') && i && data[i - 1] >= '0' && data[i - 1] <= '9')
      return 0;
  }
  return 1;
}

/* Whether an object anywhere in the tree repeats a member: the reader refuses
 * such a record (a bad record naming the member), cJSON keeps both. */
static int repeats_member(const cJSON *t) {
  for (const cJSON *c = t->child; c; c = c->next) {
    if (cJSON_IsObject(t))
      for (const cJSON *d = c->next; d; d = d->next)
        if (!strcmp(c->string, d->string)) return 1;
    if (repeats_member(c)) return 1;
  }
  return 0;
}

/* The array cJSON reads from data, if the reader must give exactly its elements.
 * cJSON is laxer than JSON where the reader is not: it takes any control byte as
 * white space, stops before trailing bytes and keeps repeated members, so those
 * inputs are left out, and so are numbers the reader keeps as text. */
static cJSON *expected_records(const uint8_t *data, size_t size) {
  if (hm_utf8_check(data, size) != size || !plain_numbers(data, size)) return NULL;
  for (size_t i = 0; i < size; i++)
    if (data[i] < 0x20 && !json_space(data[i])) return NULL;
  for (size_t i = 0; i + 6 <= size; i++)
    if (memcmp(data + i, "\\u0000", 6) == 0) return NULL;
  const char *end = NULL;
  cJSON *arr = cJSON_ParseWithLengthOpts((const char *)data, size, &end, 0);
  while (arr && end < (const char *)data + size && json_space((uint8_t)*end)) end++;
  int depth = arr ? tree_depth(arr) : -1;
  int ok = end == (const char *)data + size && cJSON_IsArray(arr) && depth >= 0 && depth < 900;
  for (const cJSON *c = arr ? arr->child : NULL; ok && c; c = c->next) ok = cJSON_IsObject(c);
  if (!ok || repeats_member(arr)) { cJSON_Delete(arr); return NULL; }
  return arr;
}

/* Equal in order, members and elements alike (duplicate keys included, which
 * cJSON_Compare cannot tell apart); numbers as cJSON compares them. */
static int same(const cJSON *a, const cJSON *b) {
  if ((a->type & 0xFF) != (b->type & 0xFF)) return 0;
  if (cJSON_IsNumber(a)) {
    double x = a->valuedouble, y = b->valuedouble, m = fmax(fabs(x), fabs(y));
    return fabs(x - y) <= m * DBL_EPSILON;
  }
  if (cJSON_IsString(a)) return strcmp(a->valuestring, b->valuestring) == 0;
  const cJSON *x = a->child, *y = b->child;
  for (; x && y; x = x->next, y = y->next)
    if ((cJSON_IsObject(a) && strcmp(x->string, y->string) != 0) || !same(x, y)) return 0;
  return !x && !y;
}

/* As expected_records for NDJSON: each line not blank (spaces and tabs, CRs
 * before the LF) must be one object, read as cJSON reads the line. */
static cJSON *expected_lines(const uint8_t *data, size_t size) {
  if (hm_utf8_check(data, size) != size || (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) ||
      !plain_numbers(data, size))
    return NULL;
  for (size_t i = 0; i < size; i++)
    if (data[i] < 0x20 && !json_space(data[i])) return NULL;
  for (size_t i = 0; i + 6 <= size; i++)
    if (memcmp(data + i, "\\u0000", 6) == 0) return NULL;
  cJSON *arr = cJSON_CreateArray();
  const char *p = (const char *)data, *stop = p + size;
  while (p < stop) {
    const char *nl = memchr(p, '\n', (size_t)(stop - p)), *eol = nl ? nl : stop;
    const char *e = eol;
    while (e > p && e[-1] == '\r') e--;
    const char *q = p;
    while (q < e && (*q == ' ' || *q == '\t')) q++;
    if (q < e) {
      const char *end = NULL;
      cJSON *o = cJSON_ParseWithLengthOpts(p, (size_t)(e - p), &end, 0);
      while (o && end < e && json_space((uint8_t)*end)) end++;
      int depth = o ? tree_depth(o) : -1;
      if (!cJSON_IsObject(o) || end != e || depth < 0 || depth >= 900 || repeats_member(o)) {
        cJSON_Delete(o);
        cJSON_Delete(arr);
        return NULL;
      }
      cJSON_AddItemToArray(arr, o);
    }
    p = nl ? nl + 1 : stop;
  }
  return arr;
}

static void check_records(rt_prog *t, const cJSON *arr) {
  char err[1024];
  hm_reader *r = hm_reader_open(&t->p, 0, fuzz_dir(), err, sizeof err);
  if (!r) abort();
  hm_arena a;
  hm_arena_init(&a, 0);
  hm_buf b;
  hm_buf_init(&b);
  hm_record rec;
  const cJSON *want = arr->child;
  int rc;
  while ((rc = hm_reader_next(r, &a, &rec)) == 1) {
    if (!want) abort();
    b.len = 0;
    hv_to_json(&b, rec.value);
    cJSON *got = cJSON_ParseWithLength(b.data, b.len);
    if (!got || !same(got, want)) {
      fprintf(stderr, "record %llu reads as %.*s\n", (unsigned long long)rec.index, (int)b.len,
              b.data);
      abort();
    }
    cJSON_Delete(got);
    want = want->next;
    hm_arena_reset(&a);
  }
  if (rc != 0) { fprintf(stderr, "refused: %s\n", hm_reader_error(r)); abort(); }
  if (want) abort();
  hm_buf_free(&b);
  hm_arena_free(&a);
  hm_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  fuzz_write("in.json", data + 1, size - 1);
  rt_prog t;
  switch (data[0] % 8) {
  case 0: rt_init(&t, HF_NDJSON, "in.json", NULL, NULL, 0); break;
  case 1: rt_init(&t, HF_JSON, "in.json", NULL, NULL, 0); break;
  case 2: rt_init(&t, HF_JSON_PAGES, "in.json", NULL, NULL, 0); break;
  case 3: rt_init(&t, HF_JSON, "in.json", "objects.*", NULL, 0); break;
  case 4: rt_init(&t, HF_JSON, "in.json", "", NULL, 0); break;
  case 5: rt_init(&t, HF_JSON, "in.json", "data.tickets.*", NULL, 0); break;
  case 6: rt_init(&t, HF_JSON, "in.json", "*.item", NULL, 0); break;
  default: rt_init(&t, HF_JSON_PAGES, "in.json", "a.*.b.*", NULL, 0); break;
  }
  fuzz_drain(&t, 0);
  cJSON *arr = NULL;
  if (data[0] % 8 == 1 && size - 1 < 4000) arr = expected_records(data + 1, size - 1);
  if (data[0] % 8 == 0 && size - 1 < 4000) arr = expected_lines(data + 1, size - 1);
  if (arr) check_records(&t, arr);
  cJSON_Delete(arr);
  return 0;
}
