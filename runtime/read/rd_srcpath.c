/* hm_srcpath: turns a source path into the list of files to read. A '*' in the
 * path matches within one segment (tickets/<star>/comments, page-<star>.json); what
 * it matched becomes the path key of every record from that file, which is how
 * a child finds its parent by path. Entries are sorted numeric-aware so runs are
 * deterministic and `2` comes before `10`, as a person numbering folders means. */
#include "rd.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int hm_srcpath_natcmp(const char *a, const char *b) {
  const char *a0 = a, *b0 = b;
  while (*a && *b) {
    if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
      while (*a == '0' && isdigit((unsigned char)a[1])) a++;
      while (*b == '0' && isdigit((unsigned char)b[1])) b++;
      size_t na = 0, nb = 0;
      while (isdigit((unsigned char)a[na])) na++;
      while (isdigit((unsigned char)b[nb])) nb++;
      if (na != nb) return na < nb ? -1 : 1;
      int c = memcmp(a, b, na);
      if (c) return c < 0 ? -1 : 1;
      a += na; b += nb;
    } else {
      if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
      a++; b++;
    }
  }
  if (*a || *b) return *a ? 1 : -1;
  int c = strcmp(a0, b0);   /* "01" vs "1": still a total order */
  return (c > 0) - (c < 0);
}

static int cmp_names(const void *x, const void *y) {
  return hm_srcpath_natcmp(*(const char *const *)x, *(const char *const *)y);
}

/* 0 missing, 'f' file, 'd' folder, 'o' other, 'x' refused (err says why): rel
 * is opened inside the export folder (hm_contain_open), never by a bare path. */
static int kind_of(const char *data_dir, const char *rel, char *err, size_t errlen) {
  char why[600];
  struct stat st;
  int fd = hm_contain_open(data_dir, rel, O_RDONLY | O_NONBLOCK, why, sizeof why);
  if (fd == HM_CONTAIN_REFUSED) { snprintf(err, errlen, "%s", why); return 'x'; }
  if (fd < 0) return 0;
  int ok = fstat(fd, &st) == 0;
  close(fd);
  if (!ok) return 0;
  return S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 'o';
}

bool hm_srcpath_absent(const char *data_dir, const char *path) {
  char err[600], dir[4096];
  const char *star = strchr(path, '*');
  if (!star) return kind_of(data_dir, path, err, sizeof err) == 0;
  const char *seg = star;
  while (seg > path && seg[-1] != '/') seg--;
  if (seg == path) return false;            /* the export folder itself */
  snprintf(dir, sizeof dir, "%.*s", (int)(seg - path - 1), path);
  return kind_of(data_dir, dir, err, sizeof err) == 0;
}

/* Names in folder `rel` of the export matching prefix*suffix, sorted;
 * NULL-terminated, in arena. A folder leading out of the export is refused
 * (*errnum EXDEV, why says so). */
static const char **list_dir(hm_arena *a, const char *data_dir, const char *rel, const char *pre,
                             size_t npre, const char *suf, size_t nsuf, size_t *count, int *errnum,
                             char *why, size_t whylen) {
  int fd = hm_contain_open(data_dir, *rel ? rel : ".", O_RDONLY | O_DIRECTORY, why, whylen);
  if (fd < 0) {
    *errnum = fd == HM_CONTAIN_REFUSED ? EXDEV : fd == HM_CONTAIN_MISSING ? ENOENT : EIO;
    return NULL;
  }
  DIR *d = fdopendir(fd);
  if (!d) { *errnum = errno; close(fd); return NULL; }
  size_t n = 0, cap = 16;
  const char **names = malloc(cap * sizeof *names);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    const char *nm = e->d_name;
    size_t len = strlen(nm);
    if (nm[0] == '.') continue;            /* hidden files, . and .. are never data */
    if (len < npre + nsuf || strncmp(nm, pre, npre) != 0 || strcmp(nm + len - nsuf, suf) != 0)
      continue;
    if (n == cap) names = realloc(names, (cap *= 2) * sizeof *names);
    names[n++] = hm_arena_strdup(a, nm);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_names);
  const char **out = hm_arena_alloc(a, (n + 1) * sizeof *out);
  if (n) memcpy(out, names, n * sizeof *names);
  free(names);
  *count = n;
  return out;
}

typedef struct files_out { hm_srcfile *v; size_t n, cap; } files_out;

static void add_file(hm_arena *a, files_out *o, const char *rel, const char *key) {  /* rel: in a */
  if (o->n == o->cap) {
    size_t cap = o->cap ? o->cap * 2 : 16;
    o->v = hm_arena_realloc(a, o->v, o->cap * sizeof *o->v, cap * sizeof *o->v);
    o->cap = cap;
  }
  o->v[o->n].rel = rel;                     /* already in the arena */
  o->v[o->n++].key = key;
}

