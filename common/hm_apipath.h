/* hm_apipath: what a Gorgias API path in a plan may look like. The planner
 * checks the paths it writes, the run checks every path of a plan file before
 * the first request: a path is appended to the target URL, so anything that
 * could move the request to another host, up the path tree or into another
 * endpoint is refused by name. */
#ifndef HM_APIPATH_H
#define HM_APIPATH_H

/* NULL when `path` is a planned API path: "/api/" then segments of
 * [A-Za-z0-9._~-] (no "." or ".." segment, no empty one) and "{ref:R}"
 * placeholders (R without '#', '{' or '}': the run puts the created object's id
 * there). No query string, '%', '@', '\', '#', whitespace or control
 * character. Otherwise a reason naming what is wrong. */
const char *hm_apipath_problem(const char *path);

#endif
