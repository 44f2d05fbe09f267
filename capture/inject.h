/* SPDX-License-Identifier: MIT */
/*
 * inject.h - run one system call in a thread of a frozen target, through a
 * `syscall` instruction the target already has (vDSO, else its C library's
 * text): nothing is written into its memory, and the thread's registers
 * and signal mask are put back exactly, so it resumes as if nothing ran.
 *
 * x86-64 only.  The target must be frozen by target_freeze().
 */
#ifndef CAPTURE_INJECT_H
#define CAPTURE_INJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "target.h"

/* Where the borrowed `syscall` (0f 05) instruction is. */
struct inject_site {
	uint64_t addr;          /* of the 0f byte */
	bool then_ret;          /* followed by ret/pop: a loose child faults */
	char where[64];         /* "vdso", or the mapping's path tail */
};

/*
 * Find a `syscall` instruction in the target's executable memory without
 * writing anything: the vDSO's executable section (its ELF read through
 * /proc/PID/mem), else executable file mappings, C library first, pages
 * that pagemap says are present only (reading others would fault them
 * in).  Returns 0, or -1 with err saying none was found.
 */
int inject_find_site(const struct target *t, struct inject_site *site,
		     struct cap_error *err);

/*
 * Choose the thread to inject into, index into t->threads, or -1 with err
 * filled.  Eligible: stopped in a ptrace trap inside the kernel's signal
 * path (not a signal-delivery-stop, whose signal and siginfo could not be
 * handed back), not inside a system call that holds a temporary signal
 * mask (sigsuspend, ppoll, pselect6, epoll_pwait*: the mask the kernel
 * would restore afterwards is not reachable through ptrace), not inside a
 * restartable-sequence critical section.
 */
int inject_pick_thread(const struct target *t, struct cap_error *err);

/*
 * Called when the injected system call reports a ptrace event (clone,
 * fork) in its thread; msg is PTRACE_GETEVENTMSG (the new pid).  Return 0
 * to go on, -1 to fail the call (the syscall still completes).
 */
typedef int (*inject_event_fn)(void *arg, int event, unsigned long msg);

struct inject_call {
	long nr;                        /* system call number */
	unsigned long args[6];
	unsigned long ptrace_opts;      /* PTRACE_O_* for the call's length */
	inject_event_fn on_event;       /* may be NULL */
	void *event_arg;
	long result;                    /* out: rax at the syscall exit */
};

/*
 * Run one system call in thread index ti of the frozen target t, at site.
 *
 * The thread's general registers (orig_rax, fs/gs base included) and its
 * signal mask are saved, all signals are blocked in it for the call (a
 * signal that comes meanwhile stays pending, with its siginfo, and is
 * delivered after the thaw), the call runs from syscall-entry to
 * syscall-exit under PTRACE_SYSCALL, then the thread is brought back into
 * a ptrace trap in the kernel's signal path (where target_freeze left it)
 * and everything saved is written back and checked.  A system call that
 * the thread was in (-ERESTARTSYS and friends) is therefore restarted by
 * the kernel on thaw exactly as it would have been.
 *
 * Our own catchable signals are blocked meanwhile, so that a SIGINT
 * handler never detaches while the thread holds borrowed registers.
 *
 * Returns 0 with call->result set (it may be a negative errno of the
 * syscall), or -1 with err filled: the thread could not be brought back
 * (ESRCH: the target died), or its registers differ after the restore.
 */
int inject_syscall(struct target *t, size_t ti, const struct inject_site *site,
		   struct inject_call *call, struct cap_error *err);

#endif
