/* SPDX-License-Identifier: MIT */
/*
 * cow.h - `memsnap --cow`: make the frozen target fork once, by a system
 * call injected through one of its own `syscall` instructions, and read the
 * child, which never runs a user instruction, while the target goes on.
 *
 * Sequence for the pipeline (the target is frozen where it says so):
 *
 *   cow_preflight(t)                  before target_freeze: refusals
 *   target_freeze(t)
 *   cow_fork(t, &c)                   frozen: c.pid is the stopped child
 *   cow_must_copy(&regions, ...)      frozen: copy these from the target
 *   target_thaw(t)                    the target runs; read c.pid
 *   ... read /proc/c.pid/mem or process_vm_readv(c.pid) ...
 *   cow_kill(&c)                      running: no more page copies, and
 *                                     its mm is torn down outside the
 *                                     freeze (1 GiB: ~40 ms -> ~3 ms)
 *   target_freeze(t)                  a short second freeze, no copying
 *   cow_reap(t, &c)                   frozen: the zombie is reaped
 *   target_thaw(t)
 *
 * If memsnap dies at any point after cow_fork, the child dies with it
 * (PTRACE_O_EXITKILL) and stays a zombie of the target, without SIGCHLD,
 * until the target reaps it (only a wait with __WALL or __WCLONE sees it)
 * or exits (then init reaps it).  x86-64 targets and memsnap only.
 */
#ifndef CAPTURE_COW_H
#define CAPTURE_COW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "inject.h"
#include "maps.h"
#include "target.h"

struct cow_child {
	pid_t pid;              /* the stopped child, 0 when none */
	pid_t pid_in_target;    /* the same in the target's pid namespace */
	pid_t forked_by;        /* tid of the target thread that forked */
	struct inject_site site;
	unsigned long clone_flags;
	int64_t fork_ns;        /* the injected clone, entry to exit */
	int64_t forked_at;      /* CLOCK_REALTIME ns, for the manifest */
	int64_t reaped_at;      /* CLOCK_REALTIME ns of the reap, 0 before */
	pid_t reaped_by;        /* tid of the target thread that ran wait4 */
	bool killed;            /* SIGKILLed and its exit collected by us */
};

/*
 * Refuse, before anything is touched, a target that --cow cannot fork
 * safely: memsnap or the target not x86-64 (32-bit and x32 targets), a
 * seccomp filter or strict mode (a filter may kill the target, send it
 * SIGSYS or ask a supervisor: none of that can be undone), RLIMIT_NPROC
 * reached for the target's user, a pids cgroup (v1 or v2, any ancestor)
 * full, userfaultfd-registered regions (a fork notifies the monitor and
 * may wait for it).  Returns 0, or -1 with err naming the reason and
 * suggesting the default mode.
 */
int cow_preflight(const struct target *t, struct cap_error *err);

/*
 * Frozen target: inject clone(CLONE_FILES, exit signal 0) into one thread.
 * The child is traced by us from birth (PTRACE_O_TRACECLONE) and stopped
 * before its first user instruction, with PTRACE_O_EXITKILL; the thread's
 * registers and signal mask are restored exactly.  Returns 0 with c
 * filled, or -1 with err (no child then exists; c->pid is 0).
 */
int cow_fork(struct target *t, struct cow_child *c, struct cap_error *err);

/*
 * SIGKILL the child and collect its exit as its tracer (the target may be
 * running): from then on the target pays no more page copies.  The child
 * is then a zombie of the target, visible only to a wait with __WALL or
 * __WCLONE, until cow_reap.  0, or -1 with err.  No-op when already done.
 */
int cow_kill(struct cow_child *c, struct cap_error *err);

/*
 * Frozen target: cow_kill if not done yet, then
 * reap the zombie by an injected wait4(pid, NULL, __WALL|WNOHANG, NULL) in
 * a target thread.  If the target exited meanwhile (the zombie went to
 * init or a subreaper), only the kill is done and the target need not be
 * frozen.  Returns 0 when the child is gone, or -1 with err (the child is
 * then at worst a zombie of the target).  No-op when c->pid is 0.
 */
int cow_reap(struct target *t, struct cow_child *c, struct cap_error *err);

/* Async-signal-safe: SIGKILL the child (the zombie stays). */
void cow_emergency_kill(const struct cow_child *c);

/* Why a region must be copied from the target while frozen. */
enum cow_copy_reason {
	COW_SHARED,             /* MAP_SHARED: keeps changing in both */
	COW_SHMEM,              /* memfd / shmem / SysV, even if private */
	COW_DONTFORK,           /* MADV_DONTFORK (dc): absent in the child */
	COW_WIPEONFORK,         /* MADV_WIPEONFORK (wf): zero in the child */
};

struct cow_copy {
	size_t region;          /* index into the region list */
	enum cow_copy_reason why;
};

/*
 * The regions whose bytes the child does not hold as a copy-on-write
 * snapshot of the instant, in address order: *out malloc'd (NULL when
 * *n is 0).  Regions with a skip reason are left out.  0 or -ENOMEM.
 */
int cow_must_copy(const struct region_list *l, struct cow_copy **out,
		  size_t *n);

const char *cow_copy_reason_name(enum cow_copy_reason why);

struct yout;

/*
 * The manifest's record of the intervention, one key ("intervention:")
 * into a mapping the caller has open: mode cow, each injected system call
 * (name, arguments, thread, borrowed instruction and where it lies, UTC
 * time, duration, result), and what was left behind: "nothing", or the
 * child's pid and state when it could not be reaped.
 */
void cow_emit(struct yout *y, const struct cow_child *c);

#endif
