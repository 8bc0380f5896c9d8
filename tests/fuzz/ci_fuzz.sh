#!/bin/sh
# ci_fuzz.sh: the bounded fuzzing step of the test suite. Builds every libFuzzer
# harness with clang, ASan and UBSan into build-fuzz/, then runs each one for
# FUZZ_SECONDS (default 30) on a copy of its seed corpus in a temporary folder,
# so the tree stays clean, with tests/fuzz/dict/<corpus>.dict when there is
# one. Harnesses run FUZZ_JOBS at a time (default: the number of cores). Exit
# status is non-zero if any harness found a crash, a leak, a timeout or an
# out-of-memory; the reproducer is kept in build-fuzz/fuzz-artifacts/ and its
# path printed with the command that replays it.
#
# The seed is fixed (FUZZ_SEED, default 1) and the corpus is never reloaded, so a
# run is repeatable: the suite is not red one day and green the next on the same
# code, and a slower machine explores a prefix of what a faster one does. Hunting
# for new findings wants fresh seeds and time: FUZZ_SEED=0 picks a random seed.
#
#   FUZZ_SECONDS=300 FUZZ_SEED=0 sh tests/fuzz/ci_fuzz.sh   # longer runs, random seed
#   sh tests/fuzz/ci_fuzz.sh fuzz_html fuzz_sandbox          # only these harnesses
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SECS=${FUZZ_SECONDS:-30}
MAX_LEN=${FUZZ_MAX_LEN:-8192}
RSS_MB=${FUZZ_RSS_MB:-2048}
SEED=${FUZZ_SEED:-1}
NCPU=$(nproc 2>/dev/null || echo 2)
JOBS=${FUZZ_JOBS:-$NCPU}
ART=$ROOT/build-fuzz/fuzz-artifacts

# name:folder of the harness binary and its corpus under the build and source trees
ALL="fuzz_csv:tests/fuzz:csv fuzz_json:tests/fuzz:json fuzz_layout:tests/fuzz:layout
fuzz_csv_full:tests/fuzz:csv fuzz_json_full:tests/fuzz:json
fuzz_html:tests/fuzz:html fuzz_text:tests/fuzz:text fuzz_sandbox:tests/fuzz:sandbox
fuzz_hmapc:tests/fuzz_compiler:hmapc fuzz_hbc:tests/fuzz_compiler:hbc"
if [ $# -gt 0 ]; then
  SEL=""
  for want in "$@"; do
    hit=$(printf '%s\n' $ALL | grep "^$want:" || true)
    [ -n "$hit" ] || { echo "ci_fuzz: no harness $want" >&2; exit 2; }
    SEL="$SEL $hit"
  done
else
  SEL=$ALL
fi

if ! command -v clang >/dev/null; then
  echo "ci_fuzz: clang is not installed (scripts/deps.sh)" >&2
  exit 2
fi
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHM_FUZZ=ON -DHM_SANITIZE=ON \
  >/dev/null
targets=""
for h in $SEL; do targets="$targets ${h%%:*}"; done
# shellcheck disable=SC2086
cmake --build build-fuzz -j "$NCPU" --target $targets >/dev/null

WORK=$(mktemp -d "${TMPDIR:-/tmp}/hm_ci_fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
rm -rf "$ART"
mkdir -p "$ART"

# run_one NAME DIR CORPUS: fuzzes into $WORK/NAME; writes $WORK/NAME.status
run_one() {
  name=$1 dir=$2 corpus=$3
  mkdir -p "$WORK/$name"
  cp "$ROOT/$dir/corpus/$corpus/"* "$WORK/$name/"
  if [ "$name" = fuzz_hmapc ]; then   # the golden cases and the maps seed the compiler too
    cp "$ROOT"/tests/check/cases/*.hmap "$ROOT"/maps/*.hmap "$ROOT"/stdlib/*.hmap "$WORK/$name/"
  fi
  dict=""
  [ -f "$ROOT/tests/fuzz/dict/$corpus.dict" ] && dict="-dict=$ROOT/tests/fuzz/dict/$corpus.dict"
  set +e
  # shellcheck disable=SC2086
  "$ROOT/build-fuzz/$dir/$name" "$WORK/$name" -max_total_time="$SECS" -max_len="$MAX_LEN" \
    -rss_limit_mb="$RSS_MB" -timeout=10 -print_final_stats=1 $dict \
    -seed="$SEED" -reload=0 \
    -artifact_prefix="$ART/$name-" >"$WORK/$name.log" 2>&1
  echo $? >"$WORK/$name.status"
  set -e
}

# lanes of JOBS harnesses at a time
set -- $SEL
while [ $# -gt 0 ]; do
  n=0
  while [ $# -gt 0 ] && [ $n -lt "$JOBS" ]; do
    h=$1; shift
    rest=${h#*:}
    run_one "${h%%:*}" "${rest%%:*}" "${rest#*:}" &
    n=$((n + 1))
  done
  wait
done

fail=0
for h in $SEL; do
  name=${h%%:*}; rest=${h#*:}; dir=${rest%%:*}
  st=$(cat "$WORK/$name.status" 2>/dev/null || echo 1)
  stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$WORK/$name.log" | tail -1 || true)
  if [ "$st" = 0 ]; then
    echo "ci_fuzz: $name ok ${stats#*DONE}"
    continue
  fi
  fail=1
  echo "ci_fuzz: $name FAILED (exit $st)"
  grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$WORK/$name.log" | head -5 || true
  tail -n 40 "$WORK/$name.log" | sed 's/^/  | /'
  for f in "$ART/$name-"*; do
    [ -e "$f" ] || continue
    echo "ci_fuzz: reproducer $f"
    echo "ci_fuzz: replay with build-fuzz/$dir/$name $f"
  done
done
rmdir "$ART" 2>/dev/null || true
if [ $fail -ne 0 ]; then
  echo "ci_fuzz: a harness failed; once fixed, keep the reproducer in its corpus" \
    "(docs/fuzzing.md)" >&2
  exit 1
fi
echo "ci_fuzz: all harnesses ran ${SECS}s without a finding"
