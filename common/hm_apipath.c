/* hm_apipath: the check of a planned API path (hm_apipath.h). It owns the one
 * list of what a path may contain; the planner and the run both call it. */
#include "hm_apipath.h"
#include <ctype.h>
#include <string.h>

enum { MAX_PATH_LEN = 2048 };

static int plain(unsigned char c) {
  return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
}

/* Why character c cannot stand in a path. */
static const char *char_problem(unsigned char c) {
  if (c == '@') return "the path contains '@' (a user name or another host)";
  if (c == '\\') return "the path contains '\\'";
  if (c == '?') return "the path has a query string (planned calls have none)";
  if (c == '#') return "the path contains '#'";
  if (c == '%') return "the path contains '%' (percent-encoding)";
  if (c == ':') return "the path contains ':' outside a {ref:...}";
  if (c < 0x20 || c == 0x7f) return "the path contains a control character";
  if (c == ' ' || c == '\t') return "the path contains whitespace";
  if (c >= 0x80) return "the path contains a non-ASCII byte";
  return "the path contains a character an API path never has";
}

/* "{ref:R}" at p: its length, or 0 when it is not a well-formed placeholder. */
static size_t ref_len(const char *p) {
  if (strncmp(p, "{ref:", 5)) return 0;
  size_t n = strcspn(p + 5, "{}#");
  if (!n || p[5 + n] != '}') return 0;
  for (size_t i = 5; i < 5 + n; i++)
    if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) return 0;
  return n + 6;
}

static const char *segment_problem(const char *seg, size_t n) {
  if (!n) return "the path has an empty segment (\"//\")";
  if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
    return "the path has a \".\" or \"..\" segment";
  return NULL;
}

const char *hm_apipath_problem(const char *path) {
  if (!path) return "the path is missing";
  if (strncmp(path, "/api/", 5)) return "the path does not start with /api/";
  if (strlen(path) > MAX_PATH_LEN) return "the path is too long";
  const char *seg = path + 1;
  for (const char *p = path + 1;; p++) {
    if (*p == '/' || !*p) {
      const char *why = segment_problem(seg, (size_t)(p - seg));
      if (why) return why;
      if (!*p) return NULL;
      seg = p + 1;
    } else if (*p == '{') {
      size_t n = ref_len(p);
      if (!n) return "the path has a '{' that is not a {ref:NAME} placeholder";
      p += n - 1;
    } else if (!plain((unsigned char)*p)) {
      return char_problem((unsigned char)*p);
    }
  }
}
