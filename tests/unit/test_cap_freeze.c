// SPDX-License-Identifier: MIT
/*
 * test_cap_freeze.c - the target half of memsnap against live children:
 * freezing really stops every thread, thawing restores the state found
 * (running, or stopped), refusals say what is in the way, signals sent
 * during a freeze are not lost, and the manifest sections parse.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "target.h"
#include "target_facts.h"
#include "freeze.h"
#include "yaml_out.h"
#include "yaml_tree.h"

#define NSPIN 4

struct slot {
	volatile uint64_t counter;
	volatile pid_t tid;
	volatile uintptr_t stack_lo, stack_hi;
	volatile int ready;
};

struct shared {
	struct slot slots[NSPIN];
	volatile uint64_t rt_handled;
	volatile uint64_t churn_created;
	char msg[512];          /* what an unprivileged tracer was told */
	volatile int traced_rc;
};

static struct shared *shm;
static pid_t live_child;        /* killed by the teardown if a test fails */
static pid_t second_child;      /* the same, for a test with two */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ---- children ---------------------------------------------------------- */

static void fill_slot(struct slot *s)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	s->tid = gettid();
	if (!pthread_getattr_np(pthread_self(), &attr)) {
		if (!pthread_attr_getstack(&attr, &addr, &size)) {
			s->stack_lo = (uintptr_t)addr;
			s->stack_hi = (uintptr_t)addr + size;
		}
		pthread_attr_destroy(&attr);
	}
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
}

static void *spin(void *arg)
{
	struct slot *s = arg;

	fill_slot(s);
	for (;;)
		__atomic_add_fetch(&s->counter, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void on_rt(int sig)
{
	(void)sig;
	__atomic_add_fetch(&shm->rt_handled, 1, __ATOMIC_RELAXED);
}

static void child_spinners(void)
{
	pthread_t th;
	int i;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	signal(SIGRTMIN, on_rt);
	for (i = 1; i < NSPIN; i++)
		if (pthread_create(&th, NULL, spin, &shm->slots[i]))
			_exit(3);
	spin(&shm->slots[0]);
}

static void *short_lived(void *arg)
{
	(void)arg;
	return NULL;
}

static void child_churn(void)
{
	pthread_t th;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	fill_slot(&shm->slots[0]);
	for (;;) {
		if (!pthread_create(&th, NULL, short_lived, NULL)) {
			pthread_detach(th);
			__atomic_add_fetch(&shm->churn_created, 1,
					   __ATOMIC_RELAXED);
		}
		__atomic_add_fetch(&shm->slots[0].counter, 1,
				   __ATOMIC_RELAXED);
	}
}

static void child_idle(void)
{
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	fill_slot(&shm->slots[0]);
	for (;;)
		pause();
}

static pid_t start_child(void (*body)(void), int nready)
{
	pid_t pid;
	int i;

	memset(shm, 0, sizeof(*shm));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		body();
		_exit(0);
	}
	live_child = pid;
	for (i = 0; i < nready; i++)
		while (!__atomic_load_n(&shm->slots[i].ready, __ATOMIC_ACQUIRE))
			sleep_ms(1);
	return pid;
}

static void end_child(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	live_child = 0;
	assert_int_equal(waitpid(pid, &st, __WALL), pid);
}

static int kill_leftover(void **state)
{
	(void)state;
	if (second_child > 0) {
		kill(second_child, SIGKILL);
		second_child = 0;
	}
	if (live_child > 0) {
		kill(live_child, SIGKILL);
		/*
		 * A failed test may leave threads of the child attached to us:
		 * each is reaped by its tracer (us) before the leader can be,
		 * so wait for every one of them, not only the leader.
		 */
		while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
			;
		live_child = 0;
	}
	return 0;
}

/* ---- helpers ----------------------------------------------------------- */

/* A field of /proc/PID/status (or PID/task/TID/status when tid) as text. */
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
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen)) {
			snprintf(out, n, "%s", line + klen + 1);
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	fclose(f);
}

static char proc_state(pid_t pid)
{
	char v[64];
	const char *p;

	status_field(pid, 0, "State:", v, sizeof(v));
	for (p = v; *p == ' ' || *p == '\t'; p++)
		;
	return *p;
}

static long tracer_of(pid_t pid)
{
	char v[64];

	status_field(pid, 0, "TracerPid:", v, sizeof(v));
	return strtol(v, NULL, 10);
}

