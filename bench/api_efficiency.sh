#!/bin/sh
# api_efficiency: how well `hmaprun run` uses the Gorgias rate budget.
#   - API calls per migrated record against the minimum (one create per
#     object, messages inside their ticket, plus the two preflight reads);
#   - share of the bucket used over the run: requests against what a 40-per-
#     20-s leaky bucket allows in the elapsed time (its 40 burst + 2/s drain);
#     target >= 95 %;
#   - 429 answers from a sandbox that injects no faults: target 0.
#   - for the three reference maps on their fixtures (maps/, tests/fixtures/):
#     the writes the sandbox saw against the minimum the plan reports (one
#     create per object, one call per upload and per message past a ticket's
#     500th, one update per record whose `after` block names a record created
#     after it; report.json calls.minimum), target 1.00x, and the reads the run
#     made (the two preflight reads, lookups before creates that make them
#     exactly once). API_EFFICIENCY_MAPS=0 leaves this part out.
# Runs against hmap-sandbox with the time scaled (default 10: the 20 s window
# lasts 2 s) so the figures come quickly; shares are scale-free.
# usage: bench/api_efficiency.sh [BUILD_DIR] [RECORDS] [TIME_SCALE]
set -eu
BUILD=${1:-build}
N=${2:-300}
SCALE=${3:-10}
SBX=$BUILD/sandbox/hmap-sandbox
CLI=$BUILD/runtime/hmaprun
[ -x "$SBX" ] && [ -x "$CLI" ] || { echo "api_efficiency: build first ($SBX, $CLI)" >&2; exit 2; }
DIR=$(mktemp -d /tmp/hm_bench_XXXXXX)
trap 'kill $SBX_PID 2>/dev/null || true; rm -rf "$DIR"' EXIT INT TERM

"$SBX" --port 0 --time-scale "$SCALE" >"$DIR/sbx.out" 2>/dev/null &
SBX_PID=$!
i=0
while [ $i -lt 50 ] && ! grep -q listening "$DIR/sbx.out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
URL=$(sed -n 's/.*\(http:[^ ]*\).*/\1/p' "$DIR/sbx.out" | head -1)

# A plan of N records: half customers, half tickets with three messages each
# (messages inside the ticket create, as the planner emits them).
C=$((N / 2)); T=$((N - C))
{
  echo '{"hmap_plan":1,"map_hash":"bench"}'
  k=1
  while [ $k -le $C ]; do
    printf '{"seq":%d,"phase":"create","method":"POST","path":"/api/customers","body":{"email":"b%d@example.com","name":"Bench %d","external_id":"bench:%d"},"source":{"object":"Person","key":"%d"},"target":"Customer","ref":"Person:%d","unique":{"external_id":"bench:%d","email":"b%d@example.com"}}\n' $k $k $k $k $k $k $k $k
    k=$((k + 1))
  done
  t=1
  while [ $t -le $T ]; do
    p=$(( (t - 1) % C + 1 ))
    m='{"channel":"api","via":"api","from_agent":false,"sender":{"id":{"$ref":"Person:'$p'"}},"body_text":"hello","sent_datetime":"2021-01-01T00:00:00Z"}'
    printf '{"seq":%d,"phase":"create","method":"POST","path":"/api/tickets","body":{"subject":"Bench %d","via":"api","channel":"api","external_id":"bench:t:%d","customer":{"id":{"$ref":"Person:%d"}},"messages":[%s,%s,%s]},"source":{"object":"Ticket","key":"%d"},"target":"Ticket","ref":"Ticket:%d","unique":{"external_id":"bench:t:%d"}}\n' $((C + t)) $t $t $p "$m" "$m" "$m" $t $t $t
    t=$((t + 1))
  done
} >"$DIR/calls.ndjson"

START=$(date +%s)
GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox \
  "$CLI" run --plan "$DIR/calls.ndjson" --target "$URL" --state "$DIR/state.db" \
  --time-scale "$SCALE" --report "$DIR/report.json" || { echo "api_efficiency: the run failed" >&2; exit 1; }
END=$(date +%s)

num() { sed -n "s/.*\"$1\":[[:space:]]*\([0-9.eE+-]*\).*/\1/p" "$DIR/report.json" | head -1; }
REQ=$(num requests)
SHARE=$(num budget_share)
T429=$(num throttled_429)
SBX429=$(curl -s "$URL/_sandbox/stats" 2>/dev/null | sed -n 's/.*"rate_limited":[[:space:]]*\([0-9]*\).*/\1/p' || true)
MIN=$((N + 2))

