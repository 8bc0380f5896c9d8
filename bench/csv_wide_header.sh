#!/bin/sh
# csv_wide_header: how long the CSV reader takes over a very wide header (the
# duplicate-name check is one hash pass, so time grows linearly). Prints the
# wall time of readers_dump over a header of N distinct columns and one row,
# for N = 1,000,000 (default) and N / 10; then over a header of
# HM_CSV_MAX_FIELDS + 1 columns, which is refused. Figures only, no targets.
# usage: bench/csv_wide_header.sh [BUILD_DIR] [N]
set -eu
build=${1:-build}
n=${2:-1000000}
dump="$build/tests/readers/readers_dump"
[ -x "$dump" ] || { echo "no $dump: build first (sh scripts/build.sh)"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
wide() {   # wide COLUMNS FILE: header c1..cN and one row of N empty cells
  awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "%sc%d", (i > 1 ? "," : ""), i; print "";
                         for (i = 1; i < n; i++) printf ","; print "" }' >"$2"
}
run() {    # run COLUMNS
  mkdir -p "$tmp/$1"
  wide "$1" "$tmp/$1/w.csv"
  start=$(date +%s.%N)
  out=$("$dump" "$tmp/$1" csv w.csv count 2>&1 | cut -c1-100)
  end=$(date +%s.%N)
  printf '%9d columns (%s bytes): %.3f s  %s\n' "$1" "$(wc -c <"$tmp/$1/w.csv")" \
    "$(echo "$end - $start" | bc)" "$out"
}
run $((n / 10))
run "$n"
run 1048577
