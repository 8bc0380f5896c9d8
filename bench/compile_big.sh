#!/bin/sh
# Compile cost at scale (docs/security.md, "Bounded cost"): generates a map of
# N rules (default 100,000; five rules per source, as bench/compile.sh) and a
# map of N settings, then prints hmapc check and build wall time and peak
# memory for each, side by side. Target: under 2 s each for 100,000.
# usage: bench/compile_big.sh [BUILD_DIR] [N]
set -eu
build=${1:-build}
n=${2:-100000}
hmapc="$build/compiler/hmapc"
[ -x "$hmapc" ] || { echo "no $hmapc: build first (sh scripts/build.sh)"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
awk -v n="$n" 'BEGIN {
  print "migration \"generated: many rules\""
  print "use gorgias"
  print "setting fallback_agent = \"lead@example.com\""
  nsrc = int(n / 5)
  for (i = 0; i < nsrc; i++)
    printf "source S%d from csv \"s%d.csv\" key id { id: int required  email: string  name: string  title: string  status: string  prio: string  owner: int }\n", i, i
  for (i = 0; i < nsrc; i++) {
    printf "rule S%d -> Customer {\n  email = lower(trim(src.email)) ?? reject \"no email\"\n", i
    printf "  name = src.name ?? local_part(src.email) flag review \"no name\" ?? skip\n  external_id = \"s%d:\" + src.id\n}\n", i
    printf "rule S%d -> Tag { name = tag(\"source\", src.status) ?? reject \"no status\" }\n", i
    printf "rule S%d -> Ticket {\n  subject = truncate(src.title, 998) ?? \"(no subject)\"\n", i
    printf "  status = match src.status { \"done\", \"closed\" => \"closed\"  _ => \"open\" }\n"
    printf "  priority = match src.prio { \"1\" => \"critical\"  \"2\" => \"high\"  _ => \"low\" }\n"
    printf "  customer = lookup S%d(src.owner) ?? reject \"no owner\"\n", (i > 0 ? i - 1 : i)
    printf "  assignee_user = agent(src.email) ?? agent($fallback_agent) flag info \"fallback\" ?? skip\n"
    printf "  messages = [{ channel: \"api\", from_agent: false, body_text: src.title ?? \"\" }]\n"
    printf "  external_id = \"t%d:\" + src.id\n}\n", i
    printf "rule S%d -> User { email = src.email ?? reject \"no email\"  role = \"agent\" }\n", i
    printf "rule S%d -> Team { name = src.name ?? \"team %d\" }\n", i, i
  }
}' >"$tmp/rules.hmap"
awk -v n="$n" 'BEGIN {
  print "migration \"generated: many settings\""
  print "use gorgias"
  for (i = 0; i < n; i++) printf "setting s%d = \"value %d\"\n", i, i
  print "source T from csv \"t.csv\" key id { id: int required  name: string }"
  printf "rule T -> Tag { name = src.name ?? $s0 + $s%d }\n", n - 1
}' >"$tmp/settings.hmap"
measure() {  # LABEL CMD...: wall and CPU (user + system) seconds, peak RSS of one run
  label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || true
  grep -q "error:" "$tmp/err" && { head -5 "$tmp/err"; exit 1; }
  read -r wall user sys kb <"$tmp/time"
  printf '%-30s %7s s wall %7s s CPU %8s MB peak RSS\n' "$label" "$wall" \
    "$(awk "BEGIN{print $user + $sys}")" "$(awk "BEGIN{printf \"%.1f\", $kb/1024}")"
}
for m in rules settings; do
  echo "$m.hmap: $(wc -l <"$tmp/$m.hmap") lines, $(wc -c <"$tmp/$m.hmap") bytes"
done
measure "hmapc check ($n rules)" "$hmapc" check "$tmp/rules.hmap"
measure "hmapc build ($n rules)" "$hmapc" build "$tmp/rules.hmap" -o "$tmp/rules.hbc"
measure "hmapc check ($n settings)" "$hmapc" check "$tmp/settings.hmap"
measure "hmapc build ($n settings)" "$hmapc" build "$tmp/settings.hmap" -o "$tmp/settings.hbc"
echo "bytecode: $(wc -c <"$tmp/rules.hbc") bytes (rules)," \
  "$(wc -c <"$tmp/settings.hbc") bytes (settings)"
