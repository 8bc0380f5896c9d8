/* hm_contain: opens a file or folder named relative to the export folder so
 * that what is opened is inside it — the one resolution the readers, the
 * planner (sizing uploads) and the run (sending them) all use, so the three read
 * the same file. Invariants: a relative name without "..", and the kernel
 * resolves it beneath the folder (openat2 RESOLVE_BENEATH: a symlink that stays
 * inside is followed, one that leaves is refused); where openat2 is missing, each
 * component is opened with O_NOFOLLOW, so every symlink is refused. The caller
 * gets an open fd: no second lookup by name that a swapped symlink could
 * redirect. */
#include "hm_read.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(SYS_openat2) && !defined(HM_CONTAIN_NO_OPENAT2)
#include <linux/openat2.h>
#endif

/* Why the name alone is refused, or NULL. */
static const char *name_problem(const char *rel) {
  if (rel[0] == '/') return "is an absolute path: files are named relative to the export folder";
  for (const char *p = rel; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) return "contains a control character";
  for (const char *s = rel; *s;) {
    size_t n = strcspn(s, "/");
    if (n == 2 && s[0] == '.' && s[1] == '.')
      return "goes up with \"..\": files must stay in the export folder";
    s += n;
    while (*s == '/') s++;
  }
  return NULL;
}

static int refuse(char *why, size_t whylen, const char *rel, const char *text) {
  snprintf(why, whylen, "%s: %s", rel, text);
  return HM_CONTAIN_REFUSED;
}

static int os_error(char *why, size_t whylen, const char *rel, int e) {
  if (e == EXDEV)
    return refuse(why, whylen, rel, "leads out of the export folder through a symlink: refused");
  if (e == ELOOP)
    return refuse(why, whylen, rel, "is a symlink that cannot be kept inside the export folder");
  snprintf(why, whylen, "%s: cannot open: %s", rel, strerror(e));
  return e == ENOENT || e == ENOTDIR ? HM_CONTAIN_MISSING : HM_CONTAIN_ERROR;
}

/* Every component opened with O_NOFOLLOW: a symlink anywhere is refused. */
static int open_by_components(int dirfd, const char *rel, int flags) {
  char part[4096];
  int fd = dup(dirfd);
  const char *s = rel;
  while (fd >= 0 && *s) {
    size_t n = strcspn(s, "/");
    const char *next = s + n;
    while (*next == '/') next++;
    if (n >= sizeof part) { close(fd); errno = ENAMETOOLONG; return -1; }
    memcpy(part, s, n);
    part[n] = 0;
    int last = !*next;
    int nfd = n == 1 && part[0] == '.' ? dup(fd)
            : openat(fd, part, last ? flags | O_NOFOLLOW : O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    int e = errno;
    struct stat st;   /* a symlinked folder fails O_DIRECTORY|O_NOFOLLOW with ENOTDIR */
    if (nfd < 0 && e == ENOTDIR && !fstatat(fd, part, &st, AT_SYMLINK_NOFOLLOW) &&
        S_ISLNK(st.st_mode))
      e = ELOOP;
    close(fd);
    errno = e;
    fd = nfd;
    s = next;
  }
  return fd;
}

/* HM_CONTAIN_NO_OPENAT2: build the fallback alone (its tests). */
static int open_beneath(int dirfd, const char *rel, int flags) {
#if defined(SYS_openat2) && !defined(HM_CONTAIN_NO_OPENAT2)
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = (unsigned long long)flags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
  if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != EINVAL)) return fd;
#endif
  return open_by_components(dirfd, rel, flags);
}

int hm_contain_open(const char *root, const char *rel, int flags, char *why, size_t whylen) {
  if (!rel || !*rel) {
    snprintf(why, whylen, "(empty file name): no such file");
    return HM_CONTAIN_MISSING;
  }
  const char *bad = name_problem(rel);
  if (bad) return refuse(why, whylen, rel, bad);
  int dirfd = open(root && *root ? root : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    snprintf(why, whylen, "%s: cannot open the export folder: %s", root && *root ? root : ".",
             strerror(errno));
    return HM_CONTAIN_ERROR;
  }
  int fd = open_beneath(dirfd, rel, flags | O_CLOEXEC);
  int e = errno;
  close(dirfd);
  if (fd >= 0) return fd;
  return os_error(why, whylen, rel, e);
}
