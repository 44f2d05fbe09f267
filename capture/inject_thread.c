// SPDX-License-Identifier: MIT
/*
 * inject_thread.c - which frozen thread may lend itself to an injected
 * system call and be given back exactly as it was.
 *
 * A thread stopped by PTRACE_INTERRUPT (or in a group stop) sits in the
 * kernel's get_signal(); after the injection it is brought back there, so
 * the kernel's own restart logic still runs on its restored registers.
 * Three states cannot be given back through ptrace and are avoided:
 *  - a signal-delivery-stop: the dequeued signal's siginfo would be lost;
 *  - a system call that swapped in a temporary signal mask (sigsuspend,
 *    ppoll, pselect6, epoll_pwait, ...): the kernel restores the saved
 *    mask on the way out to user mode, and that saved mask and its flag
 *    are not visible to ptrace;
 *  - an rseq critical section: returning to user mode elsewhere would
 *    let the kernel clear rseq_cs without aborting the section.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inject.h"
#include "target_int.h"

#ifdef __x86_64__

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

#define USER_CS_64 0x33

struct rseq_conf {              /* struct ptrace_rseq_configuration */
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

struct rseq_cs_desc {           /* struct rseq_cs */
	uint32_t version, flags;
	uint64_t start_ip, post_commit_offset, abort_ip;
};

static bool temp_mask_syscall(long nr)
{
	switch (nr) {
	case SYS_rt_sigsuspend:
	case SYS_ppoll:
	case SYS_pselect6:
	case SYS_epoll_pwait:
	case SYS_epoll_pwait2:
	case SYS_io_pgetevents:
	case SYS_io_uring_enter:
		return true;
	default:
		return false;
	}
}

/* In one of those calls and not finished: it may hold a saved mask. */
static bool holds_temp_mask(const struct user_regs_struct *r)
{
	const long ax = (long)r->rax;

	return (long)r->orig_rax >= 0 && temp_mask_syscall((long)r->orig_rax) &&
	       ax < 0 && ax > -4096;
}

/* Is rip inside the rseq critical section the thread has armed? */
static bool in_rseq_cs(const struct target *t, const struct thread_state *th)
{
	struct rseq_conf conf;
	struct rseq_cs_desc cs;
	uint64_t cs_ptr;
	bool inside = true;     /* when in doubt, do not use the thread */
	int memfd;

	memset(&conf, 0, sizeof(conf));
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, th->tid,
		   (void *)sizeof(conf), &conf) <= 0 || !conf.rseq_abi_pointer)
		return false;   /* no rseq registered, or a kernel < 5.13 */
	memfd = openat(t->procfd, "mem", O_RDONLY | O_CLOEXEC);
	if (memfd < 0)
		return true;
	if (pread(memfd, &cs_ptr, sizeof(cs_ptr),
		  (off_t)(conf.rseq_abi_pointer + 8)) != sizeof(cs_ptr))
		goto out;
	if (!cs_ptr) {
		inside = false;
		goto out;
	}
	if (pread(memfd, &cs, sizeof(cs), (off_t)cs_ptr) != sizeof(cs))
		goto out;
	inside = th->regs.rip - cs.start_ip < cs.post_commit_offset;
out:
	close(memfd);
	return inside;
}

static const char *unfit_reason(const struct target *t,
				const struct thread_state *th)
{
	if (!th->frozen || !th->regs_ok || !th->sigmask_ok)
		return "not stopped with readable registers";
	if (th->regs.cs != USER_CS_64)
		return "not in 64-bit mode";
	if (th->resume_sig)
		return "held in a signal-delivery-stop";
	if (holds_temp_mask(&th->regs))
		return "in a system call with a temporary signal mask";
	if (in_rseq_cs(t, th))
		return "inside an rseq critical section";
	return NULL;
}

int inject_pick_thread(const struct target *t, struct cap_error *err)
{
	const char *why = "no threads";
	int best = -1;
	size_t i;

	for (i = 0; i < t->nthreads; i++) {
		const struct thread_state *th = &t->threads[i];
		const char *unfit = unfit_reason(t, th);

		if (unfit) {
			why = unfit;
			continue;
		}
		/* Prefer a thread outside any system call: nothing to restart. */
		if ((long)th->regs.orig_rax < 0)
			return (int)i;
		if (best < 0)
			best = (int)i;
	}
	if (best < 0)
		tgt_set_err(err, "no thread of pid %d can run an injected "
			    "system call and be restored exactly (last one: "
			    "%s); use the default mode", (int)t->pid, why);
	return best;
}

#else /* !__x86_64__ */

int inject_pick_thread(const struct target *t, struct cap_error *err)
{
	tgt_set_err(err, "--cow is implemented for x86-64 only (pid %d); use "
		    "the default mode", (int)t->pid);
	return -1;
}

#endif
