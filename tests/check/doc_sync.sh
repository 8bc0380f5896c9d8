#!/bin/sh
# doc_sync: every "Failing example (`NAME.hmap`)" of docs/diagnostics.md shows exactly
# tests/check/cases/NAME.hmap and, under "`hmapc check` says:", exactly NAME.expected —
# the reference cannot drift from the golden tests. UPDATE=1 rewrites the doc's blocks
# from the cases (after `UPDATE=1 ctest -R check.` has rewritten the goldens).
# usage: doc_sync.sh SOURCE_DIR
set -u
root=$1 doc=$1/docs/diagnostics.md cases=$1/tests/check/cases
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# Prints the doc with each example's blocks replaced by the case files (the same text,
# when the doc is in sync); names each example it met on fd 3 (a file).
awk -v cases="$cases" -v list="$tmp/names" '
  # the limits tests have lines of thousands of characters: shown cut at 150, with "..."
  function cut(line) { return length(line) <= 200 ? line : substr(line, 1, 150) "..." }
  function emit(file,   line) { while ((getline line < file) > 0) print cut(line); close(file) }
  /^Failing example \(`[^`]*\.hmap`\):$/ {
    name = $0; sub(/^Failing example \(`/, "", name); sub(/\.hmap`\):$/, "", name)
    want = "map"; print; print name > list; next
  }
  /^`hmapc check` says:$/ && name != "" { want = "out"; print; next }
  /^```/ && !inb && want != "" {
    print; inb = 1; skip = 1
    emit(cases "/" name (want == "map" ? ".hmap" : ".expected"))
    if (want == "out") name = ""
    want = ""; next
  }
  /^```$/ && inb { inb = 0; skip = 0; print; next }
  skip { next }
  { print }
' "$doc" >"$tmp/doc"
if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/doc" "$doc"; exit 0; fi
fail=0
diff -u "$doc" "$tmp/doc" || { echo "doc_sync: docs/diagnostics.md differs from the cases" \
  "(UPDATE=1 sh tests/check/doc_sync.sh .)"; fail=1; }
[ -s "$tmp/names" ] || { echo "doc_sync: no example found in docs/diagnostics.md"; fail=1; }
exit $fail