static void counters(uint64_t out[NSPIN], int n)
{
	int i;

	for (i = 0; i < n; i++)
		out[i] = __atomic_load_n(&shm->slots[i].counter,
					 __ATOMIC_RELAXED);
}

/* Wait until every one of the first n counters has moved. */
static bool all_advance(int n)
{
	uint64_t before[NSPIN], now[NSPIN];
	int i, tries, moved;

	counters(before, n);
	for (tries = 0; tries < 2000; tries++) {
		sleep_ms(1);
		counters(now, n);
		for (moved = 0, i = 0; i < n; i++)
			moved += now[i] != before[i];
		if (moved == n)
			return true;
	}
	return false;
}

static const struct slot *slot_of(pid_t tid)
{
	int i;

	for (i = 0; i < NSPIN; i++)
		if (shm->slots[i].tid == tid)
			return &shm->slots[i];
	return NULL;
}

/* ---- tests ------------------------------------------------------------- */

static void test_freeze_stops_all_threads(void **state)
{
	uint64_t before[NSPIN], after[NSPIN];
	struct cap_error err = { "" };
	struct target t;
	const struct slot *s;
	pid_t pid;
	size_t i;

	(void)state;
	pid = start_child(child_spinners, NSPIN);
	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_int_equal(target_freeze(&t, &err), 0);
	assert_true(t.frozen);
	assert_int_equal(t.nthreads, NSPIN);
	assert_int_equal(tracer_of(pid), getpid());

	counters(before, NSPIN);
	sleep_ms(100);
	counters(after, NSPIN);
	assert_memory_equal(before, after, sizeof(before));

	for (i = 0; i < t.nthreads; i++) {
		const struct thread_state *th = &t.threads[i];

		assert_true(th->frozen);
		assert_true(th->regs_ok);
		assert_true(th->fpregs_ok);
		assert_true(th->sigmask_ok);
		assert_true(i == 0 || th->tid > t.threads[i - 1].tid);
		assert_true(th->regs.rip != 0);
		s = slot_of(th->tid);
		assert_non_null(s);
		assert_true(th->regs.rsp >= s->stack_lo);
		assert_true(th->regs.rsp < s->stack_hi);
		assert_int_equal(th->state, 'R');
	}
	assert_int_equal(t.threads[0].tid, pid);
	assert_string_equal(t.threads[0].name, "test_cap_freeze");

	target_thaw(&t);
	assert_false(t.frozen);
	target_thaw(&t);        /* idempotent */
	assert_true(all_advance(NSPIN));
	assert_int_not_equal(proc_state(pid), 'T');
	assert_int_not_equal(proc_state(pid), 't');
	assert_int_equal(tracer_of(pid), 0);
	assert_true(target_same(&t));
	target_close(&t);
	end_child(pid);
}

static void test_stopped_stays_stopped(void **state)
{
	struct cap_error err = { "" };
	uint64_t before, after;
	struct target t;
	char v[64];
	pid_t pid;
	size_t i;
	int st;

	(void)state;
	pid = start_child(child_spinners, NSPIN);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
	assert_true(WIFSTOPPED(st));
	assert_int_equal(proc_state(pid), 'T');

	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_int_equal(target_freeze(&t, &err), 0);
	assert_int_equal(t.nthreads, NSPIN);
	for (i = 0; i < t.nthreads; i++) {
		assert_int_equal(t.threads[i].state, 'T');
		assert_true(t.threads[i].regs_ok);
	}
	target_thaw(&t);

	sleep_ms(50);
	assert_int_equal(tracer_of(pid), 0);
	for (i = 0; i < t.nthreads; i++) {
		status_field(pid, t.threads[i].tid, "State:", v, sizeof(v));
		assert_non_null(strstr(v, "T (stopped)"));
	}
	before = shm->slots[0].counter;
	sleep_ms(50);
	after = shm->slots[0].counter;
	assert_true(before == after);

	/* and it still answers SIGCONT */
	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_true(all_advance(NSPIN));
	target_close(&t);
	end_child(pid);
}

struct sender {
	pid_t pid;
	volatile int stop;
	uint64_t sent;
};

/* Queue real-time signals at the target while the main thread freezes. */
static void *send_signals(void *arg)
{
	struct sender *s = arg;
	struct timespec gap = { 0, 20000 };

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		if (!kill(s->pid, SIGRTMIN))
			s->sent++;
		nanosleep(&gap, NULL);
	}
	return NULL;
}

