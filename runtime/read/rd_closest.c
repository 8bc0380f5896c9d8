/* hm_closest_name: the header column closest to a name the map declares (for
 * "did you mean"), by case-insensitive edit distance. Bounded work: names over
 * 64 bytes are compared only for exact case-insensitive equality, only the
 * first CLOSEST_MAXNAMES columns are looked at, and a suggestion further than
 * a third of the name's length is no suggestion. */
#include "rd.h"
#include <ctype.h>
#include <string.h>

#define CLOSEST_MAXLEN 64
#define CLOSEST_MAXNAMES 4096

static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  size_t row[CLOSEST_MAXLEN + 1];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      size_t best = diag + cost;
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *hm_closest_name(const char *name, const char *const *names, size_t n) {
  size_t len = strlen(name), limit = len / 3 + 1, best = (size_t)-1;
  const char *pick = NULL;
  for (size_t i = 0; i < n && i < CLOSEST_MAXNAMES; i++) {
    if (!*names[i]) continue;
    if (len > CLOSEST_MAXLEN || strlen(names[i]) > CLOSEST_MAXLEN) {
      if (strcasecmp(name, names[i]) == 0) return names[i];
      continue;
    }
    size_t d = edit_distance(name, names[i]);
    if (d < best) { best = d; pick = names[i]; }
  }
  return best <= limit ? pick : NULL;
}
