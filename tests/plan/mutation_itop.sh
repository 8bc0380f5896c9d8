#!/bin/sh
# mutation_itop.sh HMAPC HMAPRUN ROOT WORK: loss accounting on the iTop
# reference map (issue 14, "Done means"). A copy of tests/fixtures/itop gets
# one change per kind, and each must appear in report.json with its record key:
# - an extra column (`contract_level`, a value on request 45 only): listed
#   under not_migrated for UserRequest, 1 record, example 45;
# - a value no arm covers (priority "7" on request 44, whose match has no `_`):
#   a warn flag naming the value, key 44, at the match's map line;
# - a value outside the enum the schema declares (status "on_hold" on 43): a
#   warn flag naming the column, key 43;
# - a column the map reads renamed in the header (`origin` -> `origine`): a warn
#   line naming the file and the column, and `origine` not migrated.
# - a value over a Gorgias limit (person 1's e-mail past 320 characters): a
#   rejection naming the field and the limit, key 1.
# The clean fixture raises none of them.
set -u
hmapc=$1 hmaprun=$2 root=$3 work=$4
. "$root/tests/run/verify_lib.sh"
hbc=$work/itop.hbc
sets="--set help_center_id=1"
mutation_build "$hmapc" "$root/maps/itop_to_gorgias.hmap" "$hbc"
cp -R "$root/tests/fixtures/itop" "$work/data"
ur=$work/data/UserRequest.csv
# case-log blobs hold newlines: one record per line while editing (\001 for the
# newlines inside quotes), then back
awk '{ n = gsub(/"/, "\""); q = (q + n) % 2; printf "%s%s", $0, (q ? "\001" : "\n") }' \
  "$root/tests/fixtures/itop/UserRequest.csv" >"$work/ur.lines"
awk 'NR == 1 { print $0 ",\"contract_level\""; next }
     /^45,/ { print $0 ",\"gold\""; next }
     { print $0 ",\"\"" }' "$work/ur.lines" |
  awk -v key=44 -v col=17 -v val=7 -f "$root/tests/plan/csv_setf.awk" |
  awk -v key=43 -v col=13 -v val=on_hold -f "$root/tests/plan/csv_setf.awk" |
  sed '1s/"origin"/"origine"/' | tr '\001' '\n' >"$ur"
long=$(printf '%0330d' 0)
awk -v key=1 -v col=8 -v val="$long@demo.example" -f "$root/tests/plan/csv_setf.awk" \
  "$root/tests/fixtures/itop/Person.csv" >"$work/data/Person.csv"

plan "$work/data" "$work/mutated"
plan "$root/tests/fixtures/itop" "$work/clean"
m=$work/mutated/report.json c=$work/clean/report.json
extra='.not_migrated | any(.object == "UserRequest" and .column == "contract_level" and .records == 1 and .example == "45")'
# the line of the request's priority match (the first one in the map)
pline=$(grep -n 'priority = match .priority' "$root/maps/itop_to_gorgias.hmap" | head -1 | cut -d: -f1)
nomatch='.flags | any(.object == "UserRequest" and .key == "44" and .severity == "warn"
  and .message == "match: no arm for value \"7\"" and (.map | test("itop_to_gorgias.hmap:'"$pline"':")))'
renamed='(.flags | any(.object == "UserRequest" and (.key | not)
  and .message == "UserRequest.csv: no column '"'origin'"' in the header: the map reads it, every record reads it as missing"))
  and (.not_migrated | any(.object == "UserRequest" and .column == "origine"))'
want "extra column listed as not migrated, example 45" "$extra" "$m"
want "uncovered priority 7 flagged on 44 at the match" "$nomatch" "$m"
outside='.flags | any(.object == "UserRequest" and .key == "43" and .severity == "warn"
  and (.message | startswith("UserRequest.status: a value outside the enum the schema declares")))'
want "status on_hold, outside the schema's enum, flagged on 43" "$outside" "$m"
want "clean: no value outside an enum" "(.flags | any(.message | test(\"outside the enum\"))) | not" "$c"
want "renamed column named, and its new name not migrated" "$renamed" "$m"
over='.rejected | any(.object == "Person" and .key == "1" and .field == "email"
  and .message == "Customer: email has 343 characters, Gorgias accepts at most 320")'
want "an e-mail over Gorgias' limit rejected on 1" "$over" "$m"
want "clean: no e-mail over the limit" "($over) | not" "$c"
want "clean: no contract_level" "($extra) | not" "$c"
want "clean: no uncovered match" "(.flags | any(.message | startswith(\"match: no arm\"))) | not" "$c"
want "clean: origin is read" \
  "(.not_migrated | any(.object == \"UserRequest\" and (.column == \"origine\" or .column == \"origin\"))) | not" "$c"
# the resolution columns are migrated (a note, meta, a tag), not left out (issue 13)
want "solution, user_comment, resolution_code, user_satisfaction read" \
  '[.not_migrated[] | select(.object == "UserRequest") | .column]
   | any(. == "solution" or . == "user_comment" or . == "resolution_code" or . == "user_satisfaction") | not' "$c"
[ $fail = 0 ] && echo "mutation_itop: all kinds reported with their record key"
exit $fail
