#!/bin/sh
# golden.sh DUMP CASE_DIR: runs readers_dump on CASE_DIR/data with CASE_DIR/args
# and compares its output with CASE_DIR/expected, byte for byte.
set -f
dump=$1; dir=$2
args=$(cat "$dir/args")
# shellcheck disable=SC2086
out=$(cd "$dir" && "$dump" data $args; echo "exit: $?")
printf '%s\n' "$out" | diff -u "$dir/expected" - || exit 1
