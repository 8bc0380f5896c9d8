#!/bin/sh
# run_html.sh HMAPC HMAPRUN SANDBOX ROOT: a run of the Atera example against a
# sandbox that refuses some creates (echo-auth, seeded) leaves
# STATE.report.html beside STATE.report.json, and in headless Chromium:
# - it renders (title, status, every section), holds no script, handler or
#   reference, has a CSP of default-src 'none' and requests nothing;
# - per object, planned/created/updated/rejected/failed/in_doubt/flagged equal
#   the run's report.json (the ledger); the status and map hash too;
# - the calls refused or failed, grouped by reason, add up to the journal's
#   refusals: at least one row, and their sum is rejected + failed; the
#   sandbox echoes the credentials into its errors, the page holds none;
# - before verify the page says "not verified yet" (no verified number); after
#   `hmaprun verify` (one created customer deleted behind its back) the
#   report.json and page have the verified count per object, equal, one short
#   of created where the customer went missing, and the chart's bars say the
#   same numbers.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "FAIL: chromium not installed (sh scripts/deps.sh installs it)"; exit 1; }
data=tests/fixtures/atera
"$hmapc" build maps/atera_to_gorgias.hmap -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
start_sandbox "$sandbox" "$tmp" --time-scale 50 --faults echo-auth:0.15 --seed 5
pid=$sbx_pid url=$sbx_url
"$hmaprun" run "$tmp/map.hbc" --data "$data" --set help_center_id=1 --set max_upload_bytes=50000 \
  --max-upload-bytes 50000 --target "$url" --state "$tmp/st" --time-scale 50 \
  --in-doubt-wait 0.2 >"$tmp/run.out" 2>"$tmp/run.err"
