#!/bin/sh
# plan_vs_jq.sh: `hmaprun plan` against an equivalent jq program on the same
# synthetic Atera-shaped export, side by side: records/s, MB/s and peak RSS
# (from /usr/bin/time -v) of both, and the ratios.
#
# usage: bench/plan_vs_jq.sh [BUILD_DIR] [N...]
#   BUILD_DIR  where hmapc and hmaprun were built (default: build-vm)
#   N          ticket counts to run (default: 10000; add 1000000 for the
#              memory-flatness check, which takes a few minutes)
#   REPEAT     (environment) runs of each tool per size, default 3: the
#              fastest wall time and the largest peak RSS are reported, so
#              other work on the machine does not decide a ratio whose
#              smaller side, at 10,000 tickets, is a tenth of a second
#
# The export: tickets in Atera page envelopes (tickets/page-NNNN.json, 50 per
# page, as the API returns them) and 1 to 5 comments per ticket. Real Atera
# comments live in one folder per ticket; here they are one NDJSON file with
# the ticket id added, so a million tickets measure the planner and not the
# file system's handling of a million folders.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build-vm}
[ $# -gt 0 ] && shift
sizes=${*:-10000}
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
hmapc=$build/compiler/hmapc
hmaprun=$build/runtime/hmaprun
for b in "$hmapc" "$hmaprun"; do
  [ -x "$b" ] || { echo "plan_vs_jq: $b not built" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "plan_vs_jq: jq not installed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "plan_vs_jq: /usr/bin/time (GNU time) not installed" >&2; exit 2; }

work=${TMPDIR:-/tmp}/hmap-bench.$$
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT INT TERM

cat >"$work/bench.hmap" <<'EOF'
migration "Benchmark: Atera tickets with comments"
use gorgias
use atera

source Ticket : TicketDto from json_pages "tickets" key TicketID
source Comment from ndjson "comments.ndjson" parent Ticket by TicketID {
  TicketID: int
  Date: string
  Comment: string
  TechnicianContactID: int
  IsInternal: bool
}

rule Ticket -> Ticket {
  subject = src.TicketTitle ?? "(no title)"
  status = match src.TicketStatus { "Resolved", "Closed" => "closed"  _ => "open" }
  priority = match src.TicketPriority { "Low" => "low"  "Medium" => "normal"  "High" => "high"  _ => "critical" }
  via = "api"
  channel = "api"
  external_id = "atera:ticket:" + src.TicketID
  tags += "type:" + lower(src.TicketType ?? "none")
  messages = each Comment as c {
    body_text = c.Comment ?? ""
    channel = c.IsInternal ? "internal-note" : "api"
    via = "api"
    from_agent = c.TechnicianContactID != null
    created_datetime = c.Date
    sent_datetime = c.Date
  }
}
EOF

# The same mapping in jq: comments grouped by ticket, then one create per ticket.
cat >"$work/bench.jq" <<'EOF'
($cs | group_by(.TicketID) | map({key: (.[0].TicketID | tostring), value: .}) | from_entries) as $by
| inputs | .items[]
| {method: "POST", path: "/api/tickets",
   body: {subject: (.TicketTitle // "(no title)"),
          status: (if .TicketStatus == "Resolved" or .TicketStatus == "Closed" then "closed" else "open" end),
          priority: ({"Low": "low", "Medium": "normal", "High": "high"}[.TicketPriority] // "critical"),
          via: "api", channel: "api",
          external_id: ("atera:ticket:" + (.TicketID | tostring)),
          tags: [{name: ("type:" + ((.TicketType // "none") | ascii_downcase))}],
          messages: [($by[.TicketID | tostring] // [])[]
                     | {body_text: (.Comment // ""),
                        channel: (if .IsInternal then "internal-note" else "api" end),
                        via: "api", from_agent: (.TechnicianContactID != null),
                        created_datetime: .Date, sent_datetime: .Date}]},
   source: {object: "Ticket", key: (.TicketID | tostring)}}
EOF

"$hmapc" build "$work/bench.hmap" -o "$work/bench.hbc"

generate() {  # N DIR
  python3 - "$1" "$2" <<'EOF'
import json, os, random, sys
n, d = int(sys.argv[1]), sys.argv[2]
os.makedirs(os.path.join(d, "tickets"), exist_ok=True)
rnd = random.Random(42)
status = ["Open", "Pending", "Resolved", "Closed"]
prio = ["Low", "Medium", "High", "Critical"]
types = ["Incident", "Problem", "Request", "Change"]
words = "printer network laptop password email vpn screen outlook backup server license".split()
pages = (n + 49) // 50
with open(os.path.join(d, "comments.ndjson"), "w") as cf:
    for p in range(pages):
        items = []
        for i in range(p * 50, min(n, p * 50 + 50)):
            tid = 10000 + i
            day = "2024-%02d-%02dT%02d:%02d:00Z" % (1 + i % 12, 1 + i % 28, i % 24, i % 60)
            items.append({"TicketID": tid, "TicketTitle": "%s %s issue #%d" % (rnd.choice(words), rnd.choice(words), tid),
                          "TicketNumber": str(tid), "TicketPriority": rnd.choice(prio), "TicketStatus": rnd.choice(status),
                          "TicketType": rnd.choice(types), "EndUserID": 500 + i % 1000,
                          "EndUserEmail": "user%d@example.com" % (i % 1000), "TicketCreatedDate": day,
                          "CustomerID": 1 + i % 50, "CustomerName": "Customer %d" % (i % 50),
                          "TechnicianEmail": "tech%d@example.com" % (i % 7)})
            for k in range(1 + i % 5):
                tech = (i + k) % 2 == 0
                cf.write(json.dumps({"TicketID": tid, "Date": day,
                                     "Comment": "Comment %d on ticket %d: the %s does not work after the update." % (k, tid, rnd.choice(words)),
                                     "EndUserID": None if tech else 500 + i % 1000,
                                     "TechnicianContactID": 7 if tech else None, "IsInternal": k == 3}) + "\n")
        env = {"items": items, "page": p + 1, "itemsInPage": len(items), "totalItemCount": n,
               "totalPages": pages, "prevLink": "", "nextLink": ""}
        with open(os.path.join(d, "tickets", "page-%04d.json" % (p + 1)), "w") as f:
            json.dump(env, f)
EOF
}

# wall seconds (from the clock in nanoseconds: GNU time's are hundredths, a
# tenth of hmaprun's time at 10,000 tickets) and peak RSS (kB, from GNU time)
# of a command: the fastest of REPEAT runs, and the largest RSS of them
measure() {  # OUTFILE CMD...
  out=$1; shift
  best_wall= best_rss=0
  i=0
  while [ $i -lt "${REPEAT:-3}" ]; do
    i=$((i + 1))
    sync   # the generator's (and the last run's) dirty pages are flushed on no one's time
    start=$(date +%s%N)
    /usr/bin/time -v -o "$work/time.txt" "$@" >"$out" 2>"$work/stderr.txt" || {
      rc=$?
      [ $rc -eq 1 ] || { echo "plan_vs_jq: $* failed ($rc)" >&2; cat "$work/stderr.txt" >&2; exit 2; }
    }
    end=$(date +%s%N)
    wall=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.4f", (e - s) / 1e9}')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    best_wall=$(awk -v a="$best_wall" -v b="$wall" 'BEGIN {print (a == "" || b < a) ? b : a}')
    best_rss=$(awk -v a="$best_rss" -v b="$rss" 'BEGIN {print (b > a) ? b : a}')
  done
  echo "$best_wall $best_rss"
}

printf '%-9s %-8s %12s %10s %12s %10s\n' tickets tool records/s MB/s peak_RSS_MB seconds
for n in $sizes; do
  data=$work/data-$n
  generate "$n" "$data"
  mb=$(du -sk "$data" | awk '{printf "%.2f", $1 / 1024}')
  set -- $(measure "$work/hmap.out" "$hmaprun" plan "$work/bench.hbc" --data "$data" --out "$work/out-$n")
  hw=$1 hr=$2
  hcalls=$(grep -c '^{"seq"' "$work/out-$n/calls.ndjson")   # the calls, not the header line
  set -- $(measure "$work/jq.out" jq -n -c --slurpfile cs "$data/comments.ndjson" -f "$work/bench.jq" "$data"/tickets/page-*.json)
  jw=$1 jr=$2
  jcalls=$(wc -l <"$work/jq.out")
  [ "$hcalls" -eq "$n" ] && [ "$jcalls" -eq "$n" ] || { echo "plan_vs_jq: calls: hmaprun $hcalls, jq $jcalls, want $n" >&2; exit 1; }
  awk -v n="$n" -v mb="$mb" -v hw="$hw" -v hr="$hr" -v jw="$jw" -v jr="$jr" 'BEGIN {
    if (hw <= 0) hw = 0.01; if (jw <= 0) jw = 0.01;
    printf "%-9d %-8s %12.0f %10.1f %12.1f %10.3f\n", n, "hmaprun", n / hw, mb / hw, hr / 1024, hw;
    printf "%-9d %-8s %12.0f %10.1f %12.1f %10.3f\n", n, "jq", n / jw, mb / jw, jr / 1024, jw;
    printf "%-9d %-8s %11.1fx %9.1fx %11.2fx\n", n, "ratio", jw / hw, jw / hw, hr / jr;
  }'
  echo "$n $hr" >>"$work/rss.txt"
  rm -rf "$data" "$work/out-$n" "$work/jq.out" "$work/hmap.out"
done
if [ "$(wc -l <"$work/rss.txt")" -gt 1 ]; then
  awk 'NR == 1 {a = $2; n1 = $1} END {printf "hmaprun peak RSS from %d to %d tickets: x%.2f (target: within 2x)\n", n1, $1, $2 / a}' "$work/rss.txt"
fi
