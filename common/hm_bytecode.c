/* hm_bytecode: the opcode info table; writer, loader/verifier and disassembler
 * of the .hbc format defined in hm_bytecode.h. The loader trusts nothing: every
 * count is bounded by the bytes left, every index and operand is checked
 * against its table, so a truncated, corrupt or foreign file is refused with one
 * clear line before the VM sees it. */
#include "hm_bytecode.h"
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_arena.h"
#include "hm_hash.h"
#include "hm_value.h"

const hm_opinfo hm_opinfo_table[HOP__COUNT] = {
#define OP(name, operand, pops, pushes, doc) {#name, HOK_##operand, pops, pushes, doc},
#include "hm_opcodes.def"
#undef OP
};

/* CRC-32 (IEEE, reflected 0xEDB88320) four bits at a time: nib[i] is the CRC
   of nibble i, so a byte costs two lookups instead of eight shifts. */
uint32_t hm_crc32(const void *data, size_t len) {
  static const uint32_t nib[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
  const unsigned char *p = data;
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; i++) {
    crc ^= p[i];
    crc = (crc >> 4) ^ nib[crc & 15];
    crc = (crc >> 4) ^ nib[crc & 15];
  }
  return ~crc;
}

/* 256-bit digest of the image for state rows: hm_hash.h's lane digest, whose
   output existing .hbc files and state databases hold. Not cryptographic: it
   detects a changed map, nothing more. */
static void digest(const void *data, size_t len, uint8_t out[32]) {
  hm_digest d;
  hm_digest_init(&d);
  hm_digest_add(&d, data, len);
  hm_digest_out(&d, out);
}

/* ---------- writer ---------- */

static void w_code(hm_buf *b, const hm_code *c) {
  hm_buf_u32(b, c->ncode);
  for (uint32_t i = 0; i < c->ncode; i++) hm_buf_u32(b, c->code[i]);
  hm_buf_u32(b, c->nlines);
  for (uint32_t i = 0; i < c->nlines; i++) {
    hm_buf_u32(b, c->lines[i].pc);
    hm_buf_u32(b, c->lines[i].line);
    hm_buf_u32(b, c->lines[i].col);
  }
  hm_buf_u32(b, c->nslots);
}

void hm_bc_write(const hm_program *p, hm_buf *b) {
  size_t start = b->len;
  hm_buf_put(b, HM_BC_MAGIC, 4);
  hm_buf_u32(b, HM_BC_VERSION);
  hm_buf_u32(b, p->title);
  hm_buf_u32(b, p->nconsts);
  for (uint32_t i = 0; i < p->nconsts; i++) {
    const hm_const *k = &p->consts[i];
    hm_buf_u32(b, k->kind);
    if (k->kind == HK_STR) { hm_buf_u32(b, k->len); hm_buf_put(b, k->str, k->len); }
    else hm_buf_f64(b, k->num);
  }
  hm_buf_u32(b, p->nsettings);
  for (uint32_t i = 0; i < p->nsettings; i++) {
    hm_buf_u32(b, p->settings[i].name);
    hm_buf_u32(b, p->settings[i].type);
    hm_buf_u32(b, p->settings[i].def);
    hm_buf_u32(b, p->settings[i].elem);
    hm_buf_u32(b, p->settings[i].nitems);
    for (uint32_t j = 0; j < p->settings[i].nitems; j++) hm_buf_u32(b, p->settings[i].items[j]);
  }
  hm_buf_u32(b, p->nsources);
  for (uint32_t i = 0; i < p->nsources; i++) {
    const hm_source *s = &p->sources[i];
    uint32_t v[] = {s->name,      s->type_name,      s->format,  s->path, s->key,   s->parent,
                    s->parent_by, s->parent_by_path, s->records, s->sep,  s->files, s->flags};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) hm_buf_u32(b, v[j]);
    hm_buf_u32(b, s->nfields);
    for (uint32_t j = 0; j < s->nfields; j++) hm_buf_u32(b, s->fields[j]);
    hm_buf_u32(b, s->nignores);
    for (uint32_t j = 0; j < s->nignores; j++) hm_buf_u32(b, s->ignores[j]);
  }
  hm_buf_u32(b, p->ntargets);
  for (uint32_t i = 0; i < p->ntargets; i++) {
    const hm_target *t = &p->targets[i];
    hm_buf_u32(b, t->name); hm_buf_u32(b, t->path);
    hm_buf_u32(b, t->nunique);
    for (uint32_t j = 0; j < t->nunique; j++) hm_buf_u32(b, t->unique[j]);
    hm_buf_u32(b, t->nfields);
    for (uint32_t j = 0; j < t->nfields; j++) {
      const hm_tfield *f = &t->fields[j];
      uint32_t v[] = {f->name, f->type, f->ref_target, f->flags, f->max, f->min};
      for (size_t k = 0; k < sizeof v / sizeof *v; k++) hm_buf_u32(b, v[k]);
    }
  }
  hm_buf_u32(b, p->nannots);
  for (uint32_t i = 0; i < p->nannots; i++) {
    const hm_annot *a = &p->annots[i];
    uint32_t v[] = {a->kind, a->severity, a->message, a->rule, a->field, a->file, a->line, a->col};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) hm_buf_u32(b, v[j]);
  }
  hm_buf_u32(b, p->nmatches);
  for (uint32_t i = 0; i < p->nmatches; i++) {
    const hm_match *m = &p->matches[i];
    hm_buf_u32(b, m->narms); hm_buf_u32(b, m->default_pc);
    for (uint32_t j = 0; j < m->narms; j++) {
      hm_buf_u32(b, m->arms[j].konst);
      hm_buf_u32(b, m->arms[j].pc);
    }
  }
  hm_buf_u32(b, p->nrules);
  for (uint32_t i = 0; i < p->nrules; i++) {
    const hm_rule *r = &p->rules[i];
    uint32_t v[] = {r->source, r->target, r->name, r->lossy, r->file, r->line, r->col};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) hm_buf_u32(b, v[j]);
    w_code(b, &r->body);
    hm_buf_u32(b, r->has_after);
    if (r->has_after) w_code(b, &r->after);
  }
  hm_buf_u32(b, p->ngaps);
  for (uint32_t i = 0; i < p->ngaps; i++) {
    const hm_gap *g = &p->gaps[i];
    uint32_t v[] = {g->name, g->kind, g->source, g->dest, g->lossy, g->file, g->line, g->col};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) hm_buf_u32(b, v[j]);
  }
  hm_buf_u32(b, p->norder);
  for (uint32_t i = 0; i < p->norder; i++) hm_buf_u32(b, p->order[i]);
  uint8_t h[32];
  digest(b->data + start, b->len - start, h);
  hm_buf_put(b, h, 32);
  hm_buf_u32(b, hm_crc32(b->data + start, b->len - start));
}

