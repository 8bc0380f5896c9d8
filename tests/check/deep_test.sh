#!/bin/sh
# Nesting and size limits of hmapc (docs/diagnostics.md#e0106): generated maps
# with a 20,000-term `??` chain, a 5,000-term `+` chain and deeply nested
# brackets, calls, records, lists, matches, ifs and else-ifs get exactly one
# E0106 and exit 1, never a crash; a chain just under the limit compiles; and
# "did you mean" suggestions stop after 100 in one map.
# usage: deep_test.sh HMAPC WORKDIR
set -u
hmapc=$1 work=$2
rm -rf "$work"; mkdir -p "$work"
fail=0
head() {
  printf '%s\n' 'migration "deep"' 'use gorgias' \
    'source T from csv "t.csv" key id { id: int required  name: string }'
}
rep() {  # TEXT COUNT: TEXT repeated COUNT times
  awk -v t="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", t }'
}
rule() {  # FILE EXPR: a map whose Tag name is EXPR
  { head; printf 'rule T -> Tag {\n  name = %s\n}\n' "$2"; } >"$work/$1.hmap"
}
expect() {  # NAME RC [FIRST-LINE]: exit status and the first line of stderr
  "$hmapc" check "$work/$1.hmap" 2>"$work/$1.err" >/dev/null
  rc=$?
  [ "$rc" = "$2" ] || { echo "FAIL $1: exit $rc, want $2"; sed -n 1p "$work/$1.err"; fail=1; return; }
  [ $# -lt 3 ] && return
  got=$(sed -n 1p "$work/$1.err" | sed "s|^$work/||")
  [ "$got" = "$3" ] || { echo "FAIL $1:"; echo " want: $3"; echo " got:  $got"; fail=1; }
  n=$(grep -c '\[E0' "$work/$1.err")
  [ "$n" = 1 ] || { echo "FAIL $1: $n diagnostics, want 1"; fail=1; }
}
deep='nested too deep: here the map is more than 256 levels deep (operators, brackets, calls, blocks); split the expression into `let` steps, a long if/else if chain into a match [E0106]'
full='nested too deep: the parser'"'"'s stack is full; split the expression into `let` steps [E0106]'

rule coalesce20k "$(rep 'src.name ?? ' 20000)\"x\""
expect coalesce20k 1 "coalesce20k.hmap:5:236974: error: $deep"
rule plus5k "\"a\"$(rep ' + "a"' 4999)"
expect plus5k 1 "plus5k.hmap:5:28480: error: $deep"
rule plus250 "\"a\"$(rep ' + "a"' 249)"
expect plus250 0
"$hmapc" build "$work/plus250.hmap" -o "$work/plus250.hbc" || { echo "FAIL plus250: build"; fail=1; }

rule parens "$(rep '(' 5000)\"a\"$(rep ')' 5000)"
expect parens 0
rule lists "join(\",\", $(rep '[' 5000)\"a\"$(rep ']' 5000)) ?? \"x\""
expect lists 1 "lists.hmap:5:273: error: $deep"
rule records "text($(rep '{a: ' 5000)\"a\"$(rep '}' 5000))"
expect records 1 "records.hmap:5:13328: error: $full"
rule calls "$(rep 'trim(' 5000)\"a\"$(rep ')' 5000)"
expect calls 1 "calls.hmap:5:24979: error: $full"
rule matches "$(rep 'match src.name { _ => ' 3000)\"a\"$(rep ' }' 3000)"
expect matches 1 "matches.hmap:5:43953: error: $full"
rule nots "text($(rep 'not ' 5000)true)"
expect nots 1
{ head; echo 'rule T -> Tag {'; rep '  if src.name == "a" {
' 3000; echo '  name = "x"'; rep '  }
' 3000; echo '}'; } >"$work/ifs.hmap"
expect ifs 1
{ head; echo 'rule T -> Tag {'; echo '  if src.name == "a" { name = "a" }'
  rep '  else if src.name == "b" { name = "b" }
' 5000; echo '  else { name = "c" }'; echo '}'; } >"$work/elseifs.hmap"
expect elseifs 1
# "did you mean" stops after 100 suggestions: each compares every declaration
{ head; rep 'rule Tx -> Tag { name = "x" }
' 150; } >"$work/unknowns.hmap"
expect unknowns 1
n=$(grep -c "did you mean 'T'" "$work/unknowns.err")
[ "$n" = 100 ] || { echo "FAIL unknowns: $n suggestions, want 100"; fail=1; }
n=$(grep -c "rule for unknown source 'Tx'" "$work/unknowns.err")
[ "$n" = 150 ] || { echo "FAIL unknowns: $n diagnostics, want 150"; fail=1; }
for f in nots ifs elseifs; do
  grep -q '\[E0106\]' "$work/$f.err" || { echo "FAIL $f: no E0106"; sed -n 1p "$work/$f.err"; fail=1; }
done
exit $fail
