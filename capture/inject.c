// SPDX-License-Identifier: MIT
/*
 * inject.c - run one system call in a frozen thread and give the thread
 * back exactly as it was.
 *
 * The thread sits in a ptrace trap inside the kernel's get_signal() (put
 * there by PTRACE_INTERRUPT).  With orig_rax = -1 the kernel's restart
 * logic leaves our registers alone on the way out, the thread executes the
 * borrowed `syscall` and stops at its entry and exit (PTRACE_SYSCALL).  At
 * the exit stop a PTRACE_INTERRUPT makes it trap again in get_signal()
 * before it returns to user mode, which is where it was found: writing the
 * saved registers there means that when it is thawed, the kernel restarts
 * an interrupted call (-ERESTARTSYS, -ERESTART_RESTARTBLOCK, ...) itself,
 * exactly as it would have without us.
 *
 * All its signals are blocked for the call (PTRACE_SETSIGMASK), so a signal
 * that arrives stays pending, siginfo and all, and is delivered after the
 * thaw; only the unblockable stop signals can stop it meanwhile, and those
 * are passed on.  Not one user instruction of the target runs but the
 * borrowed `syscall`.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"
#include "target_int.h"

#ifdef __x86_64__

#define STOP_TIMEOUT_NS (30ll * 1000000000ll)
#define SYSCALL_STOP (SIGTRAP | 0x80)
#define EFLAGS_TF 0x100ull

enum stop_kind {
	STOP_SYSCALL,           /* syscall-enter or -exit stop */
	STOP_TRAP,              /* PTRACE_EVENT_STOP: interrupt or group stop */
	STOP_EVENT,             /* another PTRACE_EVENT_* (clone, fork) */
	STOP_SIGNAL,            /* signal-delivery-stop */
	STOP_GONE,              /* exited or killed */
	STOP_ERROR,             /* waitpid failed or timed out */
};

struct stop {
	enum stop_kind kind;
	int sig;                /* WSTOPSIG */
	int event;              /* PTRACE_EVENT_* */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/*
 * Wait for tid's next stop.  Polls, so that a call that blocks (it should
 * not) cannot hang us with the target frozen: past the deadline the
 * thread is interrupted once (a blocked call then returns, and its exit
 * stop comes), and given as long again.
 */
static struct stop next_stop(pid_t tid)
{
	int64_t deadline = now_ns() + STOP_TIMEOUT_NS;
	struct timespec pause = { 0, 5000 };
	struct stop s = { STOP_ERROR, 0, 0 };
	bool interrupted = false;
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(tid, &status, __WALL | WNOHANG);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			s.kind = errno == ECHILD ? STOP_GONE : STOP_ERROR;
			return s;
		}
		if (r == 0) {
			if (now_ns() > deadline) {
				if (interrupted ||
				    ptrace(PTRACE_INTERRUPT, tid, NULL, NULL)) {
					errno = ETIMEDOUT;
					return s;
				}
				interrupted = true;
				deadline = now_ns() + STOP_TIMEOUT_NS;
			}
			nanosleep(&pause, NULL);
			if (pause.tv_nsec < 500000)
				pause.tv_nsec *= 2;
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			s.kind = STOP_GONE;
			return s;
		}
		if (!WIFSTOPPED(status))
			continue;
		s.sig = WSTOPSIG(status);
		s.event = status >> 16;
		if (s.sig == SYSCALL_STOP)
			s.kind = STOP_SYSCALL;
		else if (s.event == PTRACE_EVENT_STOP)
			s.kind = STOP_TRAP;
		else if (s.event)
			s.kind = STOP_EVENT;
		else
			s.kind = STOP_SIGNAL;
		return s;
	}
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU;
}

static int get_regs(pid_t tid, struct user_regs_struct *r)
{
	return ptrace(PTRACE_GETREGS, tid, NULL, r) ? -errno : 0;
}

static int set_regs(pid_t tid, const struct user_regs_struct *r)
{
	return ptrace(PTRACE_SETREGS, tid, NULL, r) ? -errno : 0;
}

/*
 * Resume with `req` until a stop of one of the wanted kinds.  On the way:
 * a group stop (trap) is resumed; a stop signal is passed on (it only
 * starts a group stop, which the detach re-establishes); events go to the
 * caller's hook.  Another signal is a fault at the borrowed instruction:
 * returned as STOP_SIGNAL, and the thread is then in get_signal() too.
 */
static struct stop run_until(pid_t tid, int req, unsigned want,
			     struct inject_call *call, int *hook_failed)
{
	unsigned long msg;
	struct stop s;
	int sig = 0;

