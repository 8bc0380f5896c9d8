/* hm_bytecode: THE definition of the .hbc format, shared by hmapc (writer) and
 * hmaprun (loader). Nothing else of the compiler or runtime is shared.
 *
 * A program is a set of tables (constants, settings, sources, targets, rules,
 * annotations, match tables, gaps) plus one code array per rule with its line
 * table. All cross references are indexes, checked by hm_bc_load before any
 * instruction runs, so the VM can trust them.
 *
 * File layout (all integers little-endian u32 unless said otherwise):
 *   "HMBC" magic, version, then the sections in the order of hm_program's
 *   fields, then a CRC-32 of everything before it. Strings are stored once in the
 *   constant pool and referred to by index everywhere else. Identical input gives
 *   identical bytes: no timestamps, no pointers, no hash-order iteration. */
#ifndef HM_BYTECODE_H
#define HM_BYTECODE_H
#include <stddef.h>
#include <stdint.h>
#include "hm_buf.h"

#define HM_BC_MAGIC "HMBC"
/* 2: sources carry a flags word (HM_SRC_*). 3: sources list their `ignore`
   annotations. 4: AGENTOR (an agent with its ordered fallback). 5: list settings (a
   setting's item type and items) and IN. An older file
   is refused with "rebuild the map": the loader reads one layout only. */
#define HM_BC_VERSION 5u
#define HM_BC_NONE 0xFFFFFFFFu   /* "no index" in any optional index field */

typedef enum hm_opcode {
#define OP(name, operand, pops, pushes, doc) HOP_##name,
#include "hm_opcodes.def"
#undef OP
  HOP__COUNT
} hm_opcode;

typedef enum hm_operand_kind {
  HOK_none, HOK_const, HOK_field, HOK_setting, HOK_slot, HOK_call, HOK_jump,
  HOK_match, HOK_source, HOK_target, HOK_annot, HOK_iter,
  HOK_annotopt   /* an annotation or HM_OP_NOANNOT: none */
} hm_operand_kind;

typedef struct hm_opinfo {
  const char *name;
  uint8_t operand;
  int8_t pops, pushes;
  const char *doc;
} hm_opinfo;
extern const hm_opinfo hm_opinfo_table[HOP__COUNT];

/* Instruction encoding. */
#define HM_INS(op, a) ((uint32_t)(op) | ((uint32_t)(a) << 8))
#define HM_INS_AB(op, a, b) ((uint32_t)(op) | ((uint32_t)(a) << 8) | ((uint32_t)(b) << 24))
#define HM_OP(i) ((hm_opcode)((i) & 0xFF))
#define HM_A(i) ((i) >> 8)             /* 24-bit operand */
#define HM_OP_NOANNOT 0xFFFFFFu        /* an annotopt operand naming no annotation */
#define HM_A16(i) (((i) >> 8) & 0xFFFF)  /* for A:16 B:8 forms (CALL, NEXT) */
#define HM_B(i) ((i) >> 24)

typedef enum hm_const_kind { HK_STR = 0, HK_NUM = 1 } hm_const_kind;
typedef struct hm_const { uint32_t kind; uint32_t len; const char *str; double num; } hm_const;

/* HF_SQLITE: path is the database file, records the table. */
typedef enum hm_format { HF_CSV = 0, HF_NDJSON, HF_JSON, HF_JSON_PAGES, HF_SQLITE } hm_format;

/* A setting: name and default (a constant index; type from hm_type). A list setting
   (type HT_LIST, def NONE) has its items' type in elem and its default items as
   constants, which a `--set NAME=a,b` replaces. */
typedef struct hm_setting {
  uint32_t name, type, def;
  uint32_t elem;            /* HT_LIST: hm_type of the items (HT_STR, HT_NUM, HT_BOOL) */
  uint32_t nitems; uint32_t *items;
} hm_setting;

/* A source: where records come from and how they are keyed and joined. Field
 * slots are the source fields the code reads (LOADCOL a = fields[a]); the
 * runtime binds each slot to a column index once per file header. */
typedef struct hm_source {
  uint32_t name, type_name, format, path;   /* path: constant; may contain one '*' */
  uint32_t key;            /* field name constant or NONE */
  uint32_t parent;         /* source index or NONE */
  uint32_t parent_by;      /* field name constant, or NONE with parent_by_path=1 */
  uint32_t parent_by_path;
  uint32_t records;        /* JSON records path constant or NONE */
  uint32_t sep;            /* CSV separator byte (0 = ',') */
  uint32_t files;          /* attachment folder constant or NONE */
  uint32_t flags;          /* HM_SRC_* */
  uint32_t nfields;
  uint32_t *fields;        /* constant indexes of field names */
  uint32_t nignores;       /* columns the map leaves out on purpose: */
  uint32_t *ignores;       /* HA_IGNORE annotation indexes (field = the column) */
} hm_source;
/* A repeated key is an expected repeat, not a rejection: only the first record
   with a key is migrated. Only on a keyed source without a parent. */
#define HM_SRC_DISTINCT 1u
/* The map declares the source's fields itself (an inline block): a CSV header
   without a column the map reads is a typo, refused before anything is
   planned. Without it (a stdlib schema) an export may leave a column out:
   that is a report line, not an error. */
