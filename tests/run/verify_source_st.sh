#!/bin/sh
# verify_source_st.sh HMAPC HMAPRUN SANDBOX ROOT: verify_source.sh's tampering
# on the SmarterTrack reference map (issue 14, "Done means"): a run of
# tests/fixtures/smartertrack into an hmap-sandbox started here; verify against
# the export finds nothing on the clean migration (exit 0), then after four
# tamperings through /_sandbox/raw and the API (a ticket's meta key
# overwritten, a message deleted, an internal note duplicated, a caller's name
# blanked) each is one difference naming the record's key, the field and both
# values (exit 1), and nothing else is reported.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
data=tests/fixtures/smartertrack

"$hmapc" build maps/smartertrack_to_gorgias.hmap -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url
"$hmaprun" run "$tmp/map.hbc" --data "$data" --target "$url" --state "$tmp/state.db" \
  --time-scale 50 >"$tmp/run.out" 2>"$tmp/run.err"
[ $? -le 1 ] || { echo "FAIL: the run"; cat "$tmp/run.err"; exit 1; }
verify() { # verify: against the export, JSON on stdout
  "$hmaprun" verify --state "$tmp/state.db" --target "$url" --time-scale 50 --map "$tmp/map.hbc" \
    --data "$data" --json 2>"$tmp/verify.err"
}

# ---- clean
verify >"$tmp/clean.json"
rc=$?
[ $rc = 0 ] || failed "verify of a clean migration: exit $rc: $(cat "$tmp/clean.json" "$tmp/verify.err")"
[ "$(jq .checked "$tmp/clean.json")" -gt 0 ] && [ "$(jq .differences "$tmp/clean.json")" = 0 ] ||
  failed "clean: $(jq -c '{checked, differences}' "$tmp/clean.json")"

# ---- tampering
curl -sf "$url/_sandbox/dump" >"$tmp/dump.json"
ticket() { jq ".tickets[] | select(.meta.st_ticket_number == \"$1\")" "$tmp/dump.json"; }
raw_put() { # raw_put PATH JQ: rewrite the stored object PATH through JQ
  curl -sf "$url/_sandbox/raw/$1" | jq -c "$2" |
    curl -sf -X PUT -H 'Content-Type: application/json' --data-binary @- \
      "$url/_sandbox/raw/$1" >/dev/null || failed "raw PUT of $1"
}
t2=$(ticket 168-24F24A58-000F | jq .id)       # ticket 20102, department 1
raw_put "tickets/$t2" '.meta.st_department = "9"'
t3=$(ticket 168-24F24A59-0010 | jq .id)       # ticket 20103
gone=$(ticket 168-24F24A59-0010 | jq '.messages[1].id')
gone_text=$(ticket 168-24F24A59-0010 | jq -r '.messages[1].body_text')
curl -sf -X DELETE "$url/_sandbox/raw/messages/$gone" >/dev/null || failed "raw DELETE of message $gone"
t1=$(ticket 168-24F24A57-000E | jq .id)       # ticket 20101
ticket 168-24F24A57-000E | jq -c '[.messages[] | select(.channel == "internal-note")][0]
  | {channel, via, from_agent, public, sender: {id: .sender.id}, body_text, body_html,
     created_datetime, sent_datetime}' >"$tmp/note.json"
curl -sf -u "$GORGIAS_EMAIL:$GORGIAS_API_KEY" -X POST -H 'Content-Type: application/json' \
  --data-binary @"$tmp/note.json" "$url/api/tickets/$t1/messages" >/dev/null || failed "duplicate note"
# a caller with neither an account nor an address: a customer of its own (call log 702)
cust=$(jq '.customers[] | select(.external_id == "smartertrack:caller:702") | .id' "$tmp/dump.json")
raw_put "customers/$cust" '.name = ""'

verify >"$tmp/tampered.json"
rc=$?
[ $rc = 1 ] || failed "verify after tampering: exit $rc, wanted 1"
finding() { # finding TARGET ID: the differences reported on that object, one a line
  jq -r ".objects[] | select(.target == \"$1\" and .id == $2) | \"\(.key)|\(.differences[])\"" \
    "$tmp/tampered.json"
}
finding Ticket "$t2" | grep -qxF '20102|meta.st_department: expected "1", found "9"' ||
  failed "the overwritten meta key: $(finding Ticket "$t2")"
finding Ticket "$t3" | grep -qxF "20103|messages[1]: expected email \"$gone_text\", found none in Gorgias" ||
  failed "the deleted message: $(finding Ticket "$t3")"
finding Ticket "$t1" | grep -q '^20101|messages: found [0-9]* in Gorgias, not in the source: internal-note ".*(a duplicate of messages\[[0-9]*\])$' ||
  failed "the duplicated note: $(finding Ticket "$t1")"
finding Customer "$cust" | grep -qxF '702|name: expected "Mr. Okonkwo", found ""' ||
  failed "the blanked caller name: $(finding Customer "$cust")"
[ "$(jq .differences "$tmp/tampered.json")" = 4 ] ||
  failed "$(jq .differences "$tmp/tampered.json") differences for 4 tamperings: $(jq -c .objects "$tmp/tampered.json")"
exit $fail
