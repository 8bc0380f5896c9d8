#!/bin/sh
# Every ```hmap block of docs/language.md is a complete map that must check clean
# (exit 0): the language reference cannot drift from the compiler (jq's man.test idea).
set -u
hmapc=$1 doc=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
awk -v dir="$tmp" '
  /^```hmap$/ { n++; f = sprintf("%s/example%02d.hmap", dir, n); inb = 1; next }
  /^```$/ && inb { inb = 0; close(f); next }
  inb { print > f }
' "$doc"
count=0 fail=0
for f in "$tmp"/example*.hmap; do
  [ -e "$f" ] || continue
  count=$((count + 1))
  if ! "$hmapc" check "$f" 2>"$tmp/err"; then
    echo "FAIL: example $(basename "$f") of $doc:"; cat "$f"; cat "$tmp/err"; fail=1
  elif [ -s "$tmp/err" ]; then
    echo "FAIL: example $(basename "$f") of $doc has warnings:"; cat "$tmp/err"; fail=1
  fi
done
[ $count -gt 0 ] || { echo "FAIL: no hmap examples found in $doc"; exit 1; }
echo "$count examples checked"
exit $fail
