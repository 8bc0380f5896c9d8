#!/bin/sh
# itop_layouts.sh HMAPC HMAPRUN ROOT: the reference iTop map on both export
# layouts of tests/fixtures/itop (issue 13), and the defects it fixed:
# - with the REST case-log files, and with only the CSV files (logs cut from the
#   blobs, the optional custom class Site.csv left out too): the same calls,
#   byte for byte, and the missing optional files are report lines, not exit 2;
# - a public entry is from its author (case logs name a User id, mapped to the
#   agent's Person through User.csv), also on an unassigned ticket;
# - message external ids are unique per ticket (an auto-resolved child request
#   holds the incident's entries copied by one author in one second);
# - solution, resolution code, satisfaction and the caller's comment land in a
#   note; the incident's related_requests meta names the requests; a change
#   says its approval only when its leaf class has one;
# - a caller missing from Person.csv is reported as possibly obsolete.
set -u
hmapc=$1 hmaprun=$2 root=$3
. "$root/tests/e2e/lib.sh"
cd "$root" || exit 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$hmapc" build maps/itop_to_gorgias.hmap -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
cp -R tests/fixtures/itop "$tmp/csv"
rm -rf "$tmp/csv/rest" "$tmp/csv/Site.csv"
for layout in rest csv; do
  data=tests/fixtures/itop; [ $layout = csv ] && data=$tmp/csv
  # shellcheck disable=SC2046
  "$hmaprun" plan "$tmp/map.hbc" --data "$data" --out "$tmp/$layout" $(e2e_plan_opts itop) 2>"$tmp/err"
  rc=$?
  [ "$rc" -le 1 ] || { failed "$layout layout: plan exit $rc: $(cat "$tmp/err")"; exit 1; }
done
cmp -s "$tmp/rest/calls.ndjson" "$tmp/csv/calls.ndjson" ||
  failed "the CSV-only layout plans other calls: $(diff "$tmp/rest/calls.ndjson" "$tmp/csv/calls.ndjson" | head -c 2000)"
for f in "Site.csv: not in the export" "rest/UserRequest/\*.json: not in the export" \
         "rest/Incident/\*.json: not in the export"; do
  grep -q "$f" "$tmp/csv/report.md" || failed "CSV-only layout: report.md has no line \"$f\""
done

calls=$tmp/rest/calls.ndjson
msgs() { jq -c --arg r "$1" 'select(.ref == $r) | .body.messages[]' "$calls"; }
expect() { # expect WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || failed "$1: expected $2, got $3"
}
expect "R-000042: Carla's public entry, from her agent account" '[true,"ItopUser:9"]' \
  "$(msgs UserRequest:42 | jq -c 'select(.body_text | startswith("Le technicien")) | [.from_agent, .sender.id["$ref"]]')"
expect "R-000049 (unassigned): Bob's entry, from his agent account" '[true,"ItopUser:2"]' \
  "$(msgs UserRequest:49 | jq -c 'select(.body_text | startswith("Which printer")) | [.from_agent, .sender.id["$ref"]]')"
expect "R-000049: the caller's entry (portal user 4 = Person 10), from the customer" '[false,"Person:10"]' \
  "$(msgs UserRequest:49 | jq -c 'select(.body_text | startswith("Toner")) | [.from_agent, .sender.id["$ref"]]')"
dups=$(jq -r 'select(.body.messages) | .ref as $r | [.body.messages[].external_id | select(.)]
              | group_by(.) | map(select(length > 1)) | .[][0] | $r + " " + .' "$calls")
expect "external ids repeated within a ticket" "" "$dups"
expect "R-000047: messages, all with an external id" "9 9" \
  "$(msgs UserRequest:47 | jq -s -r '"\(length) \([.[] | select(.external_id)] | length)"')"
expect "R-000044: the resolution note" \
  "iTop resolution (hardware repair): バッテリー交換済み
Caller's comment (satisfaction 1/4, 1 = very satisfied): ありがとうございました！" \
  "$(msgs UserRequest:44 | jq -r 'select(.external_id == "itop:UserRequest:44:resolution") | .body_text')"
expect "R-000047: the auto-resolution kept" "iTop resolution (other): Automatically resolved from [[Incident:3|I-000003]]" \
  "$(msgs UserRequest:47 | jq -r 'select(.external_id | . and endswith(":resolution")) | .body_text')"
expect "I-000003: related_requests meta" '"R-000047"' \
  "$(jq -c 'select(.ref == "Incident:3") | .body.meta.related_requests' "$calls" | sort -u)"
grep -q 'Approval date' "$calls" && failed "a change note still says \"Approval date\""
expect "C-000005 (NormalChange): approved" 1 \
  "$(msgs Change:5 | jq -r 'select(.external_id == "itop:Change:5:plan") | .body_text' | grep -c '^Approved: 2024-04-20 10:00:00 (CAB of 2024-04-20)$')"
expect "C-000006 (RoutineChange): no approval line" 0 \
  "$(msgs Change:6 | jq -r 'select(.external_id == "itop:Change:6:plan") | .body_text' | grep -c '^Approved')"
rep=$tmp/rest/report.json
expect "I-000004: its caller (obsolete, not exported) is named so" 1 \
  "$(jq '[.flags[] | select(.object == "Incident" and (.message | contains("may be obsolete")))] | length' "$rep")"
expect "no request blamed for lacking a caller it has" 1 \
  "$(jq '[.flags[] | select(.message | contains("without a caller"))] | length' "$rep")"
exit $fail
