#!/bin/sh
# Language semantics end to end (jq-style): compile CASE/map.hmap, plan it over
# CASE/data, and compare calls.ndjson with CASE/expected.ndjson exactly.
# usage: run_case.sh HMAPC HMARUN CASE_DIR   (UPDATE=1 rewrites expected.ndjson)
set -u
hmapc=$1 hmaprun=$2 dir=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$dir" || exit 2
"$hmapc" build map.hmap -o "$tmp/map.hbc" || { echo "FAIL: map.hmap does not compile"; exit 1; }
"$hmaprun" plan "$tmp/map.hbc" --data data --out "$tmp/out" >"$tmp/log" 2>&1
rc=$?
[ $rc -le 1 ] || { echo "FAIL: plan exit $rc"; cat "$tmp/log"; exit 1; }
# the header's map hash changes with the compiler; its presence and shape do not
sed -i '1s/"map_hash":"[0-9a-f]\{64\}"/"map_hash":"(64 hex digits)"/' "$tmp/out/calls.ndjson"
if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/out/calls.ndjson" expected.ndjson; exit 0; fi
diff -u expected.ndjson "$tmp/out/calls.ndjson" || { echo "FAIL: calls differ from $dir/expected.ndjson"; exit 1; }
