#!/bin/sh
# automation_pause.sh HMAPC HMAPRUN SANDBOX ROOT: the three reference maps run
# into the strict sandbox (every ticket-acting setting on, the Help Center on
# its own host behind tokens) with active ticket rules, under
# `run --pause-automation` (docs/run.md "Pausing automation"):
# - `hmaprun preflight` lists the rules and settings, exit 3, and sends no write;
#   with --pause-automation it says the run would start (exit 0);
# - each run: no automation firing and no outbox entry; the Help Center objects
#   arrive through the token host; the writes the sandbox saw, less the pause
#   and restore PUTs and the token exchange, equal the plan's minimum; the
#   pause/restore calls are the report's automation.calls; afterwards the rules
#   and settings are on again, and a rule that was already inactive keeps its
#   own stamp (never touched);
# - a run killed (-9) mid-way leaves the automation paused, recorded in the
#   state; its resume puts it back, except a rule the consultant re-stamped
#   meanwhile (left as it is, named);
# - a run killed and abandoned: `hmaprun restore-automation` puts it back; run
#   again it has nothing to do; a run killed then rolled back: the rollback
#   puts it back too;
# - a setting Gorgias refuses to switch (403): exit 3, no ticket sent, and the
#   rules paused before it are put back at once.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/e2e/lib.sh"
. "$root/tests/lib/run_script.sh"
auth="$GORGIAS_EMAIL:$GORGIAS_API_KEY"
same() { [ "$2" = "$3" ] || failed "$1: got $3, wanted $2"; }
api() { curl -sf -u "$auth" -H 'Content-Type: application/json' "$@"; }
stats() { curl -sf "$url/_sandbox/stats"; }
count() { stats | jq --arg r "$1" '[.routes[$r] // {} | .[]] | add // 0'; }
rules_state() { api "$url/api/rules" | jq -c '[.data[] | [.name, .deactivated_datetime]]'; }
settings_on() { curl -sf "$url/_sandbox/settings" | jq '[.. | booleans | select(.)] | length'; }
OLD='"2020-05-05T05:05:05+00:00"'

killed_run() { # killed_run NAME [OPTIONS...]: the iTop plan run with --pause-automation on
  # state $d/NAME.db, killed (-9) once the sandbox has counted 40 more requests
  _name=$1 _want=$(($(stats | jq '.requests') + 40))
  shift
  "$hmaprun" run --plan "$d/plan/calls.ndjson" --data tests/fixtures/itop --target "$url" \
    --help-center-url "$hc" --state "$d/$_name.db" --time-scale 50 --pause-automation "$@" \
    >"$d/$_name.out" 2>"$d/$_name.err" &
  _rpid=$!
  _i=0
  while [ "$(stats | jq '.requests')" -lt "$_want" ] && [ $_i -lt 1500 ] &&
        kill -0 $_rpid 2>/dev/null; do
    sleep 0.02; _i=$((_i + 1))
  done
  kill -9 $_rpid 2>/dev/null
  wait $_rpid 2>/dev/null
}
sandbox_with_rules() { # DIR [ARGS]: a fresh strict sandbox with two active rules, one inactive
  mkdir -p "$1"
  _d=$1
  shift
  start_sandbox "$sandbox" "$_d" --fidelity strict --time-scale 50 "$@"
  pid=$sbx_pid url=$sbx_url
  hc=$(sed -n 's/^help center on \(http:[^ ]*\).*/\1/p' "$_d/sbx.out")
  api -X POST "$url/api/rules" -o /dev/null -d \
    '{"name":"Auto reply","code":"Action('"'"'sendEmail'"'"', {})","event_types":"ticket-created"}'
  api -X POST "$url/api/rules" -o /dev/null -d \
    '{"name":"Tagger","code":"Action('"'"'addTags'"'"', {tags: '"'"'x'"'"'})","event_types":"ticket-updated,ticket-message-created"}'
  api -X POST "$url/api/rules" -o /dev/null -d \
    "{\"name\":\"Old\",\"code\":\"Action('sendEmail', {})\",\"event_types\":\"ticket-created\",\"deactivated_datetime\":$OLD}"
  ontotal=$(settings_on)
}
# the sandbox's writes, less the test's own rule set-up
writes_now() {
  stats | jq '[.routes | to_entries[] | select(.key | test("^(POST|PUT|PATCH|DELETE) /api/"))
    | select(.key != "POST /api/rules") | .value[]] | add // 0'
}
stop_sandbox() { kill "$pid"; wait "$pid" 2>/dev/null; pid=; }
ACTIVE_AGAIN='[["Auto reply",null],["Tagger",null],["Old","2020-05-05T05:05:05+00:00"]]'

