// SPDX-License-Identifier: MIT
/*
 * test_format_chain.c - incremental snapshots (FORMAT.md 4.9): the writer
 * keeps only pages whose bytes differ from the parent's, the reader gives
 * the whole memory through a chain, and refuses missing, altered, looping
 * or too deep chains.
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
#include <sys/stat.h>

#include "msnap.h"

#define PS 4096u
#define NPAGES 64u
#define A_START 0x10000ull
#define THREADS 2u

static char dir[64];

/* Deterministic, compressible but distinct page contents. */
static void fill(uint8_t *mem, unsigned seed)
{
	unsigned p, i;

	for (p = 0; p < NPAGES; p++)
		for (i = 0; i < PS; i++)
			mem[p * PS + i] = (uint8_t)((p * 31 + i / 64 + seed) & 0xff);
}

static void path_of(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

/*
 * Write `name`: region A (NPAGES of mem at A_START), and region B of 4
 * pages at b_start, all DATA; against `parent` (a file in dir) if given.
 * id_byte fills the capture id.
 */
static void write_snap(const char *name, const uint8_t *mem, uint64_t b_start,
		       const char *parent, uint8_t id_byte)
{
	struct msnap_reader *pr[THREADS] = { NULL };
	struct msnap_parent_ref ref;
	struct msnap_writer_opts o = { 0 };
	struct msnap_writer *w;
	struct msnap_error e;
	const char *yaml = "memsnap: {schema: \"1.2\"}\nregions: []\n";
	char path[128], ppath[128];
	unsigned k;
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	o.fd = fd;
	o.threads = THREADS;
	o.page_size = PS;
	o.chunk_bytes = 16 * PS;
	memset(o.capture_id, id_byte, sizeof(o.capture_id));
	if (parent) {
		int pfd;

		path_of(ppath, sizeof(ppath), parent);
		assert_int_equal(msnap_open_chain(&pr[0], ppath, 0, NULL, &e), 0);
		for (k = 1; k < THREADS; k++)
			assert_int_equal(msnap_reader_clone(&pr[k], pr[0], &e), 0);
		memset(&ref, 0, sizeof(ref));
		memcpy(ref.capture_id, msnap_info(pr[0])->capture_id, 16);
		snprintf(ref.name, sizeof(ref.name), "%s", parent);
		pfd = open(ppath, O_RDONLY);
		assert_true(pfd >= 0);
		assert_int_equal(msnap_file_sha256(pfd, ref.file_sha256), 0);
		close(pfd);
		o.flags = MSNAP_HDR_INCREMENTAL;
		o.parents = pr;
		o.nparents = THREADS;
		o.parent = &ref;
	}
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	assert_int_equal(msnap_writer_begin_region(w, A_START, A_START + NPAGES * PS, &e), 0);
	assert_int_equal(msnap_writer_add(w, 0, NPAGES, MSNAP_PAGE_DATA, mem, &e), 0);
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_begin_region(w, b_start, b_start + 4 * PS, &e), 0);
	assert_int_equal(msnap_writer_add(w, 0, 4, MSNAP_PAGE_DATA, mem, &e), 0);
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_finish(w, yaml, strlen(yaml), NULL, &e), 0);
	msnap_writer_free(w);
	close(fd);
	for (k = 0; k < THREADS; k++)
		msnap_close(pr[k]);
}

/* name, opened with its chain, reads back mem in region A. */
static void check_reads(const char *name, const uint8_t *mem)
{
	struct msnap_reader *r;
	struct msnap_error e;
	uint8_t *got = malloc(NPAGES * PS), st[NPAGES];
	char path[128];
	unsigned p;

	assert_non_null(got);
	path_of(path, sizeof(path), name);
	assert_int_equal(msnap_open_chain(&r, path, 0, NULL, &e), 0);
	assert_int_equal(msnap_read(r, A_START, got, NPAGES * PS, st, &e), 0);
	assert_memory_equal(got, mem, NPAGES * PS);
	for (p = 0; p < NPAGES; p++)
		assert_int_equal(st[p], MSNAP_PAGE_DATA);
	free(got);
	msnap_close(r);
}