json=$tmp/st.report.json html=$tmp/st.report.html
[ -s "$json" ] || { echo "FAIL: no run report: $(tail -3 "$tmp/run.err")"; exit 1; }
[ -s "$html" ] || { echo "FAIL: no STATE.report.html beside STATE.report.json"; exit 1; }
grep -q '<p id="verify">Not verified yet' "$html" || failed "before verify: no 'not verified yet'"
grep -q 'data-k="verified">not yet<' "$html" || failed "before verify: a verified number"
# one customer the run created, deleted in the sandbox: verify finds it missing
row=$(sqlite3 -separator ' ' "$tmp/st" "SELECT object, path, gid FROM idmap WHERE gid > 0 AND
  path LIKE '%/customers' AND ref NOT LIKE 'implicit:%' AND reused = 0 LIMIT 1")
gone_obj=${row%% *} gid=${row##* } word=${row#* }; word=${word%% *}; word=${word##*/}
[ -n "$gid" ] || { echo "FAIL: the run created no customer: $row"; exit 1; }
curl -s -o /dev/null -w '%{http_code}' -X DELETE "$url/_sandbox/raw/$word/$gid" | grep -q '^2' ||
  failed "could not delete customer $gid in the sandbox"
"$hmaprun" verify --state "$tmp/st" --target "$url" --time-scale 50 >"$tmp/verify.out" \
  2>"$tmp/verify.err"
[ $? = 1 ] || failed "verify after a deletion: exit $?, wanted 1: $(tail -3 "$tmp/verify.err")"
jq -e '.verify.checked > 0 and .verify.differences >= 1' "$json" >/dev/null ||
  failed "verify did not update the run's report: $(jq -c .verify "$json")"
[ "$(jq --arg o "$gone_obj" '.objects[$o] | .created - .verified' "$json")" = 1 ] ||
  failed "$gone_obj: created - verified is not 1: $(jq -c --arg o "$gone_obj" '.objects[$o]' "$json")"
[ "$(jq '[.objects[].verified] | add' "$json")" -gt 1 ] || failed "nothing verified"
jq -e '[.objects[] | select(.verified > .created)] | length == 0' "$json" >/dev/null ||
  failed "more verified than created"
grep -Eiq '<script|[[:space:]]on[a-z]+=|(src|href|action|srcset|poster)=|url\(|@import' "$html" &&
  failed "the page holds a script, a handler or a reference"
grep -qF "$GORGIAS_EMAIL" "$html" && failed "the page holds the account's e-mail (a credential)"
grep -q "content=\"default-src 'none'; style-src 'unsafe-inline'\"" "$html" || failed "no CSP"

timeout 240 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$tmp/profile" \
  --log-net-log="$tmp/net.json" --virtual-time-budget=2000 --dump-dom "file://$html" \
  >"$tmp/dom" 2>"$tmp/err"
jq -r '.constants.logEventTypes.URL_REQUEST_START_JOB as $s | .events[] | select(.type == $s)
       | .params | select(.url != null and .initiator != "not an origin") | .url' \
  "$tmp/net.json" | grep -v '^file://' >"$tmp/urls"
[ -s "$tmp/urls" ] && failed "the page made requests: $(head -3 "$tmp/urls")"
grep -q '<h1>Migration run</h1>' "$tmp/dom" || failed "the page did not render"
for id in objects failures; do
  grep -q "<h2 id=\"$id\">" "$tmp/dom" || failed "no section $id in the rendered page"
done
val() { sed -n "s/.*id=\"$1\">\([^<]*\)<.*/\1/p" "$tmp/dom"; }
[ "$(val status)" = "$(jq -r .status "$json")" ] || failed "status: page '$(val status)'"
[ "$(val map-hash)" = "$(jq -r .map_hash "$json")" ] || failed "map hash: page $(val map-hash)"
val version | grep -Eq '^hmaprun [^ ]+ \(git [^)]+\)$' || failed "no tool version: $(val version)"

sed -n 's/.*<tr class="object" data-object="\([^"]*\)">.*/\1/p' "$tmp/dom" | while read -r o; do
  got=$(grep -F "<tr class=\"object\" data-object=\"$o\">" "$tmp/dom" |
        sed 's/<td class="n" data-k="[a-z_]*">\([0-9]*\)<\/td>/ \1/g; s/<[^>]*>//g; s/^[^ ]* //')
  want=$(jq -r --arg o "$o" '.objects[$o] | "\(.planned) \(.created) \(.verified) \(.updated)
    \(.rejected) \(.failed) \(.in_doubt) \(.flagged)"' "$json" | tr '\n' ' ' | tr -s ' ')
  want=${want% }
  [ "$got" = "$want" ] || echo "object $o: page '$got', report.json '$want'"
done >"$tmp/objdiff"
[ -s "$tmp/objdiff" ] && failed "per-object numbers differ: $(cat "$tmp/objdiff")"
n=$(grep -c '<tr class="object"' "$tmp/dom")
[ "$n" = "$(jq '.objects | length' "$json")" ] || failed "$n object rows, report.json has $(jq '.objects | length' "$json")"
[ "$(val n-created)" = "$(jq '[.objects[].created] | add' "$json")" ] || failed "created: page $(val n-created)"
[ "$(val n-verified)" = "$(jq '[.objects[].verified] | add' "$json")" ] || failed "verified: page $(val n-verified)"
# the chart: one bar per object, its label the ledger's numbers
sed -n 's/.*<g class="bar" data-object="\([^"]*\)">.*<text[^>]*>\([^<]*\)<\/text><\/g>.*/\1|\2/p' "$tmp/dom" \
  >"$tmp/bars"
[ "$(wc -l <"$tmp/bars")" = "$(jq '.objects | length' "$json")" ] || failed "chart: $(wc -l <"$tmp/bars") bars"
while IFS='|' read -r o label; do
  want=$(jq -r --arg o "$o" '.objects[$o] |
    "\(.planned) planned, \(.created) created, \(.verified) verified, \(.rejected + .failed) refused"' "$json")
  [ "$label" = "$want" ] || echo "bar $o: '$label', report.json '$want'"
done <"$tmp/bars" >"$tmp/bardiff"
[ -s "$tmp/bardiff" ] && failed "chart numbers differ: $(cat "$tmp/bardiff")"
refused=$(jq '[.objects[] | .rejected + .failed] | add' "$json")
[ "$refused" -gt 0 ] || failed "the faults refused nothing: the failures check is blind"
calls=$(grep '<tr class="failure"' "$tmp/dom" | sed -n 's/.*data-k="count">\([0-9]*\)<.*/\1/p' |
        awk '{ s += $1 } END { print s + 0 }')
[ "$calls" -ge "$refused" ] || failed "refused calls by reason: $calls, records refused $refused"
exit $fail
