/* hmapc: the compiler's command line — check (diagnostics for editors and
 * people), build (bytecode), disasm, schema (JSON of a schema module for the
 * sandbox) and builtins (the function table). Exit 0 clean, 1 errors, 2 usage
 * or unreadable input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hm_builtins.h"
#include "hm_compile.h"
#include "hm_fmt.h"
#include "hm_lsp.h"
#include "hm_propose.h"
#include "hm_version.h"

static const char *usage_text =
  "usage: hmapc check [--json] [--stdlib DIR] [--stdin-name NAME] FILE.hmap... (- reads stdin)\n"
  "       hmapc build [--stdlib DIR] FILE.hmap -o FILE.hbc\n"
  "       hmapc disasm FILE.hbc\n"
  "       hmapc schema [--stdlib DIR] MODULE.hmap|NAME\n"
  "       hmapc builtins\n"
  "       hmapc fmt [--check] FILE.hmap...\n"
  "       hmapc explain CODE\n"
  "       hmapc lsp [--stdlib DIR]\n"
  "       hmapc propose EXPORT_DIR [--from itop|smartertrack|atera|auto] -o MAP.hmap\n"
  "       hmapc values EXPORT_DIR FILE COLUMN\n"
  "       hmapc --version\n"
  "\n"
  "check   report every error and warning of each map (file:line:col: error: text [E0NN]);\n"
  "        --json prints one JSON array of {file, line, col, end_col, severity, code, message};\n"
  "        `-` reads the map from stdin (an editor's unsaved buffer), named NAME in diagnostics\n"
  "build   check, then compile to bytecode for hmaprun\n"
  "disasm  print every table and instruction of a bytecode file\n"
  "schema  print a schema module (e.g. gorgias) as JSON\n"
  "builtins list the builtin functions\n"
  "fmt     rewrite each map in the one layout (indentation, blank lines, trailing blanks);\n"
  "        --check changes nothing and exits 1 naming each map that is not formatted\n"
  "explain print what a diagnostic code means, with an example and the fix (E0102, W0402)\n"
  "lsp     a Language Server on stdin/stdout (diagnostics, completion, hover, definition,\n"
  "        symbols, formatting) for any editor: docs/editors.md\n"
  "propose draft a map from an export: its sources with inferred types, rules into Gorgias,\n"
  "        `# confirm:` comments with the evidence, unmapped columns as `ignore`\n"
  "values  a column's distinct values with their counts, most frequent first\n"
  "\n"
  "Diagnostics are coloured on a terminal unless NO_COLOR is set (non-empty).\n"
  "Schema modules (`use gorgias`) come from the ones built into hmapc, or from\n"
  "--stdlib DIR / $HMAP_STDLIB when given. Exit status: 0 clean, 1 errors, 2 usage\n"
  "or unreadable input.\n";

/* Colour only on a terminal, and never when NO_COLOR is set to anything
   non-empty (no-color.org). */
static int color_ok(void) {
  const char *no = getenv("NO_COLOR");
  return isatty(2) && !(no && *no);
}

static int usage(const char *msg) {
  if (msg) fprintf(stderr, "hmapc: %s\n", msg);
  fputs(usage_text, stderr);
  return 2;
}

/* Parse, load used modules, check. Returns 0 clean, 1 errors, 2 unreadable. */
static int compile(hm_compiler *c, const char *path, int *unit) {
  *unit = hm_compiler_load_file(c, path);
  if (*unit < 0) return 2;
  if (c->diags.errors) return 1;
  hm_check(c, *unit);
  return c->diags.errors ? 1 : 0;
}

/* An editor lints the buffer it has, not the file on disk. */
static int compile_stdin(hm_compiler *c, const char *name, int *unit) {
  hm_buf b; hm_buf_init(&b);
  hm_buf_read(&b, stdin);
  char *text = hm_arena_strndup(&c->arena, b.data ? b.data : "", b.len);
  *unit = hm_compiler_parse_text(c, name, text, b.len);
  hm_buf_free(&b);
  if (*unit < 0) return 2;
  if (c->diags.errors) return 1;
  hm_check(c, *unit);
  return c->diags.errors ? 1 : 0;
}

