/* replay_main: runs a libFuzzer harness over files given on the command line,
 * for builds without libFuzzer (gcc), so the harnesses run in every test pass. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "hm_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    hm_buf b; hm_buf_init(&b);
    if (hm_buf_read_path(&b, argv[i])) { perror(argv[i]); return 2; }
    LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
    hm_buf_free(&b);
  }
  printf("replayed %d inputs\n", argc - 1);
  return 0;
}
