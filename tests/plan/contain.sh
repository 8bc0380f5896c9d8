#!/bin/sh
# contain.sh HMAPC HMAPRUN SANDBOX: upload files stay inside the export folder,
# and the plan and the run read the same file.
# - `hmaprun plan`: an absolute file (/etc/hostname), one climbing with "..",
#   and a symlink to /etc/passwd are refused, each named in the report (a
#   rejected record); a symlink inside the export and the export's own
#   etc/hostname are planned;
# - `hmaprun run FILE.hbc` and `run --plan` upload exactly the planned files,
#   with the sizes the plan measured (the export's etc/hostname, not the
#   host's); `run --plan` without --data is refused (exit 2) before any call.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3
tmp=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail=0
failed() { echo "FAIL: $*"; fail=1; }
GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox
export GORGIAS_EMAIL GORGIAS_API_KEY

data=$tmp/export
mkdir -p "$data/files" "$data/etc"
printf 'plain attachment\n' >"$data/files/ok.txt"
printf 'the export keeps a file named etc/hostname, 61 bytes long\n..\n' >"$data/etc/hostname"
printf 'outside the export\n' >"$tmp/outside.txt"
ln -s ok.txt "$data/files/inside.txt"
ln -s /etc/passwd "$data/files/evil.txt"
cat >"$data/att.csv" <<'CSV'
id,file
1,files/ok.txt
2,/etc/hostname
3,../outside.txt
4,files/evil.txt
5,files/inside.txt
6,etc/hostname
CSV
cat >"$tmp/map.hmap" <<'MAP'
migration "upload containment"
use gorgias
source Att from csv "att.csv" key id {
  id: int required
  file: string required
}
rule Att -> Upload {
  file = src.file
  name = "a" + src.id + ".txt"
}
MAP
(cd "$tmp" && "$hmapc" build map.hmap -o map.hbc) || { echo "FAIL: the map does not compile"; exit 1; }

# ---- the plan
"$hmaprun" plan "$tmp/map.hbc" --data "$data" --out "$tmp/plan" >/dev/null 2>"$tmp/plan.err"
rc=$?
[ $rc = 1 ] || failed "plan: exit $rc, wanted 1 (records rejected)"
planned=$(jq -r 'select(.phase == "upload") | "\(.file) \(.size)"' "$tmp/plan/calls.ndjson" | sort | tr '\n' ';')
want="etc/hostname 61;files/inside.txt 17;files/ok.txt 17;"
[ "$planned" = "$want" ] || failed "plan uploads: '$planned', wanted '$want'"
reasons=$(jq -r '.. | objects | .message? // empty' "$tmp/plan/report.json")
for r in '/etc/hostname: is an absolute path: files are named relative to the export folder: not uploaded' \
         '../outside.txt: goes up with "..": files must stay in the export folder: not uploaded' \
         'files/evil.txt: leads out of the export folder through a symlink: refused: not uploaded'; do
  printf '%s\n' "$reasons" | grep -qxF "$r" || failed "report.json does not say: $r"
done

# ---- the runs upload what was planned, from the export
. "$(dirname "$0")/../lib/sandbox.sh"
start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url
uploads() { curl -sf "$url/_sandbox/dump" | jq -r '.uploads[] | "\(.name) \(.size)"' | sort | tr '\n' ';'; }
requests() { curl -sf "$url/_sandbox/stats" | jq '.requests'; }

"$hmaprun" run "$tmp/map.hbc" --data "$data" --target "$url" --state "$tmp/hbc.db" --time-scale 50 \
  >/dev/null 2>"$tmp/run1.err"
rc=$?
[ $rc = 1 ] || { failed "run FILE.hbc: exit $rc, wanted 1"; cat "$tmp/run1.err"; }
want="a1.txt 17;a5.txt 17;a6.txt 61;"
[ "$(uploads)" = "$want" ] || failed "run FILE.hbc uploaded '$(uploads)', wanted '$want'"

before=$(requests)
"$hmaprun" run --plan "$tmp/plan/calls.ndjson" --target "$url" --state "$tmp/plan.db" --time-scale 50 \
  >/dev/null 2>"$tmp/run2.err"
rc=$?
[ $rc = 2 ] || failed "run --plan without --data: exit $rc, wanted 2"
grep -q 'calls.ndjson:[0-9]*: an upload needs --data DIR' "$tmp/run2.err" ||
  failed "run --plan without --data: $(cat "$tmp/run2.err")"
[ "$(requests)" = "$before" ] || failed "run --plan without --data sent requests"

curl -sf -X POST "$url/_sandbox/reset" >/dev/null
"$hmaprun" run --plan "$tmp/plan/calls.ndjson" --data "$data" --target "$url" --state "$tmp/plan2.db" \
  --time-scale 50 >/dev/null 2>"$tmp/run3.err"
rc=$?
[ $rc = 0 ] || { failed "run --plan --data: exit $rc, wanted 0"; cat "$tmp/run3.err"; }
[ "$(uploads)" = "$want" ] || failed "run --plan uploaded '$(uploads)', wanted '$want'"
[ $fail = 0 ] && echo "contain: ok"
exit $fail
