#!/bin/sh
# same_plans.sh HMAPC HMAPRUN ROOT WORK: each reference map (maps/*_to_gorgias.hmap)
# plans its example export (tests/fixtures/*) to exactly the calls.ndjson and
# report.json in same_plans/, taken before the maps were rewritten in the shorter
# language (docs/language.md): a rewrite that changes one call or one report line
# fails here. The map hash and the map locations (file:line:col) are masked, as
# they move with any edit. UPDATE=1 rewrites the goldens (review the diff).
set -u
hmapc=$1 hmaprun=$2 root=$3 work=$4
gold=$root/tests/plan/same_plans
rm -rf "$work"; mkdir -p "$work"
fail=0
mask() {   # FILE: the map hash and map locations, masked
  sed -e 's/"map_hash": *"[0-9a-f]\{64\}"/"map_hash":"(hash)"/' \
      -e 's/\("map": *"[^":]*\):[0-9]*:[0-9]*"/\1"/g' "$1"
}
for m in itop atera smartertrack; do
  if ! (cd "$root" && "$hmapc" build "maps/${m}_to_gorgias.hmap" -o "$work/$m.hbc") \
       2>"$work/$m.hmapc.err"; then
    echo "FAIL: maps/${m}_to_gorgias.hmap does not compile" >&2; cat "$work/$m.hmapc.err" >&2
    fail=1; continue
  fi
  (cd "$root" && "$hmaprun" plan "$work/$m.hbc" --data "tests/fixtures/$m" --out "$work/$m" \
     --set help_center_id=1) 2>"$work/$m.err" >/dev/null
  rc=$?
  [ $rc -le 1 ] || { echo "FAIL: $m: plan exit $rc" >&2; cat "$work/$m.err" >&2; fail=1; continue; }
  for f in calls.ndjson report.json; do
    mask "$work/$m/$f" >"$work/$m.$f"
    if [ "${UPDATE:-0}" = 1 ]; then cp "$work/$m.$f" "$gold/$m.$f"; continue; fi
    if ! cmp -s "$gold/$m.$f" "$work/$m.$f"; then
      echo "FAIL: $m: $f differs from the plan before the rewrite:" >&2
      diff "$gold/$m.$f" "$work/$m.$f" | head -40 >&2
      fail=1
    fi
  done
done
exit $fail
