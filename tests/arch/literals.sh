#!/bin/sh
# literals.sh ROOT: no Gorgias literal outside the Gorgias profile
# (stdlib/gorgias/) and the schema module (stdlib/gorgias.hmap). Greps the C
# of runtime/, compiler/ and stdlib/ for API paths ("/api/..., or a string
# with a path segment of the profile's routes), the profile's object kind
# names as whole strings, MIME types and Gorgias header names; prints
# file:line of each and fails. The sandbox is not searched: its acceptance
# rules are its own.
set -u
root=$1
profile=$root/stdlib/gorgias/hm_gorgias.c
[ -f "$profile" ] || { echo "FAIL: no profile at $profile"; exit 1; }

# Path segments and kind names, from the profile itself: a new row is
# guarded as soon as it is written.
segs=$(grep -oE '"/api/[^"]*"' "$profile" | tr -d '"' | tr '/?=&' '\n\n\n\n' |
       grep -E '^[a-z][a-z-]+$' | grep -vx api | sort -u | paste -sd'|' -)
kinds=$(sed -n 's/.*\.name = "\([A-Za-z]*\)".*/\1/p' "$profile" | sort -u | paste -sd'|' -)
if [ -z "$segs" ] || [ -z "$kinds" ]; then
  echo "FAIL: cannot read the profile's paths and kinds"; exit 1
fi

mime='(application|audio|font|image|message|model|multipart|text|video)/[a-z0-9.+-]+'
pattern="\"/api/|\"[^\"]*/($segs)[/\"?]|\"($kinds)\"|\"$mime\"|\"X-Gorgias-"

# runtime/extract/ex_atera_api.c is Atera's route table (a source system's paths, which
# share words such as customers and tickets with Gorgias'): its one place, as the profile is.
files=$(cd "$root" && find runtime compiler -name '*.[ch]' | grep -vx 'runtime/extract/ex_atera_api.c' |
        sort; ls stdlib/*.c stdlib/*.h)
found=$(cd "$root" && grep -nHE "$pattern" $files)
if [ -n "$found" ]; then
  echo "FAIL: Gorgias literals outside stdlib/gorgias/ (use the profile, hm_gorgias.h):"
  echo "$found"
  exit 1
fi
echo "ok: no Gorgias literal outside the profile ($(echo "$files" | wc -l) files)"
