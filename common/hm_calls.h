/* hm_calls: the one contract between the planner (runtime/plan/) and the run
 * (runtime/run/): calls.ndjson. Nothing else passes from a plan to a run.
 *
 * Line 1 is the typed header, written by the planner and required of every
 * file `hmaprun plan` makes (a hand-written rehearsal plan may omit it):
 *   {"hmap_plan": HM_PLAN_FORMAT, "map_hash": "<64 hex>", "max_upload_bytes": N}
 * - map_hash: hm_plan_map_hash of the program and its --set values; the run
 *   stamps it on the state, so a state resumes only under the same settings;
 * - max_upload_bytes: the limit the plan flagged uploads with; the run skips
 *   exactly those uploads.
 * Every further line is one call: seq, phase (upload|create|message|update),
 * method, path, body or file, source {object, key}, rule, target, ref,
 * unique, hash, for an upload shown in public content upload_type (the upload
 * route's type; absent: the default), and on a record's first call only, the map's
 * flags on the record, when it has any (an `after` block's: on its create):
 * "flags": [{severity, message, map?}] (an
 * additive member: the run records them in the state; docs/plan.md "Calls"). In a
 * body, {"$agent": E} may carry "fallback": E2, "flag": TEXT and "severity":
 * warn|review (AGENTOR's ordered candidates: the run takes E2 and raises TEXT, at
 * info unless told, only when E has no Gorgias user). A line is a header exactly
 * when it has "hmap_plan" and no "path". */
#ifndef HM_CALLS_H
#define HM_CALLS_H

#define HM_PLAN_FORMAT 1   /* bump when a header or call member changes meaning */

#endif
