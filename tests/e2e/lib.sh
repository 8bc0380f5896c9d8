# Shared by the end-to-end scripts (sourced). The settings every e2e plan uses
# (docs/exports.md): the Help Center of the sandbox is id 1, and the upload
# limit is lowered to 50000 bytes so the bundled 67 KB scans are over it (iTop
# and SmarterTrack: the maps' setting, rejected in the plan; Atera, whose export
# has no sizes: the run's --max-upload-bytes, flagged in the plan through
# max_upload_bytes, docs/plan.md).
e2e_plan_opts() {
  case $1 in
    itop|smartertrack) echo "--set help_center_id=1 --set max_attachment_bytes=50000" ;;
    *) echo "--set help_center_id=1 --set max_upload_bytes=50000" ;;
  esac
}
# e2e_plan_example NAME HMAPC HMAPRUN: maps/NAME_to_gorgias.hmap built and planned on its
# example export into $tmp/plan (data= the export, calls= its calls.ndjson); exits on failure.
e2e_plan_example() {
  data=tests/fixtures/$1 calls=$tmp/plan/calls.ndjson
  "$2" build "maps/$1_to_gorgias.hmap" -o "$tmp/map.hbc" || { echo "FAIL: hmapc build"; exit 1; }
  # shellcheck disable=SC2046
  "$3" plan "$tmp/map.hbc" --data "$data" --out "$tmp/plan" $(e2e_plan_opts "$1") 2>/dev/null
  [ $? -le 1 ] || { echo "FAIL: hmaprun plan"; exit 1; }
}
e2e_run_opts() {
  case $1 in
    atera) echo "--max-upload-bytes 50000" ;;
    *) echo "" ;;
  esac
}
fail=0
failed() { echo "FAIL: $*"; fail=1; }
