// SPDX-License-Identifier: MIT
/*
 * freeze.c - stop every thread of the target with PTRACE_SEIZE +
 * PTRACE_INTERRUPT, read their registers, and let them go again exactly as
 * they were (a group-stopped process stays stopped, a signal caught in
 * delivery is delivered).
 *
 * No SIGSTOP is ever sent and PTRACE_O_EXITKILL is never set: if memsnap
 * dies, the kernel detaches and the target runs on.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target.h"
#include "freeze.h"
#include "target_int.h"

/* Threads can only be made by running threads: this bounds a thread bomb. */
#define MAX_PASSES 200
#define EXEC_RETRIES 3
#define SEIZE_EPERM_TRIES 5    /* 2 ms apart */
#define STOP_TIMEOUT_NS (10ll * 1000000000ll)
#define RELEASE_TIMEOUT_NS (1000000000ll)
#define XSTATE_FIRST 4096u
#define XSTATE_MAX (64u << 10)

/*
 * The emergency registry: every seized tid, readable from a signal
 * handler.  Tables are mmap'd and never unmapped (a handler may still be
 * reading an old one); the count is published after the entry.
 */
struct emerg_entry {
	pid_t tid;
	int sig;
};
static struct emerg_entry *emerg_tab;
static size_t emerg_cap;
static size_t emerg_n;

