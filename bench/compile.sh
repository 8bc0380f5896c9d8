#!/bin/sh
# Compile-time figures: generates a map of N rules (default 5,000) over N/5
# sources, then prints hmapc check and build wall time and peak memory.
# Targets (issue 3): under 1 s and under 100 MB for 5,000 rules.
# usage: bench/compile.sh [BUILD_DIR] [N]
set -eu
build=${1:-build}
n=${2:-5000}
hmapc="$build/compiler/hmapc"
[ -x "$hmapc" ] || { echo "no $hmapc: build first (cmake -S . -B $build && cmake --build $build)"; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
map="$tmp/big.hmap"
nsrc=$((n / 5))
{
  echo 'migration "generated benchmark"'
  echo 'use gorgias'
  echo 'setting fallback_agent = "lead@example.com"'
  i=0
  while [ $i -lt $nsrc ]; do
    echo "source S$i from csv \"s$i.csv\" key id { id: int required  email: string  name: string  title: string  status: string  prio: string  owner: int }"
    i=$((i + 1))
  done
  i=0
  while [ $i -lt $nsrc ]; do
    cat <<RULES
rule S$i -> Customer {
  email = lower(trim(src.email)) ?? reject "no email"
  name = src.name ?? local_part(src.email) flag review "no name" ?? skip
  external_id = "s$i:" + src.id
}
rule S$i -> Tag { name = tag("source", src.status) ?? reject "no status" }
rule S$i -> Ticket {
  subject = truncate(src.title, 998) ?? "(no subject)"
  status = match src.status { "done", "closed" => "closed"  _ => "open" }
  priority = match src.prio { "1" => "critical"  "2" => "high"  "3" => "normal"  _ => "low" }
  customer = lookup S$i(src.owner) ?? reject "no owner"
  assignee_user = agent(src.email) ?? agent(\$fallback_agent) flag info "fallback" ?? skip
  messages = [{ channel: "api", from_agent: false, body_text: src.title ?? "" }]
  external_id = "t$i:" + src.id
}
rule S$i -> User { email = src.email ?? reject "no email"  role = "agent" }
rule S$i -> Team { name = src.name ?? "team $i" }
RULES
    i=$((i + 1))
  done
} >"$map"
echo "map: $n rules, $nsrc sources, $(wc -l <"$map") lines, $(wc -c <"$map") bytes"
measure() {
  label=$1; shift
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
  read -r secs kb <"$tmp/time"
  printf '%-16s %8s s %10s MB peak RSS\n' "$label" "$secs" "$(awk "BEGIN{printf \"%.1f\", $kb/1024}")"
}
measure "hmapc check" "$hmapc" check "$map"
measure "hmapc build" "$hmapc" build "$map" -o "$tmp/big.hbc"
echo "bytecode: $(wc -c <"$tmp/big.hbc") bytes"
