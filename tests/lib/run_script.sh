# tests/lib/run_script.sh: the set-up every shell test of a run against hmap-sandbox
# shares, sourced after `cd ROOT`: a work folder $tmp removed at exit, the sandbox
# ($pid, once started) stopped at exit, failed() that records a failure in $fail, the
# sandbox's credentials in the environment, and start_sandbox (tests/lib/sandbox.sh).
# The test sets data= itself and ends with `exit $fail`.
tmp=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail=0
failed() { echo "FAIL: $*"; fail=1; }
GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox
export GORGIAS_EMAIL GORGIAS_API_KEY
. "$root/tests/lib/sandbox.sh"
