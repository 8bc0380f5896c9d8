#!/bin/sh
# coverage: every construct docs/language.md defines has a case in the specification
# (tests/spec/*.test): the first cell of each row of its construct tables (Statements,
# Expressions, "Missing, null and empty"), and each `###` heading of the sections File
# structure, Sources, Expressions, plus "Rules" and "Gaps" themselves. A case is titled
# `### CONSTRUCT` with the construct's text exactly as the doc writes it.
# usage: coverage.sh LANGUAGE_MD SPEC_DIR
set -u
doc=$1 spec=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
awk '
  /^## / { sec = substr($0, 4); sub_ = "" }
  /^### / { sub_ = substr($0, 5)
            if (sec == "File structure" || sec == "Sources" || sec == "Expressions") print sub_ }
  /^## (Rules|Gaps)$/ { print substr($0, 4) }
  /^\| / && (sub_ == "Statements" || (sec == "Expressions" && sub_ == "") \
             || sub_ == "Missing, null and empty") {
    cell = $0; sub(/^\| /, "", cell); sub(/ \|.*$/, "", cell)
    if (cell != "statement" && cell != "form" && cell !~ /^-+$/) print cell
  }
' "$doc" | sort -u >"$tmp/constructs"
cat "$spec"/*.test | sed -n 's/^### //p' | sort -u >"$tmp/cases"
missing=$(comm -23 "$tmp/constructs" "$tmp/cases")
if [ -n "$missing" ]; then
  echo "constructs of $doc without a case in $spec:"; printf '%s\n' "$missing"; exit 1
fi
echo "$(wc -l <"$tmp/constructs") constructs, each with a case"
