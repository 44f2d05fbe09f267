// SPDX-License-Identifier: MIT
/*
 * cow.c - the copy-on-write child: forked by an injected clone, held
 * stopped under ptrace from birth, killed and reaped without a trace.
 *
 * clone flags: CLONE_FILES and exit signal 0.  Exit signal 0 makes the
 * kernel report it as PTRACE_EVENT_CLONE (so PTRACE_O_TRACECLONE catches
 * it) and sends no SIGCHLD, ever.  CLONE_FILES shares the fd table instead
 * of copying it, so the child holds no extra reference to any open file: a
 * socket the target closes really closes, a lock tied to an open file
 * description is not kept alive by the child.  No CLONE_FS (a shared
 * fs_struct would make a setuid execve of the target "unsafe") and no
 * CLONE_UNTRACED.  The child's stack pointer is set to an address below
 * mmap_min_addr: if it were ever let go, its first stack access faults.
 *
 * PTRACE_O_EXITKILL is set on the child as soon as it reports, never on
 * the target's thread (which would die with us).  A child inherits the
 * forking thread's ptrace options, so it is born seized and with a trap
 * pending: it stops before its first user instruction.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cow.h"
#include "target_int.h"

#define CHILD_SP 16ul           /* never mapped (mmap_min_addr) */
#define REAP_TRIES 50
#define FORK_TRIES 3
#define ERESTARTNOINTR 513      /* kernel-internal, seen by a tracer */
#define CHILD_STOP_TIMEOUT_NS (10ll * 1000000000ll)

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Wait for the child's first stop (or its death); 0 when stopped. */
static int wait_child_stop(pid_t pid)
{
	const int64_t deadline = now_ns() + CHILD_STOP_TIMEOUT_NS;
	const struct timespec pause = { 0, 20000 };
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, __WALL | WNOHANG);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == pid)
			return WIFSTOPPED(status) ? 0 : -ESRCH;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
}

struct fork_event {
	struct cow_child *c;
	int err_no;
};

static int on_clone(void *arg, int event, unsigned long msg)
{
	struct fork_event *ev = arg;
	pid_t pid = (pid_t)msg;

	if (event != PTRACE_EVENT_CLONE && event != PTRACE_EVENT_FORK)
		return 0;
	ev->c->pid = pid;
	ev->err_no = -wait_child_stop(pid);
	if (!ev->err_no &&
	    ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_EXITKILL))
		ev->err_no = errno;
	if (ev->err_no)
		kill(pid, SIGKILL);
	return ev->err_no ? -1 : 0;
}

/*
 * Is our pid the child whose pid the clone returned in the target's pid
 * namespace?  The last NSpid field of its status is that pid.
 */
static bool same_child(pid_t pid, long in_target)
{
	char path[48], *status;
	const char *v, *last;
	size_t len;
	long nspid = pid;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!tgt_read_at(AT_FDCWD, path, &status, &len)) {
		v = tgt_status_value(status, "NSpid:");
		for (last = v; v && *v && *v != '\n'; v++)
			if (*v == '\t' || *v == ' ')
				last = v + 1;
		if (last)
			nspid = strtol(last, NULL, 10);
		free(status);
	}
	return nspid == in_target;
}

static void explain_clone_error(struct cap_error *err, pid_t pid, long res)
{
	const char *why = "";

	if (res == -EAGAIN)
		why = " (RLIMIT_NPROC or the pids cgroup)";
	else if (res == -ENOMEM)
		why = " (out of memory for the page tables)";
	tgt_set_err(err, "the injected clone failed in pid %d: %s%s; use the "
		    "default mode", (int)pid, strerror((int)-res), why);
}

