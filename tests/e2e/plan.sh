#!/bin/sh
# plan.sh HMAPC HMAPRUN ROOT SRC: the dry run of maps/SRC_to_gorgias.hmap over
# tests/fixtures/SRC (run from the repository root, settings of lib.sh).
# - every output file (calls.ndjson, report.json, report.md, inventory.md, the
#   gap CSVs) and the exit status equal tests/e2e/golden/SRC/, byte for byte,
#   with nothing normalised; a second plan is byte-identical to the first;
# - the report lists every gap, lossy rule, flag and rejection of issue 7 for SRC
#   (tests/e2e/expect/SRC.txt, written by hand: UPDATE never touches it).
# report.html is left out of the comparison (it names the tool's git revision):
# tests/html checks it. UPDATE=1 rewrites tests/e2e/golden/SRC/.
set -u
hmapc=$1 hmaprun=$2 root=$3 src=$4
. "$root/tests/e2e/lib.sh"
cd "$root" || exit 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
map=maps/${src}_to_gorgias.hmap
golden=tests/e2e/golden/$src
"$hmapc" build "$map" -o "$tmp/map.hbc" || { echo "FAIL: hmapc build $map: exit $?"; exit 1; }
# shellcheck disable=SC2046
"$hmaprun" plan "$tmp/map.hbc" --data "tests/fixtures/$src" --out "$tmp/plan" $(e2e_plan_opts "$src") 2>"$tmp/err"
rc=$?
echo "exit $rc" >"$tmp/plan/exit"
[ "$rc" -le 1 ] || { echo "FAIL: hmaprun plan: exit $rc"; cat "$tmp/err"; exit 1; }
# shellcheck disable=SC2046
"$hmaprun" plan "$tmp/map.hbc" --data "tests/fixtures/$src" --out "$tmp/again" $(e2e_plan_opts "$src") 2>/dev/null
echo "exit $?" >"$tmp/again/exit"
diff -r "$tmp/plan" "$tmp/again" >/dev/null || failed "two plans of the same export differ: $(diff -rq "$tmp/plan" "$tmp/again")"
if grep -rl -e "$tmp" -e "$root" "$tmp/plan" >"$tmp/paths"; then
  failed "the plan names a temporary or absolute path (a determinism bug): $(cat "$tmp/paths")"
fi

if [ "${UPDATE:-}" = 1 ]; then
  rm -rf "$golden"; mkdir -p "$golden"; cp -R "$tmp/plan/." "$golden/"; rm -f "$golden/report.html"
else
  diff -r -u -x report.html "$golden" "$tmp/plan" >"$tmp/diff" || { failed "plan of $src differs from $golden:"; head -c 20000 "$tmp/diff"; }
fi

# every gap, loss and flag issue 7 names for this source
rep=$tmp/plan/report.json
while read -r kind a b; do
  case $kind in
    ''|'#'*) continue ;;
    gap)   # gap OBJECT KIND
      n=$(jq --arg o "$a" --arg k "$b" '[.gaps[] | select(.object == $o and .kind == $k and .records >= 0)] | length' "$rep")
      [ "$n" = 1 ] || failed "report.json: no gap $a ($b)"
      grep -qF -- "$a" "$tmp/plan/report.md" || failed "report.md does not name the gap $a" ;;
    lossy) # lossy RULE-SOURCE (the rule "SOURCE -> ..." or a gap of SOURCE is lossy)
      n=$(jq --arg o "$a" '[.losses[] | select((.rule // "") | startswith($o + " -> "))] | length' "$rep")
      [ "$n" -ge 1 ] || failed "report.json: no loss on a rule of $a" ;;
    flag)  # flag OBJECT TEXT...
      n=$(jq --arg o "$a" --arg t "$b" '[.flags[] | select(.object == $o and (.message | contains($t)))] | length' "$rep")
      [ "$n" -ge 1 ] || failed "report.json: no flag on $a containing \"$b\"" ;;
    reject) # reject OBJECT TEXT...
      n=$(jq --arg o "$a" --arg t "$b" '[.rejected[] | select(.object == $o and (.message | contains($t)))] | length' "$rep")
      [ "$n" -ge 1 ] || failed "report.json: no rejected $a record containing \"$b\"" ;;
    *) failed "expect/$src.txt: unknown line kind $kind" ;;
  esac
done <"tests/e2e/expect/$src.txt"
exit $fail
