#!/bin/sh
# The whole test suite: installs what is missing, builds and runs every test,
# then builds again under AddressSanitizer + UndefinedBehaviorSanitizer and runs
# every test again, then fuzzes every parser for a bounded time (tests/fuzz/ci_fuzz.sh,
# FUZZ_SECONDS per harness, default 30). Exit status is non-zero if anything failed.
set -eu
cd "$(dirname "$0")/.."
sh scripts/build.sh
JOBS=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure -j "$JOBS"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DHM_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$JOBS"
sh tests/fuzz/ci_fuzz.sh
echo "all tests passed (normal and ASan/UBSan builds, bounded fuzzing)"
