#!/bin/sh
# `hmaprun run --set NAME=VALUE` reaches the planner: an unknown setting is a
# usage error before any call, and an override lands in Gorgias (the sandbox).
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 dir=$4
tmp=$(mktemp -d)
trap 'kill $sbx 2>/dev/null; rm -rf "$tmp"' EXIT
sbx=
. "$(dirname "$0")/../lib/sandbox.sh"
start_sandbox "$sandbox" "$tmp" --time-scale 50
sbx=$sbx_pid url=$sbx_url
export GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox
"$hmapc" build "$dir/map.hmap" -o "$tmp/map.hbc" || exit 1
"$hmaprun" run "$tmp/map.hbc" --data "$dir/data" --target "$url" --state "$tmp/s.db" --time-scale 50 --set nosuch=1 2>"$tmp/err"
rc=$?
[ $rc = 2 ] || { echo "FAIL: unknown --set: exit $rc, wanted 2"; exit 1; }
grep -q 'unknown setting "nosuch"' "$tmp/err" || { echo "FAIL: no message for the unknown setting:"; cat "$tmp/err"; exit 1; }
"$hmaprun" run "$tmp/map.hbc" --data "$dir/data" --target "$url" --state "$tmp/s.db" --time-scale 50 --set label=from-the-run 2>"$tmp/err"
rc=$?
[ $rc = 0 ] || { echo "FAIL: run exit $rc"; cat "$tmp/err"; exit 1; }
tags=$(curl -s "$url/_sandbox/dump" | jq -c '[.tickets[].tags[].name]')
[ "$tags" = '["from-the-run"]' ] || { echo "FAIL: ticket tags $tags, wanted [\"from-the-run\"]"; exit 1; }
echo "ok: --set reached the run ($tags)"
