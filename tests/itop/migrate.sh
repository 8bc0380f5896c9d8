#!/bin/sh
# migrate.sh HMAPC HMAPRUN SANDBOX STATE ROOT: the live iTop (up.sh) end to end —
# `hmaprun extract itop`, `hmaprun plan` with the unedited reference map, `hmaprun
# run` into an hmap-sandbox started here, then what landed compared with what
# iTop's REST API answers: one ticket per UserRequest, Incident and Change; per
# ticket every public case-log entry a public message in order with its date,
# every private entry an internal note with its date; every saved attachment of
# a ticket uploaded at its size (the draft not); every person with an e-mail a
# customer (the inactive one too); each public entry by an agent sent by that
# agent (case logs name a User id), each private entry's note naming its author; `hmaprun verify` clean. The map runs unedited
# on an iTop without the example class Site (an optional source).
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 STATE=$4 root=$5
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
itop_skip_if_down "$STATE"
. "$STATE/ids"
tmp=$(mktemp -d); pid=; [ -n "${KEEP:-}" ] && echo "keeping $tmp"
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail=0
failed() { echo "FAIL: $*"; fail=1; }
same() { [ "$2" = "$3" ] || failed "$1: got [$3], wanted [$2]"; }
utc() { date -u -d "TZ=\"Europe/Paris\" $1" +%Y-%m-%dT%H:%M:%SZ; }
rest() { itop_rest "$STATE" "$1"; }

"$hmapc" build "$root/maps/itop_to_gorgias.hmap" -o "$tmp/map.hbc" || exit 1
data=$tmp/export
"$hmaprun" extract itop --url "$ITOP_URL" --out "$data" --credentials-file "$STATE/creds" \
  "$tmp/map.hbc" 2>"$tmp/extract.err" || { failed "extract: exit $?"; cat "$tmp/extract.err"; exit 1; }
popts="--set help_center_id=1 --set max_attachment_bytes=50000"
# shellcheck disable=SC2086
"$hmaprun" plan "$tmp/map.hbc" --data "$data" --out "$tmp/plan" $popts 2>"$tmp/plan.err"
rc=$?
[ $rc -le 1 ] || { failed "hmaprun plan: exit $rc"; cat "$tmp/plan.err"; exit 1; }

GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox
export GORGIAS_EMAIL GORGIAS_API_KEY
. "$root/tests/lib/sandbox.sh"
start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url
"$hmaprun" run --plan "$tmp/plan/calls.ndjson" --data "$data" --target "$url" \
  --state "$tmp/state.db" --time-scale 50 >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
[ $rc -le 1 ] || { failed "hmaprun run: exit $rc"; tail -20 "$tmp/run.err"; }
curl -sf "$url/_sandbox/dump" >"$tmp/dump.json" || { echo "FAIL: GET /_sandbox/dump"; exit 1; }
dq() { jq "$@" "$tmp/dump.json"; }

