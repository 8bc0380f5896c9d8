#!/bin/sh
# bench.sh BUILD_DIR ROOT: bench/propose.sh, run from bench/ as a user would,
# prints its table: a header and one row per export (the three fixtures and
# the renamed/extra/missing variants), each row's precision and recall are
# the shared pairs over the proposed and the reference pairs, and the
# proposer keeps at least the floors below (a regression in propose fails).
set -u
build=$1 root=$2
fail=0
failed() { echo "FAIL: $*"; fail=1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$root/bench" || exit 2
sh propose.sh "$build" >"$tmp/out" 2>"$tmp/err" || { echo "FAIL: exit $?: $(cat "$tmp/err")"; exit 1; }
cat "$tmp/out"
head -1 "$tmp/out" | grep -Eq '^export +reference +proposed +shared +precision +recall$' ||
  failed "no header: $(head -1 "$tmp/out")"
for name in itop smartertrack atera 'itop (renamed/extra/-)' 'smartertrack (renamed)'; do
  grep -qF "$name " "$tmp/out" || failed "no row for $name"
done
[ "$(sed 1d "$tmp/out" | wc -l)" = 5 ] || failed "$(sed 1d "$tmp/out" | wc -l) rows, want 5"
# the last five fields of a row: reference proposed shared precision% recall%
sed 1d "$tmp/out" | awk '{ r = $(NF-4); p = $(NF-3); b = $(NF-2); pr = $(NF-1); rc = $NF
  sub(/%/, "", pr); sub(/%/, "", rc)
  if (r <= 0 || p <= 0 || b > p || b > r) { print "counts do not add up: " $0; next }
  if (sprintf("%.0f", 100 * b / p) != pr) print "precision is not shared/proposed: " $0
  if (sprintf("%.0f", 100 * b / r) != rc) print "recall is not shared/reference: " $0
  if (pr + 0 < 60) print "precision below 60%: " $0
  if (rc + 0 < 8) print "recall below 8%: " $0 }' >"$tmp/bad"
[ -s "$tmp/bad" ] && failed "$(cat "$tmp/bad")"
exit $fail
