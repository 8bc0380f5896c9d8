# tests/itop/lib.sh: what the live-iTop scripts share (sourced): the state folder's
# layout, the skip convention and one REST call. The state folder (STATE) holds
#   skip         the reason when no iTop could run (every test then exits 77)
#   env          ITOP_URL and the REST user's login (sourced)
#   curl.cfg     the REST user's credentials for curl (never on a command line)
#   creds        the same as `user=...` / `password=...` for hmaprun --credentials-file
#   pids/        one file per process group started (mariadbd, php -S)
SKIP=77
itop_skip_if_down() {
  if [ -f "$1/skip" ]; then echo "SKIPPED: $(cat "$1/skip")"; exit $SKIP; fi
  [ -f "$1/env" ] || { echo "SKIPPED: the live iTop was not set up (run the itop.up fixture)"; exit $SKIP; }
  . "$1/env"
}
# itop_rest STATE JSON: one REST call as the REST user; the answer on stdout.
# Fails (status 1, answer on stderr) when iTop's code is not 0.
itop_rest() {
  _ans=$(curl -sS -K "$1/curl.cfg" --data-urlencode "json_data=$2" \
    "$ITOP_URL/webservices/rest.php?version=1.3") || return 1
  if [ "$(printf '%s' "$_ans" | jq -r '.code' 2>/dev/null)" != 0 ]; then
    printf 'REST refused %s\n-> %s\n' "$2" "$_ans" >&2; return 1
  fi
  printf '%s\n' "$_ans"
}
# itop_create STATE CLASS FIELDS_JSON: creates one object, prints its id.
itop_create() {
  _c=$(itop_rest "$1" "{\"operation\":\"core/create\",\"class\":\"$2\",\"comment\":\"fill\",
    \"output_fields\":\"id\",\"fields\":$3}") || return 1
  printf '%s' "$_c" | jq -r '.objects[].key'
}
# itop_update STATE CLASS ID FIELDS_JSON
itop_update() {
  itop_rest "$1" "{\"operation\":\"core/update\",\"class\":\"$2\",\"key\":$3,\"comment\":\"fill\",
    \"output_fields\":\"id\",\"fields\":$4}" >/dev/null
}
# itop_stimulus STATE CLASS ID STIMULUS FIELDS_JSON
itop_stimulus() {
  itop_rest "$1" "{\"operation\":\"core/apply_stimulus\",\"class\":\"$2\",\"key\":$3,
    \"stimulus\":\"$4\",\"comment\":\"fill\",\"output_fields\":\"id,status\",\"fields\":$5}" >/dev/null
}
