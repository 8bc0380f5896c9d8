/* hbc_patch: writes a CRC-valid .hbc with one corrupt count, for bad_hbc.sh.
 *   hbc_patch IN OUT slots   the first rule's slot count set to 0x0ff00000
 *                            (the program re-written by hm_bc_write)
 *   hbc_patch IN OUT consts  the constant table's count (bytes 12..15) set to
 *                            0x0ff00000, the CRC recomputed
 *   hbc_patch IN OUT agentor the first rule's first instruction replaced by an
 *                            AGENTOR naming one annotation past the table
 * Either way only the loader's bounds can refuse the file. Exit 2 on misuse. */
#include <stdio.h>
#include <string.h>
#include "hm_bytecode.h"

static int write_all(const char *path, const void *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) { perror(path); return 2; }
  return 0;
}

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

int main(int argc, char **argv) {
  if (argc != 4) { fputs("usage: hbc_patch IN OUT slots|consts|agentor\n", stderr); return 2; }
  hm_buf in; hm_buf_init(&in);
  if (hm_buf_read_path(&in, argv[1]) || in.len < 20) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  int rc = 2;
  if (!strcmp(argv[3], "consts")) {
    unsigned char *d = (unsigned char *)in.data;
    put_u32(d + 12, 0x0ff00000u);
    put_u32(d + in.len - 4, hm_crc32(d, in.len - 4));
    rc = write_all(argv[2], d, in.len);
  } else if (!strcmp(argv[3], "slots") || !strcmp(argv[3], "agentor")) {
    char err[256];
    hm_program *p = hm_bc_load(in.data, in.len, err, sizeof err);
    if (!p || !p->nrules || !p->rules[0].body.ncode) {
      fprintf(stderr, "%s: %s\n", argv[1], p ? "no rule code" : err);
      return 2;
    }
    if (argv[3][0] == 's') p->rules[0].body.nslots = 0x0ff00000u;
    else p->rules[0].body.code[0] = HM_INS(HOP_AGENTOR, p->nannots);
    hm_buf out; hm_buf_init(&out);
    hm_bc_write(p, &out);
    rc = write_all(argv[2], out.data, out.len);
    hm_buf_free(&out);
    hm_bc_free(p);
  }
  hm_buf_free(&in);
  return rc;
}
