#!/bin/sh
# How much of each reference map `hmapc propose` finds on its own: the field
# pairs (TARGET.FIELD <- FILE:COLUMN, bench/propose_pairs.awk) of the proposed
# map against those of maps/SRC_to_gorgias.hmap, on the three bundled exports
# and on copies with a renamed, an extra and a missing column (the reference
# pairs follow the rename and lose the missing column). Prints precision
# (proposed pairs the reference also has) and recall (reference pairs
# proposed) per export.
# usage: bench/propose.sh [BUILD_DIR]   (default: the checkout's build/, from any directory)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
hmapc="$build/compiler/hmapc"
[ -x "$hmapc" ] || { echo "no $hmapc: build first (cmake -S . -B $build && cmake --build $build)"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pairs() { awk -v stdlib="$root/stdlib" -f "$root/bench/propose_pairs.awk" "$1" "$1" | sort -u; }

# score NAME EXPORT REF_PAIRS: one line of the table
score() {
  "$hmapc" propose "$2" -o "$tmp/p.hmap"
  pairs "$tmp/p.hmap" >"$tmp/p.pairs"
  p=$(wc -l <"$tmp/p.pairs"); r=$(wc -l <"$3")
  both=$(comm -12 "$tmp/p.pairs" "$3" | wc -l)
  awk -v n="$1" -v p="$p" -v r="$r" -v b="$both" 'BEGIN {
    printf "%-24s %9d %9d %7d %9.0f%% %7.0f%%\n", n, r, p, b, p ? 100 * b / p : 0, r ? 100 * b / r : 0 }'
}

printf "%-24s %9s %9s %7s %10s %8s\n" export reference proposed shared precision recall
for s in itop smartertrack atera; do
  pairs "$root/maps/${s}_to_gorgias.hmap" >"$tmp/$s.ref"
  score "$s" "$root/tests/fixtures/$s" "$tmp/$s.ref"
done

# variants: iTop Person.csv email -> mail_address, an extra column, phone removed
cp -R "$root/tests/fixtures/itop" "$tmp/itop"
awk -F, 'BEGIN { OFS = "," } NR == 1 { sub(/"email"/, "\"mail_address\""); print $0 ",\"nickname\""; next }
  { print $0 ",\"\"" }' "$tmp/itop/Person.csv" | awk -F, 'BEGIN { OFS = "," } { $9 = ""; sub(/,,/, ","); print }' \
  >"$tmp/person" && mv "$tmp/person" "$tmp/itop/Person.csv"
sed -e 's/^\(.* <- Person\.csv:\)email$/\1mail_address/' -e '/ <- Person\.csv:phone$/d' "$tmp/itop.ref" |
  sort -u >"$tmp/itop_v.ref"
score "itop (renamed/extra/-)" "$tmp/itop" "$tmp/itop_v.ref"
# SmarterTrack st_Tickets.csv Subject -> Title
cp -R "$root/tests/fixtures/smartertrack" "$tmp/st"
sed -i '1s/,Subject,/,Title,/' "$tmp/st/st_Tickets.csv"
sed 's/^\(.* <- st_Tickets\.csv:\)Subject$/\1Title/' "$tmp/smartertrack.ref" | sort -u >"$tmp/st_v.ref"
score "smartertrack (renamed)" "$tmp/st" "$tmp/st_v.ref"
