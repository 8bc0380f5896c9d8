#!/bin/sh
# check.sh HMAPC ROOT SRC: the reference map maps/SRC_to_gorgias.hmap checks
# clean: exit 0 and not one diagnostic (warnings included), in text and JSON.
set -u
hmapc=$1 root=$2 src=$3
. "$root/tests/e2e/lib.sh"
cd "$root" || exit 2
map=maps/${src}_to_gorgias.hmap
out=$("$hmapc" check "$map" 2>&1); rc=$?
[ "$rc" = 0 ] || failed "hmapc check $map: exit $rc, wanted 0"
[ -z "$out" ] || { failed "hmapc check $map printed diagnostics:"; printf '%s\n' "$out"; }
out=$("$hmapc" check --json "$map" 2>&1); rc=$?
[ "$rc" = 0 ] || failed "hmapc check --json $map: exit $rc, wanted 0"
[ "$(printf '%s' "$out" | tr -d ' \n')" = "[]" ] || { failed "hmapc check --json $map is not []:"; printf '%s\n' "$out"; }
exit $fail
