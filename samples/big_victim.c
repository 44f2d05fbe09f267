// SPDX-License-Identifier: MIT
/*
 * big_victim - a large victim for benchmarks and interruption tests.
 *
 * Usage: big_victim SIZE [FRACTION]
 *   SIZE      bytes of memory to hold, with suffix K, M or G ("2G", "64M")
 *   FRACTION  share of pages SIGUSR1 mutates (default 0.01)
 *
 * One anonymous mapping in four equal parts: zeros (written, so present),
 * text (English-like words), pointers (8-byte values into its own memory and
 * stack) and random (xorshift64*, incompressible).  Every page is faulted in
 * before "ready".  A ticker thread wakes every millisecond and records the
 * largest gap between two ticks: how long the process was frozen, measured
 * from inside.  SIGUSR2 prints max_gap_ns and resets it.  See README.md.
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
#include <time.h>
#include <unistd.h>

#define TICK_NS 1000000L
#define RANDOM_SEED 0x9e3779b97f4a7c15ull

static const char *const words[] = {
	"the", "of", "and", "memory", "process", "snapshot", "page", "region",
	"thread", "analyst", "evidence", "kernel", "frozen", "capture", "to",
	"a", "in", "is", "that", "for", "it", "with", "as", "was", "on", "be",
	"at", "by", "this", "had", "not", "are", "but", "from", "or", "have",
};

static uint64_t max_gap_ns;     /* written by the ticker, reset by main */
static uint64_t ticks;

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *ticker_main(void *arg)
{
	const struct timespec tick = { .tv_nsec = TICK_NS };
	uint64_t last = now_ns();

	(void)arg;
	pthread_setname_np(pthread_self(), "ticker");
	for (;;) {
		uint64_t now, gap;

		clock_nanosleep(CLOCK_MONOTONIC, 0, &tick, NULL);
		now = now_ns();
		gap = now - last;
		last = now;
		if (gap > __atomic_load_n(&max_gap_ns, __ATOMIC_RELAXED))
			__atomic_store_n(&max_gap_ns, gap, __ATOMIC_RELAXED);
		__atomic_add_fetch(&ticks, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case 'G': case 'g':
		v <<= 10;
		__attribute__((fallthrough));
	case 'M': case 'm':
		v <<= 10;
		__attribute__((fallthrough));
	case 'K': case 'k':
		v <<= 10;
		end++;
		break;
	case '\0':
		break;
	default:
		return -1;
	}
	if (*end || v == 0 || v > (1ull << 40))
		return -1;
	*out = (size_t)v;
	return 0;
}

static void fill_zeros(uint8_t *p, size_t n)
{
	/* a write fault gives each page its own frame: present, all zero */
	memset(p, 0, n);
}

static void fill_text(uint8_t *p, size_t n)
{
	const size_t nwords = sizeof(words) / sizeof(words[0]);
	uint64_t s = 12345;
	size_t i = 0;

	while (i < n) {
		const char *w = words[xorshift64(&s) % nwords];
		size_t len = strlen(w);

		if (len > n - i)
			len = n - i;
		memcpy(p + i, w, len);
		i += len;
		if (i < n)
			p[i++] = (xorshift64(&s) % 12 == 0) ? '\n' : ' ';
	}
}

static void fill_pointers(uint8_t *p, size_t n, uintptr_t base,
			  size_t span, uintptr_t stack)
{
	uint64_t s = 777;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t r = xorshift64(&s);
		uintptr_t v;

		/* mostly heap pointers, some stack, some small integers */
		if (r % 16 == 0)
			v = stack - (r >> 8) % 4096 * 8;
		else if (r % 16 == 1)
			v = (r >> 8) % 1000;
		else
			v = base + ((r >> 8) % span & ~(uintptr_t)7);
		memcpy(p + i, &v, 8);
	}
}

static void fill_random(uint8_t *p, size_t n)
{
	uint64_t s = RANDOM_SEED;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t v = xorshift64(&s);

		memcpy(p + i, &v, 8);
	}
}

/* Pages j * npages / count, j = 0..count-1: spread evenly, deterministic. */
static uint64_t mutate(uint8_t *base, size_t npages, size_t page_size,
		       double fraction, uint64_t round)
{
	uint64_t count = (uint64_t)((double)npages * fraction);

	if (count == 0 && fraction > 0)
		count = 1;
	if (count > npages)
		count = npages;
	for (uint64_t j = 0; j < count; j++) {
		uint64_t page = j * npages / count;
		uint64_t *word = (uint64_t *)(base + page * page_size) + 1;

		*word += round;
	}
	return count;
}

int main(int argc, char **argv)
{
	const size_t page_size = (size_t)sysconf(_SC_PAGESIZE);
	double fraction = 0.01;
	size_t size, part, npages;
	uint64_t round = 0, t0;
	pthread_t ticker;
	uint8_t *mem;
	sigset_t set;
	int sig, rc;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (argc < 2 || argc > 3 || parse_size(argv[1], &size) != 0) {
		fprintf(stderr, "usage: big_victim SIZE[K|M|G] [FRACTION]\n");
		return 2;
	}
	if (argc == 3) {
		char *end;

		fraction = strtod(argv[2], &end);
		if (*end || !(fraction >= 0 && fraction <= 1)) {
			fprintf(stderr, "big_victim: bad fraction: %s\n",
				argv[2]);
			return 2;
		}
	}
	part = size / 4 / page_size * page_size;
	if (part == 0)
		part = page_size;
	size = part * 4;
	npages = size / page_size;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
		perror("big_victim: sigprocmask");
		return 1;
	}

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("big_victim: mmap");
		return 1;
	}
	t0 = now_ns();
	fill_zeros(mem, part);
	fill_text(mem + part, part);
	fill_pointers(mem + 2 * part, part, (uintptr_t)mem, size,
		      (uintptr_t)&rc);
	fill_random(mem + 3 * part, part);

	rc = pthread_create(&ticker, NULL, ticker_main, NULL);
	if (rc != 0) {
		fprintf(stderr, "big_victim: pthread_create: %s\n",
			strerror(rc));
		return 1;
	}

	printf("pid=%d\nsize=%zu\npage_size=%zu\npages=%zu\naddr=%p\n"
	       "zeros_addr=%p\nzeros_size=%zu\ntext_addr=%p\ntext_size=%zu\n"
	       "pointers_addr=%p\npointers_size=%zu\nrandom_addr=%p\n"
	       "random_size=%zu\nrandom_seed=0x%016llx\nfraction=%g\n"
	       "fill_ms=%llu\nready\n",
	       (int)getpid(), size, page_size, npages, (void *)mem,
	       (void *)mem, part, (void *)(mem + part), part,
	       (void *)(mem + 2 * part), part, (void *)(mem + 3 * part), part,
	       (unsigned long long)RANDOM_SEED, fraction,
	       (unsigned long long)((now_ns() - t0) / 1000000));
	fflush(stdout);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGUSR2) {
			uint64_t gap = __atomic_exchange_n(&max_gap_ns, 0,
							   __ATOMIC_RELAXED);

			printf("max_gap_ns=%llu\nticks=%llu\n",
			       (unsigned long long)gap,
			       (unsigned long long)__atomic_load_n(
				       &ticks, __ATOMIC_RELAXED));
		} else if (sig == SIGUSR1) {
			uint64_t n = mutate(mem, npages, page_size, fraction,
					    ++round);

			printf("mutated=%llu\nround=%llu\nmutated\n",
			       (unsigned long long)n,
			       (unsigned long long)round);
		}
		fflush(stdout);
	}
}
