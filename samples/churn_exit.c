// SPDX-License-Identifier: MIT
/*
 * churn_exit - a victim that ends or replaces itself on request while a
 * capture reads it: exit_group, execve by the leader or by another thread;
 * it also counts the signals it is sent (were they delivered after a
 * freeze?) and can make itself non-dumpable.
 *
 * Usage: churn_exit SIZE [GENERATION]   (SIZE with K, M or G)
 *
 * Environment: CHURN_NODUMP=1 calls prctl(PR_SET_DUMPABLE, 0).
 * See samples/README.md.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define EXIT_CODE 3

static char **saved_argv;
static unsigned long long generation = 1;
static pthread_mutex_t exec_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t exec_cond = PTHREAD_COND_INITIALIZER;
static int exec_requested;

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': v <<= 10; break;
	case 'm': case 'M': v <<= 20; break;
	case 'g': case 'G': v <<= 30; break;
	default: break;
	}
	return (size_t)v;
}

/* Replace this program by itself, one generation further. */
static void exec_next(void)
{
	char gen[32], *args[4];

	snprintf(gen, sizeof(gen), "%llu", generation + 1);
	args[0] = saved_argv[0];
	args[1] = saved_argv[1];
	args[2] = gen;
	args[3] = NULL;
	execv("/proc/self/exe", args);
	fprintf(stderr, "churn_exit: execv: %s\n", strerror(errno));
	_exit(1);
}

/* A thread other than the leader that calls execve when asked. */
static void *exec_thread(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&exec_lock);
	while (!exec_requested)
		pthread_cond_wait(&exec_cond, &exec_lock);
	pthread_mutex_unlock(&exec_lock);
	printf("exec_tid=%ld\n", (long)syscall(SYS_gettid));
	exec_next();
	return NULL;
}

/* Incompressible content, so that a capture of it takes its time. */
static void fill(uint8_t *p, size_t size)
{
	uint64_t x = 0x9e3779b97f4a7c15ull ^ generation;
	size_t i;

	for (i = 0; i + 8 <= size; i += 8) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		*(uint64_t *)(p + i) = x * 0x2545f4914f6cdd1dull;
	}
}

int main(int argc, char **argv)
{
	unsigned long long usr1 = 0, rt = 0;
	pthread_t thread;
	sigset_t set;
	size_t size;
	uint8_t *mem;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: churn_exit SIZE [GENERATION]\n");
		return 2;
	}
	saved_argv = argv;
	if (argc == 3)
		generation = strtoull(argv[2], NULL, 10);
	if (getenv("CHURN_NODUMP") && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) {
		perror("prctl(PR_SET_DUMPABLE)");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	size = parse_size(argv[1]) & ~(size_t)4095;
	if (!size)
		size = 4096;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	fill(mem, size);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGRTMIN + 2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&thread, NULL, exec_thread, NULL)) {
		fprintf(stderr, "churn_exit: pthread_create failed\n");
		return 1;
	}
	printf("pid=%d\ngeneration=%llu\nmem_addr=%p\nmem_size=%zu\n"
	       "exit_code=%d\nready\n", (int)getpid(), generation,
	       (void *)mem, size, EXIT_CODE);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGTERM) {
			syscall(SYS_exit_group, EXIT_CODE);
		} else if (sig == SIGUSR1) {
			printf("usr1=%llu\n", ++usr1);
		} else if (sig == SIGRTMIN + 2) {
			printf("rt=%llu\n", ++rt);
		} else if (sig == SIGUSR2) {
			exec_next();
		} else if (sig == SIGHUP) {
			pthread_mutex_lock(&exec_lock);
			exec_requested = 1;
			pthread_cond_signal(&exec_cond);
			pthread_mutex_unlock(&exec_lock);
		}
	}
}
