#!/bin/sh
# delta.sh HMAPC HMAPRUN SANDBOX STATE ROOT: the cutover delta on the live iTop
# (up.sh). A full extract, plan and run into an hmap-sandbox started here; then
# iTop changes (a new public entry on a ticket, a ticket resolved and closed, a
# new person); `hmaprun extract itop --since` (the time before the changes)
# brings only the changed tickets (and every person); plan and `run --delta` over
# it land the new entry once, the closed ticket's resolution once, the new
# person, and no ticket, message or customer twice. Runs last: it changes iTop.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 STATE=$4 root=$5
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
itop_skip_if_down "$STATE"
. "$STATE/ids"
tmp=$(mktemp -d); pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; }
trap 'stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail=0
failed() { echo "FAIL: $*"; fail=1; }
same() { [ "$2" = "$3" ] || failed "$1: got [$3], wanted [$2]"; }
"$hmapc" build "$root/maps/itop_to_gorgias.hmap" -o "$tmp/map.hbc" || exit 1
popts="--set help_center_id=1 --set max_attachment_bytes=50000"
GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox
export GORGIAS_EMAIL GORGIAS_API_KEY
. "$root/tests/lib/sandbox.sh"
start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url
# migrate DIR [--since DATE] [--delta]: extract into DIR, plan, run
migrate() {
  d=$1; shift
  since=; delta=
  [ "${1:-}" = --since ] && { since=$2; shift 2; }
  [ "${1:-}" = --delta ] && delta=--delta
  "$hmaprun" extract itop --url "$ITOP_URL" --out "$d" --credentials-file "$STATE/creds" \
    ${since:+--since "$since"} "$tmp/map.hbc" 2>"$d.extract" ||
    { failed "extract $d"; cat "$d.extract"; exit 1; }
  # shellcheck disable=SC2086
  "$hmaprun" plan "$tmp/map.hbc" --data "$d" --out "$d.plan" $popts 2>"$d.planerr"
  [ $? -le 1 ] || { failed "plan $d"; cat "$d.planerr"; exit 1; }
  "$hmaprun" run --plan "$d.plan/calls.ndjson" --data "$d" --target "$url" --state "$tmp/state.db" \
    --time-scale 50 $delta >"$d.run" 2>&1
  [ $? -le 1 ] || { failed "run $d $delta"; tail -20 "$d.run"; exit 1; }
}
migrate "$tmp/full"
curl -sf "$url/_sandbox/dump" >"$tmp/before.json" || exit 1

# ---- iTop changes after T
T=$(TZ=Europe/Paris date '+%Y-%m-%d %H:%M:%S')
itop_update "$STATE" UserRequest "$R2" "{\"public_log\":{\"add_item\":{\"message\":
  \"<p>Accès VPN ouvert, delta.</p>\",\"format\":\"html\",\"user_id\":$U_ALICE}}}" || exit 1
itop_stimulus "$STATE" UserRequest "$R3" ev_resolve '{"solution":"<p>Badge refait.</p>"}' || exit 1
itop_stimulus "$STATE" UserRequest "$R3" ev_close \
  '{"user_satisfaction":"2","user_comment":"ok"}' || exit 1
itop_create "$STATE" Person "{\"first_name\":\"Zoé\",\"name\":\"Nouvelle\",\"org_id\":$ORG_PARIS,
  \"email\":\"zoe.nouvelle@acme.example\"}" >/dev/null || exit 1

migrate "$tmp/delta" --since "$T" --delta
m=$tmp/delta/manifest.json
same "since in the manifest" "\"$T\"" "$(jq .since "$m")"
same "changed requests extracted" 2 "$(jq '.files["UserRequest.csv"].count' "$m")"
same "changed request case logs" 2 "$(ls "$tmp/delta/rest/UserRequest" | wc -l)"
same "incidents (none changed)" 0 "$(jq '.files["Incident.csv"].count' "$m")"
persons=$(jq '.files["Person.csv"].count' "$tmp/full/manifest.json")
same "persons (always whole)" "$((persons + 1))" \
  "$(jq '.files["Person.csv"].count' "$m")"
curl -sf "$url/_sandbox/dump" >"$tmp/after.json" || exit 1
a() { jq "$@" "$tmp/after.json"; }
b() { jq "$@" "$tmp/before.json"; }
same "tickets (no duplicate)" "$(b '.tickets | length')" "$(a '.tickets | length')"
same "tickets by external_id" "$(a '[.tickets[].external_id] | unique | length')" \
  "$(a '.tickets | length')"
t="select(.external_id | startswith(\"itop:UserRequest:$R2:\"))"
same "the new entry, once" 1 "$(a "[.tickets[] | $t | .messages[] | select((.body_text // \"\")
  | contains(\"Accès VPN ouvert, delta.\"))] | length")"
same "ticket $R2 messages" "$(( $(b "[.tickets[] | $t | .messages[]] | length") + 1 ))" \
  "$(a "[.tickets[] | $t | .messages[]] | length")"
same "messages by external_id" "$(a '[.tickets[].messages[] | .external_id // empty] | length')" \
  "$(a '[.tickets[].messages[] | .external_id // empty] | unique | length')"
t3="select(.external_id | startswith(\"itop:UserRequest:$R3:\"))"
same "ticket $R3 closed" '"closed"' "$(a "[.tickets[] | $t3 | .status][0]")"
same "the new person" 1 \
  "$(a '[.customers[] | select(.email == "zoe.nouvelle@acme.example")] | length')"
same "customers by e-mail" "$(a '[.customers[] | .email // empty | ascii_downcase] | length')" \
  "$(a '[.customers[] | .email // empty | ascii_downcase] | unique | length')"
[ $fail = 0 ] || { echo "--- delta run"; tail -20 "$tmp/delta.run"; }
exit $fail
