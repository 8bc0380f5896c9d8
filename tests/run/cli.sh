#!/bin/sh
# The programs' command-line surface: `--version` of hmapc, hmaprun and
# hmap-sandbox ("NAME X.Y.Z (git REV)", REV from git describe or "unknown"
# outside a checkout), and the bash completion (scripts/hmap-completion.bash):
# it registers the three programs, `hmaprun r` offers run and rollback, and
# each command's options come from its own list.
# usage: cli.sh HMAPC HMAPRUN HMAP_SANDBOX SOURCE_DIR
set -u
hmapc=$1 hmaprun=$2 sandbox=$3 src=$4
fails=0
failed() { echo "FAIL: $*"; fails=$((fails + 1)); }

for p in "$hmapc" "$hmaprun" "$sandbox"; do
  name=$(basename "$p")
  out=$("$p" --version 2>&1); rc=$?
  [ $rc = 0 ] || failed "$name --version: exit $rc"
  echo "$out" | grep -Eq "^$name [0-9]+\.[0-9]+\.[0-9]+ \(git ([0-9a-f]{7,}(-dirty)?|unknown)\)$" ||
    failed "$name --version prints \"$out\""
  rev=$(echo "$out" | sed -n 's/.*(git \([0-9a-f]*\).*/\1/p')
  if [ -n "$rev" ] && git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$src" cat-file -e "$rev^{commit}" 2>/dev/null ||
      failed "$name --version names $rev, not a commit of $src"
  fi
done

# Outside a git checkout the revision is "unknown" (cmake/version.cmake).
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake -DSRC="$tmp" -DOUT="$tmp/hm_version.h" -DVERSION=9.9.9 -P "$src/cmake/version.cmake" \
  >/dev/null 2>&1
grep -q '#define HM_GIT_REVISION "unknown"' "$tmp/hm_version.h" 2>/dev/null ||
  failed "version.cmake outside git: $(cat "$tmp/hm_version.h" 2>/dev/null)"

# Completion, in bash.
comp="$src/scripts/hmap-completion.bash"
for p in hmaprun hmapc hmap-sandbox; do
  bash -c ". '$comp'; complete -p $p" >/dev/null 2>&1 || failed "complete -p $p: not registered"
done
complete_words() {   # complete_words WORD... : what bash offers for the last word
  bash -c '. "$1"; shift; prog=$1; fn=$(complete -p "$prog" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
           COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); "$fn"; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$comp" "$@"
}
got=$(complete_words hmaprun r | sort | tr '\n' ' ')
[ "$got" = "restore-automation rollback run " ] ||
  failed "hmaprun r completes to \"$got\", not \"restore-automation rollback run \""
got=$(complete_words hmaprun s | sort | tr '\n' ' ')
[ "$got" = "scope status " ] || failed "hmaprun s completes to \"$got\""
got=$(complete_words hmaprun rollback --y | tr '\n' ' ')
[ "$got" = "--yes " ] || failed "hmaprun rollback --y completes to \"$got\""
got=$(complete_words hmaprun run --log- | sort | tr '\n' ' ')
[ "$got" = "--log-every --log-json " ] || failed "hmaprun run --log- completes to \"$got\""
got=$(complete_words hmapc b | sort | tr '\n' ' ')
[ "$got" = "build builtins " ] || failed "hmapc b completes to \"$got\""
got=$(complete_words hmap-sandbox --ver | tr '\n' ' ')
[ "$got" = "--version " ] || failed "hmap-sandbox --ver completes to \"$got\""
# Every option a command's --help names is offered.
for cmd in run rollback verify status probe preflight restore-automation; do
  want=$("$hmaprun" $cmd --help 2>&1 | grep -o -- '--[a-z-]*' | sort -u)
  have=$(complete_words hmaprun $cmd -- | sort -u)
  for o in $want; do
    echo "$have" | grep -qx -- "$o" || failed "hmaprun $cmd: $o is not completed"
  done
done

got=$(complete_words hmapc pro | tr '\n' ' ')
[ "$got" = "propose " ] || failed "hmapc pro completes to \"$got\""
got=$(complete_words hmapc propose x --from a | sort | tr '\n' ' ')
[ "$got" = "atera auto " ] || failed "hmapc propose --from a completes to \"$got\""

# zsh (scripts/deps.sh installs it): bashcompinit runs the same file. The
# functions run as zsh's _bash_complete runs them (sh emulation); zsh itself
# keeps the words that start with what was typed, as compadd does.
command -v zsh >/dev/null 2>&1 || failed "zsh is not installed (sh scripts/deps.sh installs it)"
zsh -c "autoload -U +X compinit && compinit -u -D; autoload -U +X bashcompinit && bashcompinit &&
        source '$comp' && (( \${+_comps[hmaprun]} ))" ||
  failed "zsh: the completion does not load through bashcompinit"
# One zsh for every query (compinit is slow on a loaded machine): each line
# of the queries is a command line; the answer is the words offered for its
# last word, space-separated and sorted, one line per query.
printf '%s\n' 'hmaprun r' 'hmaprun rollback --y' 'hmapc pro' 'hmap-sandbox --ver' >"$tmp/zq"
zsh -c 'autoload -U +X compinit && compinit -u -D; autoload -U +X bashcompinit && bashcompinit
        source "$1"
        t() { emulate -L sh; setopt kshglob noshglob braceexpand
              COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); $fn
              printf "%s\n" "${COMPREPLY[@]}"; }
        while IFS= read -r q; do
          w=(${(s: :)q}); fn=${${_comps[$w[1]]}##* }
          print -r -- "$(t "${w[@]}" | grep -- "^${w[-1]}" | sort | tr "\n" " ")"
        done <"$2"' _ "$comp" "$tmp/zq" >"$tmp/za" 2>&1
printf '%s\n' 'restore-automation rollback run ' '--yes ' 'propose ' '--version ' >"$tmp/zw"
cmp -s "$tmp/zw" "$tmp/za" || failed "zsh completes differently (want, got): $(paste -d'|' "$tmp/zw" "$tmp/za")"

[ $fails = 0 ] && echo "cli: ok"
exit $((fails > 0))