# The reference maps: calls against the minimum, counted by the sandbox.
maps_ok=1
if [ "${API_EFFICIENCY_MAPS:-1}" != 0 ]; then
  ROOT=$(cd "$(dirname "$0")/.." && pwd)
  . "$ROOT/tests/e2e/lib.sh"
  printf '%-13s %7s %7s %6s %6s\n' map writes minimum ratio reads
  for src in itop smartertrack atera; do
    d=$DIR/$src
    mkdir -p "$d"
    "$BUILD/compiler/hmapc" build "$ROOT/maps/${src}_to_gorgias.hmap" -o "$d/map.hbc" >/dev/null
    # shellcheck disable=SC2046
    "$CLI" plan "$d/map.hbc" --data "$ROOT/tests/fixtures/$src" --out "$d/plan" \
      $(e2e_plan_opts "$src") 2>/dev/null && rc=0 || rc=$?
    [ $rc -le 1 ] || { echo "api_efficiency: plan of $src failed" >&2; exit 1; }
    curl -sf -X POST "$URL/_sandbox/reset" >/dev/null
    # shellcheck disable=SC2046
    GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox \
      "$CLI" run --plan "$d/plan/calls.ndjson" --data "$ROOT/tests/fixtures/$src" --target "$URL" \
      --state "$d/state.db" --time-scale "$SCALE" $(e2e_run_opts "$src") >/dev/null 2>&1 \
      && rc=0 || rc=$?
    [ $rc -le 1 ] || { echo "api_efficiency: run of $src failed" >&2; exit 1; }
    curl -sf "$URL/_sandbox/stats" >"$d/stats.json"
    w=$(jq '[.routes | to_entries[] | select(.key | test("^(POST|PUT|PATCH|DELETE) /api/"))
             | .value[]] | add // 0' "$d/stats.json")
    r=$(jq '[.routes | to_entries[] | select(.key | test("^GET /api/")) | .value[]] | add // 0' \
      "$d/stats.json")
    # uploads the run refuses over its --max-upload-bytes are not calls it can make
    lim=$(e2e_run_opts "$src" | sed -n 's/.*--max-upload-bytes \([0-9]*\).*/\1/p')
    over=$(jq -s --argjson m "${lim:-0}" \
      '[.[] | select(.phase == "upload" and $m > 0 and .size > $m)] | length' \
      "$d/plan/calls.ndjson")
    m=$(($(jq '.calls.minimum' "$d/plan/report.json") - over))
    ratio=$(echo "$w $m" | awk '{print $1 / $2}')
    printf '%-13s %7d %7d %5.2fx %6d\n' "$src" "$w" "$m" "$ratio" "$r"
    [ "$w" = "$m" ] || maps_ok=0
  done
fi
# As a ctest (API_EFFICIENCY_TIMING=0) only the counts are asserted: the share of
# the budget depends on how loaded the machine is, and timing is never a test.
awk -v req="$REQ" -v n="$N" -v min="$MIN" -v share="$SHARE" -v t429="$T429" -v s429="${SBX429:-?}" \
    -v timing="${API_EFFICIENCY_TIMING:-1}" -v maps_ok="$maps_ok" \
    -v secs=$((END - START)) -v scale="$SCALE" 'BEGIN {
  printf "records migrated       %d (%d customers, %d tickets with 3 messages each)\n", n, int(n/2), n - int(n/2)
  printf "API calls              %d (minimum %d: one create per record + 2 preflight reads)\n", req, min
  printf "calls per record       %.3f (minimum %.3f)\n", req / n, min / n
  printf "rate budget used       %.1f %% of 40 per 20 s (target >= 95 %%)\n", share * 100
  printf "429 answers            %s seen by the client, %s counted by the sandbox (target 0)\n", t429, s429
  printf "wall time              %d s at time scale %s (= %.0f s against Gorgias)\n", secs, scale, secs * scale
  ok = ((timing == 0 || share >= 0.95) && t429 == 0 && req <= min && maps_ok)
  printf "%s\n", ok ? "PASS" : "BELOW TARGET"
  exit ok ? 0 : 1 }'
