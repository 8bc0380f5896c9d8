/* fuzz_csv: the CSV reader on arbitrary bytes; the first byte picks the
 * separator (',' ';' or tab), the rest is the file. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const char seps[] = {',', ';', '\t'};
  fuzz_write("in.csv", data + 1, size - 1);
  rt_prog t;
  rt_init(&t, HF_CSV, "in.csv", NULL, NULL, seps[data[0] % 3]);
  fuzz_drain(&t, 1);
  return 0;
}
