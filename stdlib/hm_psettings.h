/* hm_psettings: the one table of planner settings — settings the planner
 * itself reads, so `--set NAME=VALUE` gives them whether or not the map
 * declares them. The checker reads it (a declared one is used, and must have
 * the kind below), the planner reads it (values, defaults, the --set names it
 * accepts), and `hmaprun plan --help` prints it; docs/plan.md has the same
 * table (tests/plan/psettings_doc.sh keeps them in step). Adding a planner
 * setting means adding one row here and giving the planner its use. */
#ifndef HM_PSETTINGS_H
#define HM_PSETTINGS_H
#include <stdlib.h>
#include <string.h>
#include "hm_gorgias.h"

typedef enum hm_pset_kind {
  HM_PSET_TEXT,    /* a string */
  HM_PSET_ID,      /* a string or a number, used as text (an id in an API path) */
  HM_PSET_COUNT    /* a positive whole number */
} hm_pset_kind;

/* X(ID, "name", kind, "default" or NULL, "meaning") */
#define HM_PSETTINGS(X)                                                                            \
  X(HELP_CENTER_ID, "help_center_id", HM_PSET_ID, NULL,                                            \
    "fills {help_center_id} in Help Center paths (no public API lists it, gorgias-api.md 5.15)")   \
  X(KNOWN_AGENTS, "known_agents", HM_PSET_TEXT, NULL,                                              \
    "comma-separated e-mails of the account's agents: agent(e) of another e-mail is a miss")       \
  X(MAX_UPLOAD_BYTES, "max_upload_bytes", HM_PSET_COUNT, HM_GORGIAS_UPLOAD_LIMIT_DEFAULT,          \
    "a bigger file is planned with a warn flag: the run will not upload it (run "                  \
    "--max-upload-bytes)")                                                                       \
  X(ANONYMOUS_SENDER, "anonymous_sender", HM_PSET_TEXT, "refuse",                                  \
    "refuse|accept (hmaprun probe settles it): refuse gives a message sender with neither id nor " \
    "e-mail the ticket's customer (incoming) or fallback_agent (agent), flagged")                  \
  X(FALLBACK_AGENT, "fallback_agent", HM_PSET_TEXT, NULL,                                          \
    "e-mail of the user an agent message is sent as when its sender has neither id nor e-mail")    \
  X(REFUSED_FIELDS, "refused_fields", HM_PSET_TEXT, NULL,                                          \
    "comma-separated Target.field the account does not keep (hmaprun probe settles it): left "     \
    "out, a ticket's value moved into an internal note, flagged")

typedef enum hm_pset_id {
#define HM_PSET_ENUM(id, name, kind, def, meaning) HM_PSET_##id,
  HM_PSETTINGS(HM_PSET_ENUM)
#undef HM_PSET_ENUM
  HM_PSET__COUNT
} hm_pset_id;

typedef struct hm_pset {
  const char *name;
  hm_pset_kind kind;
  const char *def;        /* NULL: no value unless the map or --set gives one */
  const char *meaning;
} hm_pset;

static inline const hm_pset *hm_pset_get(hm_pset_id id) {
  static const hm_pset table[] = {
#define HM_PSET_ROW(id, name, kind, def, meaning) {name, kind, def, meaning},
    HM_PSETTINGS(HM_PSET_ROW)
#undef HM_PSET_ROW
  };
  return &table[id];
}

/* The planner setting named by the first n bytes of name, or -1. */
static inline int hm_pset_find(const char *name, size_t n) {
  for (int i = 0; i < HM_PSET__COUNT; i++) {
    const char *s = hm_pset_get((hm_pset_id)i)->name;
    if (strlen(s) == n && !memcmp(s, name, n)) return i;
  }
  return -1;
}

static inline const char *hm_pset_kind_name(hm_pset_kind k) {
  return k == HM_PSET_COUNT ? "positive whole number"
         : k == HM_PSET_ID  ? "string or number"
                            : "string";
}

/* A HM_PSET_COUNT value written as text (a --set, a default), or 0. */
static inline int hm_pset_count_text(const char *text, long long *out) {
  char *end;
  long long n = strtoll(text, &end, 10);
  if (!*text || *end || n <= 0) return 0;
  *out = n;
  return 1;
}

/* Whether a value — a string, or a number d — is of kind k. */
static inline int hm_pset_fits(hm_pset_kind k, int is_str, int is_num, double d) {
  if (k == HM_PSET_TEXT) return is_str;
  if (k == HM_PSET_ID) return is_str || is_num;
  return is_num && d >= 1 && d < 9e18 && d == (double)(long long)d;
}

#endif
