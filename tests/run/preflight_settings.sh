#!/bin/sh
# preflight_settings.sh HMAPC HMAPRUN SANDBOX ROOT: account settings that act
# on imported tickets stop the run before its first write (docs/run.md
# "Preflight"). hmap-sandbox with a satisfaction survey for e-mail tickets and
# auto-merge switched on:
# - run exits 3 naming both switches (TYPE.KEY), and the sandbox saw no write;
# - --allow-setting for one of them: still 3, naming only the other;
# - both allowed: the run goes on (exit 0), the two listed as allowed, and the
#   ticket arrives;
# - a key whose user is an agent, not an admin (--account EMAIL:KEY:agent):
#   the preflight warns that its role's writes may be refused (403) and the
#   run goes on; an admin key gets no such warning.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
data=tests/run/probe_plan/data
"$hmapc" build tests/run/probe_plan/map.hmap -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
start_sandbox "$sandbox" "$tmp" --setting auto-merge.tickets.enabled=true \
  --setting satisfaction-surveys.send_survey_for_email=true
pid=$sbx_pid url=$sbx_url
run() { # run NAME OPTIONS...: exit code in $rc, stderr in $tmp/NAME.err
  name=$1
  shift
  "$hmaprun" run "$tmp/map.hbc" --data "$data" --target "$url" --state "$tmp/$name.db" "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
}
has() { grep -qxF "$2" "$tmp/$1.err" || { failed "$1: no line '$2'"; cat "$tmp/$1.err"; }; }

run refused
[ $rc = 3 ] || failed "settings on: exit $rc, wanted 3"
has refused "hmaprun: 2 account setting(s) act on the tickets the run imports (a survey mailed for each closed ticket, tickets merged or reassigned):"
has refused "  setting satisfaction-surveys.send_survey_for_email"
has refused "  setting auto-merge.tickets.enabled"
writes=$(curl -sf "$url/_sandbox/stats" |
  jq '[.routes | to_entries[] | select(.key | test("^(POST|PUT|DELETE) ")) | .value[]] | add // 0')
[ "$writes" = 0 ] || failed "the refused run wrote $writes time(s)"

run one --allow-setting auto-merge.tickets.enabled
[ $rc = 3 ] || failed "one allowed: exit $rc, wanted 3"
has one "hmaprun: 1 account setting(s) act on the tickets the run imports (a survey mailed for each closed ticket, tickets merged or reassigned):"
sed -n "/^hmaprun: 1 account/,/^pause them for the run/p" "$tmp/one.err" | grep -q "auto-merge" &&
  failed "one allowed: the allowed setting still stops the run"

run both --allow-setting auto-merge.tickets.enabled \
  --allow-setting satisfaction-surveys.send_survey_for_email
[ $rc = 0 ] || { failed "both allowed: exit $rc, wanted 0"; cat "$tmp/both.err"; }
grep -q "2 account setting(s) act on imported tickets (allowed):" "$tmp/both.err" ||
  failed "both allowed: not listed as allowed"
n=$(curl -sf "$url/_sandbox/dump" | jq '[.tickets[] | select(.external_id == "c:10")] | length')
[ "$n" = 1 ] || failed "both allowed: $n ticket(s) c:10 in the sandbox, wanted 1"
role='the key'"'"'s user has the role "agent", not admin: Gorgias answers 403'
grep -qF "$role" "$tmp/both.err" && failed "admin key: warned about its role"
kill "$pid"; wait "$pid" 2>/dev/null
mkdir "$tmp/agent"
start_sandbox "$sandbox" "$tmp/agent" --account ops@acme.test:k1:agent
pid=$sbx_pid url=$sbx_url
GORGIAS_EMAIL=ops@acme.test GORGIAS_API_KEY=k1 run agent
[ $rc = 0 ] || { failed "agent key: exit $rc, wanted 0"; cat "$tmp/agent.err"; }
grep -qF "$role" "$tmp/agent.err" || { failed "agent key: no warning about its role"; cat "$tmp/agent.err"; }
exit $fail
