#!/bin/sh
# probe.sh HMAPRUN SANDBOX ROOT: `hmaprun probe` (docs/run.md "probe") against
# hmap-sandbox --fidelity strict and --fidelity lenient:
# - the two probe.json files tell the configurations apart on every fact they
#   differ on (created_datetime on PUT refused / ignored, a sender with neither
#   id nor e-mail refused / accepted, ticket settings on / off, the ticket's
#   opened_datetime dropped / kept: refused_fields names it) and agree on
#   what both keep (the customer's and the back-dated ticket's fields, its
#   agent message and internal note, and a draft Help Center article: through
#   the strict sandbox's own Help Center host and token, the lenient one's
#   target) with an image uploaded as a public attachment that a visitor
#   fetches without credentials (help_center_image public; the upload, which
#   Gorgias cannot delete, listed under "undeletable");
# - afterwards the sandbox's customer, ticket and message lists are empty and
#   its outbox too, and probe.json says nothing was left behind;
# - the objects killed probes made (a row of the state: the object's own path,
#   or, when its create went unanswered, the list that finds it by external
#   id, or for a Help Center article the list and its title) are deleted by
#   the next probe, which lists them under "deleted", and the state is empty
#   afterwards; `probe --cleanup` deletes what the state lists and makes nothing.
set -u
hmaprun=$1 sandbox=$2 root=$3
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"

fact() { jq -r --arg f "$2" '.facts[] | select(.fact == $f) | .value' "$1"; }
expect() { # expect FILE FACT VALUE
  v=$(fact "$1" "$2")
  [ "$v" = "$3" ] || failed "$(basename "$1") $2: expected $3, got '$v'"
}
get() { curl -sf -u "$GORGIAS_EMAIL:$GORGIAS_API_KEY" "$sbx_url$1"; }
empty() { # empty WHAT: the sandbox holds nothing the probe made
  for p in /api/customers /api/tickets /api/messages; do
    n=$(get "$p" | jq '.data | length')
    [ "$n" = 0 ] || failed "$1: $p holds $n object(s) after the probe"
  done
  n=$(get /_sandbox/dump | jq '.help_center_articles | length')
  [ "$n" = 0 ] || failed "$1: the Help Center holds $n article(s) after the probe"
  n=$(get /_sandbox/outbox | jq '.data | length')
  [ "$n" = 0 ] || failed "$1: $n outbox entries after the probe"
}

