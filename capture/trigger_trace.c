// SPDX-License-Identifier: MIT
/*
 * trigger_trace.c - --on-signal and --at-exit: memsnap traces the target
 * while it waits, because only a tracer sees a signal before the handler
 * runs (signal-delivery-stop) or a process that exits before its memory
 * goes (PTRACE_O_TRACEEXIT).  The threads run freely meanwhile; what it
 * costs them is that every signal they receive passes through memsnap
 * (a stop and a resume, some microseconds), and that no debugger can
 * attach.  PTRACE_SEIZE queues no SIGSTOP and EXITKILL is never set: if
 * memsnap dies, the kernel detaches and the target runs on.
 *
 * memsnap sleeps in ppoll() with SIGCHLD blocked around it: a tracee's
 * stop wakes it, and so does a stop signal of ours, without a race.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "signals.h"
#include "target_int.h"
#include "trigger.h"

#define SEIZE_PASSES 100
#define RELEASE_WAIT_MS 1000

static void on_sigchld(int sig)
{
	(void)sig;      /* only to wake ppoll() */
}

static bool has_tid(const struct trace_watch *w, pid_t tid)
{
	size_t i;

	for (i = 0; i < w->ntids; i++)
		if (w->tids[i] == tid)
			return true;
	return false;
}

static int add_tid(struct trace_watch *w, pid_t tid)
{
	pid_t *grown;

	if (has_tid(w, tid))
		return 0;
	if (w->ntids == w->cap) {
		grown = reallocarray(w->tids, w->cap ? w->cap * 2 : 16,
				     sizeof(*grown));
		if (!grown)
			return -1;
		w->tids = grown;
		w->cap = w->cap ? w->cap * 2 : 16;
	}
	w->tids[w->ntids++] = tid;
	return 0;
}

static void drop_tid(struct trace_watch *w, pid_t tid)
{
	size_t i;

	for (i = 0; i < w->ntids; i++)
		if (w->tids[i] == tid) {
			w->tids[i] = w->tids[--w->ntids];
			return;
		}
}

static long watch_options(const struct trace_watch *w)
{
	return PTRACE_O_TRACECLONE | (w->at_exit ? PTRACE_O_TRACEEXIT : 0);
}

/* One pass over /proc/PID/task; *added says whether a thread was new. */
static int seize_pass(struct trace_watch *w, int procfd, bool *added,
		      struct cap_error *err)
{
	pid_t *tids = NULL;
	size_t i, n = 0;
	int ret;

	*added = false;
	ret = tgt_list_numeric(procfd, "task", &tids, &n);
	if (ret) {
		tgt_set_err(err, "cannot list threads of pid %d: %s",
			    (int)w->pid, strerror(-ret));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (has_tid(w, tids[i]))
			continue;
		if (ptrace(PTRACE_SEIZE, tids[i], NULL,
			   (void *)watch_options(w))) {
			if (errno == ESRCH)
				continue;       /* exited since the scan */
			tgt_set_err(err, "cannot trace thread %d of pid %d "
				    "to watch it: %s", (int)tids[i],
				    (int)w->pid, strerror(errno));
			free(tids);
			return -1;
		}
		if (add_tid(w, tids[i])) {
			tgt_set_err(err, "out of memory");
			free(tids);
			return -1;
		}
		*added = true;
	}
	free(tids);
	return 0;
}

int watch_start(struct trace_watch *w, pid_t pid, int sig, bool at_exit,
		struct cap_error *err)
{
	struct sigaction sa;
	sigset_t chld;
	char path[32];
	bool added = true;
	int procfd, pass;

