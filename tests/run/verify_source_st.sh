#!/bin/sh
# verify_source_st.sh HMAPC HMAPRUN SANDBOX ROOT: verify_source.sh's tampering
# on the SmarterTrack reference map (issue 14, "Done means"): a run of
# tests/fixtures/smartertrack into an hmap-sandbox started here; verify against
# the export finds nothing on the clean migration (exit 0), then after five
# tamperings through /_sandbox/raw and the API (a ticket's meta key
# overwritten, a message deleted, an internal note duplicated, a caller's name
# blanked, and the name of a chat visitor blanked: a customer made inline with
# the chat's ticket, with no external_id, found through that ticket) each is
# one difference naming the record's key, the field and both values (exit 1),
# and nothing else is reported.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
. "$root/tests/run/verify_lib.sh"
meta=st_ticket_number
tamper_run "$hmapc" "$hmaprun" "$sandbox" maps/smartertrack_to_gorgias.hmap tests/fixtures/smartertrack
verify_clean

# ---- tampering
dump
t2=$(ticket 168-24F24A58-000F | jq .id)       # ticket 20102, department 1
raw_put "tickets/$t2" '.meta.st_department = "9"'
t3=$(ticket 168-24F24A59-0010 | jq .id)       # ticket 20103
delete_message 168-24F24A59-0010 1
t1=$(ticket 168-24F24A57-000E | jq .id)       # ticket 20101
duplicate_note 168-24F24A57-000E
# a caller with neither an account nor an address: a customer of its own (call log 702)
cust=$(jq '.customers[] | select(.external_id == "smartertrack:caller:702") | .id' "$tmp/dump.json")
raw_put "customers/$cust" '.name = ""'
# chat 502's visitor has no account: {email, name} in the chat's ticket
chat=$(jq '.tickets[] | select(.meta.st_chat_number == "C-502") | .id' "$tmp/dump.json")
visitor=$(jq ".tickets[] | select(.id == $chat) | .customer.id" "$tmp/dump.json")
[ "$(jq ".customers[] | select(.id == $visitor) | .external_id" "$tmp/dump.json")" = null ] ||
  failed "chat 502's visitor has an external_id: not the inline customer this checks"
raw_put "customers/$visitor" '.name = ""'

verify >"$tmp/tampered.json"
rc=$?
[ $rc = 1 ] || failed "verify after tampering: exit $rc, wanted 1"
expect_finding Ticket "$t2" '20102|meta.st_department: expected "1", found "9"' \
  "the overwritten meta key"
expect_finding Ticket "$t3" "20103|messages[1]: expected email \"$gone_text\", found none in Gorgias" \
  "the deleted message"
expect_duplicate "$t1" 20101
expect_finding Customer "$cust" '702|name: expected "Mr. Okonkwo", found ""' "the blanked caller name"
expect_finding Ticket "$chat" '502|customer.name: expected "Visitor 8812", found ""' \
  "the blanked chat visitor name"
expect_differences 5
exit $fail
