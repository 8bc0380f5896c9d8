#!/bin/sh
# fixture.sh HMAPC HMAPRUN ROOT SRC: `hmapc propose tests/fixtures/SRC` (run
# from the repository root, so the map names the export by that relative path)
# equals golden/SRC.hmap byte for byte; `hmapc check` prints nothing for it;
# it plans (exit 0 or 1: the fixtures hold records meant to be rejected) and
# creates tickets with their messages and customers or agents. A second
# proposal is identical to the first. UPDATE=1 rewrites golden/SRC.hmap.
set -u
hmapc=$1 hmaprun=$2 root=$3 src=$4
. "$root/tests/propose/lib.sh"
cd "$root" || exit 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
golden=tests/propose/golden/$src.hmap
propose_plan "tests/fixtures/$src" "$tmp" || exit 1
"$hmapc" propose "tests/fixtures/$src" -o "$tmp/again.hmap"
cmp -s "$tmp/map.hmap" "$tmp/again.hmap" || failed "two proposals of the same export differ"
if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/map.hmap" "$golden"
else diff -u "$golden" "$tmp/map.hmap" || failed "the proposal for $src differs from $golden"
fi
# --from names the system in the map; auto recognised it the same way
"$hmapc" propose "tests/fixtures/$src" --from "$src" -o "$tmp/from.hmap"
cmp -s "$tmp/map.hmap" "$tmp/from.hmap" || failed "auto did not recognise $src"
grep -q "^migration \"$src to Gorgias (proposed)\"" "$tmp/map.hmap" || failed "no migration line for $src"
tickets=$(jq -s '[.[] | select(.method == "POST" and (.path | endswith("/tickets")))] | length' \
  "$tmp/plan/calls.ndjson")
[ "$tickets" -gt 0 ] || failed "the plan creates no ticket"
msgs=$(jq -s '[.[] | select((.path // "") | endswith("/tickets")) | .body.messages | length] | add // 0' \
  "$tmp/plan/calls.ndjson")
[ "$msgs" -gt "$tickets" ] || failed "tickets carry no message beyond the first ($msgs for $tickets)"
grep -q '# confirm:' "$tmp/map.hmap" || failed "no # confirm: comment"
grep -Eq '^  ignore [A-Za-z_0-9]+ "not mapped: [0-9]+ of [0-9]+ records filled \([0-9]+%\)"' \
  "$tmp/map.hmap" || failed "no ignore line with a fill rate"
exit $fail
