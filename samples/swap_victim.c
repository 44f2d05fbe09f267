// SPDX-License-Identifier: MIT
/*
 * swap_victim - known content meant to be pushed out to swap.
 *
 * Usage: swap_victim MIB SEED
 *
 * Maps MIB MiB of anonymous memory (no transparent huge pages), fills it
 * with the pattern of seed SEED (README.md) and stamps each page's first
 * 8 bytes with its page index (uint64_t, little-endian), so that a page
 * read from the wrong swap slot cannot match by accident.  Started inside
 * a small memory cgroup, most of it ends in swap while it is filled.
 * Prints pid, addr, size, seed, then ready, and waits until killed.
 *
 * Its argument and environment strings are locked in memory: memsnap
 * reads /proc/PID/cmdline and environ (after the thaw), and the kernel
 * swaps that page back in to serve them, which would move VmSwap.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

/* Keep the pages of the argv and environ strings in memory. */
static void pin_args(char **argv)
{
	const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)argv[0], hi = lo;
	char **e;

	for (e = argv; *e; e++)
		if ((uintptr_t)*e + strlen(*e) + 1 > hi)
			hi = (uintptr_t)*e + strlen(*e) + 1;
	for (e = environ; *e; e++)
		if ((uintptr_t)*e + strlen(*e) + 1 > hi)
			hi = (uintptr_t)*e + strlen(*e) + 1;
	lo &= ~(page - 1);
	if (mlock((void *)lo, hi - lo))
		perror("mlock");
}

static void fill(uint8_t *p, size_t size, unsigned seed)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t i;
	uint64_t k;

	for (i = 0; i < size; i++)
		p[i] = (uint8_t)(seed * 37 + i * 13 + (i >> 9));
	for (k = 0; k < size / page; k++)
		memcpy(p + k * page, &k, sizeof(k));
}

int main(int argc, char **argv)
{
	size_t size;
	unsigned seed;
	sigset_t set;
	uint8_t *p;
	int sig;

	(void)prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: swap_victim MIB SEED\n");
		return 2;
	}
	size = (size_t)strtoul(argv[1], NULL, 10) << 20;
	seed = (unsigned)strtoul(argv[2], NULL, 10);
	if (!size)
		return 2;
	pin_args(argv);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	(void)madvise(p, size, MADV_NOHUGEPAGE);
	fill(p, size, seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid=%d\naddr=%p\nsize=%zu\nseed=%u\nready\n", (int)getpid(),
	       (void *)p, size, seed);
	fflush(stdout);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;)
		sigwait(&set, &sig);
}
