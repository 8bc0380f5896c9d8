#!/bin/sh
# export_v2.sh HMAPC HMAPRUN STATE ROOT: the extraction against the export made
# by hand as docs/exports.md says (export-v2.php over HTTP, format=csv,
# no_localize=1, formatted_text=1, the same fields): every CSV file the map
# reads holds the same cells once parsed (csvdiff.php), except what export-v2
# is known to do differently — it leaves out the obsolete person and
# organisation (the extraction has them), and Incident.related_request_list
# is there a dump of every attribute of each request (the extraction writes
# the link's keys only, as for every other link set).
# Then the whole export made by hand as docs/exports.md says — every CSV from
# export-v2 with obsolete data shown (the configuration's
# obsolescence.show_obsolete_data, on for this step only), the REST case logs and
# files as extracted — plans exactly the calls the extraction plans.
set -u
hmapc=$1 hmaprun=$2 STATE=$3 root=$4
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
itop_skip_if_down "$STATE"
. "$STATE/ids"
tmp=$(mktemp -d)
conf=$STATE/src/conf/production/config-itop.php
trap '[ -f "$tmp/conf.orig" ] && cp "$tmp/conf.orig" "$conf"; rm -rf "$tmp"' EXIT
fail=0
failed() { echo "FAIL: $*"; fail=1; }
"$hmapc" build "$root/maps/itop_to_gorgias.hmap" -o "$tmp/map.hbc" || exit 1
out=$tmp/export
"$hmaprun" extract itop --url "$ITOP_URL" --out "$out" --credentials-file "$STATE/creds" \
  "$tmp/map.hbc" 2>"$tmp/extract.err" || { failed "extract: exit $?"; cat "$tmp/extract.err"; exit 1; }
csv_files() { jq -r '.files | keys[] | select(endswith(".csv"))' "$out/manifest.json"; }
v2() {   # v2 FILE DEST: FILE's class and columns through export-v2.php, as docs/exports.md
  cls=$(jq -r --arg f "$1" '.files[$f].class' "$out/manifest.json")
  fields=$(head -n 1 "$out/$1" | tr -d '"')
  curl -sS -K "$STATE/curl.cfg" -o "$2" "$ITOP_URL/webservices/export-v2.php?format=csv&\
no_localize=1&formatted_text=1&charset=UTF-8&expression=SELECT%20$cls&fields=$fields" ||
    { failed "$1: export-v2 did not answer"; return 1; }
  head -n 1 "$2" | grep -q '^"[a-z_]*"' ||
    { failed "$1: export-v2 said $(head -c 300 "$2")"; return 1; }
}
for f in $(csv_files); do
  v2 "$f" "$tmp/v2.csv" || continue
  php "$HERE/csvdiff.php" "$out/$f" "$tmp/v2.csv" >"$tmp/diff"
  case $cls in
    Person) want="row $P_ERNEST: only in the extraction" ;;
    Organization) want="row $ORG_OLD: only in the extraction" ;;
    # the dump differs only when the map reads the column (it ignores it: not extracted)
    Incident) want=; head -n 1 "$out/$f" | grep -q related_request_list &&
                     want="row $I1 related_request_list" ;;
    *) want= ;;
  esac
  got=$(sed 's/: ".*//' "$tmp/diff")
  [ "$got" = "$want" ] || { failed "$f differs from export-v2's:"; cut -c1-300 "$tmp/diff"; }
done

# ---- the export by hand plans what the extraction plans
cp "$conf" "$tmp/conf.orig"
sed -i "s/^\(\s*\\\$MySettings = array(\)/\1\n\t'obsolescence.show_obsolete_data' => true,/" "$conf"
grep -q "'obsolescence.show_obsolete_data' => true" "$conf" ||
  { failed "cannot switch obsolete data on in $conf"; exit 1; }
cp -R "$out" "$tmp/byhand"
for f in $(csv_files); do v2 "$f" "$tmp/byhand/$f"; done
cp "$tmp/conf.orig" "$conf"
popts="--set help_center_id=1 --set max_attachment_bytes=50000"
for d in export byhand; do
  # shellcheck disable=SC2086
  "$hmaprun" plan "$tmp/map.hbc" --data "$tmp/$d" --out "$tmp/$d.plan" $popts 2>"$tmp/$d.err"
  [ $? -le 1 ] || { failed "plan of $d: $(cat "$tmp/$d.err")"; exit 1; }
done
diff -u "$tmp/export.plan/calls.ndjson" "$tmp/byhand.plan/calls.ndjson" >"$tmp/plans.diff" ||
  { failed "the export by hand plans other calls:"; head -c 2000 "$tmp/plans.diff"; }
exit $fail
