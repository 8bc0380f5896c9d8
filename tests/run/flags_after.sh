#!/bin/sh
# flags_after.sh HMAPC HMAPRUN SANDBOX ROOT: the flags an `after` block raises
# reach the run (issue 14, "flags mean what happened"): tests/plan/flags_after
# planned, run into an hmap-sandbox started here, and the plan, the run's
# report and status count the same 3 flagged records (request 1's flag comes
# from an update's pass, request 2's from a folded block, request 4 is flagged
# by both passes and counts once); status --flags lists each flag.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
case=$root/tests/plan/flags_after
(cd "$case" && "$hmapc" build map.hmap -o "$tmp/map.hbc") || { echo "FAIL: hmapc build"; exit 1; }
"$hmaprun" plan "$tmp/map.hbc" --data "$case/data" --out "$tmp/plan" 2>/dev/null ||
  failed "hmaprun plan: exit $?"
start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url
"$hmaprun" run "$tmp/map.hbc" --data "$case/data" --target "$url" --state "$tmp/state.db" \
  --time-scale 50 >"$tmp/run.out" 2>"$tmp/run.err" || failed "the run: exit $?: $(cat "$tmp/run.err")"

[ "$(jq .objects.Req.flagged "$tmp/plan/report.json")" = 3 ] ||
  failed "the plan: $(jq -c .objects "$tmp/plan/report.json")"
[ "$(jq .objects.Req.flagged "$tmp/state.db.report.json")" = 3 ] ||
  failed "the run's report: $(jq -c .objects "$tmp/state.db.report.json")"
[ "$("$hmaprun" status --state "$tmp/state.db" --json | jq '.objects[0].flagged')" = 3 ] ||
  failed "status: $("$hmaprun" status --state "$tmp/state.db" --json | jq -c .objects)"
"$hmaprun" status --state "$tmp/state.db" --flags | sort >"$tmp/flags.txt"
cat >"$tmp/want.txt" <<'WANT'
info Req 4: no title
review Req 1: no due date
review Req 2: no due date
review Req 4: no due date
WANT
cmp -s "$tmp/want.txt" "$tmp/flags.txt" || failed "status --flags: $(diff "$tmp/want.txt" "$tmp/flags.txt")"
exit $fail
