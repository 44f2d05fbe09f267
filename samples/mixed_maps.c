// SPDX-License-Identifier: MIT
/*
 * mixed_maps - a victim with every awkward kind of mapping a capture meets:
 * PROT_NONE, a guard page inside a mapping, shared anonymous memory, a
 * memfd, a copy-on-write private file mapping, a read-only file mapping and
 * a pattern at a fixed address.
 *
 * Usage: mixed_maps      (temp files go in $MIXED_MAPS_DIR, else $TMPDIR,
 *                         else /tmp; removed on SIGTERM, SIGINT, SIGHUP)
 *
 * Each patterned region NAME holds pattern_byte(NAME_seed, i) at offset i
 * from NAME_addr.  SIGUSR1 rewrites one page in each of shared, memfd and
 * cow with seed MUTATION_SEED.  See samples/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#define FIXED_ADDR 0x7e1200000000ul
#define MUTATION_SEED 19

static size_t page_size;
static char cow_path[4096];
static char ro_path[4096];

static uint8_t pattern_byte(unsigned seed, size_t i)
{
	return (uint8_t)(seed * 37u + i * 13u + (i >> 9));
}

/* Fill [p + from, p + to) with the pattern of a region starting at p. */
static void fill_pattern(uint8_t *p, size_t from, size_t to, unsigned seed)
{
	for (size_t i = from; i < to; i++)
		p[i] = pattern_byte(seed, i);
}

static void die(const char *what)
{
	fprintf(stderr, "mixed_maps: %s: %s\n", what, strerror(errno));
	if (cow_path[0])
		unlink(cow_path);
	if (ro_path[0])
		unlink(ro_path);
	exit(1);
}

