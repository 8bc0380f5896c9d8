/* hm_bytecode: the opcode info table; writer, loader/verifier and disassembler
 * of the .hbc format defined in hm_bytecode.h. */
#include "hm_bytecode.h"

const hm_opinfo hm_opinfo_table[HOP__COUNT] = {
#define OP(name, operand, pops, pushes, doc) {#name, HOK_##operand, pops, pushes, doc},
#include "hm_opcodes.def"
#undef OP
};