static int open_err(const char *name, const char *pdir, struct msnap_error *e)
{
	struct msnap_reader *r;
	char path[128];
	int ret;

	path_of(path, sizeof(path), name);
	ret = msnap_open_chain(&r, path, 0, pdir, e);
	if (!ret)
		msnap_close(r);
	return ret;
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_chain.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Changed pages stored, unchanged ones PARENT, a moved region whole. */
static void test_incremental_round_trip(void **state)
{
	uint8_t *mem = malloc(NPAGES * PS);
	const struct msnap_region_info *ri;
	struct msnap_verify_report rep;
	struct msnap_reader *r, *p;
	struct msnap_error e;
	uint64_t h_child, h_parent;
	char path[128];

	(void)state;
	assert_non_null(mem);
	fill(mem, 1);
	write_snap("p.msnap", mem, 0x200000, NULL, 0x11);
	mem[3 * PS + 100] ^= 1;             /* one byte: still a change */
	mem[17 * PS] ^= 0x80;
	write_snap("c.msnap", mem, 0x300000, "p.msnap", 0x22);
	check_reads("c.msnap", mem);

	path_of(path, sizeof(path), "c.msnap");
	assert_int_equal(msnap_open_chain(&r, path, 0, NULL, &e), 0);
	assert_non_null(msnap_parent_ref(r));
	assert_string_equal(msnap_parent_ref(r)->name, "p.msnap");
	ri = msnap_region(r, 0);
	assert_int_equal(ri->own_pages[MSNAP_PAGE_PARENT], NPAGES - 2);
	assert_int_equal(ri->own_pages[MSNAP_PAGE_DATA], 2);
	assert_int_equal(ri->pages[MSNAP_PAGE_DATA], NPAGES);
	assert_int_equal(ri->pages[MSNAP_PAGE_PARENT], 0);
	assert_int_equal(ri->nhashes, NPAGES);
	/* region B moved: stored whole, nothing from the parent */
	assert_int_equal(msnap_region(r, 1)->own_pages[MSNAP_PAGE_PARENT], 0);
	/* a PARENT page shows the parent's state and hash */
	p = msnap_parent(r);
	assert_non_null(p);
	assert_int_equal(msnap_page_state(r, 0, 5, &h_child), MSNAP_PAGE_DATA);
	assert_int_equal(msnap_page_state(p, 0, 5, &h_parent), MSNAP_PAGE_DATA);
	assert_true(h_child == h_parent && h_child != 0);
	assert_int_equal(ri->hashes[5], h_parent);
	assert_int_equal(msnap_verify(r, 1, 0, &rep, NULL, NULL, &e), 0);
	assert_int_equal(rep.regions_bad + rep.chunks_bad + rep.pages_bad, 0);
	msnap_close(r);

	/* without resolving, PARENT pages are not invented */
	assert_int_equal(msnap_open_path(&r, path, 0, &e), 0);
	assert_null(msnap_parent(r));
	assert_int_equal(msnap_page_state(r, 0, 5, NULL), MSNAP_PAGE_PARENT);
	msnap_close(r);
	free(mem);
}

/* Three levels; the parent found by id, in parent_dir; refusals. */
static void test_chain_and_refusals(void **state)
{
	uint8_t *mem = malloc(NPAGES * PS);
	struct msnap_error e;
	char a[128], b[128], sub[128];
	int fd;

	(void)state;
	assert_non_null(mem);
	fill(mem, 2);
	write_snap("g.msnap", mem, 0x200000, NULL, 0x31);
	mem[3 * PS] ^= 1;
	write_snap("p.msnap", mem, 0x200000, "g.msnap", 0x32);
	mem[40 * PS + 7] ^= 1;
	write_snap("c.msnap", mem, 0x200000, "p.msnap", 0x33);
	check_reads("c.msnap", mem);

	/* renamed: found by capture id */
	path_of(a, sizeof(a), "g.msnap");
	path_of(b, sizeof(b), "renamed.msnap");
	assert_int_equal(rename(a, b), 0);
	check_reads("c.msnap", mem);

	/* moved away: only with parent_dir */
	path_of(sub, sizeof(sub), "away");
	assert_int_equal(mkdir(sub, 0700), 0);
	path_of(a, sizeof(a), "away/g.msnap");
	assert_int_equal(rename(b, a), 0);
	assert_int_equal(open_err("c.msnap", NULL, &e), -MSNAP_E_PARENT);
	assert_non_null(strstr(e.msg, "g.msnap"));
	assert_non_null(strstr(e.msg, "not found"));
	assert_int_equal(open_err("c.msnap", sub, &e), 0);

	/* altered: one byte flipped in the grandparent */
	fd = open(a, O_RDWR);
	assert_true(fd >= 0);
	{
		uint8_t c;

		assert_int_equal(pread(fd, &c, 1, 200), 1);
		c ^= 1;
		assert_int_equal(pwrite(fd, &c, 1, 200), 1);
	}
	close(fd);
	assert_int_equal(open_err("c.msnap", sub, &e), -MSNAP_E_PARENT);
	assert_non_null(strstr(e.msg, "altered"));
	assert_non_null(strstr(e.msg, "g.msnap"));
	free(mem);
}

/* A child that names its own capture id as its parent's: a loop. */
static void test_loop_refused(void **state)
{
	uint8_t *mem = malloc(NPAGES * PS);
	struct msnap_error e;

	(void)state;
	assert_non_null(mem);
	fill(mem, 3);
	write_snap("loop_p.msnap", mem, 0x200000, NULL, 0x44);
	write_snap("loop_c.msnap", mem, 0x200000, "loop_p.msnap", 0x44);
	assert_int_equal(open_err("loop_c.msnap", NULL, &e), -MSNAP_E_PARENT);
	assert_non_null(strstr(e.msg, "loop"));
	free(mem);
}

/* MSNAP_MAX_CHAIN parents are read, one more is refused. */
static void test_depth_refused(void **state)
{
	uint8_t *mem = malloc(NPAGES * PS);
	struct msnap_error e;
	char name[32], prev[32];
	unsigned k;

	(void)state;
	assert_non_null(mem);
	fill(mem, 4);
	write_snap("d0.msnap", mem, 0x200000, NULL, 0x50);
	for (k = 1; k <= MSNAP_MAX_CHAIN + 1; k++) {
		snprintf(prev, sizeof(prev), "d%u.msnap", k - 1);
		snprintf(name, sizeof(name), "d%u.msnap", k);
		mem[(k % NPAGES) * PS] ^= 1;
		write_snap(name, mem, 0x200000, prev, (uint8_t)(0x50 + k));
	}
	/* the last one has MSNAP_MAX_CHAIN + 1 parents, the one before
	 * (whose memory had this byte as it was) the most allowed */
	mem[((MSNAP_MAX_CHAIN + 1) % NPAGES) * PS] ^= 1;
	check_reads(prev, mem);
	assert_int_equal(open_err(name, NULL, &e), -MSNAP_E_PARENT);
	assert_non_null(strstr(e.msg, "deeper"));
	free(mem);
}

/* Write n bytes of value v to a new file `name`; its fd (O_RDWR). */
static int bytes_file(const char *name, int v, size_t n)
{
	char path[128], buf[4096];
	int fd;

	path_of(path, sizeof(path), name);
	memset(buf, v, sizeof(buf));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, n, 0), (ssize_t)n);
	return fd;
}

