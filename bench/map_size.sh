#!/bin/sh
# Size of the reference maps: lines and tokens now against a baseline commit (73a438f,
# the maps before the language work of issue 18), and the change in percent. Tokens are
# counted as the lexer sees them (strings, words, $settings, numbers, two-character
# operators, any other character), comments left out; lines count every line.
# Target (issue 18): each map >= 25% shorter by lines and by tokens.
# usage: bench/map_size.sh [BASE_COMMIT]   (run from the repository)
set -eu
base=${1:-73a438f}
top=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
count() {   # FILE -> "LINES TOKENS"
  python3 - "$1" <<'EOF'
import re, sys
tok = re.compile(r'"(?:\\.|[^"\\])*"|[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*'
                 r'|[0-9]+(?:\.[0-9]+)?|->|=>|==|!=|<=|>=|\?\?|\+=|&&|\|\||\S')
def code(line):  # the line without its comment (a '#' outside a string)
    i, ins = 0, False
    while i < len(line):
        c = line[i]
        if ins and c == '\\': i += 2; continue
        if c == '"': ins = not ins
        elif c == '#' and not ins: break
        i += 1
    return line[:i]
text = open(sys.argv[1], encoding='utf-8').read()
lines = text.rstrip('\n').split('\n')
print(len(lines), sum(len(tok.findall(code(l))) for l in lines))
EOF
}
printf "%-28s %-14s %-14s %8s %8s\n" map "lines base/now" "tokens base/now" "lines" "tokens"
for m in atera_to_gorgias itop_to_gorgias smartertrack_to_gorgias; do
  git -C "$top" show "$base:maps/$m.hmap" > "$tmp/base.hmap"
  set -- $(count "$tmp/base.hmap") $(count "$top/maps/$m.hmap")
  printf '%-28s %6s/%-7s %6s/%-7s %7s%% %7s%%\n' "$m" "$1" "$3" "$2" "$4" \
    "$(awk -v a="$1" -v b="$3" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }')" \
    "$(awk -v a="$2" -v b="$4" 'BEGIN { printf "%+.1f", (b - a) * 100 / a }')"
done