static int emerg_reserve(size_t want)
{
	struct emerg_entry *grown;
	size_t cap = emerg_cap ? emerg_cap : 1024;

	if (want <= emerg_cap)
		return 0;
	while (cap < want) {
		if (cap > SIZE_MAX / 2 / sizeof(*grown))
			return -ENOMEM;
		cap *= 2;
	}
	grown = mmap(NULL, cap * sizeof(*grown), PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (grown == MAP_FAILED)
		return -errno;
	if (emerg_tab)
		memcpy(grown, emerg_tab,
		       __atomic_load_n(&emerg_n, __ATOMIC_RELAXED) *
		       sizeof(*grown));
	__atomic_store_n(&emerg_tab, grown, __ATOMIC_RELEASE);
	emerg_cap = cap;
	return 0;
}

static int emerg_add(pid_t tid)
{
	const size_t n = __atomic_load_n(&emerg_n, __ATOMIC_RELAXED);
	int ret;

	ret = emerg_reserve(n + 1);
	if (ret)
		return ret;
	emerg_tab[n].tid = tid;
	emerg_tab[n].sig = 0;
	__atomic_store_n(&emerg_n, n + 1, __ATOMIC_RELEASE);
	return 0;
}

static void emerg_set_sig(pid_t tid, int sig)
{
	const size_t n = __atomic_load_n(&emerg_n, __ATOMIC_ACQUIRE);
	size_t i;

	for (i = 0; i < n; i++)
		if (emerg_tab[i].tid == tid)
			__atomic_store_n(&emerg_tab[i].sig, sig,
					 __ATOMIC_RELEASE);
}

static void emerg_forget(pid_t tid)
{
	const size_t n = __atomic_load_n(&emerg_n, __ATOMIC_ACQUIRE);
	size_t i;

	for (i = 0; i < n; i++)
		if (emerg_tab[i].tid == tid)
			__atomic_store_n(&emerg_tab[i].tid, 0,
					 __ATOMIC_RELEASE);
}

/*
 * Drop the forgotten entries at the end of the table.  Other targets of a
 * group may still be frozen: their entries stay where they are.
 */
static void emerg_trim(void)
{
	size_t n = __atomic_load_n(&emerg_n, __ATOMIC_ACQUIRE);

	while (n && !__atomic_load_n(&emerg_tab[n - 1].tid, __ATOMIC_ACQUIRE))
		n--;
	__atomic_store_n(&emerg_n, n, __ATOMIC_RELEASE);
}

void target_emergency_thaw(void)
{
	const int saved_errno = errno;
	struct emerg_entry *tab;
	size_t i, n;
	pid_t tid;

	n = __atomic_load_n(&emerg_n, __ATOMIC_ACQUIRE);
	tab = __atomic_load_n(&emerg_tab, __ATOMIC_ACQUIRE);
	for (i = 0; tab && i < n; i++) {
		tid = __atomic_load_n(&tab[i].tid, __ATOMIC_ACQUIRE);
		/*
		 * Only the thread that seized may detach: from any other
		 * thread this fails and the entry stays for a later try.
		 */
		if (tid > 0 &&
		    !syscall(SYS_ptrace, PTRACE_DETACH, tid, 0,
			     (long)__atomic_load_n(&tab[i].sig,
						   __ATOMIC_ACQUIRE)))
			__atomic_store_n(&tab[i].tid, 0, __ATOMIC_RELEASE);
	}
	errno = saved_errno;
}

/*
 * A thread that a series' watch holds in a ptrace stop (its trigger): the
 * freeze adopts it as frozen, and the thaw hands it its signal.
 */
static pid_t held_tid;
static int held_sig;

void target_hold(pid_t tid, int sig)
{
	held_tid = tid;
	held_sig = sig;
}

pid_t target_held(void)
{
	return held_tid;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static bool is_gone(int err_no)
{
	return err_no == ESRCH || err_no == ENOENT;
}

/* The tids listed in /proc/PID/task now.  0 or -errno. */
static int scan_tids(const struct target *t, pid_t **out, size_t *n)
{
	return tgt_list_numeric(t->procfd, "task", out, n);   /* pid_t is int */
}

static void read_thread_name(const struct target *t, struct thread_state *th)
{
	char path[48];
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "task/%d/comm", (int)th->tid);
	if (tgt_read_at(t->procfd, path, &buf, &len))
		return;
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	snprintf(th->name, sizeof(th->name), "%s", buf);
	free(buf);
}

/* Stat of one thread; -ENOENT when it is gone. */
static int read_thread_stat(const struct target *t, pid_t tid,
			    struct tgt_stat *st)
{
	char path[48];

	snprintf(path, sizeof(path), "task/%d/stat", (int)tid);
	return tgt_read_stat(t->procfd, path, st);
}

static struct thread_state *add_thread(struct target *t, pid_t tid,
				       char state)
{
	struct thread_state *grown, *th;

	grown = reallocarray(t->threads, t->nthreads + 1, sizeof(*grown));
	if (!grown)
		return NULL;
	t->threads = grown;
	th = &t->threads[t->nthreads++];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	th->state = state;
	read_thread_name(t, th);
	return th;
}

static bool has_thread(const struct target *t, pid_t tid)
{
	size_t i;

	for (i = 0; i < t->nthreads; i++)
		if (t->threads[i].tid == tid)
			return true;
	return false;
}

static void free_threads(struct target *t)
{
	size_t i;

	for (i = 0; i < t->nthreads; i++)
		free(t->threads[i].xstate);
	free(t->threads);
	t->threads = NULL;
	t->nthreads = 0;
}

static void remove_thread(struct target *t, size_t i)
{
	free(t->threads[i].xstate);
	memmove(&t->threads[i], &t->threads[i + 1],
		(t->nthreads - i - 1) * sizeof(t->threads[0]));
	t->nthreads--;
}

/* tids that vanished during this freeze, so a rescan does not retry them */
struct tid_set {
	pid_t *tids;
	size_t n, cap;
};

static int tid_set_add(struct tid_set *s, pid_t tid)
{
	pid_t *grown;

	if (s->n == s->cap) {
		grown = reallocarray(s->tids, s->cap ? s->cap * 2 : 16,
				     sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->tids = grown;
		s->cap = s->cap ? s->cap * 2 : 16;
	}
	s->tids[s->n++] = tid;
	return 0;
}

static bool tid_set_has(const struct tid_set *s, pid_t tid)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->tids[i] == tid)
			return true;
	return false;
}

enum wait_result { WAIT_STOPPED, WAIT_GONE, WAIT_TIMEOUT, WAIT_ERROR };

/*
 * Wait until th reports its ptrace stop, or its exit (then reaped).  A
 * signal-delivery-stop is a stop too: the thread is left in it and the
 * signal is handed back at detach, so it is neither lost nor delivered
 * while we look.
 */
