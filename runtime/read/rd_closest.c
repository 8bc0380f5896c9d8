/* rd_closest: hm_closest_name, the header column closest to a name the map declares (for
 * "did you mean"), by case-insensitive edit distance. Bounded work: names over
 * 64 bytes are compared only for exact case-insensitive equality, only the
 * first CLOSEST_MAXNAMES columns are looked at, and a suggestion further than
 * a third of the name's length is no suggestion. */
#include "rd.h"
#include "hm_edit.h"
#include <string.h>

#define CLOSEST_MAXNAMES 4096

const char *hm_closest_name(const char *name, const char *const *names, size_t n) {
  size_t len = strlen(name), limit = len / 3 + 1, best = (size_t)-1;
  const char *pick = NULL;
  for (size_t i = 0; i < n && i < CLOSEST_MAXNAMES; i++) {
    if (!*names[i]) continue;
    if (len > HM_EDIT_MAXLEN || strlen(names[i]) > HM_EDIT_MAXLEN) {
      if (strcasecmp(name, names[i]) == 0) return names[i];
      continue;
    }
    size_t d = hm_edit_distance(name, names[i]);
    if (d < best) { best = d; pick = names[i]; }
  }
  return best <= limit ? pick : NULL;
}
