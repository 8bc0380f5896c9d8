# lib.sh: helpers for the hmap-sandbox end-to-end tests — start the real binary
# on a free port, send requests with curl, assert exact statuses and JSON with jq.
# Sourced by sandbox_test.sh; SBX (binary) and SCHEMA (schema JSON) come from ctest.
set -u
TMP=$(mktemp -d)
AUTH="sandbox@example.com:sandbox"
PID=""
FAILS=0
trap 'cleanup' EXIT

cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" 2>/dev/null; fi
  rm -rf "$TMP"
}

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# start [options...]: runs the sandbox (without rate limit unless --rate is
# given), sets URL from its first stdout line
start() {
  rm -f "$TMP/out"
  local schema=(--schema "$SCHEMA")
  [ "${USE_BUILTIN_SCHEMA:-0}" = 1 ] && schema=()
  # no rate limit unless the section asks for one (a later --rate wins):
  # functional sections must not depend on how fast the machine is
  "$SBX" --port 0 --rate off "${schema[@]}" "$@" >"$TMP/out" 2>"$TMP/err" &
  PID=$!
  for _ in $(seq 1 200); do
    if [ -s "$TMP/out" ]; then break; fi
    sleep 0.05
  done
  local line; line=$(head -1 "$TMP/out")
  case "$line" in
    "listening on http://127.0.0.1:"*) URL=${line#listening on } ;;
    *) echo "sandbox did not start: '$line'"; cat "$TMP/err"; exit 1 ;;
  esac
}

# stop: SIGTERM, expects a clean exit 0 (and, under ASan, no leak report)
stop() {
  kill -TERM "$PID"
  wait "$PID"
  local rc=$?
  [ "$rc" = 0 ] || { fail "sandbox exited with $rc"; cat "$TMP/err" >&2; }
  PID=""
}

# req METHOD PATH [JSON]: sets ST (status) and B (body); extra curl args via CURL_EXTRA
req() {
  local data=()
  [ $# -ge 3 ] && data=(-H 'Content-Type: application/json' --data-binary "$3")
  ST=$(curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -u "$AUTH" -X "$1" ${CURL_EXTRA:-} "${data[@]}" "$URL$2")
  B=$(cat "$TMP/body")
}

# sbx METHOD PATH [JSON]: a /_sandbox request (no auth)
sbx() {
  local data=()
  [ $# -ge 3 ] && data=(-H 'Content-Type: application/json' --data-binary "$3")
  ST=$(curl -s -o "$TMP/body" -w '%{http_code}' -X "$1" "${data[@]}" "$URL$2")
  B=$(cat "$TMP/body")
}

expect_status() { [ "$ST" = "$1" ] || fail "${2:-request}: status $ST, expected $1; body: $B"; }
# expect JQ_EXPR EXPECTED: jq -c of the last body must equal EXPECTED
expect() {
  local got; got=$(printf '%s' "$B" | jq -c "$1" 2>&1)
  [ "$got" = "$2" ] || fail "$1: got $got, expected $2 (body: ${B:0:300})"
}
expect_error() { expect_status "$1" "$2"; expect '.error.msg' "\"$2\""; }
header() { grep -i "^$1:" "$TMP/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

finish() {
  if [ "$FAILS" -gt 0 ]; then echo "$FAILS check(s) failed"; exit 1; fi
  echo "ok"
}