static enum wait_result wait_stop(struct thread_state *th, int64_t timeout_ns,
				  int *err_no)
{
	const int64_t deadline = now_ns() + timeout_ns;
	struct timespec pause = { 0, 10000 };
	int status, sig;
	pid_t r;

	for (;;) {
		r = waitpid(th->tid, &status, __WALL | WNOHANG);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*err_no = errno;
			return errno == ECHILD ? WAIT_GONE : WAIT_ERROR;
		}
		if (r == 0) {
			if (now_ns() > deadline)
				return WAIT_TIMEOUT;
			nanosleep(&pause, NULL);
			if (pause.tv_nsec < 1000000)
				pause.tv_nsec *= 2;
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return WAIT_GONE;
		if (!WIFSTOPPED(status))
			continue;
		sig = WSTOPSIG(status);
		/* With SEIZE our own stop is PTRACE_EVENT_STOP; 0 is a signal. */
		if ((status >> 16) == 0) {
			th->resume_sig = sig;
			emerg_set_sig(th->tid, sig);
		}
		th->frozen = true;
		return WAIT_STOPPED;
	}
}

/* Let one thread go; reap it if it died while seized. */
static void release_thread(struct thread_state *th)
{
	int err_no = 0;

	if (!th->seized)
		return;
	if (!th->frozen &&
	    wait_stop(th, RELEASE_TIMEOUT_NS, &err_no) != WAIT_STOPPED) {
		/* Still running or gone: the kernel detaches when we exit. */
		th->seized = false;
		return;
	}
	emerg_forget(th->tid);
	if (ptrace(PTRACE_DETACH, th->tid, NULL,
		   (void *)(long)th->resume_sig) && errno == ESRCH) {
		/* Killed while stopped: collect the exit we are owed. */
		waitpid(th->tid, NULL, __WALL | WNOHANG);
	}
	th->seized = false;
	th->frozen = false;
}

static void release_all(struct target *t)
{
	size_t i;

	for (i = 0; i < t->nthreads; i++) {
		release_thread(&t->threads[i]);
		emerg_forget(t->threads[i].tid);
	}
	emerg_trim();
	t->frozen = false;
}

enum seize_result { SEIZE_OK, SEIZE_GONE, SEIZE_FAIL };

static int seize_retrying(pid_t tid);

/*
 * Take a thread that is still ours from an earlier attempt as if newly
 * seized.  Stopped, it may have reported its stop already (under its old
 * tid): detach and seize it afresh, so the coming interrupt is reported.
 * Running, detach fails and the interrupt will stop it.  True if seized.
 */
static bool readopt(pid_t tid)
{
	if (ptrace(PTRACE_DETACH, tid, NULL, NULL))
		return errno == ESRCH;  /* running: still attached to us */
	return !seize_retrying(tid);
}

/*
 * PTRACE_SEIZE, tried again for a moment on EPERM: a leader that is a
 * zombie only while another thread's execve takes its place refuses too,
 * and an instant later the new leader has its tid.  A real refusal stays.
 */
static int seize_retrying(pid_t tid)
{
	const struct timespec pause = { 0, 2000000 };
	int tries;

	for (tries = 0;; tries++) {
		if (!ptrace(PTRACE_SEIZE, tid, NULL, NULL))
			return 0;
		if (errno != EPERM || tries == SEIZE_EPERM_TRIES)
			return -1;
		nanosleep(&pause, NULL);
	}
}

/*
 * A thread that execve'd during a freeze attempt changes its tid to the
 * pid and stays attached to us under it: seize refuses (EPERM), but it is
 * ours already.  Keeps errno.
 */
static bool traced_by_us(const struct target *t, pid_t tid)
{
	const int saved_errno = errno;
	uint64_t tracer = 0;
	char path[48], *status;
	size_t len;

	if (saved_errno != EPERM)
		return false;
	snprintf(path, sizeof(path), "task/%d/status", (int)tid);
	if (!tgt_read_at(t->procfd, path, &status, &len)) {
		if (tgt_status_u64(status, "TracerPid:", 10, &tracer))
			tracer = 0;
		free(status);
	}
	errno = saved_errno;
	return tracer == (uint64_t)getpid();
}

static enum seize_result seize_one(struct target *t, pid_t tid,
				   struct cap_error *err)
{
	struct thread_state *th;
	struct tgt_stat st;
	int ret;

