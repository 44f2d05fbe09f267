// SPDX-License-Identifier: MIT
/*
 * bench_cow.c - what --cow costs the target.
 *
 *   bench_cow [MIB [REPS [WINDOW_MS [thp]]]]    defaults 1024 5 300
 *
 * "thp" backs the victims with transparent huge pages (MADV_HUGEPAGE).
 *
 * 1. Fork cost: a victim of MIB MiB of touched private memory is frozen,
 *    made to fork by the injected clone, thawed; later frozen again for
 *    the reap, with the child killed inside that freeze or (cow_kill)
 *    before it.  Prints the clone (entry to exit, as the thread saw it),
 *    the freeze-to-thaw time of both phases, and an in-process fork() of
 *    the same size for comparison.  The first repetition is cold (not in
 *    the median).
 * 2. Page-copy cost: a victim that writes one byte per page, round robin
 *    over MIB MiB, counts pages written; the rate is measured over
 *    WINDOW_MS without a child, right after the fork with the child alive
 *    (every first write to a page copies it), and after the reap (a first
 *    write still takes a write-protect fault, without a copy).
 *
 * Machines here are shared and noisy: nothing here is a test.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cow.h"
#include "target.h"
#include "freeze.h"

#define PAGE 4096ul

struct shared {
	volatile uint64_t pages;        /* pages written by the writer */
	volatile int ready;
};

static struct shared *shm;
static bool use_thp;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint8_t *touch(size_t bytes)
{
	uint8_t *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	if (use_thp)
		madvise(p, bytes, MADV_HUGEPAGE);
	memset(p, 1, bytes);
	return p;
}

/* writer: 0 = sit idle, 1 = write one byte per page forever */
static pid_t start_victim(size_t bytes, int writer)
{
	pid_t pid = fork();
	uint8_t *p;
	size_t i, n = bytes / PAGE;
	uint8_t v = 0;

	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid) {
		while (!shm->ready)
			sleep_ms(1);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	p = touch(bytes);
	shm->ready = 1;
	if (!writer)
		for (;;)
			pause();
	for (i = 0;; i = i + 1 == n ? (v++, 0) : i + 1) {
		p[i * PAGE] = v;
		shm->pages++;
	}
}

static void stop_victim(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	shm->ready = 0;
	shm->pages = 0;
}

static void die_err(const char *what, const struct cap_error *err)
{
	fprintf(stderr, "bench_cow: %s: %s\n", what, err->msg);
	exit(1);
}

struct cow_times {
	double clone_ms, freeze_to_thaw_ms, reap_phase_ms, kill_ms;
};

static void cow_once(struct target *t, struct cow_child *c,
		     struct cow_times *ct)
{
	struct cap_error err = { "" };
	int64_t t0;

	t0 = now_ns();
	if (target_freeze(t, &err))
		die_err("freeze", &err);
	if (cow_fork(t, c, &err))
		die_err("cow_fork", &err);
	target_thaw(t);
	ct->freeze_to_thaw_ms = (now_ns() - t0) / 1e6;
	ct->clone_ms = c->fork_ns / 1e6;
}

/* kill_first: cow_kill while the target runs, then freeze for wait4 only */
static void reap_once(struct target *t, struct cow_child *c,
		      struct cow_times *ct, bool kill_first)
{
	struct cap_error err = { "" };
	int64_t t0 = now_ns();

	if (kill_first && cow_kill(c, &err))
		die_err("cow_kill", &err);
	ct->kill_ms = (now_ns() - t0) / 1e6;
	t0 = now_ns();
	if (target_freeze(t, &err))
		die_err("freeze", &err);
	if (cow_reap(t, c, &err))
		die_err("cow_reap", &err);
	target_thaw(t);
	ct->reap_phase_ms = (now_ns() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double plain_fork_ms(size_t bytes)
{
	uint8_t *p = touch(bytes);
	int64_t t0 = now_ns();
	double ms;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	ms = (now_ns() - t0) / 1e6;
	waitpid(pid, NULL, 0);
	munmap(p, bytes);
	return ms;
}

static void bench_fork(size_t mib, int reps)
{
	const size_t bytes = mib << 20;
	double clone[64], ftt[64], reap[64], plain[64], kill_run[64],
	       reap_after[64];
	struct cap_error err = { "" };
	struct cow_times ct;
	struct cow_child c;
	struct target t;
	pid_t pid;
	int i;

	pid = start_victim(bytes, 0);
	if (target_open(&t, pid, &err))
		die_err("open", &err);
	if (cow_preflight(&t, &err))
		die_err("preflight", &err);
	for (i = 0; i <= reps; i++) {
		cow_once(&t, &c, &ct);
		reap_once(&t, &c, &ct, false);
		if (i == 0) {
			printf("cold: clone %.2f ms, freeze..fork..thaw %.2f ms, "
			       "reap phase %.2f ms\n", ct.clone_ms,
			       ct.freeze_to_thaw_ms, ct.reap_phase_ms);
			continue;
		}
		clone[i - 1] = ct.clone_ms;
		ftt[i - 1] = ct.freeze_to_thaw_ms;
		reap[i - 1] = ct.reap_phase_ms;
		cow_once(&t, &c, &ct);
		reap_once(&t, &c, &ct, true);
		kill_run[i - 1] = ct.kill_ms;
		reap_after[i - 1] = ct.reap_phase_ms;
		plain[i - 1] = plain_fork_ms(bytes);
	}
	target_close(&t);
	stop_victim(pid);
	printf("%zu MiB victim, median of %d: injected clone %.2f ms, "
	       "frozen (freeze+fork+thaw) %.2f ms; plain fork() here %.2f ms\n",
	       mib, reps, median(clone, reps), median(ftt, reps),
	       median(plain, reps));
	printf("reap: killed inside the second freeze, frozen %.2f ms; killed "
	       "first (%.2f ms, target running), then frozen %.2f ms\n",
	       median(reap, reps), median(kill_run, reps),
	       median(reap_after, reps));
}

static double rate(int window_ms)
{
	uint64_t p0 = shm->pages;
	int64_t t0 = now_ns();

	sleep_ms(window_ms);
	return (double)(shm->pages - p0) / ((now_ns() - t0) / 1e9);
}

static void bench_writes(size_t mib, int window_ms)
{
	struct cap_error err = { "" };
	struct cow_times ct;
	struct cow_child c;
	struct target t;
	double before, during, after;
	pid_t pid;

	pid = start_victim(mib << 20, 1);
	sleep_ms(200);          /* past the first pass's own faults */
	if (target_open(&t, pid, &err))
		die_err("open", &err);
	before = rate(window_ms);
	cow_once(&t, &c, &ct);
	during = rate(window_ms);
	reap_once(&t, &c, &ct, false);
	after = rate(window_ms);
	target_close(&t);
	stop_victim(pid);
	printf("writer over %zu MiB, %d ms windows: %.0f pages/s without a "
	       "child, %.0f pages/s with the child alive (%.1fx slower, "
	       "%.1f us per page copy), %.0f pages/s after the reap\n", mib,
	       window_ms, before, during, before / during,
	       1e6 / during - 1e6 / before, after);
}

int main(int argc, char **argv)
{
	const size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	const int window_ms = argc > 3 ? atoi(argv[3]) : 300;

	if (reps < 1 || reps > 63)
		reps = 5;
	use_thp = argc > 4 && !strcmp(argv[4], "thp");
	printf("bench_cow: %zu MiB victims%s\n", mib,
	       use_thp ? ", transparent huge pages" : "");
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_fork(mib, reps);
	bench_writes(mib, window_ms);
	return 0;
}
