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
e2e_run_opts() {
  case $1 in
    atera) echo "--max-upload-bytes 50000" ;;
    *) echo "" ;;
  esac
}
fail=0
failed() { echo "FAIL: $*"; fail=1; }
