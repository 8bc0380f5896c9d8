# Shell completion for hmapc, hmaprun and hmap-sandbox: commands, options, and
# file names where an option takes a file. bash: `source scripts/hmap-completion.bash`
# (or copy it to /etc/bash_completion.d/); zsh (after compinit, which a usual
# .zshrc runs): `autoload -U +X bashcompinit && bashcompinit && source
# scripts/hmap-completion.bash`.

_hmap_words() {   # the options of hmaprun COMMAND
  case "$1" in
    plan) echo "--data --out --sample --set --probe --target --credentials-file --help" ;;
    scope) echo "--data --out --set --probe --target --credentials-file --help" ;;
    run) echo "--plan --data --target --state --sample --set --probe --delta --force-map-change
               --retarget --recover --resend-in-doubt --allow-active-rules --allow-rule --allow-setting --allow-active-settings
               --pause-automation --pause-rule --pause-setting --prove-writes --rate-window --map-hash --report
               --max-upload-bytes --max-answer-bytes --in-doubt-wait --time-scale --help-center-url --no-preflight --credentials-file
               --log-json --log-every --help" ;;
    rollback) echo "--state --target --credentials-file --dry-run --yes --retarget --time-scale
                    --help-center-url --max-answer-bytes --log-json --log-every --help" ;;
    verify) echo "--state --target --credentials-file --json --retarget --time-scale --help-center-url
                  --max-answer-bytes --log-json --log-every --map --data --set --probe --sample --help" ;;
    status) echo "--state --json --flags --help" ;;
    preflight) echo "--target --credentials-file --time-scale --allow-rule --allow-active-rules
                     --allow-setting --allow-active-settings --pause-rule --pause-setting
                     --pause-automation --prove-writes --log-json --help" ;;
    restore-automation) echo "--state --target --credentials-file --time-scale --retarget
                              --help-center-url --max-answer-bytes --log-json --log-every --help" ;;
    probe) echo "--target --out --state --credentials-file --time-scale --help-center-url
                 --help-center-id --cleanup --help" ;;
    extract) echo "itop atera --url --out --since --resume --credentials-file --auth --page-size --rate
                   --help" ;;
  esac
}

# Completes a file name when the previous word takes one; returns 1 otherwise.
_hmap_file_arg() {
  case "$1" in
    --data|--out|--stdlib) COMPREPLY=($(compgen -d -- "$2")); return 0 ;;
    --state|--plan|--report|--credentials-file|-o|--db|--schema|--log)
      COMPREPLY=($(compgen -f -- "$2")); return 0 ;;
    --url|--since|--page-size|--target|--sample|--set|--map-hash|--time-scale|--log-every|--max-upload-bytes|\
    --max-answer-bytes|--in-doubt-wait|--port|--listen|--rate|--faults|--seed|--account|--domain|--max-upload|\
    --put-created-datetime) COMPREPLY=(); return 0 ;;
  esac
  return 1
}

_hmaprun() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "plan scope run rollback verify status probe preflight restore-automation extract
                              --help --version" -- "$cur"))
    return 0
  fi
  _hmap_file_arg "$prev" "$cur" && return 0
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_hmap_words "${COMP_WORDS[1]}")" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -X '!*.hbc' -- "$cur") $(compgen -d -- "$cur"))
  fi
}

_hmapc() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "check build disasm schema builtins propose values --help --version" \
                          -- "$cur"))
    return 0
  fi
  _hmap_file_arg "$prev" "$cur" && return 0
  case "${COMP_WORDS[1]}" in
    check) COMPREPLY=($(compgen -W "--json --stdlib --stdin-name" -- "$cur")) ;;
    build) COMPREPLY=($(compgen -W "--stdlib -o" -- "$cur")) ;;
    schema) COMPREPLY=($(compgen -W "--stdlib" -- "$cur")) ;;
    propose)
      if [ "$prev" = --from ]; then
        COMPREPLY=($(compgen -W "auto itop smartertrack atera" -- "$cur")); return 0
      fi
      COMPREPLY=($(compgen -W "--from -o" -- "$cur")) ;;
  esac
  case "${COMP_WORDS[1]}" in
    propose|values) [[ $cur != -* ]] && COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
  esac
  if [[ $cur != -* ]]; then
    local ext='!*.hmap'
    [ "${COMP_WORDS[1]}" = disasm ] && ext='!*.hbc'
    COMPREPLY=($(compgen -f -X "$ext" -- "$cur") $(compgen -d -- "$cur"))
  fi
}

_hmap_sandbox() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
  _hmap_file_arg "$prev" "$cur" && return 0
  COMPREPLY=($(compgen -W "--port --listen --db --account --domain --rate --time-scale --faults
                           --seed --max-upload --schema --put-created-datetime --log --help
                           --version" -- "$cur"))
}

complete -F _hmaprun hmaprun
complete -F _hmapc hmapc
complete -F _hmap_sandbox hmap-sandbox
