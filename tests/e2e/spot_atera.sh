# Spot checks of the Atera run (sourced by run.sh: $dump, $data, dq, expect_eq,
# failed). Ticket 48213 of tests/fixtures/atera: end user 9120 (contact
# dana@contoso.example), four comments (the third internal), attachments
# screenshot.png and outlook-log.txt (tickets/48213/attachments.json) on one
# internal note; 48215's memory-dump.png (67 KB) is over the run's 50000-byte
# limit. Timestamps are ISO 8601 with Z; a fraction of a second is kept, up to
# microseconds, without trailing zeros (docs/builtins.md, date).
iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%S.%6NZ | sed -E 's/0+Z$/Z/; s/\.Z$/Z/'; }
t=$(dq '[.tickets[] | select(.external_id == "atera:ticket:48213")] | if length == 1 then .[0] else empty end')
if [ -z "$t" ]; then
  failed "Atera: not exactly one ticket with external_id atera:ticket:48213"
else
  tq() { printf '%s' "$t" | jq -r "$@"; }
  created=$(jq -r '.items[] | select(.TicketID == 48213) | .TicketCreatedDate' "$data"/tickets/page-*.json)
  expect_eq "Atera ticket 48213 created_datetime (TicketCreatedDate $created)" "$(iso "$created")" "$(tq .created_datetime)"
  # the comments in order: sent at their Date, the internal one an internal note
  jq -r '.items[] | "\(.Date) \(.IsInternal)"' "$data"/tickets/48213/comments/page-*.json | while read -r d internal; do
    if [ "$internal" = true ]; then echo "$(iso "$d") internal-note false"; else echo "$(iso "$d") api true"; fi
  done >"$tmp/want"
  tq '.messages[] | select((.body_text // "") | startswith("Attachments of Atera ticket") | not) | "\(.sent_datetime) \(.channel) \(.public)"' >"$tmp/got"
  diff -u "$tmp/want" "$tmp/got" >/dev/null || failed "Atera ticket 48213 messages (sent_datetime channel public): got $(tr '\n' ';' <"$tmp/got") wanted $(tr '\n' ';' <"$tmp/want")"
  # the customer, linked by id
  email=$(jq -r '.items[] | select(.EndUserID == 9120) | .Email' "$data"/contacts/page-*.json)
  cid=$(dq --arg e "$email" '.customers[] | select(.email == $e) | .id')
  [ -n "$cid" ] || failed "Atera: no customer $email (contact 9120)"
  expect_eq "Atera ticket 48213 customer.id (contact 9120 $email)" "$cid" "$(tq '.customer.id')"
  # the attachments, on one internal note, their bytes uploaded
  for name in $(jq -r '.[] | sub("[?#].*"; "") | sub(".*/"; "")' "$data/tickets/48213/attachments.json"); do
    u=$(tq --arg n "$name" '[.messages[] | select(.channel == "internal-note" and .public == false) | .attachments // [] | .[] | select(.name == $n)] | .[0].url // empty')
    if [ -z "$u" ]; then failed "Atera ticket 48213: $name is not attached to an internal note"
    else
      expect_eq "Atera upload size of $name" "$(wc -c <"$data/tickets/48213/attachments/$name" | tr -d ' ')" \
        "$(dq --arg u "$u" '.uploads[] | select(.url == $u) | .size')"
    fi
  done
fi
[ "$(dq '[.uploads[] | select(.name == "memory-dump.png")] | length')" = 0 ] || failed "Atera: memory-dump.png (over the limit) was uploaded"
