/* hmap-runclient: the run/verify/rollback/status sub-commands of hmaprun without
 * the compiler side, so the Gorgias client can be exercised on its own (tests,
 * rehearsals with `run --plan calls.ndjson`). hmaprun dispatches to the same
 * functions. */
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include "hm_run.h"

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fprintf(argc < 2 ? stderr : stdout, "usage: hmap-runclient run|verify|rollback|status [options] (--help for each)\n");
    return argc < 2 ? 2 : 0;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc;
  if (!strcmp(argv[1], "run")) rc = hm_run_main(argc - 1, argv + 1);
  else if (!strcmp(argv[1], "verify")) rc = hm_verify_main(argc - 1, argv + 1);
  else if (!strcmp(argv[1], "rollback")) rc = hm_rollback_main(argc - 1, argv + 1);
  else if (!strcmp(argv[1], "status")) rc = hm_status_main(argc - 1, argv + 1);
  else { fprintf(stderr, "hmap-runclient: unknown command %s\n", argv[1]); rc = 2; }
  curl_global_cleanup();
  return rc;
}
