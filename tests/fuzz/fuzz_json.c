/* fuzz_json: the JSON readers on arbitrary bytes; the first byte (mod 8) picks
 * the mode, the rest is the file:
 *   0 NDJSON   1 JSON array   2 Atera page envelope   3 iTop REST, records "objects.*"
 *   4 records ""  (the document is the one record)    5 records "data.tickets.*"
 *   6 records "*.item"  (a member of each element)     7 pages with records "a.*.b.*" */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  fuzz_write("in.json", data + 1, size - 1);
  rt_prog t;
  switch (data[0] % 8) {
  case 0: rt_init(&t, HF_NDJSON, "in.json", NULL, NULL, 0); break;
  case 1: rt_init(&t, HF_JSON, "in.json", NULL, NULL, 0); break;
  case 2: rt_init(&t, HF_JSON_PAGES, "in.json", NULL, NULL, 0); break;
  case 3: rt_init(&t, HF_JSON, "in.json", "objects.*", NULL, 0); break;
  case 4: rt_init(&t, HF_JSON, "in.json", "", NULL, 0); break;
  case 5: rt_init(&t, HF_JSON, "in.json", "data.tickets.*", NULL, 0); break;
  case 6: rt_init(&t, HF_JSON, "in.json", "*.item", NULL, 0); break;
  default: rt_init(&t, HF_JSON_PAGES, "in.json", "a.*.b.*", NULL, 0); break;
  }
  fuzz_drain(&t, 0);
  return 0;
}
