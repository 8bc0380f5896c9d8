#!/bin/sh
# Set-up and first migration: installs the Debian packages, builds every program,
# then runs the iTop reference migration on the bundled example export —
# checks and compiles the map, makes the dry-run plan, starts a local
# Gorgias-compatible sandbox, migrates into it, verifies, and prints the report.
set -eu
cd "$(dirname "$0")/.."
sh scripts/build.sh
exec sh scripts/demo.sh build
