#!/bin/sh
# editor_files: the editor files in editors/ follow the language. Every keyword of the
# lexer's table (grammar/hm_lex.re) is named in the TextMate grammar's patterns and in
# the Vim syntax file; the TextMate grammar is valid JSON whose every regex compiles in
# Oniguruma (jq's engine, the one TextMate grammars are written for) and tokenizes the
# basics; a headless Neovim loading editors/vim finds the expected syntax group at a
# keyword, a string, a comment and the other token kinds of syntax/sample.hmap.
# The Neovim part is skipped (exit 77) only when Neovim is missing and all else passed.
# usage: editor_files.sh SOURCE_DIR
set -u
src=$1
tm=$src/editors/hmap.tmLanguage.json vim=$src/editors/vim/syntax/hmap.vim
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "editor_files: $*"; exit 1; }

# (a) the lexer's words, from its tables: reserved {"word", KW_...} and contextual
# CONTEXTUAL("word", ...); and the words the grammar reads by their text, word(..., "w", ...)
grep -o '{"[a-z_]*", KW_' "$src/grammar/hm_lex.re" | sed 's/{"//; s/", KW_//' >"$tmp/reserved"
grep -o 'CONTEXTUAL("[a-z_]*"' "$src/grammar/hm_lex.re" | sed 's/.*("//; s/"//' >"$tmp/ctx"
grep -o '"[a-z_]*", lx, pc)' "$src/grammar/hm_parse.y" | sed 's/"//; s/".*//' >>"$tmp/ctx"
sort -u "$tmp/reserved" "$tmp/ctx" >"$tmp/kw"
nres=$(wc -l <"$tmp/reserved") nctx=$(sort -u "$tmp/ctx" | wc -l)
[ "$nres" -ge 20 ] || fail "only $nres reserved words read from grammar/hm_lex.re: the table moved?"
[ "$nctx" -ge 20 ] || fail "only $nctx contextual words read from grammar/: the tables moved?"
jq -e . "$tm" >/dev/null || fail "$tm is not valid JSON"
jq -r '.. | objects | (.match?, .begin?) | strings' "$tm" >"$tmp/regexes"
grep -E '^[[:space:]]*syn (keyword|match)' "$vim" >"$tmp/vimsyn"
missing=0
while read -r w; do
  grep -qE "(^|[^A-Za-z0-9_])$w([^A-Za-z0-9_]|\$)" "$tmp/regexes" \
    || { echo "keyword '$w' is not in $tm"; missing=1; }
  grep -qE "(^|[^A-Za-z0-9_])$w([^A-Za-z0-9_]|\$)" "$tmp/vimsyn" \
    || { echo "keyword '$w' is not in $vim"; missing=1; }
done <"$tmp/kw"
[ "$missing" = 0 ] || fail "the editor files miss keywords of grammar/hm_lex.re"

# (b) every regex compiles; the grammar tokenizes the basics as its scopes say
all='[.. | objects | (.match?, .begin?, .end?) | strings | . as $r | "" | test($r)]'
jq -e "$all | length > 10" "$tm" >/dev/null || fail "a regex of $tm does not compile (jq/Oniguruma)"
[ "$(jq -r '.scopeName' "$tm")" = source.hmap ] || fail "scopeName is not source.hmap"
rx() { jq -r --arg k "$1" '.repository[$k].match' "$tm"; }
expect() {  # expect RULE TEXT MATCHED: RULE's regex finds exactly MATCHED in TEXT
  got=$(jq -rn --arg r "$(rx "$1")" --arg t "$2" '$t | [match($r).string] | first // "(none)"')
  [ "$got" = "$3" ] || fail "TextMate rule $1 on '$2' matched '$got', not '$3'"
}
expect comment 'x = 1 # why' '# why'
expect raw-string 'x = r"a\d+" + y' 'r"a\d+"'
expect setting 'f($itop_date)' '$itop_date'
expect source-field 'lower(src.email)' 'src.email'
expect source-field 'src.`Full Name` ?? ""' 'src.`Full Name`'
expect number 'x = 1.5e3' '1.5e3'
expect field-name '{ key: string }' 'key'
expect operator 'a ?? b' '??'
kw=$(jq -r '.repository.keyword.patterns[3].match' "$tm")
[ "$(jq -rn --arg r "$kw" '"rules rule" | [match($r).string] | join(",")')" = rule ] \
  || fail "the declaration keywords match inside words"

# (c) a real Neovim loads editors/vim and highlights a map
command -v nvim >/dev/null 2>&1 || { echo "SKIP: nvim not installed (scripts/deps.sh)"; exit 77; }
export RESULT=$tmp/result HOME=$tmp XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data
export XDG_STATE_HOME=$tmp/state XDG_CACHE_HOME=$tmp/cache
timeout 60 nvim --headless -u NONE -i NONE -n \
  -c "set rtp+=$src/editors/vim" -c 'filetype on' -c 'syntax on' \
  -c "edit $src/tests/editor/syntax/sample.hmap" \
  -c "source $src/tests/editor/syntax/check.vim" >"$tmp/nvim.out" 2>&1
[ -f "$tmp/result" ] || { cat "$tmp/nvim.out"; fail "neovim wrote no result"; }
cat "$tmp/result"
want=15
oks=$(grep -c '^ok ' "$tmp/result")
grep -q '^FAIL' "$tmp/result" || [ "$oks" != "$want" ] && fail "$oks of $want syntax checks passed"
exit 0
