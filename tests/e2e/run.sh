#!/bin/sh
# run.sh HMAPC HMAPRUN SANDBOX ROOT SRC [MODE]: a real migration of
# tests/fixtures/SRC with maps/SRC_to_gorgias.hmap into an hmap-sandbox started
# here (--port 0, in memory, --time-scale 50), with the settings of lib.sh.
# MODE `plan` (default) executes the plan `hmaprun plan` wrote (`hmaprun run
# --plan calls.ndjson`); MODE `hbc` runs `hmaprun run FILE.hbc --set ...`
# itself, compared with the plan of the same settings. Then:
# - the run carries out every planned call: exit 0, or 1 when it refused an
#   upload over its limit or (hbc mode) its planning rejected records;
# - /_sandbox/dump holds exactly what the plan predicts: tickets, messages,
#   users, teams, custom fields, uploads, Help Center categories and articles
#   counted from calls.ndjson, customers (created ones plus the ones a ticket
#   names by e-mail) and the tag names (created ones plus ticket tags);
# - spot checks field by field (spot_SRC below): a ticket's created_datetime is
#   the fixture's timestamp in UTC, its messages in order with their
#   sent_datetime, an internal note, the customer linked by id, an attachment;
# - /_sandbox/outbox is empty; `hmaprun verify` exits 0, and so does
#   `hmaprun verify --map FILE.hbc --data DIR` (against the export);
# - `hmaprun rollback` exits 0 and leaves none of the run's records (uploads
#   cannot be deleted in Gorgias: it names exactly how many it leaves; custom
#   fields are deactivated).
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4 src=$5 mode=${6:-plan}
. "$root/tests/e2e/lib.sh"
cd "$root" || exit 2
tmp=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
data=tests/fixtures/$src
GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox
export GORGIAS_EMAIL GORGIAS_API_KEY

"$hmapc" build "maps/${src}_to_gorgias.hmap" -o "$tmp/map.hbc" || { echo "FAIL: hmapc build: exit $?"; exit 1; }
popts=$(e2e_plan_opts "$src")
# shellcheck disable=SC2086
"$hmaprun" plan "$tmp/map.hbc" --data "$data" --out "$tmp/plan" $popts 2>"$tmp/plan.err"
plan_rc=$?
[ $plan_rc -le 1 ] || { echo "FAIL: hmaprun plan: exit $plan_rc"; cat "$tmp/plan.err"; exit 1; }
calls=$tmp/plan/calls.ndjson
# planned uploads the run refuses (over its --max-upload-bytes): counted out below
max=$(e2e_run_opts "$src" | sed -n 's/.*--max-upload-bytes \([0-9]*\).*/\1/p')
uploads=0 refused=0
for f in $(jq -r 'select(.phase == "upload") | .file | @base64' "$calls"); do
  f=$(printf '%s' "$f" | base64 -d)
  size=$(wc -c <"$data/$f")
  if [ -n "$max" ] && [ "$size" -gt "$max" ]; then refused=$((refused + 1)); else uploads=$((uploads + 1)); fi
done
# the run's exit: 1 when it rejected something (a refused upload; in hbc mode
# also what its own planning rejected, as `hmaprun plan` did), else 0
want_rc=0
[ $refused -gt 0 ] && want_rc=1
[ "$mode" = hbc ] && [ $plan_rc = 1 ] && want_rc=1

. "$(dirname "$0")/../lib/sandbox.sh"
start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url

if [ "$mode" = hbc ]; then what="$tmp/map.hbc $popts"; else what="--plan $calls"; fi
# shellcheck disable=SC2046,SC2086
"$hmaprun" run $what --data "$data" --target "$url" --state "$tmp/state.db" --time-scale 50 \
  $(e2e_run_opts "$src") >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
[ $rc = $want_rc ] || { failed "hmaprun run: exit $rc, wanted $want_rc:"; cat "$tmp/run.err"; }
curl -sf "$url/_sandbox/dump" >"$tmp/dump.json" || { echo "FAIL: GET /_sandbox/dump"; exit 1; }
curl -sf "$url/_sandbox/stats" >"$tmp/stats.json" || { echo "FAIL: GET /_sandbox/stats"; exit 1; }
dump=$tmp/dump.json