/*
 * msnap_file_sha256() answers from memory for a file it knows, and hashes
 * again once the file changed, even in the same clock tick as before.
 */
static void test_file_sha256_memory(void **state)
{
	uint8_t told[32], got[32], first[32];
	int fd, other;

	(void)state;
	fd = bytes_file("remembered", 'a', 4096);
	memset(told, 0x5a, sizeof(told));       /* not the bytes' hash */
	msnap_file_sha256_remember(fd, told);
	assert_int_equal(msnap_file_sha256(fd, got), 0);
	assert_memory_equal(got, told, 32);
	/* another file of the same size and bytes is not that one */
	other = bytes_file("other", 'a', 4096);
	assert_int_equal(msnap_file_sha256(other, got), 0);
	assert_memory_not_equal(got, told, 32);
	close(other);
	/* the same bytes again: the file changed (ctime), so hashed */
	assert_int_equal(pwrite(fd, "a", 1, 0), 1);
	assert_int_equal(msnap_file_sha256(fd, got), 0);
	assert_memory_not_equal(got, told, 32);
	memcpy(first, got, 32);
	/* changed at once after being hashed: never the old digest */
	assert_int_equal(pwrite(fd, "b", 1, 0), 1);
	assert_int_equal(msnap_file_sha256(fd, got), 0);
	assert_memory_not_equal(got, first, 32);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_incremental_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loop_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_sha256_memory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
