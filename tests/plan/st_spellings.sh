#!/bin/sh
# st_spellings.sh HMAPC HMAPRUN ROOT WORK: the SmarterTrack map plans the same calls from its
# example export however the database spelled it: CSV files named in lower case with
# `TicketID`-style headers and `UserID_Customer` (scripts against real SmarterTrack
# databases), all-lower-case headers (PostgreSQL
# folds names), and straight from a SQLite database (SmarterTrack's default) built here from
# the schema module's column types, NULL for an empty cell, in both spellings, and with
# bits written True/False. A locale-formatted date is refused. Then the reader's
# refusals: two columns one name ignoring case, a missing table, binary data.
set -u
hmapc=$1 hmaprun=$2 root=$3 work=$4
fix=$root/tests/fixtures/smartertrack
rm -rf "$work"; mkdir -p "$work"
fail=0
die() { echo "FAIL: $*" >&2; fail=1; }
. "$root/tests/plan/st_lib.sh"

"$hmapc" build "$root/maps/smartertrack_to_gorgias.hmap" -o "$work/csv.hbc" || exit 1
st_sqlite_map "$root/maps/smartertrack_to_gorgias.hmap" "$work/sqlite.hmap"
grep -q 'from csv' "$work/sqlite.hmap" && die "the sqlite map still reads a CSV"
"$hmapc" build "$work/sqlite.hmap" -o "$work/sqlite.hbc" || exit 1

# copy DIR NAMECASE HEADER_SED: the fixtures with file names and header rows rewritten
copy() {
  mkdir -p "$work/$1"; cp -r "$fix/attachments" "$work/$1/"
  for f in "$fix"/*.csv; do
    b=$(basename "$f"); [ "$2" = lower ] && b=$(echo "$b" | tr 'A-Z' 'a-z')
    sed -E "1$3" "$f" >"$work/$1/$b"
  done
}
copy ids lower 's/Id([^a-z]|$)/ID\1/g; s/UserIDCustomer/UserID_Customer/; s/UserIDFrom/UserID_From/'
copy lowercase keep 's/.*/\L&/'
copy module keep 's/^//'

# Column types from stdlib/smartertrack.hmap: "table column type", all lower case.
awk '/^object /{t=tolower($2)} /^}/{t=""}
     t && /^  [A-Za-z_]+: /{c=$1; sub(":","",c); ty=$2
       s=(ty=="int"||ty=="ref"||ty=="bool")?"INTEGER":(ty=="number")?"REAL":"TEXT"
       print t, tolower(c), s, ty}' "$root/stdlib/smartertrack.hmap" >"$work/types"

# PowerShell's Export-Csv: every bool column True/False (the files without quoted cells)
mkdir -p "$work/words"; cp -r "$fix"/* "$work/words/"
for f in "$fix"/*.csv; do
  grep -q '"' "$f" && continue
  t=$(basename "$f" .csv | tr 'A-Z' 'a-z')
  awk -v t="$t" -v types="$work/types" 'BEGIN { FS = OFS = ","
      while ((getline l < types) > 0) { split(l, x, " "); if (x[4] == "bool") b[x[1] " " x[2]] = 1 } }
    { sub(/\r$/, "") }
    NR == 1 { h = $0; sub(/^\xEF\xBB\xBF/, "", h); for (i = 1; i <= split(h, c, ","); i++)
                if (b[t " " tolower(c[i])]) bit[i] = 1 }
    NR > 1 { for (i in bit) if ($i == "1") $i = "True"; else if ($i == "0") $i = "False" }
    { printf "%s\r\n", $0 }' "$f" >"$work/words/$(basename "$f")"
done
grep -q ',True,' "$work/words/st_Users.csv" || die "no True/False written"

# sqlite DIR FROM: a database of typed tables (lower-case names, the CSV header's spelling),
# every empty cell NULL, built from the CSV copy FROM.
sqlite() {
  mkdir -p "$work/$1"; cp -r "$fix/attachments" "$work/$1/"
  for f in "$work/$2"/*.csv; do
    t=$(basename "$f" .csv | tr 'A-Z' 'a-z')
    head -1 "$f" | sed 's/^\xEF\xBB\xBF//; s/\r$//' | awk -v t="$t" -v f="$f" -v types="$work/types" '
      BEGIN { while ((getline l < types) > 0) { split(l, x, " "); ty[x[1] " " x[2]] = x[3] } }
      { n = split($0, c, ",")
        for (i = 1; i <= n; i++) {
          k = ty[t " " tolower(c[i])]; if (k == "") k = "TEXT"   # a column the module lacks
          d = d (i > 1 ? ", " : "") "\"" c[i] "\" " k
          v = v (i > 1 ? ", " : "") "NULLIF(\"" c[i] "\", '\'\'')" }
        printf ".import --csv %s tmp\nCREATE TABLE %s (%s);\n", f, t, d
        printf "INSERT INTO %s SELECT %s FROM tmp;\nDROP TABLE tmp;\n", t, v }'
  done | sqlite3 "$work/$1/smartertrack.db" || die "building $1/smartertrack.db"
}
sqlite db-ids ids
sqlite db-module module

plan() {   # plan NAME HBC DIR: calls.ndjson without its map-hash line, and the summary
  "$hmaprun" plan "$2" --data "$3" --out "$work/out-$1" 2>"$work/$1.err"
  [ $? -le 1 ] || { die "$1: hmaprun failed"; cat "$work/$1.err" >&2; }
  # a flag names its map line by the map's path: the sqlite map is another file
  tail -n +2 "$work/out-$1/calls.ndjson" |
    sed -E 's/"map":"[^"]*(:[0-9]+:[0-9]+)"/"map":"MAP\1"/g' >"$work/$1.calls"
  grep '^hmaprun: planned' "$work/$1.err" | sed 's/; see .*//' >"$work/$1.sum"
}
plan fixtures "$work/csv.hbc" "$fix"
[ "$(wc -l <"$work/fixtures.calls")" -gt 50 ] || die "the fixtures plan too few calls"
for v in ids lowercase words; do plan "$v" "$work/csv.hbc" "$work/$v"; done
for v in db-ids db-module; do plan "$v" "$work/sqlite.hbc" "$work/$v"; done
for v in ids lowercase words db-ids db-module; do
  cmp -s "$work/fixtures.calls" "$work/$v.calls" || { die "$v plans other calls";
    diff "$work/fixtures.calls" "$work/$v.calls" | head -5 >&2; }
  cmp -s "$work/fixtures.sum" "$work/$v.sum" || die "$v: $(cat "$work/$v.sum")"
