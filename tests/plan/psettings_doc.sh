#!/bin/sh
# psettings_doc.sh HMAPRUN ROOT: every planner setting `hmaprun plan --help`
# prints (from stdlib/hm_psettings.h, their one table) has its row in
# docs/plan.md's table and is named in docs/language.md's settings section,
# and the table has no row for a setting the planner does not read.
set -u
hmaprun=$1 root=$2
fail=0
names=$("$hmaprun" plan --help | sed -n '/^planner settings/,$s/^  \([a-z_][a-z0-9_]*\) .*/\1/p')
[ -n "$names" ] || { echo "FAIL: plan --help lists no planner setting"; exit 1; }
for n in $names; do
  grep -q "^| \`$n\` |" "$root/docs/plan.md" || { echo "FAIL: docs/plan.md has no row for $n"; fail=1; }
  grep -q "\`$n\`" "$root/docs/language.md" || { echo "FAIL: docs/language.md does not name $n"; fail=1; }
done
for n in $(sed -n '/^## Planner settings/,/^## /s/^| `\([a-z_0-9]*\)` |.*/\1/p' "$root/docs/plan.md"); do
  echo "$names" | grep -qx "$n" || { echo "FAIL: docs/plan.md lists $n, which the planner does not read"; fail=1; }
done
exit $fail
