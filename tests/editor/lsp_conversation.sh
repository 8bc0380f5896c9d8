#!/bin/sh
# lsp_conversation: a recorded JSON-RPC conversation with `hmapc lsp`. Each line of
# CONVERSATION is one message, sent framed (Content-Length); each message the server
# sends back becomes one line, compared with GOLDEN (UPDATE=1 rewrites it). The exit
# status must be 0: shutdown, then exit.
# usage: lsp_conversation.sh HMAPC CONVERSATION GOLDEN
set -u
hmapc=$1 conv=$2 golden=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
while IFS= read -r msg; do
  printf 'Content-Length: %d\r\n\r\n%s' "${#msg}" "$msg"
done <"$conv" >"$tmp/in"
"$hmapc" lsp <"$tmp/in" >"$tmp/raw"; rc=$?
# one message a line: the frames' headers become line breaks
tr -d '\r' <"$tmp/raw" | sed 's/Content-Length: [0-9]*/\
/g' | sed '/^$/d' >"$tmp/out"
[ "$rc" = 0 ] || { echo "hmapc lsp exited $rc after shutdown + exit"; exit 1; }
if [ "${UPDATE:-}" = 1 ]; then cp "$tmp/out" "$golden"; exit 0; fi
diff -u "$golden" "$tmp/out" || { echo "lsp conversation differs from $golden"; exit 1; }
