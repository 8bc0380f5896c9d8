#!/bin/sh
# report_html.sh HMAPC HMAPRUN ROOT SRC: plans maps/SRC_to_gorgias.hmap over
# tests/fixtures/SRC (the e2e settings) and checks report.html:
# - no <script, no on...= handler, no src=/href=/url()/@import at all, and a
#   Content-Security-Policy of default-src 'none';
# - Chromium loads it (its DOM has the title and every section) and requests
#   nothing from any network while doing so (net log: no page request but the
#   file itself; the control page's image request is seen);
# - per object, read/planned/rejected/flagged/guarded/bad/repeats equal
#   report.json's; the totals and the API calls too; the grouped rejections
#   and flags add up to report.json's rows;
# - the scope's kinds of object add up to the objects, its grade and its time
#   at each rate are scope.md's;
# - an example names a record by its human identifiers (SRC's expected text);
# - the agents to invite: one row per Gorgias user report.json's calls create,
#   each with a name and an e-mail, the rows inventory.md lists.
set -u
hmapc=$1 hmaprun=$2 root=$3 src=$4
. "$root/tests/e2e/lib.sh"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "FAIL: chromium not installed (sh scripts/deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$root" || exit 2
"$hmapc" build "maps/${src}_to_gorgias.hmap" -o "$tmp/map.hbc" || { echo "FAIL: build"; exit 1; }
# shellcheck disable=SC2046
"$hmaprun" plan "$tmp/map.hbc" --data "tests/fixtures/$src" --out "$tmp/plan" \
  $(e2e_plan_opts "$src") 2>/dev/null
[ $? -le 1 ] || { echo "FAIL: hmaprun plan"; exit 1; }
html=$tmp/plan/report.html json=$tmp/plan/report.json
[ -s "$html" ] || { echo "FAIL: no report.html beside report.md"; exit 1; }

grep -Eiq '<script|[[:space:]]on[a-z]+=|(src|href|action|srcset|poster)=|url\(|@import' "$html" &&
  failed "report.html holds a script, a handler or a reference: $(grep -Eio '<script|[[:space:]]on[a-z]+=|(src|href|action)=[^ >]*|url\([^)]*|@import' "$html" | head -3)"
grep -q "content=\"default-src 'none'; style-src 'unsafe-inline'\"" "$html" || failed "no CSP"

# load PAGE NAME: the DOM after load, and the URLs the page itself requested
load() {
  timeout 240 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$tmp/profile-$2" \
    --log-net-log="$tmp/net-$2.json" --virtual-time-budget=2000 --dump-dom "file://$1" \
    >"$tmp/$2.dom" 2>"$tmp/err-$2"
  # Chromium's own background requests have no origin ("not an origin"); the page's do
  jq -r '.constants.logEventTypes.URL_REQUEST_START_JOB as $s | .events[] | select(.type == $s)
         | .params | select(.url != null and .initiator != "not an origin") | .url' \
    "$tmp/net-$2.json" | grep -v '^file://' >"$tmp/urls-$2"
}
printf '<!DOCTYPE html><html><body><img src="http://hmap-control.invalid/x.png"></body></html>\n' \
  >"$tmp/control.html"
load "$tmp/control.html" control
grep -q 'hmap-control.invalid' "$tmp/urls-control" ||
  { echo "FAIL: the control page's request is not in the net log: the check is blind"; exit 1; }
load "$html" report
[ -s "$tmp/urls-report" ] && failed "report.html made requests: $(head -3 "$tmp/urls-report")"
title=$(jq -r .migration "$json")
grep -qF "<h1>Migration plan: $title</h1>" "$tmp/report.dom" || failed "the page did not render its title"
for id in scope objects rejected flags losses gaps agents settings; do
  grep -q "<h2 id=\"$id\">" "$tmp/report.dom" || failed "no section $id in the rendered page"
done

# the numbers, as rendered, against report.json
sed -n 's/.*<tr class="object" data-object="\([^"]*\)">.*/\1/p' "$tmp/report.dom" | while read -r o; do
  got=$(grep -F "<tr class=\"object\" data-object=\"$o\">" "$tmp/report.dom" |
        sed 's/<td class="n" data-k="[a-z]*">\([0-9]*\)<\/td>/ \1/g; s/<[^>]*>//g; s/^[^ ]* //')
  want=$(jq -r --arg o "$o" '.objects[$o] | "\(.read) \(.planned) \(.rejected) \(.flagged) \(.guarded) \(.bad) \(.repeats)"' "$json")
  [ "$got" = "$want" ] || echo "object $o: page '$got', report.json '$want'"
