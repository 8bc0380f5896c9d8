#!/bin/sh
# verify_source_itop.sh HMAPC HMAPRUN SANDBOX ROOT: verify_source.sh's tampering
# on the iTop reference map (issue 14, "Done means"): a run of
# tests/fixtures/itop into an hmap-sandbox started here; verify against
# the export finds nothing on the clean migration (exit 0), then after four
# tamperings through /_sandbox/raw and the API (a ticket's meta key
# overwritten, a message deleted, an internal note duplicated, a person's name
# blanked) each is one difference naming the record's key, the field and both
# values (exit 1), and nothing else is reported.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
. "$root/tests/run/verify_lib.sh"
sets="--set help_center_id=1" meta=itop_ref
tamper_run "$hmapc" "$hmaprun" "$sandbox" maps/itop_to_gorgias.hmap tests/fixtures/itop
verify_clean

# ---- tampering
dump
t2=$(ticket R-000042 | jq .id)                # request 42, urgency 3
raw_put "tickets/$t2" '.meta.urgency = "1"'
t3=$(ticket R-000047 | jq .id)                # request 47
delete_message R-000047 1
t1=$(ticket R-000048 | jq .id)                # request 48
duplicate_note R-000048
# person 1
cust=$(jq '.customers[] | select(.external_id == "itop:Person:1") | .id' "$tmp/dump.json")
raw_put "customers/$cust" '.name = ""'

verify >"$tmp/tampered.json"
rc=$?
[ $rc = 1 ] || failed "verify after tampering: exit $rc, wanted 1"
expect_finding Ticket "$t2" '42|meta.urgency: expected "3", found "1"' "the overwritten meta key"
expect_finding Ticket "$t3" "47|messages[1]: expected api \"$gone_text\", found none in Gorgias" \
  "the deleted message"
expect_duplicate "$t1" 48
expect_finding Customer "$cust" '1|name: expected "Alice Martin", found ""' "the blanked person name"
expect_differences 4
exit $fail
