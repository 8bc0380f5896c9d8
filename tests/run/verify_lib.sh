# tests/run/verify_lib.sh: the shell the issue-14 tests share, sourced after
# `cd ROOT` (the tamper tests after tests/lib/run_script.sh). Settings a test
# passes through: $sets (--set options of plan, run and verify), $run_opts
# (more options of the run), $meta (the meta key naming a ticket in the dump).
#
# Tampering (tests/run/verify_source*.sh):
#   tamper_run HMAPC HMAPRUN SANDBOX MAP DATA: builds MAP, starts a sandbox and
#     migrates DATA into it ($url, $pid, $tmp/state.db); exits 1 if it fails.
#   verify [OPTIONS...]: verify against the export, its JSON on stdout.
#   verify_clean: verify finds nothing on the untouched migration (exit 0).
#   dump; ticket KEY: the sandbox's ticket whose meta.$meta is KEY.
#   raw_put PATH JQ: the stored object PATH rewritten through JQ.
#   delete_message KEY N: ticket KEY's message N deleted ($gone_text: its text).
#   duplicate_note KEY: ticket KEY's first internal note posted again.
#   finding TARGET ID: the differences verify reported on that object, as
#     KEY|DIFFERENCE lines ($tmp/tampered.json).
#   expect_finding TARGET ID LINE WHAT: that exact line is among them.
#   expect_duplicate ID KEY: ticket ID's note KEY duplicated is found, "a duplicate".
#   expect_differences N: N differences in all, no more.
# Ledgers (tests/run/ledger*.sh):
#   ledger_setup HMAPC: $data and $sets of the Atera example, its map built into
#     $tmp/map.hbc and planned into $tmp/plan; exits 1 if either fails.
#   status_map STATE: status's ledger as {object: {word: n}}; sum: summed over
#     the objects (stdin to stdout); word FILE WORD: WORD summed in FILE.
#   requests: how many requests the sandbox at $url has counted.
#   stop_run_after N SIGNAL COMMAND...: COMMAND in the background (its output
#     added to $tmp/run.out and run.err), sent SIGNAL once the sandbox has
#     counted N more requests (or when it ended first); its exit status.
# Mutation (tests/plan/mutation_*.sh):
#   mutation_build HMAPC MAP HBC: $work emptied, MAP built into HBC; exits 1 if not.
#   plan DATA OUT: hmaprun plan of $hbc (exit 0 or 1 expected, else a failure).
#   want WHAT JQ-FILTER REPORT: the filter must yield true.

tamper_run() {
  "$1" build "$4" -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
  start_sandbox "$3" "$tmp" --time-scale 50
  pid=$sbx_pid url=$sbx_url
  data=$5
  # shellcheck disable=SC2086
  "$hmaprun" run "$tmp/map.hbc" --data "$data" ${sets:-} ${run_opts:-} --target "$url" \
    --state "$tmp/state.db" --time-scale 50 >"$tmp/run.out" 2>"$tmp/run.err"
  [ $? -le 1 ] || { echo "FAIL: the run"; cat "$tmp/run.err"; exit 1; }
}

verify() {
  # shellcheck disable=SC2086
  "$hmaprun" verify --state "$tmp/state.db" --target "$url" --time-scale 50 --map "$tmp/map.hbc" \
    --data "$data" ${sets:-} --json "$@" 2>"$tmp/verify.err"
}

verify_clean() {
  verify >"$tmp/clean.json"
  _rc=$?
  [ $_rc = 0 ] ||
    failed "verify of a clean migration: exit $_rc: $(cat "$tmp/clean.json" "$tmp/verify.err")"
  [ "$(jq .checked "$tmp/clean.json")" -gt 0 ] && [ "$(jq .differences "$tmp/clean.json")" = 0 ] ||
    failed "clean: $(jq -c '{checked, differences, objects}' "$tmp/clean.json")"
}

dump() { curl -sf "$url/_sandbox/dump" >"$tmp/dump.json"; }
ticket() { jq ".tickets[] | select(.meta.$meta == \"$1\")" "$tmp/dump.json"; }

