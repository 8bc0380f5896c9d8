#!/bin/sh
# Set-up and first migration: installs the Debian packages, builds every program,
# then runs the iTop reference migration on the bundled example export —
# checks and compiles the map, makes the dry-run plan, starts a local
# Gorgias-compatible sandbox, migrates into it and verifies (scripts/demo.sh).
# Prints a short summary: what was built, the dry run's counts, how the run
# ended and where the reports are; the full output goes to out/setup.log and
# out/demo.log (shown in part only when a step fails).
set -eu
cd "$(dirname "$0")/.."
mkdir -p out
log=out/setup.log demo=out/demo.log
fail() {   # fail STEP LOG RC
  echo "set-up: $1 failed (exit $3); the end of $2:"
  tail -n 30 "$2"
  exit "$3"
}

echo "hmap set-up: dependencies and build (log: $log)"
rc=0; sh scripts/build.sh >"$log" 2>&1 || rc=$?
[ $rc = 0 ] || fail "the build" "$log" $rc
echo "  built build/compiler/hmapc, build/runtime/hmaprun, build/sandbox/hmap-sandbox"
echo "  $(build/runtime/hmaprun --version)"

echo "the iTop example: check, dry run, run into a local sandbox, verify (log: $demo)"
rc=0; sh scripts/demo.sh build >"$demo" 2>&1 || rc=$?
[ $rc = 0 ] || fail "the example migration" "$demo" $rc
# The dry run's counts: the sums of report.md's objects table.
awk -F'|' '/^## Objects/ { t = 1; next } /^## / { t = 0 }
           t && $2 ~ /[A-Za-z]/ && $3 ~ /[0-9]/ { r += $3; p += $4; j += $5; f += $6; n++ }
           END { printf "  dry run: %d objects, %d records read, %d planned, %d rejected, " \
                         "%d flagged\n", n, r, p, j, f }' \
  out/demo/plan/report.md
echo "  $(grep -m 1 -o '^[0-9]* API calls' out/demo/plan/report.md) planned"
echo "  run: $(grep 'hmaprun run: ' "$demo" | tail -n 1 | sed 's/^[^ ]* hmaprun run: //')"
echo "  verify: $(grep '^verify: ' "$demo" | tail -n 1 | sed 's/^verify: //')"
echo "reports: out/demo/plan/report.md and report.html (dry run), out/demo/run-report.json and"
echo "  run-report.html (run, with the verified counts), out/demo/state.db"
echo "next: docs/guide.md; shell completion: . scripts/hmap-completion.bash"
