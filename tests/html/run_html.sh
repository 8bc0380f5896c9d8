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
#   sandbox echoes the credentials into its errors, the page holds none.
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
  want=$(jq -r --arg o "$o" '.objects[$o] |
    "\(.planned) \(.created) \(.updated) \(.rejected) \(.failed) \(.in_doubt) \(.flagged)"' "$json")
  [ "$got" = "$want" ] || echo "object $o: page '$got', report.json '$want'"
done >"$tmp/objdiff"
[ -s "$tmp/objdiff" ] && failed "per-object numbers differ: $(cat "$tmp/objdiff")"
n=$(grep -c '<tr class="object"' "$tmp/dom")
[ "$n" = "$(jq '.objects | length' "$json")" ] || failed "$n object rows, report.json has $(jq '.objects | length' "$json")"
[ "$(val n-created)" = "$(jq '[.objects[].created] | add' "$json")" ] || failed "created: page $(val n-created)"
refused=$(jq '[.objects[] | .rejected + .failed] | add' "$json")
[ "$refused" -gt 0 ] || failed "the faults refused nothing: the failures check is blind"
calls=$(grep '<tr class="failure"' "$tmp/dom" | sed -n 's/.*data-k="count">\([0-9]*\)<.*/\1/p' |
        awk '{ s += $1 } END { print s + 0 }')
[ "$calls" -ge "$refused" ] || failed "refused calls by reason: $calls, records refused $refused"
exit $fail
