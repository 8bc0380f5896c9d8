#!/bin/sh
# prove_writes.sh HMAPC HMAPRUN SANDBOX ROOT: write permission per kind, proved
# before the first create (docs/run.md "Preflight", rn_prove.c). The account
# already holds the key's own user (seeded into the sandbox's --db before it is
# restarted with the restriction):
# - a key without the users permission (--deny-write /api/users) and
#   --prove-writes: the preflight's unchanged PUT of the user's own name is
#   refused (403) and named; no agent is sent (no POST /api/users at all), each
#   is reported refused with Gorgias' message, everything else of the iTop
#   example arrives, exit 1; kinds with no existing object are "not proved";
#   the report's write_check lists User as refused;
# - a key whose role is agent is checked without the option, and
#   `hmaprun preflight --prove-writes` says the same with no other write.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/e2e/lib.sh"
. "$root/tests/lib/run_script.sh"
same() { [ "$2" = "$3" ] || failed "$1: got $3, wanted $2"; }
e2e_plan_example itop "$hmapc" "$hmaprun"

seeded() { # seeded DIR ARGS...: a sandbox whose --db holds the key's own user, restarted with ARGS
  mkdir -p "$1"
  start_sandbox "$sandbox" "$1" --db "$1/sbx.db"
  curl -sf -u "$GORGIAS_EMAIL:$GORGIAS_API_KEY" -H 'Content-Type: application/json' -o /dev/null \
    -X POST "$sbx_url/api/users" \
    -d "{\"email\":\"$GORGIAS_EMAIL\",\"name\":\"Migration Bot\",\"role\":{\"name\":\"admin\"}}" ||
    failed "seeding the key's user"
  kill "$sbx_pid"; wait "$sbx_pid" 2>/dev/null
  _d=$1
  shift
  start_sandbox "$sandbox" "$_d" --db "$_d/sbx.db" --time-scale 50 "$@"
  pid=$sbx_pid url=$sbx_url
}
route() { curl -sf "$url/_sandbox/stats" | jq -c --arg r "$1" '.routes[$r]'; }
msg='HTTP 403: Forbidden: the API token provided does not have the permissions to perform the request (PUT /api/users/1).'

seeded "$tmp/deny" --deny-write /api/users
"$hmaprun" run --plan "$calls" --data "$data" --target "$url" --state "$tmp/state.db" \
  --time-scale 50 --report "$tmp/report.json" --prove-writes >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
same "exit" 1 $rc
grep -qxF "hmaprun: warning: write permission for User: refused ($msg), its records will be reported refused without being sent" \
  "$tmp/run.err" || { failed "the check's refusal is not named"; cat "$tmp/run.err"; }
grep -qxF "hmaprun: info: write permission for Team not proved: no existing object the key can read (its first create will tell)" \
  "$tmp/run.err" || failed "an unprovable kind is not said"
same "POST /api/users sent" null "$(route 'POST /api/users')"
same "the check's PUT" '{"403":1}' "$(route 'PUT /api/users/{id}')"
agents=$(jq -s '[.[] | select(.phase == "create" and .target == "User")] | length' "$calls")
[ "$agents" -gt 1 ] || failed "the plan has $agents agents: the case needs several"
same "agents refused with the check's message" "$agents" \
  "$(grep -c "ItopUser [0-9]* (ItopUser:[0-9]*): refused by Gorgias ($msg) at the preflight's write check" "$tmp/run.err")"
same "agents reported rejected" "$agents" "$(jq '[.objects[] | .rejected] | add' "$tmp/report.json")"
same "report write_check.refused" '["User"]' "$(jq -c '.write_check.refused' "$tmp/report.json")"
curl -sf "$url/_sandbox/dump" >"$tmp/dump.json" || { echo "FAIL: GET /_sandbox/dump"; exit 1; }
creates() { jq -s "[.[] | select(.phase == \"create\" and .target == \"$1\")] | length" "$calls"; }
same tickets "$(creates Ticket)" "$(jq '.tickets | length' "$tmp/dump.json")"
same teams "$(creates Team)" "$(jq '.teams | length' "$tmp/dump.json")"
same customers "$(creates Customer)" "$(jq '.customers | length' "$tmp/dump.json")"
same "users (the seeded one only)" 1 "$(jq '.users | length' "$tmp/dump.json")"
kill "$pid"; wait "$pid" 2>/dev/null

seeded "$tmp/agent" --account "$GORGIAS_EMAIL:$GORGIAS_API_KEY:agent"
"$hmaprun" preflight --target "$url" --time-scale 50 --prove-writes >"$tmp/pf.out" 2>"$tmp/pf.err"
same "preflight exit" 0 $?
grep -qF "write permission for User: refused (HTTP 403: Forbidden: the role agent may not PUT /api/users/1.)" \
  "$tmp/pf.err" || { failed "preflight: User not refused"; cat "$tmp/pf.err"; }
same "preflight writes (the check's PUT only)" '{"PUT /api/users/{id}":{"403":1}}' \
  "$(curl -sf "$url/_sandbox/stats" | jq -c '.routes | with_entries(select(.key | test("^(POST|PUT|DELETE) ")))')"
"$hmaprun" run --plan "$calls" --data "$data" --target "$url" --state "$tmp/agent.db" \
  --time-scale 50 --report "$tmp/agent.json" >"$tmp/agent.out" 2>"$tmp/agent.err"
grep -qF "write permission for User: refused" "$tmp/agent.err" ||
  failed "an agent key is not checked without --prove-writes"
same "agent key: POST /api/users sent" null "$(route 'POST /api/users')"
exit $fail