done >"$tmp/objdiff"
[ -s "$tmp/objdiff" ] && failed "per-object numbers differ: $(cat "$tmp/objdiff")"
n=$(grep -c '<tr class="object"' "$tmp/report.dom")
[ "$n" = "$(jq '.objects | length' "$json")" ] || failed "$n object rows, report.json has $(jq '.objects | length' "$json")"
val() { sed -n "s/.*id=\"$1\">\([^<]*\)<.*/\1/p" "$tmp/report.dom"; }
[ "$(val n-calls)" = "$(jq .calls.total "$json")" ] || failed "calls: page $(val n-calls)"
[ "$(val n-read)" = "$(jq '[.objects[].read] | add' "$json")" ] || failed "records read: page $(val n-read)"
[ "$(val n-rejected)" = "$(jq '[.objects[].rejected] | add' "$json")" ] || failed "rejected: page $(val n-rejected)"
[ "$(val map-hash)" = "$(jq -r .map_hash "$json")" ] || failed "map hash: page $(val map-hash)"
val version | grep -Eq '^hmaprun [^ ]+ \(git [^)]+\)$' || failed "no tool version: $(val version)"
sum() { grep "<tr class=\"$1\"" "$tmp/report.dom" | sed -n 's/.*data-k="count">\([0-9]*\)<.*/\1/p' |
        awk '{ s += $1 } END { print s + 0 }'; }
[ "$(sum rejected)" = "$(jq '.rejected | length' "$json")" ] || failed "rejections: page $(sum rejected)"
[ "$(sum flags)" = "$(jq '.flags | length' "$json")" ] || failed "flags: page $(sum flags)"

# the scope: the kinds of object add up to every object; the grade is scope.md's
kinds=$(sed -n 's/.*data-k="kind[0-9]">\([0-9]*\)<.*/\1/p' "$tmp/report.dom" | awk '{ s += $1 } END { print s + 0 }')
[ "$kinds" = "$(jq '.objects | length' "$json")" ] || failed "scope kinds add up to $kinds"
g=$(sed -n 's/.*<strong id="grade">\([A-D]\)<.*/\1/p' "$tmp/report.dom")
grep -q "Complexity grade: \*\*$g\*\*" "$tmp/plan/scope.md" || failed "grade $g is not scope.md's"
# the time at each rate (lookups and verify included) is scope.md's, not the planned calls' alone
for i in 0 1 2; do
  t=$(sed -n "s/.*data-k=\"time$i\">\([^<]*\)<.*/\1/p" "$tmp/report.dom")
  row=$(grep '^| \(API key\|OAuth app\|enterprise\),' "$tmp/plan/scope.md" | sed -n "$((i + 1))p")
  [ -n "$t" ] && [ "${row##* | }" = "$t |" ] || failed "time $i: page '$t', scope.md '$row'"
done

# human identifiers in the examples (HTML-escaped as the DOM serialises them)
case $src in
  itop) want='Alice Martin &lt;alice.martin@demo.example&gt; (key 1)' ;;
  atera) want='48213 Outlook keeps asking for password &lt;dana@contoso.example&gt;' ;;
esac
grep -F 'class="ex"' "$tmp/report.dom" | grep -qF "$want" ||
  failed "no example named by its human identifiers ($want)"
# the agents to invite: as many as the users the plan creates, each with an e-mail
users=$(jq '[.calls.by_target[] | select(.phase == "create" and .target == "User") | .calls]
            | add // 0' "$json")
agents=$(grep -c '<tr class="agent">' "$tmp/report.dom")
[ "$agents" = "$users" ] || failed "$agents agents to invite, report.json creates $users users"
[ "$users" -gt 0 ] || [ "$src" != itop ] || failed "the iTop plan creates no user: the check is blind"
grep '<tr class="agent">' "$tmp/report.dom" | grep -Ev '<td>[^<]*[^ <][^<]* &lt;[^@<]+@[^@<]+&gt;</td></tr>$' |
  head -3 >"$tmp/noemail"
[ -s "$tmp/noemail" ] && failed "an agent without name and e-mail: $(cat "$tmp/noemail")"
sed -n 's/^| \([^|]*\) | \([^|]*\) | .*/\1 \2/p' "$tmp/plan/inventory.md" 2>/dev/null |
  grep -v '^key ' | grep -v '^---' >"$tmp/inv.keys"
sed -n 's/.*<tr class="agent"><td>\([^<]*\)<\/td><td>\([^<]*\)<\/td>.*/\1 \2/p' "$tmp/report.dom" |
  while read -r k; do grep -qxF "$k" "$tmp/inv.keys" || echo "$k"; done >"$tmp/notinv"
[ -s "$tmp/notinv" ] && failed "agents on the page but not in inventory.md: $(cat "$tmp/notinv")"
exit $fail
