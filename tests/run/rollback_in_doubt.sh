#!/bin/sh
# rollback_in_doubt.sh HMAPC HMAPRUN SANDBOX ROOT: a kill -9 that falls between a
# create's send and its answer (the sandbox commits the write at once and holds
# every reply 5 s) leaves that create in doubt. rollback deletes what the state
# has ids for, names the create in doubt ("left in Gorgias, perhaps") and exits 1,
# in its dry run too; the object it cannot name is still there. The resume (on the
# sandbox restarted without delays, same database) looks it up instead of
# creating a second one, and the next rollback takes everything: exit 0, no
# object of the run left.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
cd "$root" || exit 2
. "$root/tests/lib/run_script.sh"
. "$root/tests/run/verify_lib.sh"
ledger_setup "$hmapc"
users() { curl -sf "$url/_sandbox/dump" | jq '.users | length'; }
exec_run() { # the Atera example into $url, state $tmp/state.db; `(exec_run) &` is hmaprun itself
  # shellcheck disable=SC2086
  exec "$hmaprun" run "$tmp/map.hbc" --data "$data" $sets --max-upload-bytes 50000 --target "$url" \
    --state "$tmp/state.db" --time-scale 50 "$@" >>"$tmp/run.out" 2>>"$tmp/run.err"
}
run() { (exec_run "$@"); }   # in the foreground

start_sandbox "$sandbox" "$tmp" --db "$tmp/sbx.db" --faults slow:1:5s
pid=$sbx_pid url=$sbx_url
before=$(users)
(exec_run) &
rpid=$!
i=0   # the first agent's POST is committed; its answer is 5 s away
while [ "$(users)" -le "$before" ] && [ $i -lt 1500 ] && kill -0 $rpid 2>/dev/null; do
  sleep 0.02; i=$((i + 1))
done
kill -9 $rpid 2>/dev/null
wait $rpid 2>/dev/null
[ "$(users)" = $((before + 1)) ] || failed "the run was not killed after its first create"

"$hmaprun" rollback --state "$tmp/state.db" --target "$url" --dry-run >"$tmp/dry.out" 2>&1
grep -qF "left in Gorgias, perhaps: 1 create(s) in doubt" "$tmp/dry.out" ||
  failed "the dry run does not name the create in doubt: $(cat "$tmp/dry.out")"
"$hmaprun" rollback --state "$tmp/state.db" --target "$url" --time-scale 50 --yes \
  >"$tmp/rb1.out" 2>"$tmp/rb1.err"
rc=$?
[ $rc = 1 ] || failed "rollback with a create in doubt: exit $rc, wanted 1"
grep -qF "left in Gorgias, perhaps: 1 create(s) in doubt" "$tmp/rb1.out" ||
  failed "rollback does not name the create in doubt: $(cat "$tmp/rb1.out")"
[ "$(users)" = $((before + 1)) ] || failed "the object in doubt is gone: rollback had no id for it"

kill "$pid"; wait "$pid" 2>/dev/null
start_sandbox "$sandbox" "$tmp" --time-scale 50 --db "$tmp/sbx.db"
pid=$sbx_pid url=$sbx_url
run --retarget
rc=$?
[ $rc -le 1 ] || { failed "the resume: exit $rc"; tail -5 "$tmp/run.err"; }
[ "$("$hmaprun" status --state "$tmp/state.db" --json | jq '[.objects[].in_doubt] | add')" = 0 ] ||
  failed "the resume left a create in doubt"
"$hmaprun" rollback --state "$tmp/state.db" --target "$url" --time-scale 50 --yes \
  >"$tmp/rb2.out" 2>"$tmp/rb2.err"
rc=$?
[ $rc = 0 ] || failed "rollback after the resume: exit $rc ($(tail -3 "$tmp/rb2.out"))"
grep -q "perhaps" "$tmp/rb2.out" && failed "rollback after the resume still names a create in doubt"
[ "$(users)" = "$before" ] || failed "users after the rollback: $(users), before the run $before"
[ "$(curl -sf "$url/_sandbox/dump" | jq '.tickets | length')" = 0 ] || failed "tickets left"
exit $fail
