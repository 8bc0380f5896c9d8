/* fuzz_hmapc: libFuzzer harness for the compiler front to back — any bytes as a
 * .hmap map are lexed, parsed, checked and, when clean, compiled, written and
 * loaded back through the verifier; and formatted (`hmapc fmt`) twice, which must
 * give the same text. Nothing may crash, leak or trip UBSan. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hm_compile.h"
#include "hm_fmt.h"

/* hm_fmt's promise: formatting a formatted map changes nothing. */
static void fmt_twice(const uint8_t *data, size_t size) {
  hm_buf once, twice;
  hm_buf_init(&once); hm_buf_init(&twice);
  hm_fmt((const char *)data, size, &once);
  hm_fmt(once.data ? once.data : "", once.len, &twice);
  if (once.len != twice.len || (once.len && memcmp(once.data, twice.data, once.len))) abort();
  hm_buf_free(&once); hm_buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fmt_twice(data, size);
  hm_compiler c;
  hm_compiler_init(&c, NULL);
  char *text = hm_arena_strndup(&c.arena, (const char *)data, size);
  int unit = hm_compiler_parse_text(&c, "fuzz.hmap", text, size);
  if (unit >= 0 && !c.diags.errors) {
    hm_check(&c, unit);
    if (!c.diags.errors && !c.units[unit].module) {
      hm_program p;
      hm_codegen(&c, unit, &p);
      hm_buf b; hm_buf_init(&b);
      hm_bc_write(&p, &b);
      char err[256];
      hm_program *q = hm_bc_load(b.data, b.len, err, sizeof err);
      if (!q) abort();   /* the compiler's own output must always verify */
      hm_buf d; hm_buf_init(&d);
      hm_bc_disasm(q, &d);
      hm_buf_free(&d);
      hm_bc_free(q);
      hm_buf_free(&b);
    }
  }
  hm_buf j; hm_buf_init(&j);
  hm_diags_json(&c.diags, &j);
  hm_buf_free(&j);
  hm_compiler_free(&c);
  return 0;
}
