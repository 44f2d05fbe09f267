// SPDX-License-Identifier: MIT
/*
 * test_cap_cow.c - the --cow machinery against live victims: the injected
 * fork's child holds the frozen instant (copy on write), and afterwards
 * the victim runs untraced, has no child, got no SIGCHLD, and its
 * registers (general, FP, xstate), signal mask and pending signals are as
 * before; blocked system calls (read, nanosleep) resume as if nothing
 * happened; refusals name their reason; SIGKILL of the capturing process
 * mid-way leaves the victim running, with at most a zombie child.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <elf.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cow.h"
#include "inject.h"
#include "maps.h"
#include "target.h"
#include "freeze.h"
#include "target_int.h"
#include "yaml_out.h"
#include "yaml_tree.h"

#ifdef __x86_64__

#define PATTERN_LEN (4u << 20)
#define SMALL_LEN (64u << 10)
#define SLEEP_NS 400000000ll

struct shared {
	volatile uint64_t counter;      /* the spinner */
	volatile uint64_t sigchld;      /* SIGCHLD handled by the victim */
	volatile uint64_t sleeps;       /* nanosleeps completed */
	volatile int64_t sleep_bad;     /* nanosleep != 0, or too short */
	volatile int64_t sleep_ns;      /* the last one's length */
	volatile int64_t read_ret;      /* read(): result or -errno */
	volatile int read_byte;
	volatile int64_t ppoll_ret;
	volatile int mutate, mutated;
	volatile int ready;
	volatile uintptr_t pattern, shared_map, dontfork, wipe;
	volatile pid_t tid_spin, tid_sleep, tid_read;
	int pipefd[2];
	volatile uint64_t rt_handled;   /* SIGRTMIN handled by the victim */
	volatile long ch_maxrss, ch_nvcsw, ch_utime_us, ch_stime_us;
	volatile int rusage_seq;
	volatile pid_t cow_pid;         /* the driver's child, for the test */
	volatile int driver_stage;
	volatile int close_cmd, closed;
	char lockfile[64];
};

static struct shared *shm;
static pid_t live_child, live_driver;

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static uint8_t pattern_byte(size_t i, int gen)
{
	return (uint8_t)((i * 2654435761u) >> 13) ^ (uint8_t)(gen * 0x5a);
}

/* ---- the victim -------------------------------------------------------- */

static void on_sigchld(int sig)
{
	(void)sig;
	__atomic_add_fetch(&shm->sigchld, 1, __ATOMIC_RELAXED);
}

static void on_rt(int sig)
{
	(void)sig;
	__atomic_add_fetch(&shm->rt_handled, 1, __ATOMIC_RELAXED);
}

/* SIGUSR2: report getrusage(RUSAGE_CHILDREN), what a reap credits */
static void on_usr2(int sig)
{
	struct rusage ru;

	(void)sig;
	getrusage(RUSAGE_CHILDREN, &ru);
	shm->ch_maxrss = ru.ru_maxrss;
	shm->ch_nvcsw = ru.ru_nvcsw + ru.ru_nivcsw;
	shm->ch_utime_us = ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
	shm->ch_stime_us = ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
	__atomic_add_fetch(&shm->rusage_seq, 1, __ATOMIC_RELEASE);
}

static void fill(uint8_t *p, size_t len, int gen)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(i, gen);
}

