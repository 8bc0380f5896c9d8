#!/bin/sh
# tests/itop/up.sh STATE REPO: the fixture that starts a live iTop 3.2.0 for the itop
# suite (ctest FIXTURES_SETUP itop): unpacks $HMAP_ITOP_TARBALL, starts a private
# MariaDB and `php -S` on free loopback ports (each in its own process group, named
# in STATE/pids for down.sh), runs the unattended install, creates the REST user and
# fills the dataset (fill.sh). Without the tarball, PHP or MariaDB it writes the
# reason to STATE/skip and exits 77 (skipped, never passed). Facts:
# ../shared/reference/itop-live.md.
set -eu
STATE=$1; REPO=$2; HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
TARBALL=${HMAP_ITOP_TARBALL:-$REPO/../shared/vendor/itop-3.2.0.tar.xz}
[ -d "$STATE/pids" ] && sh "$HERE/down.sh" "$STATE" >/dev/null 2>&1 || true
rm -rf "$STATE"; mkdir -p "$STATE/pids"
skip() { echo "$*" > "$STATE/skip"; echo "SKIPPED: $*"; exit $SKIP; }
[ -r "$TARBALL" ] || skip "no iTop tarball at $TARBALL (set HMAP_ITOP_TARBALL)"
PATH=$PATH:/usr/sbin:/usr/local/sbin
for c in php mariadbd mariadb-install-db mariadb mariadb-admin jq curl setsid; do
  command -v $c >/dev/null || skip "$c is not installed (scripts/deps.sh installs it)"
done
php -m | grep -qi '^mysqli$' || skip "PHP has no mysqli (php-mysql; scripts/deps.sh)"
# On failure everything started so far is stopped again.
trap 'st=$?; [ $st = 0 ] || [ $st = $SKIP ] || sh "$HERE/down.sh" "$STATE"; exit $st' EXIT
free_port() {
  php -r '$s=stream_socket_server("tcp://127.0.0.1:0");
    $n=stream_socket_get_name($s,false); echo substr($n,strrpos($n,":")+1);'
}
t0=$(date +%s)
tar -xJf "$TARBALL" -C "$STATE"
SRC=$(ls -d "$STATE"/itop-* | head -1); mv "$SRC" "$STATE/src"; SRC=$STATE/src
# ------------------------------------------------------------- MariaDB
DBP=$(free_port); SOCK=$STATE/db.sock; ASROOT=""
[ "$(id -u)" = 0 ] && ASROOT="--user=root"
mariadb-install-db --datadir="$STATE/db" --auth-root-authentication-method=socket \
  $ASROOT >"$STATE/db-install.log" 2>&1 || skip "mariadb-install-db failed: $(tail -1 "$STATE/db-install.log")"
setsid mariadbd --no-defaults --datadir="$STATE/db" --socket="$SOCK" --port="$DBP" \
  --bind-address=127.0.0.1 --character-set-server=utf8mb4 \
  --collation-server=utf8mb4_unicode_ci --max-allowed-packet=64M $ASROOT \
  --pid-file="$STATE/db.pid" --log-error="$STATE/db.err" >/dev/null 2>&1 &
echo $! > "$STATE/pids/mariadbd"
n=0
until mariadb-admin --socket="$SOCK" -uroot ping >/dev/null 2>&1; do
  n=$((n+1)); [ $n -lt 300 ] || { cat "$STATE/db.err"; exit 1; }
  kill -0 "$(cat "$STATE/pids/mariadbd")" 2>/dev/null || { cat "$STATE/db.err"; exit 1; }
  sleep 0.1
done
DBPW=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
mariadb --socket="$SOCK" -uroot <<SQL
CREATE DATABASE itop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'itop'@'127.0.0.1' IDENTIFIED BY '$DBPW';
GRANT ALL PRIVILEGES ON *.* TO 'itop'@'127.0.0.1';
SQL
# ------------------------------------------------------------- PHP
WP=$(free_port); ITOP_URL=http://127.0.0.1:$WP
( cd "$SRC" && exec setsid php -d opcache.enable_cli=1 -d opcache.validate_timestamps=0 -S 127.0.0.1:$WP -t "$SRC" >"$STATE/php.log" 2>&1 ) &
echo $! > "$STATE/pids/php"
ADMPW=Adm-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')
sed -e "s|@DB@|127.0.0.1:$DBP|; s|@DBPW@|$DBPW|; s|@URL@|$ITOP_URL/|; s|@ADMPW@|$ADMPW|" \
  "$HERE/install.xml" > "$STATE/install.xml"
( cd "$SRC" && php setup/unattended-install/unattended-install.php \
    --param-file="$STATE/install.xml" --clean=1 \
    --installation_xml=datamodels/2.x/installation.xml ) >"$STATE/install.log" 2>&1 || {
  tail -20 "$STATE/install.log"; exit 1; }
grep -q 'installed!' "$STATE/install.log" || { tail -20 "$STATE/install.log"; exit 1; }
echo "installed in $(( $(date +%s) - t0 )) s"
n=0
until curl -sf -o /dev/null "$ITOP_URL/webservices/rest.php"; do
  n=$((n+1)); [ $n -lt 100 ] || { cat "$STATE/php.log"; exit 1; }; sleep 0.1
done
# The admin made by setup lacks "REST Services User" (profile 1024): give it, then
# create the extraction user through REST.
mariadb --socket="$SOCK" -uroot itop -e \
  "INSERT INTO priv_urp_userprofile (userid, profileid, description) VALUES (1, 1024, 'tests');"
umask 077
printf 'user = "admin:%s"\n' "$ADMPW" > "$STATE/admin.cfg"
cp "$STATE/admin.cfg" "$STATE/curl.cfg"
echo "ITOP_URL=$ITOP_URL" > "$STATE/env"
. "$STATE/env"
RESTPW=Rest-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')
MIGR=$(itop_create "$STATE" UserLocal "{\"login\":\"migr\",\"password\":\"$RESTPW\",
  \"language\":\"EN US\",\"profile_list\":[{\"profileid\":1},{\"profileid\":1024}]}")
[ -n "$MIGR" ]
printf 'user = "migr:%s"\n' "$RESTPW" > "$STATE/curl.cfg"
printf 'user=migr\npassword=%s\n' "$RESTPW" > "$STATE/creds"
echo "ITOP_DB_SOCK=$SOCK" >> "$STATE/env"
sh "$HERE/fill.sh" "$STATE"
echo "iTop up at $ITOP_URL, filled in $(( $(date +%s) - t0 )) s in all"
