// SPDX-License-Identifier: MIT
/*
 * many_threads - a victim with N named threads, each waiting a different
 * way, so that a capture has to stop threads in several kernel states.
 *
 * Usage: many_threads [N]   (N worker threads, default 8, 1..64)
 *
 * worker-0 spins doing arithmetic (state R); the others cycle through
 * sleeping in nanosleep, waiting on a condition variable, blocking in read()
 * on a pipe, and waiting in sigwaitinfo().  SIGUSR1 starts one more thread
 * named "late-0".  See samples/README.md.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 64

enum wait_kind { WAIT_SPIN, WAIT_SLEEP, WAIT_COND, WAIT_PIPE, WAIT_SIGNAL };

static const char *const wait_names[] = {
	[WAIT_SPIN] = "spin", [WAIT_SLEEP] = "sleep", [WAIT_COND] = "cond",
	[WAIT_PIPE] = "pipe", [WAIT_SIGNAL] = "signal",
};

struct worker {
	int index;
	char name[16];
	enum wait_kind kind;
	pid_t tid;
};

/* Read by a capture: proof that the spinner was stopped mid-loop. */
volatile uint64_t spin_counter;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t started;
static int pipe_fds[2];

static void wait_forever(enum wait_kind kind)
{
	const struct timespec hour = { .tv_sec = 3600 };
	uint64_t x = 88172645463325252ull;
	sigset_t none;
	char c;

	switch (kind) {
	case WAIT_SPIN:
		for (;;) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			spin_counter += (x & 1) + 1;
		}
	case WAIT_SLEEP:
		for (;;)
			nanosleep(&hour, NULL);
	case WAIT_COND:
		pthread_mutex_lock(&lock);
		for (;;)
			pthread_cond_wait(&cond, &lock);
	case WAIT_PIPE:
		/* nobody writes: read() blocks until the process dies */
		for (;;)
			if (read(pipe_fds[0], &c, 1) == 0)
				nanosleep(&hour, NULL);
	case WAIT_SIGNAL:
		/* an empty set: waits in the kernel for nothing */
		sigemptyset(&none);
		sigaddset(&none, SIGWINCH);
		for (;;)
			sigwaitinfo(&none, NULL);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->tid = (pid_t)syscall(SYS_gettid);
	pthread_setname_np(pthread_self(), w->name);
	pthread_barrier_wait(&started);
	wait_forever(w->kind);
	return NULL;
}

static int start_worker(struct worker *w, pthread_t *th)
{
	int rc = pthread_create(th, NULL, worker_main, w);

	if (rc != 0) {
		fprintf(stderr, "many_threads: pthread_create: %s\n",
			strerror(rc));
		return -1;
	}
	return 0;
}

static void print_worker(const struct worker *w, const char *key)
{
	printf("%s%d_tid=%d\n%s%d_name=%s\n%s%d_wait=%s\n",
	       key, w->index, (int)w->tid, key, w->index, w->name,
	       key, w->index, wait_names[w->kind]);
}

int main(int argc, char **argv)
{
	static struct worker workers[MAX_WORKERS];
	static struct worker late = { .index = 0, .name = "late-0",
				      .kind = WAIT_SLEEP };
	pthread_t threads[MAX_WORKERS], late_thread;
	bool late_started = false;
	long n = 8;
	sigset_t set;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc > 1) {
		char *end;

		errno = 0;
		n = strtol(argv[1], &end, 10);
		if (errno || *end || n < 1 || n > MAX_WORKERS) {
			fprintf(stderr, "usage: many_threads [N]  (1..%d)\n",
				MAX_WORKERS);
			return 2;
		}
	}
	if (pipe(pipe_fds) != 0) {
		perror("many_threads: pipe");
		return 1;
	}

	/* Workers inherit the mask: only main takes SIGUSR1. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
		perror("many_threads: sigprocmask");
		return 1;
	}
	sigdelset(&set, SIGWINCH);

	pthread_barrier_init(&started, NULL, (unsigned)n + 1);
	for (int k = 0; k < n; k++) {
		struct worker *w = &workers[k];

		w->index = k;
		snprintf(w->name, sizeof(w->name), "worker-%d", k);
		w->kind = k == 0 ? WAIT_SPIN : (enum wait_kind)(1 + (k - 1) % 4);
		if (start_worker(w, &threads[k]) != 0)
			return 1;
	}
	pthread_barrier_wait(&started);

	printf("pid=%d\nmain_tid=%d\nworkers=%ld\nthreads=%ld\n"
	       "spin_counter_addr=%p\n", (int)getpid(), (int)getpid(), n,
	       n + 1, (void *)&spin_counter);
	for (int k = 0; k < n; k++)
		print_worker(&workers[k], "worker");
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		if (sigwait(&set, &sig) != 0 || sig != SIGUSR1)
			continue;
		if (late_started) {
			printf("mutated\n");
			fflush(stdout);
			continue;
		}
		pthread_barrier_destroy(&started);
		pthread_barrier_init(&started, NULL, 2);
		if (start_worker(&late, &late_thread) != 0)
			return 1;
		pthread_barrier_wait(&started);
		late_started = true;
		print_worker(&late, "late");
		printf("threads=%ld\nmutated\n", n + 2);
		fflush(stdout);
	}
}