	ret = read_thread_stat(t, tid, &st);
	if (ret)
		return is_gone(-ret) ? SEIZE_GONE : SEIZE_FAIL;
	if (st.state == 'Z' || st.state == 'X') {
		/* A dead leader keeps its tid while others run: list it. */
		if (tid != t->pid || st.state == 'X')
			return SEIZE_GONE;
		if (!add_thread(t, tid, st.state))
			goto nomem;
		return SEIZE_OK;
	}
	if (held_tid && tid == held_tid) {
		if (emerg_add(tid))
			goto nomem;
		th = add_thread(t, tid, st.state);
		if (!th) {
			emerg_forget(tid);
			goto nomem;
		}
		th->seized = th->frozen = true;
		th->resume_sig = held_sig;
		emerg_set_sig(tid, held_sig);
		held_tid = 0;   /* its release is the thaw's now */
		return SEIZE_OK;
	}
	if (seize_retrying(tid) && !(traced_by_us(t, tid) && readopt(tid))) {
		if (errno == ESRCH)
			return SEIZE_GONE;
		if (errno == EPERM) {
			/* An exiting thread refuses too: not a permission. */
			ret = read_thread_stat(t, tid, &st);
			if ((ret && is_gone(-ret)) ||
			    (!ret && (st.state == 'Z' || st.state == 'X')))
				return SEIZE_GONE;
			tgt_explain_eperm(t, tid, err);
			return SEIZE_FAIL;
		}
		tgt_set_err(err, "cannot seize thread %d of pid %d: %s",
			    (int)tid, (int)t->pid, strerror(errno));
		return SEIZE_FAIL;
	}
	if (emerg_add(tid)) {
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		goto nomem;
	}
	th = add_thread(t, tid, st.state);
	if (!th) {
		emerg_forget(tid);
		/* Not stopped yet: detach can fail; exit detaches then. */
		if (!ptrace(PTRACE_INTERRUPT, tid, NULL, NULL)) {
			struct thread_state tmp = { .tid = tid, .seized = true };

			release_thread(&tmp);
		}
		goto nomem;
	}
	th->seized = true;
	/* ESRCH here: it is exiting; wait_stop() collects the exit. */
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) && errno != ESRCH) {
		tgt_set_err(err, "cannot interrupt thread %d of pid %d: %s",
			    (int)tid, (int)t->pid, strerror(errno));
		return SEIZE_FAIL;
	}
	return SEIZE_OK;

nomem:
	tgt_set_err(err, "out of memory while freezing pid %d", (int)t->pid);
	return SEIZE_FAIL;
}

static void read_xstate(struct thread_state *th)
{
	size_t size = XSTATE_FIRST;
	struct iovec iov;
	uint8_t *buf = NULL, *grown;

	for (;;) {
		grown = realloc(buf, size);
		if (!grown)
			break;
		buf = grown;
		iov.iov_base = buf;
		iov.iov_len = size;
		if (ptrace(PTRACE_GETREGSET, th->tid,
			   (void *)(long)NT_X86_XSTATE, &iov))
			break;
		/* A full buffer may mean a truncated regset: grow. */
		if (iov.iov_len < size || size >= XSTATE_MAX) {
			th->xstate = buf;
			th->xstate_len = iov.iov_len;
			return;
		}
		size *= 2;
	}
	free(buf);
}

static void read_registers(struct thread_state *th)
{
	siginfo_t si;
	struct iovec iov;

	iov.iov_base = &th->regs;
	iov.iov_len = sizeof(th->regs);
	th->regs_ok = !ptrace(PTRACE_GETREGSET, th->tid,
			      (void *)(long)NT_PRSTATUS, &iov) &&
		      iov.iov_len == sizeof(th->regs);
	iov.iov_base = &th->fpregs;
	iov.iov_len = sizeof(th->fpregs);
	th->fpregs_ok = !ptrace(PTRACE_GETREGSET, th->tid,
				(void *)(long)NT_PRFPREG, &iov) &&
			iov.iov_len == sizeof(th->fpregs);
	read_xstate(th);
	th->sigmask_ok = !ptrace(PTRACE_GETSIGMASK, th->tid,
				 (void *)sizeof(th->sigmask), &th->sigmask);
	memset(&si, 0, sizeof(si));
	if (!ptrace(PTRACE_GETSIGINFO, th->tid, NULL, &si)) {
		th->siginfo_ok = true;
		th->si_signo = si.si_signo;
		th->si_code = si.si_code;
		th->si_errno = si.si_errno;
	}
}

