#!/bin/sh
# verify_source.sh HMAPC HMAPRUN SANDBOX ROOT: `hmaprun verify --map FILE.hbc
# --data DIR` against the export. A run of the Atera example into an
# hmap-sandbox started here, then:
# - verify against the source on the clean migration: no difference, exit 0
#   (and with --sample 2: fewer records read, none different);
# - four kinds of tampering through /_sandbox/raw and the API: a ticket's
#   meta key overwritten, a message deleted, an internal note duplicated, a
#   customer's name blanked; each is a difference naming the record's key,
#   the field and both values (exit 1), and nothing else is reported (a
#   ticket's tags put in another order are no difference: a set);
# - verify with another map's settings is refused (exit 2), not compared.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
data=tests/fixtures/atera
sets="--set help_center_id=1 --set max_upload_bytes=50000"

"$hmapc" build maps/atera_to_gorgias.hmap -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url
# shellcheck disable=SC2086
"$hmaprun" run "$tmp/map.hbc" --data "$data" $sets --max-upload-bytes 50000 --target "$url" \
  --state "$tmp/state.db" --time-scale 50 >"$tmp/run.out" 2>"$tmp/run.err"
[ $? -le 1 ] || { echo "FAIL: the run"; cat "$tmp/run.err"; exit 1; }
verify() { # verify [OPTIONS...]: against the export, JSON on stdout
  # shellcheck disable=SC2086
  "$hmaprun" verify --state "$tmp/state.db" --target "$url" --time-scale 50 --map "$tmp/map.hbc" \
    --data "$data" $sets --json "$@" 2>"$tmp/verify.err"
}

# ---- clean
verify >"$tmp/clean.json"
rc=$?
[ $rc = 0 ] || failed "verify of a clean migration: exit $rc: $(cat "$tmp/clean.json" "$tmp/verify.err")"
all=$(jq .checked "$tmp/clean.json")
[ "$all" -gt 0 ] && [ "$(jq .differences "$tmp/clean.json")" = 0 ] ||
  failed "clean: $all records checked, $(jq .differences "$tmp/clean.json") difference(s)"
verify --sample 2 >"$tmp/sample.json"
rc=$?
some=$(jq .checked "$tmp/sample.json")
[ $rc = 0 ] && [ "$some" -gt 0 ] && [ "$some" -lt "$all" ] ||
  failed "verify --sample 2: exit $rc, $some of $all records checked"

# without --map, --sample N reads back the first N objects of each source object
"$hmaprun" verify --state "$tmp/state.db" --target "$url" --time-scale 50 --json --sample 1 \
  >"$tmp/jsample.json" 2>/dev/null
rc=$?
objects=$("$hmaprun" status --state "$tmp/state.db" --json | jq '[.objects[] | select(.created > 0)] | length')
[ $rc = 0 ] && [ "$(jq .checked "$tmp/jsample.json")" = "$objects" ] ||
  failed "verify --sample 1: exit $rc, $(jq .checked "$tmp/jsample.json") objects read, wanted $objects"

# ---- tampering
curl -sf "$url/_sandbox/dump" >"$tmp/dump.json"
ticket() { jq ".tickets[] | select(.meta.atera_ticket_number == \"$1\")" "$tmp/dump.json"; }
t1=$(ticket 48213 | jq .id)
curl -sf "$url/_sandbox/raw/tickets/$t1" | jq -c '.meta.relation = "Tampered"' |
  curl -sf -X PUT -H 'Content-Type: application/json' --data-binary @- \
    "$url/_sandbox/raw/tickets/$t1" >/dev/null || failed "raw PUT of ticket $t1"
gone=$(ticket 48215 | jq '.messages[1].id')
gone_text=$(ticket 48215 | jq -r '.messages[1].body_text')
curl -sf -X DELETE "$url/_sandbox/raw/messages/$gone" >/dev/null || failed "raw DELETE of message $gone"
t4=$(ticket 48216 | jq .id)
ticket 48216 | jq -c '[.messages[] | select(.channel == "internal-note")][0]
  | {channel, via, from_agent, public, sender: {id: .sender.id}, body_text, body_html,
     created_datetime, sent_datetime}' >"$tmp/note.json"
curl -sf -u "$GORGIAS_EMAIL:$GORGIAS_API_KEY" -X POST -H 'Content-Type: application/json' \
  --data-binary @"$tmp/note.json" "$url/api/tickets/$t4/messages" >/dev/null || failed "duplicate note"
cust=$(jq '.customers[] | select(.email == "dana@contoso.example") | .id' "$tmp/dump.json")
curl -sf "$url/_sandbox/raw/customers/$cust" | jq -c '.name = ""' |
  curl -sf -X PUT -H 'Content-Type: application/json' --data-binary @- \
    "$url/_sandbox/raw/customers/$cust" >/dev/null || failed "raw PUT of customer $cust"

# tags are a set: the same tags in another order are no difference
t2=$(ticket 48214 | jq .id)
curl -sf "$url/_sandbox/raw/tickets/$t2" | jq -c '.tags |= reverse' |
  curl -sf -X PUT -H 'Content-Type: application/json' --data-binary @- \
    "$url/_sandbox/raw/tickets/$t2" >/dev/null || failed "raw PUT of ticket $t2"

verify >"$tmp/tampered.json"
rc=$?
[ $rc = 1 ] || failed "verify after tampering: exit $rc, wanted 1"
finding() { # finding TARGET ID: the differences reported on that object, one a line
  jq -r ".objects[] | select(.target == \"$1\" and .id == $2) | \"\(.key)|\(.differences[])\"" \
    "$tmp/tampered.json"
}
finding Ticket "$t1" | grep -qxF '48213|meta.relation: expected "None", found "Tampered"' ||
  failed "the overwritten meta key: $(finding Ticket "$t1")"
t3=$(ticket 48215 | jq .id)
finding Ticket "$t3" | grep -qF "48215|messages[1]: expected api \"$(printf %.20s "$gone_text")" ||
  failed "the deleted message: $(finding Ticket "$t3")"
finding Ticket "$t4" | grep -q '^48216|messages: found [0-9]* in Gorgias, not in the source: internal-note ".*(a duplicate of messages\[[0-9]*\])$' ||
  failed "the duplicated note: $(finding Ticket "$t4")"
finding Customer "$cust" | grep -q '|name: expected "Dana Ruiz", found ""$' ||
  failed "the blanked name: $(finding Customer "$cust")"
[ "$(jq .differences "$tmp/tampered.json")" = 4 ] ||
  failed "$(jq .differences "$tmp/tampered.json") differences for 4 tamperings: $(jq -c .objects "$tmp/tampered.json")"

# ---- another configuration is refused, not compared
# shellcheck disable=SC2086
"$hmaprun" verify --state "$tmp/state.db" --target "$url" --time-scale 50 --map "$tmp/map.hbc" \
  --data "$data" --set help_center_id=2 --set max_upload_bytes=50000 >/dev/null 2>"$tmp/other.err"
rc=$?
[ $rc = 2 ] && grep -qF 'was made by another map or other --set values' "$tmp/other.err" ||
  failed "verify under other settings: exit $rc: $(cat "$tmp/other.err")"
exit $fail
