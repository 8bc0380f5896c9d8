#!/bin/sh
# bad_hbc.sh HMAPC HMAPRUN CASE_DIR WORK HBC_PATCH: a truncated, a corrupted and
# a foreign .hbc file are refused with exit 2 and a message naming the file,
# before any output exists; so are CRC-valid files with a corrupt count (a
# table longer than the file, a slot count the VM would allocate from, an
# AGENTOR naming an annotation the file does not have);
# usage errors exit 2 too.
set -u
hmapc=$1 hmaprun=$2 case=$3 work=$4 patch=$5
rm -rf "$work"; mkdir -p "$work"
(cd "$case" && "$hmapc" build map.hmap -o "$work/good.hbc") || exit 1
fail=0
check() {  # NAME FILE
  "$hmaprun" plan "$2" --data "$case/data" --out "$work/out-$1" 2>"$work/err-$1"
  rc=$?
  if [ $rc -ne 2 ]; then echo "FAIL $1: exit $rc, want 2" >&2; fail=1; fi
  if ! grep -q "^hmaprun: $2: " "$work/err-$1"; then echo "FAIL $1: message does not name the file:" >&2; cat "$work/err-$1" >&2; fail=1; fi
  if [ -e "$work/out-$1" ]; then echo "FAIL $1: output written" >&2; fail=1; fi
}
head -c 40 "$work/good.hbc" >"$work/truncated.hbc"; check truncated "$work/truncated.hbc"
size=$(wc -c <"$work/good.hbc")
cp "$work/good.hbc" "$work/corrupt.hbc"
printf 'X' | dd of="$work/corrupt.hbc" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null; check corrupt "$work/corrupt.hbc"
echo "migration \"not bytecode\"" >"$work/foreign.hbc"; check foreign "$work/foreign.hbc"
for what in slots consts agentor; do
  "$patch" "$work/good.hbc" "$work/$what.hbc" $what || { echo "FAIL: hbc_patch $what" >&2; fail=1; }
  check "count-$what" "$work/$what.hbc"
done
grep -q "local slots for" "$work/err-count-slots" || { echo "FAIL count-slots: message" >&2; fail=1; }
grep -q "a table is longer than the file" "$work/err-count-consts" || { echo "FAIL count-consts: message" >&2; fail=1; }
grep -q "rule 0 body pc 0: annotation [0-9]* out of range" "$work/err-count-agentor" ||
  { echo "FAIL count-agentor: message" >&2; cat "$work/err-count-agentor" >&2; fail=1; }
check absent "$work/absent.hbc"
"$hmaprun" plan "$work/good.hbc" --data "$case/data" 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: missing --out not exit 2" >&2; fail=1; }
"$hmaprun" plan "$work/good.hbc" --data "$case/data" --out "$work/o" --sample x 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: bad --sample not exit 2" >&2; fail=1; }
"$hmaprun" plan --help | grep -q "^usage: hmaprun plan" || { echo "FAIL: plan --help" >&2; fail=1; }
"$hmaprun" frobnicate 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: unknown command not exit 2" >&2; fail=1; }
"$hmaprun" plan "$work/good.hbc" --data "$case/data" --out "$work/good-out" 2>/dev/null; [ $? -eq 0 ] || { echo "FAIL: the good file does not plan" >&2; fail=1; }
exit $fail