/* ---------- loader ---------- */

typedef struct rd {
  const unsigned char *p, *end;
  hm_arena *a;
  char *err; size_t errlen;
  int bad;
} rd;

typedef struct loaded { hm_program p; hm_arena a; } loaded;

static int fail(rd *r, const char *what) {
  if (!r->bad) snprintf(r->err, r->errlen, "%s", what);
  r->bad = 1;
  return 0;
}

static uint32_t u32(rd *r) {
  if (r->bad || r->end - r->p < 4) { fail(r, "truncated file"); return 0; }
  uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
               (uint32_t)r->p[3] << 24;
  r->p += 4;
  return v;
}

static double f64(rd *r) {
  uint64_t lo = u32(r), hi = u32(r);
  uint64_t u = lo | hi << 32;
  double d;
  memcpy(&d, &u, 8);
  return d;
}

/* A count of items of `size` bytes each must fit in what is left: a corrupt
   count can never make the loader allocate gigabytes. */
static uint32_t count(rd *r, size_t size) {
  uint32_t n = u32(r);
  if (!r->bad && (size_t)(r->end - r->p) / (size ? size : 1) < n) {
    fail(r, "truncated file (a table is longer than the file)");
    return 0;
  }
  return n;
}

static void *alloc(rd *r, size_t n, size_t size) { return hm_arena_alloc(r->a, (n + 1) * size); }

static void r_code(rd *r, hm_code *c) {
  c->ncode = count(r, 4);
  c->code = alloc(r, c->ncode, 4);
  for (uint32_t i = 0; i < c->ncode; i++) c->code[i] = u32(r);
  c->nlines = count(r, 12);
  c->lines = alloc(r, c->nlines, sizeof *c->lines);
  for (uint32_t i = 0; i < c->nlines; i++) {
    c->lines[i].pc = u32(r);
    c->lines[i].line = u32(r);
    c->lines[i].col = u32(r);
  }
  c->nslots = u32(r);
}