	for (;;) {
		if (ptrace(req, tid, NULL, (void *)(long)sig)) {
			s.kind = errno == ESRCH ? STOP_GONE : STOP_ERROR;
			return s;
		}
		sig = 0;
		s = next_stop(tid);
		if (want & (1u << s.kind))
			return s;
		switch (s.kind) {
		case STOP_TRAP:
			break;
		case STOP_SIGNAL:
			if (!is_stop_signal(s.sig))
				return s;
			sig = s.sig;
			break;
		case STOP_EVENT:
			if (call->on_event &&
			    !ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) &&
			    call->on_event(call->event_arg, s.event, msg))
				*hook_failed = 1;
			break;
		default:
			return s;
		}
	}
}

/* From the syscall-exit stop back to a trap in get_signal(). */
static struct stop back_to_trap(pid_t tid, struct inject_call *call,
				int *hook_failed)
{
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL)) {
		struct stop s = { errno == ESRCH ? STOP_GONE : STOP_ERROR, 0, 0 };

		return s;
	}
	return run_until(tid, PTRACE_CONT, 1u << STOP_TRAP, call, hook_failed);
}

/* Put back what was saved; compare, so that a silent loss is an error. */
static int restore(pid_t tid, const struct user_regs_struct *regs,
		   uint64_t mask, struct cap_error *err)
{
	struct user_regs_struct now;
	uint64_t mask_now = 0;
	int ret;

	ret = set_regs(tid, regs);
	if (!ret && ptrace(PTRACE_SETSIGMASK, tid, (void *)sizeof(mask), &mask))
		ret = -errno;
	/* freeze.c seizes with no options: back to none */
	if (!ret && ptrace(PTRACE_SETOPTIONS, tid, NULL, NULL))
		ret = -errno;
	if (!ret)
		ret = get_regs(tid, &now);
	if (!ret && ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(mask_now),
			   &mask_now))
		ret = -errno;
	if (ret) {
		tgt_set_err(err, "cannot restore the registers of thread %d: "
			    "%s", (int)tid, strerror(-ret));
		return -1;
	}
	if (memcmp(&now, regs, sizeof(now)) || mask_now != mask) {
		tgt_set_err(err, "thread %d: registers or signal mask differ "
			    "after the restore", (int)tid);
		return -1;
	}
	return 0;
}

/*
 * Are the two bytes still `syscall`?  A fault there would be forced on the
 * thread with all its signals blocked, which resets the target's handler
 * of that signal to SIG_DFL (force_sig_info semantics): look first.
 */
static int check_site(const struct target *t, const struct inject_site *site,
		      struct cap_error *err)
{
	uint8_t b[2] = { 0, 0 };
	int fd = openat(t->procfd, "mem", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (pread(fd, b, 2, (off_t)site->addr) != 2)
			b[0] = 0;
		close(fd);
	}
	if (b[0] == 0x0f && b[1] == 0x05)
		return 0;
	tgt_set_err(err, "pid %d: no syscall instruction at %#llx (%s) any "
		    "more", (int)t->pid, (unsigned long long)site->addr,
		    site->where);
	return -1;
}

/* Our catchable signals wait until the thread is given back. */
static void hold_our_signals(sigset_t *old)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
				    SIGUSR2, SIGALRM, SIGPIPE, SIGXCPU,
				    SIGXFSZ, SIGVTALRM, SIGPROF };
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static void mark_gone(struct target *t, struct thread_state *th)
{
	th->frozen = false;
	th->seized = false;
	t->exited = true;
}

static void prepare_regs(struct user_regs_struct *r,
			 const struct inject_site *site,
			 const struct inject_call *call)
{
	r->rip = site->addr;
	r->rax = (unsigned long)call->nr;
	r->orig_rax = (unsigned long)-1;  /* no restart logic on our regs */
	r->rdi = call->args[0];
	r->rsi = call->args[1];
	r->rdx = call->args[2];
	r->r10 = call->args[3];
	r->r8 = call->args[4];
	r->r9 = call->args[5];
	r->eflags &= ~EFLAGS_TF;
}

/* Entry stop: is it our call at our instruction?  If not, skip it. */
static int check_entry(pid_t tid, const struct inject_site *site, long nr,
		       struct cap_error *err)
{
	struct user_regs_struct r;
	int ret = get_regs(tid, &r);

	if (ret) {
		tgt_set_err(err, "thread %d: cannot read registers at the "
			    "syscall entry: %s", (int)tid, strerror(-ret));
		return -1;
	}
	if (r.rip == site->addr + 2 && (long)r.orig_rax == nr)
		return 0;
	tgt_set_err(err, "thread %d entered syscall %ld at %#llx, not %ld at "
		    "%#llx: skipped", (int)tid, (long)r.orig_rax,
		    (unsigned long long)r.rip, nr,
		    (unsigned long long)site->addr + 2);
	r.orig_rax = (unsigned long)-1;
	set_regs(tid, &r);
	return -1;
}

