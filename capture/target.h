/* SPDX-License-Identifier: MIT */
/*
 * target.h - the process being captured: pinning its identity, freezing
 * and thawing its threads, and the facts about it that go in the manifest.
 *
 * Invariant: after target_freeze() succeeds, every path out of the program
 * must reach target_thaw() (directly, or through target_emergency_thaw()
 * from a signal handler).  PTRACE_SEIZE queues no SIGSTOP, so even a
 * SIGKILLed memsnap leaves the target running.
 */
#ifndef CAPTURE_TARGET_H
#define CAPTURE_TARGET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "yaml_out.h"

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

/* Human messages for the CLI go in err (lowercase, no final period). */
struct cap_error {
	char msg[512];
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

/*
 * Freeze: PTRACE_SEIZE + PTRACE_INTERRUPT every thread, rescanning
 * /proc/PID/task until no new thread appears; then read every thread's
 * registers (general, FP, xstate, sigmask).  On failure everything already
 * seized is released before returning -1.
 */
int target_freeze(struct target *t, struct cap_error *err);

/* Detach every seized thread (they continue as before).  Idempotent. */
void target_thaw(struct target *t);

/*
 * Async-signal-safe thaw for signal handlers and atexit: PTRACE_DETACH on
 * every tid recorded so far.  Registered by target_freeze().
 */
void target_emergency_thaw(void);

/*
 * A series' watch (trigger_trace.c) holds thread tid in a ptrace stop: the
 * next freeze adopts it as frozen instead of seizing it, and the thaw
 * detaches it with sig (a signal caught in delivery, or 0).  target_held()
 * is tid until the freeze adopted it, then 0.
 */
void target_hold(pid_t tid, int sig);
pid_t target_held(void);

/* Read the thread list without freezing (live mode); registers stay unset. */
int target_list_threads(struct target *t, struct cap_error *err);

/*
 * Manifest sections.  Each emits one key with its value into a mapping
 * that the caller has open: "host:", "process:", "threads:".
 * Facts that cannot be read are omitted and appended to errors via
 * errors_add().
 */
struct cap_errors;
void emit_host(struct yout *y);
void emit_process(struct yout *y, const struct target *t, struct cap_errors *e);
void emit_threads(struct yout *y, const struct target *t);

/* Collected non-fatal problems, emitted as the manifest's "errors:". */
struct cap_errors {
	struct cap_error_item {
		char what[16];
		char message[256];
		int region;         /* -1 if none */
		uint64_t start, end;
		int err_no;         /* 0 if none */
		pid_t tid;          /* 0 if none */
	} *items;
	size_t n, cap;
};
void errors_add(struct cap_errors *e, const char *what, int region,
		uint64_t start, uint64_t end, int err_no, pid_t tid,
		const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void errors_emit(struct yout *y, const struct cap_errors *e);
void errors_free(struct cap_errors *e);

#endif