static void test_signals_not_lost(void **state)
{
	struct sender snd = { 0 };
	struct cap_error err = { "" };
	unsigned held = 0;
	struct target t;
	pthread_t th;
	size_t k;
	pid_t pid;
	int i;

	(void)state;
	pid = start_child(child_spinners, NSPIN);
	snd.pid = pid;
	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_int_equal(pthread_create(&th, NULL, send_signals, &snd), 0);
	for (i = 0; i < 200; i++) {
		if (target_freeze(&t, &err))
			fail_msg("round %d: %s", i, err.msg);
		/* caught in delivery: must be handed back at detach */
		for (k = 0; k < t.nthreads; k++)
			held += t.threads[k].resume_sig != 0;
		target_thaw(&t);
	}
	__atomic_store_n(&snd.stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	for (i = 0; i < 5000 && shm->rt_handled < snd.sent; i++)
		sleep_ms(1);
	print_message("%" PRIu64 " signals sent, %u held in a "
		      "signal-delivery-stop\n", snd.sent, held);
	assert_int_equal(shm->rt_handled, snd.sent);
	assert_true(all_advance(NSPIN));
	target_close(&t);
	end_child(pid);
}

static void test_thread_churn(void **state)
{
	struct cap_error err = { "" };
	struct target t;
	pid_t pid;
	size_t k;
	int i;

	(void)state;
	pid = start_child(child_churn, 1);
	for (i = 0; i < 50; i++) {
		assert_int_equal(target_open(&t, pid, &err), 0);
		if (target_freeze(&t, &err))
			fail_msg("round %d: %s", i, err.msg);
		assert_true(t.nthreads >= 1);
		/*
		 * The leader is among the frozen threads; not necessarily
		 * first: once pids wrap (pid_max 32768 here) a worker's tid can
		 * be listed before it.
		 */
		for (k = 0; k < t.nthreads && t.threads[k].tid != pid; k++)
			;
		if (k == t.nthreads)
			fail_msg("round %d: leader %d not among the %zu frozen threads",
				 i, (int)pid, t.nthreads);
		target_thaw(&t);
		target_close(&t);
		assert_true(all_advance(1));
	}
	assert_true(shm->churn_created > 0);
	assert_int_equal(tracer_of(pid), 0);
	assert_int_not_equal(proc_state(pid), 'T');
	end_child(pid);
}

static void expect_refusal(pid_t pid, const char *expected)
{
	struct cap_error err = { "" };
	struct target t;

	assert_int_equal(target_open(&t, pid, &err), -1);
	if (!strstr(err.msg, expected))
		fail_msg("pid %d: got \"%s\", expected \"%s\"", (int)pid,
			 err.msg, expected);
	assert_int_equal(t.procfd, -1);
	assert_int_equal(t.pidfd, -1);
}

static void test_refusals(void **state)
{
	char msg[128];
	pid_t free_pid;

	(void)state;
	snprintf(msg, sizeof(msg), "pid %d is memsnap itself", (int)getpid());
	expect_refusal(getpid(), msg);
	expect_refusal(2, "pid 2 is a kernel thread");
	for (free_pid = 4000000; kill(free_pid, 0) == 0 || errno != ESRCH;
	     free_pid--)
		;
	snprintf(msg, sizeof(msg), "no process with pid %d", (int)free_pid);
	expect_refusal(free_pid, msg);
	expect_refusal(0, "invalid pid 0");
}

static void test_refuses_traced(void **state)
{
	char msg[128];
	int st;
	pid_t pid;

	(void)state;
	pid = start_child(child_idle, 1);
	assert_int_equal(ptrace(PTRACE_SEIZE, pid, NULL, NULL), 0);
	snprintf(msg, sizeof(msg),
		 "pid %d is already traced by pid %d (test_cap_freeze)",
		 (int)pid, (int)getpid());
	expect_refusal(pid, msg);
	/* kill while traced: the exit reaches us as tracer and parent */
	kill(pid, SIGKILL);
	live_child = 0;
	assert_int_equal(waitpid(pid, &st, __WALL), pid);
}

static void test_refuses_zombie(void **state)
{
	char msg[128];
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	while (proc_state(pid) != 'Z')
		sleep_ms(1);
	snprintf(msg, sizeof(msg), "pid %d is a zombie", (int)pid);
	expect_refusal(pid, msg);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

#define NOBODY 65534

static void child_idle_nobody(void)
{
	if (setgid(NOBODY) || setuid(NOBODY))
		_exit(4);
	/* changing uid cleared dumpable; the test sets it explicitly */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	child_idle();
}

/* As uid NOBODY, try to freeze pid; the result lands in shm. */
static void freeze_as_nobody(pid_t pid)
{
	struct cap_error err = { "" };
	struct target t;
	pid_t tracer;
	int st;

	shm->msg[0] = '\0';
	shm->traced_rc = 99;
	tracer = fork();
	assert_true(tracer >= 0);
	if (tracer == 0) {
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(4);
		if (!target_open(&t, pid, &err)) {
			shm->traced_rc = target_freeze(&t, &err);
			target_close(&t);
		}
		snprintf(shm->msg, sizeof(shm->msg), "%s", err.msg);
		_exit(0);
	}
	assert_int_equal(waitpid(tracer, &st, 0), tracer);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_eperm_explained(void **state)
{
	char msg[128];
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();         /* needs to become another uid */
	pid = start_child(child_idle, 1);
	freeze_as_nobody(pid);
	assert_int_equal(shm->traced_rc, -1);
	snprintf(msg, sizeof(msg), "cannot trace pid %d: it belongs to uid 0 "
		 "and memsnap runs as uid %d", (int)pid, NOBODY);
	if (!strstr(shm->msg, msg) || !strstr(shm->msg, "CAP_SYS_PTRACE"))
		fail_msg("got \"%s\"", shm->msg);
	assert_int_equal(tracer_of(pid), 0);
	end_child(pid);

	pid = start_child(child_idle_nobody, 1);
	freeze_as_nobody(pid);
	assert_int_equal(shm->traced_rc, -1);
	snprintf(msg, sizeof(msg), "cannot trace pid %d: it is not dumpable",
		 (int)pid);
	if (!strstr(shm->msg, msg) || !strstr(shm->msg, "CAP_SYS_PTRACE"))
		fail_msg("got \"%s\"", shm->msg);
	end_child(pid);
}

static void test_same_after_exit(void **state)
{
	struct cap_error err = { "" };
	struct target t;
	pid_t pid;
	int st;

	(void)state;
	pid = start_child(child_idle, 1);
	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_true(target_same(&t));
	kill(pid, SIGKILL);
	live_child = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_false(target_same(&t));
	assert_int_equal(target_freeze(&t, &err), -1);
	assert_true(t.exited);
	assert_non_null(strstr(err.msg, "target exited during the freeze"));
	target_close(&t);
}

static void test_emergency_thaw(void **state)
{
	struct cap_error err = { "" };
	struct target t;
	pid_t pid;

	(void)state;
	pid = start_child(child_spinners, NSPIN);
	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_int_equal(target_freeze(&t, &err), 0);
	target_emergency_thaw();
	assert_true(all_advance(NSPIN));
	assert_int_equal(tracer_of(pid), 0);
	target_thaw(&t);        /* after the emergency: harmless */
	target_close(&t);
	end_child(pid);
}

/* The two halves: after _begin the stops are owed, after _finish done. */
static void test_freeze_in_halves(void **state)
{
	uint64_t before[NSPIN], after[NSPIN];
	struct cap_error err = { "" };
	struct target t;
	pid_t pid;
	size_t i;

	(void)state;
	pid = start_child(child_spinners, NSPIN);
	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_int_equal(target_freeze_begin(&t, &err), 0);
	assert_false(t.frozen);
	assert_int_equal(tracer_of(pid), getpid());
	assert_int_equal(target_freeze_finish(&t, &err), 0);
	assert_true(t.frozen);
	assert_int_equal(t.nthreads, NSPIN);
	counters(before, NSPIN);
	sleep_ms(50);
	counters(after, NSPIN);
	assert_memory_equal(before, after, sizeof(before));
	for (i = 0; i < t.nthreads; i++) {
		assert_true(t.threads[i].frozen);
		assert_true(t.threads[i].regs_ok);
	}
	target_thaw(&t);
	assert_true(all_advance(NSPIN));
	assert_int_equal(tracer_of(pid), 0);
	/* _finish alone is a whole freeze */
	assert_int_equal(target_freeze_finish(&t, &err), 0);
	assert_true(t.frozen);
	target_thaw(&t);
	target_close(&t);
	end_child(pid);
}

static void child_pause(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (;;)
		pause();
}

/*
 * Two targets frozen at once (a group): thawing one leaves the other in
 * the emergency registry, so a signal handler still lets it go.
 */
static void test_emergency_after_other_thaw(void **state)
{
	struct cap_error err = { "" };
	struct target a, b;
	pid_t pa, pb;
	int st;

	(void)state;
	pa = start_child(child_spinners, NSPIN);
	pb = fork();
	assert_true(pb >= 0);
	if (pb == 0) {
		child_pause();
		_exit(0);
	}
	second_child = pb;
	assert_int_equal(target_open(&a, pa, &err), 0);
	assert_int_equal(target_open(&b, pb, &err), 0);
	assert_int_equal(target_freeze_begin(&a, &err), 0);
	assert_int_equal(target_freeze_begin(&b, &err), 0);
	assert_int_equal(target_freeze_finish(&a, &err), 0);
	assert_int_equal(target_freeze_finish(&b, &err), 0);
	target_thaw(&b);
	assert_int_equal(tracer_of(pb), 0);
	assert_int_equal(tracer_of(pa), getpid());
	target_emergency_thaw();
	assert_int_equal(tracer_of(pa), 0);
	assert_true(all_advance(NSPIN));
	target_thaw(&a);
	target_close(&a);
	target_close(&b);
	kill(pb, SIGKILL);
	second_child = 0;
	assert_int_equal(waitpid(pb, &st, 0), pb);
	end_child(pa);
}

/* ---- manifest sections ------------------------------------------------- */

static const char *const host_keys[] = {
	"hostname", "kernel", "release", "version", "machine", "page_size",
	"boot_id", "clock_ticks",
};

static const char *const process_keys[] = {
	"pid", "ppid", "tgid", "nspid", "comm", "start_time_ticks", "uid",
	"gid", "groups", "exe", "cmdline", "environ", "cwd", "root",
	"status", "limits", "cgroup", "namespaces", "auxv", "fds",
	"tracer_pid", "dumpable",
};

static const char *const exe_keys[] = {
	"path", "dev", "inode", "size", "mtime", "sha256", "build_id",
};

static const char *const thread_keys[] = {
	"tid", "name", "state", "regs", "prstatus", "fpregs", "xstate",
	"sigmask", "sigpending",
};

static void expect_keys(const struct ynode *map, const char *const *keys,
			size_t n, const char *where)
{
	size_t i;

	assert_non_null(map);
	for (i = 0; i < n; i++)
		if (!ynode_get(map, keys[i]))
			fail_msg("%s: key %s missing", where, keys[i]);
}

static void test_manifest_sections(void **state)
{
	struct cap_errors errs = { 0 };
	struct cap_error err = { "" };
	struct msnap_error merr;
	const struct ynode *root, *th, *regs, *env;
	struct ytree *tree = NULL;
	struct target t;
	struct yout *y;
	uint64_t v, rip;
	uint8_t *raw;
	size_t len, i;
	char *text;
	pid_t pid;

	(void)state;
	pid = start_child(child_spinners, NSPIN);
	assert_int_equal(target_open(&t, pid, &err), 0);
	assert_int_equal(target_freeze(&t, &err), 0);
	y = yout_new();
	assert_non_null(y);
	yout_map_begin(y);
	emit_host(y);
	emit_process(y, &t, &errs);
	emit_threads(y, &t);
	errors_add(&errs, "target", -1, 0x1000, 0x2000, 5, pid,
		   "a test note %d", 42);
	errors_emit(y, &errs);
	yout_map_end(y);
	target_thaw(&t);
	memset(&merr, 0, sizeof(merr));
	assert_int_equal(yout_finish(y, &text, &len, &merr), 0);
	yout_free(y);

	if (ytree_parse(&tree, text, len, NULL, &merr))
		fail_msg("manifest does not parse:\n%s", text);
	root = ytree_root(tree);
	expect_keys(ynode_get(root, "host"), host_keys,
		    sizeof(host_keys) / sizeof(host_keys[0]), "host");
	/* the child runs as root here: dumpable cannot be told */
	expect_keys(ynode_get(root, "process"), process_keys,
		    sizeof(process_keys) / sizeof(process_keys[0]) -
		    (geteuid() == 0 ? 1 : 0), "process");
	expect_keys(ynode_path(root, "process.exe"), exe_keys,
		    sizeof(exe_keys) / sizeof(exe_keys[0]), "process.exe");
	assert_int_equal(ynode_u64(ynode_path(root, "process.pid"), &v), 0);
	assert_int_equal(v, (uint64_t)pid);
	assert_int_equal(ynode_u64(ynode_path(root, "process.tracer_pid"),
				   &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ynode_len(ynode_path(root, "process.uid")), 4);
	assert_true(ynode_len(ynode_path(root, "process.limits")) >= 16);
	assert_non_null(ynode_path(root, "process.namespaces.pid"));
	assert_non_null(ynode_path(root, "process.status.TracerPid"));
	assert_true(ynode_len(ynode_path(root, "process.auxv")) > 5);
	assert_true(ynode_len(ynode_path(root, "process.fds")) >= 3);
	env = ynode_path(root, "process.environ");
	assert_true(ynode_len(env) > 0);

	th = ynode_get(root, "threads");
	assert_non_null(th);
	assert_int_equal(ynode_len(th), NSPIN);
	for (i = 0; i < NSPIN; i++) {
		expect_keys(ynode_at(th, i), thread_keys,
			    sizeof(thread_keys) / sizeof(thread_keys[0]),
			    "thread");
		regs = ynode_get(ynode_at(th, i), "regs");
		assert_int_equal(ynode_len(regs), 27);
		assert_int_equal(ynode_u64(ynode_get(regs, "rip"), &rip), 0);
		assert_int_equal(rip, t.threads[i].regs.rip);
		assert_int_equal(ynode_bytes(ynode_get(ynode_at(th, i),
						       "prstatus"),
					     &raw, &len), 0);
		assert_int_equal(len, sizeof(struct user_regs_struct));
		assert_memory_equal(raw, &t.threads[i].regs, len);
		free(raw);
	}
	assert_int_equal(ynode_len(ynode_get(root, "errors")), errs.n);
	assert_non_null(ynode_get(ynode_at(ynode_get(root, "errors"),
					   errs.n - 1), "errno"));
	ytree_free(tree);
	free(text);
	errors_free(&errs);
	target_close(&t);
	end_child(pid);
}

static void test_errors_empty(void **state)
{
	struct cap_errors errs = { 0 };
	struct msnap_error merr;
	struct ytree *tree = NULL;
	struct yout *y = yout_new();
	const struct ynode *list;
	size_t len;
	char *text;

	(void)state;
	assert_non_null(y);
	yout_map_begin(y);
	errors_emit(y, &errs);
	yout_map_end(y);
	memset(&merr, 0, sizeof(merr));
	assert_int_equal(yout_finish(y, &text, &len, &merr), 0);
	yout_free(y);
	assert_int_equal(ytree_parse(&tree, text, len, NULL, &merr), 0);
	list = ynode_get(ytree_root(tree), "errors");
	assert_non_null(list);
	assert_int_equal(ynode_kind(list), YNODE_SEQ);
	assert_int_equal(ynode_len(list), 0);
	ytree_free(tree);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_freeze_stops_all_threads, kill_leftover),
		cmocka_unit_test_teardown(test_stopped_stays_stopped, kill_leftover),
		cmocka_unit_test_teardown(test_signals_not_lost, kill_leftover),
		cmocka_unit_test_teardown(test_thread_churn, kill_leftover),
		cmocka_unit_test_teardown(test_refusals, kill_leftover),
		cmocka_unit_test_teardown(test_refuses_traced, kill_leftover),
		cmocka_unit_test_teardown(test_refuses_zombie, kill_leftover),
		cmocka_unit_test_teardown(test_eperm_explained, kill_leftover),
		cmocka_unit_test_teardown(test_same_after_exit, kill_leftover),
		cmocka_unit_test_teardown(test_emergency_thaw, kill_leftover),
		cmocka_unit_test_teardown(test_freeze_in_halves, kill_leftover),
		cmocka_unit_test_teardown(test_emergency_after_other_thaw, kill_leftover),
		cmocka_unit_test_teardown(test_manifest_sections, kill_leftover),
		cmocka_unit_test_teardown(test_errors_empty, kill_leftover),
	};

	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
