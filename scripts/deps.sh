#!/bin/sh
# Installs the Debian packages hmap needs, skipping what is already there
# (clang and its libFuzzer runtime: the fuzzing step of scripts/test.sh).
set -eu
PKGS="re2c bison libcjson-dev libcurl4-openssl-dev libsqlite3-dev libmicrohttpd-dev cmake gcc make pkg-config libpcre2-dev tzdata sqlite3 curl"
# libgumbo-dev: the HTML5 parser of sanitize_html (stdlib/hm_sanitize.c)
PKGS="$PKGS libgumbo-dev"
# chromium: only the tests need it (tests/xss loads sanitised HTML in a real browser)
PKGS="$PKGS chromium"
# neovim: only the tests need it (tests/editor drives `hmapc lsp` from a real editor)
PKGS="$PKGS neovim"
# zsh: only the tests need it (tests/run/cli.sh completes words in zsh too)
PKGS="$PKGS zsh"
# clang and its runtime: the bounded fuzzing step of the test suite (tests/fuzz/ci_fuzz.sh)
PKGS="$PKGS clang libclang-rt-14-dev"
# PHP and MariaDB: only the tests need them (tests/itop runs a live iTop 3.2.0 from its tarball)
PKGS="$PKGS php-cli php-mysql php-xml php-mbstring php-gd php-zip php-curl php-ldap php-soap php-intl"
PKGS="$PKGS php-apcu mariadb-server mariadb-client graphviz jq"
# python3: the Atera stand-in (tests/atera/standin.py, standard library only)
PKGS="$PKGS python3"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $missing
fi
