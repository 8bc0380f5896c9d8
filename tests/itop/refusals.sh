#!/bin/sh
# refusals.sh HMAPC HMAPRUN STATE ROOT: each refusal of the live iTop (up.sh)
# comes back from `hmaprun extract itop` as exit 3 with a message naming the fix:
# an account without "REST Services User", a portal user, a wrong password, a
# map column this iTop's class lacks, a URL that is not an iTop; no credentials
# is exit 2. Texts: runtime/extract/ex_rest.c.
set -u
hmapc=$1 hmaprun=$2 STATE=$3 root=$4
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
itop_skip_if_down "$STATE"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
failed() { echo "FAIL: $*"; fail=1; }
"$hmapc" build "$root/maps/itop_to_gorgias.hmap" -o "$tmp/map.hbc" || exit 1
cat >"$tmp/probe.hmap" <<'MAP'
migration "probe"
use gorgias
source Person from csv "Person.csv" key id {
  id: int required
  nickname: string
}
rule Person -> Tag {
  name = src.nickname ?? reject "no nickname"
}
MAP
"$hmapc" build "$tmp/probe.hmap" -o "$tmp/probe.hbc" || exit 1
umask 077
expect() { # NAME RC TEXT CREDS [URL] [MAP]: one extraction and its verdict
  "$hmaprun" extract itop --url "${5:-$ITOP_URL}" --out "$tmp/out-$1" --credentials-file "$4" \
    "${6:-$tmp/map.hbc}" >"$tmp/$1.out" 2>"$tmp/$1.err"
  rc=$?
  [ $rc = "$2" ] || failed "$1: exit $rc, wanted $2"
  grep -qF -- "$3" "$tmp/$1.err" || { failed "$1: no \"$3\" in:"; cat "$tmp/$1.err"; }
}
printf 'user=alice\npassword=Alice-Pw-12345!\n' >"$tmp/alice"
printf 'user=chloe\npassword=Chloe-Pw-12345!\n' >"$tmp/chloe"
printf 'user=migr\npassword=not-the-password\n' >"$tmp/wrong"
expect no_rest_profile 3 'give this account the "REST Services User" profile' "$tmp/alice"
expect portal_user 3 'this account is a portal user' "$tmp/chloe"
expect wrong_password 3 'wrong user or password' "$tmp/wrong"
expect unknown_attribute 3 \
  "invalid attribute code 'nickname'\": this iTop has no such attribute" "$STATE/creds" "" "$tmp/probe.hbc"
expect not_itop 3 'is --url the iTop root' "$STATE/creds" "$ITOP_URL/pages"
env -u HMAP_ITOP_USER -u HMAP_ITOP_PASSWORD "$hmaprun" extract itop --url "$ITOP_URL" \
  --out "$tmp/none" "$tmp/map.hbc" 2>"$tmp/none.err"
rc=$?
[ $rc = 2 ] || failed "no credentials: exit $rc, wanted 2"
grep -q 'set HMAP_ITOP_USER and HMAP_ITOP_PASSWORD' "$tmp/none.err" || failed "no credentials: $(cat "$tmp/none.err")"
"$hmaprun" extract itop --url "$ITOP_URL" --help >"$tmp/help.out" 2>&1 || failed "--help: exit $?"
grep -q '^usage: hmaprun extract itop --url URL --out DIR MAP.hbc' "$tmp/help.out" || failed "--help"
"$hmaprun" extract itop --url "$ITOP_URL" "$tmp/map.hbc" 2>/dev/null
[ $? = 2 ] || failed "no --out: not exit 2"
# the environment works as the file does, and the password is in no message
pw=$(sed -n 's/^password=//p' "$STATE/creds")
HMAP_ITOP_USER=migr HMAP_ITOP_PASSWORD=$pw "$hmaprun" extract itop --url "$ITOP_URL" \
  --out "$tmp/env" "$tmp/probe.hbc" 2>"$tmp/env.err"
[ $? = 3 ] || failed "environment credentials: $(cat "$tmp/env.err")"
if cat "$tmp"/*.err | grep -qF -e "$pw" -e 'Alice-Pw' -e 'Chloe-Pw' -e 'not-the-password'; then
  failed "a password was printed"
fi
exit $fail
