#!/bin/sh
# sets.sh HMAPC HMAPRUN SANDBOX ROOT: `hmaprun run FILE.hbc --set ...` of the
# Atera example into an hmap-sandbox started here:
# - a --set zone that does not exist (atera_timezone is date()'s zone in the
#   map) stops the run with exit 2 naming the setting and the value, before
#   anything is planned or sent: no request, no state database;
# - the --set values are part of the map hash on the state: the same settings
#   in another order (or a name given twice, the last one winning as in the
#   planner) resume as the same configuration (nothing sent again); another
#   value is refused like another map (exit 2, --force-map-change), and
#   --force-map-change then resumes;
# - `hmaprun plan --set ...` writes that same hash into report.json, so
#   `run --plan OUT/calls.ndjson` resumes a state of the same settings and is
#   refused on one of other settings; `run --plan ... --set` is a usage error
#   (the plan fixed its settings);
# - the upload limit is the plan's: `run --plan` takes report.json's
#   max_upload_bytes and refuses a different --max-upload-bytes (before any
#   state); `run FILE.hbc --max-upload-bytes N` gives the planner the same N,
#   and refuses a different --set max_upload_bytes.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
data=tests/fixtures/atera

"$hmapc" build maps/atera_to_gorgias.hmap -o "$tmp/map.hbc" || { echo "FAIL: hmapc build: exit $?"; exit 1; }
start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url
requests() { curl -sf "$url/_sandbox/stats" | jq '.requests'; }
run() { # run SET|--OPTION... : hmaprun run of the example with these --set values
  sets=
  for s in "$@"; do
    case $s in --*) sets="$sets $s" ;; *) sets="$sets --set $s" ;; esac
  done
  # shellcheck disable=SC2086
  "$hmaprun" run "$tmp/map.hbc" --data "$data" --target "$url" --state "$tmp/state.db" --time-scale 50 \
    --max-upload-bytes 50000 $sets >"$tmp/run.out" 2>"$tmp/run.err"
}

# ---- an unknown zone is a usage error, before anything happens
before=$(requests)
run help_center_id=1 atera_timezone=Mars/Base
rc=$?
[ $rc = 2 ] || failed "run --set atera_timezone=Mars/Base: exit $rc, wanted 2"
grep -qF 'hmaprun run: --set atera_timezone=Mars/Base: unknown time zone "Mars/Base"' "$tmp/run.err" ||
  failed "the message does not name the setting and the value: $(cat "$tmp/run.err")"
grep -qF 'setting atera_timezone is the time zone of date() at ' "$tmp/run.err" ||
  failed "the message does not say where the setting is a zone: $(cat "$tmp/run.err")"
[ "$(requests)" = "$before" ] || failed "requests were sent ($before before, $(requests) after)"
[ ! -e "$tmp/state.db" ] || failed "the state database was created"

# ---- the settings are part of the map hash
dump() { curl -sf "$url/_sandbox/dump" | jq -S 'del(.. | .updated_datetime?)'; }
base="help_center_id=1 max_upload_bytes=50000"
# shellcheck disable=SC2086
run $base atera_timezone=Europe/Paris
rc1=$?
[ $rc1 -le 1 ] || { failed "first run: exit $rc1"; cat "$tmp/run.err"; }
dump >"$tmp/dump1"
[ "$(jq '.tickets | length' "$tmp/dump1")" -gt 0 ] || failed "the first run created no ticket"
# shellcheck disable=SC2086
run atera_timezone=UTC max_upload_bytes=50000 atera_timezone=Europe/Paris help_center_id=1
rc=$?
[ $rc = $rc1 ] || { failed "resume with the same settings in another order: exit $rc, wanted $rc1"; cat "$tmp/run.err"; }
dump >"$tmp/dump2"
cmp -s "$tmp/dump1" "$tmp/dump2" || failed "the resume with the same settings changed the sandbox"
# shellcheck disable=SC2086
run $base atera_timezone=Asia/Tokyo
rc=$?
[ $rc = 2 ] || failed "resume with another atera_timezone: exit $rc, wanted 2"
grep -qF 'written by another map or other --set values' "$tmp/run.err" && grep -qF -- '--force-map-change' "$tmp/run.err" ||
  failed "resume with another atera_timezone: $(cat "$tmp/run.err")"
dump >"$tmp/dump3"
cmp -s "$tmp/dump1" "$tmp/dump3" || failed "the refused resume changed the sandbox"
# shellcheck disable=SC2086
run $base atera_timezone=Asia/Tokyo --force-map-change
rc=$?
[ $rc -le 1 ] || { failed "--force-map-change with another atera_timezone: exit $rc"; cat "$tmp/run.err"; }
# nothing in the logs shows a --set value (they may be anything the map needs)
for f in run.out run.err; do
  ! grep -qF 'Asia/Tokyo' "$tmp/$f" || failed "$f shows a --set value: $(cat "$tmp/$f")"
done

