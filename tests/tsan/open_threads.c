// SPDX-License-Identifier: MIT
/*
 * open_threads.c - several threads open, read and verify different
 * snapshots at once (built with -fsanitize=thread by scripts/tsan-check.sh).
 *
 * Two snapshots with different layouts (A: regions written high to low
 * addresses, B: low to high, other sizes) are written first.  Then each of
 * THREADS threads opens one of them ROUNDS times, alternating, and checks
 * that every region is found at its own start, that its bytes are the
 * ones written and that the file verifies.  A reader sorted with another
 * reader's data finds the wrong region.  Prints "tsan: N passed, N failed".
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msnap.h"

#define PS 4096u
#define THREADS 4
#define ROUNDS 40

struct layout {
	const char *name;
	unsigned nreg, pages;
	uint64_t base;
	int descending;
	char path[256];
};

static struct layout layouts[2] = {
	{ "a", 12, 3, 0x7f0000000000ull, 1, "" },
	{ "b", 5, 7, 0x400000ull, 0, "" },
};

static uint64_t region_start(const struct layout *l, unsigned k)
{
	unsigned at = l->descending ? l->nreg - 1 - k : k;

	return l->base + (uint64_t)at * 0x100000ull;
}

static void fill(uint8_t *p, uint64_t addr)
{
	unsigned i;

	for (i = 0; i < PS; i += 8)
		memcpy(p + i, &addr, 8), addr += 8;
}

static int write_layout(struct layout *l, const char *dir)
{
	struct msnap_writer_opts o = { .threads = 2, .page_size = PS };
	static uint8_t pages[16 * PS];
	struct msnap_writer *w;
	struct msnap_error e;
	unsigned k, p;

	snprintf(l->path, sizeof(l->path), "%s/%s.msnap", dir, l->name);
	o.fd = open(l->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (o.fd < 0 || msnap_writer_create(&w, &o, &e))
		return -1;
	for (k = 0; k < l->nreg; k++) {
		const uint64_t s = region_start(l, k);

		for (p = 0; p < l->pages; p++)
			fill(pages + p * PS, s + p * PS);
		if (msnap_writer_begin_region(w, s, s + l->pages * PS, &e) ||
		    msnap_writer_add(w, 0, l->pages, MSNAP_PAGE_DATA, pages, &e) ||
		    msnap_writer_end_region(w, &e) || msnap_writer_sync(w, &e))
			return -1;
	}
	if (msnap_writer_finish(w, "{}\n", 3, NULL, &e))
		return -1;
	msnap_writer_free(w);
	close(o.fd);
	return 0;
}

/* Open l, check every region and byte, verify; 0 if all is right. */
static int check_once(const struct layout *l)
{
	struct msnap_verify_report rep;
	uint8_t got[PS], want[PS];
	struct msnap_reader *r;
	struct msnap_error e;
	unsigned k;
	int bad = 0;

	if (msnap_open_path(&r, l->path, 0, &e))
		return 1;
	for (k = 0; k < l->nreg && !bad; k++) {
		const uint64_t s = region_start(l, k);

		if (msnap_find_region(r, s + PS) != (int64_t)k)
			bad = 1;
		else if (msnap_read(r, s + PS, got, PS, NULL, &e))
			bad = 1;
		fill(want, s + PS);
		if (!bad && memcmp(got, want, PS))
			bad = 1;
	}
	if (!bad && msnap_verify(r, 1, MSNAP_VERIFY_QUICK, &rep, NULL, NULL, &e))
		bad = 1;
	msnap_close(r);
	return bad;
}

static void *worker(void *arg)
{
	const long id = (long)arg;
	long failures = 0;
	int i;

	for (i = 0; i < ROUNDS; i++)
		failures += check_once(&layouts[(id + i) % 2]);
	return (void *)failures;
}

int main(void)
{
	char dir[] = "/tmp/tsan_open.XXXXXX";
	pthread_t tid[THREADS];
	long passed = 0, failed = 0, i;
	void *ret;

	if (!mkdtemp(dir) || write_layout(&layouts[0], dir) ||
	    write_layout(&layouts[1], dir)) {
		fprintf(stderr, "cannot write the test snapshots\n");
		return 2;
	}
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&tid[i], NULL, worker, (void *)i))
			return 2;
	for (i = 0; i < THREADS; i++) {
		pthread_join(tid[i], &ret);
		if (ret) {
			printf("thread %ld: %ld of %d opens saw a wrong region or byte\n",
			       i, (long)ret, ROUNDS);
			failed++;
		} else {
			passed++;
		}
	}
	unlink(layouts[0].path);
	unlink(layouts[1].path);
	rmdir(dir);
	printf("tsan: %ld passed, %ld failed\n", passed, failed);
	return failed ? 1 : 0;
}
