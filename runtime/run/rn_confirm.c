/* hm_confirm: the consent a destructive command needs before its first call.
 * --yes gives it; otherwise a person at a terminal is asked and must answer
 * "y" or "yes"; with no terminal to ask (cron, CI, a pipe) the command is
 * refused, so a script never deletes by accident. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "rn.h"

int hm_confirm_possible(int yes, char *why, size_t n) {
  if (yes || (isatty(0) && isatty(2))) return 0;
  snprintf(why, n, "standard input is not a terminal, so nobody can confirm; "
                   "run it again with --yes (or --dry-run to only see the list)");
  return 2;
}

int hm_confirm(const char *question, int yes, char *why, size_t n) {
  if (yes) return 0;
  if (hm_confirm_possible(yes, why, n)) return 2;
  fprintf(stderr, "%s [y/N] ", question);
  fflush(stderr);
  char line[64] = "";
  if (!fgets(line, sizeof line, stdin)) line[0] = 0;
  line[strcspn(line, "\r\n")] = 0;
  if (!strcasecmp(line, "y") || !strcasecmp(line, "yes")) return 0;
  snprintf(why, n, "not confirmed: nothing was deleted");
  return 1;
}