static void read_program(rd *r, hm_program *p) {
  p->title = u32(r);
  p->nconsts = count(r, 8);
  p->consts = alloc(r, p->nconsts, sizeof *p->consts);
  for (uint32_t i = 0; i < p->nconsts && !r->bad; i++) {
    hm_const *k = &p->consts[i];
    k->kind = u32(r);
    if (k->kind == HK_STR) {
      k->len = count(r, 1);
      k->str = hm_arena_strndup(r->a, (const char *)r->p, r->bad ? 0 : k->len);
      if (!r->bad) r->p += k->len;
    } else if (k->kind == HK_NUM) {
      k->num = f64(r);
    } else {
      fail(r, "bad constant kind");
    }
  }
  p->nsettings = count(r, 20);
  p->settings = alloc(r, p->nsettings, sizeof *p->settings);
  for (uint32_t i = 0; i < p->nsettings && !r->bad; i++) {
    hm_setting *s = &p->settings[i];
    s->name = u32(r);
    s->type = u32(r);
    s->def = u32(r);
    s->elem = u32(r);
    s->nitems = count(r, 4);
    s->items = alloc(r, s->nitems, 4);
    for (uint32_t j = 0; j < s->nitems; j++) s->items[j] = u32(r);
  }
  p->nsources = count(r, 56);
  p->sources = alloc(r, p->nsources, sizeof *p->sources);
  for (uint32_t i = 0; i < p->nsources && !r->bad; i++) {
    hm_source *s = &p->sources[i];
    uint32_t *v[] = {&s->name,    &s->type_name, &s->format,    &s->path,
                     &s->key,     &s->parent,    &s->parent_by, &s->parent_by_path,
                     &s->records, &s->sep,       &s->files,     &s->flags};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) *v[j] = u32(r);
    s->nfields = count(r, 4);
    s->fields = alloc(r, s->nfields, 4);
    for (uint32_t j = 0; j < s->nfields; j++) s->fields[j] = u32(r);
    s->nignores = count(r, 4);
    s->ignores = alloc(r, s->nignores, 4);
    for (uint32_t j = 0; j < s->nignores; j++) s->ignores[j] = u32(r);
  }
  p->ntargets = count(r, 16);
  p->targets = alloc(r, p->ntargets, sizeof *p->targets);
  for (uint32_t i = 0; i < p->ntargets && !r->bad; i++) {
    hm_target *t = &p->targets[i];
    t->name = u32(r); t->path = u32(r);
    t->nunique = count(r, 4);
    t->unique = alloc(r, t->nunique, 4);
    for (uint32_t j = 0; j < t->nunique; j++) t->unique[j] = u32(r);
    t->nfields = count(r, 24);
    t->fields = alloc(r, t->nfields, sizeof *t->fields);
    for (uint32_t j = 0; j < t->nfields; j++) {
      hm_tfield *f = &t->fields[j];
      f->name = u32(r);
      f->type = u32(r);
      f->ref_target = u32(r);
      f->flags = u32(r);
      f->max = u32(r);
      f->min = u32(r);
    }
  }
  p->nannots = count(r, 32);
  p->annots = alloc(r, p->nannots, sizeof *p->annots);
  for (uint32_t i = 0; i < p->nannots; i++) {
    hm_annot *a = &p->annots[i];
    uint32_t *v[] = {&a->kind,  &a->severity, &a->message, &a->rule,
                     &a->field, &a->file,     &a->line,    &a->col};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) *v[j] = u32(r);
  }
  p->nmatches = count(r, 8);
  p->matches = alloc(r, p->nmatches, sizeof *p->matches);
  for (uint32_t i = 0; i < p->nmatches && !r->bad; i++) {
    hm_match *m = &p->matches[i];
    m->narms = count(r, 8);
    m->default_pc = u32(r);
    m->arms = alloc(r, m->narms, sizeof *m->arms);
    for (uint32_t j = 0; j < m->narms; j++) { m->arms[j].konst = u32(r); m->arms[j].pc = u32(r); }
  }
  p->nrules = count(r, 40);
  p->rules = alloc(r, p->nrules, sizeof *p->rules);
  for (uint32_t i = 0; i < p->nrules && !r->bad; i++) {
    hm_rule *ru = &p->rules[i];
    uint32_t *v[] = {&ru->source, &ru->target, &ru->name, &ru->lossy,
                     &ru->file,   &ru->line,   &ru->col};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) *v[j] = u32(r);
    r_code(r, &ru->body);
    ru->has_after = u32(r);
    if (ru->has_after) r_code(r, &ru->after);
  }
  p->ngaps = count(r, 32);
  p->gaps = alloc(r, p->ngaps, sizeof *p->gaps);
  for (uint32_t i = 0; i < p->ngaps; i++) {
    hm_gap *g = &p->gaps[i];
    uint32_t *v[] = {&g->name,  &g->kind, &g->source, &g->dest,
                     &g->lossy, &g->file, &g->line,   &g->col};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) *v[j] = u32(r);
  }
  p->norder = count(r, 4);
  p->order = alloc(r, p->norder, 4);
  for (uint32_t i = 0; i < p->norder; i++) p->order[i] = u32(r);
  if (r->bad || r->end - r->p < 32) { fail(r, "truncated file"); return; }
  memcpy(p->hash, r->p, 32);
  r->p += 32;
}

/* ---------- verifier ---------- */

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      snprintf(err, errlen, __VA_ARGS__);                                                          \
      return -1;                                                                                   \
    }                                                                                              \
  } while (0)

