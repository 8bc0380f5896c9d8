#!/bin/sh
# fmt_test: `hmapc fmt` gives fmt/messy.hmap exactly the layout of fmt/messy.expected,
# formatting that again changes nothing, `--check` passes the formatted map and refuses
# (exit 1, naming it) the unformatted one, and the formatted map still checks clean.
# usage: fmt_test.sh HMAPC DIR
set -u
hmapc=$1 dir=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "fmt_test: $*"; exit 1; }
cp "$dir/messy.hmap" "$tmp/m.hmap"
"$hmapc" fmt "$tmp/m.hmap" || fail "fmt exited $?"
diff -u "$dir/messy.expected" "$tmp/m.hmap" || fail "layout differs from messy.expected"
cp "$tmp/m.hmap" "$tmp/again.hmap"
"$hmapc" fmt "$tmp/again.hmap" && cmp -s "$tmp/m.hmap" "$tmp/again.hmap" \
  || fail "formatting a formatted map changed it"
"$hmapc" fmt --check "$tmp/m.hmap" >"$tmp/out" || fail "--check refused a formatted map"
cp "$dir/messy.hmap" "$tmp/messy.hmap"
"$hmapc" fmt --check "$tmp/messy.hmap" >"$tmp/out"; rc=$?
[ "$rc" = 1 ] && grep -q "messy.hmap: not formatted" "$tmp/out" \
  || fail "--check on an unformatted map: exit $rc: $(cat "$tmp/out")"
cmp -s "$dir/messy.hmap" "$tmp/messy.hmap" || fail "--check changed the file"
"$hmapc" check "$tmp/m.hmap" 2>"$tmp/err" || fail "the formatted map does not check: $(cat "$tmp/err")"