/* The last line after a map's diagnostics: how many of each (none when it is clean). */
static void print_counts(const hm_diags *d, const char *path) {
  if (!d->errors && !d->warnings) return;
  fprintf(stderr, "%s: %u error%s, %u warning%s\n", path, d->errors, d->errors == 1 ? "" : "s",
          d->warnings, d->warnings == 1 ? "" : "s");
}

static const char *stdlib_dir(const char *opt) {
  if (opt) return opt;
  const char *env = getenv("HMAP_STDLIB");
  return env && *env ? env : NULL;
}

static int cmd_check(int argc, char **argv) {
  int json = 0;
  const char *lib = NULL, *stdin_name = "<stdin>";
  int nfiles = 0, worst = 0;
  hm_buf out; hm_buf_init(&out);
  int first_json = 1;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) { json = 1; continue; }
    if (!strcmp(argv[i], "--stdlib")) {
      if (++i == argc) return usage("--stdlib needs a directory");
      lib = argv[i];
      continue;
    }
    if (!strcmp(argv[i], "--stdin-name")) {
      if (++i == argc) return usage("--stdin-name needs a name");
      stdin_name = argv[i];
      continue;
    }
    if (argv[i][0] == '-' && argv[i][1]) { hm_buf_free(&out); return usage("unknown option"); }
  }
  if (json) hm_buf_putc(&out, '[');
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) continue;
    if (!strcmp(argv[i], "--stdlib") || !strcmp(argv[i], "--stdin-name")) { i++; continue; }
    nfiles++;
    hm_compiler c;
    hm_compiler_init(&c, stdlib_dir(lib));
    int unit, rc = strcmp(argv[i], "-") ? compile(&c, argv[i], &unit)
                                        : compile_stdin(&c, stdin_name, &unit);
    if (rc > worst) worst = rc;
    if (json) {
      hm_buf one; hm_buf_init(&one);
      hm_diags_json(&c.diags, &one);
      /* splice this file's array into the one array printed at the end */
      const char *s = one.data + 1;
      size_t n = one.len - 1;
      while (n && (s[n - 1] == '\n' || s[n - 1] == ']')) n--;
      if (n) { if (!first_json) hm_buf_putc(&out, ','); hm_buf_put(&out, s, n); first_json = 0; }
      hm_buf_free(&one);
    } else {
      hm_diags_print(&c.diags, stderr, color_ok());
      print_counts(&c.diags, strcmp(argv[i], "-") ? argv[i] : stdin_name);
    }
    hm_compiler_free(&c);
  }
  if (!nfiles) { hm_buf_free(&out); return usage("check needs at least one file"); }
  if (json) {
    hm_buf_puts(&out, first_json ? "]\n" : "\n]\n");
    fwrite(out.data, 1, out.len, stdout);
  }
  hm_buf_free(&out);
  return worst;
}

static int write_file(const char *path, const void *data, size_t len) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  if (!f) { fprintf(stderr, "hmapc: cannot write %s: %s\n", path, strerror(errno)); return 2; }
  int ok = fwrite(data, 1, len, f) == len;
  ok &= fclose(f) == 0;
  if (!ok || rename(tmp, path) != 0) {
    fprintf(stderr, "hmapc: cannot write %s: %s\n", path, strerror(errno));
    remove(tmp);
    return 2;
  }
  return 0;
}

