/* hm_edit: edit distance for suggestions (see hm_edit.h). One row of the
 * dynamic-programming table on the stack: O(len a * len b) time, no heap. */
#include "hm_edit.h"
#include <stdint.h>
#include <string.h>

static char fold(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

size_t hm_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > HM_EDIT_MAXLEN || lb > HM_EDIT_MAXLEN) return SIZE_MAX;
  size_t row[HM_EDIT_MAXLEN + 1];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (fold(a[i - 1]) != fold(b[j - 1]));
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}