#define HM_SRC_DECLARED 2u
/* The export may lack the source's file (or the folder of its '*'): the plan
   reads it as no records and says so in the report, instead of stopping. */
#define HM_SRC_OPTIONAL 4u
#define HM_SRC__ALL (HM_SRC_DISTINCT | HM_SRC_DECLARED | HM_SRC_OPTIONAL)

/* A target field as the runtime needs it (from stdlib/gorgias.hmap). */
typedef struct hm_tfield {
  uint32_t name, type;     /* type: hm_type */
  uint32_t ref_target;     /* target index for `ref X` / `list of X`, or NONE */
  uint32_t flags;          /* HM_TF_* */
  uint32_t max;            /* max length/items, 0 = none */
  uint32_t min;
} hm_tfield;
#define HM_TF_REQUIRED 1u
#define HM_TF_CREATE_ONLY 2u
#define HM_TF_READONLY 4u
#define HM_TF_ENUM 8u

typedef struct hm_target {
  uint32_t name, path;     /* API create path constant */
  uint32_t nunique; uint32_t *unique;     /* field name constants to find existing objects */
  uint32_t nfields; hm_tfield *fields;
} hm_target;

/* Annotation: a flag, rejection, loss or gap message with the map location that
 * raised it, so every report row names file:line:col. */
/* HA_IGNORE: `ignore COLUMN "why"` (field = the column, rule = NONE); no
   instruction raises it, the planner counts the records with a value there. */
typedef enum hm_annot_kind { HA_FLAG = 0, HA_REJECT, HA_LOSSY, HA_SKIP, HA_IGNORE } hm_annot_kind;
typedef struct hm_annot {
  uint32_t kind, severity;  /* severity: hm_severity for flags */
  uint32_t message;         /* constant */
  uint32_t rule;            /* rule index or NONE */
  uint32_t field;           /* target field name constant or NONE */
  uint32_t file, line, col; /* file: constant (map path as given to hmapc) */
} hm_annot;

typedef struct hm_match_arm { uint32_t konst, pc; } hm_match_arm;
typedef struct hm_match { uint32_t narms; hm_match_arm *arms; uint32_t default_pc; } hm_match;

/* pc -> map location, one entry per change of location (sorted by pc). */
typedef struct hm_line { uint32_t pc, line, col; } hm_line;

typedef struct hm_code {
  uint32_t ncode; uint32_t *code;
  uint32_t nlines; hm_line *lines;
  uint32_t nslots;          /* local slots the code uses: at most ncode, each is written */
} hm_code;

typedef struct hm_rule {
  uint32_t source, target;  /* source index, target index */
  uint32_t name;            /* "Source -> Target" constant */
  uint32_t lossy;           /* annotation index or NONE */
  uint32_t file, line, col;
  hm_code body;             /* guard is compiled at the start of body (JMPF to RET) */
  uint32_t has_after;
  hm_code after;            /* second pass: builds an update of the created object */
} hm_rule;

typedef enum hm_gap_kind { HG_EXPORT_CSV = 0, HG_INVENTORY } hm_gap_kind;
typedef struct hm_gap {
  uint32_t name, kind;
  uint32_t source;          /* source index or NONE */
  uint32_t dest;            /* file name or inventory text constant */
  uint32_t lossy;           /* annotation index or NONE */
  uint32_t file, line, col;
} hm_gap;

typedef struct hm_program {
  uint32_t title;           /* migration title constant */
  uint32_t nconsts; hm_const *consts;
  uint32_t nsettings; hm_setting *settings;
  uint32_t nsources; hm_source *sources;
  uint32_t ntargets; hm_target *targets;
  uint32_t nannots; hm_annot *annots;
  uint32_t nmatches; hm_match *matches;
  uint32_t nrules; hm_rule *rules;
  uint32_t ngaps; hm_gap *gaps;
  uint32_t norder; uint32_t *order;   /* source indexes in dependency order (lookups first) */
  uint8_t hash[32];         /* hex-free digest of the image (for state rows) */
} hm_program;

/* Serialise p (deterministically) into out. */
void hm_bc_write(const hm_program *p, hm_buf *out);
/* Load and verify an image: magic, version, checksum, every index and operand in
 * bounds, every jump inside its code. Stack depth is not verified here: the VM
 * checks underflow and grows its stack as it runs. On failure returns
 * NULL and writes a one-line reason into err. The program owns all its memory;
 * release it with hm_bc_free. */
hm_program *hm_bc_load(const void *data, size_t len, char *err, size_t errlen);
void hm_bc_free(hm_program *p);
/* hm_bc_load of a whole file; err also covers an unreadable file. */
hm_program *hm_bc_load_file(const char *path, char *err, size_t errlen);
/* CALL operands name builtins by index; only the runtime knows its table. */
int hm_bc_check_calls(const hm_program *p, int nbuiltins, char *err, size_t errlen);
/* Human-readable dump of every table and instruction (hmapc disasm). */
void hm_bc_disasm(const hm_program *p, hm_buf *out);
uint32_t hm_crc32(const void *data, size_t len);

#endif
