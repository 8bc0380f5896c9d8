#!/bin/sh
# disasm.sh HMAPC ROOT SRC: `hmapc build` of maps/SRC_to_gorgias.hmap (run from
# the repository root, so the map path in the line table is maps/...) is
# byte-identical when repeated, and its `hmapc disasm` equals
# tests/e2e/golden/SRC_to_gorgias.disasm. UPDATE=1 rewrites the golden file.
set -u
hmapc=$1 root=$2 src=$3
. "$root/tests/e2e/lib.sh"
cd "$root" || exit 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
map=maps/${src}_to_gorgias.hmap
golden=tests/e2e/golden/${src}_to_gorgias.disasm
"$hmapc" build "$map" -o "$tmp/a.hbc" || { echo "FAIL: hmapc build $map: exit $?"; exit 1; }
"$hmapc" build "$map" -o "$tmp/b.hbc" || { echo "FAIL: second hmapc build $map: exit $?"; exit 1; }
cmp -s "$tmp/a.hbc" "$tmp/b.hbc" || failed "two builds of $map differ"
"$hmapc" disasm "$tmp/a.hbc" >"$tmp/a.dis" 2>"$tmp/err" || { failed "hmapc disasm: exit $?"; cat "$tmp/err"; }
[ -s "$tmp/err" ] && { failed "hmapc disasm wrote to stderr:"; cat "$tmp/err"; }
if grep -q "$tmp" "$tmp/a.dis"; then failed "the disassembly names the temporary folder $tmp"; fi
if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/a.dis" "$golden"; exit $fail; fi
diff -u "$golden" "$tmp/a.dis" || failed "disassembly of $map differs from $golden"
exit $fail
