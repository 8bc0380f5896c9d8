#!/bin/sh
# bad_input.sh HMAPC HMAPRUN ROOT: an export of broken files — empty, header
# only, not UTF-8, malformed JSON, a truncated NDJSON line, column names no map
# can declare, a ticket file whose agent column holds no e-mail. The proposal
# is written, compiles silently and plans; each unreadable file is named with
# the reader's FILE:LINE:COL and left out; the columns with odd names are named
# in a `# confirm:`; nothing crashes.
set -u
hmapc=$1 hmaprun=$2 root=$3
. "$root/tests/propose/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
d=$tmp/export
mkdir -p "$d/sub" "$tmp/out"
: >"$d/empty.csv"
printf 'a,b\n' >"$d/headeronly.csv"
printf 'id,x\n1,\377\376\n' >"$d/latin.csv"
printf '{bad json' >"$d/broken.json"
printf '{"id":1,"name":"x","email":"x@example.com"}\n{"id":2,\n' >"$d/users.ndjson"
printf '"Ticket Title","e-mail",id\n"x","a@b.example",1\n"y","d@e.example",2\n' >"$d/odd.csv"
printf '[{"id":1,"title":"t","nested":{"a":1}},{"id":2,"title":"u"}]' >"$d/sub/cases.json"
printf 'id,subject,agent_email\n1,hello,zz\n2,,\n' >"$d/requests.csv"
propose_plan "$d" "$tmp/out" || exit 1
m=$tmp/out/map.hmap
for want in \
  '# confirm: empty.csv is left out: no record could be read (empty.csv:1:1: empty file, expected a header row)' \
  "# confirm: broken.json is left out: no record could be read (broken.json:1:2: expected a member name, found 'b'; skipping the rest of the file)" \
  '# confirm: latin.csv is left out: no record could be read (latin.csv:2:3: invalid UTF-8 byte 0xFF)' \
  '# users.ndjson: 1 records, 3 columns; 1 unreadable (first: users.ndjson:2:8: malformed JSON)' \
  '  # confirm: column "Ticket Title" is not a name a map can declare: rename it in the export' \
  'rule Request -> Ticket {'; do
  grep -qxF -- "$want" "$m" || failed "no line: $want"
done
exit $fail
