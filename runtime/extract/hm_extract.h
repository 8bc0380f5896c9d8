/* hm_extract: `hmaprun extract itop` — straight from a customer's iTop to the
 * export folder a compiled map reads (docs/extract.md). The entry point parses
 * its own options (argv[0] = "extract") and returns the exit code:
 *   0 done, 2 usage or unreadable input, 3 iTop refused (login, profile,
 *   unknown attribute), 4 interrupted or unreachable (run again with --resume). */
#ifndef HM_EXTRACT_H
#define HM_EXTRACT_H

int hm_extract_main(int argc, char **argv);

#endif
