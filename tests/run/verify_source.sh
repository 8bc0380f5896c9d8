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
. "$root/tests/run/verify_lib.sh"
sets="--set help_center_id=1 --set max_upload_bytes=50000" run_opts="--max-upload-bytes 50000"
meta=atera_ticket_number
tamper_run "$hmapc" "$hmaprun" "$sandbox" maps/atera_to_gorgias.hmap tests/fixtures/atera

# ---- clean
verify_clean
all=$(jq .checked "$tmp/clean.json")
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
dump
t1=$(ticket 48213 | jq .id)
raw_put "tickets/$t1" '.meta.relation = "Tampered"'
delete_message 48215 1
t4=$(ticket 48216 | jq .id)
duplicate_note 48216
cust=$(jq '.customers[] | select(.email == "dana@contoso.example") | .id' "$tmp/dump.json")
raw_put "customers/$cust" '.name = ""'

# tags are a set: the same tags in another order are no difference
t2=$(ticket 48214 | jq .id)
raw_put "tickets/$t2" '.tags |= reverse'

verify >"$tmp/tampered.json"
rc=$?
[ $rc = 1 ] || failed "verify after tampering: exit $rc, wanted 1"
expect_finding Ticket "$t1" '48213|meta.relation: expected "None", found "Tampered"' \
  "the overwritten meta key"
t3=$(ticket 48215 | jq .id)
finding Ticket "$t3" | grep -qF "48215|messages[1]: expected api \"$(printf %.20s "$gone_text")" ||
  failed "the deleted message: $(finding Ticket "$t3")"
expect_duplicate "$t4" 48216
finding Customer "$cust" | grep -q '|name: expected "Dana Ruiz", found ""$' ||
  failed "the blanked name: $(finding Customer "$cust")"
expect_differences 4

# ---- another configuration is refused, not compared
# shellcheck disable=SC2086
"$hmaprun" verify --state "$tmp/state.db" --target "$url" --time-scale 50 --map "$tmp/map.hbc" \
  --data "$data" --set help_center_id=2 --set max_upload_bytes=50000 >/dev/null 2>"$tmp/other.err"
rc=$?
[ $rc = 2 ] && grep -qF 'was made by another map or other --set values' "$tmp/other.err" ||
  failed "verify under other settings: exit $rc: $(cat "$tmp/other.err")"
exit $fail