static int is_str(const hm_program *p, uint32_t k) {
  return k < p->nconsts && p->consts[k].kind == HK_STR;
}
static int str_or_none(const hm_program *p, uint32_t k) { return k == HM_BC_NONE || is_str(p, k); }

static int verify_code(const hm_program *p, const hm_rule *ru, const hm_code *c, const char *what,
                       uint32_t ri, uint32_t maxfields, char *err, size_t errlen) {
  CHECK(c->ncode > 0 && HM_OP(c->code[c->ncode - 1]) == HOP_RET,
        "rule %u %s: code does not end with RET", ri, what);
  /* The VM allocates max(nslots) values up front: the count must be bounded by
     the file like every table, and each slot is written by an instruction. */
  CHECK(c->nslots <= c->ncode,
        "rule %u %s: %u local slots for %u instructions (corrupt slot count)", ri, what, c->nslots,
        c->ncode);
  for (uint32_t pc = 0; pc < c->ncode; pc++) {
    uint32_t ins = c->code[pc];
    hm_opcode op = HM_OP(ins);
    CHECK((unsigned)op < HOP__COUNT, "rule %u %s pc %u: unknown opcode %u", ri, what, pc,
          (unsigned)op);
    uint32_t a = HM_A(ins);
    switch ((hm_operand_kind)hm_opinfo_table[op].operand) {
    case HOK_none:
      CHECK(a == 0, "rule %u %s pc %u: %s takes no operand", ri, what, pc,
            hm_opinfo_table[op].name);
      break;
    case HOK_const:
      CHECK(a < p->nconsts, "rule %u %s pc %u: constant %u out of range", ri, what, pc, a);
      if (op == HOP_GETFIELD || op == HOP_SETREC)
        CHECK(is_str(p, a), "rule %u %s pc %u: field name is not a string", ri, what, pc);
      break;
    case HOK_field:
      if (op == HOP_LOADCOL)
        CHECK(a < p->sources[ru->source].nfields, "rule %u %s pc %u: source field %u out of range",
              ri, what, pc, a);
      else CHECK(a < maxfields, "rule %u %s pc %u: target field %u out of range", ri, what, pc, a);
      break;
    case HOK_setting:
      CHECK(a < p->nsettings, "rule %u %s pc %u: setting %u out of range", ri, what, pc, a);
      break;
    case HOK_slot:
      CHECK(a < c->nslots, "rule %u %s pc %u: slot %u out of range", ri, what, pc, a);
      break;
    case HOK_call: break;   /* builtin indexes: hm_bc_check_calls, against the runtime's table */
    case HOK_jump:
      CHECK(a < c->ncode, "rule %u %s pc %u: jump to %u outside the code", ri, what, pc, a);
      break;
    case HOK_match:
      CHECK(a < p->nmatches, "rule %u %s pc %u: match table %u out of range", ri, what, pc, a);
      CHECK(p->matches[a].default_pc < c->ncode, "rule %u %s pc %u: match default outside the code",
            ri, what, pc);
      for (uint32_t j = 0; j < p->matches[a].narms; j++) {
        CHECK(p->matches[a].arms[j].pc < c->ncode, "rule %u %s pc %u: match arm outside the code",
              ri, what, pc);
        CHECK(p->matches[a].arms[j].konst < p->nconsts,
              "rule %u %s pc %u: match constant out of range", ri, what, pc);
      }
      break;
    case HOK_source:
      CHECK(a < p->nsources, "rule %u %s pc %u: source %u out of range", ri, what, pc, a);
      break;
    case HOK_target:
      CHECK(a < p->ntargets, "rule %u %s pc %u: target %u out of range", ri, what, pc, a);
      break;
    case HOK_annot:
      CHECK(a < p->nannots, "rule %u %s pc %u: annotation %u out of range", ri, what, pc, a);
      break;
    case HOK_annotopt:
      CHECK(a == HM_OP_NOANNOT || a < p->nannots, "rule %u %s pc %u: annotation %u out of range",
            ri, what, pc, a);
      break;
    case HOK_iter:
      CHECK(HM_A16(ins) < c->ncode, "rule %u %s pc %u: loop exit outside the code", ri, what, pc);
      CHECK(HM_B(ins) < c->nslots, "rule %u %s pc %u: loop slot out of range", ri, what, pc);
      break;
    }
  }
  for (uint32_t i = 0; i < c->nlines; i++)
    CHECK(c->lines[i].pc < c->ncode && (i == 0 || c->lines[i].pc > c->lines[i - 1].pc),
          "rule %u %s: line table out of order", ri, what);
  return 0;
}

/* A list setting's items are constants of its item type (a bool is a number constant);
   any other setting has none. */
