#!/bin/sh
# literals_selftest.sh ROOT: literals.sh finds each kind of Gorgias literal
# (path, path segment, kind name, MIME type, header) in a planted file, with
# its file:line, and lets a field name through.
set -u
root=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/stdlib/gorgias" "$t/runtime/run" "$t/compiler"
cp "$root/stdlib/gorgias/hm_gorgias.c" "$t/stdlib/gorgias/"
: > "$t/stdlib/ok.c"; : > "$t/stdlib/ok.h"
printf '%s\n' 'a("/api/customers");' 'b("%s/messages");' 'c("Ticket");' 'd("image/png");' \
  'e("X-Gorgias-Foo");' 'f("messages");' > "$t/runtime/run/bad.c"
out=$(sh "$root/tests/arch/literals.sh" "$t"); rc=$?
want='FAIL: Gorgias literals outside stdlib/gorgias/ (use the profile, hm_gorgias.h):
runtime/run/bad.c:1:a("/api/customers");
runtime/run/bad.c:2:b("%s/messages");
runtime/run/bad.c:3:c("Ticket");
runtime/run/bad.c:4:d("image/png");
runtime/run/bad.c:5:e("X-Gorgias-Foo");'
[ "$rc" = 1 ] || { echo "FAIL: exit $rc, want 1"; exit 1; }
[ "$out" = "$want" ] || { printf 'FAIL: got\n%s\nwant\n%s\n' "$out" "$want"; exit 1; }
echo "ok: planted literals found"
