// SPDX-License-Identifier: MIT
/*
 * leader_exit - a process whose main thread has called pthread_exit while
 * another thread runs on: the leader is a zombie (its /proc/PID/maps,
 * pagemap and mem are gone with its mm), the process is alive.
 *
 * Prints pid=, worker_tid=, canary_addr= and canary= (a string in a heap
 * buffer), then ready; the worker prints tick=N ten times a second.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CANARY "memsnap-leader-exit-canary"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t started = PTHREAD_COND_INITIALIZER;
static pid_t worker_tid;

static void *worker(void *arg)
{
	struct timespec tenth = { 0, 100000000 };
	unsigned long n = 0;

	(void)arg;
	pthread_mutex_lock(&lock);
	worker_tid = (pid_t)syscall(SYS_gettid);
	pthread_cond_signal(&started);
	pthread_mutex_unlock(&lock);
	for (;;) {
		nanosleep(&tenth, NULL);
		printf("tick=%lu\n", ++n);
		fflush(stdout);
	}
	return NULL;
}

int main(void)
{
	char *canary = malloc(1 << 16);
	pthread_t t;

	if (!canary)
		return 1;
	memset(canary, 0, 1 << 16);
	strcpy(canary, CANARY);
	pthread_mutex_lock(&lock);
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	while (!worker_tid)
		pthread_cond_wait(&started, &lock);
	pthread_mutex_unlock(&lock);
	printf("pid=%d\nworker_tid=%d\ncanary_addr=%p\ncanary=%s\nready\n",
	       (int)getpid(), (int)worker_tid, (void *)canary, CANARY);
	fflush(stdout);
	/* ready is printed before the leader exits: the test waits for Z */
	pthread_exit(NULL);
}
