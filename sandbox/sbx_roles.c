/* sbx_roles: what a key's role may write. A Gorgias key carries its user's role
 * (gorgias-api.md §1.2: "an observer-agent key can only do what an observer agent
 * can"), and a role that may not do a call gets 403 on that endpoint only (§4.1
 * from the errors page; gorgias-fidelity.md §1.3). The exact matrix per role is
 * not public: the table below is the sandbox's documented reading (docs/sandbox.md
 * "Roles"): reads are open to every role, admin writes everything, the other
 * roles lose the account-configuration kinds first. */
#include "sbx.h"
#include <string.h>

/* The object kinds of the write matrix: the first path segment after /api/. */
typedef enum { K_PEOPLE_USERS, K_TEAMS, K_CONFIG, K_HELP_CENTER, K_TAGS, K_TICKETS,
               K_CUSTOMERS, K_OTHER, K_COUNT } kind;

static const struct { const char *segment; kind k; } SEGMENTS[] = {
  {"users", K_PEOPLE_USERS}, {"teams", K_TEAMS}, {"rules", K_CONFIG},
  {"custom-fields", K_CONFIG},
  {"account", K_CONFIG}, {"help-center", K_HELP_CENTER}, {"tags", K_TAGS},
  {"tickets", K_TICKETS}, {"messages", K_TICKETS}, {"upload", K_TICKETS},
  {"jobs", K_TICKETS}, {"satisfaction-surveys", K_TICKETS}, {"customers", K_CUSTOMERS},
  {NULL, K_OTHER},
};

/* One row per role (gorgias-api.md §5.4 lists the role names): may it write each kind? */
static const struct { const char *role; unsigned char w[K_COUNT]; } MATRIX[] = {
  /*                       users teams config hc tags tickets customers other */
  {"admin",              {1,    1,    1,     1,  1,   1,      1,        1}},
  {"agent",              {0,    0,    0,     1,  1,   1,      1,        1}},
  {"basic-agent",        {0,    0,    0,     0,  1,   1,      1,        1}},
  {"internal-agent",     {0,    0,    0,     0,  1,   1,      1,        1}},
  {"bot",                {0,    0,    0,     0,  1,   1,      1,        1}},
  {"lite-agent",         {0,    0,    0,     0,  0,   1,      0,        1}},
  {"observer-agent",     {0,    0,    0,     0,  0,   0,      0,        0}},
};

int hm_sbx_role_known(const char *role) {
  for (size_t i = 0; i < sizeof MATRIX / sizeof *MATRIX; i++)
    if (strcmp(MATRIX[i].role, role) == 0) return 1;
  return 0;
}

static kind kind_of(const char *path) {
  if (strncmp(path, "/api/", 5) != 0) return K_OTHER;
  const char *seg = path + 5;
  size_t n = strcspn(seg, "/?");
  for (int i = 0; SEGMENTS[i].segment; i++)
    if (strlen(SEGMENTS[i].segment) == n && strncmp(SEGMENTS[i].segment, seg, n) == 0)
      return SEGMENTS[i].k;
  return K_OTHER;
}

int hm_sbx_role_may(const char *role, const char *method, const char *path) {
  if (!role || !*role || strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) return 1;
  /* the token exchange is how every role reads the Help Center */
  if (strcmp(path, "/api/help-center/auth") == 0) return 1;
  kind k = kind_of(path);
  for (size_t i = 0; i < sizeof MATRIX / sizeof *MATRIX; i++)
    if (strcmp(MATRIX[i].role, role) == 0) return MATRIX[i].w[k];
  return 1;
}
