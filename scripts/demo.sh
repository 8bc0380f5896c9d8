#!/bin/sh
# The example migration (iTop -> Gorgias on tests/fixtures/itop), end to end:
# hmapc check + build, hmaprun plan (dry run), then a real run into a sandbox
# started here, verify, and the report. Output lands in out/demo/.
# usage: scripts/demo.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
out=out/demo
map=maps/itop_to_gorgias.hmap
data=tests/fixtures/itop
rm -rf "$out"; mkdir -p "$out"

echo "== hmapc check $map"
"$build/compiler/hmapc" check "$map"
echo "== hmapc build $map -o $out/itop.hbc"
"$build/compiler/hmapc" build "$map" -o "$out/itop.hbc"

echo "== hmaprun plan (dry run: no network)"
set +e
"$build/runtime/hmaprun" plan "$out/itop.hbc" --data "$data" --out "$out/plan"
rc=$?
set -e
[ $rc -le 1 ] || { echo "plan failed (exit $rc)"; exit $rc; }
echo "   calls planned: $(grep -c '^{"seq"' "$out/plan/calls.ndjson")   (exit $rc: 1 means some records were rejected, see the report)"

if [ ! -x "$build/sandbox/hmap-sandbox" ]; then echo "no sandbox built; stopping after the dry run"; exit 0; fi
echo "== hmap-sandbox (a local Gorgias-compatible server)"
"$build/sandbox/hmap-sandbox" --port 0 --db "$out/sandbox.db" --time-scale 20 >"$out/sandbox.out" 2>"$out/sandbox.err" &
sbx=$!
trap 'kill $sbx 2>/dev/null || true' EXIT
i=0
while [ ! -s "$out/sandbox.out" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url=$(head -n1 "$out/sandbox.out" | sed -n 's/^listening on //p')
[ -n "$url" ] || { echo "sandbox did not start"; cat "$out/sandbox.err"; exit 1; }
echo "   $url"

export GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox
echo "== hmaprun run (into the sandbox)"
set +e
"$build/runtime/hmaprun" run "$out/itop.hbc" --data "$data" --target "$url" --state "$out/state.db" \
  --report "$out/run-report.json" --time-scale 20
rc=$?
set -e
[ $rc -le 1 ] || { echo "run failed (exit $rc)"; exit $rc; }
echo "== hmaprun verify"
"$build/runtime/hmaprun" verify --state "$out/state.db" --target "$url"
echo "== the dry run's report ($out/plan/report.md)"
cat "$out/plan/report.md"
echo
echo "== reconciliation of the real run ($out/run-report.json)"
cat "$out/run-report.json"
