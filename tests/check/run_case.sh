#!/bin/sh
# Golden diagnostic test: runs `hmapc check` (or --json) on one case and compares
# its stderr/stdout and exit status with the expected file, byte for byte.
# usage: run_case.sh HMAPC CASES_DIR NAME [--json]   (UPDATE=1 rewrites the golden file)
set -u
hmapc=$1 dir=$2 name=$3 mode=${4:-}
cd "$dir" || exit 2
if [ "$mode" = "--json" ]; then
  out=$("$hmapc" check --json "$name.hmap" 2>&1); rc=$?; exp="$name.json.expected"
else
  out=$("$hmapc" check "$name.hmap" 2>&1); rc=$?; exp="$name.expected"
fi
actual=$(printf '%s\nexit %s\n' "$out" "$rc")
if [ "${UPDATE:-}" = 1 ]; then printf '%s\n' "$actual" > "$exp"; exit 0; fi
expected=$(cat "$exp")
if [ "$actual" != "$expected" ]; then
  echo "--- expected ($exp)"; printf '%s\n' "$expected"
  echo "+++ actual"; printf '%s\n' "$actual"
  exit 1
fi