# ---- counts: what the plan predicts
plan_n() { jq -s "$1" "$calls"; }
dump_n() { jq "$1" "$dump"; }
same() { # same WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || failed "$1: the dump has $3, the plan predicts $2"
}
creates() { plan_n "[.[] | select(.phase == \"create\" and .target == \"$1\")] | length"; }
same tickets "$(creates Ticket)" "$(dump_n '.tickets | length')"
same messages "$(plan_n '[.[] | select(.phase == "create" and .target == "Ticket") | .body.messages | length] + [.[] | select(.phase == "message") | 1] | add // 0')" \
  "$(dump_n '[.tickets[] | .messages | length] | add // 0')"
same users "$(creates User)" "$(dump_n '.users | length')"
same teams "$(creates Team)" "$(dump_n '.teams | length')"
same custom_fields "$(creates CustomField)" "$(dump_n '.custom_fields | length')"
same help_center_categories "$(creates HelpCenterCategory)" "$(dump_n '.help_center_categories | length')"
same help_center_articles "$(creates HelpCenterArticle)" "$(dump_n '.help_center_articles | length')"
# uploads: every planned one, less those over the run's --max-upload-bytes (Atera)
same uploads "$uploads" "$(dump_n '.uploads | length')"
# customers: one per distinct e-mail of the Customer creates (each one without
# an e-mail on its own), plus a ticket's customer named by a new e-mail
same customers "$(plan_n '
  [.[] | select(.phase == "create" and .target == "Customer") | .body] as $c
  | ([$c[] | .email // empty | ascii_downcase] | unique) as $e
  | ($e | length) + ([$c[] | select((.email // "") == "")] | length)
    + ([.[] | select(.phase == "create" and .target == "Ticket") | .body.customer
        | select(type == "object" and has("id") | not) | .email // empty | ascii_downcase] | unique - $e | length)')" \
  "$(dump_n '.customers | length')"
# tags: the created ones and every name on a ticket, nothing else
plan_n '[.[] | select(.target == "Tag") | .body.name] + [.[] | select(.target == "Ticket") | .body.tags[]?.name] | unique | .[]' >"$tmp/tags.plan"
dump_n '[.tags[].name] | unique | .[]' >"$tmp/tags.dump"
diff -u "$tmp/tags.plan" "$tmp/tags.dump" >"$tmp/tags.diff" || { failed "tag names in the dump differ from the plan's:"; cat "$tmp/tags.diff"; }

# ---- calls at the minimum: every write the sandbox saw is a planned call,
# the plan's calls are its minimum (no update but for a record created later)
writes=$(jq '[.routes | to_entries[] | select(.key | test("^(POST|PUT|PATCH|DELETE) /api/"))
              | .value[]] | add // 0' "$tmp/stats.json")
# (less the uploads the run refused over its --max-upload-bytes)
same "writes (POST/PUT/DELETE)" "$(($(jq '.calls.total' "$tmp/plan/report.json") - refused))" \
  "$writes"
same "the plan's calls against its minimum" "$(jq '.calls.minimum' "$tmp/plan/report.json")" \
  "$(jq '.calls.total' "$tmp/plan/report.json")"
# the update never drops what the create wrote into an object-valued field (meta)
lost=$(jq -n --slurpfile c "$calls" --slurpfile d "$dump" '
  [$c[] | select(.phase == "create" and .target == "Ticket" and (.body.meta | type) == "object")
   | {x: .body.external_id, k: (.body.meta | keys)}] as $want
  | [$d[0].tickets[] | {x: .external_id, k: ((.meta // {}) | keys)}] as $got
  | [$want[] | . as $w | $got[] | select(.x == $w.x) | select(($w.k - .k) | length > 0)
     | "\($w.x): \($w.k - .k | join(","))"] | join("; ")')
[ "$lost" = '""' ] || failed "meta keys written at creation are gone from the dump: $lost"

# a ticket whose messages did not all fit in its create (follow-up message
# calls) ends with the status and datetimes its create gave
moved=$(jq -n --slurpfile c "$calls" --slurpfile d "$dump" '
  ([$c[] | select(.phase == "message") | .path | capture("[{]ref:(?<r>[^}]*)[}]").r] | unique) as $long
  | [$c[] | select(.phase == "create" and .target == "Ticket" and (.ref as $r | $long | index($r)))
     | .body as $b | ($d[0].tickets[] | select(.external_id == $b.external_id)) as $t
     | ["status", "updated_datetime", "closed_datetime"][] | select($b[.] != null and $t[.] != $b[.])
     | "\($b.external_id) \(.): \($t[.]) (create: \($b[.]))"] | join("; ")')
[ "$moved" = '""' ] || failed "a long ticket does not end as created: $moved"

# ---- spot checks
utc() { # utc ZONE "Y-m-d H:M:S" -> ISO-8601 UTC
  date -u -d "TZ=\"$1\" $2" +%Y-%m-%dT%H:%M:%SZ
}
expect_eq() { # expect_eq WHAT WANTED ACTUAL
  [ "$2" = "$3" ] || failed "$1: got $3, wanted $2"
}
dq() { jq -r "$@" "$dump"; }
# shellcheck disable=SC1090
. "$root/tests/e2e/spot_$src.sh"

# ---- messages as Gorgias' clients send them (gorgias-fidelity.md 1.4, 1.10):
# an agent's public message goes to the ticket's customer, its receiver that
# customer's id and its source.to that customer's e-mail (a customer known by
# reference included); an internal note's sender is a user (an id), or none
# when the agent it names is not in the account (never an id of null)
routes=$(dq '(.customers | map({key: (.id | tostring), value: .email}) | from_entries) as $em
  | [.tickets[] | . as $t | ($t.customer.id | tostring) as $c | .messages[]?
     | select(.from_agent == true and .channel != "internal-note" and .public != false
              and $em[$c] != null)
     | "\($t.external_id)/\(.external_id // "?"): receiver \(.receiver.id) to \(.source.to[0].address)"
       + (if ((.receiver.id | tostring) == $c or .receiver.email == $em[$c])
             and .source.to[0].address == $em[$c]
          then " ok" else " (customer \($c) \($em[$c]))" end)]')
[ "$(printf '%s' "$routes" | jq 'length')" -gt 0 ] || failed "no agent message to a customer with an e-mail"
bad=$(printf '%s' "$routes" | jq -r '[.[] | select(endswith(" ok") | not)] | .[:5] | join("; ")')
[ -z "$bad" ] || failed "agent messages not addressed to the ticket's customer: $bad"
notes=$(dq '[.tickets[] | . as $t | .messages[]? | select(.channel == "internal-note")
  | select(has("sender") and (.sender.id | type) != "number") | "\($t.external_id)/\(.external_id // "?")"]')
[ "$(dq '[.tickets[].messages[]? | select(.channel == "internal-note" and (.sender.id | type) == "number")]
        | length')" -gt 0 ] || failed "no internal note with a user sender in the dump"
[ "$notes" = "[]" ] || failed "internal notes with a sender that is no user: $notes"

# ---- nothing e-mailed, verify
out=$(curl -sf "$url/_sandbox/outbox" | jq -c '.data')
[ "$out" = "[]" ] || failed "/_sandbox/outbox is not empty: $(printf '%s' "$out" | head -c 2000)"
"$hmaprun" verify --state "$tmp/state.db" --target "$url" >"$tmp/verify.out" 2>&1
rc=$?
[ $rc = 0 ] || { failed "hmaprun verify: exit $rc, wanted 0:"; cat "$tmp/verify.out"; }
# against the export too (the map planned again in memory): nothing differs
# shellcheck disable=SC2086
"$hmaprun" verify --state "$tmp/state.db" --target "$url" --map "$tmp/map.hbc" --data "$data" \
  $popts >"$tmp/verify_src.out" 2>&1
rc=$?
[ $rc = 0 ] || { failed "hmaprun verify --map: exit $rc, wanted 0:"; cat "$tmp/verify_src.out"; }

# ---- rollback leaves none of the run's records
"$hmaprun" rollback --yes --state "$tmp/state.db" --target "$url" >"$tmp/rollback.out" 2>&1
rc=$?
[ $rc = 0 ] || { failed "hmaprun rollback: exit $rc, wanted 0:"; cat "$tmp/rollback.out"; }
curl -sf "$url/_sandbox/dump" >"$tmp/after.json" || { echo "FAIL: GET /_sandbox/dump after rollback"; exit 1; }
for k in tickets customers users teams tags help_center_categories help_center_articles satisfaction_surveys rules; do
  n=$(jq ".$k | length" "$tmp/after.json")
  [ "$n" = 0 ] || failed "after rollback the dump still has $n $k: $(jq -c ".$k | map({id, name, email, external_id} | with_entries(select(.value != null))) | .[:10]" "$tmp/after.json")"
done
n=$(jq '[.custom_fields[] | select(.deactivated_datetime == null)] | length' "$tmp/after.json")
[ "$n" = 0 ] || failed "after rollback $n custom field(s) are still active"
n=$(jq '.uploads | length' "$tmp/after.json")
grep -q "left in Gorgias: $n uploaded file" "$tmp/rollback.out" || [ "$n" = 0 ] ||
  failed "rollback does not list the $n upload(s) it cannot delete: $(cat "$tmp/rollback.out")"
exit $fail
