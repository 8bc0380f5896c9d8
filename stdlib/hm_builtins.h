/* hm_builtins: the one table of builtin functions. The checker reads names,
 * arities, argument and result types and the fallible bit from it; the VM calls
 * the same entries by index. Adding a builtin means adding one row here. */
#ifndef HM_BUILTINS_H
#define HM_BUILTINS_H
#include "hm_value.h"

typedef enum hm_severity { HM_SEV_INFO = 0, HM_SEV_WARN, HM_SEV_REVIEW } hm_severity;

/* What a builtin may tell the run besides its result: a flag (e.g. truncate cut
 * text, sanitize removed a script) lands in the report against the current record
 * and the map line of the call. The VM provides the callback. */
typedef struct hm_bctx {
  hm_arena *arena;                 /* per-record arena: results live here */
  void *user;
  void (*flag)(void *user, hm_severity sev, const char *msg);
  const char *error;               /* set by a failing builtin: why it failed */
  /* Optional per-run caches (compiled regexes, loaded time zones), owned by the
   * caller and created with hm_std_state_new. NULL is valid: the builtins then
   * compile and load on every call, which is correct but slower. */
  struct hm_std_state *std;
} hm_bctx;

/* Per-run state of the builtins. Not shared between threads: one per VM. */
typedef struct hm_std_state hm_std_state;
hm_std_state *hm_std_state_new(void);
void hm_std_state_free(hm_std_state *st);

/* Returns 0 and sets *out, or returns -1 with ctx->error set and *out = missing. */
typedef int (*hm_builtin_fn)(hm_bctx *ctx, int argc, const hm_value *argv, hm_value *out);

#define HM_BUILTIN_MAXARGS 4
typedef struct hm_builtin {
  const char *name;
  uint8_t min_args, max_args;
  uint8_t arg_types[HM_BUILTIN_MAXARGS];  /* hm_type; HT_ANY accepts anything */
  uint8_t ret_type;                        /* hm_type */
  uint8_t fallible;                        /* can fail at run time: must be handled with ?? */
  uint8_t may_miss;                        /* may return missing/null even when every argument
                                              is present (first of [], last_name of one word) */
  hm_builtin_fn fn;
  const char *doc;                         /* one line: signature and meaning */
} hm_builtin;

extern const hm_builtin hm_builtins[];
extern const int hm_builtin_count;

/* Index of a builtin by name, -1 if none. */
int hm_builtin_find(const char *name);

/* Compile-time checks of constant arguments, so a map with a bad regex or date
 * format is refused by hmapc instead of failing on every record. Both return 0
 * when fine, or -1 and write a reason into err. */
int hm_regex_check(const char *re, char *err, size_t errlen);
int hm_date_format_check(const char *fmt, char *err, size_t errlen);
/* Whether date() can use tz as its zone argument: an IANA zone whose TZif file
 * loads, "UTC", a fixed offset, or "" (no zone). hmaprun checks the --set value
 * of a setting the map passes as a zone with it, so a typo stops the run before
 * anything is planned instead of failing every date. */
int hm_date_zone_check(const char *tz, char *err, size_t errlen);

#endif
