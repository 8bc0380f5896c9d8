#!/bin/sh
# tests/itop/down.sh STATE: stops every process group up.sh started (ctest
# FIXTURES_CLEANUP itop). php -S workers outlive their master: the whole group goes.
STATE=$1
for f in "$STATE"/pids/*; do
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  n=0
  while kill -0 -- "-$pid" 2>/dev/null && [ $n -lt 100 ]; do n=$((n+1)); sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null
  rm -f "$f"
done
exit 0
