#!/bin/sh
# probe_plan.sh HMAPC HMAPRUN SANDBOX ROOT: the probe's findings change the
# plan (docs/run.md "probe", "--probe FILE"). A strict and a lenient
# hmap-sandbox are probed; the map of probe_plan/ (a thread whose senders have a
# name only) is planned with each probe.json:
# - the plans are the goldens probe_plan/expected/{strict,lenient}.calls.ndjson
#   (strict: the customer's message sent as the ticket's customer, the agent's
#   as fallback_agent, flagged; lenient: the senders as the map built them) and
#   differ; a plan without --probe is the strict one (the safe reading) as to
#   senders; the strict plan moves opened_datetime (refused_fields) into an
#   internal note of the ticket, flagged, the lenient one sends it;
# - a --set of the same name wins over the probe;
# - run FILE.hbc --probe into the strict sandbox lands the ticket with both
#   messages (their senders the customer's id and the fallback's e-mail), where
#   the lenient plan's ticket is refused there (400 naming the sender).
# UPDATE=1 rewrites the goldens.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
case_dir=tests/run/probe_plan data=$case_dir/data
"$hmapc" build "$case_dir/map.hmap" -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
plan() { # plan NAME OPTIONS...: calls.ndjson in $tmp/NAME, the map hash blanked
  name=$1
  shift
  "$hmaprun" plan "$tmp/map.hbc" --data "$data" --out "$tmp/$name" "$@" 2>"$tmp/$name.err" ||
    { failed "plan $name: exit $?"; cat "$tmp/$name.err"; }
  sed '1s/"map_hash":"[0-9a-f]\{64\}"/"map_hash":"(64 hex digits)"/' "$tmp/$name/calls.ndjson" \
    >"$tmp/$name.calls"
}

for f in strict lenient; do
  mkdir "$tmp/sbx-$f"
  start_sandbox "$sandbox" "$tmp/sbx-$f" --fidelity "$f"
  "$hmaprun" probe --target "$sbx_url" --out "$tmp/$f.json" --state "$tmp/$f.db" \
    2>"$tmp/probe-$f.err" || { failed "probe ($f) exit $?"; cat "$tmp/probe-$f.err"; }
  plan "$f" --probe "$tmp/$f.json"
  if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/$f.calls" "$case_dir/expected/$f.calls.ndjson"; fi
  diff -u "$case_dir/expected/$f.calls.ndjson" "$tmp/$f.calls" ||
    failed "$f: the plan is not the golden"
  if [ "$f" = strict ]; then strict_url=$sbx_url strict_pid=$sbx_pid; else kill "$sbx_pid"; fi
done
pid=$strict_pid
cmp -s "$tmp/strict.calls" "$tmp/lenient.calls" && failed "the two probes give the same plan"
plan none --set refused_fields=Ticket.opened_datetime
cmp -s "$tmp/none.calls" "$tmp/strict.calls" || failed "a plan without --probe is not the strict one"
jq -e 'select(.target == "Ticket") | .body.opened_datetime == "2024-01-01T00:05:00Z"' \
  "$tmp/lenient.calls" >/dev/null || failed "lenient: the ticket's opened_datetime is not sent"
jq -e 'select(.target == "Ticket") | (.body | has("opened_datetime") | not)
       and any(.flags[]; .message | startswith("opened_datetime: this Gorgias account does not keep"))' \
  "$tmp/strict.calls" >/dev/null || failed "strict: opened_datetime sent or not flagged"
plan wins --probe "$tmp/lenient.json" --set anonymous_sender=refuse \
  --set refused_fields=Ticket.opened_datetime
cmp -s "$tmp/wins.calls" "$tmp/strict.calls" || failed "--set does not win over --probe"
"$hmaprun" plan "$tmp/map.hbc" --data "$data" --out "$tmp/bad" --probe "$tmp/map.hbc" \
  2>"$tmp/bad.err"
rc=$?
[ $rc = 2 ] || failed "--probe of a non-JSON file: exit $rc, wanted 2"
grep -q "^hmaprun: --probe $tmp/map.hbc: not JSON$" "$tmp/bad.err" ||
  { failed "--probe of a non-JSON file: message"; cat "$tmp/bad.err"; }

# the lenient plan into the strict sandbox: its ticket is refused
"$hmaprun" run --plan "$tmp/lenient/calls.ndjson" --data "$data" --target "$strict_url" \
  --state "$tmp/lenient-run.db" --allow-active-rules --allow-active-settings >"$tmp/lr.out" 2>"$tmp/lr.err"
rc=$?
[ $rc = 1 ] || { failed "lenient plan into strict: exit $rc, wanted 1"; cat "$tmp/lr.err"; }
grep -q "messages\[0\]\.sender: needs an id or an email" "$tmp/lr.err" ||
  { failed "lenient plan into strict: no 400 naming the sender"; cat "$tmp/lr.err"; }
# run FILE.hbc --probe strict.json into the same sandbox (a state of its own)
"$hmaprun" run "$tmp/map.hbc" --probe "$tmp/strict.json" --data "$data" --target "$strict_url" \
  --state "$tmp/run.db" --allow-active-rules --allow-active-settings >"$tmp/run.out" 2>"$tmp/run.err" ||
  { failed "run --probe strict.json: exit $?"; cat "$tmp/run.err"; }
curl -sf "$strict_url/_sandbox/dump" >"$tmp/dump.json" || { echo "FAIL: dump"; exit 1; }
cust=$(jq '[.customers[] | select(.email == "ada@example.com") | .id][0]' "$tmp/dump.json")
got=$(jq -c --argjson c "$cust" '[.tickets[] | select(.external_id == "c:10") | .messages[]
        | [.from_agent, (.sender.id == $c), .sender.email]]' "$tmp/dump.json")
[ "$got" = '[[false,true,null],[true,false,"lead@example.com"],[true,false,null]]' ] ||
  failed "strict run: messages (from_agent, sender is the customer, sender e-mail) are $got"
# the value the strict account would not keep arrived, in an internal note
got=$(jq -r '[.tickets[] | select(.external_id == "c:10")][0]
  | [(.opened_datetime // "none"), (.messages[] | select(.channel == "internal-note")
     | .body_text)] | join("|")' "$tmp/dump.json")
[ "$got" = 'none|Fields this Gorgias account does not keep (hmaprun probe):
opened_datetime: "2024-01-01T00:05:00Z"' ] || failed "strict run: opened_datetime and the note are: $got"
exit $fail
