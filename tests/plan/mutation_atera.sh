#!/bin/sh
# mutation_atera.sh HMAPC HMAPRUN ROOT WORK: loss accounting on the Atera
# reference map (issue 14, "Done means"). A copy of tests/fixtures/atera (JSON
# pages) gets one change per kind, and each must appear in report.json with its
# record key:
# - a value outside the enum the schema declares (TicketPriority "Urgent" on
#   ticket 48214): a warn flag naming the column, key 48214;
# - an extra member (`ContractLevel`, on ticket 48214 only): listed under
#   not_migrated for Ticket, 1 record, example 48214;
# - a value over a Gorgias limit (contact 9120's e-mail past 320 characters):
#   a rejection naming the field and the limit, key 9120.
# - a member missing from every record (TicketSource dropped from every ticket page):
#   JSON has no header, so the planner reads all records and names the member.
# The clean fixture raises none of them.
set -u
hmapc=$1 hmaprun=$2 root=$3 work=$4
. "$root/tests/run/verify_lib.sh"
hbc=$work/atera.hbc
sets="--set help_center_id=1 --set max_upload_bytes=50000"
mutation_build "$hmapc" "$root/maps/atera_to_gorgias.hmap" "$hbc"
src=$root/tests/fixtures/atera
cp -R "$src" "$work/data"
long=$(printf '%0330d' 0)
jq '.items |= map(if .TicketID == 48214 then .TicketPriority = "Urgent" | .ContractLevel = "gold"
                  else . end)' "$src/tickets/page-0001.json" >"$work/data/tickets/page-0001.json"
jq --arg l "$long" '.items |= map(if .EndUserID == 9120 then .Email = ($l + "@contoso.example")
                    else . end)' "$src/contacts/page-0001.json" >"$work/data/contacts/page-0001.json"

for pg in "$src"/tickets/page-*.json; do
  jq 'del(.items[].TicketSource)' "$work/data/tickets/$(basename "$pg")" >"$work/page.json" &&
    mv "$work/page.json" "$work/data/tickets/$(basename "$pg")"
done

plan "$work/data" "$work/mutated"
plan "$src" "$work/clean"
m=$work/mutated/report.json c=$work/clean/report.json
outside='.flags | any(.object == "Ticket" and .key == "48214" and .severity == "warn"
  and .message == "Ticket.TicketPriority: a value outside the enum the schema declares (\"Low\", \"Medium\", \"High\", \"Critical\")")'
extra='.not_migrated | any(.object == "Ticket" and .column == "ContractLevel" and .records == 1
  and .example == "48214")'
over='.rejected | any(.object == "Contact" and .key == "9120" and .field == "email"
  and .message == "Customer: email has 346 characters, Gorgias accepts at most 320")'
want "TicketPriority Urgent, outside the schema's enum, flagged on 48214" "$outside" "$m"
want "extra member listed as not migrated, example 48214" "$extra" "$m"
want "an e-mail over Gorgias' limit rejected on 9120" "$over" "$m"
gone='.flags | any(.severity == "warn" and .message ==
  "tickets: no record has the member '"'TicketSource'"': the map reads it, every record reads it as missing")'
want "a member no ticket has, named" "$gone" "$m"
want "clean: no member missing everywhere" "(.flags | any(.message | test(\"no record has the member\"))) | not" "$c"
want "clean: no value outside an enum" "(.flags | any(.message | test(\"outside the enum\"))) | not" "$c"
want "clean: no ContractLevel" "(.not_migrated | any(.column == \"ContractLevel\")) | not" "$c"
want "clean: nothing over a limit" "(.rejected | any(.message | test(\"accepts at most\"))) | not" "$c"
[ $fail = 0 ] && echo "mutation_atera: all kinds reported with their record key"
exit $fail