int cow_fork(struct target *t, struct cow_child *c, struct cap_error *err)
{
	struct fork_event ev = { c, 0 };
	struct inject_call call;
	int64_t t0;
	int ti, tries;

	memset(c, 0, sizeof(*c));
	if (!t->frozen) {
		tgt_set_err(err, "--cow: pid %d is not frozen", (int)t->pid);
		return -1;
	}
	if (inject_find_site(t, &c->site, err))
		return -1;
	ti = inject_pick_thread(t, err);
	if (ti < 0)
		return -1;
	memset(&call, 0, sizeof(call));
	c->clone_flags = CLONE_FILES;   /* low byte 0: no exit signal */
	call.nr = SYS_clone;
	call.args[0] = c->clone_flags;
	call.args[1] = CHILD_SP;
	call.ptrace_opts = PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK;
	call.on_event = on_clone;
	call.event_arg = &ev;
	c->forked_by = t->threads[ti].tid;
	for (tries = 0; tries < FORK_TRIES; tries++) {
		c->forked_at = clock_ns(CLOCK_REALTIME);
		t0 = now_ns();
		if (inject_syscall(t, (size_t)ti, &c->site, &call, err)) {
			if (c->pid > 0)
				kill(c->pid, SIGKILL);  /* a zombie at worst */
			c->pid = 0;
			return -1;
		}
		c->fork_ns = now_ns() - t0;
		/* a stop signal came during the copy: the kernel said retry */
		if (call.result != -ERESTARTNOINTR)
			break;
	}
	if (call.result < 0) {
		explain_clone_error(err, t->pid, call.result);
		c->pid = 0;
		return -1;
	}
	if (!same_child(c->pid, call.result)) {
		tgt_set_err(err, "the injected clone in pid %d made pid %ld "
			    "but ptrace reported %d", (int)t->pid, call.result,
			    (int)c->pid);
		kill(c->pid, SIGKILL);
		c->pid = 0;
		return -1;
	}
	c->pid_in_target = (pid_t)call.result;
	return 0;
}

/* Collect the killed child's exit as its tracer (not its parent). */
static int collect_exit(pid_t pid)
{
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return 0;
	}
}

/* The child's state letter and parent, or '\0' when it is gone. */
static char child_state(pid_t pid, pid_t *ppid)
{
	char path[48];
	struct tgt_stat st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (tgt_read_stat(AT_FDCWD, path, &st))
		return '\0';
	*ppid = st.ppid;
	return st.state;
}

static int inject_wait4(struct target *t, struct cow_child *c,
			struct cap_error *err)
{
	const struct timespec pause = { 0, 100000 };
	struct inject_call call;
	int tries, ti;
	pid_t ppid = 0;

	/* afresh: the target may have called execve since the fork */
	if (inject_find_site(t, &c->site, err))
		return -1;
	ti = inject_pick_thread(t, err);
	if (ti < 0)
		return -1;
	for (tries = 0; tries < REAP_TRIES; tries++) {
		/* a zombie of the target by now: our wait made it one */
		if (child_state(c->pid, &ppid) != 'Z') {
			nanosleep(&pause, NULL);
			continue;
		}
		memset(&call, 0, sizeof(call));
		call.nr = SYS_wait4;
		call.args[0] = (unsigned long)c->pid_in_target;
		call.args[2] = __WALL | WNOHANG;  /* never block the thread */
		if (inject_syscall(t, (size_t)ti, &c->site, &call, err))
			return -1;
		if (call.result == c->pid_in_target) {
			c->reaped_by = t->threads[ti].tid;
			return 0;
		}
		if (call.result < 0) {
			tgt_set_err(err, "injected wait4(%d) in pid %d: %s",
				    (int)c->pid, (int)t->pid,
				    strerror((int)-call.result));
			return -1;
		}
	}
	tgt_set_err(err, "child %d of pid %d is still there after %d tries "
		    "(state %c)", (int)c->pid, (int)t->pid, REAP_TRIES,
		    child_state(c->pid, &ppid) ?: '-');
	return -1;
}

int cow_kill(struct cow_child *c, struct cap_error *err)
{
	int ret;

	if (c->pid <= 0 || c->killed)
		return 0;
	if (kill(c->pid, SIGKILL) && errno != ESRCH) {
		tgt_set_err(err, "cannot kill child %d: %s", (int)c->pid,
			    strerror(errno));
		return -1;
	}
	ret = collect_exit(c->pid);
	if (ret && ret != -ECHILD) {
		tgt_set_err(err, "waiting for child %d: %s", (int)c->pid,
			    strerror(-ret));
		return -1;
	}
	c->killed = true;
	return 0;
}

int cow_reap(struct target *t, struct cow_child *c, struct cap_error *err)
{
	pid_t ppid = 0;

	if (c->pid <= 0)
		return 0;
	if (cow_kill(c, err))
		return -1;
	/* the target exited: init (or a subreaper) took the zombie */
	if (!child_state(c->pid, &ppid) || ppid != t->pid) {
		c->reaped_at = clock_ns(CLOCK_REALTIME);
		c->pid = 0;
		return 0;
	}
	if (!t->frozen) {
		tgt_set_err(err, "--cow: pid %d must be frozen to reap its "
			    "child %d", (int)t->pid, (int)c->pid);
		return -1;
	}
	if (inject_wait4(t, c, err))
		return -1;
	c->reaped_at = clock_ns(CLOCK_REALTIME);
	c->pid = 0;
	return 0;
}

void cow_emergency_kill(const struct cow_child *c)
{
	if (c->pid > 0)
		syscall(SYS_kill, c->pid, SIGKILL);
}