static int verify_items(const hm_program *p, const hm_setting *s) {
  if (s->type != HT_LIST) return s->nitems != 0;
  if (s->elem != HT_STR && s->elem != HT_NUM && s->elem != HT_BOOL) return 1;
  for (uint32_t j = 0; j < s->nitems; j++)
    if (s->items[j] >= p->nconsts ||
        p->consts[s->items[j]].kind != (s->elem == HT_STR ? HK_STR : HK_NUM))
      return 1;
  return 0;
}

static int verify(const hm_program *p, char *err, size_t errlen) {
  CHECK(is_str(p, p->title), "bad title");
  for (uint32_t i = 0; i < p->nsettings; i++)
    CHECK(is_str(p, p->settings[i].name) &&
              (p->settings[i].def == HM_BC_NONE || p->settings[i].def < p->nconsts),
          "setting %u: bad constant", i);
  for (uint32_t i = 0; i < p->nsettings; i++) CHECK(!verify_items(p, &p->settings[i]),
                                                     "setting %u: bad list items", i);
  for (uint32_t i = 0; i < p->nsources; i++) {
    const hm_source *s = &p->sources[i];
    CHECK(is_str(p, s->name) && is_str(p, s->type_name) && is_str(p, s->path),
          "source %u: bad name or path", i);
    CHECK(s->format <= HF_SQLITE, "source %u: unknown format %u", i, s->format);
    CHECK(str_or_none(p, s->key) && str_or_none(p, s->parent_by) && str_or_none(p, s->records) &&
              str_or_none(p, s->files),
          "source %u: bad option constant", i);
    CHECK(s->parent == HM_BC_NONE || s->parent < p->nsources, "source %u: parent out of range", i);
    CHECK(s->sep < 256, "source %u: bad separator", i);
    CHECK(!(s->flags & ~HM_SRC__ALL), "source %u: unknown flags %#x", i, s->flags);
    CHECK(!(s->flags & HM_SRC_DISTINCT) || (s->key != HM_BC_NONE && s->parent == HM_BC_NONE),
          "source %u: distinct without a key, or on a child source", i);
    for (uint32_t j = 0; j < s->nfields; j++)
      CHECK(is_str(p, s->fields[j]), "source %u: bad field name", i);
    for (uint32_t j = 0; j < s->nignores; j++)
      CHECK(s->ignores[j] < p->nannots && p->annots[s->ignores[j]].kind == HA_IGNORE &&
            is_str(p, p->annots[s->ignores[j]].field), "source %u: bad ignore annotation", i);
  }
  uint32_t maxfields = 0;
  for (uint32_t i = 0; i < p->ntargets; i++) {
    const hm_target *t = &p->targets[i];
    CHECK(is_str(p, t->name) && is_str(p, t->path), "target %u: bad name", i);
    for (uint32_t j = 0; j < t->nunique; j++)
      CHECK(is_str(p, t->unique[j]), "target %u: bad unique field", i);
    for (uint32_t j = 0; j < t->nfields; j++) {
      CHECK(is_str(p, t->fields[j].name), "target %u field %u: bad name", i, j);
      CHECK(t->fields[j].ref_target == HM_BC_NONE || t->fields[j].ref_target < p->ntargets,
            "target %u field %u: bad reference", i, j);
    }
    if (t->nfields > maxfields) maxfields = t->nfields;
  }
  for (uint32_t i = 0; i < p->nannots; i++) {
    const hm_annot *a = &p->annots[i];
    CHECK(a->kind <= HA_IGNORE && a->severity <= 2, "annotation %u: bad kind", i);
    CHECK(is_str(p, a->message) && is_str(p, a->file) && str_or_none(p, a->field),
          "annotation %u: bad constant", i);
    CHECK(a->rule == HM_BC_NONE || a->rule < p->nrules, "annotation %u: rule out of range", i);
  }
  for (uint32_t i = 0; i < p->nrules; i++) {
    const hm_rule *r = &p->rules[i];
    CHECK(r->source < p->nsources && r->target < p->ntargets,
          "rule %u: source or target out of range", i);
    CHECK(is_str(p, r->name) && is_str(p, r->file), "rule %u: bad name", i);
    CHECK(r->lossy == HM_BC_NONE || r->lossy < p->nannots, "rule %u: bad annotation", i);
    if (verify_code(p, r, &r->body, "body", i, maxfields, err, errlen)) return -1;
    if (r->has_after && verify_code(p, r, &r->after, "after", i, maxfields, err, errlen)) return -1;
  }
  for (uint32_t i = 0; i < p->ngaps; i++) {
    const hm_gap *g = &p->gaps[i];
    CHECK(is_str(p, g->name) && is_str(p, g->dest) && is_str(p, g->file) && g->kind <= HG_INVENTORY,
          "gap %u: bad entry", i);
    CHECK(g->source == HM_BC_NONE || g->source < p->nsources, "gap %u: source out of range", i);
    CHECK(g->lossy == HM_BC_NONE || g->lossy < p->nannots, "gap %u: bad annotation", i);
  }
  for (uint32_t i = 0; i < p->norder; i++)
    CHECK(p->order[i] < p->nsources, "order %u: source out of range", i);
  return 0;
}

