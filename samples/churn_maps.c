// SPDX-License-Identifier: MIT
/*
 * churn_maps - a victim whose address space is hard to read: mappings that
 * come and go and change permissions while it is read (churn), tens of
 * thousands of mappings (many), or huge pages and shared file memory
 * (special): transparent and hugetlb huge pages, shared anonymous and
 * file memory, an inaccessible (PROT_NONE) range.
 *
 * Usage: churn_maps churn | churn_maps many N | churn_maps special DIR
 *
 * Memory is filled with the pattern of samples/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define POOL_SLOTS 64
#define STABLE_SEED 20
#define MANY_SEED 21
#define THP_SEED 22
#define HUGETLB_SEED 23
#define FSHARED_SEED 24
#define SANON_SEED 25
#define HUGE_2M (2ul << 20)

static size_t page;
static uint64_t churn_ops;     /* atomic */

static void pattern(uint8_t *p, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 37 + i * 13 + (i >> 9));
}

static void *map_anon(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* mmap, write, mprotect, munmap small mappings for ever. */
static void *churn_main(void *arg)
{
	static const int prots[] = { PROT_NONE, PROT_READ,
				     PROT_READ | PROT_WRITE };
	uint8_t *slot[POOL_SLOTS] = { 0 };
	size_t len[POOL_SLOTS] = { 0 };
	uint64_t x = 0x2545f4914f6cdd1dull;
	size_t k;

	(void)arg;
	for (;;) {
		k = next_random(&x) % POOL_SLOTS;
		if (!slot[k]) {
			len[k] = (1 + next_random(&x) % 16) * page;
			slot[k] = mmap(NULL, len[k], PROT_READ | PROT_WRITE,
				       MAP_ANONYMOUS | (next_random(&x) & 1 ?
				       MAP_SHARED : MAP_PRIVATE), -1, 0);
			if (slot[k] == MAP_FAILED) {
				slot[k] = NULL;
				continue;
			}
			memset(slot[k], (int)k, len[k]);
		} else if (next_random(&x) % 3) {
			mprotect(slot[k] + page * (next_random(&x) %
						   (len[k] / page)),
				 page, prots[next_random(&x) % 3]);
		} else {
			munmap(slot[k], len[k]);
			slot[k] = NULL;
		}
		__atomic_add_fetch(&churn_ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void setup_churn(void)
{
	const size_t size = 256 * page;
	uint8_t *stable = map_anon(size, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	pthread_t th;

	pattern(stable, size, STABLE_SEED);
	printf("stable_addr=%p\nstable_size=%zu\nstable_seed=%d\n",
	       (void *)stable, size, STABLE_SEED);
	if (pthread_create(&th, NULL, churn_main, NULL)) {
		fprintf(stderr, "churn_maps: pthread_create failed\n");
		exit(1);
	}
}

/* n pages, every other one read-only: about n mappings. */
static void setup_many(long n)
{
	uint8_t *p;
	long i;

	if (n < 2 || n > 1000000) {
		fprintf(stderr, "churn_maps: many N: 2..1000000\n");
		exit(2);
	}
	p = map_anon((size_t)n * page, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	pattern(p, (size_t)n * page, MANY_SEED);
	for (i = 1; i < n; i += 2)
		if (mprotect(p + i * page, page, PROT_READ)) {
			perror("mprotect (vm.max_map_count?)");
			exit(1);
		}
	printf("many_addr=%p\nmany_size=%zu\nmany_seed=%d\nmany_pages=%ld\n",
	       (void *)p, (size_t)n * page, MANY_SEED, n);
}

/* A 2 MiB-aligned range of len bytes inside a larger anonymous mapping. */
static uint8_t *map_aligned(size_t len)
{
	uint8_t *p = map_anon(len + HUGE_2M, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE);

	return (uint8_t *)(((uintptr_t)p + HUGE_2M - 1) & ~(HUGE_2M - 1));
}

static void setup_special(const char *dir)
{
	const size_t thp_size = 2 * HUGE_2M, fsize = 8 * page;
	char path[4096];
	uint8_t *thp, *ht, *fs, *fnone, *sa, *none;
	int fd;

	thp = map_aligned(thp_size);
	if (madvise(thp, thp_size, MADV_HUGEPAGE))
		perror("madvise(MADV_HUGEPAGE)");
	pattern(thp, thp_size, THP_SEED);
	printf("thp_addr=%p\nthp_size=%zu\nthp_seed=%d\n", (void *)thp,
	       thp_size, THP_SEED);

	ht = mmap(NULL, HUGE_2M, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (ht == MAP_FAILED) {
		printf("hugetlb=0\nhugetlb_errno=%d\n", errno);
	} else {
		pattern(ht, HUGE_2M, HUGETLB_SEED);
		printf("hugetlb=1\nhugetlb_addr=%p\nhugetlb_size=%lu\n"
		       "hugetlb_seed=%d\n", (void *)ht, HUGE_2M, HUGETLB_SEED);
	}

	snprintf(path, sizeof(path), "%s/churn_maps.shared.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, (off_t)fsize)) {
		perror(path);
		exit(1);
	}
	fs = mmap(NULL, fsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fs == MAP_FAILED) {
		perror("mmap shared file");
		exit(1);
	}
	/* an inaccessible view of the same file (not a guard gap) */
	fnone = mmap(NULL, fsize, PROT_NONE, MAP_PRIVATE, fd, 0);
	if (fnone == MAP_FAILED) {
		perror("mmap PROT_NONE file");
		exit(1);
	}
	close(fd);
	printf("fnone_addr=%p\n", (void *)fnone);
	pattern(fs, fsize, FSHARED_SEED);
	printf("fshared_addr=%p\nfshared_size=%zu\nfshared_seed=%d\n"
	       "fshared_path=%s\n", (void *)fs, fsize, FSHARED_SEED, path);

	sa = map_anon(fsize, PROT_READ | PROT_WRITE, MAP_SHARED);
	pattern(sa, fsize, SANON_SEED);
	printf("sanon_addr=%p\nsanon_size=%zu\nsanon_seed=%d\n", (void *)sa,
	       fsize, SANON_SEED);

	/* written first: present pages that a reader must still not touch */
	none = map_anon(fsize, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	memset(none, 0x5a, fsize);
	if (mprotect(none, fsize, PROT_NONE)) {
		perror("mprotect PROT_NONE");
		exit(1);
	}
	printf("none_addr=%p\nnone_size=%zu\n", (void *)none, fsize);
}

int main(int argc, char **argv)
{
	uint64_t ops;
	sigset_t set;
	int sig;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	page = (size_t)sysconf(_SC_PAGESIZE);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (argc == 2 && !strcmp(argv[1], "churn")) {
		setup_churn();
	} else if (argc == 3 && !strcmp(argv[1], "many")) {
		setup_many(strtol(argv[2], NULL, 10));
	} else if (argc == 3 && !strcmp(argv[1], "special")) {
		setup_special(argv[2]);
	} else {
		fprintf(stderr, "usage: churn_maps churn | many N | "
			"special DIR\n");
		return 2;
	}
	printf("pid=%d\npage_size=%zu\nready\n", (int)getpid(), page);
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		ops = __atomic_load_n(&churn_ops, __ATOMIC_RELAXED);
		printf("ops=%llu\n", (unsigned long long)ops);
	}
}