for f in strict lenient; do
  mkdir "$tmp/$f"
  # --rate off: the script's own curl calls do not wait out a 429 as the client does
  start_sandbox "$sandbox" "$tmp/$f" --fidelity "$f" --rate off
  pid=$sbx_pid
  hc=$(sed -n 's/^help center on \(http:[^ ]*\).*/\1/p' "$tmp/$f/sbx.out")
  [ "$f" = strict ] && [ -z "$hc" ] && failed "strict: the sandbox names no Help Center host"
  "$hmaprun" probe --target "$sbx_url" --out "$tmp/$f.json" --state "$tmp/$f.db" \
    --help-center-id 1 ${hc:+--help-center-url "$hc"} \
    2>"$tmp/$f.err" || { failed "probe ($f) exit $?"; cat "$tmp/$f.err"; }
  [ "$(jq .left_behind "$tmp/$f.json")" = 0 ] || failed "$f: left_behind is not 0"
  empty "$f"
  if [ "$f" = strict ]; then
    # what killed probes left: a customer whose create answered (its item row)
    # and one whose create went unanswered (the row of the list that finds it)
    mk() { curl -sf -u "$GORGIAS_EMAIL:$GORGIAS_API_KEY" -H 'Content-Type: application/json' \
      -d "{\"email\":\"$1@example.invalid\",\"name\":\"$1\",\"external_id\":\"$1\"}" \
      "$sbx_url/api/customers" | jq .id; }
    id=$(mk left-answered) id2=$(mk left-unanswered)
    sqlite3 "$tmp/$f.db" "INSERT INTO probe_made(path) VALUES ('/api/customers/$id');
      INSERT INTO probe_made(path, item)
        VALUES ('/api/customers?external_id=left-unanswered', '/api/customers/{id}')"
    "$hmaprun" probe --target "$sbx_url" --out "$tmp/again.json" --state "$tmp/$f.db" \
      2>"$tmp/again.err" || failed "second probe exit $?"
    for i in "/api/customers/$id" "/api/customers/$id2"; do
      jq -e --arg p "$i" '.deleted | any(.path == $p and .status < 300)' \
        "$tmp/again.json" >/dev/null || failed "the killed probe's $i is not deleted"
    done
    n=$(sqlite3 "$tmp/$f.db" "SELECT count(*) FROM probe_made")
    [ "$n" = 0 ] || failed "the probe's state still lists $n object(s)"
    empty "after a killed probe"
  else
    # a draft article whose create went unanswered: the list and its title
    art=/api/help-center/help-centers/1/articles
    id3=$(curl -sf -u "$GORGIAS_EMAIL:$GORGIAS_API_KEY" -H 'Content-Type: application/json' \
      -d '{"translation":{"title":"left-hc","content":"<p>x</p>","excerpt":"x","slug":"left-hc",
           "locale":"en-US"}}' "$sbx_url$art" | jq .id)
    sqlite3 "$tmp/$f.db" "INSERT INTO probe_made(path, item) VALUES ('$art#title=left-hc', '$art/{id}')"
    "$hmaprun" probe --target "$sbx_url" --out "$tmp/again.json" --state "$tmp/$f.db" \
      2>"$tmp/again.err" || failed "second probe ($f) exit $?"
    jq -e --arg p "$art/$id3" '.deleted | any(.path == $p and .status < 300)' \
      "$tmp/again.json" >/dev/null || failed "the killed probe's article $id3 is not deleted"
    empty "after a killed probe's article"
    # probe --cleanup: only what the state lists is deleted, no test objects made
    id4=$(curl -sf -u "$GORGIAS_EMAIL:$GORGIAS_API_KEY" -H 'Content-Type: application/json' \
      -d '{"email":"left-cleanup@example.invalid","name":"x","external_id":"left-cleanup"}' \
      "$sbx_url/api/customers" | jq .id)
    sqlite3 "$tmp/$f.db" "INSERT INTO probe_made(path) VALUES ('/api/customers/$id4')"
    "$hmaprun" probe --target "$sbx_url" --cleanup --state "$tmp/$f.db" 2>"$tmp/clean.err" ||
      failed "probe --cleanup exit $?"
    grep -qx 'hmaprun probe: --cleanup deleted 1 object(s), 0 left' "$tmp/clean.err" ||
      { failed "probe --cleanup: message"; cat "$tmp/clean.err"; }
    n=$(sqlite3 "$tmp/$f.db" "SELECT count(*) FROM probe_made")
    [ "$n" = 0 ] || failed "after --cleanup the state still lists $n object(s)"
    [ "$(get /_sandbox/dump | jq '.tickets + .help_center_articles | length')" = 0 ] ||
      failed "probe --cleanup made test objects"
    empty "after probe --cleanup"
  fi
  # the article's image: a public attachment a visitor (no credentials) can
  # fetch; an attachment the visitor cannot (the probe can tell them apart)
  img=$(jq -r '.facts[] | select(.fact == "help_center_image") | .evidence.url' "$tmp/$f.json")
  case $img in */api/public_attachment/download/*) ;; *) failed "$f: image url $img";; esac
  curl -sf -o "$tmp/img.png" "$img" || failed "$f: the image is not served without credentials"
  [ "$(wc -c <"$tmp/img.png" | tr -d ' ')" = 67 ] || failed "$f: the image is not the probe's PNG"
  [ "$(jq -r '.undeletable | join(" ")' "$tmp/$f.json")" = "$img" ] ||
    failed "$f: undeletable does not list the image (only)"
  priv=$(printf 'x' | curl -sf -u "$GORGIAS_EMAIL:$GORGIAS_API_KEY" -F "file=@-;filename=p.txt" \
    "$sbx_url/api/upload?type=attachment" | jq -r '.[0].url')
  st=$(curl -s -o /dev/null -w '%{http_code}' "$priv")
  [ "$st" = 401 ] || failed "$f: a private attachment answers $st to a visitor, wanted 401"
  kill "$pid"; wait "$pid" 2>/dev/null; pid=
done

for f in strict lenient; do
  expect "$tmp/$f.json" customer_fields kept
  expect "$tmp/$f.json" ticket_messages kept
done
expect "$tmp/strict.json" ticket_fields changed
expect "$tmp/lenient.json" ticket_fields kept
expect "$tmp/strict.json" refused_fields some
expect "$tmp/lenient.json" refused_fields none
got=$(jq -c '.facts[] | select(.fact == "refused_fields") | .evidence.fields' "$tmp/strict.json")
[ "$got" = '{"Ticket.opened_datetime":"sent \"2020-01-02T03:04:05Z\", read back nothing"}' ] ||
  failed "strict: refused_fields evidence is $got"
for f in strict lenient; do
  expect "$tmp/$f.json" help_center_article kept
  expect "$tmp/$f.json" help_center_image public
done
expect "$tmp/strict.json" help_center_host own_host
expect "$tmp/lenient.json" help_center_host target
expect "$tmp/strict.json" put_created_datetime refused
expect "$tmp/lenient.json" put_created_datetime ignored
expect "$tmp/strict.json" anonymous_sender refused
expect "$tmp/lenient.json" anonymous_sender accepted
expect "$tmp/strict.json" ticket_settings some_on
expect "$tmp/lenient.json" ticket_settings all_off
jq -e '.facts[] | select(.fact == "put_created_datetime") | .evidence.status == 400' \
  "$tmp/strict.json" >/dev/null || failed "strict: the PUT's 400 is not the evidence"
jq -e '.facts[] | select(.fact == "ticket_settings") | .evidence.on
       | index("auto-merge.tickets.enabled")' "$tmp/strict.json" >/dev/null ||
  failed "strict: auto-merge not among the settings on"
exit $fail
