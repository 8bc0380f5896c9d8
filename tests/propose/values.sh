#!/bin/sh
# values.sh HMAPC ROOT: `hmapc values EXPORT FILE COLUMN` prints COUNT<TAB>VALUE,
# most frequent first (ties in first-seen order), then the empty count; a
# source name works as FILE; an unknown file or column is exit 2 with a
# did-you-mean; a missing argument is a usage error (exit 2).
set -u
hmapc=$1 root=$2
fail=0
failed() { echo "FAIL: $*"; fail=1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$root" || exit 2
"$hmapc" values tests/fixtures/atera tickets TicketPriority >"$tmp/out" || failed "exit $?"
printf '3\tMedium\n2\tHigh\n2\tLow\n1\tCritical\n0\t(empty, null or missing)\n' >"$tmp/want"
diff -u "$tmp/want" "$tmp/out" || failed "atera TicketPriority"
"$hmapc" values tests/fixtures/itop Person status >"$tmp/out2" || failed "by source name: exit $?"
printf '11\tactive\n1\tinactive\n0\t(empty, null or missing)\n' >"$tmp/want2"
diff -u "$tmp/want2" "$tmp/out2" || failed "itop Person status"
"$hmapc" values tests/fixtures/itop Person.csv emial >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 2 ] || failed "unknown column: exit $rc"
grep -qx "hmapc: Person.csv: no column 'emial'; did you mean 'email'?" "$tmp/err" ||
  failed "unknown column message: $(cat "$tmp/err")"
"$hmapc" values tests/fixtures/itop Persn.csv email >/dev/null 2>"$tmp/err"
grep -qx "hmapc: Persn.csv: no such file among the export's sources; did you mean 'Person.csv'?" \
  "$tmp/err" || failed "unknown file message: $(cat "$tmp/err")"
"$hmapc" values tests/fixtures/itop Person.csv >/dev/null 2>&1
[ $? = 2 ] || failed "missing argument is not a usage error"
"$hmapc" propose tests/fixtures/itop >/dev/null 2>&1
[ $? = 2 ] || failed "propose without -o is not a usage error"
"$hmapc" propose tests/fixtures/itop --from jira -o "$tmp/x.hmap" 2>/dev/null
[ $? = 2 ] || failed "propose --from jira is not a usage error"
"$hmapc" propose "$tmp/none" -o "$tmp/x.hmap" 2>"$tmp/err"
[ $? = 2 ] && grep -q "not a folder" "$tmp/err" || failed "propose on no folder: $(cat "$tmp/err")"
[ -e "$tmp/x.hmap" ] && failed "a map was written after an error"
exit $fail