static int cmd_build(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *lib = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-o")) { if (++i == argc) return usage("-o needs a file"); out = argv[i];
    } else if (!strcmp(argv[i], "--stdlib")) {
      if (++i == argc) return usage("--stdlib needs a directory");
      lib = argv[i];
    } else if (argv[i][0] == '-' && argv[i][1])
      return usage("unknown option");
    else if (in) return usage("build takes one map");
    else in = argv[i];
  }
  if (!in || !out) return usage("build needs FILE.hmap -o FILE.hbc");
  hm_compiler c;
  hm_compiler_init(&c, stdlib_dir(lib));
  int unit, rc = compile(&c, in, &unit);
  hm_diags_print(&c.diags, stderr, color_ok());
  print_counts(&c.diags, in);
  if (rc == 0) {
    hm_program p;
    hm_codegen(&c, unit, &p);
    hm_buf b; hm_buf_init(&b);
    hm_bc_write(&p, &b);
    rc = write_file(out, b.data, b.len);
    hm_buf_free(&b);
  }
  hm_compiler_free(&c);
  return rc;
}

static int cmd_disasm(int argc, char **argv) {
  if (argc != 1) return usage("disasm takes one bytecode file");
  char err[256];
  hm_program *p = hm_bc_load_file(argv[0], err, sizeof err);
  if (!p) { fprintf(stderr, "hmapc: %s: %s\n", argv[0], err); return 2; }
  hm_buf o; hm_buf_init(&o);
  hm_bc_disasm(p, &o);
  fwrite(o.data, 1, o.len, stdout);
  hm_buf_free(&o);
  hm_bc_free(p);
  return 0;
}

static int cmd_schema(int argc, char **argv) {
  const char *lib = NULL, *what = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--stdlib")) {
      if (++i == argc) return usage("--stdlib needs a directory");
      lib = argv[i];
    } else if (what)
      return usage("schema takes one module");
    else what = argv[i];
  }
  if (!what) return usage("schema needs a module file or name");
  hm_compiler c;
  hm_compiler_init(&c, stdlib_dir(lib));
  int unit = strchr(what, '/') || strstr(what, ".hmap") ? hm_compiler_load_file(&c, what)
                                                        : hm_compiler_module(&c, what);
  int rc = 0;
  if (unit < 0) { fprintf(stderr, "hmapc: no module %s\n", what); rc = 2; }
  else {
    hm_check(&c, unit);
    if (c.diags.errors) { hm_diags_print(&c.diags, stderr, 0); rc = 1;
    } else if (!c.units[unit].module) {
      fprintf(stderr, "hmapc: %s is not a schema module (no `module NAME`)\n", what);
      rc = 2;
    } else {
      hm_buf o; hm_buf_init(&o);
      hm_schema_json(&c, unit, &o);
      fwrite(o.data, 1, o.len, stdout);
      hm_buf_free(&o);
    }
  }
  hm_compiler_free(&c);
  return rc;
}

static int cmd_builtins(void) {
  for (int i = 0; i < hm_builtin_count; i++)
    printf("%-14s %s%s\n", hm_builtins[i].name, hm_builtins[i].doc ? hm_builtins[i].doc : "",
           hm_builtins[i].fallible ? "  [fallible]" : "");
  return 0;
}

static int cmd_fmt(int argc, char **argv) {
  int check = 0, files = 0, worst = 0;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--check")) { check = 1; continue; }
    if (argv[i][0] == '-') return usage("unknown option");
  }
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--check")) continue;
    files++;
    hm_buf in, out; hm_buf_init(&in); hm_buf_init(&out);
    int err = hm_buf_read_path(&in, argv[i]);
    if (err) {
      fprintf(stderr, "hmapc: cannot read %s: %s\n", argv[i], strerror(err));
      worst = 2;
    } else {
      hm_fmt(in.data ? in.data : "", in.len, &out);
      int same = out.len == in.len && (!in.len || !memcmp(out.data, in.data, in.len));
      if (check && !same) { printf("%s: not formatted (hmapc fmt %s)\n", argv[i], argv[i]);
        if (!worst) worst = 1;
      } else if (!check && !same && write_file(argv[i], out.data, out.len)) worst = 2;
    }
    hm_buf_free(&in); hm_buf_free(&out);
  }
  return files ? worst : usage("fmt needs at least one file");
}

extern const char hm_diagnostics_doc[];   /* docs/diagnostics.md, embedded at build time */

