#!/bin/sh
# reference_maps.sh HMAPC HMAPRUN CHECK_PLAN ROOT WORK: the reference maps
# (maps/*_to_gorgias.hmap) plan their example exports (tests/fixtures/*) in
# full and as a --sample 2, and every plan keeps the calls.ndjson invariants
# (check_plan: dependency order, unique refs, seq, flags), and each object's
# flagged records are those whose calls carry flags. Exit 0 or 1 are fine
# (the fixtures contain records meant to be rejected); 2 is not.
set -u
hmapc=$1 hmaprun=$2 check=$3 root=$4 work=$5
rm -rf "$work"; mkdir -p "$work"
fail=0
for m in itop atera smartertrack; do
  map=$root/maps/${m}_to_gorgias.hmap
  [ -f "$map" ] || continue
  if ! "$hmapc" build "$map" -o "$work/$m.hbc" 2>"$work/$m.hmapc.err"; then
    echo "FAIL: $map does not compile" >&2; cat "$work/$m.hmapc.err" >&2; fail=1; continue
  fi
  for mode in full sample; do
    opt=; [ $mode = sample ] && opt="--sample 2"
    # shellcheck disable=SC2086
    "$hmaprun" plan "$work/$m.hbc" --data "$root/tests/fixtures/$m" --out "$work/$m-$mode" --set help_center_id=1 $opt \
      2>"$work/$m-$mode.err"
    rc=$?
    if [ $rc -gt 1 ]; then echo "FAIL: $m $mode: exit $rc" >&2; cat "$work/$m-$mode.err" >&2; fail=1; continue; fi
    "$check" "$work/$m-$mode/calls.ndjson" || { echo "FAIL: $m $mode: calls.ndjson breaks an invariant" >&2; fail=1; }
    [ -s "$work/$m-$mode/calls.ndjson" ] || { echo "FAIL: $m $mode: no calls" >&2; fail=1; }
    # the records the report counts as flagged are those whose first call
    # carries their flags to the run (docs/plan.md "Calls"), per object
    want=$(jq -cS '[.objects | to_entries[] | select(.value.flagged > 0)
                    | {key, value: .value.flagged}] | from_entries' "$work/$m-$mode/report.json")
    have=$(jq -csS '[.[] | select(.flags) | .source.object] | group_by(.)
                    | map({key: .[0], value: length}) | from_entries' "$work/$m-$mode/calls.ndjson")
    [ "$want" = "$have" ] && [ "$want" != "{}" ] ||
      { echo "FAIL: $m $mode: flagged $want in the report, flags on the calls $have" >&2; fail=1; }
  done
done
exit $fail