for src in itop smartertrack atera; do
  d=$tmp/$src
  mkdir -p "$d"
  "$hmapc" build "maps/${src}_to_gorgias.hmap" -o "$d/map.hbc" || { failed "$src: hmapc build"; continue; }
  # shellcheck disable=SC2046
  "$hmaprun" plan "$d/map.hbc" --data "tests/fixtures/$src" --out "$d/plan" $(e2e_plan_opts "$src") \
    2>/dev/null
  sandbox_with_rules "$d/sbx"
  if [ "$src" = itop ]; then   # the preflight alone: every finding, no write
    "$hmaprun" preflight --target "$url" --time-scale 50 >"$d/pf.out" 2>"$d/pf.err"
    same "preflight exit" 3 $?
    for f in 'rule 1 "Auto reply" on ticket-created' 'rule 2 "Tagger" on ticket-updated, ticket-message-created' \
             'setting auto-merge.tickets.enabled' 'setting satisfaction-surveys.send_survey_for_email'; do
      grep -qF "  $f" "$d/pf.err" || failed "preflight: '$f' not listed"
    done
    grep -q '"Old"' "$d/pf.err" && failed "preflight: lists the inactive rule"
    "$hmaprun" preflight --target "$url" --time-scale 50 --pause-automation >"$d/pf2.out" 2>&1
    same "preflight --pause-automation exit" 0 $?
    same "preflight --pause-automation" "preflight: the run would start" "$(tail -1 "$d/pf2.out")"
    same "writes by the preflight" 0 "$(writes_now)"
  fi
  # shellcheck disable=SC2046
  "$hmaprun" run --plan "$d/plan/calls.ndjson" --data "tests/fixtures/$src" --target "$url" \
    --help-center-url "$hc" --state "$d/state.db" --time-scale 50 --report "$d/report.json" \
    --pause-automation $(e2e_run_opts "$src") >"$d/run.out" 2>"$d/run.err"
  rc=$?
  [ $rc -le 1 ] || { failed "$src: run exit $rc"; cat "$d/run.err"; }
  same "$src: automation firings" 0 "$(curl -sf "$url/_sandbox/automation" | jq '.data | length')"
  same "$src: outbox entries" 0 "$(curl -sf "$url/_sandbox/outbox" | jq '.data | length')"
  grep -q 'served on its own host' "$d/run.err" && failed "$src: Help Center calls on the account host"
  hcw=$(jq -s '[.[] | select(.phase == "create" and (.target | test("^HelpCenter")))] | length' \
    "$d/plan/calls.ndjson")
  hcd=$(curl -sf "$url/_sandbox/dump" | jq '[to_entries[] | select(.key | test("^help_center"))
    | .value | length] | add // 0')
  same "$src: Help Center objects through the token host" "$hcw" "$hcd"
  [ "$hcw" = 0 ] || [ "$(count 'POST /api/help-center/auth')" -gt 0 ] ||
    failed "$src: no Help Center token exchange"
  pauses=$(($(count 'PUT /api/rules/{id}') + $(count 'PUT /api/account/settings/{id}')))
  same "$src: pause and restore PUTs (2 rules and $ontotal switches, twice)" \
    $((2 * (2 + ontotal))) "$pauses"
  same "$src: report automation.calls" "$((pauses + $(count 'GET /api/rules/{id}') + ontotal))" \
    "$(jq '.automation.calls' "$d/report.json")"
  writes=$(($(writes_now) - pauses - $(count 'POST /api/help-center/auth')))
  lim=$(e2e_run_opts "$src" | sed -n 's/.*--max-upload-bytes \([0-9]*\).*/\1/p')
  over=$(jq -s --argjson m "${lim:-0}" '[.[] | select(.phase == "upload" and $m > 0 and .size > $m)]
    | length' "$d/plan/calls.ndjson")
  same "$src: writes against the plan's minimum" "$(($(jq '.calls.minimum' "$d/plan/report.json") - over))" \
    "$writes"
  same "$src: rules afterwards" "$ACTIVE_AGAIN" "$(rules_state)"
  same "$src: setting switches on afterwards" "$ontotal" "$(settings_on)"
  [ "$src" = itop ] || { stop_sandbox; continue; }

  # ---- killed (-9) mid-run, the consultant re-stamps one rule, then resumed
  curl -sf -X POST "$url/_sandbox/reset" >/dev/null
  sandbox_state=$(rules_state)
  [ "$sandbox_state" = '[]' ] || failed "reset kept the rules: $sandbox_state"
  stop_sandbox
  sandbox_with_rules "$d/kill"
  killed_run kill --report "$d/kill.json"
  same "killed: rules paused (the inactive one untouched)" '[true,true,"2020-05-05T05:05:05+00:00"]' \
    "$(rules_state | jq -c '[.[0][1] != null, .[1][1] != null, .[2][1]]')"
  same "killed: switches on" 0 "$(settings_on)"
  same "killed: rows open in the state" "$((2 + ontotal))" \
    "$(sqlite3 "$d/kill.db" "SELECT count(*) FROM paused WHERE state IN ('intent','paused')")"
  "$hmaprun" status --state "$d/kill.db" >"$d/status.out"
  grep -qxF "automation: $((2 + ontotal)) rule(s)/setting(s) paused by this migration (put back when the run completes, or: hmaprun restore-automation)" \
    "$d/status.out" || failed "status does not say the automation is paused"
  api -X PUT "$url/api/rules/2" -o /dev/null -d "{\"deactivated_datetime\":$OLD}"
  "$hmaprun" run --plan "$d/plan/calls.ndjson" --data tests/fixtures/itop --target "$url" \
    --help-center-url "$hc" --state "$d/kill.db" --time-scale 50 --report "$d/kill.json" \
    --in-doubt-wait 0 >"$d/resume.out" 2>"$d/resume.err"
  rc=$?
  [ $rc -le 1 ] || { failed "resume: exit $rc"; cat "$d/resume.err"; }
  same "resumed: rules" '[["Auto reply",null],["Tagger","2020-05-05T05:05:05+00:00"],["Old","2020-05-05T05:05:05+00:00"]]' \
    "$(rules_state)"
  grep -qF 'rule "Tagger" was changed since the run paused it' "$d/resume.err" ||
    failed "resume: the re-stamped rule is not named"
  same "resumed: switches on" "$ontotal" "$(settings_on)"
  same "resumed: automation firings" 0 "$(curl -sf "$url/_sandbox/automation" | jq '.data | length')"
  same "resumed: outbox" 0 "$(curl -sf "$url/_sandbox/outbox" | jq '.data | length')"
  same "resumed: report states" '{"left":1,"restored":8}' \
    "$(jq -c '[.automation.changes[].state] | group_by(.) | map({(.[0]): length}) | add' "$d/kill.json")"
  stop_sandbox

  # ---- killed and abandoned: restore-automation
  sandbox_with_rules "$d/abandon"
  killed_run ab
  same "abandoned: switches on" 0 "$(settings_on)"
  "$hmaprun" restore-automation --state "$d/ab.db" --target "$url" --time-scale 50 \
    >"$d/ra.out" 2>"$d/ra.err"
  same "restore-automation exit" 0 $?
  same "restore-automation" "restore-automation: $((2 + ontotal)) put back, 0 left as someone changed them, $((2 * (2 + ontotal))) call(s)" \
    "$(tail -1 "$d/ra.out")"
  same "restored: rules" "$ACTIVE_AGAIN" "$(rules_state)"
  same "restored: switches on" "$ontotal" "$(settings_on)"
  "$hmaprun" restore-automation --state "$d/ab.db" --target "$url" --time-scale 50 >"$d/ra2.out" 2>&1
  same "restore-automation again" "restore-automation: 0 put back, 0 left as someone changed them, 0 call(s)" \
    "$(tail -1 "$d/ra2.out")"
  stop_sandbox

  # ---- killed, then rolled back: the rollback puts the automation back too
  sandbox_with_rules "$d/rollback"
  killed_run rb
  same "before the rollback: switches on" 0 "$(settings_on)"
  "$hmaprun" rollback --state "$d/rb.db" --target "$url" --help-center-url "$hc" --time-scale 50 \
    --yes >"$d/rbk.out" 2>"$d/rbk.err"
  rc=$?
  # the kill may fall between a create's send and its answer: that create is in doubt,
  # named by rollback (exit 1), and the only object it may leave
  doubt=$(sed -n 's/^left in Gorgias, perhaps: \([0-9]*\) create.*/\1/p' "$d/rbk.out")
  same "rollback: exit" "$([ -n "$doubt" ] && echo 1 || echo 0)" $rc
  same "rolled back: rules" "$ACTIVE_AGAIN" "$(rules_state)"
  same "rolled back: switches on" "$ontotal" "$(settings_on)"
  left=$(curl -sf "$url/_sandbox/dump" | jq '.tickets | length')
  [ "$left" -le "${doubt:-0}" ] ||
    failed "rolled back: tickets left: got $left, in doubt ${doubt:-0}"
  stop_sandbox

  # ---- a setting Gorgias refuses to switch (403 under /api/account): the run
  # does not start (exit 3, nothing imported) and puts back the rules it paused
  sandbox_with_rules "$d/refuse" --deny-write /api/account
  "$hmaprun" run --plan "$d/plan/calls.ndjson" --data tests/fixtures/itop --target "$url" \
    --help-center-url "$hc" --state "$d/rf.db" --time-scale 50 --pause-automation \
    >"$d/rf.out" 2>"$d/rf.err"
  same "setting refused: exit" 3 $?
  grep -qF 'hmaprun: cannot pause setting "satisfaction-surveys.send_survey_for_email" (HTTP 403' \
    "$d/rf.err" || { failed "setting refused: not named"; cat "$d/rf.err"; }
  same "setting refused: rules put back" "$ACTIVE_AGAIN" "$(rules_state)"
  grep -qF 'no record was sent; the automation paused for the run was put back' "$d/rf.err" ||
    failed "setting refused: the closing line does not say the pause was put back"
  same "setting refused: tickets sent" 0 "$(count 'POST /api/tickets')"
  stop_sandbox
done
exit $fail
