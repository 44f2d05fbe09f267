/* SPDX-License-Identifier: MIT */
/*
 * disasm.h - x86-64 disassembly (capstone) of code around a change, to show
 * a patched instruction before and after.
 */
#ifndef ANA_DISASM_H
#define ANA_DISASM_H

#include <stddef.h>
#include <stdint.h>

/* One decoded instruction: "mov rax, qword ptr [rip + 0x10]". */
typedef int (*dis_fn)(void *arg, uint64_t addr, const uint8_t *bytes,
		      size_t len, const char *text);

/*
 * Decode code[0..len) (loaded at addr) from its first byte and report the
 * instructions that overlap [lo, hi) plus `context` before and after.
 * Bytes that do not decode are reported as "(bad)" one at a time, so the
 * listing resynchronises.  Returns 0, -1 if capstone failed to start, or
 * what fn returned.
 */
int dis_around(const uint8_t *code, size_t len, uint64_t addr, uint64_t lo,
	       uint64_t hi, unsigned context, dis_fn fn, void *arg);

#endif
