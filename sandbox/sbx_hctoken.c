/* sbx_hctoken: the Help Center's short-lived Bearer tokens. Gorgias serves the
 * Help Center API on its own host and lets a caller in with a token from
 * POST /api/help-center/auth (Basic auth on the account's host), answered as
 * {access_token, token_type, expires_in} (gorgias-fidelity.md §1.2 from [HC1]
 * lib/core/auth.ts and [HC2]; gorgias-api.md §5.15: "~30 min"). A token lives
 * --help-center-token-ttl seconds divided by --time-scale; after that the Help
 * Center host answers 401. Tokens are random, kept in memory only. */
#include "sbx.h"
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void hm_sbx_tokens_init(hm_sbx_tokens *tk, double ttl) {
  memset(tk, 0, sizeof *tk);
  pthread_mutex_init(&tk->mu, NULL);
  tk->ttl = ttl;
}

void hm_sbx_tokens_free(hm_sbx_tokens *tk) {
  free(tk->t);
  tk->t = NULL;
  tk->n = tk->cap = 0;
  pthread_mutex_destroy(&tk->mu);
}

static int random_hex(char out[40]) {
  unsigned char b[16];
  if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) return -1;
  memcpy(out, "hc.", 3);
  for (int i = 0; i < 16; i++) snprintf(out + 3 + 2 * i, 3, "%02x", b[i]);
  return 0;
}

/* Drops expired tokens (under the lock) so a long rehearsal keeps few. */
static void prune(hm_sbx_tokens *tk, double now) {
  int k = 0;
  for (int i = 0; i < tk->n; i++)
    if (tk->t[i].expires > now) tk->t[k++] = tk->t[i];
  tk->n = k;
}

int hm_sbx_token_issue(hm_sbx_tokens *tk, const char *account, double now, char out[40]) {
  if (random_hex(out) != 0) return -1;
  pthread_mutex_lock(&tk->mu);
  prune(tk, now - 3600);  /* an expired token still says "expired" for an hour */
  if (tk->n == tk->cap) {
    int cap = tk->cap ? tk->cap * 2 : 16;
    hm_sbx_token *nt = realloc(tk->t, (size_t)cap * sizeof *nt);
    if (!nt) { pthread_mutex_unlock(&tk->mu); return -1; }
    tk->t = nt;
    tk->cap = cap;
  }
  hm_sbx_token *t = &tk->t[tk->n++];
  snprintf(t->token, sizeof t->token, "%s", out);
  snprintf(t->account, sizeof t->account, "%s", account);
  t->expires = now + tk->ttl;
  pthread_mutex_unlock(&tk->mu);
  return 0;
}

int hm_sbx_token_check(hm_sbx_tokens *tk, const char *token, double now, char account[128]) {
  int rc = 0;
  pthread_mutex_lock(&tk->mu);
  for (int i = 0; i < tk->n && !rc; i++)
    if (strcmp(tk->t[i].token, token) == 0) {
      rc = tk->t[i].expires > now ? 1 : -1;
      if (rc == 1) snprintf(account, 128, "%s", tk->t[i].account);
    }
  pthread_mutex_unlock(&tk->mu);
  return rc;
}

void hm_sbx_tokens_expire(hm_sbx_tokens *tk) {
  pthread_mutex_lock(&tk->mu);
  for (int i = 0; i < tk->n; i++) tk->t[i].expires = 0;
  pthread_mutex_unlock(&tk->mu);
}
