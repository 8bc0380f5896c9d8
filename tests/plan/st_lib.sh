# st_lib.sh: sourced by the SmarterTrack plan tests (st_unread.sh, st_spellings.sh).
# st_sqlite_map MAP OUT: the SmarterTrack map reading every table from smartertrack.db
# (SQLite) instead of its CSV file: `from csv "st_X.csv"` and sources without `from` (the
# module's file), on `source` lines and in rule and gap heads (`gap S : st_X ->`), all
# become `from sqlite "smartertrack.db" table "st_X"`.
st_sqlite_map() {
  sed -E -e 's/from csv "(st_[A-Za-z]+)\.csv"/from sqlite "smartertrack.db" table "\1"/' \
    -e '/ from /!s/^(source [A-Za-z]+ : (st_[A-Za-z]+))( |$)/\1 from sqlite "smartertrack.db" table "\2"\3/' \
    -e '/^(rule|gap) [A-Za-z]+ : st_[A-Za-z]+ from /!s/^((rule|gap) [A-Za-z]+ : (st_[A-Za-z]+)) /\1 from sqlite "smartertrack.db" table "\3" /' \
    "$1" >"$2"
}
