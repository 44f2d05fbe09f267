// SPDX-License-Identifier: MIT
/*
 * threads_emit.c - the manifest's "threads:" section: one map per thread
 * with the registers read while it was frozen.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"
#include "target_facts.h"
#include "target_int.h"

#define REG(name) { #name, offsetof(struct user_regs_struct, name) }

/* Every field of x86_64 struct user_regs_struct, in its order. */
static const struct {
	const char *name;
	size_t offset;
} reg_fields[] = {
	REG(r15), REG(r14), REG(r13), REG(r12), REG(rbp), REG(rbx),
	REG(r11), REG(r10), REG(r9), REG(r8), REG(rax), REG(rcx),
	REG(rdx), REG(rsi), REG(rdi), REG(orig_rax), REG(rip), REG(cs),
	REG(eflags), REG(rsp), REG(ss), REG(fs_base), REG(gs_base),
	REG(ds), REG(es), REG(fs), REG(gs),
};

_Static_assert(sizeof(reg_fields) / sizeof(reg_fields[0]) *
	       sizeof(unsigned long long) == sizeof(struct user_regs_struct),
	       "every register of user_regs_struct is named");

static void emit_regs(struct yout *y, const struct user_regs_struct *regs)
{
	unsigned long long v;
	size_t i;

	yout_key(y, "regs");
	yout_map_begin(y);
	for (i = 0; i < sizeof(reg_fields) / sizeof(reg_fields[0]); i++) {
		memcpy(&v, (const char *)regs + reg_fields[i].offset,
		       sizeof(v));
		yout_kv_hex(y, reg_fields[i].name, v);
	}
	yout_map_end(y);
}

static void emit_sigpending(struct yout *y, const struct target *t,
			    pid_t tid)
{
	char path[48], *status;
	uint64_t pending;
	size_t len;

	snprintf(path, sizeof(path), "task/%d/status", (int)tid);
	if (tgt_read_at(t->procfd, path, &status, &len))
		return;
	if (!tgt_status_u64(status, "SigPnd:", 16, &pending))
		yout_kv_hex(y, "sigpending", pending);
	free(status);
}

static void emit_one(struct yout *y, const struct target *t,
		     const struct thread_state *th)
{
	const char state[2] = { th->state ? th->state : '?', '\0' };

	yout_map_begin(y);
	yout_kv_i64(y, "tid", th->tid);
	yout_kv_bytes(y, "name", th->name, strnlen(th->name, sizeof(th->name)));
	yout_kv_str(y, "state", state);
	if (th->regs_ok) {
		emit_regs(y, &th->regs);
		yout_key(y, "prstatus");
		yout_binary(y, &th->regs, sizeof(th->regs));
	}
	if (th->fpregs_ok) {
		yout_key(y, "fpregs");
		yout_binary(y, &th->fpregs, sizeof(th->fpregs));
	}
	if (th->xstate && th->xstate_len) {
		yout_key(y, "xstate");
		yout_binary(y, th->xstate, th->xstate_len);
	}
	if (th->sigmask_ok)
		yout_kv_hex(y, "sigmask", th->sigmask);
	emit_sigpending(y, t, th->tid);
	if (th->siginfo_ok) {
		yout_key(y, "siginfo");
		yout_map_begin(y);
		yout_kv_i64(y, "signo", th->si_signo);
		yout_kv_i64(y, "code", th->si_code);
		yout_kv_i64(y, "errno", th->si_errno);
		yout_map_end(y);
	}
	yout_map_end(y);
}

void emit_threads(struct yout *y, const struct target *t)
{
	size_t i;

	yout_key(y, "threads");
	yout_seq_begin(y);
	for (i = 0; i < t->nthreads; i++)
		emit_one(y, t, &t->threads[i]);
	yout_seq_end(y);
}
