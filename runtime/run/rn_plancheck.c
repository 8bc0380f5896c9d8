/* hm_plancheck: what makes one line of a plan file (calls.ndjson) safe to send,
 * beyond its JSON shape — checked for every line before the first request, so
 * a hostile or damaged plan sends nothing. A path is appended to the target
 * URL, so it must be a plain /api/ path (hm_apipath); the method must be the
 * one its phase sends; an upload's file must open inside the export folder
 * given by --data (hm_contain_open, the function the planner sizes it with
 * and the executor uses to send it). The export folder is never taken from the
 * plan: a plan naming its own folder could name "/". Also the shape of a
 * call's "flags", which the executor writes into the state. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hm_apipath.h"
#include "hm_gorgias.h"
#include "hm_read.h"
#include "rn.h"

/* The method a phase sends (absent: the executor's default, POST). */
static const char *phase_method(const char *phase) {
  return phase && !strcmp(phase, "update") ? "PUT" : "POST";
}

static int has_control(const char *s) {
  for (; s && *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
  return 0;
}

/* The path as it may be quoted in a message: control characters shown as '?'. */
static void quote_path(const char *path, char *out, size_t n) {
  snprintf(out, n, "%.200s", path);
  for (char *p = out; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
}

static int check_upload(const cJSON *c, const char *data_dir, const char *path, char *why,
                        size_t n) {
  const char *file = hm_rn_json_str(c, "file");
  const char *upload = HM_GORGIAS[HM_GK_UPLOAD].collection;
  if (strcmp(path, upload)) {
    snprintf(why, n, "an upload goes to %s, not %s", upload, path);
    return 2;
  }
  if (has_control(hm_rn_json_str(c, "name")) || has_control(hm_rn_json_str(c, "content_type"))) {
    snprintf(why, n, "an upload's \"name\" or \"content_type\" contains a control character");
    return 2;
  }
  if (!data_dir) {
    snprintf(why, n, "an upload needs --data DIR, the export folder its file %s is read from",
             file);
    return 2;
  }
  char refusal[600];
  int fd = hm_contain_open(data_dir, file, O_RDONLY | O_NONBLOCK, refusal, sizeof refusal);
  if (fd >= 0) close(fd);
  if (fd != HM_CONTAIN_REFUSED) return 0;   /* a missing file is skipped and flagged by the run */
  snprintf(why, n, "upload refused: %s", refusal);
  return 2;
}

int hm_plancheck_line(const cJSON *c, const char *data_dir, char *why, size_t n) {
  const char *path = hm_rn_json_str(c, "path"), *phase = hm_rn_json_str(c, "phase");
  const char *method = hm_rn_json_str(c, "method");
  const char *bad = hm_apipath_problem(path);
  if (bad) {
    char q[210];
    quote_path(path ? path : "", q, sizeof q);
    snprintf(why, n, "\"path\" \"%s\" refused: %s", q, bad);
    return 2;
  }
  if (!phase && hm_rn_json_str(c, "file")) phase = "upload";
  if (method && strcmp(method, phase_method(phase))) {
    snprintf(why, n, "\"method\" %s does not go with phase %s (it sends %s)", method,
             phase ? phase : "create", phase_method(phase));
    return 2;
  }
  if (phase && !strcmp(phase, "upload")) return check_upload(c, data_dir, path, why, n);
  return 0;
}

static int is_severity(const char *s) {
  return s && (!strcmp(s, "info") || !strcmp(s, "warn") || !strcmp(s, "review"));
}

const char *hm_plancheck_flags(const cJSON *c) {
  const cJSON *flags = cJSON_GetObjectItemCaseSensitive(c, "flags");
  if (!flags) return NULL;
  const char *phase = hm_rn_json_str(c, "phase");
  if (!phase) phase = hm_rn_json_str(c, "file") ? "upload" : "create";
  if (strcmp(phase, "create") && strcmp(phase, "upload"))
    return "\"flags\": only a create or an upload carries its record's flags";
  if (!cJSON_IsArray(flags)) return "\"flags\" must be a list";
  const cJSON *f;
  cJSON_ArrayForEach(f, flags) {
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(f, "map");
    if (!is_severity(hm_rn_json_str(f, "severity")))
      return "\"flags\": a flag without a severity info, warn or review";
    if (!hm_rn_json_str(f, "message")) return "\"flags\": a flag without a message";
    if (map && !cJSON_IsString(map)) return "\"flags\": a flag's \"map\" is not a string";
  }
  return NULL;
}
