#!/bin/sh
# st_unread.sh HMAPC HMAPRUN ROOT WORK: every SmarterTrack table with customer data that the
# map does not migrate (sources-atera-smartertrack.md ST-5) is a named line of report.json
# and report.md with its record count — from CSV files and from a SQLite database — and an
# export without those tables says so per table (never a silent 0).
set -u
hmapc=$1 hmaprun=$2 root=$3 work=$4
fix=$root/tests/fixtures/smartertrack
rm -rf "$work"; mkdir -p "$work"
fail=0
die() { echo "FAIL: $*" >&2; fail=1; }
. "$root/tests/plan/st_lib.sh"
tables="TicketEmails TicketMerges TimeLogs ChatComments ChatAttachments CallLogAttachments Tasks
        KbArticleTranslations KbArticlesBrands ThreadComments TicketEventLogs"

"$hmapc" build "$root/maps/smartertrack_to_gorgias.hmap" -o "$work/csv.hbc" || exit 1
st_sqlite_map "$root/maps/smartertrack_to_gorgias.hmap" "$work/sqlite.hmap"
"$hmapc" build "$work/sqlite.hmap" -o "$work/sqlite.hbc" || exit 1

# The fixtures plus table number i with i rows (so each count is its own).
mkdir -p "$work/csv"; cp -r "$fix"/* "$work/csv/"
i=0
for t in $tables; do
  i=$((i + 1))
  { printf 'Id,TicketId,Value\r\n'; n=0
    while [ $n -lt $i ]; do n=$((n + 1)); printf '%s,20101,value %s\r\n' $n $n; done
  } >"$work/csv/st_$t.csv"
done
# db DIR FROM: every CSV of FROM as a table of DIR/smartertrack.db (lower-case names)
db() {
  mkdir -p "$work/$1"; cp -r "$fix/attachments" "$work/$1/"
  for f in "$work/$2"/*.csv; do
    t=$(basename "$f" .csv | tr 'A-Z' 'a-z')
    sed '1s/^\xEF\xBB\xBF//' "$f" >"$work/tmp.csv"
    sqlite3 "$work/$1/smartertrack.db" ".import --csv $work/tmp.csv $t" || die "import $t"
  done
}
db db csv
mkdir -p "$work/bare"; cp -r "$fix"/* "$work/bare/"
db db-bare bare

plan() {   # plan NAME HBC DIR
  "$hmaprun" plan "$2" --data "$work/$3" --out "$work/out-$1" 2>"$work/$1.err"
  [ $? -le 1 ] || { die "$1: hmaprun failed"; cat "$work/$1.err" >&2; }
}
plan csv "$work/csv.hbc" csv
plan db "$work/sqlite.hbc" db
plan bare "$work/csv.hbc" bare
plan db-bare "$work/sqlite.hbc" db-bare
for v in csv db; do
  i=0
  for t in $tables; do
    i=$((i + 1))
    grep -qE "^    \{\"object\": \"$t\", \"kind\": \"inventory\", \"destination\": \"st_$t: .*\"records\": $i\}" \
      "$work/out-$v/report.json" || die "$v: report.json has no gap line for $t with $i records"
    w=records; [ "$i" = 1 ] && w=record   # report.md says "1 record", "2 records"
    grep -qE "^- $t: inventory — st_$t: .*, $i $w, " "$work/out-$v/report.md" ||
      die "$v: report.md has no line for $t with $i records"
  done
done
for t in $tables; do
  grep -qF "\"message\": \"st_$t.csv: not in the export; optional source $t read as no records\"" \
    "$work/out-bare/report.json" || die "bare: st_$t.csv missing without a word"
  grep -qF "\"message\": \"smartertrack.db table st_$t: not in the export; optional source $t read as no records\"" \
    "$work/out-db-bare/report.json" || die "db-bare: table st_$t missing without a word"
done
exit $fail
