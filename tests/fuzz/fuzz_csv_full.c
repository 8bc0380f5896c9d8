/* fuzz_csv_full: fuzz_csv over hmread as built for hmaprun (full read buffer
 * and record limit), so records lie whole in the buffer and take the fast paths
 * that the tiny build of fuzz_csv almost never reaches. Same corpus and inputs. */
#include "fuzz_csv.c"
