#!/bin/sh
# hmapc's command line: exit codes, unreadable input, build -> disasm round trip
# against a golden disassembly, byte-identical rebuilds, and the loader refusing
# truncated, corrupt, foreign and wrong-version files with one clear line.
set -u
hmapc=$1 dir=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
expect() { # expect DESCRIPTION WANTED_RC ACTUAL_RC
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; fail=1; fi
}
expect_text() { # expect_text DESCRIPTION FILE TEXT
  if ! grep -qF -- "$3" "$2"; then echo "FAIL: $1: no '$3' in:"; cat "$2"; fail=1; fi
}

"$hmapc" >/dev/null 2>&1; expect "no arguments" 2 $?
"$hmapc" frobnicate >/dev/null 2>&1; expect "unknown command" 2 $?
"$hmapc" --help >"$tmp/help" 2>&1; expect "--help" 0 $?
expect_text "--help" "$tmp/help" "usage: hmapc check"
"$hmapc" check --bogus x.hmap >/dev/null 2>&1; expect "unknown option" 2 $?
"$hmapc" check "$tmp/none.hmap" 2>"$tmp/err"; expect "unreadable map" 2 $?
expect_text "unreadable map" "$tmp/err" "cannot read $tmp/none.hmap: No such file or directory [E0103]"
"$hmapc" build "$dir/cases/clean.hmap" >/dev/null 2>&1; expect "build without -o" 2 $?
# explain: the code's section of docs/diagnostics.md (embedded), any case; unknown: exit 2
"$hmapc" explain e0102 >"$tmp/explain" 2>&1; expect "explain e0102" 0 $?
expect_text "explain e0102" "$tmp/explain" "**syntax error** (error)"
expect_text "explain e0102" "$tmp/explain" "E0102_unclosed_brace.hmap"
grep -q "^## E0104" "$tmp/explain" && { echo "FAIL: explain runs into the next section"; fail=1; }
"$hmapc" explain E9999 2>"$tmp/err"; expect "explain of an unknown code" 2 $?
expect_text "explain E9999" "$tmp/err" "no diagnostic code 'E9999'"

cd "$dir/cases"
"$hmapc" check clean.hmap W0401_unused_source.hmap 2>"$tmp/multi"; expect "two clean files" 0 $?
"$hmapc" check clean.hmap E0201_source_field.hmap 2>/dev/null; expect "one bad of two" 1 $?
"$hmapc" build E0201_source_field.hmap -o "$tmp/bad.hbc" 2>/dev/null; expect "build of a bad map" 1 $?
[ ! -e "$tmp/bad.hbc" ] || { echo "FAIL: a bad map left a bytecode file"; fail=1; }

"$hmapc" build clean.hmap -o "$tmp/a.hbc"; expect "build" 0 $?
"$hmapc" build clean.hmap -o "$tmp/b.hbc"; expect "rebuild" 0 $?
cmp -s "$tmp/a.hbc" "$tmp/b.hbc" || { echo "FAIL: two builds of one map differ"; fail=1; }
"$hmapc" disasm "$tmp/a.hbc" >"$tmp/a.dis"; expect "disasm" 0 $?
if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/a.dis" "$dir/golden/clean.disasm"; fi
diff -u "$dir/golden/clean.disasm" "$tmp/a.dis" || { echo "FAIL: disassembly differs from golden/clean.disasm"; fail=1; }

size=$(wc -c <"$tmp/a.hbc")
head -c $((size / 2)) "$tmp/a.hbc" >"$tmp/trunc.hbc"
"$hmapc" disasm "$tmp/trunc.hbc" 2>"$tmp/err" >/dev/null; expect "truncated" 2 $?
expect_text "truncated" "$tmp/err" "checksum mismatch: the file is corrupt or truncated"
cp "$tmp/a.hbc" "$tmp/flip.hbc"
printf '\377' | dd of="$tmp/flip.hbc" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
"$hmapc" disasm "$tmp/flip.hbc" 2>"$tmp/err" >/dev/null; expect "corrupt" 2 $?
expect_text "corrupt" "$tmp/err" "checksum mismatch"
printf 'PK\003\004not bytecode at all' >"$tmp/zip.hbc"
"$hmapc" disasm "$tmp/zip.hbc" 2>"$tmp/err" >/dev/null; expect "foreign" 2 $?
expect_text "foreign" "$tmp/err" "not an hmap bytecode file (no HMBC magic)"
cp "$tmp/a.hbc" "$tmp/ver.hbc"
printf '\011' | dd of="$tmp/ver.hbc" bs=1 seek=4 conv=notrunc 2>/dev/null
"$hmapc" disasm "$tmp/ver.hbc" 2>"$tmp/err" >/dev/null; expect "version" 2 $?
expect_text "version" "$tmp/err" "bytecode version 9, this hmaprun reads version 5"
# a file of a previous format (version 3: agent fallbacks without AGENTOR) is refused, not misread
printf '\003' | dd of="$tmp/ver.hbc" bs=1 seek=4 conv=notrunc 2>/dev/null
"$hmapc" disasm "$tmp/ver.hbc" 2>"$tmp/err" >/dev/null; expect "old version" 2 $?
expect_text "old version" "$tmp/err" "bytecode version 3, this hmaprun reads version 5: rebuild the map with this hmapc"
: >"$tmp/empty.hbc"
"$hmapc" disasm "$tmp/empty.hbc" 2>"$tmp/err" >/dev/null; expect "empty" 2 $?

"$hmapc" schema gorgias >"$tmp/schema.json"; expect "schema" 0 $?
expect_text "schema" "$tmp/schema.json" '"name": "Ticket", "path": "/api/tickets", "unique": ["external_id"]'
"$hmapc" schema nosuchmodule 2>/dev/null >/dev/null; expect "schema of an unknown module" 2 $?
# An editor's unsaved buffer on stdin, named as the file it will become.
printf 'migration "x"\nuse gorgias\nsource P from csv "p.csv" key id { id: int }\nrule P -> Tag { nme = "a" }\n' |
  "$hmapc" check --json --stdin-name maps/edited.hmap - >"$tmp/stdin.json"; expect "stdin" 1 $?
expect_text "stdin" "$tmp/stdin.json" '{"file": "maps/edited.hmap", "line": 4, "col": 17, "end_col": 20, "severity": "error", "code": "E0202", "message": "Gorgias has no field '"'"'nme'"'"' here; did you mean '"'"'name'"'"'?"}'
exit $fail
