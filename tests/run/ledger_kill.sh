#!/bin/sh
# ledger_kill.sh HMAPC HMAPRUN SANDBOX ROOT: one migration of the Atera example,
# killed and resumed, and every number printed for it agrees (issue 14, "Done
# means"; docs/run.md "Counts"):
# - the plan's report.md (its Objects table) gives planned and flagged per
#   object;
# - the run is killed (-9) once the sandbox has counted 20 requests: status
#   plans what report.md plans, per object, and has flagged no more than it;
#   verify's ledger and rollback's dry-run ledger are status's;
# - the resume finishes it: the run's report (objects) is status, planned and
#   flagged are report.md's per object, every planned record is created (the
#   map rejects no record that has a call), nothing is left or in doubt, and
#   verify's and rollback's dry-run ledgers are status's;
# - the rollback deletes what its dry run said, its ledger line and status
#   count every created record rolled back, none created.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
. "$root/tests/run/verify_lib.sh"
st=$tmp/state.db
ledger_setup "$hmapc"
# report.md's Objects table as {object: {planned, flagged}}, the objects with a planned record
awk '/^## Objects/ { on = 1; next } on && /^## / { exit }
     on && /^\| [A-Za-z]/ && $2 != "object" { print $2, $6, $10 }' "$tmp/plan/report.md" |
  jq -R -s -S '[split("\n")[] | select(length > 0) | split(" ")
             | select(.[1] != "0") | {key: .[0], value: {planned: (.[1] | tonumber),
                                                          flagged: (.[2] | tonumber)}}]
            | from_entries' >"$tmp/md.json"
[ "$(jq length "$tmp/md.json")" -gt 0 ] || failed "no object in report.md: $(cat "$tmp/plan/report.md")"

start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url
run() { # the migration, in the foreground
  # shellcheck disable=SC2086
  "$hmaprun" run "$tmp/map.hbc" --data "$data" $sets --max-upload-bytes 50000 --target "$url" \
    --state "$st" --time-scale 50 >>"$tmp/run.out" 2>>"$tmp/run.err"
}
# the ledger line of verify and rollback (`ledger: planned N, created N, ...`) as JSON
ledger_line() { sed -n 's/^ledger: //p' | tr -d ',' |
                  awk '{ for (i = 1; i < NF; i += 2) printf "%s %s\n", $i, $(i + 1) }' |
                  jq -R -s -S '[split("\n")[] | select(length > 0) | split(" ")
                              | {key: .[0], value: (.[1] | tonumber)}] | from_entries'; }
agree() { # agree LABEL: status, report.md, verify and rollback's dry run
  status_map "$st" >"$tmp/status.json"
  sum <"$tmp/status.json" >"$tmp/sum.json"
  jq -S 'map_values({planned})' "$tmp/status.json" >"$tmp/s_planned.json"
  jq -S 'map_values({planned})' "$tmp/md.json" >"$tmp/m_planned.json"
  cmp -s "$tmp/s_planned.json" "$tmp/m_planned.json" ||
    failed "$1: planned per object, report.md and status: $(diff "$tmp/m_planned.json" "$tmp/s_planned.json")"
  "$hmaprun" verify --state "$st" --target "$url" --time-scale 50 --json 2>/dev/null |
    jq -S .ledger >"$tmp/verify.json"
  cmp -s "$tmp/sum.json" "$tmp/verify.json" ||
    failed "$1: verify's ledger is not status's: $(diff "$tmp/sum.json" "$tmp/verify.json")"
  "$hmaprun" rollback --state "$st" --target "$url" --time-scale 50 --dry-run >"$tmp/dry.out"
  ledger_line <"$tmp/dry.out" >"$tmp/dry.json"
  cmp -s "$tmp/sum.json" "$tmp/dry.json" ||
    failed "$1: rollback's dry-run ledger is not status's: $(diff "$tmp/sum.json" "$tmp/dry.json")"
}

# ---- killed once the sandbox has counted 20 requests
# shellcheck disable=SC2086
stop_run_after 20 KILL "$hmaprun" run "$tmp/map.hbc" --data "$data" $sets --max-upload-bytes 50000 \
  --target "$url" --state "$st" --time-scale 50
agree "after kill -9"
[ "$(word "$tmp/status.json" left)" -gt 0 ] || failed "after kill -9: nothing is left to do"
for o in $(jq -r 'keys[]' "$tmp/status.json"); do
  [ "$(jq ".[\"$o\"].flagged" "$tmp/status.json")" -le "$(jq ".[\"$o\"].flagged" "$tmp/md.json")" ] ||
    failed "after kill -9: $o flagged more than report.md says"
done

# ---- the resume
run
rc=$?
[ $rc -le 1 ] || failed "the resume: exit $rc: $(tail -3 "$tmp/run.err")"
agree "after the resume"
# verify (in agree) adds its own columns to the run's report; status has the run's
jq -S '.objects | map_values(del(.verified, .verify_differences))' "$st.report.json" \
  >"$tmp/report.json"
cmp -s "$tmp/status.json" "$tmp/report.json" ||
  failed "the run's report and status disagree: $(diff "$tmp/report.json" "$tmp/status.json")"
jq -S 'map_values({planned, flagged})' "$tmp/status.json" >"$tmp/s_pf.json"
cmp -s "$tmp/s_pf.json" "$tmp/md.json" ||
  failed "planned and flagged, report.md and status: $(diff "$tmp/md.json" "$tmp/s_pf.json")"
[ "$(jq .created "$tmp/sum.json")" = "$(jq .planned "$tmp/sum.json")" ] &&
  [ "$(jq '.left + .in_doubt + .rejected + .failed' "$tmp/sum.json")" = 0 ] ||
  failed "after the resume, not every planned record is created: $(cat "$tmp/sum.json")"
created=$(jq .created "$tmp/sum.json")

# ---- the rollback: what its dry run said
dry=$(sed -n 's/^rollback: \([0-9]*\) object(s) would be deleted.*/\1/p' "$tmp/dry.out")
"$hmaprun" rollback --state "$st" --target "$url" --time-scale 50 --yes >"$tmp/rb.out" 2>"$tmp/rb.err" ||
  failed "rollback: exit $?: $(cat "$tmp/rb.err")"
done_n=$(sed -n 's/^rollback: \([0-9]*\) object(s) deleted.*/\1/p' "$tmp/rb.out")
[ -n "$dry" ] && [ "$dry" = "$done_n" ] || failed "rollback's dry run says $dry, the rollback deleted $done_n"
status_map "$st" | sum >"$tmp/after.json"
ledger_line <"$tmp/rb.out" >"$tmp/rb.json"
cmp -s "$tmp/after.json" "$tmp/rb.json" ||
  failed "rollback's ledger is not status's: $(diff "$tmp/after.json" "$tmp/rb.json")"
[ "$(jq .rolled_back "$tmp/after.json")" = "$created" ] && [ "$(jq .created "$tmp/after.json")" = 0 ] ||
  failed "after the rollback, $created created before: $(cat "$tmp/after.json")"
exit $fail
