# tests/lib/sandbox.sh: sourced by the shell tests that need a running
# hmap-sandbox, so they start it and find its port one way.
#
# start_sandbox BIN DIR [ARGS...]: starts BIN --port 0 ARGS in the background
# with its output in DIR/sbx.out and DIR/sbx.err, waits up to 10 s for its
# "listening on URL" line and sets sbx_pid and sbx_url. If it does not start,
# it says so with its stderr, stops it and exits 1 (the test fails).
start_sandbox() {
  _bin=$1 _dir=$2
  shift 2
  "$_bin" --port 0 "$@" >"$_dir/sbx.out" 2>"$_dir/sbx.err" &
  sbx_pid=$!
  sbx_url=
  _n=0
  while [ $_n -lt 100 ]; do
    sbx_url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$_dir/sbx.out")
    [ -n "$sbx_url" ] && return 0
    sleep 0.1
    _n=$((_n + 1))
  done
  echo "FAIL: hmap-sandbox did not start"
  cat "$_dir/sbx.err"
  kill "$sbx_pid" 2>/dev/null
  exit 1
}
