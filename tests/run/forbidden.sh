#!/bin/sh
# forbidden.sh HMAPC HMAPRUN SANDBOX ROOT: a key whose role may not write
# agents (hmap-sandbox --deny-write /api/users: 403 with Gorgias' body on
# POST/PUT/DELETE there) migrates everything else of the iTop example:
# - exit 1 (done with rejections), not 3: a 403 is about one kind of object;
# - every agent is reported refused, with Gorgias' message, and only the first
#   one is sent (the sandbox saw one POST /api/users, answered 403);
# - every ticket, message, customer, team and article of the plan arrives;
#   a ticket whose agent was refused is flagged (the reference left out).
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/e2e/lib.sh"
. "$root/tests/lib/run_script.sh"
e2e_plan_example itop "$hmapc" "$hmaprun"
start_sandbox "$sandbox" "$tmp" --time-scale 50 --deny-write /api/users
pid=$sbx_pid url=$sbx_url

"$hmaprun" run --plan "$calls" --data "$data" --target "$url" --state "$tmp/state.db" \
  --time-scale 50 --report "$tmp/report.json" >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
[ $rc = 1 ] || { failed "hmaprun run: exit $rc, wanted 1:"; cat "$tmp/run.err"; }

agents=$(jq -s '[.[] | select(.phase == "create" and .target == "User")] | length' "$calls")
[ "$agents" -gt 1 ] || failed "the plan has $agents agents: the case needs several"
same() { [ "$2" = "$3" ] || failed "$1: got $3, wanted $2"; }
same "agents reported rejected" "$agents" "$(jq '[.objects[] | .rejected] | add' "$tmp/report.json")"
n=$(grep -c "ItopUser [0-9]* (ItopUser:[0-9]*): refused by Gorgias (HTTP 403: Forbidden: the API token provided does not have the permissions" "$tmp/run.err")
same "agents refused with Gorgias' message on stderr" "$agents" "$n"
curl -sf "$url/_sandbox/stats" >"$tmp/stats.json" || { echo "FAIL: GET /_sandbox/stats"; exit 1; }
same "POST /api/users sent (the first agent; the others not sent)" '{"403":1}' \
  "$(jq -c '.routes["POST /api/users"]' "$tmp/stats.json")"
curl -sf "$url/_sandbox/dump" >"$tmp/dump.json" || { echo "FAIL: GET /_sandbox/dump"; exit 1; }
creates() { jq -s "[.[] | select(.phase == \"create\" and .target == \"$1\")] | length" "$calls"; }
same tickets "$(creates Ticket)" "$(jq '.tickets | length' "$tmp/dump.json")"
same teams "$(creates Team)" "$(jq '.teams | length' "$tmp/dump.json")"
same articles "$(creates HelpCenterArticle)" "$(jq '.help_center_articles | length' "$tmp/dump.json")"
same messages \
  "$(jq -s '[.[] | select(.phase == "create" and .target == "Ticket") | .body.messages | length] + [.[] | select(.phase == "message") | 1] | add' "$calls")" \
  "$(jq '[.tickets[] | .messages | length] | add' "$tmp/dump.json")"
same users 0 "$(jq '.users | length' "$tmp/dump.json")"
# the state's flags (sqlite3, scripts/deps.sh): each refused agent with the
# message, and the tickets that named one flagged
q() { sqlite3 "$tmp/state.db" "$1"; }
same "agents flagged with Gorgias' message" "$agents" \
  "$(q "SELECT count(*) FROM flags WHERE object = 'ItopUser' AND message LIKE '%HTTP 403: Forbidden%'")"
n=$(q "SELECT count(DISTINCT ref) FROM flags WHERE object != 'ItopUser'
       AND message LIKE 'ItopUser:% was refused by Gorgias (HTTP 403)%'")
[ "$n" -gt 0 ] || failed "no ticket flagged for naming a refused agent"
exit $fail
