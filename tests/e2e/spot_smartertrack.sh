# Spot checks of the SmarterTrack run (sourced by run.sh: $dump, $data, dq,
# utc, expect_eq, failed). Ticket 20101 of tests/fixtures/smartertrack: customer
# user 10, three e-mail messages (st_TicketMessages 900001..900003; 900004 is a
# draft, IsDraft=1, not migrated), comment 3001
# (an internal note), attachments 4001 and 4002 on message 900003; 4003 is over
# the 50000-byte limit and 4004 is deleted. Datetimes are zone-less UTC.
zone=UTC
nodot() { sed 's/\.[0-9]*$//'; }
t=$(dq '[.tickets[] | select(.external_id == "smartertrack:ticket:20101")] | if length == 1 then .[0] else empty end')
if [ -z "$t" ]; then
  failed "SmarterTrack: not exactly one ticket with external_id smartertrack:ticket:20101"
else
  tq() { printf '%s' "$t" | jq -r "$@"; }
  opened=$(grep '^20101,' "$data/st_Tickets.csv" | cut -d, -f3 | nodot)
  expect_eq "SmarterTrack ticket 20101 created_datetime (DateOpenedUtc $opened)" "$(utc $zone "$opened")" "$(tq .created_datetime)"
  # the e-mail thread in order, each message sent at its DateReceivedUtc; no draft
  grep -E "^90000[123],20101," "$data/st_TicketMessages.csv" | cut -d, -f3 | nodot | while read -r d; do utc $zone "$d"; done >"$tmp/want"
  tq '.messages[] | select(.channel != "internal-note") | .sent_datetime' >"$tmp/got"
  diff -u "$tmp/want" "$tmp/got" >/dev/null || failed "SmarterTrack ticket 20101 messages' sent_datetime: got $(tr '\n' ' ' <"$tmp/got"), wanted $(tr '\n' ' ' <"$tmp/want")"
  expect_eq "SmarterTrack ticket 20101 from_agent of the e-mails (users 10, 2, 10)" "false true false" \
    "$(tq '[.messages[] | select(.channel != "internal-note") | .from_agent] | map(tostring) | join(" ")')"
  # the comment: an internal note, not public, at its DateEnteredUtc
  entered=$(grep '^3001,20101,' "$data/st_TicketComments.csv" | cut -d, -f5 | nodot)
  expect_eq "SmarterTrack ticket 20101 internal notes (channel public created_datetime)" \
    "internal-note false $(utc $zone "$entered")" \
    "$(tq '[.messages[] | select(.channel == "internal-note" and ((.body_text // "") | contains("Known issue with FW 4.2")))] | map("\(.channel) \(.public) \(.created_datetime)") | join(",")')"
  # the customer, linked by id, and the sender of the customer's messages
  email=$(grep '^10,' "$data/st_Users.csv" | cut -d, -f3)
  cid=$(dq --arg e "$email" '.customers[] | select(.email == $e) | .id')
  [ -n "$cid" ] || failed "SmarterTrack: no customer $email (user 10)"
  expect_eq "SmarterTrack ticket 20101 customer.id (user 10 $email)" "$cid" "$(tq '.customer.id')"
  expect_eq "SmarterTrack ticket 20101 senders of the customer's e-mails" "$cid $cid" \
    "$(tq '[.messages[] | select(.channel != "internal-note" and .from_agent == false) | .sender.id] | map(tostring) | join(" ")')"
  # attachments 4001 and 4002 on message 900003 (the third), their bytes uploaded
  for a in 4001 4002; do
    row=$(grep "^$a,20101,900003," "$data/st_TicketAttachments.csv")
    name=$(printf '%s' "$row" | cut -d, -f4) disk=$(printf '%s' "$row" | cut -d, -f5)
    u=$(tq --arg n "$name" '[.messages[] | select(.channel != "internal-note")][2].attachments // [] | map(select(.name == $n)) | .[0].url // empty')
    if [ -z "$u" ]; then failed "SmarterTrack ticket 20101: $name is not attached to message 900003"
    else
      expect_eq "SmarterTrack upload size of $name" "$(wc -c <"$data/attachments/$disk" | tr -d ' ')" \
        "$(dq --arg u "$u" '.uploads[] | select(.url == $u) | .size')"
    fi
  done
fi
for f in full-resolution-scan.png old-notes.txt; do
  [ "$(dq --arg f "$f" '[.uploads[] | select(.name == $f)] | length')" = 0 ] || failed "SmarterTrack: $f was uploaded"
done
[ "$(dq '[.tickets[].messages[] | select((.body_text // "") | contains("Unsent draft reply"))] | length')" = 0 ] ||
  failed "SmarterTrack: the draft message 900004 was migrated"
