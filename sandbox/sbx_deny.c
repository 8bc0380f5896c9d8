/* sbx_deny: a key whose role may not write some object kinds. Gorgias answers
 * 403 per endpoint when "the API token provided does not have the permissions
 * to perform the request ... mainly due to the role associated with the user"
 * (reference/errors; ../shared/reference/gorgias-fidelity.md 1.3): reads still
 * work, writes under the denied path do not. `--deny-write PREFIX` is the
 * smallest stand-in for that until roles are modelled per account. */
#include <string.h>
#include "sbx.h"

int hm_sbx_deny_add(hm_sbx_ctx *ctx, const char *prefix) {
  size_t n = strlen(prefix);
  if (strncmp(prefix, "/api/", 5) || n >= sizeof ctx->deny_write[0] || ctx->ndeny >= 8) return -1;
  memcpy(ctx->deny_write[ctx->ndeny++], prefix, n + 1);
  return 0;
}

/* PREFIX matches the path itself or a path below it (/api/users, /api/users/7),
   never a longer word (/api/users-extra). */
static int under(const char *path, const char *prefix) {
  size_t n = strlen(prefix);
  return !strncmp(path, prefix, n) && (path[n] == 0 || path[n] == '/' || path[n] == '?');
}

int hm_sbx_denied(hm_sbx_ctx *ctx, const hm_sbx_req *rq, hm_sbx_resp *rs) {
  if (!strcmp(rq->method, "GET")) return 0;
  for (int i = 0; i < ctx->ndeny; i++)
    if (under(rq->path, ctx->deny_write[i])) {
      hm_sbx_error(rs, 403,
                   "Forbidden: the API token provided does not have the permissions to perform "
                   "the request (%s %s).", rq->method, rq->path);
      return 1;
    }
  return 0;
}
