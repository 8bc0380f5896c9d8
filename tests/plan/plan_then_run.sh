#!/bin/sh
# plan_then_run.sh HMAPC HMAPRUN SANDBOX CHECK_PLAN CASE_DIR WORK: `hmaprun run FILE.hbc`
# executes exactly what `hmaprun plan` planned, against hmap-sandbox: the run
# ends "done" and creates as many objects and follow-up messages as the plan
# has create/upload and message calls.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 check=$4 case=$5 work=$6
rm -rf "$work"; mkdir -p "$work"
(cd "$case" && "$hmapc" build map.hmap -o "$work/map.hbc") || exit 1
. "$(dirname "$0")/../lib/sandbox.sh"
start_sandbox "$sandbox" "$work" --rate off
pid=$sbx_pid url=$sbx_url
trap 'kill $pid 2>/dev/null' EXIT INT TERM
"$hmaprun" plan "$work/map.hbc" --data "$case/data" --out "$work/plan" 2>/dev/null
GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox \
  "$hmaprun" run "$work/map.hbc" --data "$case/data" --target "$url" --state "$work/state.db" --no-preflight \
  2>"$work/run.err"
rc=$?
[ $rc -le 1 ] || { echo "FAIL: run exit $rc" >&2; cat "$work/run.err" >&2; exit 1; }
"$check" "$work/plan/calls.ndjson" "$work/state.db.report.json"
