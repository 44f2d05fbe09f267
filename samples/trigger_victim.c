// SPDX-License-Identifier: MIT
/*
 * trigger_victim - a victim that crosses one trigger's threshold when told
 * to (SIGUSR1), and not before, for memsnap's series triggers; or that
 * leaks heap memory in steps, for the timeline.
 *
 * Usage: trigger_victim MODE
 *   rss      on SIGUSR1: allocate and write 64 MiB (resident > 64M)
 *   threads  on SIGUSR1: start 8 more threads (threads > 8)
 *   fds      on SIGUSR1: open 64 more descriptors (fds > 64)
 *   cpu      on SIGUSR1: burn CPU until killed
 *   signal   SIGUSR2 has a handler that sets handled=1 and prints
 *            "handled"; a capture before it runs sees handled=0
 *   exit     on SIGUSR1: write the canary, then exit(0)
 *   leak     every 100 ms: malloc 256 KiB on the heap (brk) and write it,
 *            forever; prints "step=N"
 * Prints pid, mode, canary_addr, handled_addr, then ready.
 * See samples/README.md.
 */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define CANARY "memsnap-at-exit-canary:"

static char canary[64] = "not yet";
static volatile uint64_t handled;
static volatile sig_atomic_t go;
static char *volatile kept;     /* allocations escape: not optimised away */

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

static void on_usr2(int sig)
{
	static const char msg[] = "handled\n";

	(void)sig;
	handled = 1;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void cross(const char *mode)
{
	pthread_t th;
	size_t i;
	char *p;

	if (!strcmp(mode, "rss")) {
		p = malloc(64u << 20);
		if (!p)
			exit(1);
		memset(p, 0x5a, 64u << 20);
		kept = p;
	} else if (!strcmp(mode, "threads")) {
		for (i = 0; i < 8; i++)
			if (pthread_create(&th, NULL, idle_thread, NULL))
				exit(1);
	} else if (!strcmp(mode, "fds")) {
		for (i = 0; i < 64; i++)
			if (open("/dev/null", O_RDONLY) < 0)
				exit(1);
	} else if (!strcmp(mode, "cpu")) {
		volatile uint64_t x = 0;

		for (;;)
			x++;
	} else if (!strcmp(mode, "exit")) {
		snprintf(canary, sizeof(canary), CANARY "%d", (int)getpid());
		exit(0);
	}
	printf("crossed\n");
}

static void leak(void)
{
	const struct timespec step = { 0, 100000000 };
	unsigned n;
	char *p;

	/* keep 256 KiB blocks on the brk heap, not in mmaps of their own */
	mallopt(M_MMAP_THRESHOLD, 32u << 20);
	for (n = 1;; n++) {
		p = malloc(256u << 10);
		if (!p)
			exit(1);
		memset(p, (int)n, 256u << 10);
		kept = p;
		printf("step=%u\n", n);
		nanosleep(&step, NULL);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2) {
		fprintf(stderr, "usage: trigger_victim rss|threads|fds|cpu|signal|exit|leak\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);
	printf("pid=%d\nmode=%s\ncanary_addr=%p\nhandled_addr=%p\nready\n",
	       (int)getpid(), argv[1], (void *)canary, (void *)&handled);
	if (!strcmp(argv[1], "leak"))
		leak();
	for (;;) {
		pause();
		if (go) {
			go = 0;
			cross(argv[1]);
		}
	}
}