done
grep -qF '"st_Users.csv: 60 cells are True/False: read as the bits 1/0' "$work/out-words/report.json" ||
  die "words: the report does not say True/False was read as bits"
n=$(sqlite3 "$work/db-ids/smartertrack.db" "SELECT count(*) FROM st_tickets WHERE UserID_Customer IS NULL")
[ "$n" -gt 0 ] || die "the database has no NULL to read"

# A locale-formatted export (Export-Csv on en-US: 5/2/2024 9:14:00 AM) is refused, never
# half-read: every ticket is rejected naming the column, none is planned without its date.
mkdir -p "$work/locale"; cp -r "$fix"/* "$work/locale/"
awk 'BEGIN { FS = OFS = "," } NR > 1 && $3 ~ /^20/ { split($3, a, /[- :.]/)
       $3 = a[2] + 0 "/" a[3] + 0 "/" a[1] " " a[4] + 0 ":" a[5] ":" a[6] " AM" } { print }' \
  "$fix/st_Tickets.csv" >"$work/locale/st_Tickets.csv"
"$hmaprun" plan "$work/csv.hbc" --data "$work/locale" --out "$work/out-locale" 2>"$work/locale.err"
grep -qF '"DateOpenedUtc is not a date hmap reads (a locale-formatted export? docs/exports.md)"' \
  "$work/out-locale/report.json" || die "locale: no ticket rejected for its date"
grep -q '"path":"/api/tickets","body".*"source":{"object":"Ticket"' "$work/out-locale/calls.ndjson" &&
  die "locale: a ticket is planned without its date"

# expect NAME TEXT: the plan NAME fails (exit 2) and says TEXT
expect() {
  "$hmaprun" plan "$2" --data "$work/$1" --out "$work/out-$1" 2>"$work/$1.err"
  rc=$?
  [ $rc -eq 2 ] || die "$1: exit $rc, expected 2"
  grep -qF "$3" "$work/$1.err" || { die "$1: expected '$3'"; cat "$work/$1.err" >&2; }
}
cp -r "$work/ids" "$work/twice"
sed -i -E '1s/TicketID,/TicketID,TicketId,/; 2,$s/^([^,]*),/\1,\1,/' "$work/twice/st_tickets.csv"
expect twice "$work/csv.hbc" \
  "st_tickets.csv:1:1: columns 'TicketID' and 'TicketId' are one name ignoring case and '_' (fields 1 and 2): keep one"
cp -r "$work/db-ids" "$work/notable"
sqlite3 "$work/notable/smartertrack.db" "ALTER TABLE st_brands RENAME TO st_brand"
expect notable "$work/sqlite.hbc" \
  "smartertrack.db:1:1: no table 'st_Brands' in the database; did you mean 'st_brand'?"
cp -r "$work/db-ids" "$work/blob"
sqlite3 "$work/blob/smartertrack.db" "UPDATE st_brands SET BrandName = x'00ff' WHERE rowid = 1"
"$hmaprun" plan "$work/sqlite.hbc" --data "$work/blob" --out "$work/out-blob" 2>"$work/blob.err"
grep -qF "table 'st_Brands' row 1, column 'BrandName': binary data, not text at byte 2" \
  "$work/out-blob/report.json" || die "blob: the bad cell is not reported"
exit $fail