static int cmp_tid(const void *a, const void *b)
{
	const struct thread_state *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/*
 * Seize and interrupt the tids not seen yet, without waiting for their
 * stops; *added says whether any were.
 */
static int seize_pass(struct target *t, struct tid_set *gone, bool *added,
		      struct cap_error *err)
{
	size_t i, ntids = 0;
	pid_t *tids = NULL;
	int ret;

	*added = false;
	ret = scan_tids(t, &tids, &ntids);
	if (ret) {
		if (is_gone(-ret)) {
			t->exited = true;
			tgt_set_err(err, "target exited during the freeze");
		} else {
			tgt_set_err(err, "cannot list threads of pid %d: %s",
				    (int)t->pid, strerror(-ret));
		}
		return -1;
	}
	for (i = 0; i < ntids; i++) {
		if (has_thread(t, tids[i]) || tid_set_has(gone, tids[i]))
			continue;
		switch (seize_one(t, tids[i], err)) {
		case SEIZE_OK:
			*added = true;
			break;
		case SEIZE_GONE:
			if (tids[i] == t->pid) {
				t->exited = true;
				tgt_set_err(err, "target exited during the "
					    "freeze");
				goto fail;
			}
			if (tid_set_add(gone, tids[i]))
				goto nomem;
			*added = true;  /* something changed: rescan */
			break;
		case SEIZE_FAIL:
			goto fail;
		}
	}
	free(tids);
	return 0;

nomem:
	tgt_set_err(err, "out of memory while freezing pid %d", (int)t->pid);
fail:
	free(tids);
	return -1;
}

/* Wait for the stops of the threads seized from index first on. */
static int wait_pass(struct target *t, size_t first, struct tid_set *gone,
		     struct cap_error *err)
{
	enum wait_result w;
	int err_no = 0;
	size_t i;

	for (i = first; i < t->nthreads; i++) {
		struct thread_state *th = &t->threads[i];

		if (!th->seized || th->frozen)  /* frozen: a held thread */
			continue;
		w = wait_stop(th, STOP_TIMEOUT_NS, &err_no);
		if (w == WAIT_STOPPED)
			continue;
		if (w == WAIT_GONE) {
			if (th->tid == t->pid) {
				t->exited = true;
				tgt_set_err(err, "target exited during the "
					    "freeze");
				return -1;
			}
			emerg_forget(th->tid);
			if (tid_set_add(gone, th->tid))
				goto nomem;
			remove_thread(t, i--);
			continue;
		}
		if (w == WAIT_TIMEOUT)
			tgt_set_err(err, "thread %d of pid %d did not stop "
				    "within %lld s (state %c: uninterruptible "
				    "sleep?)", (int)th->tid, (int)t->pid,
				    STOP_TIMEOUT_NS / 1000000000ll, th->state);
		else
			tgt_set_err(err, "waiting for thread %d of pid %d: %s",
				    (int)th->tid, (int)t->pid,
				    strerror(err_no));
		return -1;
	}
	return 0;

nomem:
	tgt_set_err(err, "out of memory while freezing pid %d", (int)t->pid);
	return -1;
}

/* Seize and stop the tids not seen yet; *added says whether any were. */
static int freeze_pass(struct target *t, struct tid_set *gone, bool *added,
		       struct cap_error *err)
{
	const size_t first_new = t->nthreads;

	if (seize_pass(t, gone, added, err))
		return -1;
	return wait_pass(t, first_new, gone, err);
}

/*
 * The first pass without its wait: every thread listed now is seized and
 * interrupted, and stops on its own while the caller goes on.
 */
static int freeze_start(struct target *t, struct cap_error *err)
{
	struct tid_set gone = { 0 };
	bool added;
	int ret;

	free_threads(t);
	ret = seize_pass(t, &gone, &added, err);
	free(gone.tids);
	if (ret)
		release_all(t);
	return ret;
}

/*
 * Wait for the stops of what freeze_start() seized, then seize the threads
 * born meanwhile until a pass finds none; read every thread's registers.
 */
static int freeze_complete(struct target *t, struct cap_error *err)
{
	struct tid_set gone = { 0 };
	bool added = true;
	int pass;
	size_t i;

	if (wait_pass(t, 0, &gone, err))
		goto fail;
	for (pass = 0; added; pass++) {
		if (pass == MAX_PASSES) {
			tgt_set_err(err, "threads of pid %d kept appearing "
				    "for %d passes: gave up", (int)t->pid,
				    MAX_PASSES);
			goto fail;
		}
		if (freeze_pass(t, &gone, &added, err))
			goto fail;
	}
	if (!target_same(t)) {
		t->exited = true;
		tgt_set_err(err, "target exited during the freeze");
		goto fail;
	}
	for (i = 0; i < t->nthreads; i++)
		if (t->threads[i].frozen)
			read_registers(&t->threads[i]);
	if (t->nthreads)
		qsort(t->threads, t->nthreads, sizeof(*t->threads), cmp_tid);
	t->frozen = true;
	free(gone.tids);
	return 0;

fail:
	release_all(t);
	free(gone.tids);
	return -1;
}

static int freeze_once(struct target *t, struct cap_error *err)
{
	return freeze_start(t, err) || freeze_complete(t, err) ? -1 : 0;
}

/*
 * After a failed freeze: the leader's task went away but the process did
 * not, so an execve by another thread replaced it.  Try the new program.
 */
static bool retry_after_exec(struct target *t)
{
	if (!t->exited || !target_same(t))
		return false;
	t->exited = false;
	return true;
}

int target_freeze(struct target *t, struct cap_error *err)
{
	int attempt, ret;

	if (t->frozen)
		return 0;
	for (attempt = 0;; attempt++) {
		ret = freeze_once(t, err);
		if (!ret || !retry_after_exec(t))
			return ret;
		if (attempt == EXEC_RETRIES) {
			tgt_set_err(err, "pid %d kept calling execve during "
				    "the freeze: gave up", (int)t->pid);
			return ret;
		}
	}
}

/* Between target_freeze_begin() and _finish(): something is seized. */
static bool begun(const struct target *t)
{
	size_t i;

	for (i = 0; i < t->nthreads; i++)
		if (t->threads[i].seized)
			return true;
	return false;
}

int target_freeze_begin(struct target *t, struct cap_error *err)
{
	if (t->frozen || begun(t))
		return 0;
	if (!freeze_start(t, err))
		return 0;
	if (!retry_after_exec(t))
		return -1;
	return target_freeze(t, err);
}

int target_freeze_finish(struct target *t, struct cap_error *err)
{
	if (t->frozen)
		return 0;
	if (!begun(t))
		return target_freeze(t, err);
	if (!freeze_complete(t, err))
		return 0;
	if (!retry_after_exec(t))
		return -1;
	return target_freeze(t, err);
}

void target_thaw(struct target *t)
{
	release_all(t);
}

int target_list_threads(struct target *t, struct cap_error *err)
{
	struct tgt_stat st;
	pid_t *tids = NULL;
	size_t i, ntids = 0;
	int ret;

	if (t->frozen)
		return 0;
	free_threads(t);
	ret = scan_tids(t, &tids, &ntids);
	if (ret) {
		tgt_set_err(err, "cannot list threads of pid %d: %s",
			    (int)t->pid, strerror(-ret));
		return -1;
	}
	for (i = 0; i < ntids; i++) {
		if (read_thread_stat(t, tids[i], &st))
			continue;  /* exited since the scan */
		if (!add_thread(t, tids[i], st.state)) {
			tgt_set_err(err, "out of memory listing threads");
			free(tids);
			return -1;
		}
	}
	free(tids);
	if (t->nthreads)     /* all gone since the scan: threads is NULL */
		qsort(t->threads, t->nthreads, sizeof(*t->threads), cmp_tid);
	return 0;
}
