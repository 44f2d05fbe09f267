/* SPDX-License-Identifier: MIT */
/*
 * patchctx.h - the context of a code patch that decides how bad it is:
 * a thread about to run it (its instruction pointer inside it, or a
 * return address into it saved on its stack), and what it does (system
 * calls, a full register save: a loader stub, not a hook).
 */
#ifndef ANA_PATCHCTX_H
#define ANA_PATCHCTX_H

#include <capstone/capstone.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct snap;

/* Words of every thread's stack top, sorted: candidate return addresses. */
struct stack_words {
	uint64_t *v;
	size_t n;
};

/* Read each thread's stack top; 0, or -1 when out of memory. */
int stack_words_load(struct snap *s, struct stack_words *w);
void stack_words_free(struct stack_words *w);
bool stack_words_any(const struct stack_words *w, uint64_t lo, uint64_t hi);

/* The thread whose instruction pointer is in [lo, hi), or NULL. */
const struct snap_thread *thread_at(const struct snap *s, uint64_t lo,
				    uint64_t hi);

struct code_traits {
	unsigned syscalls;           /* syscall, sysenter, int 0x80 */
	unsigned pushes;             /* pushes of general registers */
	bool pushf;
};

/*
 * Decode code[0..n) at addr from its first byte (an instruction start),
 * counting only instructions whose bytes differ from file[0..n).
 */
void code_traits(csh cs, const uint8_t *code, const uint8_t *file,
		 size_t n, uint64_t addr, struct code_traits *t);

#endif
