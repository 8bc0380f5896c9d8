#!/bin/sh
# Every diagnostic code in compiler/hm_codes.def has a golden test case and a
# section in docs/diagnostics.md (E0103, unreadable input, is tested by cli_test.sh).
set -u
root=$1 fail=0
for code in $(sed -n 's/^CODE(\([EW][0-9]*\),.*/\1/p' "$root/compiler/hm_codes.def"); do
  grep -q "^## $code\$" "$root/docs/diagnostics.md" || { echo "FAIL: $code has no section in docs/diagnostics.md"; fail=1; }
  [ "$code" = E0103 ] && continue
  ls "$root/tests/check/cases/${code}_"*.hmap >/dev/null 2>&1 || { echo "FAIL: $code has no case in tests/check/cases"; fail=1; }
  grep -q "\[$code\]" "$root/tests/check/cases/${code}_"*.expected || { echo "FAIL: the $code case does not produce $code"; fail=1; }
done
exit $fail
