/* SPDX-License-Identifier: MIT */
/*
 * target.h - the process being captured: opening and pinning its identity.
 * Freezing and thawing are in freeze.h, its manifest sections in
 * target_facts.h, non-fatal errors in cap_errors.h.
 */
#ifndef CAPTURE_TARGET_H
#define CAPTURE_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "cap_errors.h"

struct thread_state {
	pid_t tid;
	char name[64];          /* comm, raw bytes, NUL-terminated */
	char state;             /* stat state letter before the freeze */
	bool frozen;            /* seized and in a ptrace stop */
	bool regs_ok;
	struct user_regs_struct regs;   /* NT_PRSTATUS */
	bool fpregs_ok;
	struct user_fpregs_struct fpregs; /* NT_PRFPREG */
	uint8_t *xstate;        /* NT_X86_XSTATE, malloc'd, or NULL */
	size_t xstate_len;
	uint64_t sigmask;
	bool sigmask_ok;
	/* Added by the target half (freeze.c): */
	bool seized;            /* ptrace-attached, maybe not stopped yet */
	int resume_sig;         /* held in a signal-delivery-stop: re-sent at detach */
	bool siginfo_ok;        /* PTRACE_GETSIGINFO of the stop */
	int si_signo, si_code, si_errno;
};

struct target {
	pid_t pid;
	int pidfd;              /* pidfd_open(), -1 if the kernel has none */
	int procfd;             /* O_PATH|O_DIRECTORY fd of /proc/PID */
	/*
	 * Where the memory is seen: /proc/PID and PID, or, when the leader
	 * called pthread_exit (a zombie whose threads run on), a live
	 * thread's /proc/PID/task/TID and TID: the leader's maps, pagemap
	 * and mem are gone with its mm, and process_vm_readv wants a task
	 * that still has one.
	 */
	int mmfd;
	pid_t mm_pid;
	uint64_t start_time;    /* stat field 22, pins identity */
	char comm[64];
	pid_t tracer_pid;       /* TracerPid before we attached */
	bool frozen;
	bool exited;            /* the target died during the capture */
	struct thread_state *threads;
	size_t nthreads;
};

/*
 * Open and pin the target: /proc/PID dirfd, pidfd, start time.  Refuses,
 * with a message that says what is in the way: no such process, a kernel
 * thread, ourselves or our parent, a process already traced (names the
 * tracer pid and comm), permission (names CAP_SYS_PTRACE / Yama ptrace_scope
 * and its value).  Returns 0 or -1.
 */
int target_open(struct target *t, pid_t pid, struct cap_error *err);

/*
 * The same, with flags.  TARGET_ALLOW_TRACED accepts a process that
 * another tracer holds (for --no-freeze, which reads without attaching);
 * tracer_pid then names that tracer.
 */
#define TARGET_ALLOW_TRACED 1u
/* we trace it already: a series holding a thread at a signal or its exit */
#define TARGET_TRACED_BY_US 2u
int target_open_flags(struct target *t, pid_t pid, unsigned flags,
		      struct cap_error *err);
void target_close(struct target *t);
/*
 * Why this user may not read the process: the pid, its owner and what
 * would allow it (CAP_SYS_PTRACE, Yama's ptrace_scope, PR_SET_PTRACER).
 */
void target_explain_eperm(const struct target *t, struct cap_error *err);

/* Still the same process (start time unchanged) and alive? */
bool target_same(const struct target *t);
#endif
