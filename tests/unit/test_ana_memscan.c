// SPDX-License-Identifier: MIT
/*
 * test_ana_memscan.c - memscan hands out every stored page of a region
 * exactly once in the pieces' own parts, with its content, whatever the
 * order or the number of reader threads; lists absent, swapped and
 * unreadable pages as gaps with their state; leaves the middle of a long
 * zero run to mscan_zeros(); and after mscan_abandon() says why the rest
 * was not scanned.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memscan.h"
#include "msnap.h"
#include "snapshot.h"

#define PS      4096u
#define BASE    0x100000ull
#define NPAGES  109u
#define EDGE    (16u * PS)

/* pages 0-2 DATA, 3-102 ZERO, 103 DATA, 104-105 absent, 106 swapped,
 * 107 unreadable, 108 DATA */
static uint8_t page_byte(uint64_t page, size_t i)
{
	return (uint8_t)(page * 7 + i * 13 + 1) | 1;   /* never zero */
}

static void fill(uint8_t *p, uint64_t page, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++)
		for (size_t i = 0; i < PS; i++)
			p[k * PS + i] = page_byte(page + k, i);
}

static char path[] = "/tmp/test_ana_memscan.XXXXXX";

static int setup(void **state)
{
	static const char yaml[] = "memsnap: {schema: \"1.0\", version: test}\n";
	struct msnap_writer_opts o = { .threads = 1, .page_size = PS };
	static uint8_t a[3 * PS], b[PS], c[PS];
	struct msnap_writer *w;
	struct msnap_error e;

	(void)state;
	o.fd = mkstemp(path);
	assert_true(o.fd >= 0);
	fill(a, 0, 3);
	fill(b, 103, 1);
	fill(c, 108, 1);
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	assert_int_equal(msnap_writer_begin_region(w, BASE, BASE + NPAGES * PS, &e), 0);
	assert_int_equal(msnap_writer_add(w, 0, 3, MSNAP_PAGE_DATA, a, &e), 0);
	assert_int_equal(msnap_writer_add(w, 3, 100, MSNAP_PAGE_ZERO, NULL, &e), 0);
	assert_int_equal(msnap_writer_add(w, 103, 1, MSNAP_PAGE_DATA, b, &e), 0);
	assert_int_equal(msnap_writer_add(w, 106, 1, MSNAP_PAGE_SWAPPED, NULL, &e), 0);
	assert_int_equal(msnap_writer_add(w, 107, 1, MSNAP_PAGE_UNREADABLE, NULL, &e), 0);
	assert_int_equal(msnap_writer_add(w, 108, 1, MSNAP_PAGE_DATA, c, &e), 0);
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_finish(w, yaml, strlen(yaml), NULL, &e), 0);
	msnap_writer_free(w);
	close(o.fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Scan with o; count[p] = times page p came in an own part (checked). */
static struct mscan *scan(struct snap *s, const struct mscan_opts *o,
			  unsigned count[NPAGES], bool *descending)
{
	const struct mscan_piece *p;
	struct mscan *m;
	char msg[256];
	uint64_t prev = 0;
	size_t at, x, y;

	assert_int_equal(mscan_start(&m, s, o, msg, sizeof(msg)), 0);
	memset(count, 0, NPAGES * sizeof(*count));
	*descending = false;
	while ((p = mscan_next(m))) {
		assert_non_null(p->data);
		assert_true(p->own <= p->len);
		if (prev && p->addr < prev)
			*descending = true;
		prev = p->addr;
		for (at = 0; mscan_stored(p, at, &x, &y); at = y) {
			for (size_t i = x; i < y; i++) {
				const uint64_t a = p->addr + i, pg = (a - BASE) / PS;
				const bool zero = pg >= 3 && pg < 103;

				assert_true(pg < NPAGES);
				assert_int_equal(p->data[i],
						 zero ? 0 : page_byte(pg, a % PS));
				if (i < p->own && a % PS == 0)
					count[pg]++;
			}
		}
	}
	return m;
}

static void check_gaps(struct mscan *m)
{
	const struct mscan_gap *g;
	size_t n;

	g = mscan_gaps(m, &n);
	assert_int_equal(n, 3);
	assert_int_equal(g[0].start, BASE + 104 * PS);
	assert_int_equal(g[0].end, BASE + 106 * PS);
	assert_string_equal(g[0].why, "absent");
	assert_int_equal(g[1].start, BASE + 106 * PS);
	assert_string_equal(g[1].why, msnap_page_state_name(MSNAP_PAGE_SWAPPED));
	assert_int_equal(g[2].start, BASE + 107 * PS);
	assert_int_equal(g[2].end, BASE + 108 * PS);
	assert_string_equal(g[2].why, msnap_page_state_name(MSNAP_PAGE_UNREADABLE));
}

static void run_case(size_t piece, size_t overlap, bool reverse,
		     unsigned threads, size_t zero_edge)
{
	struct mscan_opts o = { .piece = piece, .overlap = overlap,
				.reverse = reverse, .threads = threads,
				.zero_edge = zero_edge };
	const struct mscan_range *z;
	struct msnap_error e;
	unsigned count[NPAGES];
	struct mscan *m;
	struct snap s;
	bool desc;
	size_t nz;

	assert_int_equal(snap_open(&s, path, &e), 0);
	assert_int_equal(snap_load_regions(&s, &e), 0);
	m = scan(&s, &o, count, &desc);
	z = mscan_zeros(m, &nz);
	if (zero_edge) {
		/* 100 zero pages: 16 at each end are read, 68 are not */
		assert_int_equal(nz, 1);
		assert_int_equal(z[0].start, BASE + 19 * PS);
		assert_int_equal(z[0].end, BASE + 87 * PS);
		assert_int_equal(mscan_stats(m)->zero_skipped, 68 * PS);
	} else {
		assert_int_equal(nz, 0);
	}
	for (unsigned pg = 0; pg < NPAGES; pg++) {
		const bool skipped = zero_edge && pg >= 19 && pg < 87;
		const bool stored = pg < 104 || pg == 108;

		assert_int_equal(count[pg], stored && !skipped ? 1 : 0);
	}
	assert_int_equal(desc, reverse && piece < 3 * PS);
	check_gaps(m);
	mscan_free(m);
	snap_close(&s);
}

static void test_natural(void **state)
{
	(void)state;
	run_case(4 * PS, 2 * PS, false, 1, 0);
	run_case(PS, 16 * PS, false, 3, 0);
	run_case(8u << 20, 0, false, 2, 0);
}

static void test_reverse(void **state)
{
	(void)state;
	run_case(2 * PS, 4 * PS, true, 2, 0);
	run_case(PS, 0, true, 4, 0);
}

static void test_zero_edges(void **state)
{
	(void)state;
	run_case(4 * PS, 2 * PS, false, 2, EDGE);
	run_case(2 * PS, 4 * PS, true, 3, EDGE);
	run_case(64 * PS, 0, false, 1, EDGE);
}

static void test_abandon(void **state)
{
	struct mscan_opts o = { .piece = PS, .threads = 2 };
	const struct mscan_piece *p;
	const struct mscan_gap *g;
	struct msnap_error e;
	struct mscan *m;
	struct snap s;
	char msg[256];
	size_t n, i;
	uint64_t timed_out = 0;

	(void)state;
	assert_int_equal(snap_open(&s, path, &e), 0);
	assert_int_equal(snap_load_regions(&s, &e), 0);
	assert_int_equal(mscan_start(&m, &s, &o, msg, sizeof(msg)), 0);
	p = mscan_next(m);
	assert_non_null(p);
	assert_int_equal(p->addr, BASE);
	mscan_abandon(m, "timeout");
	assert_null(mscan_next(m));
	g = mscan_gaps(m, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(g[i].why, "timeout"))
			timed_out += g[i].end - g[i].start;
	/* every stored page but the first: pages 1-103 and 108 */
	assert_int_equal(timed_out, 104 * PS);
	mscan_free(m);
	snap_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_natural),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_zero_edges),
		cmocka_unit_test(test_abandon),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