/* The `## CODE` section of docs/diagnostics.md, up to the next section. */
static int cmd_explain(int argc, char **argv) {
  if (argc != 1) return usage("explain takes one code, e.g. E0102");
  char head[32];
  snprintf(head, sizeof head, "\n## %s\n", argv[0]);
  for (char *h = head; *h; h++) *h = (char)(*h >= 'a' && *h <= 'z' ? *h - 32 : *h);
  const char *s = strstr(hm_diagnostics_doc, head);
  if (!s || strlen(argv[0]) > 8) {
    fprintf(stderr, "hmapc: no diagnostic code '%s' (the codes: docs/diagnostics.md)\n",
            argv[0]);
    return 2;
  }
  s++;
  const char *e = strstr(s + 1, "\n## ");
  fwrite(s, 1, e ? (size_t)(e - s) + 1 : strlen(s), stdout);
  return 0;
}

static int cmd_lsp(int argc, char **argv) {
  const char *lib = NULL;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--stdlib") && i + 1 < argc) lib = argv[++i];
    else if (strcmp(argv[i], "--stdio")) return usage("lsp takes --stdlib DIR (and --stdio)");
  }
  return hm_lsp_serve(stdin, stdout, stdlib_dir(lib));
}

static int cmd_propose(int argc, char **argv) {
  const char *dir = NULL, *out = NULL;
  int from = HM_SYS_AUTO;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-o")) {
      if (++i == argc) return usage("-o needs a file");
      out = argv[i];
    } else if (!strcmp(argv[i], "--from")) {
      if (++i == argc || (from = hm_propose_system_parse(argv[i])) < 0)
        return usage("--from takes itop, smartertrack, atera or auto");
    } else if (argv[i][0] == '-' && argv[i][1]) return usage("unknown option");
    else if (dir) return usage("propose takes one export folder");
    else dir = argv[i];
  }
  if (!dir || !out) return usage("propose needs EXPORT_DIR -o MAP.hmap");
  hm_buf b; hm_buf_init(&b);
  char err[512];
  int rc = hm_propose(dir, (hm_propose_system)from, &b, err, sizeof err);
  if (rc) fprintf(stderr, "hmapc: %s\n", err);
  else rc = !strcmp(out, "-") ? (fwrite(b.data, 1, b.len, stdout) == b.len ? 0 : 2)
                              : write_file(out, b.data, b.len);
  hm_buf_free(&b);
  return rc;
}

static int cmd_values(int argc, char **argv) {
  if (argc != 3) return usage("values takes EXPORT_DIR FILE COLUMN");
  char err[512];
  int rc = hm_values(argv[0], argv[1], argv[2], stdout, err, sizeof err);
  if (rc) fprintf(stderr, "hmapc: %s\n", err);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) return usage(NULL);
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
    printf("hmapc %s (git %s)\n", HM_VERSION, HM_GIT_REVISION);
    return 0;
  }
  if (!strcmp(cmd, "check")) return cmd_check(argc - 2, argv + 2);
  if (!strcmp(cmd, "build")) return cmd_build(argc - 2, argv + 2);
  if (!strcmp(cmd, "disasm")) return cmd_disasm(argc - 2, argv + 2);
  if (!strcmp(cmd, "schema")) return cmd_schema(argc - 2, argv + 2);
  if (!strcmp(cmd, "builtins")) return cmd_builtins();
  if (!strcmp(cmd, "fmt")) return cmd_fmt(argc - 2, argv + 2);
  if (!strcmp(cmd, "lsp")) return cmd_lsp(argc - 2, argv + 2);
  if (!strcmp(cmd, "explain")) return cmd_explain(argc - 2, argv + 2);
  if (!strcmp(cmd, "propose")) return cmd_propose(argc - 2, argv + 2);
  if (!strcmp(cmd, "values")) return cmd_values(argc - 2, argv + 2);
  fprintf(stderr, "hmapc: unknown command '%s'\n", cmd);
  return usage(NULL);
}
