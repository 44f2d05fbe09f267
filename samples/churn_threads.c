// SPDX-License-Identifier: MIT
/*
 * churn_threads - a victim whose threads come and go without pause, beside
 * an optional crowd of idle threads: a freeze has to catch all of them.
 *
 * Usage: churn_threads CHURNERS [IDLE]   (CHURNERS 0..64, IDLE 0..8000)
 *
 * Every live thread writes its tid into the table live_tids[] (main, the
 * churners, their short-lived children; not the idle ones) before it does
 * anything else and clears its slot only just before it ends, so a frozen
 * snapshot whose thread list lacks a tid of that table missed a running
 * thread.  See samples/README.md.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_CHURNERS 64
#define MAX_IDLE 8000
#define SMALL_STACK (64u << 10)

/* slot 0: main; 1 + 2k: churner k; 2 + 2k: its current child */
#define TABLE_LEN (1 + 2 * MAX_CHURNERS)
volatile int32_t live_tids[TABLE_LEN];
static uint64_t created;        /* children made so far (atomic) */

static int32_t my_tid(void)
{
	return (int32_t)syscall(SYS_gettid);
}

static void *child_main(void *arg)
{
	volatile int32_t *slot = arg;

	__atomic_store_n(slot, my_tid(), __ATOMIC_SEQ_CST);
	sched_yield();
	__atomic_store_n(slot, 0, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *churner_main(void *arg)
{
	const size_t k = (size_t)(uintptr_t)arg;
	pthread_attr_t attr;
	pthread_t child;

	__atomic_store_n(&live_tids[1 + 2 * k], my_tid(), __ATOMIC_SEQ_CST);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SMALL_STACK);
	for (;;) {
		if (pthread_create(&child, &attr, child_main,
				   (void *)&live_tids[2 + 2 * k]))
			continue;
		pthread_join(child, NULL);
		__atomic_add_fetch(&created, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *idle_main(void *arg)
{
	(void)arg;
	for (;;)
		pause();        /* every signal is blocked: never returns */
	return NULL;
}

int main(int argc, char **argv)
{
	long churners, idle, k;
	pthread_attr_t attr;
	pthread_t th;
	sigset_t set;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: churn_threads CHURNERS [IDLE]\n");
		return 2;
	}
	churners = strtol(argv[1], NULL, 10);
	idle = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	if (churners < 0 || churners > MAX_CHURNERS || idle < 0 ||
	    idle > MAX_IDLE) {
		fprintf(stderr, "churn_threads: CHURNERS 0..%d, IDLE 0..%d\n",
			MAX_CHURNERS, MAX_IDLE);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	live_tids[0] = my_tid();
	sigfillset(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);      /* inherited by all */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SMALL_STACK);
	for (k = 0; k < idle; k++)
		if (pthread_create(&th, &attr, idle_main, NULL)) {
			fprintf(stderr, "churn_threads: idle thread %ld "
				"failed\n", k);
			return 1;
		}
	for (k = 0; k < churners; k++)
		if (pthread_create(&th, &attr, churner_main,
				   (void *)(uintptr_t)k)) {
			fprintf(stderr, "churn_threads: churner failed\n");
			return 1;
		}
	printf("pid=%d\nchurners=%ld\nidle=%ld\nlive_tids_addr=%p\n"
	       "live_tids_len=%d\nready\n", (int)getpid(), churners, idle,
	       (void *)live_tids, TABLE_LEN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		printf("created=%llu\n", (unsigned long long)
		       __atomic_load_n(&created, __ATOMIC_RELAXED));
	}
}
