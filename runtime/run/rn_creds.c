/* hm_creds: where a pair of credentials comes from — the environment or a
 * credentials file, never argv (visible in ps and shell history) — for
 * Gorgias (GORGIAS_EMAIL, GORGIAS_API_KEY) and for the iTop that `extract`
 * reads (HMAP_ITOP_USER, HMAP_ITOP_PASSWORD): one reader, so both get the same
 * wiping, permission warning and file syntax. And the scrubber every error
 * text goes through before it is printed or stored, so the secret never
 * reaches a log, report or state row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "rn.h"

static int copy_value(char *dst, size_t cap, const char *v, const char *what,
                      char *err, size_t errlen) {
  size_t n = strlen(v);
  while (n && (v[n - 1] == '\n' || v[n - 1] == '\r' || v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
  while (n && (*v == ' ' || *v == '\t')) { v++; n--; }
  if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) { v++; n -= 2; }
  if (n == 0 || n >= cap) {
    snprintf(err, errlen, "%s is %s", what, n == 0 ? "empty" : "too long");
    return 2;
  }
  memcpy(dst, v, n);
  dst[n] = 0;
  return 0;
}

static const char *const GORGIAS_USER[] = {"GORGIAS_EMAIL", NULL};
static const char *const GORGIAS_SECRET[] = {"GORGIAS_API_KEY", NULL};
const hm_creds_source HM_CREDS_GORGIAS = {
    GORGIAS_USER, GORGIAS_SECRET,
    "no credentials: set GORGIAS_EMAIL and GORGIAS_API_KEY, or pass --credentials-file FILE"};

static int named(const char *const *names, const char *k) {
  for (; *names; names++)
    if (!strcmp(*names, k)) return 1;
  return 0;
}

static int load_file(hm_creds *c, const hm_creds_source *s, const char *path, char *err,
                     size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) { snprintf(err, errlen, "%s: cannot read the credentials file", path); return 2; }
  struct stat sb;
  if (!fstat(fileno(f), &sb) && (sb.st_mode & 077))
    fprintf(stderr, "hmaprun: warning: %s can be read by other users; chmod 600 it\n", path);
  char line[1024], iobuf[4096];
  setvbuf(f, iobuf, _IOFBF, sizeof iobuf);   /* stdio's own buffer would be freed unwiped */
  int lineno = 0, rc = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    lineno++;
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (*p == '#' || *p == '\n' || *p == 0) continue;
    if (!strncmp(p, "export ", 7)) p += 7;
    char *eq = strchr(p, '=');
    if (!eq) { snprintf(err, errlen, "%s:%d: expected KEY=value", path, lineno); rc = 2; break; }
    *eq = 0;
    if (named(s->user, p))
      rc = copy_value(c->email, sizeof c->email, eq + 1, s->user[0], err, errlen);
    else if (named(s->secret, p))
      rc = copy_value(c->key, sizeof c->key, eq + 1, s->secret[0], err, errlen);
    if (rc) {
      char tmp[256];
      snprintf(tmp, sizeof tmp, "%s:%d: %s", path, lineno, err);
      snprintf(err, errlen, "%s", tmp);
    }
  }
  fclose(f);
  hm_secret_wipe(line, sizeof line);
  hm_secret_wipe(iobuf, sizeof iobuf);
  return rc;
}

/* The secret's variable is emptied in place (so /proc/PID/environ and the
 * process image no longer hold it) and removed once it has been read. */
static void forget_env_key(const char *name) {
  char *k = getenv(name);
  if (k) hm_secret_wipe(k, strlen(k));
  unsetenv(name);
}

int hm_creds_read(hm_creds *c, const hm_creds_source *s, const char *path, char *err,
                  size_t errlen) {
  memset(c, 0, sizeof *c);
  hm_secret_no_core();   /* before the key is in memory: a core image would hold it */
  const char *uvar = s->user[0], *kvar = s->secret[0];
  int rc;
  if (path) {
    rc = load_file(c, s, path, err, errlen);
  } else {
    const char *e = getenv(uvar), *k = getenv(kvar);
    if (!e || !k) {
      forget_env_key(kvar);   /* a key without its user is not kept either */
      snprintf(err, errlen, "%s", s->missing);
      return 2;
    }
    rc = copy_value(c->email, sizeof c->email, e, uvar, err, errlen);
    if (!rc) rc = copy_value(c->key, sizeof c->key, k, kvar, err, errlen);
  }
  forget_env_key(kvar);   /* with a credentials file too: an exported key is not needed */
  if (!rc && (!c->email[0] || !c->key[0])) {
    snprintf(err, errlen, "%s: needs both %s and %s", path ? path : "environment", uvar, kvar);
    rc = 2;
  }
  if (rc) hm_creds_wipe(c);
  return rc;
}

int hm_creds_load(hm_creds *c, const char *path, char *err, size_t errlen) {
  return hm_creds_read(c, &HM_CREDS_GORGIAS, path, err, errlen);
}

static void scrub_one(char *s, const char *secret) {
  size_t n = strlen(secret);
  if (n < 3) return;   /* too short to scrub without mangling ordinary text */
  char *p = s;
  while ((p = strstr(p, secret))) {
    memmove(p + 3, p + n, strlen(p + n) + 1);
    memcpy(p, "***", 3);
    p += 3;
  }
}

void hm_creds_scrub(const hm_creds *c, char *s) {
  if (!c || !s) return;
  hm_secret_scrub_mem(c, s, strlen(s) + 1, 3);   /* the key in every form (rn_secret.c) */
  scrub_one(s, c->email);
}

void hm_creds_wipe(hm_creds *c) { hm_secret_wipe(c, sizeof *c); }
