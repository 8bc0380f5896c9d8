#!/bin/sh
# Installs the Debian packages hmap needs, skipping what is already there
# (clang and its libFuzzer runtime: the fuzzing step of scripts/test.sh).
set -eu
PKGS="re2c bison libcjson-dev libcurl4-openssl-dev libsqlite3-dev libmicrohttpd-dev cmake gcc make pkg-config libpcre2-dev tzdata"
PKGS="$PKGS clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $missing
fi
