#!/bin/sh
# line_length: no line of the C sources, headers, grammar or X-macro tables is
# over 100 characters (UTF-8 counted by character: grep in a UTF-8 locale; mawk
# would count bytes). Lists file:line of each.
# usage: line_length.sh SOURCE_DIR
set -u
cd "$1" || exit 2
files=$(git ls-files '*.c' '*.h' '*.re' '*.y' '*.def' 2>/dev/null)
[ -n "$files" ] || files=$(find . -path ./build -prune -o \( -name '*.[ch]' -o -name '*.re' \
  -o -name '*.y' -o -name '*.def' \) -print | grep -v '^./build')
# shellcheck disable=SC2086
long=$(LC_ALL=C.UTF-8 grep -Hn '.\{101\}' $files | cut -c1-160)
[ -z "$long" ] && exit 0
printf '%s\n' "$long"
echo "line_length: $(printf '%s\n' "$long" | wc -l) lines over 100 columns"
exit 1
