# Shared by the propose tests (sourced): propose, check, build and plan one
# export; the plan's settings are the e2e ones (tests/e2e/lib.sh).
fail=0
failed() { echo "FAIL: $*"; fail=1; }
# propose_plan DIR OUT [--from SYS]: OUT/map.hmap, OUT/check.err, OUT/plan/
propose_plan() {
  dir=$1 out=$2; shift 2
  "$hmapc" propose "$dir" "$@" -o "$out/map.hmap" 2>"$out/propose.err" ||
    { failed "hmapc propose $dir: exit $?: $(cat "$out/propose.err")"; return 1; }
  "$hmapc" check "$out/map.hmap" 2>"$out/check.err" ||
    { failed "the proposed map does not compile: $(head -20 "$out/check.err")"; return 1; }
  [ -s "$out/check.err" ] && failed "hmapc check is not silent: $(head -20 "$out/check.err")"
  "$hmapc" build "$out/map.hmap" -o "$out/map.hbc" || { failed "hmapc build: exit $?"; return 1; }
  "$hmaprun" plan "$out/map.hbc" --data "$dir" --out "$out/plan" --set help_center_id=1 \
    >"$out/plan.out" 2>&1
  rc=$?
  [ "$rc" -le 1 ] || { failed "hmaprun plan: exit $rc: $(tail -5 "$out/plan.out")"; return 1; }
  [ -s "$out/plan/calls.ndjson" ] || failed "the plan makes no call"
  return 0
}
