#!/bin/sh
# run_golden.sh: one jq-style golden case of `hmaprun plan`.
#   run_golden.sh HMAPC HMAPRUN CASE_DIR WORK_DIR
# A case folder holds map.hmap, data/, optional `args` (extra plan options, one
# line) and expected/: calls.ndjson, report.json, exit (the exit code) and any
# other file the plan writes that should be compared (report.md, exports,
# stderr). Every file in expected/ is compared exactly. UPDATE=1 rewrites
# expected/ from the actual output instead (review the diff before committing).
set -u
hmapc=$1 hmaprun=$2 case=$3 work=$4
rm -rf "$work"
mkdir -p "$work/out"
case $case in /*) ;; *) case=$(pwd)/$case ;; esac
# relative paths, so map locations and messages do not depend on where the tree is
if ! (cd "$case" && "$hmapc" build map.hmap -o "$work/map.hbc") 2>"$work/hmapc.err"; then
  echo "FAIL: $case/map.hmap does not compile:" >&2
  cat "$work/hmapc.err" >&2
  exit 1
fi
args=
[ -f "$case/args" ] && args=$(cat "$case/args")
data=$case/data
[ -d "$data" ] || data=$work/nodata
# shellcheck disable=SC2086  # args is a list of options
(cd "$work" && "$hmaprun" plan map.hbc --data "$data" --out out $args) \
  2>"$work/out/stderr" >/dev/null
echo $? >"$work/out/exit"
mkdir -p "$case/expected"
if [ -f "$work/out/calls.ndjson" ]; then   # the header's map hash, as report.json's
  sed '1s/"map_hash":"[0-9a-f]\{64\}"/"map_hash":"(64 hex digits)"/' "$work/out/calls.ndjson" >"$work/calls.tmp"
  mv "$work/calls.tmp" "$work/out/calls.ndjson"
fi
if [ -f "$work/out/report.json" ]; then
  sed 's/^  "map_hash": "[0-9a-f]\{64\}",$/  "map_hash": "(64 hex digits)",/' "$work/out/report.json" >"$work/report.tmp"
  mv "$work/report.tmp" "$work/out/report.json"
fi
if [ "${UPDATE:-0}" = 1 ]; then
  for f in calls.ndjson report.json exit stderr; do
    [ -f "$work/out/$f" ] && cp "$work/out/$f" "$case/expected/$f"
  done
  for f in "$case"/expected/*; do
    n=$(basename "$f")
    [ -f "$work/out/$n" ] && cp "$work/out/$n" "$f"
  done
  echo "updated $case/expected"
  exit 0
fi
status=0
for f in "$case"/expected/*; do
  n=$(basename "$f")
  if [ ! -f "$work/out/$n" ]; then
    echo "FAIL: $n was not written" >&2; status=1
  elif ! diff -u "$f" "$work/out/$n" >&2; then
    echo "FAIL: $n differs from $f" >&2; status=1
  fi
done
[ -n "$(ls "$case/expected" 2>/dev/null)" ] || { echo "FAIL: $case/expected is empty" >&2; status=1; }
exit $status
