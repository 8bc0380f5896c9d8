#!/bin/sh
# variants.sh HMAPC HMAPRUN ROOT: proposals on copies of the bundled exports
# whose columns were renamed, added and removed. Each proposed map compiles
# silently and plans; and
# - iTop Person.csv `email` renamed `mail_address`: still the customers'
#   e-mail (name and value shape), and no `ignore` of it;
# - an extra column `nickname` (2 of 12 records filled): an `ignore` with its
#   fill rate "2 of 13 records filled (15%)";
# - `phone` removed: the map neither declares nor reads it;
# - SmarterTrack st_Tickets.csv `Subject` renamed `Title`: still the subject.
set -u
hmapc=$1 hmaprun=$2 root=$3
. "$root/tests/propose/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -R "$root/tests/fixtures/itop" "$tmp/itop"
p=$tmp/itop/Person.csv
# the cells of Person.csv hold no comma: plain field splitting is exact here
awk -F, 'BEGIN { OFS = "," }
  NR == 1 { sub(/"email"/, "\"mail_address\""); print $0 ",\"nickname\""; next }
  { print $0 "," (NR == 3 ? "\"Bobby\"" : NR == 5 ? "\"Taro\"" : "\"\"") }' "$p" >"$p.new"
awk -F, 'BEGIN { OFS = "," } { $9 = ""; sub(/,,/, ","); print }' "$p.new" >"$p"
rm "$p.new"
head -1 "$p" | grep -q '"phone"' && { echo "FAIL: test set-up: phone still there"; exit 2; }
mkdir "$tmp/a"
propose_plan "$tmp/itop" "$tmp/a" --from itop || exit 1
m=$tmp/a/map.hmap
sed -n '/^rule Person -> Customer {/,/^}/p' "$m" >"$tmp/person"
grep -q 'let addr = nonempty(lower(trim(src.mail_address)))' "$tmp/person" ||
  failed "the renamed e-mail column is not the customers' e-mail: $(cat "$tmp/person")"
grep -q 'ignore mail_address ' "$m" && failed "the renamed e-mail column is ignored"
grep -q '  ignore nickname "not mapped: 2 of 12 records filled (16%)"' "$m" ||
  failed "no ignore of the extra column with its fill rate: $(grep -n nickname "$m")"
sed -n '/^source Person /,/^}/p' "$m" | grep -q '\bphone\b' && failed "the removed column is declared"
emails=$(jq -s '[.[] | select((.path // "") | endswith("/customers")) | .body.email // empty] | length' \
  "$tmp/a/plan/calls.ndjson")
[ "$emails" -ge 10 ] || failed "only $emails customers planned with an e-mail"

cp -R "$root/tests/fixtures/smartertrack" "$tmp/st"
sed -i '1s/,Subject,/,Title,/' "$tmp/st/st_Tickets.csv"
mkdir "$tmp/b"
propose_plan "$tmp/st" "$tmp/b" || exit 1
grep -qF 'subject = truncate(nonempty(src.Title) ?? "(no subject)", 998)' "$tmp/b/map.hmap" ||
  failed "the renamed subject column is not the subject"
grep -q '^migration "smartertrack to Gorgias (proposed)"' "$tmp/b/map.hmap" ||
  failed "the renamed export is no longer recognised as SmarterTrack"
exit $fail
