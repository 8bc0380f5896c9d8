#!/bin/sh
# scope_test.sh HMAPC HMAPRUN ROOT: `hmaprun scope` over the iTop reference
# export (the e2e settings) — prints scope.md and writes it beside report.json,
# writes no calls.ndjson, exits as plan does; its figures agree with
# report.json: the five kinds of object add up to every source, records per
# object, requests = planned calls + one lookup per create of a target with
# unique fields + one verify read per create and message, the time at 40/20 s, and the
# grade by the rule of docs/guide.md. `plan` writes the same scope.md, and
# starts report.md with it in one paragraph (the same figures). With
# --target, the time at the account's own rate, read from its answer: an
# hmap-sandbox started with --rate 80/20 says 80 (scope and plan alike);
# without credentials, exit 2.
set -u
hmapc=$1 hmaprun=$2 root=$3 sandbox=$4
. "$root/tests/e2e/lib.sh"
tmp=$(mktemp -d); sbx_pid=
trap '[ -n "$sbx_pid" ] && kill "$sbx_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$root" || exit 2
"$hmapc" build maps/itop_to_gorgias.hmap -o "$tmp/m.hbc" || exit 1
# shellcheck disable=SC2046
"$hmaprun" scope "$tmp/m.hbc" --data tests/fixtures/itop --out "$tmp/s" $(e2e_plan_opts itop) \
  >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
[ $rc = 1 ] || failed "scope exit $rc (plan exits 1: the fixture has rejections): $(cat "$tmp/stderr")"
[ -s "$tmp/stderr" ] && failed "scope wrote to stderr: $(cat "$tmp/stderr")"
cmp -s "$tmp/stdout" "$tmp/s/scope.md" || failed "stdout is not scope.md"
[ -e "$tmp/s/calls.ndjson" ] && failed "scope wrote calls.ndjson"
j=$tmp/s/report.json md=$tmp/s/scope.md
n=$(jq '.objects | length' "$j")
sum=$(sed -n 's/^| \([0-9]*\) \(map\|have\|are\) .*/\1/p' "$md" | awk '{ s += $1 } END { print s }')
[ "$sum" = "$n" ] || failed "the kinds of object add up to $sum, not $n"
grep -qx '| 6 have no Gorgias home (gap) | UserProfile, ServiceSubcategory, FunctionalCI, SLA, SLT, Site |' "$md" ||
  failed "gaps: $(grep 'no Gorgias home' "$md")"
jq -r '.objects | to_entries[] | "| \(.key) | \(.value.read) | \(.value.planned) | \(.value.rejected) |"' "$j" >"$tmp/want"
grep -F -x -f "$tmp/want" "$md" | wc -l | grep -qx "$n" || failed "records per object differ from report.json"
creates=$(jq '[.calls.by_target[] | select(.phase == "create" or .phase == "message") | .calls]
               | add' "$j")   # verify reads each created object and each message back
lookups=$(jq '[.calls.by_target[] | select(.phase == "create" and (.target | IN("Customer","User","Team","Tag","Message","Ticket","HelpCenterCategory","HelpCenterArticle","CustomField"))) | .calls] | add' "$j")
total=$(jq .calls.total "$j")
want="$((total + lookups + creates)) requests: $total planned calls (uploads, creates, messages, updates), $lookups lookups of existing objects, $creates reads to verify."
grep -qxF "$want" "$md" || failed "requests: want '$want', got '$(grep ' requests: ' "$md")'"
secs=$(( (total + lookups + creates + 1) / 2 ))   # 0.5 s a request, rounded
grep -q "^| API key, 40 per 20 s | .* | 0h 0$((secs / 60))m $(printf %02d $((secs % 60)))s |$" "$md" ||
  failed "time at 40/20 s: want ${secs}s, got $(grep 'API key' "$md")"
# under 1 h (A), one step worse: 11 of 27 objects lossy or without a home is more than a third
grep -q 'Complexity grade: \*\*B\*\*' "$md" || failed "grade: $(grep grade "$md")"
# shellcheck disable=SC2046
"$hmaprun" plan "$tmp/m.hbc" --data tests/fixtures/itop --out "$tmp/p" $(e2e_plan_opts itop) 2>/dev/null
cmp -s "$tmp/p/scope.md" "$md" || failed "plan's scope.md differs from scope's"
# report.md starts with the scope: its first section, the same requests and grade
first=$(grep -m1 '^## ' "$tmp/p/report.md")
[ "$first" = "## Scope" ] || failed "report.md starts with '$first', not the scope"
grep -q "^Of $n objects: .* $((total + lookups + creates)) requests ($total planned calls, $lookups lookups, $creates reads to verify): 0h 0$((secs / 60))m $(printf %02d $((secs % 60)))s at 40 per 20 s (API key),.* Complexity grade: \*\*B\*\*" "$tmp/p/report.md" ||
  failed "report.md's scope: $(sed -n '/^## Scope/,/^## Objects/p' "$tmp/p/report.md")"

. "$root/tests/lib/sandbox.sh"
start_sandbox "$sandbox" "$tmp" --rate 80/20
GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox \
  "$hmaprun" scope "$tmp/m.hbc" --data tests/fixtures/itop --out "$tmp/t" --target "$sbx_url" \
  $(e2e_plan_opts itop) >"$tmp/t.out" 2>"$tmp/t.err"
[ $? = 1 ] || failed "scope --target: exit $?: $(cat "$tmp/t.err")"
a=$(( ((total + lookups + creates) * 20 + 40) / 80 ))   # 0.25 s a request, rounded
grep -q "^| this account, 80 per 20 s (its answer) | .* | 0h 00m $(printf %02d $a)s |$" "$tmp/t.out" ||
  failed "no row at the account's rate (${a}s): $(grep 'this account' "$tmp/t.out")"
# plan --target: the same row in its scope.md, and its calls are written as always
# shellcheck disable=SC2046
GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox \
  "$hmaprun" plan "$tmp/m.hbc" --data tests/fixtures/itop --out "$tmp/pt" --target "$sbx_url" \
  $(e2e_plan_opts itop) >/dev/null 2>"$tmp/pt.err"
[ $? = 1 ] || failed "plan --target: exit $?: $(cat "$tmp/pt.err")"
grep -q "^| this account, 80 per 20 s (its answer) | .* | 0h 00m $(printf %02d $a)s |$" "$tmp/pt/scope.md" ||
  failed "plan --target: no row at the account's rate: $(grep 'this account' "$tmp/pt/scope.md")"
[ -s "$tmp/pt/calls.ndjson" ] || failed "plan --target wrote no calls.ndjson"
env -u GORGIAS_EMAIL -u GORGIAS_API_KEY "$hmaprun" scope "$tmp/m.hbc" --data tests/fixtures/itop \
  --out "$tmp/u" --target "$sbx_url" >/dev/null 2>"$tmp/u.err"
[ $? = 2 ] || failed "scope --target without credentials: exit $?"
grep -q '^hmaprun scope: .*GORGIAS_EMAIL' "$tmp/u.err" || failed "no reason: $(cat "$tmp/u.err")"
[ -e "$tmp/u/scope.md" ] && failed "a scope was written after the account refused"
exit $fail
