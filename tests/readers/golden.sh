#!/bin/sh
# golden.sh DUMP CASE_DIR: runs readers_dump on CASE_DIR/data with CASE_DIR/args
# and compares its output with CASE_DIR/expected, byte for byte. A case with a
# `links` file (lines "NAME TARGET") runs on a copy of data/ with those
# symlinks made first (NAME relative to data/), so the repository holds none.
set -f
dump=$1; dir=$2
args=$(cat "$dir/args")
run_in=$dir
if [ -f "$dir/links" ]; then
  run_in=$(mktemp -d) || exit 1
  trap 'rm -rf "$run_in"' EXIT
  cp -R "$dir/data" "$run_in/data" || exit 1
  while read -r name target; do
    [ -n "$name" ] && { ln -s "$target" "$run_in/data/$name" || exit 1; }
  done <"$dir/links"
fi
# shellcheck disable=SC2086
out=$(cd "$run_in" && "$dump" data $args; echo "exit: $?")
printf '%s\n' "$out" | diff -u "$dir/expected" - || exit 1