# ---- run --plan: the plan's report.json carries the same hash
plan() { # plan OUT SET... : hmaprun plan of the example with these --set values
  out=$1; shift
  sets=
  for s in "$@"; do sets="$sets --set $s"; done
  # shellcheck disable=SC2086
  "$hmaprun" plan "$tmp/map.hbc" --data "$data" --out "$out" $sets >/dev/null 2>"$tmp/plan.err"
  rc=$?
  [ $rc -le 1 ] || { failed "plan $*: exit $rc"; cat "$tmp/plan.err"; }
}
run_plan() { # run_plan OUT [OPTION...] : hmaprun run --plan OUT/calls.ndjson
  out=$1; shift
  "$hmaprun" run --plan "$out/calls.ndjson" --data "$data" --target "$url" --state "$tmp/state.db" \
    --time-scale 50 --max-upload-bytes 50000 "$@" >"$tmp/run.out" 2>"$tmp/run.err"
}
# shellcheck disable=SC2086
plan "$tmp/plan-tokyo" atera_timezone=Asia/Tokyo $base
state_hash=$("$hmaprun" status --state "$tmp/state.db" --json | jq -r .map_hash)
[ "$(jq -r .map_hash "$tmp/plan-tokyo/report.json")" = "$state_hash" ] ||
  failed "plan --set wrote map_hash $(jq -r .map_hash "$tmp/plan-tokyo/report.json"), the run stamped $state_hash"
dump >"$tmp/dump4"
run_plan "$tmp/plan-tokyo"
rc=$?
[ $rc -le 1 ] || { failed "run --plan of the same settings: exit $rc"; cat "$tmp/run.err"; }
# shellcheck disable=SC2086
plan "$tmp/plan-paris" $base atera_timezone=Europe/Paris
run_plan "$tmp/plan-paris"
rc=$?
[ $rc = 2 ] || failed "run --plan of a plan with another atera_timezone: exit $rc, wanted 2"
grep -qF 'written by another map or other --set values' "$tmp/run.err" ||
  failed "run --plan of a plan with another atera_timezone: $(cat "$tmp/run.err")"
before=$(requests)
run_plan "$tmp/plan-tokyo" --set atera_timezone=Europe/Paris
rc=$?
[ $rc = 2 ] || failed "run --plan --set: exit $rc, wanted 2"
grep -qF 'settings were fixed when `hmaprun plan` made it' "$tmp/run.err" ||
  failed "run --plan --set: $(cat "$tmp/run.err")"
[ "$(requests)" = "$before" ] || failed "run --plan --set sent requests"
dump >"$tmp/dump5"
cmp -s "$tmp/dump4" "$tmp/dump5" || failed "the run --plan resume or its refusals changed the sandbox"
for f in run.out run.err; do
  ! grep -qF 'Europe/Paris' "$tmp/$f" || failed "$f shows a --set value: $(cat "$tmp/$f")"
done

# ---- one upload limit: the plan's
limited() { grep -c 'over the 50000-byte limit: not uploaded' "$tmp/run.err"; }
[ "$(jq .max_upload_bytes "$tmp/plan-tokyo/report.json")" = 50000 ] ||
  failed "report.json max_upload_bytes: $(jq .max_upload_bytes "$tmp/plan-tokyo/report.json"), wanted 50000"
flagged=$(jq '[.flags[] | select(.message | test("over the 50000-byte upload limit"))] | length' "$tmp/plan-tokyo/report.json")
[ "$flagged" -gt 0 ] || failed "the plan flagged no upload over 50000 bytes"
"$hmaprun" run --plan "$tmp/plan-tokyo/calls.ndjson" --data "$data" --target "$url" --state "$tmp/limit.db" \
  --time-scale 50 >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
[ $rc = 1 ] || { failed "run --plan without --max-upload-bytes: exit $rc, wanted 1 (uploads over the plan's limit)"; cat "$tmp/run.err"; }
[ "$(limited)" = "$flagged" ] || failed "run --plan skipped $(limited) uploads over 50000 bytes, the plan flagged $flagged"
run_plan "$tmp/plan-tokyo" --max-upload-bytes 60000 --state "$tmp/limit2.db"
rc=$?
[ $rc = 2 ] || failed "run --plan --max-upload-bytes 60000 of a 50000 plan: exit $rc, wanted 2"
grep -qF -- "--max-upload-bytes 60000 differs from the plan's max_upload_bytes 50000" "$tmp/run.err" ||
  failed "run --plan with another limit: $(cat "$tmp/run.err")"
[ ! -e "$tmp/limit2.db" ] || failed "the refused run --plan created its state database"
"$hmaprun" run "$tmp/map.hbc" --data "$data" --target "$url" --state "$tmp/limit3.db" --time-scale 50 \
  --set help_center_id=1 --max-upload-bytes 50000 >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
[ $rc = 1 ] || { failed "run FILE.hbc --max-upload-bytes 50000: exit $rc, wanted 1"; cat "$tmp/run.err"; }
[ "$(limited)" = "$flagged" ] || failed "run FILE.hbc --max-upload-bytes skipped $(limited) uploads, the plan flags $flagged"
"$hmaprun" run "$tmp/map.hbc" --data "$data" --target "$url" --state "$tmp/limit4.db" --time-scale 50 \
  --set help_center_id=1 --set max_upload_bytes=60000 --max-upload-bytes 50000 >"$tmp/run.out" 2>"$tmp/run.err"
rc=$?
[ $rc = 2 ] || failed "run FILE.hbc --set max_upload_bytes=60000 --max-upload-bytes 50000: exit $rc, wanted 2"
grep -qF -- "--max-upload-bytes 50000 differs from the plan's max_upload_bytes 60000" "$tmp/run.err" ||
  failed "run FILE.hbc with two limits: $(cat "$tmp/run.err")"
exit $fail
