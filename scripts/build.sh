#!/bin/sh
# Installs what is missing (scripts/deps.sh) and builds every program into
# build/: the first step of both set-up (setup.sh) and the tests (test.sh).
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"
