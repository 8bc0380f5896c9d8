/* fuzz_json: the JSON readers on arbitrary bytes; the first byte picks the
 * mode (NDJSON, a JSON array, a page envelope, an iTop REST reply with
 * records "objects.*"), the rest is the file. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  fuzz_write("in.json", data + 1, size - 1);
  rt_prog t;
  switch (data[0] % 4) {
  case 0: rt_init(&t, HF_NDJSON, "in.json", NULL, NULL, 0); break;
  case 1: rt_init(&t, HF_JSON, "in.json", NULL, NULL, 0); break;
  case 2: rt_init(&t, HF_JSON_PAGES, "in.json", NULL, NULL, 0); break;
  default: rt_init(&t, HF_JSON, "in.json", "objects.*", NULL, 0); break;
  }
  fuzz_drain(&t, 0);
  return 0;
}
