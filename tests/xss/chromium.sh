#!/bin/sh
# chromium.sh XSS_CHECK DIR: the XSS vectors of DIR/vectors.txt in a real
# browser. Two pages, one srcdoc frame per vector (xss_check --page): every
# sanitised output must run nothing; the control, raw vectors (the first 30
# and the issue-15 sections: a raw frame costs the browser far more than a
# clean one), must run, so a browser that runs nothing fails the test too.
# Every frame is poked (DIR/poke.js) with the events a reader could fire.
# A missing chromium fails: scripts/deps.sh installs it.
set -u
check=$1 dir=$2
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] ||
  { echo "FAIL: chromium not installed (sh scripts/deps.sh installs it)"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# dump PAGE NAME: the DOM of PAGE after its scripts ran, network off.
dump() {
  timeout 240 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$tmp/profile-$2" \
    --virtual-time-budget=3000 --dump-dom "file://$1" 2>"$tmp/err-$2"
}

# hits PAGE NAME: prints the HITS line of the page; fails if the poking never finished.
hits() {
  dump "$1" "$2" >"$tmp/$2.dom"
  grep -q '<pre id="done">DONE [0-9]' "$tmp/$2.dom" ||
    { echo "FAIL: the $2 page did not finish (chromium: $(tail -3 "$tmp/err-$2"))"; exit 1; }
  sed -n 's/.*<pre id="hits">\(HITS [^<]*\)<.*/\1/p' "$tmp/$2.dom"
}

{ grep -v '^#' "$dir/vectors.txt" | grep -v '^$' | head -n 30
  sed -n '/^# ---- issue 15/,$p' "$dir/vectors.txt"; } >"$tmp/control.txt"
"$check" --page raw "$tmp/control.txt" "$tmp/raw.html" "$dir/poke.js" &&
  "$check" --page clean "$dir/vectors.txt" "$tmp/clean.html" "$dir/poke.js" ||
  { echo "FAIL: xss_check --page"; exit 1; }
raw=$(hits "$tmp/raw.html" raw) || { echo "$raw"; exit 1; }
clean=$(hits "$tmp/clean.html" clean) || { echo "$clean"; exit 1; }
echo "raw vectors (control): $raw"
echo "sanitised vectors:     $clean"
# HITS N id:how …; an id is v<line of vectors.txt> (of control.txt for the raw page)
nraw=$(echo "$raw" | awk '{print $2}')
[ "${nraw:-0}" -ge 10 ] ||
  { echo "FAIL: the raw vectors ran only ${nraw:-0} times (want 10): the test is blind"; exit 1; }
[ "$clean" = "HITS 0 " ] || [ "$clean" = "HITS 0" ] ||
  { echo "FAIL: sanitised output ran script (vectors.txt lines): $clean"; exit 1; }
echo "ok"
