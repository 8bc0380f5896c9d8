#!/bin/sh
# itop_delta.sh HMAPC HMAPRUN SANDBOX ROOT: the cutover re-run of the iTop
# reference map (issue 13). The bundled export is migrated into an
# hmap-sandbox started here; then one public case-log entry is appended to
# request 42 (its REST file and its CSV blob, as a new export would have it)
# and `hmaprun run --delta` runs on the same state. --delta tells an old
# message from a new one by its external id (by position without one): every
# message the map makes has one, so the entry lands once and the notes after
# the log (configuration items, resolution) are not added a second time.
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 root=$4
. "$root/tests/e2e/lib.sh"
cd "$root" || exit 2
tmp=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
GORGIAS_EMAIL=sandbox@example.com GORGIAS_API_KEY=sandbox
export GORGIAS_EMAIL GORGIAS_API_KEY
"$hmapc" build maps/itop_to_gorgias.hmap -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
cp -R tests/fixtures/itop "$tmp/data"
. "$(dirname "$0")/../lib/sandbox.sh"
start_sandbox "$sandbox" "$tmp" --time-scale 50
pid=$sbx_pid url=$sbx_url
run() { # run LOG [--delta]
  log=$1; shift
  # shellcheck disable=SC2046
  "$hmaprun" run "$tmp/map.hbc" $(e2e_plan_opts itop) --data "$tmp/data" --target "$url" \
    --state "$tmp/state.db" --time-scale 50 "$@" >"$tmp/$log.out" 2>"$tmp/$log.err"
  rc=$?
  # 1: the plan's rejections (a draft, an upload over the limit), as in e2e.itop.run
  [ $rc -le 1 ] || { failed "hmaprun run $*: exit $rc"; cat "$tmp/$log.err"; exit 1; }
}
r42() { # the messages of request 42 in the sandbox, one JSON line each
  curl -sf "$url/_sandbox/dump" |
    jq -c '.tickets[] | select(.external_id == "itop:UserRequest:42:R-000042") | .messages[]'
}
run first
r42 >"$tmp/before"
[ -s "$tmp/before" ] || { failed "request 42 is not in the sandbox after the first run"; exit 1; }

entry='{"date":"2024-05-03 08:15:00","user_login":"Bob Durand","user_id":"2",
        "message":"Imprimante remplacée.","message_html":"<p>Imprimante remplacée.</p>"}'
f=$tmp/data/rest/UserRequest/42.json
jq -c --argjson e "$entry" '.objects[].fields.public_log.entries += [$e]' "$f" >"$f.new" && mv "$f.new" "$f"
# the CSV blob runs newest first: the new entry goes before the newest one
old='========== 2024-05-02 16:40:00 : Bob Durand (2) ============'
[ "$(grep -c "^$old\$" "$tmp/data/UserRequest.csv")" = 1 ] || { failed "fixture: no single $old"; exit 1; }
sed "s/^$old\$/========== 2024-05-03 08:15:00 : Bob Durand (2) ============\\
\\
<p>Imprimante remplacée.<\\/p>\\
&/" "$tmp/data/UserRequest.csv" >"$tmp/ur.csv" && mv "$tmp/ur.csv" "$tmp/data/UserRequest.csv"
run delta --delta
r42 >"$tmp/after"

count() { grep -c "$1" "$2"; }
[ "$(count 'iTop configuration items' "$tmp/before")" = 1 ] ||
  failed "first run: request 42 has $(count 'iTop configuration items' "$tmp/before") configuration-items notes, wanted 1"
[ "$(count 'iTop configuration items' "$tmp/after")" = 1 ] ||
  failed "after --delta: request 42 has $(count 'iTop configuration items' "$tmp/after") configuration-items notes, wanted 1"
[ "$(count 'Imprimante remplac' "$tmp/after")" = 1 ] ||
  failed "after --delta: the new entry is there $(count 'Imprimante remplac' "$tmp/after") times, wanted 1"
b=$(wc -l <"$tmp/before") a=$(wc -l <"$tmp/after")
[ "$a" = $((b + 1)) ] || failed "after --delta: request 42 has $a messages, wanted $b + 1"
exit $fail