hm_program *hm_bc_load(const void *data, size_t len, char *err, size_t errlen) {
  const unsigned char *d = data;
  if (len < 4 || memcmp(d, HM_BC_MAGIC, 4) != 0) {
    snprintf(err, errlen, "not an hmap bytecode file (no HMBC magic)");
    return NULL;
  }
  if (len < 12 + 32 + 4) { snprintf(err, errlen, "truncated file"); return NULL; }
  uint32_t version =
      (uint32_t)d[4] | (uint32_t)d[5] << 8 | (uint32_t)d[6] << 16 | (uint32_t)d[7] << 24;
  if (version != HM_BC_VERSION) {
    snprintf(err, errlen,
             "bytecode version %u, this hmaprun reads version %u: rebuild the map with this hmapc",
             version, HM_BC_VERSION);
    return NULL;
  }
  uint32_t stored = (uint32_t)d[len - 4] | (uint32_t)d[len - 3] << 8 | (uint32_t)d[len - 2] << 16 |
                    (uint32_t)d[len - 1] << 24;
  if (hm_crc32(d, len - 4) != stored) {
    snprintf(err, errlen, "checksum mismatch: the file is corrupt or truncated");
    return NULL;
  }
  loaded *l = calloc(1, sizeof *l);
  if (!l) abort();
  hm_arena_init(&l->a, 64 * 1024);
  rd r = {d + 8, d + len - 4, &l->a, err, errlen, 0};
  read_program(&r, &l->p);
  if (!r.bad && r.p != r.end) fail(&r, "trailing bytes after the program");
  if (r.bad || verify(&l->p, err, errlen)) {
    hm_arena_free(&l->a);
    free(l);
    return NULL;
  }
  return &l->p;
}

hm_program *hm_bc_load_file(const char *path, char *err, size_t errlen) {
  hm_buf b; hm_buf_init(&b);
  int e = hm_buf_read_path(&b, path);
  hm_program *p = NULL;
  if (e) snprintf(err, errlen, "%s", strerror(e));
  else p = hm_bc_load(b.data ? b.data : "", b.len, err, errlen);
  hm_buf_free(&b);
  return p;
}

void hm_bc_free(hm_program *p) {
  if (!p) return;
  loaded *l = (loaded *)p;
  hm_arena_free(&l->a);
  free(l);
}

int hm_bc_check_calls(const hm_program *p, int nbuiltins, char *err, size_t errlen) {
  for (uint32_t i = 0; i < p->nrules; i++)
    for (int pass = 0; pass < 2; pass++) {
      const hm_code *c = pass ? &p->rules[i].after : &p->rules[i].body;
      if (pass && !p->rules[i].has_after) continue;
      for (uint32_t pc = 0; pc < c->ncode; pc++)
        if (HM_OP(c->code[pc]) == HOP_CALL)
          CHECK(HM_A16(c->code[pc]) < (uint32_t)nbuiltins,
                "rule %u pc %u: builtin %u unknown to this hmaprun", i, pc, HM_A16(c->code[pc]));
    }
  return 0;
}

/* ---------- disassembler ---------- */

static void d_const(hm_buf *o, const hm_program *p, uint32_t k) {
  if (k == HM_BC_NONE) { hm_buf_puts(o, "-"); return; }
  if (k >= p->nconsts) { hm_buf_printf(o, "#%u?", k); return; }
  const hm_const *c = &p->consts[k];
  if (c->kind == HK_STR) hm_buf_json_str(o, c->str, c->len);
  else hm_buf_printf(o, "%.17g", c->num);
}

static const char *d_str(const hm_program *p, uint32_t k) {
  return k < p->nconsts && p->consts[k].kind == HK_STR ? p->consts[k].str : "?";
}

