#!/bin/bash
# sandbox_load.sh [BUILD_DIR] [SECONDS] [CONNECTIONS]: load figures for hmap-sandbox.
# Starts the sandbox (in memory, no rate limit) and runs wrk twice with 200
# connections by default: reads (GET /api/customers/1) and writes (POST
# /api/customers with unique emails). Prints requests/s and latency percentiles.
set -eu
BUILD=${1:-build}
SECS=${2:-5}
CONNS=${3:-200}
SBX="$BUILD/sandbox/hmap-sandbox"
[ -x "$SBX" ] || { echo "no $SBX: build first (cmake --build $BUILD)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 2; }
TMP=$(mktemp -d)
"$SBX" --port 0 --rate off >"$TMP/out" 2>"$TMP/err" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 1 100); do [ -s "$TMP/out" ] && break; sleep 0.05; done
URL=$(head -1 "$TMP/out" | sed 's/^listening on //')
AUTH="Authorization: Basic $(printf 'sandbox@example.com:sandbox' | base64)"
curl -s -H "$AUTH" -H 'Content-Type: application/json' -d '{"email":"seed@load.test"}' "$URL/api/customers" >/dev/null
# wrk.format's own headers replace the -H ones, so the script carries the auth
cat >"$TMP/post.lua" <<LUA
local auth = "${AUTH#Authorization: }"
LUA
cat >>"$TMP/post.lua" <<'LUA'
local threads, n = 0, 0
setup = function(thread) threads = threads + 1; thread:set("me", threads) end
request = function()
  n = n + 1
  local body = string.format('{"email":"w%d-%d@load.test"}', me, n)
  return wrk.format("POST", "/api/customers", {["Content-Type"] = "application/json", ["Authorization"] = auth}, body)
end
LUA
report() {
  local name=$1 file=$2
  local rps p50 p90 p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$file")
  p50=$(awk '$1 == "50%" {print $2}' "$file")
  p90=$(awk '$1 == "90%" {print $2}' "$file")
  p99=$(awk '$1 == "99%" {print $2}' "$file")
  printf '%-6s %6s conns  %10s req/s   p50 %-9s p90 %-9s p99 %s\n' "$name" "$CONNS" "$rps" "$p50" "$p90" "$p99"
  grep -E "Non-2xx|Socket errors" "$file" || true
}
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "$AUTH" "$URL/api/customers/1" >"$TMP/read.txt"
report read "$TMP/read.txt"
wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "$AUTH" -s "$TMP/post.lua" "$URL/api/customers" >"$TMP/write.txt"
report write "$TMP/write.txt"
stored=$(curl -s "$URL/_sandbox/stats" | jq -c '.routes["POST /api/customers"]')
echo "write statuses: $stored"
