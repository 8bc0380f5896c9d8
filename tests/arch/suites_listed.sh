#!/bin/sh
# suites_listed: every tests/ folder with a CMakeLists.txt is in the suite list
# of tests/CMakeLists.txt, so a new suite cannot be left out of ctest unseen.
# usage: suites_listed.sh SOURCE_DIR
set -u
root=$1
list=$(sed -n '/^foreach(suite/,/)/p' "$root/tests/CMakeLists.txt" | tr -d '()' | tr ' ' '\n')
missing=0
for f in "$root"/tests/*/CMakeLists.txt; do
  name=$(basename "$(dirname "$f")")
  printf '%s\n' "$list" | grep -qx "$name" ||
    { echo "suites_listed: tests/$name has a CMakeLists.txt but is not in tests/CMakeLists.txt"; missing=1; }
done
exit $missing
