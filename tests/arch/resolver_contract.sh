#!/bin/sh
# resolver_contract: the executor and the resolver talk only through the
# resolver's calls and results (rn.h, section rn_resolve.c). rn_resolve.c
# names nothing of the executor (hm_exec, its flag/note calls, the planned
# call struct), and hm_exec keeps no field that exists to steer or collect
# a resolution (the former unresolved, quiet, lookup_err).
# usage: resolver_contract.sh SOURCE_DIR
set -u
root=$1
bad=0
hits=$(grep -nE '\bhm_exec|\bex->|\bconst call \*|\bcall \*k\b' "$root/runtime/run/rn_resolve.c")
if [ -n "$hits" ]; then
  echo "resolver_contract: rn_resolve.c reaches into the executor:"; echo "$hits"; bad=1
fi
fields=$(sed -n '/^struct hm_exec {/,/^};/p' "$root/runtime/run/rn.h" |
         grep -nE '\b(unresolved|quiet|lookup_err)\b')
if [ -n "$fields" ]; then
  echo "resolver_contract: hm_exec holds resolution state:"; echo "$fields"; bad=1
fi
exit $bad