	w->pid = pid;
	w->sig = sig;
	w->at_exit = at_exit;
	w->held = 0;
	w->held_sig = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		tgt_set_err(err, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	/* new threads are traced from birth (TRACECLONE): rescan until none */
	for (pass = 0; added; pass++) {
		if (pass == SEIZE_PASSES) {
			tgt_set_err(err, "threads of pid %d kept appearing",
				    (int)pid);
			goto fail;
		}
		if (seize_pass(w, procfd, &added, err))
			goto fail;
	}
	close(procfd);
	return 0;
fail:
	close(procfd);
	watch_stop(w);
	return -1;
}

static bool is_group_stop(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU;
}

/* One reported stop or exit.  True when it is the trigger. */
static bool handle(struct trace_watch *w, pid_t tid, int status)
{
	const int event = status >> 16, sig = WSTOPSIG(status);
	unsigned long msg;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		drop_tid(w, tid);
		return false;
	}
	if (!WIFSTOPPED(status))
		return false;
	add_tid(w, tid);        /* a thread traced from birth */
	switch (event) {
	case 0:         /* signal-delivery-stop */
		if (sig == w->sig) {
			w->held = tid;
			w->held_sig = sig;
			return true;
		}
		ptrace(PTRACE_CONT, tid, NULL, (void *)(long)sig);
		return false;
	case PTRACE_EVENT_EXIT:
		if (w->at_exit && tid == w->pid) {
			w->held = tid;
			w->held_sig = 0;
			return true;
		}
		break;
	case PTRACE_EVENT_CLONE:
		if (!ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg))
			add_tid(w, (pid_t)msg);
		break;
	case PTRACE_EVENT_STOP:
		/* keep a stopped process stopped, but hear of its signals */
		if (is_group_stop(sig)) {
			ptrace(PTRACE_LISTEN, tid, NULL, NULL);
			return false;
		}
		break;
	default:
		break;
	}
	ptrace(PTRACE_CONT, tid, NULL, NULL);
	return false;
}

enum watch_result watch_wait(struct trace_watch *w, struct cap_error *err)
{
	const struct timespec tick = { 1, 0 };
	sigset_t block, during;
	int status;
	pid_t tid;

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	sigprocmask(SIG_BLOCK, &block, &during);
	sigdelset(&during, SIGCHLD);
	sigdelset(&during, SIGINT);
	sigdelset(&during, SIGTERM);
	sigdelset(&during, SIGHUP);
	sigdelset(&during, SIGQUIT);
	for (;;) {
		tid = waitpid(-1, &status, __WALL | WNOHANG);
		if (tid > 0) {
			if (handle(w, tid, status))
				return WATCH_FIRED;
			if (tid == w->pid &&
			    (WIFEXITED(status) || WIFSIGNALED(status)))
				return WATCH_GONE;
			continue;
		}
		if (tid < 0 && errno == ECHILD)
			return WATCH_GONE;
		if (tid < 0 && errno != EINTR) {
			tgt_set_err(err, "waiting for pid %d: %s", (int)w->pid,
				    strerror(errno));
			return WATCH_ERROR;
		}
		if (signals_caught())
			return WATCH_STOPPED;
		/* wakes for SIGCHLD or a stop signal; a second to be safe */
		ppoll(NULL, 0, &tick, &during);
	}
}

/* Wait up to a second for tid's stop; its signal if it is one, -1 if gone. */
static int wait_release(pid_t tid)
{
	const struct timespec pause = { 0, 1000000 };
	int status, ms;
	pid_t r;

	for (ms = 0; ms < RELEASE_WAIT_MS; ms++) {
		r = waitpid(tid, &status, __WALL | WNOHANG);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == tid) {
			if (!WIFSTOPPED(status))
				return -1;
			return (status >> 16) == 0 &&
			       !is_group_stop(WSTOPSIG(status)) ?
			       WSTOPSIG(status) : 0;
		}
		nanosleep(&pause, NULL);
	}
	return -1;      /* still running: our exit detaches it */
}

void watch_stop(struct trace_watch *w)
{
	size_t i;
	int sig;

	for (i = 0; i < w->ntids; i++) {
		const pid_t tid = w->tids[i];

		if (tid == w->held) {
			ptrace(PTRACE_DETACH, tid, NULL,
			       (void *)(long)w->held_sig);
			continue;
		}
		if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL))
			continue;
		sig = wait_release(tid);
		if (sig >= 0)
			ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)sig);
	}
	watch_handover(w);
}

void watch_handover(struct trace_watch *w)
{
	free(w->tids);
	w->tids = NULL;
	w->ntids = w->cap = 0;
	w->held = 0;
	w->held_sig = 0;
}