/* rel exists (kind k): add it, or with pages its page files. */
static int add_entry(hm_arena *a, const char *data_dir, const char *rel, int k, bool pages,
                     const char *key, files_out *o, char *err, size_t errlen) {
  if (k == 'f') { add_file(a, o, rel, key); return 0; }
  if (k != 'd' || !pages) {
    snprintf(err, errlen, "%s: %s", rel,
             k == 'd' ? "is a folder, expected a file" : "is not a regular file");
    return -1;
  }
  size_t n = 0;
  int errnum = 0;
  char why[600];
  const char **pg = list_dir(a, data_dir, rel, "page-", 5, ".json", 5, &n, &errnum,
                             why, sizeof why);
  if (!pg && errnum == EXDEV) { snprintf(err, errlen, "%s", why); return -1; }
  if (!pg) {
    snprintf(err, errlen, "%s: cannot read folder: %s", rel, strerror(errnum));
    return -1;
  }
  for (size_t i = 0; i < n; i++) add_file(a, o, hm_arena_printf(a, "%s/%s", rel, pg[i]), key);
  return 0;
}

/* A path missing as spelled: its last segment looked up ignoring case in its folder, as
   databases name tables (st_tickets is st_Tickets). One match is the file; two are refused,
   since either could be meant. 0 = none (err untouched), 1 = *found, -1 = err. */
static int casefold_path(hm_arena *a, const char *data_dir, const char *path, const char **found,
                         char *err, size_t errlen) {
  const char *slash = strrchr(path, '/');
  const char *dir = slash ? hm_arena_strndup(a, path, (size_t)(slash - path)) : "";
  const char *base = slash ? slash + 1 : path;
  size_t n = 0;
  int errnum = 0;
  char why[600];
  const char **names = list_dir(a, data_dir, dir, "", 0, "", 0, &n, &errnum, why, sizeof why);
  const char *pick = NULL;
  for (size_t i = 0; names && i < n; i++) {
    if (strcasecmp(names[i], base) != 0) continue;
    if (pick) {
      snprintf(err, errlen, "%s: no such file, and both %s and %s match it ignoring case", path,
               pick, names[i]);
      return -1;
    }
    pick = names[i];
  }
  if (!pick) return 0;
  *found = hm_arena_printf(a, "%s%s%s", dir, *dir ? "/" : "", pick);
  return 1;
}

int hm_srcpath_expand(hm_arena *a, const char *data_dir, const char *path, bool pages,
                      hm_srcfile **files, size_t *nfiles, char *err, size_t errlen) {
  files_out o = {0};
  *files = NULL; *nfiles = 0;
  const char *star = strchr(path, '*');
  if (!star) {
    int k = kind_of(data_dir, path, err, errlen);
    if (k == 'x') return -1;
    if (!k) {
      int c = casefold_path(a, data_dir, path, &path, err, errlen);
      if (c < 0) return -1;
      if (c > 0) k = kind_of(data_dir, path, err, errlen);
      if (k == 'x') return -1;
    }
    if (!k) {
      snprintf(err, errlen, "%s: no such %s in the data folder", path,
               pages ? "file or folder" : "file");
      return -1;
    }
    if (add_entry(a, data_dir, hm_arena_strdup(a, path), k, pages, NULL, &o, err, errlen) < 0)
      return -1;
  } else {
    if (strchr(star + 1, '*')) {
      snprintf(err, errlen, "%s: more than one '*' in a source path", path);
      return -1;
    }
    const char *seg = star;                 /* the segment holding the star: [seg, segend) */
    while (seg > path && seg[-1] != '/') seg--;
    const char *segend = strchr(star, '/');
    if (!segend) segend = star + strlen(star);
    const char *dir = seg > path ? hm_arena_strndup(a, path, (size_t)(seg - path - 1)) : "";
    const char *rest = segend;              /* "" or "/more/path" */
    const char *pre = seg, *suf = star + 1;
    size_t npre = (size_t)(star - seg), nsuf = (size_t)(segend - suf);
    size_t n = 0;
    int errnum = 0;
    char why[600];
    const char **names = list_dir(a, data_dir, dir, pre, npre, hm_arena_strndup(a, suf, nsuf), nsuf,
                                  &n, &errnum, why, sizeof why);
    if (!names) {
      const char *d = *dir ? dir : ".";
      if (errnum == EXDEV)
        snprintf(err, errlen, "%s (source path %s)", why, path);
      else if (errnum == ENOENT || errnum == ENOTDIR)
        snprintf(err, errlen, "%s: no such folder in the data folder (source path %s)", d, path);
      else
        snprintf(err, errlen, "%s: cannot read folder (source path %s): %s", d, path,
                 strerror(errnum));
      return -1;
    }
    for (size_t i = 0; i < n; i++) {
      size_t len = strlen(names[i]);
      const char *key = hm_arena_strndup(a, names[i] + npre, len - npre - nsuf);
      const char *rel = hm_arena_printf(a, "%s%s%s%s", dir, *dir ? "/" : "", names[i], rest);
      int k = kind_of(data_dir, rel, err, errlen);
      if (k == 'x') return -1;
      if (!k) continue;                     /* this parent simply has none */
      if (*rest == 0 && k == 'd' && !pages) continue;   /* a sibling folder, not one of ours */
      if (add_entry(a, data_dir, rel, k, pages, key, &o, err, errlen) < 0) return -1;
    }
  }
  *files = o.v;
  *nfiles = o.n;
  return 0;
}
