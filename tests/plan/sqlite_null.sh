#!/bin/sh
# sqlite_null.sh HMAPC HMAPRUN WORK: a SQL NULL read from a SQLite table is absent — as if
# the column were not in the record — never the empty value "": a `??` takes its fallback
# (trigger "missing", why "absent"), a field assigned from it is left out of the body, and
# it counts as no value in the report's not-migrated columns. A '' stays "" (a value).
set -u
hmapc=$1 hmaprun=$2 work=$3
rm -rf "$work"; mkdir -p "$work/data"
fail=0
die() { echo "FAIL: $*" >&2; fail=1; }
cat >"$work/m.hmap" <<'MAP'
migration "NULL is absent"
use gorgias

source P from sqlite "db.sqlite" table "people" key id {
  id: int required
  name: string
  email: string
  note: string
}

rule P -> Customer {
  email = src.email ?? reject "no email"
  name = src.name ?? "unnamed"
  note = src.note
}
MAP
sqlite3 "$work/data/db.sqlite" "CREATE TABLE people (id INTEGER, name TEXT, email TEXT,
  note TEXT, extra TEXT);
  INSERT INTO people VALUES (1, NULL, 'ann@x.example', NULL, NULL),
                            (2, 'Bo', NULL, 'x', 'kept'),
                            (3, '', 'cy@x.example', '', '');" || exit 1
"$hmapc" build "$work/m.hmap" -o "$work/m.hbc" || exit 1
"$hmaprun" plan "$work/m.hbc" --data "$work/data" --out "$work/out" 2>"$work/err"
[ $? -le 1 ] || { cat "$work/err" >&2; exit 1; }
c=$work/out/calls.ndjson r=$work/out/report.json
grep -qF '"body":{"email":"ann@x.example","name":"unnamed"},"source":{"object":"P","key":"1"}' "$c" ||
  die "NULL name/note: expected the fallback name and no note member"
grep -qF '"body":{"email":"cy@x.example","name":"","note":""},"source":{"object":"P","key":"3"}' "$c" ||
  die "'' is a value: expected name and note \"\""
grep -qF '{"object": "P", "key": "2", "label": "Bo", "message": "no email", "map": "' "$r" &&
grep -qF '"field": "email", "trigger": "missing", "why": "absent"}' "$r" ||
  die "NULL email: expected a rejection triggered by an absent value"
grep -qF '{"object": "P", "column": "extra", "records": 1, "example": "2"}' "$r" ||
  die "not migrated: only the one value of extra counts"
exit $fail