static void d_code(hm_buf *o, const hm_program *p, const hm_rule *r, const hm_code *c,
                   const char *label) {
  hm_buf_printf(o, "  %s: %u instructions, %u slots\n", label, c->ncode, c->nslots);
  uint32_t li = 0;
  const hm_target *tgt = NULL;
  for (uint32_t pc = 0; pc < c->ncode; pc++) {
    while (li + 1 < c->nlines && c->lines[li + 1].pc <= pc) li++;
    uint32_t ins = c->code[pc];
    hm_opcode op = HM_OP(ins);
    const hm_opinfo *in = &hm_opinfo_table[op < HOP__COUNT ? op : 0];
    uint32_t a = HM_A(ins);
    hm_buf_printf(o, "    %4u  %-11s", pc, in->name);
    switch ((hm_operand_kind)in->operand) {
    case HOK_none: hm_buf_puts(o, "          "); break;
    case HOK_const: hm_buf_printf(o, " %-8u ; ", a); d_const(o, p, a); break;
    case HOK_field:
      if (op == HOP_LOADCOL)
        hm_buf_printf(o, " %-8u ; src.%s", a,
                      a < p->sources[r->source].nfields ? d_str(p, p->sources[r->source].fields[a])
                                                        : "?");
      else
        hm_buf_printf(o, " %-8u ; %s", a,
                      tgt && a < tgt->nfields ? d_str(p, tgt->fields[a].name) : "?");
      break;
    case HOK_setting:
      hm_buf_printf(o, " %-8u ; $%s", a, a < p->nsettings ? d_str(p, p->settings[a].name) : "?");
      break;
    case HOK_slot: hm_buf_printf(o, " %-8u", a); break;
    case HOK_call:
      hm_buf_printf(o, " %-4u %-3u ; builtin %u, %u args", HM_A16(ins), HM_B(ins), HM_A16(ins),
                    HM_B(ins));
      break;
    case HOK_jump: hm_buf_printf(o, " -> %-5u", a); break;
    case HOK_match: {
      hm_buf_printf(o, " %-8u ;", a);
      if (a < p->nmatches) {
        for (uint32_t j = 0; j < p->matches[a].narms; j++) {
          hm_buf_putc(o, ' ');
          d_const(o, p, p->matches[a].arms[j].konst);
          hm_buf_printf(o, "->%u", p->matches[a].arms[j].pc);
        }
        hm_buf_printf(o, " _->%u", p->matches[a].default_pc);
      }
      break;
    }
    case HOK_source:
      hm_buf_printf(o, " %-8u ; %s", a, a < p->nsources ? d_str(p, p->sources[a].name) : "?");
      break;
    case HOK_target:
      hm_buf_printf(o, " %-8u ; %s", a, a < p->ntargets ? d_str(p, p->targets[a].name) : "?");
      if (a < p->ntargets) tgt = &p->targets[a];
      break;
    case HOK_annot:
      hm_buf_printf(o, " %-8u ; ", a);
      if (a < p->nannots) d_const(o, p, p->annots[a].message);
      break;
    case HOK_annotopt:
      if (a == HM_OP_NOANNOT) { hm_buf_puts(o, " -        ; no flag"); break; }
      hm_buf_printf(o, " %-8u ; ", a);
      if (a < p->nannots) d_const(o, p, p->annots[a].message);
      break;
    case HOK_iter: hm_buf_printf(o, " -> %-4u slot %u", HM_A16(ins), HM_B(ins)); break;
    }
    if (li < c->nlines && c->lines[li].pc <= pc)
      hm_buf_printf(o, "    @%u:%u", c->lines[li].line, c->lines[li].col);
    hm_buf_putc(o, '\n');
  }
}