static uint8_t *map_anon(size_t pages, int prot, int flags)
{
	void *p = mmap(NULL, pages * page_size, prot,
		       flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* Make every page present by reading it. */
static void touch_pages(const uint8_t *p, size_t pages)
{
	volatile uint8_t sink = 0;

	for (size_t k = 0; k < pages; k++)
		sink ^= p[k * page_size];
	(void)sink;
}

/* A temp file holding `pages` pages of pattern `seed`, open read-write. */
static int make_file(char *path, size_t path_size, const char *dir,
		     const char *tag, size_t pages, unsigned seed)
{
	size_t len = pages * page_size;
	uint8_t *buf;
	int fd;

	if ((size_t)snprintf(path, path_size, "%s/mixed_maps.%s.XXXXXX", dir,
			     tag) >= path_size) {
		errno = ENAMETOOLONG;
		die("temp file name");
	}
	fd = mkstemp(path);
	if (fd < 0) {
		path[0] = '\0';
		die("mkstemp");
	}
	buf = malloc(len);
	if (!buf)
		die("malloc");
	fill_pattern(buf, 0, len, seed);
	if (write(fd, buf, len) != (ssize_t)len)
		die("write temp file");
	free(buf);
	return fd;
}

static void print_region(const char *name, const void *addr, size_t pages,
			 int seed)
{
	printf("%s_addr=%p\n%s_size=%zu\n", name, addr, name,
	       pages * page_size);
	if (seed >= 0)
		printf("%s_seed=%d\n", name, seed);
}

int main(void)
{
	const char *dir = getenv("MIXED_MAPS_DIR");
	uint8_t *prot_none, *guarded, *lguard, *shared, *memfd_map, *cow;
	uint8_t *ro, *fixed;
	int lguard_ok, memfd, cow_fd, ro_fd, sig;
	sigset_t set;

	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = (size_t)sysconf(_SC_PAGESIZE);
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";

	/* Before any file exists: a SIGTERM must reach the cleanup below. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		die("sigprocmask");

	prot_none = map_anon(4, PROT_NONE, MAP_PRIVATE);

	/* 8 pages, the fifth made inaccessible: one mapping split in three */
	guarded = map_anon(8, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	fill_pattern(guarded, 0, 8 * page_size, 11);
	if (mprotect(guarded + 4 * page_size, page_size, PROT_NONE) != 0)
		die("mprotect");

	/* a lightweight guard (Linux 6.13+): same VMA, page faults on access */
	lguard = map_anon(4, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	fill_pattern(lguard, 0, 4 * page_size, 12);
	lguard_ok = madvise(lguard + 2 * page_size, page_size,
			    MADV_GUARD_INSTALL) == 0;

	shared = map_anon(16, PROT_READ | PROT_WRITE, MAP_SHARED);
	fill_pattern(shared, 0, 16 * page_size, 13);

	memfd = memfd_create("mixed_maps_memfd", MFD_CLOEXEC);
	if (memfd < 0)
		die("memfd_create");
	if (ftruncate(memfd, (off_t)(8 * page_size)) != 0)
		die("ftruncate memfd");
	memfd_map = mmap(NULL, 8 * page_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, memfd, 0);
	if (memfd_map == MAP_FAILED)
		die("mmap memfd");
	fill_pattern(memfd_map, 0, 8 * page_size, 14);

	/* file pattern 15; pages 1 and 5 then rewritten (copied on write) */
	cow_fd = make_file(cow_path, sizeof(cow_path), dir, "cow", 8, 15);
	cow = mmap(NULL, 8 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		   cow_fd, 0);
	if (cow == MAP_FAILED)
		die("mmap cow file");
	touch_pages(cow, 8);
	fill_pattern(cow, 1 * page_size, 2 * page_size, 16);
	fill_pattern(cow, 5 * page_size, 6 * page_size, 16);

	ro_fd = make_file(ro_path, sizeof(ro_path), dir, "ro", 4, 17);
	ro = mmap(NULL, 4 * page_size, PROT_READ, MAP_PRIVATE, ro_fd, 0);
	if (ro == MAP_FAILED)
		die("mmap read-only file");
	touch_pages(ro, 4);

	fixed = mmap((void *)FIXED_ADDR, 4 * page_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (fixed == MAP_FAILED)
		die("mmap at a fixed address");
	fill_pattern(fixed, 0, 4 * page_size, 18);

	printf("pid=%d\npage_size=%zu\n", (int)getpid(), page_size);
	print_region("prot_none", prot_none, 4, -1);
	print_region("guarded", guarded, 8, 11);
	printf("guard_page_addr=%p\n", (void *)(guarded + 4 * page_size));
	print_region("lguard", lguard, 4, 12);
	printf("lguard_page_addr=%p\nlguard_installed=%d\n",
	       (void *)(lguard + 2 * page_size), lguard_ok);
	print_region("shared", shared, 16, 13);
	print_region("memfd", memfd_map, 8, 14);
	printf("memfd_name=mixed_maps_memfd\n");
	print_region("cow", cow, 8, 16);
	printf("cow_path=%s\ncow_file_seed=15\ncow_pages=1,5\n", cow_path);
	print_region("ro", ro, 4, 17);
	printf("ro_path=%s\n", ro_path);
	print_region("fixed", fixed, 4, 18);
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGUSR1)
			break;
		fill_pattern(shared, 1 * page_size, 2 * page_size,
			     MUTATION_SEED);
		fill_pattern(memfd_map, 2 * page_size, 3 * page_size,
			     MUTATION_SEED);
		fill_pattern(cow, 3 * page_size, 4 * page_size, MUTATION_SEED);
		printf("mutation_seed=%d\nmut_shared_offset=%zu\n"
		       "mut_memfd_offset=%zu\nmut_cow_offset=%zu\n"
		       "mut_len=%zu\nmutated\n", MUTATION_SEED, 1 * page_size,
		       2 * page_size, 3 * page_size, page_size);
		fflush(stdout);
	}
	unlink(cow_path);
	unlink(ro_path);
	return 0;
}