static void *spin(void *arg)
{
	(void)arg;
	shm->tid_spin = gettid();
	for (;;) {
		__atomic_add_fetch(&shm->counter, 1, __ATOMIC_RELAXED);
		if (shm->mutate && !shm->mutated) {
			fill((uint8_t *)shm->pattern, PATTERN_LEN, 1);
			memset((void *)shm->shared_map, 0x77, SMALL_LEN);
			__atomic_store_n(&shm->mutated, 1, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

static void *sleeper(void *arg)
{
	const struct timespec req = { 0, SLEEP_NS };
	int64_t t0, dt;
	int r;

	(void)arg;
	shm->tid_sleep = gettid();
	for (;;) {
		t0 = mono_ns();
		r = nanosleep(&req, NULL);
		dt = mono_ns() - t0;
		shm->sleep_ns = dt;
		if (r || dt < SLEEP_NS)
			shm->sleep_bad++;
		shm->sleeps++;
	}
	return NULL;
}

static void *reader(void *arg)
{
	unsigned char b = 0;
	ssize_t r;

	(void)arg;
	shm->tid_read = gettid();
	r = read(shm->pipefd[0], &b, 1);
	shm->read_byte = b;
	__atomic_store_n(&shm->read_ret, r < 0 ? -errno : r, __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

static void victim_maps(void)
{
	uint8_t *p;

	p = mmap(NULL, PATTERN_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	fill(p, PATTERN_LEN, 0);
	shm->pattern = (uintptr_t)p;
	p = mmap(NULL, SMALL_LEN, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(p, 0x11, SMALL_LEN);
	shm->shared_map = (uintptr_t)p;
	p = mmap(NULL, SMALL_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0x22, SMALL_LEN);
	madvise(p, SMALL_LEN, MADV_DONTFORK);
	shm->dontfork = (uintptr_t)p;
	p = mmap(NULL, SMALL_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 0x33, SMALL_LEN);
	madvise(p, SMALL_LEN, MADV_WIPEONFORK);
	shm->wipe = (uintptr_t)p;
}

/* Threads in four states: spinning, nanosleep, read, pause. */
static void victim_full(void)
{
	pthread_t th;
	sigset_t set;

	victim_maps();
	pthread_create(&th, NULL, spin, NULL);
	pthread_create(&th, NULL, sleeper, NULL);
	pthread_create(&th, NULL, reader, NULL);
	/* a non-trivial mask, and a signal left pending under it */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	while (!shm->tid_spin || !shm->tid_sleep || !shm->tid_read ||
	       !shm->sleeps)
		sleep_ms(1);
	shm->ready = 1;
	for (;;)
		pause();
}

/* Only one thread, blocked in read(): the injection must use it. */
static void victim_read(void)
{
	victim_maps();
	shm->ready = 1;
	reader(NULL);
}

static void victim_sleep(void)
{
	victim_maps();
	shm->ready = 1;
	sleeper(NULL);
}

static void victim_ppoll(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	shm->ready = 1;
	shm->ppoll_ret = ppoll(NULL, 0, NULL, &mask);
	for (;;)
		pause();
}

static pid_t start_victim_flags(void (*body)(void), unsigned long flags)
{
	char lockfile[sizeof(shm->lockfile)];
	struct sigaction sa;
	pid_t pid;

	memcpy(lockfile, shm->lockfile, sizeof(lockfile));
	memset(shm, 0, sizeof(*shm));
	memcpy(shm->lockfile, lockfile, sizeof(lockfile));
	assert_int_equal(pipe(shm->pipefd), 0);
	/* flags: CLONE_NEWPID puts the victim in a pid namespace of its own */
	pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigchld;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGCHLD, &sa, NULL);
		sa.sa_handler = on_rt;
		sigaction(SIGRTMIN, &sa, NULL);
		sa.sa_handler = on_usr2;
		sigaction(SIGUSR2, &sa, NULL);
		body();
		_exit(0);
	}
	live_child = pid;
	while (!shm->ready)
		sleep_ms(1);
	return pid;
}

static pid_t start_victim(void (*body)(void))
{
	return start_victim_flags(body, 0);
}

static void end_victim(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
	close(shm->pipefd[0]);
	close(shm->pipefd[1]);
	live_child = 0;
}

static int kill_leftover(void **state)
{
	(void)state;
	if (live_driver > 0) {
		kill(live_driver, SIGKILL);
		waitpid(live_driver, NULL, __WALL);
		live_driver = 0;
	}
	if (live_child > 0)
		end_victim(live_child);
	return 0;
}

/* ---- observing the victim ---------------------------------------------- */

static void status_field(pid_t pid, pid_t tid, const char *key, char *out,
			 size_t n)
{
	char path[96], line[256];
	const size_t klen = strlen(key);
	FILE *f;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status",
			 (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	out[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen)) {
			snprintf(out, n, "%s", line + klen + 1);
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	fclose(f);
}

static long tracer_of(pid_t pid)
{
	char v[64];

	status_field(pid, 0, "TracerPid:", v, sizeof(v));
	return strtol(v, NULL, 10);
}

/* The state letter of pid ('\0' when gone) and its parent. */
static char state_of(pid_t pid, pid_t *ppid)
{
	char v[64];
	const char *p;

	status_field(pid, 0, "State:", v, sizeof(v));
	for (p = v; *p == ' ' || *p == '\t'; p++)
		;
	if (ppid) {
		char pp[32];

		status_field(pid, 0, "PPid:", pp, sizeof(pp));
		*ppid = (pid_t)strtol(pp, NULL, 10);
	}
	return *p;
}

/* Concatenation of every thread's children file: "" when none. */
static void children_of(pid_t pid, char *out, size_t n)
{
	char path[96];
	int *tids = NULL;
	size_t nt = 0, i, len;
	char *text;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	if (tgt_list_numeric(AT_FDCWD, path, &tids, &nt))
		return;
	for (i = 0; i < nt; i++) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
			 (int)pid, tids[i]);
		if (tgt_read_at(AT_FDCWD, path, &text, &len))
			continue;
		strncat(out, text, n - strlen(out) - 1);
		free(text);
	}
	free(tids);
}

/* Wait until tid sits in system call nr (/proc/.../syscall). */
static void wait_in_syscall(pid_t pid, pid_t tid, long nr)
{
	char path[96], *text;
	size_t len;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid,
		 (int)tid);
	for (i = 0; i < 5000; i++) {
		if (!tgt_read_at(AT_FDCWD, path, &text, &len)) {
			/* "running" when not in a system call */
			long cur = isdigit((unsigned char)text[0]) ?
				   strtol(text, NULL, 10) : -1;

			free(text);
			if (cur == nr)
				return;
		}
		sleep_ms(1);
	}
	fail_msg("thread %d never entered syscall %ld", (int)tid, nr);
}

struct thread_snap {
	pid_t tid;
	struct user_regs_struct regs;
	struct user_fpregs_struct fp;
	uint8_t xstate[8192];
	size_t xlen;
	uint64_t mask;
	char sigpnd[32], shdpnd[32];
};

/* Everything a syscall must not change, read through ptrace (frozen). */
static void snap_thread(pid_t pid, pid_t tid, struct thread_snap *s)
{
	struct iovec iov;

	memset(s, 0, sizeof(*s));
	s->tid = tid;
	iov.iov_base = &s->regs;
	iov.iov_len = sizeof(s->regs);
	assert_int_equal(ptrace(PTRACE_GETREGSET, tid,
				(void *)(long)NT_PRSTATUS, &iov), 0);
	iov.iov_base = &s->fp;
	iov.iov_len = sizeof(s->fp);
	assert_int_equal(ptrace(PTRACE_GETREGSET, tid,
				(void *)(long)NT_PRFPREG, &iov), 0);
	iov.iov_base = s->xstate;
	iov.iov_len = sizeof(s->xstate);
	if (!ptrace(PTRACE_GETREGSET, tid, (void *)(long)NT_X86_XSTATE, &iov))
		s->xlen = iov.iov_len;
	assert_int_equal(ptrace(PTRACE_GETSIGMASK, tid,
				(void *)sizeof(s->mask), &s->mask), 0);
	status_field(pid, tid, "SigPnd:", s->sigpnd, sizeof(s->sigpnd));
	status_field(pid, tid, "ShdPnd:", s->shdpnd, sizeof(s->shdpnd));
}

static void snap_all(const struct target *t, struct thread_snap *s)
{
	size_t i;

	for (i = 0; i < t->nthreads; i++)
		snap_thread(t->pid, t->threads[i].tid, &s[i]);
}

static void assert_snaps_equal(const struct target *t,
			       const struct thread_snap *a)
{
	struct thread_snap b;
	size_t i;

	for (i = 0; i < t->nthreads; i++) {
		snap_thread(t->pid, t->threads[i].tid, &b);
		assert_memory_equal(&a[i].regs, &b.regs, sizeof(b.regs));
		assert_memory_equal(&a[i].fp, &b.fp, sizeof(b.fp));
		assert_int_equal(a[i].xlen, b.xlen);
		assert_memory_equal(a[i].xstate, b.xstate, b.xlen);
		assert_int_equal(a[i].mask, b.mask);
		assert_string_equal(a[i].sigpnd, b.sigpnd);
		assert_string_equal(a[i].shdpnd, b.shdpnd);
	}
}

static bool counter_moves(void)
{
	uint64_t before = shm->counter;
	int i;

	for (i = 0; i < 2000; i++) {
		sleep_ms(1);
		if (shm->counter != before)
			return true;
	}
	return false;
}

static ssize_t read_mem(pid_t pid, uintptr_t addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)addr, len };

	return process_vm_readv(pid, &l, 1, &r, 1, 0);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- tests ------------------------------------------------------------- */

static void freeze_ok(struct target *t, pid_t pid)
{
	struct cap_error err = { "" };

	if (target_open(t, pid, &err) || target_freeze(t, &err))
		fail_msg("%s", err.msg);
}

/* The victim's children rusage, as it would see it itself. */
static void children_rusage(pid_t pid, long out[4])
{
	const int seq = shm->rusage_seq;

	assert_int_equal(kill(pid, SIGUSR2), 0);
	while (__atomic_load_n(&shm->rusage_seq, __ATOMIC_ACQUIRE) == seq)
		sleep_ms(1);
	out[0] = shm->ch_maxrss;
	out[1] = shm->ch_nvcsw;
	out[2] = shm->ch_utime_us;
	out[3] = shm->ch_stime_us;
}

static void check_child_content(pid_t child, pid_t victim)
{
	uint8_t *want, *got;
	size_t i;

	want = malloc(PATTERN_LEN);
	got = malloc(PATTERN_LEN);
	assert_non_null(want);
	assert_non_null(got);
	for (i = 0; i < PATTERN_LEN; i++)
		want[i] = pattern_byte(i, 0);
	/* the child holds the instant; the victim has moved on */
	assert_int_equal(read_mem(child, shm->pattern, got, PATTERN_LEN),
			 PATTERN_LEN);
	assert_memory_equal(got, want, PATTERN_LEN);
	assert_int_equal(read_mem(victim, shm->pattern, got, PATTERN_LEN),
			 PATTERN_LEN);
	assert_int_equal(got[12345], pattern_byte(12345, 1));
	/* shared: the later write shows through; wipeonfork: zero;
	 * dontfork: absent */
	assert_int_equal(read_mem(child, shm->shared_map, got, SMALL_LEN),
			 SMALL_LEN);
	assert_true(all_bytes(got, SMALL_LEN, 0x77));
	assert_int_equal(read_mem(child, shm->wipe, got, SMALL_LEN),
			 SMALL_LEN);
	assert_true(all_bytes(got, SMALL_LEN, 0));
	assert_true(read_mem(child, shm->dontfork, got, SMALL_LEN) < 0);
	free(want);
	free(got);
}

static void check_must_copy(const struct target *t)
{
	struct region_list l = { 0 };
	struct cap_error err = { "" };
	struct cow_copy *v;
	size_t n, i;
	int seen = 0;

	assert_int_equal(maps_read(t->procfd, &l, &err), 0);
	maps_classify(&l, false);
	assert_int_equal(cow_must_copy(&l, &v, &n), 0);
	for (i = 0; i < n; i++) {
		const struct region *r = &l.v[v[i].region];

		if (r->start == shm->shared_map && v[i].why == COW_SHARED)
			seen |= 1;
		if (r->start == shm->dontfork && v[i].why == COW_DONTFORK)
			seen |= 2;
		if (r->start == shm->wipe && v[i].why == COW_WIPEONFORK)
			seen |= 4;
		/* the private pattern is held by the child: not listed */
		assert_true(r->start != shm->pattern);
	}
	assert_int_equal(seen, 7);
	free(v);
	maps_free(&l);
}

/* The intervention record parses and says what was done and left. */
static void check_emit(const struct cow_child *c, const char *left)
{
	const struct ynode *root, *inj;
	struct msnap_error merr;
	struct ytree *tree;
	struct yout *y;
	size_t len;
	char *text;
	int64_t v;

	memset(&merr, 0, sizeof(merr));
	y = yout_new();
	assert_non_null(y);
	yout_map_begin(y);
	cow_emit(y, c);
	yout_map_end(y);
	assert_int_equal(yout_finish(y, &text, &len, &merr), 0);
	yout_free(y);
	if (ytree_parse(&tree, text, len, NULL, &merr))
		fail_msg("cow_emit output does not parse:\n%s", text);
	root = ytree_root(tree);
	assert_string_equal(ynode_str(ynode_path(root, "intervention.mode"),
				      NULL), "cow");
	inj = ynode_path(root, "intervention.injected");
	assert_int_equal(ynode_len(inj), c->reaped_by ? 2 : 1);
	assert_string_equal(ynode_str(ynode_get(ynode_at(inj, 0), "syscall"),
				      NULL), "clone");
	assert_int_equal(ynode_i64(ynode_get(ynode_at(inj, 0), "thread"), &v),
			 0);
	assert_int_equal(v, c->forked_by);
	assert_non_null(strstr(ynode_str(ynode_path(root,
				"intervention.left_behind"), NULL), left));
	ytree_free(tree);
	free(text);
}

static void test_cow_full(void **state)
{
	struct thread_snap before[8];
	struct cap_error err = { "" };
	struct cow_child c;
	struct target t;
	char kids[256], tmp[64];
	pid_t pid, ppid = 0;
	unsigned char b = 0xa5;
	long ru0[4], ru1[4];

	(void)state;
	pid = start_victim(victim_full);
	wait_in_syscall(pid, shm->tid_read, SYS_read);
	wait_in_syscall(pid, shm->tid_sleep, SYS_clock_nanosleep);
	children_rusage(pid, ru0);
	freeze_ok(&t, pid);
	assert_true(t.nthreads <= 8);
	assert_int_equal(cow_preflight(&t, &err), 0);
	snap_all(&t, before);

	if (cow_fork(&t, &c, &err))
		fail_msg("cow_fork: %s", err.msg);
	assert_true(c.pid > 0);
	print_message("# site %#llx in %s (stack access next: %d), forked by %d, "
		      "clone %.3f ms\n", (unsigned long long)c.site.addr,
		      c.site.where, c.site.then_ret, (int)c.forked_by,
		      c.fork_ns / 1e6);
	assert_snaps_equal(&t, before);
	check_emit(&c, "alive");
	assert_int_equal(state_of(c.pid, &ppid), 't');  /* traced stop */
	assert_int_equal(ppid, pid);
	assert_int_equal(tracer_of(c.pid), getpid());
	check_must_copy(&t);
	target_thaw(&t);

	/* the victim runs while we read the child */
	shm->mutate = 1;
	while (!__atomic_load_n(&shm->mutated, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	check_child_content(c.pid, pid);
	children_of(pid, kids, sizeof(kids));
	snprintf(tmp, sizeof(tmp), "%d", (int)c.pid);
	assert_non_null(strstr(kids, tmp));

	freeze_ok(&t, pid);
	snap_all(&t, before);
	if (cow_reap(&t, &c, &err))
		fail_msg("cow_reap: %s", err.msg);
	assert_int_equal(c.pid, 0);
	assert_snaps_equal(&t, before);
	target_thaw(&t);
	check_emit(&c, "nothing");

	children_of(pid, kids, sizeof(kids));
	assert_string_equal(kids, "");
	assert_int_equal(tracer_of(pid), 0);
	assert_true(counter_moves());
	/* the blocked read resumes and gets its byte; sleeps stay whole */
	assert_int_equal(write(shm->pipefd[1], &b, 1), 1);
	while (!__atomic_load_n(&shm->read_ret, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	assert_int_equal(shm->read_ret, 1);
	assert_int_equal(shm->read_byte, 0xa5);
	sleep_ms(2 * SLEEP_NS / 1000000);
	assert_int_equal(shm->sleep_bad, 0);
	assert_int_equal(shm->sigchld, 0);
	/* disclosed, not hidden: the reap credits the child to the victim */
	children_rusage(pid, ru1);
	print_message("# victim's RUSAGE_CHILDREN before/after: maxrss %ld/%ld "
		      "kB, csw %ld/%ld, utime %ld/%ld us, stime %ld/%ld us\n",
		      ru0[0], ru1[0], ru0[1], ru1[1], ru0[2], ru1[2], ru0[3],
		      ru1[3]);
	target_close(&t);
	end_victim(pid);
}

/*
 * A victim with one thread blocked in a system call: the injection must
 * use it, and the call must carry on as if never interrupted.
 */
static void cow_single(void (*body)(void), long nr, pid_t *out_pid)
{
	struct thread_snap before[1];
	struct cap_error err = { "" };
	struct cow_child c;
	struct target t;
	pid_t pid;

	pid = start_victim(body);
	wait_in_syscall(pid, pid, nr);
	freeze_ok(&t, pid);
	assert_int_equal(t.nthreads, 1);
	print_message("# thread in syscall %ld: rax %lld orig_rax %lld\n", nr,
		      (long long)t.threads[0].regs.rax,
		      (long long)t.threads[0].regs.orig_rax);
	/* interrupted in the call: the kernel's restart is what is tested */
	assert_int_equal((long)t.threads[0].regs.orig_rax, nr);
	assert_true((long)t.threads[0].regs.rax <= -512 &&
		    (long)t.threads[0].regs.rax >= -516);
	snap_all(&t, before);
	if (cow_fork(&t, &c, &err))
		fail_msg("cow_fork: %s", err.msg);
	assert_snaps_equal(&t, before);
	if (cow_reap(&t, &c, &err))
		fail_msg("cow_reap: %s", err.msg);
	assert_snaps_equal(&t, before);
	target_thaw(&t);
	target_close(&t);
	*out_pid = pid;
}

static void test_restart_read(void **state)
{
	unsigned char b = 0x5c;
	char kids[64];
	pid_t pid;

	(void)state;
	cow_single(victim_read, SYS_read, &pid);
	sleep_ms(50);
	assert_int_equal(shm->read_ret, 0);     /* still blocked */
	assert_int_equal(write(shm->pipefd[1], &b, 1), 1);
	while (!__atomic_load_n(&shm->read_ret, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	assert_int_equal(shm->read_ret, 1);
	assert_int_equal(shm->read_byte, 0x5c);
	children_of(pid, kids, sizeof(kids));
	assert_string_equal(kids, "");
	assert_int_equal(shm->sigchld, 0);
	end_victim(pid);
}

static void test_restart_nanosleep(void **state)
{
	uint64_t done;
	pid_t pid;

	(void)state;
	cow_single(victim_sleep, SYS_clock_nanosleep, &pid);
	done = shm->sleeps;
	while (shm->sleeps < done + 2)
		sleep_ms(5);
	/* -ERESTART_RESTARTBLOCK: restart_syscall finished the sleep */
	assert_int_equal(shm->sleep_bad, 0);
	assert_int_equal(shm->sigchld, 0);
	end_victim(pid);
}

static void test_refuses_temp_mask(void **state)
{
	struct cap_error err = { "" };
	struct cow_child c;
	struct target t;
	pid_t pid;

	(void)state;
	pid = start_victim(victim_ppoll);
	wait_in_syscall(pid, pid, SYS_ppoll);
	freeze_ok(&t, pid);
	assert_int_equal(cow_fork(&t, &c, &err), -1);
	assert_int_equal(c.pid, 0);
	assert_non_null(strstr(err.msg, "temporary signal mask"));
	assert_non_null(strstr(err.msg, "default mode"));
	target_thaw(&t);
	target_close(&t);
	sleep_ms(20);
	assert_int_equal(shm->ppoll_ret, 0);    /* still waiting */
	end_victim(pid);
}

static void test_refuses_seccomp(void **state)
{
	struct cap_error err = { "" };
	struct target t;
	pid_t pid;

	(void)state;
	memset(shm, 0, sizeof(*shm));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		/* strict mode: only read, write, exit, sigreturn */
		shm->ready = 1;
		syscall(SYS_seccomp, 0 /* SECCOMP_SET_MODE_STRICT */, 0, NULL);
		for (;;)
			;
	}
	live_child = pid;
	for (;;) {
		char v[32];

		status_field(pid, 0, "Seccomp:", v, sizeof(v));
		if (atoi(v) == 1)
			break;
		sleep_ms(1);
	}
	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_int_equal(cow_preflight(&t, &err), -1);
	assert_non_null(strstr(err.msg, "seccomp"));
	assert_non_null(strstr(err.msg, "default mode"));
	target_close(&t);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	live_child = 0;
}

/*
 * SIGKILL of the capturing process after the child exists, with the victim
 * still frozen (stage 1) or already thawed (stage 2): the victim runs on,
 * untraced; the child died with the driver (EXITKILL) and is left as a
 * zombie of the victim, without SIGCHLD, until the victim exits.
 */
static void driver(pid_t victim, int stage)
{
	struct cap_error err = { "" };
	struct cow_child c;
	struct target t;

	if (target_open(&t, victim, &err) || target_freeze(&t, &err) ||
	    cow_fork(&t, &c, &err)) {
		fprintf(stderr, "driver: %s\n", err.msg);
		_exit(2);
	}
	shm->cow_pid = c.pid;
	if (stage == 2)
		target_thaw(&t);
	__atomic_store_n(&shm->driver_stage, stage, __ATOMIC_RELEASE);
	for (;;)
		pause();
}

static void sigkill_driver_at(int stage)
{
	char kids[64], tmp[32];
	pid_t pid, drv, ppid = 0, cow;
	int st, i;

	pid = start_victim(victim_full);
	drv = fork();
	assert_true(drv >= 0);
	if (drv == 0)
		driver(pid, stage);
	live_driver = drv;
	while (!__atomic_load_n(&shm->driver_stage, __ATOMIC_ACQUIRE)) {
		assert_int_equal(waitpid(drv, &st, WNOHANG), 0);
		sleep_ms(1);
	}
	cow = shm->cow_pid;
	assert_true(cow > 0);
	assert_int_equal(kill(drv, SIGKILL), 0);
	assert_int_equal(waitpid(drv, &st, 0), drv);
	live_driver = 0;

	assert_true(counter_moves());
	assert_int_equal(tracer_of(pid), 0);
	for (i = 0; i < 1000 && state_of(cow, &ppid) != 'Z'; i++)
		sleep_ms(1);
	/* what is left: the child, dead, a zombie of the victim */
	assert_int_equal(state_of(cow, &ppid), 'Z');
	assert_int_equal(ppid, pid);
	children_of(pid, kids, sizeof(kids));
	snprintf(tmp, sizeof(tmp), "%d", (int)cow);
	assert_non_null(strstr(kids, tmp));
	sleep_ms(50);
	assert_int_equal(shm->sigchld, 0);
	/* when the victim exits, the zombie is reparented and reaped: we
	 * are the subreaper here */
	end_victim(pid);
	assert_int_equal(waitpid(cow, &st, 0), cow);
	assert_int_equal(state_of(cow, NULL), '\0');
}

static void test_sigkill_frozen(void **state)
{
	(void)state;
	sigkill_driver_at(1);
}

static void test_sigkill_thawed(void **state)
{
	(void)state;
	sigkill_driver_at(2);
}

struct sender {
	pid_t pid;
	volatile int stop;
	uint64_t sent;
};

/* Queue real-time signals at the victim while it is made to fork. */
static void *send_signals(void *arg)
{
	struct sender *s = arg;
	const struct timespec gap = { 0, 50000 };

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (!kill(s->pid, SIGRTMIN))
			s->sent++;
		nanosleep(&gap, NULL);
	}
	return NULL;
}

/* Signals that arrive during the injections stay pending and come after. */
static void test_signals_not_lost(void **state)
{
	struct sender snd = { 0 };
	struct cap_error err = { "" };
	struct cow_child c;
	struct target t;
	pthread_t th;
	pid_t pid;
	int i;

	(void)state;
	pid = start_victim(victim_full);
	snd.pid = pid;
	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_int_equal(pthread_create(&th, NULL, send_signals, &snd), 0);
	for (i = 0; i < 20; i++) {
		if (target_freeze(&t, &err) || cow_fork(&t, &c, &err))
			fail_msg("round %d: %s", i, err.msg);
		target_thaw(&t);
		if (target_freeze(&t, &err) || cow_reap(&t, &c, &err))
			fail_msg("round %d: %s", i, err.msg);
		target_thaw(&t);
	}
	__atomic_store_n(&snd.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	for (i = 0; i < 2000 && shm->rt_handled != snd.sent; i++)
		sleep_ms(1);
	print_message("# %" PRIu64 " signals sent, %" PRIu64 " handled\n",
		      snd.sent, shm->rt_handled);
	assert_true(snd.sent > 0);
	assert_int_equal(shm->rt_handled, snd.sent);
	assert_int_equal(shm->sigchld, 0);
	assert_true(counter_moves());
	target_close(&t);
	end_victim(pid);
}

/* A group-stopped victim forks and stays stopped afterwards. */
static void test_stopped_stays_stopped(void **state)
{
	struct cap_error err = { "" };
	struct cow_child c;
	struct target t;
	uint64_t before;
	pid_t pid;
	int st;

	(void)state;
	pid = start_victim(victim_full);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	freeze_ok(&t, pid);
	if (cow_fork(&t, &c, &err))
		fail_msg("cow_fork: %s", err.msg);
	check_must_copy(&t);
	if (cow_reap(&t, &c, &err))
		fail_msg("cow_reap: %s", err.msg);
	target_thaw(&t);
	sleep_ms(50);
	assert_int_equal(state_of(pid, NULL), 'T');
	before = shm->counter;
	sleep_ms(50);
	assert_true(shm->counter == before);
	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_true(counter_moves());
	assert_int_equal(shm->sigchld, 0);
	target_close(&t);
	end_victim(pid);
}

/* A user at its RLIMIT_NPROC: refused up front; forced, the clone fails
 * with EAGAIN and nothing is left behind. */
static void victim_nproc(void)
{
	const struct rlimit one = { 1, 1 };

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534) ||
	    setrlimit(RLIMIT_NPROC, &one))
		_exit(4);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	shm->ready = 1;
	for (;;)
		pause();
}

static void test_nproc(void **state)
{
	struct thread_snap before[1];
	struct cap_error err = { "" };
	struct cow_child c;
	struct target t;
	char kids[64];
	pid_t pid;

	(void)state;
	pid = start_victim(victim_nproc);
	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_int_equal(cow_preflight(&t, &err), -1);
	print_message("# %s\n", err.msg);
	assert_non_null(strstr(err.msg, "RLIMIT_NPROC"));
	assert_non_null(strstr(err.msg, "default mode"));
	/* forced past the refusal */
	assert_int_equal(target_freeze(&t, &err), 0);
	snap_all(&t, before);
	assert_int_equal(cow_fork(&t, &c, &err), -1);
	print_message("# %s\n", err.msg);
	assert_non_null(strstr(err.msg, "RLIMIT_NPROC"));
	assert_int_equal(c.pid, 0);
	assert_snaps_equal(&t, before);
	target_thaw(&t);
	children_of(pid, kids, sizeof(kids));
	assert_string_equal(kids, "");
	assert_int_equal(tracer_of(pid), 0);
	assert_int_equal(shm->sigchld, 0);
	target_close(&t);
	end_victim(pid);
}

/* The target dies while the child lives: the child is only killed. */
static void test_target_exits_first(void **state)
{
	struct cap_error err = { "" };
	struct cow_child c;
	struct target t;
	pid_t pid, cow;

	(void)state;
	pid = start_victim(victim_full);
	freeze_ok(&t, pid);
	if (cow_fork(&t, &c, &err))
		fail_msg("cow_fork: %s", err.msg);
	target_thaw(&t);
	cow = c.pid;
	end_victim(pid);
	assert_int_equal(cow_reap(&t, &c, &err), 0);
	assert_int_equal(c.pid, 0);
	assert_int_equal(state_of(cow, NULL), '\0');
	target_close(&t);
}

/* In a pid namespace of its own, the child has another pid there. */
static void test_pid_namespace(void **state)
{
	struct cap_error err = { "" };
	struct cow_child c;
	struct target t;
	char kids[64];
	pid_t pid;

	(void)state;
	pid = start_victim_flags(victim_full, CLONE_NEWPID);
	freeze_ok(&t, pid);
	if (cow_fork(&t, &c, &err))
		fail_msg("cow_fork: %s", err.msg);
	print_message("# child %d here, %d in the victim's namespace\n",
		      (int)c.pid, (int)c.pid_in_target);
	assert_int_not_equal(c.pid, c.pid_in_target);
	if (cow_reap(&t, &c, &err))
		fail_msg("cow_reap: %s", err.msg);
	target_thaw(&t);
	children_of(pid, kids, sizeof(kids));
	assert_string_equal(kids, "");
	assert_true(counter_moves());
	assert_int_equal(shm->sigchld, 0);
	target_close(&t);
	end_victim(pid);
}

/* Without a vDSO the borrowed instruction comes from the C library. */
static void victim_no_vdso(void)
{
	char line[256];
	unsigned long lo, hi;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]") &&
		    sscanf(line, "%lx-%lx", &lo, &hi) == 2)
			syscall(SYS_munmap, lo, hi - lo);
	if (f)
		fclose(f);
	shm->ready = 1;
	for (;;)
		syscall(SYS_pause);
}

static void test_site_in_libc(void **state)
{
	struct cap_error err = { "" };
	struct inject_site site;
	struct cow_child c;
	struct target t;
	pid_t pid;
	int i;

	(void)state;
	pid = start_victim(victim_no_vdso);
	wait_in_syscall(pid, pid, SYS_pause);
	freeze_ok(&t, pid);
	assert_int_equal(inject_find_site(&t, &site, &err), 0);
	print_message("# site %#llx in %s (stack access next: %d)\n",
		      (unsigned long long)site.addr, site.where,
		      site.then_ret);
	assert_non_null(strstr(site.where, "libc"));
	if (cow_fork(&t, &c, &err) || cow_reap(&t, &c, &err))
		fail_msg("%s", err.msg);
	target_thaw(&t);
	/* back in pause(): restarted by the kernel, not returned */
	for (i = 0; i < 1000 && state_of(pid, NULL) != 'S'; i++)
		sleep_ms(1);
	assert_int_equal(state_of(pid, NULL), 'S');
	wait_in_syscall(pid, pid, SYS_pause);
	assert_int_equal(tracer_of(pid), 0);
	assert_int_equal(shm->sigchld, 0);
	target_close(&t);
	end_victim(pid);
}

/* Locks, a timer, and a pipe whose write end it closes on command. */
static void victim_files(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = 0, .l_len = 10 };
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct itimerspec its = { { 1000, 0 }, { 1000, 0 } };
	timer_t timer;
	int fd, fd2;

	close(shm->pipefd[0]);
	fd = open(shm->lockfile, O_RDWR | O_CREAT, 0600);
	fd2 = open(shm->lockfile, O_RDONLY);
	if (fd < 0 || fd2 < 0 || fcntl(fd, F_SETLK, &fl) ||
	    flock(fd2, LOCK_SH) || timer_create(CLOCK_MONOTONIC, &sev, &timer) ||
	    timer_settime(timer, 0, &its, NULL))
		_exit(5);
	lseek(fd, 7, SEEK_SET);
	shm->ready = 1;
	for (;;) {
		if (shm->close_cmd && !shm->closed) {
			close(shm->pipefd[1]);
			shm->closed = 1;
		}
		__atomic_add_fetch(&shm->counter, 1, __ATOMIC_RELAXED);
		sleep_ms(1);
	}
}

/* Text of everything about fds, locks and timers /proc shows for pid. */
static void files_state(pid_t pid, char *out, size_t n)
{
	char path[96], link[256], line[512];
	int *fds = NULL;
	size_t nfd = 0, i, len;
	char *text;
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	assert_int_equal(tgt_list_numeric(AT_FDCWD, path, &fds, &nfd), 0);
	for (i = 0; i < nfd; i++) {
		ssize_t r;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid,
			 fds[i]);
		r = readlink(path, link, sizeof(link) - 1);
		link[r > 0 ? r : 0] = '\0';
		snprintf(line, sizeof(line), "fd %d -> %s\n", fds[i], link);
		strncat(out, line, n - strlen(out) - 1);
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)pid,
			 fds[i]);
		if (!tgt_read_at(AT_FDCWD, path, &text, &len)) {
			strncat(out, text, n - strlen(out) - 1);
			free(text);
		}
	}
	free(fds);
	snprintf(path, sizeof(path), "/proc/%d/timers", (int)pid);
	if (!tgt_read_at(AT_FDCWD, path, &text, &len)) {
		strncat(out, text, n - strlen(out) - 1);
		free(text);
	}
	/* /proc/locks numbers its lines: keep the part after the number */
	f = fopen("/proc/locks", "r");
	snprintf(path, sizeof(path), " %d ", (int)pid);
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, path))
			strncat(out, strchr(line, ' '), n - strlen(out) - 1);
	if (f)
		fclose(f);
}