/*
 * The call itself, from a trap to a trap.  Returns 0, -1 with err set
 * (the thread is back in a trap, registers still borrowed), or -2 when the
 * thread is gone or out of our hands.
 */
static int run_call(pid_t tid, const struct inject_site *site,
		    struct inject_call *call, struct cap_error *err)
{
	const unsigned syscall_stop = 1u << STOP_SYSCALL;
	struct user_regs_struct r;
	int hook_failed = 0, failed = 0;
	struct stop s;

	s = run_until(tid, PTRACE_SYSCALL, syscall_stop, call, &hook_failed);
	if (s.kind == STOP_SIGNAL) {
		/* a fault at the borrowed instruction: ours, not delivered */
		tgt_set_err(err, "thread %d got signal %d at the borrowed "
			    "syscall instruction %#llx", (int)tid, s.sig,
			    (unsigned long long)site->addr);
		return -1;      /* in get_signal(): as good as a trap */
	}
	if (s.kind != STOP_SYSCALL)
		goto lost;
	failed = check_entry(tid, site, call->nr, err);
	s = run_until(tid, PTRACE_SYSCALL, syscall_stop, call, &hook_failed);
	if (s.kind != STOP_SYSCALL)
		goto lost;
	if (!failed && !get_regs(tid, &r))
		call->result = (long)r.rax;
	s = back_to_trap(tid, call, &hook_failed);
	if (s.kind != STOP_TRAP)
		goto lost;
	if (!failed && hook_failed) {
		tgt_set_err(err, "thread %d: handling the event of syscall %ld "
			    "failed", (int)tid, call->nr);
		failed = -1;
	}
	return failed ? -1 : 0;
lost:
	tgt_set_err(err, "thread %d %s during an injected syscall %ld",
		    (int)tid, s.kind == STOP_GONE ? "exited" :
		    "could not be stopped again", call->nr);
	return -2;
}

int inject_syscall(struct target *t, size_t ti, const struct inject_site *site,
		   struct inject_call *call, struct cap_error *err)
{
	struct thread_state *th;
	struct user_regs_struct saved, inj;
	uint64_t mask = 0, all = ~0ull;
	struct cap_error call_err = { "" };
	sigset_t old;
	int ret, rc = -1;

	if (ti >= t->nthreads || !t->threads[ti].frozen) {
		tgt_set_err(err, "injection: thread %zu is not frozen", ti);
		return -1;
	}
	th = &t->threads[ti];
	call->result = -ENOSYS;
	if (check_site(t, site, err))
		return -1;
	hold_our_signals(&old);
	ret = get_regs(th->tid, &saved);
	if (!ret && ptrace(PTRACE_GETSIGMASK, th->tid, (void *)sizeof(mask),
			   &mask))
		ret = -errno;
	if (ret) {
		tgt_set_err(err, "thread %d: cannot save its state: %s",
			    (int)th->tid, strerror(-ret));
		goto out;
	}
	inj = saved;
	prepare_regs(&inj, site, call);
	if (ptrace(PTRACE_SETOPTIONS, th->tid, NULL,
		   (void *)(call->ptrace_opts | PTRACE_O_TRACESYSGOOD)) ||
	    ptrace(PTRACE_SETSIGMASK, th->tid, (void *)sizeof(all), &all) ||
	    set_regs(th->tid, &inj)) {
		tgt_set_err(err, "thread %d: cannot prepare the call: %s",
			    (int)th->tid, strerror(errno));
		goto restore;   /* still in its trap */
	}
	ret = run_call(th->tid, site, call, &call_err);
	if (ret == -2) {
		if (!target_same(t))
			mark_gone(t, th);
		snprintf(err->msg, sizeof(err->msg), "%s", call_err.msg);
		goto out;
	}
	rc = ret;
	if (ret)
		snprintf(err->msg, sizeof(err->msg), "%s", call_err.msg);
restore:
	/* the worse news wins: a thread left with borrowed registers */
	if (restore(th->tid, &saved, mask, err))
		rc = -1;
out:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

#else /* !__x86_64__ */

int inject_syscall(struct target *t, size_t ti, const struct inject_site *site,
		   struct inject_call *call, struct cap_error *err)
{
	(void)t;
	(void)ti;
	(void)site;
	(void)call;
	tgt_set_err(err, "system call injection is implemented for x86-64 "
		    "only; use the default mode");
	return -1;
}

#endif
