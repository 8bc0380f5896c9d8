/* fuzz_hbc: libFuzzer harness for the bytecode loader/verifier — arbitrary bytes
 * (with the magic, the current version and a valid checksum patched in half of
 * the time, so the fuzzer gets past them into the table readers) must be
 * refused cleanly, or load, disassemble and set up a VM. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hm_builtins.h"
#include "hm_bytecode.h"
#include "hm_vm.h"

/* A loaded program is disassembled and given to the VM's set-up, which
   allocates from its counts (slots, constants, target fields). */
static void exercise(hm_program *p) {
  hm_buf d; hm_buf_init(&d); hm_bc_disasm(p, &d); hm_buf_free(&d);
  char err[256];
  if (!hm_bc_check_calls(p, hm_builtin_count, err, sizeof err)) {
    hm_vm_host host;
    memset(&host, 0, sizeof host);
    hm_vm_free(hm_vm_new(p, &host, hm_builtins, hm_builtin_count));
  }
  hm_bc_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  hm_program *p = hm_bc_load(data, size, err, sizeof err);
  if (p) exercise(p);
  if (size >= 8) {
    uint8_t *copy = malloc(size + 4);
    memcpy(copy, data, size);
    memcpy(copy, "HMBC", 4);   /* the current version, so the tables are read */
    for (int i = 0; i < 4; i++) copy[4 + i] = (uint8_t)(HM_BC_VERSION >> (8 * i));
    uint32_t crc = hm_crc32(copy, size);
    for (int i = 0; i < 4; i++) copy[size + (size_t)i] = (uint8_t)(crc >> (8 * i));
    p = hm_bc_load(copy, size + 4, err, sizeof err);
    if (p) exercise(p);
    free(copy);
  }
  return 0;
}
