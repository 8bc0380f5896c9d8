#!/bin/sh
# where_paths: every path in docs/architecture.md's "Where does X live" table
# exists, so the table a newcomer reads cannot drift from the tree.
# usage: where_paths.sh SOURCE_DIR
set -u
root=$1
doc=$root/docs/architecture.md
rows=$(sed -n '/^## Where does X live/,/^## /p' "$doc" | grep '^|' | tail -n +3)
[ -n "$rows" ] || { echo "where_paths: no table in $doc"; exit 1; }
missing=0
n=0
for p in $(printf '%s\n' "$rows" | sed 's/^|[^|]*|//' | grep -o '`[^`]*`' | tr -d '`'); do
  n=$((n + 1))
  [ -e "$root/$p" ] || { echo "where_paths: $p is in the table but not in the tree"; missing=1; }
done
[ "$n" -gt 20 ] || { echo "where_paths: only $n paths read from the table"; exit 1; }
exit $missing
