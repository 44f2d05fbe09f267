// SPDX-License-Identifier: MIT
/*
 * page_stamper - a victim whose memory tells the instant it was read at.
 *
 * A writer thread keeps stamping pages of one anonymous mapping: step s
 * (s = 1, 2, 3, ...) first stores s in a counter, then stores s in the
 * first 8 bytes of page (s * STRIDE) mod N.  STRIDE is odd and N a power of
 * two, so the steps visit every page in an order unrelated to addresses.
 * A snapshot of one instant with counter C therefore has, for every page,
 * the largest s <= C that maps to it (the page of step C itself may still
 * hold the step before: the thread can stop between the two stores).  A
 * reading spread over time shows other values.  See samples/README.md.
 *
 * Usage: page_stamper [PAGES [DELAY_NS]]  (PAGES a power of two, default
 * 16384; DELAY_NS between steps, default 0: as fast as it can).
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#define STRIDE 40503u               /* odd: a permutation of 2^k pages */
#define STABLE_BYTES (32u << 20)

static uint8_t *stamps;
static uint64_t npages;
static long delay_ns;
static volatile uint64_t *counter;  /* a page of its own */

static void *stamp_forever(void *arg)
{
	const long ps = sysconf(_SC_PAGESIZE);
	const struct timespec pause = { 0, delay_ns };
	uint64_t s = 0;

	(void)arg;
	for (;;) {
		s++;
		*counter = s;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		*(volatile uint64_t *)(stamps + ((s * STRIDE) & (npages - 1)) *
				       (uint64_t)ps) = s;
		if (delay_ns)
			nanosleep(&pause, NULL);
	}
	return NULL;
}

static uint8_t pattern_byte(unsigned seed, size_t i)
{
	return (uint8_t)(seed * 37 + i * 13 + (i >> 9));
}

int main(int argc, char **argv)
{
	const long ps = sysconf(_SC_PAGESIZE);
	uint8_t *stable;
	pthread_t tid;
	sigset_t set;
	size_t i;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	npages = argc > 1 ? strtoull(argv[1], NULL, 0) : 16384;
	delay_ns = argc > 2 ? strtol(argv[2], NULL, 0) : 0;
	if (!npages || (npages & (npages - 1)) || delay_ns < 0 ||
	    delay_ns > 999999999) {
		fprintf(stderr, "usage: page_stamper [PAGES [DELAY_NS]]\n");
		return 2;
	}
	stamps = mmap(NULL, npages * (uint64_t)ps, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	counter = mmap(NULL, (size_t)ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	stable = mmap(NULL, STABLE_BYTES, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stamps == MAP_FAILED || counter == MAP_FAILED ||
	    stable == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* a non-zero word on every page, so that none is a ZERO page */
	for (i = 0; i < npages; i++)
		memset(stamps + i * (uint64_t)ps + 8, 0x5a, 8);
	for (i = 0; i < STABLE_BYTES; i++)
		stable[i] = pattern_byte(7, i);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&tid, NULL, stamp_forever, NULL)) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	printf("pid=%d\n", (int)getpid());
	printf("pages=%llu\n", (unsigned long long)npages);
	printf("stride=%u\n", STRIDE);
	printf("stamps_addr=%p\n", (void *)stamps);
	printf("counter_addr=%p\n", (void *)counter);
	printf("stable_addr=%p\n", (void *)stable);
	printf("stable_size=%u\n", STABLE_BYTES);
	printf("stable_seed=7\n");
	printf("ready\n");
	sigwait(&set, &sig);
	return 0;
}
