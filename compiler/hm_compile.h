/* hm_compile: one compilation of a map — the compile arena, the parsed files
 * (the map and the stdlib modules it uses), the diagnostics, and the checked
 * symbol tables that codegen turns into bytecode. */
#ifndef HM_COMPILE_H
#define HM_COMPILE_H
#include "hm_ast.h"
#include "hm_diag.h"
#include "hm_names.h"
#include "hm_bytecode.h"

/* The deepest syntax tree a unit may have (E0106). The checker and codegen
   walk expressions recursively, so this bounds their stack use; the parser
   refuses deeper trees before either pass sees them. */
#define HM_MAX_DEPTH 256

typedef struct hm_unit {
  uint32_t file;
  hm_node *items;
  const char *module;          /* module name, NULL for a map */
  int too_deep;                /* E0106 reported: no pass may walk it */
} hm_unit;

/* Checked view of the map, filled by hm_check, read by codegen. */
typedef struct hm_srcinfo {
  hm_node *decl;               /* N_SOURCE */
  const char *name;
  hm_node *object;             /* N_OBJECT of its type, or NULL */
  hm_node *fields;             /* field declarations (object's or inline) */
  int has_fields; /* fields declared (an inline block, even empty): others are errors */
  int parent;                  /* source index or -1 */
  hm_node *parent_by;          /* N_NAME or NULL (by path) */
  hm_node *distinct;           /* the `distinct` option, or NULL */
  hm_node *optional;           /* the `optional` option, or NULL */
  const char *key, *records, *files;
  int format, sep;
  int has_rule, used, looked_up;
  const char **slots; uint32_t nslots, capslots;   /* fields read with src.F (LOADCOL) */
  hm_node **fieldv;            /* the field declarations by index, and by name: */
  hm_names fieldnames;         /* name -> index into fieldv (the first of a name) */
  hm_names slotnames;          /* name -> index into slots */
  /* `ignore COLUMN "why"` (N_SRCOPT), the source's and its rules' */
  hm_node **ignores; uint32_t nignores, capignores;
} hm_srcinfo;

typedef struct hm_ruleinfo {
  hm_node *decl;               /* N_RULE */
  int source;
  hm_node *target;             /* N_TARGET */
  int target_index;            /* index into hm_checked.targets */
  uint32_t nslots, nslots_after;
} hm_ruleinfo;

/* elem: a list setting's item type (HT_STR when it has none) */
typedef struct hm_setinfo { hm_node *decl; int type; int used; int elem; } hm_setinfo;

typedef struct hm_checked {
  hm_node *migration;
  hm_srcinfo *sources; uint32_t nsources;
  hm_ruleinfo *rules; uint32_t nrules;
  hm_setinfo *settings; uint32_t nsettings;
  hm_node **gaps; uint32_t ngaps;
  hm_node **targets;
  uint32_t ntargets, captargets; /* N_TARGETs the program uses (closure over refs) */
  uint32_t *order; uint32_t norder;                   /* source indexes, dependencies first */
} hm_checked;

typedef struct hm_compiler {
  hm_arena arena;
  hm_diags diags;
  const char *stdlib_dir;       /* NULL: embedded modules */
  hm_unit *units; uint32_t nunits, capunits;
  hm_checked chk;
} hm_compiler;

void hm_compiler_init(hm_compiler *c, const char *stdlib_dir);
void hm_compiler_free(hm_compiler *c);
/* Reads and parses a file; -1 when unreadable (E0103 recorded). */
int hm_compiler_load_file(hm_compiler *c, const char *path);
int hm_compiler_parse_text(hm_compiler *c, const char *path, const char *text, size_t len);
/* Loads (once) and parses stdlib module `name`; -1 if unknown (caller reports). */
int hm_compiler_module(hm_compiler *c, const char *name);

/* Schema lookups over declaration nodes. */
hm_node *hm_schema_target(hm_compiler *c, const char *name); /* N_TARGET in any loaded module */
hm_node *hm_schema_object(hm_compiler *c, const char *name, const char **module);
hm_node *hm_schema_field(hm_node *fields, const char *name);              /* N_FIELDDECL */
int hm_field_has(const hm_node *field, hm_fopt opt);
const hm_node *hm_field_opt(const hm_node *field, hm_fopt opt);
int hm_field_required(const hm_node *field); /* required and no default */
/* The value type (hm_type) a declared type holds; datetime is HT_DATE (ISO text). */
int hm_decl_type(const hm_node *type);
/* `hmapc schema`: the module's targets/objects as JSON (the sandbox embeds it). */
void hm_schema_json(hm_compiler *c, int unit, hm_buf *out);

/* Passes. Both return the number of errors added. */
int hm_check(hm_compiler *c, int unit);
int hm_codegen(hm_compiler *c, int unit, hm_program *out);

#endif