void hm_bc_disasm(const hm_program *p, hm_buf *o) {
  static const char *formats[] = {"csv", "ndjson", "json", "json_pages", "sqlite"};
  static const char *akinds[] = {"flag", "reject", "lossy", "skip"};
  static const char *sevs[] = {"info", "warn", "review"};
  hm_buf_printf(o, "hmap bytecode version %u\nmigration ", HM_BC_VERSION);
  d_const(o, p, p->title);
  hm_buf_puts(o, "\nhash ");
  for (int i = 0; i < 32; i++) hm_buf_printf(o, "%02x", p->hash[i]);
  hm_buf_printf(o, "\n\nconstants (%u)\n", p->nconsts);
  for (uint32_t i = 0; i < p->nconsts; i++) {
    hm_buf_printf(o, "  %4u  ", i);
    d_const(o, p, i);
    hm_buf_putc(o, '\n');
  }
  hm_buf_printf(o, "\nsettings (%u)\n", p->nsettings);
  for (uint32_t i = 0; i < p->nsettings; i++) {
    const hm_setting *s = &p->settings[i];
    hm_buf_printf(o, "  %u  $%s : type %u = ", i, d_str(p, s->name), s->type);
    if (s->type == HT_LIST) hm_buf_printf(o, "list of type %u [", s->elem);
    for (uint32_t j = 0; s->type == HT_LIST && j < s->nitems; j++) {
      if (j) hm_buf_puts(o, ", ");
      d_const(o, p, s->items[j]);
    }
    if (s->type == HT_LIST) hm_buf_putc(o, ']');
    else d_const(o, p, s->def);
    hm_buf_putc(o, '\n');
  }
  hm_buf_printf(o, "\nsources (%u)\n", p->nsources);
  for (uint32_t i = 0; i < p->nsources; i++) {
    const hm_source *s = &p->sources[i];
    hm_buf_printf(o, "  %u  %s : %s from %s ", i, d_str(p, s->name), d_str(p, s->type_name),
                  s->format <= HF_SQLITE ? formats[s->format] : "?");
    d_const(o, p, s->path);
    hm_buf_puts(o, " key ");
    d_const(o, p, s->key);
    if (s->flags & HM_SRC_DISTINCT) hm_buf_puts(o, " distinct");
    if (s->flags & HM_SRC_OPTIONAL) hm_buf_puts(o, " optional");
    if (s->flags & HM_SRC_DECLARED) hm_buf_puts(o, " declared");
    if (s->parent != HM_BC_NONE) {
      hm_buf_printf(o, " parent %s by ",
                    s->parent < p->nsources ? d_str(p, p->sources[s->parent].name) : "?");
      if (s->parent_by_path) hm_buf_puts(o, "path"); else d_const(o, p, s->parent_by);
    }
    if (s->records != HM_BC_NONE) { hm_buf_puts(o, " records "); d_const(o, p, s->records); }
    if (s->sep) hm_buf_printf(o, " sep %u", s->sep);
    if (s->files != HM_BC_NONE) { hm_buf_puts(o, " files "); d_const(o, p, s->files); }
    hm_buf_puts(o, "\n     fields:");
    for (uint32_t j = 0; j < s->nfields; j++) hm_buf_printf(o, " %u=%s", j, d_str(p, s->fields[j]));
    hm_buf_putc(o, '\n');
    if (s->nignores) hm_buf_puts(o, "     ignores:");
    for (uint32_t j = 0; j < s->nignores; j++) {
      uint32_t a = s->ignores[j];
      hm_buf_printf(o, " %s(annot %u)", a < p->nannots ? d_str(p, p->annots[a].field) : "?", a);
    }
    if (s->nignores) hm_buf_putc(o, '\n');
  }
  hm_buf_printf(o, "\ntargets (%u)\n", p->ntargets);
  for (uint32_t i = 0; i < p->ntargets; i++) {
    const hm_target *t = &p->targets[i];
    hm_buf_printf(o, "  %u  %s %s unique", i, d_str(p, t->name), d_str(p, t->path));
    for (uint32_t j = 0; j < t->nunique; j++) hm_buf_printf(o, " %s", d_str(p, t->unique[j]));
    hm_buf_putc(o, '\n');
    for (uint32_t j = 0; j < t->nfields; j++) {
      const hm_tfield *f = &t->fields[j];
      hm_buf_printf(o, "     %2u %s type=%u flags=%u max=%u min=%u", j, d_str(p, f->name), f->type,
                    f->flags, f->max, f->min);
      if (f->ref_target != HM_BC_NONE)
        hm_buf_printf(o, " ref=%s",
                      f->ref_target < p->ntargets ? d_str(p, p->targets[f->ref_target].name) : "?");
      hm_buf_putc(o, '\n');
    }
  }
  hm_buf_printf(o, "\nannotations (%u)\n", p->nannots);
  for (uint32_t i = 0; i < p->nannots; i++) {
    const hm_annot *a = &p->annots[i];
    hm_buf_printf(o, "  %u  %s", i, a->kind <= 3 ? akinds[a->kind] : "?");
    if (a->kind == HA_FLAG) hm_buf_printf(o, " %s", a->severity <= 2 ? sevs[a->severity] : "?");
    hm_buf_printf(o, " %s:%u:%u ", d_str(p, a->file), a->line, a->col);
    d_const(o, p, a->message);
    if (a->field != HM_BC_NONE) hm_buf_printf(o, " field %s", d_str(p, a->field));
    hm_buf_putc(o, '\n');
  }
  hm_buf_printf(o, "\ngaps (%u)\n", p->ngaps);
  for (uint32_t i = 0; i < p->ngaps; i++) {
    const hm_gap *g = &p->gaps[i];
    hm_buf_printf(o, "  %u  %s -> %s ", i, d_str(p, g->name),
                  g->kind == HG_EXPORT_CSV ? "export csv" : "inventory");
    d_const(o, p, g->dest);
    hm_buf_printf(o, " @%s:%u:%u\n", d_str(p, g->file), g->line, g->col);
  }
  hm_buf_puts(o, "\norder:");
  for (uint32_t i = 0; i < p->norder; i++)
    hm_buf_printf(o, " %s",
                  p->order[i] < p->nsources ? d_str(p, p->sources[p->order[i]].name) : "?");
  hm_buf_printf(o, "\n\nrules (%u)\n", p->nrules);
  for (uint32_t i = 0; i < p->nrules; i++) {
    const hm_rule *r = &p->rules[i];
    hm_buf_printf(o, "rule %u  %s  @%s:%u:%u\n", i, d_str(p, r->name), d_str(p, r->file), r->line,
                  r->col);
    d_code(o, p, r, &r->body, "body");
    if (r->has_after) d_code(o, p, r, &r->after, "after");
  }
}