# ---- tickets and their case logs, against REST
for cls in UserRequest Incident Change; do
  logs=public_log,private_log
  [ "$cls" = Change ] && logs=private_log
  rest "{\"operation\":\"core/get\",\"class\":\"$cls\",\"key\":\"SELECT $cls\",
    \"output_fields\":\"id,$logs\"}" >"$tmp/$cls.json" || exit 1
  for id in $(jq -r '.objects[].key' "$tmp/$cls.json"); do
    t=$(dq -c --arg p "itop:$cls:$id:" '[.tickets[] | select(.external_id | startswith($p))]')
    [ "$(printf '%s' "$t" | jq length)" = 1 ] || { failed "$cls $id: not exactly one ticket"; continue; }
    f() { jq -r --arg k "$cls::$id" ".objects[\$k].fields.$1" "$tmp/$cls.json"; }
    [ "$cls" = Change ] && continue   # Change: the log comes from the CSV blob, checked below
    f 'public_log.entries[].date' | while read -r d; do utc "$d"; done >"$tmp/want"
    printf '%s' "$t" | jq -r '.[0].messages[1:][] | select(.channel != "internal-note")
      | .sent_datetime' >"$tmp/got"
    cmp -s "$tmp/want" "$tmp/got" ||
      failed "$cls $id public messages: got $(tr '\n' ' ' <"$tmp/got")wanted $(tr '\n' ' ' <"$tmp/want")"
    [ "$(printf '%s' "$t" | jq '[.[0].messages[1:][] | select(.channel != "internal-note")
      | select(.public != true)] | length')" = 0 ] || failed "$cls $id: a public entry is not public"
    f 'private_log.entries[].date' | while read -r d; do utc "$d"; done | sort >"$tmp/want"
    printf '%s' "$t" | jq -r '.[0].messages[] | select(.channel == "internal-note" and
      .public == false and ((.body_text // "") | test("Dernière|Description|^$") | not))
      | .created_datetime' | sort >"$tmp/got"
    grep -vxFf "$tmp/got" "$tmp/want" >"$tmp/missing"
    [ -s "$tmp/missing" ] && failed "$cls $id: no internal note at $(tr '\n' ' ' <"$tmp/missing")"
    # each private entry's note names its author (a note's sender is the account's user)
    f 'private_log.entries[] | [.date, .user_login] | @tsv' | while IFS="$(printf '\t')" read -r d w; do
      at=$(utc "$d")
      printf '%s' "$t" | jq -e --arg at "$at" --arg w "$w" '[.[0].messages[] |
        select(.channel == "internal-note" and .created_datetime == $at and
               ((.body_text // "") | contains($w)))] | length > 0' >/dev/null ||
        echo "$cls $id: the note of $at does not name its author $w"
    done >"$tmp/authors"
    [ -s "$tmp/authors" ] && failed "$(cat "$tmp/authors")"
    # the author of each public entry by an agent is that agent
    n=$(f 'public_log.entries | length')
    i=0
    while [ "$i" -lt "$n" ]; do
      who=$(f "public_log.entries[$i].user_login")
      uid=$(f "public_log.entries[$i].user_id")
      email=$(rest "{\"operation\":\"core/get\",\"class\":\"User\",\"key\":\"SELECT User WHERE id = $uid\",
        \"output_fields\":\"email,profile_list\"}" |
        jq -r '.objects[].fields | select(any(.profile_list[]; .profileid != "2")) | .email')
      sid=$(printf '%s' "$t" | jq -r --argjson i "$i" '[.[0].messages[1:][] |
        select(.channel != "internal-note")][$i].sender.id // 0')
      got=$(dq -r --argjson s "$sid" '[.users[] | select(.id == $s) | .email][0] // ""')
      if [ -n "$email" ] && [ "$email" != "$got" ]; then
        failed "$cls $id public entry $i by $who sent as [$got], not $email (attribution)"
      fi
      i=$((i + 1))
    done
  done
done
same "tickets" "$(cat "$tmp"/UserRequest.json "$tmp"/Incident.json "$tmp"/Change.json |
  jq -s '[.[].objects | length] | add')" "$(dq '.tickets | length')"

# ---- attachments: every saved one of a ticket uploaded at its size, the draft not
rest '{"operation":"core/get","class":"Attachment","key":"SELECT Attachment",
  "output_fields":"item_id,temp_id,contents"}' >"$tmp/att.json" || exit 1
jq -r '.objects[].fields | select(.temp_id == "") | [.contents.filename, .contents.data] | @tsv' \
  "$tmp/att.json" | while IFS="$(printf '\t')" read -r name b64; do
  size=$(printf '%s' "$b64" | base64 -d | wc -c)
  [ "$size" -le 50000 ] || continue
  [ "$(dq --arg n "$name" --argjson s "$size" '[.uploads[] | select(.name == $n and .size == $s)]
    | length')" -ge 1 ] || failed "attachment $name ($size bytes) was not uploaded"
done
same "draft uploads" 0 "$(dq '[.uploads[] | select(.name == "brouillon.txt")] | length')"

# ---- persons: each one with an e-mail is a customer, the inactive one too
rest '{"operation":"core/get","class":"Person","key":"SELECT Person","output_fields":"email,status"}' |
  jq -r '.objects[].fields.email | select(. != "") | ascii_downcase' | while read -r e; do
  [ "$(dq --arg e "$e" '[.customers[] | select((.email // "" | ascii_downcase) == $e)] | length')" = 1 ] ||
    failed "person $e is not exactly one customer"
done

"$hmaprun" verify --state "$tmp/state.db" --target "$url" >"$tmp/verify.out" 2>&1 ||
  { failed "hmaprun verify: exit $?"; tail -20 "$tmp/verify.out"; }
[ $fail = 0 ] || { echo "--- plan"; tail -20 "$tmp/plan.err"; echo "--- run"; tail -20 "$tmp/run.err"; }
exit $fail
