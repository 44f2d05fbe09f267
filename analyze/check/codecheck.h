/* SPDX-License-Identifier: MIT */
/*
 * codecheck.h - executable segments of each module compared byte for byte
 * with the reference file; changed bytes grouped into patches, classified
 * and named; written (copy-on-write) pages of private executable file
 * mappings reported even when their bytes match again.
 */
#ifndef ANA_CODECHECK_H
#define ANA_CODECHECK_H

#include <stddef.h>
#include <stdint.h>

#include "findings.h"

enum patch_kind {
	PATCH_UNKNOWN,
	PATCH_JMP_REL32,
	PATCH_CALL_REL32,
	PATCH_JMP_REL8,
	PATCH_JMP_INDIRECT,       /* jmp [rip+disp32] */
	PATCH_MOVABS_JMP,         /* mov r64, imm64; jmp/call r64 */
	PATCH_PUSH_RET,           /* push imm32; ret */
	PATCH_INT3,
};

struct patch_class {
	enum patch_kind kind;
	uint64_t insn_addr;        /* where the decoded instruction starts */
	size_t insn_len;           /* bytes of the hook sequence */
	bool has_target;
	uint64_t target;
	bool target_via_memory;    /* jmp [mem]: target read from the slot */
	uint64_t slot;             /* that slot's address */
};

const char *patch_kind_name(enum patch_kind k);

/*
 * Decode the hook sequence at the start of mem (n bytes, at address addr).
 * Returns true when it is one of the known shapes.  For jmp [rip+x] the
 * caller fills the target from the slot.
 */
bool patch_classify(const uint8_t *mem, size_t n, uint64_t addr,
		    struct patch_class *pc);

/* Run the code comparison over every module bound to a reference. */
int code_check(struct check_ctx *c);

#endif
