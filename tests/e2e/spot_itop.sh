# Spot checks of the iTop run (sourced by run.sh: $dump, $data, dq, utc,
# expect_eq, failed). Incident 3 (I-000003) of tests/fixtures/itop: caller
# Person 3, REST case logs rest/Incident/3.json (2 public entries, 3 private),
# attachment 104 mail-queue.log. Dates are Y-m-d H:i:s in Europe/Paris.
zone=Europe/Paris
t=$(dq '[.tickets[] | select(.external_id | test("^itop:Incident:3(:|$)"))] | if length == 1 then .[0] else empty end')
if [ -z "$t" ]; then
  failed "iTop: not exactly one ticket with external_id itop:Incident:3..."
else
  tq() { printf '%s' "$t" | jq -r "$@"; }
  start=$(grep '^3,"I-000003"' "$data/Incident.csv" | grep -o '"20[0-9-]* [0-9:]*"' | head -n 1 | tr -d '"')
  expect_eq "iTop Incident 3 created_datetime (start_date $start $zone)" "$(utc $zone "$start")" "$(tq .created_datetime)"
  # the description first, public, sent at the start date, with its attachment
  expect_eq "iTop Incident 3 message 0 channel/public" "api true" "$(tq '.messages[0] | "\(.channel) \(.public)"')"
  expect_eq "iTop Incident 3 message 0 sent_datetime" "$(utc $zone "$start")" "$(tq '.messages[0].sent_datetime')"
  att=$(tq '.messages[0].attachments // [] | map(select(.name == "mail-queue.log")) | .[0].url // empty')
  if [ -z "$att" ]; then failed "iTop Incident 3: mail-queue.log is not attached to the first message"
  else
    expect_eq "iTop Incident 3 attachment upload size" "$(wc -c <"$data/attachments/104/mail-queue.log" | tr -d ' ')" \
      "$(dq --arg u "$att" '.uploads[] | select(.url == $u) | .size')"
  fi
  # the public log, oldest first, each with its own date, from the agent
  jq -r '.objects[].fields.public_log.entries[].date' "$data/rest/Incident/3.json" | while read -r d; do utc $zone "$d"; done >"$tmp/want"
  tq '.messages[1:][] | select(.channel != "internal-note") | .sent_datetime' >"$tmp/got"
  diff -u "$tmp/want" "$tmp/got" >/dev/null || failed "iTop Incident 3 public messages' sent_datetime: got $(tr '\n' ' ' <"$tmp/got"), wanted $(tr '\n' ' ' <"$tmp/want")"
  n=$(jq -r '.objects[].fields.public_log.entries | length' "$data/rest/Incident/3.json")
  i=0
  while [ $i -lt "$n" ]; do
    msg=$(jq -r ".objects[].fields.public_log.entries[$i].message | .[0:30]" "$data/rest/Incident/3.json")
    ok=$(tq --arg m "$msg" --argjson i "$i" '[.messages[1:][] | select(.channel != "internal-note")][$i] | select(.public == true and .from_agent == true and ((.body_text // "") | contains($m))) | 1')
    [ "$ok" = 1 ] || failed "iTop Incident 3: public message $i is not the public log entry \"$msg\" (public, from the agent)"
    i=$((i + 1))
  done
  # the private log: internal notes, not public, original dates and authors
  jq -r '.objects[].fields.private_log.entries[].date' "$data/rest/Incident/3.json" | while read -r d; do utc $zone "$d"; done >"$tmp/want"
  tq '.messages[] | select(.channel == "internal-note" and ((.body_text // "") | contains("private log"))) | .created_datetime' >"$tmp/got"
  diff -u "$tmp/want" "$tmp/got" >/dev/null || failed "iTop Incident 3 internal notes' created_datetime: got $(tr '\n' ' ' <"$tmp/got"), wanted $(tr '\n' ' ' <"$tmp/want")"
  expect_eq "iTop Incident 3 internal notes that are public" 0 "$(tq '[.messages[] | select(.channel == "internal-note" and .public != false)] | length')"
  for who in $(jq -r '.objects[].fields.private_log.entries[].user_login | @base64' "$data/rest/Incident/3.json"); do
    who=$(printf '%s' "$who" | base64 -d)
    [ "$(tq --arg w "$who" '[.messages[] | select(.channel == "internal-note" and ((.body_text // "") | contains($w)))] | length')" -ge 1 ] ||
      failed "iTop Incident 3: no internal note names its author $who"
  done
  # the caller, linked by id
  email=$(grep '^3,' "$data/Person.csv" | grep -o '"[^"]*@[^"]*"' | head -n 1 | tr -d '"')
  cid=$(dq --arg e "$email" '.customers[] | select(.email == $e) | .id')
  [ -n "$cid" ] || failed "iTop: no customer $email (Person 3)"
  expect_eq "iTop Incident 3 customer.id (Person 3 $email)" "$cid" "$(tq '.customer.id')"
  expect_eq "iTop Incident 3 message 0 sender.id" "$cid" "$(tq '.messages[0].sender.id')"
fi
# the draft (102) and the attachment over the limit (103) were not uploaded
for f in brouillon.txt scan-bac2-300dpi.png; do
  [ "$(dq --arg f "$f" '[.uploads[] | select(.name == $f)] | length')" = 0 ] || failed "iTop: $f was uploaded"
done
# an FAQ's inline image is a public upload (Help Center visitors see it), a
# ticket's stays private: every upload has the type its call planned
jq -s -r '.[] | select(.phase == "upload") | "\(.name) \(.upload_type // "attachment")"' "$calls" |
  sort >"$tmp/utypes.plan"
dq '.uploads[] | "\(.name) \(.type)"' | sort >"$tmp/utypes.dump"
grep -q ' public_attachment$' "$tmp/utypes.plan" || failed "iTop: no FAQ image planned as a public upload"
diff -u "$tmp/utypes.plan" "$tmp/utypes.dump" >"$tmp/utypes.diff" ||
  { failed "iTop: upload types differ from the plan's:"; cat "$tmp/utypes.diff"; }