static void test_files_locks_timers(void **state)
{
	static char s0[16384], s1[16384];
	struct cap_error err = { "" };
	struct pollfd pfd;
	struct cow_child c;
	struct target t;
	char b;
	pid_t pid;

	(void)state;
	memset(shm, 0, sizeof(*shm));
	snprintf(shm->lockfile, sizeof(shm->lockfile), "/tmp/test_cap_cow.%d",
		 (int)getpid());
	pid = start_victim_flags(victim_files, 0);
	close(shm->pipefd[1]);  /* the victim holds the only write end */
	files_state(pid, s0, sizeof(s0));
	assert_non_null(strstr(s0, "POSIX"));
	assert_non_null(strstr(s0, "FLOCK"));
	assert_non_null(strstr(s0, "ID: "));

	freeze_ok(&t, pid);
	if (cow_fork(&t, &c, &err))
		fail_msg("cow_fork: %s", err.msg);
	target_thaw(&t);
	files_state(pid, s1, sizeof(s1));
	assert_string_equal(s0, s1);    /* the child changed nothing */
	/* the child holds no reference: the victim's close is the last */
	shm->close_cmd = 1;
	pfd.fd = shm->pipefd[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(read(shm->pipefd[0], &b, 1), 0);
	files_state(pid, s0, sizeof(s0));

	freeze_ok(&t, pid);
	if (cow_reap(&t, &c, &err))
		fail_msg("cow_reap: %s", err.msg);
	target_thaw(&t);
	files_state(pid, s1, sizeof(s1));
	assert_string_equal(s0, s1);    /* and the reap changed nothing */
	assert_true(counter_moves());
	assert_int_equal(shm->sigchld, 0);
	target_close(&t);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(shm->pipefd[0]);
	live_child = 0;
	unlink(shm->lockfile);
}

static void test_must_copy_empty(void **state)
{
	struct region_list l = { 0 };
	struct cow_copy *v = (struct cow_copy *)1;
	size_t n = 1;

	(void)state;
	assert_int_equal(cow_must_copy(&l, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_cow_full, kill_leftover),
		cmocka_unit_test_teardown(test_restart_read, kill_leftover),
		cmocka_unit_test_teardown(test_restart_nanosleep, kill_leftover),
		cmocka_unit_test_teardown(test_signals_not_lost, kill_leftover),
		cmocka_unit_test_teardown(test_stopped_stays_stopped, kill_leftover),
		cmocka_unit_test_teardown(test_refuses_temp_mask, kill_leftover),
		cmocka_unit_test_teardown(test_refuses_seccomp, kill_leftover),
		cmocka_unit_test_teardown(test_nproc, kill_leftover),
		cmocka_unit_test_teardown(test_target_exits_first, kill_leftover),
		cmocka_unit_test_teardown(test_pid_namespace, kill_leftover),
		cmocka_unit_test_teardown(test_site_in_libc, kill_leftover),
		cmocka_unit_test_teardown(test_files_locks_timers, kill_leftover),
		cmocka_unit_test_teardown(test_sigkill_frozen, kill_leftover),
		cmocka_unit_test_teardown(test_sigkill_thawed, kill_leftover),
		cmocka_unit_test(test_must_copy_empty),
	};

	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return 1;
	/* orphaned zombies come to us, not to an init that may not reap */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !__x86_64__ */

int main(void)
{
	printf("skip: --cow is x86-64 only\n");
	return 77;
}

#endif
