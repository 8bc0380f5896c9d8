/* test_contain: hm_contain_open over a folder made here — names refused by
 * themselves (absolute, "..", control characters), symlinks out (absolute,
 * relative climbing, a folder), a symlink inside, missing files. Built twice:
 * with openat2 (a symlink inside is followed) and with HM_CONTAIN_NO_OPENAT2,
 * the O_NOFOLLOW-per-component fallback (every symlink is refused). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hm_read.h"

#ifdef HM_CONTAIN_NO_OPENAT2
#define FOLLOWS_INSIDE 0
#else
#define FOLLOWS_INSIDE 1
#endif

static int failures;
#define CHECK(c, ...) do { if (!(c)) {                                         \
  fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #c);                 \
  fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); failures++; } } while (0)

/* Opens rel under root: the code, and `why` when refused or missing. */
static int try_open(const char *root, const char *rel, int flags, char *why, size_t n) {
  why[0] = 0;
  int fd = hm_contain_open(root, rel, flags, why, n);
  if (fd >= 0) { close(fd); return 0; }
  return fd;
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f) { fputs(text, f); fclose(f); }
}

int main(void) {
  char root[] = "/tmp/hm_contain_XXXXXX", p[600], why[700];
  if (!mkdtemp(root)) return 2;
  snprintf(p, sizeof p, "%s/export", root); mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/export/files", root); mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/export/files/a.txt", root); put(p, "a\n");
  snprintf(p, sizeof p, "%s/secret.txt", root); put(p, "outside\n");
  snprintf(p, sizeof p, "%s/export/files/passwd", root);
  if (symlink("/etc/passwd", p)) perror("symlink");
  snprintf(p, sizeof p, "%s/export/files/up", root);
  if (symlink("../../secret.txt", p)) perror("symlink");
  snprintf(p, sizeof p, "%s/export/etc", root);
  if (symlink("/etc", p)) perror("symlink");
  snprintf(p, sizeof p, "%s/export/files/alias.txt", root);
  if (symlink("a.txt", p)) perror("symlink");
  char ex[600];
  snprintf(ex, sizeof ex, "%s/export", root);

  CHECK(try_open(ex, "files/a.txt", O_RDONLY, why, sizeof why) == 0, "%s", why);
  CHECK(try_open(ex, "./files//a.txt", O_RDONLY, why, sizeof why) == 0, "%s", why);
  CHECK(try_open(ex, "files", O_RDONLY | O_DIRECTORY, why, sizeof why) == 0, "%s", why);
  CHECK(try_open(ex, "/etc/passwd", O_RDONLY, why, sizeof why) == HM_CONTAIN_REFUSED &&
        !strcmp(why, "/etc/passwd: is an absolute path: "
                     "files are named relative to the export folder"), "%s", why);
  CHECK(try_open(ex, "files/../../secret.txt", O_RDONLY, why, sizeof why) == HM_CONTAIN_REFUSED &&
        strstr(why, "goes up with \"..\""), "%s", why);
  CHECK(try_open(ex, "files/a\n.txt", O_RDONLY, why, sizeof why) == HM_CONTAIN_REFUSED &&
        strstr(why, "control character"), "%s", why);
  const char *out[] = { "files/passwd", "files/up", "etc/passwd", "etc" };
  for (int i = 0; i < 4; i++) {
    int rc = try_open(ex, out[i], O_RDONLY, why, sizeof why);
    CHECK(rc == HM_CONTAIN_REFUSED && !strncmp(why, out[i], strlen(out[i])) &&
          strstr(why, FOLLOWS_INSIDE ? "leads out of the export folder" : "is a symlink"),
          "%s: %d %s", out[i], rc, why);
  }
  int rc = try_open(ex, "files/alias.txt", O_RDONLY, why, sizeof why);
  CHECK(FOLLOWS_INSIDE ? rc == 0 : rc == HM_CONTAIN_REFUSED, "a symlink inside: %d %s", rc, why);
  CHECK(try_open(ex, "files/none.txt", O_RDONLY, why, sizeof why) == HM_CONTAIN_MISSING &&
        strstr(why, "files/none.txt: cannot open: "), "%s", why);
  CHECK(try_open(ex, "", O_RDONLY, why, sizeof why) == HM_CONTAIN_MISSING, "%s", why);
  CHECK(try_open(ex, "files/a.txt/x", O_RDONLY, why, sizeof why) == HM_CONTAIN_MISSING, "%s", why);

  snprintf(p, sizeof p, "rm -rf '%s'", root);
  if (system(p)) {}
  if (failures) { fprintf(stderr, "%d check(s) failed\n", failures); return 1; }
  puts("contain tests passed");
  return 0;
}
