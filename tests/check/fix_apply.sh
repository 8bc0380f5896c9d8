#!/bin/sh
# fix_apply: the fix-its are edits that work. For each case named, applies every fix of
# `hmapc check --json` to a copy of the map (right to left, so earlier columns hold) and
# compares `hmapc check` of the result with NAME.fixed.expected: an applied fix leaves
# no diagnostic of its own (UPDATE=1 rewrites the golden files). Cases are ASCII, so a
# column (a character) is a byte here.
# usage: fix_apply.sh HMAPC CASES_DIR NAME...
set -u
hmapc=$1 dir=$2; shift 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
for name in "$@"; do
  cd "$dir" || exit 2
  "$hmapc" check --json "$name.hmap" >"$tmp/diags.json" 2>/dev/null
  # one "line col end_col text" row per fix (a fix's text holds no tab or newline)
  jq -r '.[] | .fixes // [] | .[] | [.line, .col, .end_col, .text] | @tsv' "$tmp/diags.json" |
    sort -t "$(printf '\t')" -k1,1nr -k2,2nr >"$tmp/fixes"
  [ -s "$tmp/fixes" ] || { echo "FAIL: $name: no fix-it to apply"; fail=1; continue; }
  awk -F '\t' 'NR == FNR { l[NR] = $1; c[NR] = $2; e[NR] = $3; t[NR] = $4; n = NR; next }
    { line[FNR] = $0; last = FNR }
    END {
      for (i = 1; i <= n; i++)
        line[l[i]] = substr(line[l[i]], 1, c[i] - 1) t[i] substr(line[l[i]], e[i])
      for (k = 1; k <= last; k++) print line[k]
    }' "$tmp/fixes" "$name.hmap" >"$tmp/$name.hmap"
  cd "$tmp" || exit 2
  out=$("$hmapc" check "$name.hmap" 2>&1); rc=$?
  actual=$(printf '%s\nexit %s\n' "$out" "$rc")
  exp="$dir/$name.fixed.expected"
  if [ "${UPDATE:-}" = 1 ]; then printf '%s\n' "$actual" >"$exp"; continue; fi
  if [ "$actual" != "$(cat "$exp")" ]; then
    echo "--- expected ($exp)"; cat "$exp"; echo "+++ actual (fixed map: $tmp/$name.hmap)"
    cat "$tmp/$name.hmap"; printf '%s\n' "$actual"; fail=1
  fi
done
exit $fail