raw_put() {
  curl -sf "$url/_sandbox/raw/$1" | jq -c "$2" |
    curl -sf -X PUT -H 'Content-Type: application/json' --data-binary @- \
      "$url/_sandbox/raw/$1" >/dev/null || failed "raw PUT of $1"
}

delete_message() {
  _gone=$(ticket "$1" | jq ".messages[$2].id")
  gone_text=$(ticket "$1" | jq -r ".messages[$2].body_text")
  curl -sf -X DELETE "$url/_sandbox/raw/messages/$_gone" >/dev/null ||
    failed "raw DELETE of message $_gone"
}

duplicate_note() {
  ticket "$1" | jq -c '[.messages[] | select(.channel == "internal-note")][0]
    | {channel, via, from_agent, public, sender: {id: .sender.id}, body_text, body_html,
       created_datetime, sent_datetime}' >"$tmp/note.json"
  curl -sf -u "$GORGIAS_EMAIL:$GORGIAS_API_KEY" -X POST -H 'Content-Type: application/json' \
    --data-binary @"$tmp/note.json" "$url/api/tickets/$(ticket "$1" | jq .id)/messages" \
    >/dev/null || failed "duplicate note of $1"
}

finding() {
  jq -r ".objects[] | select(.target == \"$1\" and .id == $2) | \"\(.key)|\(.differences[])\"" \
    "$tmp/tampered.json"
}

expect_finding() {
  finding "$1" "$2" | grep -qxF "$3" || failed "$4: $(finding "$1" "$2")"
}

expect_duplicate() {
  _re="^$2|messages: found [0-9]* in Gorgias, not in the source: internal-note "
  _re="$_re\".*(a duplicate of messages\\[[0-9]*\\])\$"
  finding Ticket "$1" | grep -q "$_re" || failed "the duplicated note: $(finding Ticket "$1")"
}

expect_differences() {
  _n=$(jq .differences "$tmp/tampered.json")
  [ "$_n" = "$1" ] ||
    failed "$_n differences for $1 tamperings: $(jq -c .objects "$tmp/tampered.json")"
}

ledger_setup() {
  data=tests/fixtures/atera
  sets="--set help_center_id=1 --set max_upload_bytes=50000"
  "$1" build maps/atera_to_gorgias.hmap -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
  # shellcheck disable=SC2086
  "$hmaprun" plan "$tmp/map.hbc" --data "$data" --out "$tmp/plan" $sets 2>/dev/null
  [ $? -le 1 ] || { echo "FAIL: hmaprun plan"; exit 1; }
}

status_map() {
  "$hmaprun" status --state "$1" --json |
    jq -S '[.objects[] | {key: .object, value: del(.object)}] | from_entries'
}
sum() { jq -S '[.[]] | reduce .[] as $o ({}; reduce ($o | keys[]) as $k (.; .[$k] += $o[$k]))'; }
word() { jq "[.[].$2] | add" "$1"; }

requests() { curl -sf "$url/_sandbox/stats" | jq '.requests'; }

stop_run_after() {
  _want=$(($(requests) + $1)) _sig=$2
  shift 2
  "$@" >>"$tmp/run.out" 2>>"$tmp/run.err" &
  _rpid=$!
  _i=0
  while [ "$(requests)" -lt $_want ] && [ $_i -lt 600 ] && kill -0 $_rpid 2>/dev/null; do
    sleep 0.02; _i=$((_i + 1))
  done
  kill "-$_sig" $_rpid 2>/dev/null
  wait $_rpid
}

mutation_build() {
  rm -rf "$work"; mkdir -p "$work"
  fail=0
  "$1" build "$2" -o "$3" || { echo "FAIL: hmapc build" >&2; exit 1; }
}

plan() {
  # shellcheck disable=SC2086
  "$hmaprun" plan "$hbc" --data "$1" --out "$2" ${sets:-} 2>"$2.err"
  _rc=$?
  [ $_rc -le 1 ] || { echo "FAIL: plan of $1: exit $_rc" >&2; cat "$2.err" >&2; fail=1; }
}

want() {
  if [ "$(jq "$2" "$3")" != true ]; then echo "FAIL: $1 ($3)" >&2; fail=1; fi
}
