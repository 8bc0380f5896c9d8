/* profile_schema: the Gorgias profile (stdlib/gorgias/hm_gorgias.c) and the
 * schema module (stdlib/gorgias.hmap) say the same of each object kind —
 * every target with a path has its row with that collection, every row names
 * such a target, every field the schema marks create_only is in the row's
 * create_only — and the profile's lookups answer as the runtime relies on.
 * Usage: profile_schema stdlib/gorgias.hmap. Prints each failure; exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hm_gorgias.h"

static int fails;

static void fail(const char *what, const char *a, const char *b) {
  printf("FAIL: %s: %s %s\n", what, a ? a : "(null)", b ? b : "");
  fails++;
}

static bool listed(const char *const *list, const char *name) {
  for (size_t i = 0; list && list[i]; i++)
    if (!strcmp(list[i], name)) return true;
  return false;
}

/* `target NAME path "P" ...`: NAME and P into name/path; 1 when it is one. */
static int target_line(const char *line, char *name, size_t nn, char *path, size_t pn) {
  if (strncmp(line, "target ", 7)) return 0;
  const char *p = line + 7;
  size_t n = strcspn(p, " {");
  snprintf(name, nn, "%.*s", (int)n, p);
  const char *q = strstr(p, " path \"");
  path[0] = 0;
  if (q) {
    q += 7;
    snprintf(path, pn, "%.*s", (int)strcspn(q, "\""), q);
  }
  return 1;
}

static void check_schema(const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) { fail("cannot read", file, NULL); return; }
  char line[4096], name[128] = "", path[256] = "";
  bool seen[HM_GK_COUNT] = {0};
  const hm_gorgias_kind *row = NULL;
  while (fgets(line, sizeof line, f)) {
    if (target_line(line, name, sizeof name, path, sizeof path)) {
      row = path[0] ? hm_gorgias_named(name) : NULL;
      if (path[0] && !row) fail("schema target without a profile row", name, path);
      if (row && strcmp(row->collection, path))
        fail("profile collection differs from the schema", name, path);
      if (row) seen[row - HM_GORGIAS] = true;
      continue;
    }
    if (line[0] == '}') { row = NULL; continue; }
    char field[128];
    const char *mx = strstr(line, " max ");
    if (row == &HM_GORGIAS[HM_GK_TICKET] && sscanf(line, " %127[a-z_0-9]:", field) == 1 &&
        !strcmp(field, HM_GORGIAS_ROUTES.nested_list) &&
        (!mx || atoi(mx + 5) != HM_GORGIAS_TICKET_MESSAGES_MAX))
      fail("schema's ticket messages max differs from the profile", field, NULL);
    if (!row || !strstr(line, " create_only")) continue;
    if (sscanf(line, " %127[a-z_0-9]:", field) == 1 && !listed(row->create_only, field))
      fail("schema create_only field missing from the profile", row->name, field);
  }
  fclose(f);
  for (int k = 0; k < HM_GK_COUNT; k++)
    if (!seen[k]) fail("profile row without a schema target", HM_GORGIAS[k].name, NULL);
}

static void expect(bool ok, const char *what) {
  if (!ok) fail("lookup", what, NULL);
}

static void check_lookups(void) {
  expect(hm_gorgias_at("/api/tickets/12/messages") == &HM_GORGIAS[HM_GK_MESSAGE], "message path");
  expect(hm_gorgias_at("/api/tickets?external_id=x") == &HM_GORGIAS[HM_GK_TICKET], "query ignored");
  expect(hm_gorgias_at("/api/tickets//messages") == NULL, "empty hole");
  expect(hm_gorgias_at("/api/help-center/help-centers/7/articles") == &HM_GORGIAS[HM_GK_HC_ARTICLE],
         "help center path");
  expect(hm_gorgias_ticket_of_messages("/api/tickets/12/messages") == 12, "ticket of messages");
  expect(!hm_gorgias_ticket_of_messages("/api/tickets/{ref:t:1}/messages"), "unresolved ticket");
  expect(hm_gorgias_filter("/api/customers", "email") != NULL, "customer email filter");
  expect(!strcmp(hm_gorgias_filter("/api/tags", "name"), "search"), "tag name filter");
  expect(hm_gorgias_filter("/api/teams", "name") == NULL, "no team filter");
  char out[128];
  hm_gorgias_fill(out, sizeof out, HM_GORGIAS[HM_GK_MESSAGE].collection, "{ref:t:1}");
  expect(!strcmp(out, "/api/tickets/{ref:t:1}/messages"), "fill");
  hm_gorgias_child(out, sizeof out, "/api/tickets/5", HM_GK_MESSAGE);
  expect(!strcmp(out, "/api/tickets/5/messages"), "child");
  expect(hm_gorgias_paged("/api/help-center/help-centers/1/categories?locale=fr-FR"), "paged");
  expect(!hm_gorgias_paged("/api/tickets"), "cursor");
  expect(hm_gorgias_is_upload(NULL, "/api/upload"), "upload by path");
  expect(hm_gorgias_is_upload("Attachment", ""), "upload by kind");
  expect(!strcmp(hm_gorgias_mime("PNG", 3), "image/png"), "mime any case");
  expect(hm_gorgias_mime("pn", 2) == NULL, "mime prefix is not a match");
  for (int k = 0; k < HM_GK_COUNT; k++) {
    const hm_gorgias_kind *g = &HM_GORGIAS[k];
    if (hm_gorgias_kind_named(g->name) != (hm_gkind)k) fail("kind_named", g->name, NULL);
    if (g->del == HM_GDEL_BULK && !g->bulk_ids) fail("bulk delete without ids", g->name, NULL);
    if (g->del == HM_GDEL_JOB && (!g->job_type || !g->job_ids)) fail("job", g->name, NULL);
    if (g->del == HM_GDEL_DEACTIVATE && !g->stamp) fail("deactivation", g->name, NULL);
    for (int j = 0; j < k; j++)
      if (g->create_rank == HM_GORGIAS[j].create_rank)
        fail("two kinds share a rank", g->name, HM_GORGIAS[j].name);
  }
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: profile_schema gorgias.hmap\n"); return 2; }
  check_schema(argv[1]);
  check_lookups();
  if (!fails) printf("ok: profile and schema agree on %d kinds\n", HM_GK_COUNT);
  return fails ? 1 : 0;
}
