#!/bin/sh
# color_test.sh HMAPC CASES: hmapc's diagnostics on a terminal (a pty from
# util-linux `script`) are coloured — the control, so the test is not blind —
# and are not when NO_COLOR is set to anything non-empty; an empty NO_COLOR
# changes nothing (no-color.org). On a pipe they never are.
set -u
hmapc=$1 cases=$2
fail=0
failed() { echo "FAIL: $*"; fail=1; }
command -v script >/dev/null || { echo "FAIL: no util-linux script"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
map=$cases/E0201_source_field.hmap
esc=$(printf '\033')
# tty ENV...: hmapc check on a pseudo-terminal, with ENV set; output in $tmp/out
tty() {
  env "$@" script -qec "'$hmapc' check '$map'" /dev/null >"$tmp/out" 2>&1
}
tty -u NO_COLOR TERM=xterm
grep -q "$esc\[" "$tmp/out" || failed "no colour on a terminal (control): $(head -2 "$tmp/out")"
grep -q "error" "$tmp/out" || failed "no diagnostic on the terminal: $(head -2 "$tmp/out")"
tty NO_COLOR=1 TERM=xterm
grep -q "$esc\[" "$tmp/out" && failed "colour with NO_COLOR=1"
grep -q "error: " "$tmp/out" || failed "no diagnostic with NO_COLOR=1: $(head -2 "$tmp/out")"
tty NO_COLOR= TERM=xterm
grep -q "$esc\[" "$tmp/out" || failed "an empty NO_COLOR turned colour off"
"$hmapc" check "$map" 2>"$tmp/pipe"
grep -q "$esc" "$tmp/pipe" && failed "colour on a pipe"
exit $fail
