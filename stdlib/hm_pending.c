/* hm_pending: placeholders for builtins whose implementation is being
 * written; they fail with a clear reason so no map silently gets a wrong value. */
#include "hm_std.h"
#define PENDING(nm) HM_BI(nm) { (void)argc; (void)argv; return hm_fail(ctx, out, #nm ": not implemented yet"); }
PENDING(split_caselog)
