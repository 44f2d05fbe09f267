// SPDX-License-Identifier: MIT
/*
 * counter_tree - a tree of processes that share one counter page (anonymous
 * MAP_SHARED, inherited by fork) and all increment it, each every ~20 us.
 * A group capture of one instant shows the same counter value in every
 * process's snapshot; captures taken one after another do not.
 *
 * Usage: counter_tree [N] [churn] [traced]
 *   N       processes in the tree (>= 3, default 4): the root, a child
 *           with a grandchild, and N-3 more children
 *   churn   the first child also forks children that live ~50 ms, all the
 *           time (born and dead during a capture)
 *   traced  the last child is ptrace'd by the root (PTRACE_TRACEME), so
 *           no other tracer (memsnap) can attach to it
 *
 * Prints "counter=0xADDR" (the counter's address, the same in every
 * process), "pids=P1,P2,..." and "ready".  Children die with their parent
 * (PR_SET_PDEATHSIG).  See samples/README.md.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#define MAGIC "CTRTREE!"

static volatile uint64_t *counter;

static void tick(void)
{
	const struct timespec pause = { 0, 20000 };

	__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
	nanosleep(&pause, NULL);
}

static void count_loop(bool churn);

/* A child: dies with its parent; may fork a grandchild first. */
static pid_t spawn(bool grandchild, bool traceme, bool churn)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(0);
	if (traceme && ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		_exit(1);
	if (grandchild && !spawn(false, false, false))
		_exit(1);
	count_loop(churn);
	return 0;
}

/* Count; with churn also fork short-lived children and reap them. */
static void count_loop(bool churn)
{
	unsigned n = 0;

	for (;;) {
		tick();
		if (churn && ++n % 80 == 0) {
			pid_t p = fork();

			if (!p) {
				usleep(50000);
				_exit(0);
			}
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4, i;
	bool churn = false, traced = false;
	pid_t pids[64];
	int np = 0;

	for (i = 2; i < argc; i++) {
		churn |= !strcmp(argv[i], "churn");
		traced |= !strcmp(argv[i], "traced");
	}
	if (n < 3 || n > 60) {
		fprintf(stderr, "usage: counter_tree [N (3-60)] [churn] [traced]\n");
		return 2;
	}
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);
	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counter == MAP_FAILED)
		return 1;
	memcpy((void *)counter, MAGIC, 8);
	counter++;              /* the counter follows the magic */
	pids[np++] = getpid();
	pids[np++] = spawn(true, false, churn);
	for (i = 3; i < n; i++)
		pids[np++] = spawn(false, traced && i == n - 1, false);
	printf("counter=%p\npids=", (void *)counter);
	for (i = 0; i < np; i++)
		printf("%s%d", i ? "," : "", (int)pids[i]);
	/* everyone counts before we say ready */
	while (*counter < (uint64_t)(100 * n))
		usleep(1000);
	printf("\nready\n");
	fflush(stdout);
	count_loop(false);
	return 0;
}
