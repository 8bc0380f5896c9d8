/* fuzz_json_full: fuzz_json over hmread as built for hmaprun (full read buffer
 * and record limit), so records lie whole in the buffer and take the fast paths
 * that the tiny build of fuzz_json almost never reaches. Same corpus and inputs. */
#include "fuzz_json.c"
