/* fuzz_hbc: libFuzzer harness for the bytecode loader/verifier — arbitrary bytes
 * (with a valid checksum appended half of the time, so the fuzzer gets past the
 * CRC into the table readers) must be refused cleanly or load and disassemble. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hm_bytecode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  hm_program *p = hm_bc_load(data, size, err, sizeof err);
  if (p) { hm_buf d; hm_buf_init(&d); hm_bc_disasm(p, &d); hm_buf_free(&d); hm_bc_free(p); }
  if (size >= 8) {
    uint8_t *copy = malloc(size + 4);
    memcpy(copy, data, size);
    memcpy(copy, "HMBC\001\000\000\000", 8);
    uint32_t crc = hm_crc32(copy, size);
    for (int i = 0; i < 4; i++) copy[size + (size_t)i] = (uint8_t)(crc >> (8 * i));
    p = hm_bc_load(copy, size + 4, err, sizeof err);
    if (p) { hm_buf d; hm_buf_init(&d); hm_bc_disasm(p, &d); hm_buf_free(&d); hm_bc_free(p); }
    free(copy);
  }
  return 0;
}
