#!/bin/sh
# mutation_itop.sh HMAPC HMAPRUN ROOT WORK: loss accounting on the iTop
# reference map (issue 14, "Done means"). A copy of tests/fixtures/itop gets
# one change per kind, and each must appear in report.json with its record key:
# - an extra column (`contract_level`, a value on request 45 only): listed
#   under not_migrated for UserRequest, 1 record, example 45;
# - a value no arm covers (priority "7" on request 44, whose match has no `_`):
#   a warn flag naming the value, key 44, at the match's map line;
# - a column the map reads renamed in the header (`origin` -> `origine`): a warn
#   line naming the file and the column, and `origine` not migrated.
# The clean fixture raises none of them.
set -u
hmapc=$1 hmaprun=$2 root=$3 work=$4
rm -rf "$work"; mkdir -p "$work"
fail=0
"$hmapc" build "$root/maps/itop_to_gorgias.hmap" -o "$work/itop.hbc" || { echo "FAIL: hmapc build" >&2; exit 1; }
cp -R "$root/tests/fixtures/itop" "$work/data"
ur=$work/data/UserRequest.csv
# one record per line in this file: append a cell to each line
awk 'NR == 1 { print $0 ",\"contract_level\""; next }
     /^45,/ { print $0 ",\"gold\""; next }
     { print $0 ",\"\"" }' "$root/tests/fixtures/itop/UserRequest.csv" |
  awk -v key=44 -v col=17 -v val=7 -f "$root/tests/plan/csv_setf.awk" |
  sed '1s/"origin"/"origine"/' >"$ur"

plan() {   # plan DATA OUT: exit 0 or 1 expected
  "$hmaprun" plan "$work/itop.hbc" --data "$1" --out "$2" --set help_center_id=1 2>"$2.err"
  rc=$?
  [ $rc -le 1 ] || { echo "FAIL: plan of $1: exit $rc" >&2; cat "$2.err" >&2; fail=1; }
}
want() {   # want WHAT JQ-FILTER REPORT: the filter must yield true
  if [ "$(jq "$2" "$3")" != true ]; then echo "FAIL: $1 ($3)" >&2; fail=1; fi
}
plan "$work/data" "$work/mutated"
plan "$root/tests/fixtures/itop" "$work/clean"
m=$work/mutated/report.json c=$work/clean/report.json
extra='.not_migrated | any(.object == "UserRequest" and .column == "contract_level" and .records == 1 and .example == "45")'
nomatch='.flags | any(.object == "UserRequest" and .key == "44" and .severity == "warn"
  and .message == "match: no arm for value \"7\"" and (.map | test("itop_to_gorgias.hmap:189:")))'
renamed='(.flags | any(.object == "UserRequest" and (.key | not)
  and .message == "UserRequest.csv: no column '"'origin'"' in the header: the map reads it, every record reads it as missing"))
  and (.not_migrated | any(.object == "UserRequest" and .column == "origine"))'
want "extra column listed as not migrated, example 45" "$extra" "$m"
want "uncovered priority 7 flagged on 44 at the match" "$nomatch" "$m"
want "renamed column named, and its new name not migrated" "$renamed" "$m"
want "clean: no contract_level" "($extra) | not" "$c"
want "clean: no uncovered match" "(.flags | any(.message | startswith(\"match: no arm\"))) | not" "$c"
want "clean: origin is read" "(.not_migrated | any(.column == \"origine\" or .column == \"origin\")) | not" "$c"
# iTop's free-text columns the map does not read are reported, not hidden
want "solution and user_comment not migrated" \
  '[.not_migrated[] | select(.object == "UserRequest") | .column] | contains(["solution", "user_comment"])' "$c"
[ $fail = 0 ] && echo "mutation_itop: all kinds reported with their record key"
exit $fail
