#!/bin/sh
# st_strict_dates.sh HMAPC HMAPRUN ROOT WORK: the SmarterTrack map's `strict` dates
# (docs/language.md, "dates") on its example export with three message dates written the
# way a locale-formatted export writes them (5/2/2024 9:14:00 AM): a ticket message, a
# ticket comment and a chat message. Each is an element of its ticket's `each`: that
# element is skipped and named in the report ("skipped"), the ticket itself is planned
# with its other messages. The golden st_strict_dates.expected holds the external ids
# planned for ticket 20101 and chat 501, before and after, and the report's skipped lines
# (map locations masked: they move with any edit of the map). UPDATE=1 rewrites it.
set -u
hmapc=$1 hmaprun=$2 root=$3 work=$4
fix=$root/tests/fixtures/smartertrack gold=$root/tests/plan/st_strict_dates.expected
rm -rf "$work"; mkdir -p "$work"
"$hmapc" build "$root/maps/smartertrack_to_gorgias.hmap" -o "$work/st.hbc" || exit 1

cp -r "$fix" "$work/locale"
sed -i 's|^900001,20101,2024-05-02 09:14:00.000,|900001,20101,5/2/2024 9:14:00 AM,|' \
  "$work/locale/st_TicketMessages.csv"
sed -i 's|^3001,20101,10,2,2024-05-02 09:41:00.000,|3001,20101,10,2,5/2/2024 9:41:00 AM,|' \
  "$work/locale/st_TicketComments.csv"
sed -i 's|^8002,501,2,2024-05-02 08:55:12.000,|8002,501,2,5/2/2024 8:55:12 AM,|' \
  "$work/locale/st_ChatMessages.csv"
[ "$(cat "$work/locale"/st_*Messages.csv "$work/locale/st_TicketComments.csv" | grep -c ' AM,')" \
  = 3 ] || { echo "FAIL: the fixtures changed: not 3 dates rewritten" >&2; exit 1; }

ids() {   # ids OUT: the external ids in the calls of ticket 20101 and chat 501, in order
  grep -E '"source":\{"object":"(Ticket","key":"20101"|Chat","key":"501")' "$1/calls.ndjson" |
    grep -o '"external_id":"[^"]*"' | cut -d'"' -f4
}
for v in fixtures locale; do
  d=$fix; [ $v = locale ] && d=$work/locale
  "$hmaprun" plan "$work/st.hbc" --data "$d" --out "$work/$v" 2>"$work/$v.err" >/dev/null
  [ $? -le 1 ] || { echo "FAIL: $v: hmaprun failed" >&2; cat "$work/$v.err" >&2; exit 1; }
done
{
  echo "# planned for ticket 20101 and chat 501 from the example export"; ids "$work/fixtures"
  echo "# the same with three message dates locale-formatted"; ids "$work/locale"
  echo "# report.json, skipped"
  sed -n '/^  "skipped": \[/,/^  \]/p' "$work/locale/report.json" |
    sed -E 's/"map": "[^"]*"/"map": "MAP"/'
  printf '# report.json, records rejected for a date: '
  sed -n '/^  "rejected": \[/,/^  \]/p' "$work/locale/report.json" | grep -c 'is not a date'
} >"$work/actual"
if [ "${UPDATE:-0}" = 1 ]; then cp "$work/actual" "$gold"; exit 0; fi
diff -u "$gold" "$work/actual" >&2 || { echo "FAIL: differs from $gold" >&2; exit 1; }
