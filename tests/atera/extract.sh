#!/bin/sh
# extract.sh HMAPC HMAPRUN ROOT WORK: `hmaprun extract atera` against tests/atera/standin.py
# (Atera's REST API answering from tests/fixtures/atera, every request and answer checked
# against Atera's OpenAPI document, pages that overlap as a live list's do, 429s with and
# without Retry-After, signed attachment URLs on a second host that must not get the key).
# The extracted folder (each list's count what Atera announced, overlaps removed) plans the
# same calls.ndjson as the bundled fixture, and the same
# report.json once record positions (FILE:LINE, page-NNNN) are set aside: they name where a
# record sits in a file, which depends on how the pages were cut. Then: the manifest, a wrong
# key refused (exit 3, the key in no output), --resume fetching nothing twice.
set -u
hmapc=$1 hmaprun=$2 root=$3 work=$4
here=$root/tests/atera
rm -rf "$work"; mkdir -p "$work"
fail=0
die() { echo "FAIL: $*" >&2; fail=1; }
key=atera-test-key-5f2c91
pid=
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; pid=; }
trap stop EXIT
# start NAME OPTIONS...: a stand-in; waits for the file naming its ports (its handshake)
start() {
  name=$1; shift
  python3 "$here/standin.py" --data "$root/tests/fixtures/atera" --spec "$here/atera-openapi.json" \
    --ports "$work/$name.ports" --log "$work/$name.log" "$@" 2>"$work/$name.standin.err" &
  pid=$!
  i=0
  while [ ! -s "$work/$name.ports" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.05; i=$((i + 1)); done
  [ -s "$work/$name.ports" ] || { cat "$work/$name.standin.err" >&2; echo "FAIL: stand-in" >&2
                                  exit 1; }
  read -r port blob <"$work/$name.ports"
}

"$hmapc" build "$root/maps/atera_to_gorgias.hmap" -o "$work/atera.hbc" || exit 1

start main --key "$key" --overlap --throttle 7
HMAP_ATERA_API_KEY=$key "$hmaprun" extract atera --url "http://127.0.0.1:$port" \
  --out "$work/out" --page-size 2 --rate 1000 2>"$work/extract.err"
rc=$?
[ $rc -eq 0 ] || { die "extract exit $rc"; cat "$work/extract.err" >&2; }
log=$work/main.log
grep VIOLATION "$log" >&2 && die "the stand-in saw requests or answers outside the document"
grep -q UNAUTHORIZED "$log" && die "a request without the key"
grep -q '^THROTTLED' "$log" || die "no 429 was served"
grep -q '^FILE blob /attachments/48213/outlook-log.txt' "$log" || die "the signed URL not fetched"
grep -q '^FILE api ' "$log" || die "no attachment fetched from the API host"
grep -q '^FILE blob /attachments/48215/memory-dump.png' "$log" || die "the redirect not followed"
for t in /api/v3/account /api/v3/customers /api/v3/contacts /api/v3/tickets /api/v3/knowledgebases \
         /api/v3/contracts /api/v3/agents /api/v3/alerts /api/v3/customvalues/customfields \
         '/api/v3/tickets/{ticketId}/comments' '/api/v3/tickets/{ticketId}/workhoursrecords' \
         '/api/v3/tickets/{ticketId}/attachments' '/api/v3/customvalues/ticketfields/{ticketId}' \
         '/api/v3/customvalues/customerfields/{customerId}' \
         '/api/v3/customvalues/contactfields/{contactId}'; do
  grep -qxF "VALID $t" "$log" || die "no answer of $t validated"
done
grep -q "$key" "$work/extract.err" && die "the key in the extractor's output"
grep -rq "sig=" "$work/out/manifest.json" && die "a signed query string in the manifest"

# the same plan as the bundled export
for d in fix:"$root/tests/fixtures/atera" ext:"$work/out"; do
  n=${d%%:*}
  "$hmaprun" plan "$work/atera.hbc" --data "${d#*:}" --out "$work/plan-$n" 2>"$work/plan-$n.err"
  [ $? -le 1 ] || { die "plan $n failed"; cat "$work/plan-$n.err" >&2; }
done
cmp -s "$work/plan-fix/calls.ndjson" "$work/plan-ext/calls.ndjson" ||
  { die "calls.ndjson differs"; diff "$work/plan-fix/calls.ndjson" "$work/plan-ext/calls.ndjson" |
    head -20 >&2; }
norm() { sed -E 's/(\.json):[0-9]+/\1/g; s/page-[0-9]{4}/page-N/g' "$1"; }
norm "$work/plan-fix/report.json" >"$work/fix.report"
norm "$work/plan-ext/report.json" >"$work/ext.report"
cmp -s "$work/fix.report" "$work/ext.report" ||
  { die "report.json differs"; diff "$work/fix.report" "$work/ext.report" | head -20 >&2; }
grep -q 'export incomplete' "$work/plan-ext/report.json" && die "the plan doubts the manifest"
# what Atera holds and the map does not migrate: a named line with its count in both reports
for g in Contract:contracts.csv:2 Device:devices.csv:3 Alert:alerts.csv:2 WorkHours:work_hours.csv:3; do
  o=${g%%:*} rest=${g#*:}; f=${rest%:*} n=${rest#*:}
  grep -qE "^- $o: exported to \`$f\` \(.*\), $n records, " "$work/plan-ext/report.md" ||
    die "report.md: no line for $o with $n records"
  grep -qE "\{\"object\": \"$o\", \"kind\": \"export_csv\", .*\"records\": $n\}" \
    "$work/plan-ext/report.json" || die "report.json: no gap line for $o with $n records"
done
grep -qE '^- CustomFieldDef: inventory — Atera custom fields on devices.*, 9 records, ' \
  "$work/plan-ext/report.md" || die "report.md: no line for the custom fields of devices"

# the manifest: complete, the account's zone, tickets per status, files saved
m=$work/out/manifest.json
jq -e '.complete == true and .time_zone == "Pacific Standard Time"
       and ([.tickets_by_status[]] | add) == 8 and .files.tickets.count == 8
       and ([.files[] | select(.reported != null and .reported != .count)] | length) == 0
       and .files.tickets.reported == 8
       and .files.customers.count == 5 and ([.attachments[] | select(.saved_as)] | length) == 5' \
  "$m" >/dev/null || { die "manifest"; cat "$m" >&2; }

# --resume after a finished extraction asks for nothing but ... nothing
before=$(wc -l <"$log")
HMAP_ATERA_API_KEY=$key "$hmaprun" extract atera --url "http://127.0.0.1:$port" \
  --out "$work/out" --resume --rate 1000 2>"$work/resume.err" || die "resume failed"
[ "$(wc -l <"$log")" -eq "$before" ] || die "--resume fetched again what was done"
stop

# stopped half-way (the key refused from the 60th request on: exit 3, an incomplete
# manifest), then --resume against a healthy Atera: the finished units are not asked again
# and the folder plans as the bundled one
start half --key "$key" --refuse-after 60
HMAP_ATERA_API_KEY=$key "$hmaprun" extract atera --url "http://127.0.0.1:$port" \
  --out "$work/half" --page-size 2 --rate 1000 2>"$work/half.err"
rc=$?
[ $rc -eq 3 ] || die "refused half-way: exit $rc, expected 3"
jq -e '.complete == false and (.done | length) > 3' "$work/half/manifest.json" >/dev/null ||
  die "no checkpoint after a stop"
stop
start resumed --key "$key"
HMAP_ATERA_API_KEY=$key "$hmaprun" extract atera --url "http://127.0.0.1:$port" \
  --out "$work/half" --page-size 2 --rate 1000 --resume 2>"$work/resumed.err" ||
  { die "resume failed"; tail -3 "$work/resumed.err" >&2; }
grep -q 'VALID /api/v3/customers$' "$work/resumed.log" && die "--resume asked for customers again"
jq -e '(.attachments | length) == 5 and .complete == true' "$work/half/manifest.json" >/dev/null ||
  die "the resumed manifest does not list each attachment once"
"$hmaprun" plan "$work/atera.hbc" --data "$work/half" --out "$work/plan-half" 2>/dev/null
cmp -s "$work/plan-fix/calls.ndjson" "$work/plan-half/calls.ndjson" ||
  die "the resumed extraction plans other calls"
stop

# a wrong key: refused, exit 3, the key printed nowhere; Bearer only, with a JWT-long key
start bearer --key "$(printf 'j%.0s' $(seq 120))" --auth bearer
HMAP_ATERA_API_KEY=wrong-key-77 "$hmaprun" extract atera --url "http://127.0.0.1:$port" \
  --out "$work/wrong" --rate 1000 2>"$work/wrong.err"
rc=$?
[ $rc -eq 3 ] || die "a wrong key: exit $rc, expected 3"
grep -q 'Atera refused /api/v3/account (status 401)' "$work/wrong.err" || die "no refusal text"
grep -q wrong-key-77 "$work/wrong.err" && die "the key in an error"
HMAP_ATERA_API_KEY=$(printf 'j%.0s' $(seq 120)) "$hmaprun" extract atera \
  --url "http://127.0.0.1:$port" --out "$work/bearer" --rate 1000 2>"$work/bearer.err" ||
  { die "a long key was not sent as Bearer"; tail -3 "$work/bearer.err" >&2; }
stop
exit $fail
