#!/bin/sh
# nvim_lsp: runs tests/editor/nvim/lsp_client.lua in a real headless Neovim against
# `hmapc lsp`; passes when every check printed "ok" and there are as many as expected.
# Skipped (exit 77) when Neovim is not installed (scripts/deps.sh installs it).
# usage: nvim_lsp.sh HMAPC SOURCE_DIR
set -u
hmapc=$1 src=$2
command -v nvim >/dev/null 2>&1 || { echo "SKIP: nvim not installed (scripts/deps.sh)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$src/tests/editor/nvim/sample.hmap" "$tmp/sample.hmap"
export HMAPC=$hmapc MAP=$tmp/sample.hmap RESULT=$tmp/result HOME=$tmp
export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_STATE_HOME=$tmp/state
export XDG_CACHE_HOME=$tmp/cache
timeout 120 nvim --headless -u NONE -i NONE -n -c "luafile $src/tests/editor/nvim/lsp_client.lua" \
  >"$tmp/nvim.out" 2>&1
rc=$?
[ -f "$tmp/result" ] || { echo "neovim wrote no result (exit $rc):"; cat "$tmp/nvim.out"; exit 1; }
cat "$tmp/result"
want=14
oks=$(grep -c '^ok ' "$tmp/result")
if grep -q '^FAIL' "$tmp/result" || [ "$oks" != "$want" ]; then
  echo "nvim_lsp: $oks of $want checks passed"; cat "$tmp/nvim.out"; exit 1
fi
