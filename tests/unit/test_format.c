// SPDX-License-Identifier: MIT
/*
 * test_format.c - the .msnap container: round trips of synthetic snapshots,
 * compatibility with the zstd CLI, recovery of cut-short files, detection
 * of flipped bytes in every part of the file.
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
#include <sys/mman.h>
#include <sys/stat.h>

#include "msnap.h"

#define PS 4096u

/* One synthetic region: content of every page and its intended state. */
struct synth_region {
	uint64_t start, npages;
	uint8_t *state;        /* given to the writer: DATA / ABSENT / SWAPPED ... */
	uint8_t *mem;          /* npages * PS */
};

struct synth {
	struct synth_region *r;
	size_t n;
	char path[64];
	int fd;
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Fill a page: kind 0 zero, 1 text, 2 pointers, 3 random. */
static void fill_page(uint8_t *p, unsigned kind, uint64_t seed)
{
	uint64_t i;

	switch (kind) {
	case 0:
		memset(p, 0, PS);
		break;
	case 1:
		for (i = 0; i < PS; i++)
			p[i] = "the quick brown fox jumps over the lazy dog "[(i + seed) % 44];
		break;
	case 2:
		for (i = 0; i < PS / 8; i++) {
			uint64_t v = 0x7f0000000000ull + seed * 64 + i * 16;

			memcpy(p + i * 8, &v, 8);
		}
		break;
	default:
		for (i = 0; i < PS / 8; i++) {
			uint64_t v = next_rand();

			memcpy(p + i * 8, &v, 8);
		}
	}
}

static void synth_region(struct synth_region *sr, uint64_t start,
			 uint64_t npages, unsigned pattern)
{
	uint64_t p;

	sr->start = start;
	sr->npages = npages;
	sr->state = calloc(npages, 1);
	sr->mem = calloc(npages, PS);
	assert_non_null(sr->state);
	assert_non_null(sr->mem);
	for (p = 0; p < npages; p++) {
		unsigned kind = (unsigned)((p * 7 + pattern) % 5);

		if (pattern == 99) {                 /* never touched at all */
			sr->state[p] = MSNAP_PAGE_ABSENT;
			continue;
		}
		if (kind == 4 && p % 3 == 0) {        /* holes */
			sr->state[p] = p % 2 ? MSNAP_PAGE_ABSENT : MSNAP_PAGE_SWAPPED;
			continue;
		}
		sr->state[p] = MSNAP_PAGE_DATA;
		fill_page(sr->mem + p * PS, kind % 4, p + pattern);
	}
}

/* Feed the regions to a writer, runs of equal state in one call each. */
static void write_synth(struct synth *s, unsigned threads, uint32_t chunk)
{
	struct msnap_writer_opts o = { 0 };
	struct msnap_writer *w;
	struct msnap_error e;
	const char *yaml = "memsnap: {schema: \"1.0\"}\nregions: []\n";
	size_t i;

	strcpy(s->path, "/tmp/test_format.XXXXXX");
	s->fd = mkstemp(s->path);
	assert_true(s->fd >= 0);
	o.fd = s->fd;
	o.threads = threads;
	o.chunk_bytes = chunk;
	o.page_size = PS;
	memset(o.capture_id, 0xab, 16);
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	for (i = 0; i < s->n; i++) {
		struct synth_region *sr = &s->r[i];
		uint64_t p = 0;

		assert_int_equal(msnap_writer_begin_region(w, sr->start,
				 sr->start + sr->npages * PS, &e), 0);
		while (p < sr->npages) {
			uint64_t q = p;

			while (q < sr->npages && sr->state[q] == sr->state[p])
				q++;
			if (sr->state[p] != MSNAP_PAGE_ABSENT)
				assert_int_equal(msnap_writer_add(w, p, q - p, sr->state[p],
						 sr->mem + p * PS, &e), 0);
			p = q;
		}
		assert_int_equal(msnap_writer_end_region(w, &e), 0);
	}
	assert_int_equal(msnap_writer_finish(w, yaml, strlen(yaml), NULL, &e), 0);
	msnap_writer_free(w);
}

static void make_synth(struct synth *s)
{
	static const uint64_t sizes[] = { 1, 7, 1500, 33, 0x100, 5 };
	size_t i;

	s->n = sizeof(sizes) / sizeof(sizes[0]);
	s->r = calloc(s->n, sizeof(*s->r));
	for (i = 0; i < s->n; i++)
		synth_region(&s->r[i], 0x10000000ull + i * 0x1000000ull, sizes[i],
			     i == 4 ? 99 : (unsigned)i);
}

static void free_synth(struct synth *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->r[i].state);
		free(s->r[i].mem);
	}
	free(s->r);
	close(s->fd);
	unlink(s->path);
}

/* What the reader must report for a page the writer was given. */
static uint8_t want_state(const struct synth_region *sr, uint64_t p)
{
	static const uint8_t zero[PS];

	if (sr->state[p] != MSNAP_PAGE_DATA)
		return sr->state[p];
	return memcmp(sr->mem + p * PS, zero, PS) ? MSNAP_PAGE_DATA : MSNAP_PAGE_ZERO;
}

static void check_equal(struct msnap_reader *r, const struct synth *s)
{
	struct msnap_error e;
	size_t i;

	assert_int_equal(msnap_region_count(r), s->n);
	for (i = 0; i < s->n; i++) {
		const struct synth_region *sr = &s->r[i];
		uint8_t *buf = malloc(sr->npages * PS + 1);
		uint8_t *st = malloc(sr->npages + 1);
		uint64_t p;

		assert_int_equal(msnap_read(r, sr->start, buf, sr->npages * PS, st, &e), 0);
		for (p = 0; p < sr->npages; p++) {
			const uint8_t want = want_state(sr, p);

			assert_int_equal(st[p], want);
			if (want == MSNAP_PAGE_DATA)
				assert_memory_equal(buf + p * PS, sr->mem + p * PS, PS);
			else {
				static const uint8_t zero[PS];

				assert_memory_equal(buf + p * PS, zero, PS);
			}
		}
		/* an unaligned read across pages agrees too */
		if (sr->npages > 2) {
			assert_int_equal(msnap_read(r, sr->start + 100, buf, PS + 50, NULL, &e), 0);
			if (want_state(sr, 0) == MSNAP_PAGE_DATA &&
			    want_state(sr, 1) == MSNAP_PAGE_DATA)
				assert_memory_equal(buf, sr->mem + 100, PS + 50);
		}
		free(buf);
		free(st);
	}
}

static void test_round_trip(void **state)
{
	static const uint32_t chunks[] = { PS, 64 * PS, 2u << 20 };
	static const unsigned threads[] = { 1, 2, 4 };
	size_t c, t;

	(void)state;
	for (c = 0; c < 3; c++) {
		for (t = 0; t < 3; t++) {
			struct synth s;
			struct msnap_reader *r;
			struct msnap_error e;
			struct msnap_verify_report rep;

			make_synth(&s);
			write_synth(&s, threads[t], chunks[c]);
			assert_int_equal(msnap_open_path(&r, s.path, 0, &e), 0);
			assert_true(msnap_info(r)->complete);
			check_equal(r, &s);
			assert_int_equal(msnap_verify(r, 1, 0, &rep, NULL, NULL, &e), 0);
			assert_true(rep.file_hash_ok);
			assert_int_equal(msnap_verify(r, 2, MSNAP_VERIFY_QUICK, &rep,
						      NULL, NULL, &e), 0);
			assert_true(rep.quick && !rep.file_hash_checked);
			assert_int_equal(rep.pages_bad, 0);
			msnap_close(r);
			/* the scan path must read the same, from the same file */
			assert_int_equal(msnap_open_path(&r, s.path, MSNAP_OPEN_SCAN, &e), 0);
			check_equal(r, &s);
			msnap_close(r);
			free_synth(&s);
		}
	}
}

/* zstd -dc yields exactly the stored bytes: every non-zero DATA page, in order. */
static void test_zstd_cli(void **state)
{
	struct synth s;
	char cmd[128];
	FILE *f;
	size_t i, total = 0;
	uint8_t page[PS];

	(void)state;
	make_synth(&s);
	write_synth(&s, 2, 16 * PS);
	snprintf(cmd, sizeof(cmd), "zstd -qdc %s", s.path);
	f = popen(cmd, "r");
	assert_non_null(f);
	for (i = 0; i < s.n; i++) {
		uint64_t p;

		for (p = 0; p < s.r[i].npages; p++) {
			if (want_state(&s.r[i], p) != MSNAP_PAGE_DATA)
				continue;
			assert_int_equal(fread(page, 1, PS, f), PS);
			assert_memory_equal(page, s.r[i].mem + p * PS, PS);
			total++;
		}
	}
	assert_int_equal(fread(page, 1, 1, f), 0);
	assert_int_equal(pclose(f), 0);
	assert_true(total > 100);
	free_synth(&s);
}

/* Copy the first n bytes of a snapshot into a new file. */
static int cut_copy(const char *src, uint64_t n, char *path)
{
	int in = open(src, O_RDONLY), out;
	uint8_t *buf = malloc(n + 1);

	strcpy(path, "/tmp/test_cut.XXXXXX");
	out = mkstemp(path);
	assert_true(in >= 0 && out >= 0 && buf);
	assert_int_equal(pread(in, buf, n, 0), (ssize_t)n);
	assert_int_equal(write(out, buf, n), (ssize_t)n);
	free(buf);
	close(in);
	return out;
}

/* Every page the cut file claims as DATA must equal the original. */
static void check_cut(const struct synth *s, uint64_t cut, uint64_t *whole)
{
	char path[64];
	int fd = cut_copy(s->path, cut, path);
	struct msnap_reader *r;
	struct msnap_error e;
	uint64_t i, recovered = 0;

	if (msnap_open(&r, fd, 0, &e)) {
		/* only a cut inside the header may refuse to open */
		assert_true(cut < 60);
		goto out;
	}
	assert_false(msnap_info(r)->complete);
	assert_true(msnap_info(r)->valid_end <= cut);
	for (i = 0; i < msnap_chunk_count(r); i++) {
		const struct msnap_chunk_info *c = msnap_chunk(r, i);

		assert_non_null(c);
		assert_true(c->frame_offset + c->frame_size <= cut);
		if (whole)
			assert_true(i < whole[0] || c->frame_offset + c->frame_size <= cut);
		recovered++;
	}
	for (i = 0; i < s->n; i++) {
		const struct synth_region *sr = &s->r[i];
		uint8_t *buf = malloc(sr->npages * PS);
		uint8_t *st = malloc(sr->npages);
		uint64_t p;

		assert_int_equal(msnap_read(r, sr->start, buf, sr->npages * PS, st, &e), 0);
		for (p = 0; p < sr->npages; p++)
			if (st[p] == MSNAP_PAGE_DATA)
				assert_memory_equal(buf + p * PS, sr->mem + p * PS, PS);
		free(buf);
		free(st);
	}
	msnap_close(r);
out:
	close(fd);
	unlink(path);
	(void)recovered;
}

static void test_truncation(void **state)
{
	struct synth s;
	struct msnap_reader *r;
	struct msnap_error e;
	struct stat st;
	uint64_t i, n, expect = 0;

	(void)state;
	make_synth(&s);
	write_synth(&s, 2, 8 * PS);
	assert_int_equal(fstat(s.fd, &st), 0);
	assert_int_equal(msnap_open_path(&r, s.path, 0, &e), 0);
	n = msnap_chunk_count(r);
	assert_true(n > 20);
	/* at every chunk boundary: exactly the chunks before it come back */
	for (i = 0; i <= n; i++) {
		uint64_t cut = i < n ? msnap_chunk(r, i)->header_offset
				     : (uint64_t)st.st_size - 1;
		char path[64];
		int fd = cut_copy(s.path, cut, path);
		struct msnap_reader *c;

		assert_int_equal(msnap_open(&c, fd, 0, &e), 0);
		expect = i;
		assert_int_equal(msnap_chunk_count(c), expect);
		assert_false(msnap_info(c)->complete);
		msnap_close(c);
		close(fd);
		unlink(path);
		check_cut(&s, cut, NULL);
		/* a cut inside the chunk's frame loses that chunk only */
		if (i < n)
			check_cut(&s, msnap_chunk(r, i)->frame_offset + 3, NULL);
	}
	for (i = 0; i < 200; i++)
		check_cut(&s, next_rand() % (uint64_t)st.st_size, NULL);
	msnap_close(r);
	free_synth(&s);
}

static int count_problems;
static void on_problem(void *arg, int64_t off, const char *msg)
{
	(void)arg;
	(void)off;
	(void)msg;
	count_problems++;
}

static unsigned verify_flags;   /* MSNAP_VERIFY_QUICK for the quick pass */

/* Flip one byte at off; the damage must be caught on open or by verify. */
static void expect_detected(const char *path, uint64_t off, const char *part)
{
	int fd = open(path, O_RDWR);
	uint8_t b;
	struct msnap_reader *r;
	struct msnap_error e;
	struct msnap_verify_report rep;
	int caught = 0;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
	if (msnap_open(&r, fd, 0, &e)) {
		caught = 1;
	} else {
		count_problems = 0;
		if (!msnap_info(r)->complete ||
		    msnap_verify(r, 1, verify_flags, &rep, on_problem, NULL, &e) != 0)
			caught = 1;
		msnap_close(r);
	}
	if (!caught)
		fail_msg("flip in %s at offset %llu not detected", part,
			 (unsigned long long)off);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
	close(fd);
}

static void test_flipped_bytes(void **state)
{
	struct synth s;
	struct msnap_reader *r;
	struct msnap_error e;
	const struct msnap_chunk_info *c;
	const struct msnap_file_info *fi;
	uint64_t i, size;

	(void)state;
	make_synth(&s);
	write_synth(&s, 2, 16 * PS);
	assert_int_equal(msnap_open_path(&r, s.path, 0, &e), 0);
	fi = msnap_info(r);
	size = fi->file_size;
	for (i = 0; i < 60; i++)
		expect_detected(s.path, i, "header");
	c = msnap_chunk(r, 3);
	for (i = c->header_offset; i < c->frame_offset + c->frame_size; i += 7)
		expect_detected(s.path, i, "chunk");
	/* the quick check, without SHA-256, still finds damage to data */
	verify_flags = MSNAP_VERIFY_QUICK;
	for (i = c->header_offset; i < c->frame_offset + c->frame_size; i += 7)
		expect_detected(s.path, i, "chunk (quick verify)");
	verify_flags = 0;
	for (i = fi->trailer_offset; i < size; i++)
		expect_detected(s.path, i, "trailer");
	/* page tables, manifest and index lie between the last chunk and the trailer */
	c = msnap_chunk(r, msnap_chunk_count(r) - 1);
	for (i = c->frame_offset + c->frame_size; i < fi->trailer_offset; i += 3)
		expect_detected(s.path, i, "manifest/index");
	/* a page table in the middle of the file */
	for (i = 0; i + 1 < msnap_chunk_count(r); i++) {
		const struct msnap_chunk_info *a = msnap_chunk(r, i);
		const struct msnap_chunk_info *b = msnap_chunk(r, i + 1);
		uint64_t o;

		if (b->header_offset == a->frame_offset + a->frame_size)
			continue;
		for (o = a->frame_offset + a->frame_size; o < b->header_offset; o += 5)
			expect_detected(s.path, o, "page table");
		break;
	}
	msnap_close(r);
	free_synth(&s);
}

/* A raised cancel flag stops the writer; what it wrote stays readable. */
static void test_cancel(void **state)
{
	static volatile int stop;
	struct msnap_writer_opts o = { .threads = 2, .chunk_bytes = 4 * PS,
				       .page_size = PS, .cancel = &stop };
	struct msnap_writer *w;
	struct msnap_reader *r;
	struct msnap_error e;
	struct synth s;
	uint64_t p;
	int ret = 0;

	(void)state;
	make_synth(&s);
	strcpy(s.path, "/tmp/test_cancel.XXXXXX");
	s.fd = mkstemp(s.path);
	o.fd = s.fd;
	stop = 0;
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	assert_int_equal(msnap_writer_begin_region(w, s.r[2].start,
			 s.r[2].start + s.r[2].npages * PS, &e), 0);
	for (p = 0; p < s.r[2].npages && !ret; p++) {
		if (p == 400)
			stop = 1;
		if (s.r[2].state[p] == MSNAP_PAGE_DATA)
			ret = msnap_writer_add(w, p, 1, MSNAP_PAGE_DATA,
					       s.r[2].mem + p * PS, &e);
	}
	assert_int_equal(ret, -MSNAP_E_CANCELED);
	assert_int_equal(msnap_writer_sync(w, &e), -MSNAP_E_STATE);
	msnap_writer_abort(w);
	msnap_writer_free(w);
	assert_int_equal(msnap_open(&r, s.fd, 0, &e), 0);
	assert_false(msnap_info(r)->complete);
	assert_true(msnap_chunk_count(r) > 0);
	for (p = 0; p < msnap_chunk_count(r); p++)
		assert_non_null(msnap_chunk(r, p));
	msnap_close(r);
	free_synth(&s);
}

static void test_bad_files(void **state)
{
	struct msnap_reader *r;
	struct msnap_error e;
	char path[] = "/tmp/test_bad.XXXXXX";
	int fd = mkstemp(path);
	static const uint8_t newer[] = {
		0x5d, 0x2a, 0x4d, 0x18, 52, 0, 0, 0, 'M', 'S', 'H', 'D', 3, 0, 0, 0,
	};

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(msnap_open(&r, fd, 0, &e), -MSNAP_E_BAD_MAGIC);
	assert_int_equal(write(fd, "hello world, this is not a snapshot at all, "
			       "no it is not, not even close", 73), 73);
	assert_int_equal(msnap_open(&r, fd, 0, &e), -MSNAP_E_BAD_MAGIC);
	assert_non_null(strstr(e.msg, "not a memsnap snapshot"));
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(pwrite(fd, newer, sizeof(newer), 0), (ssize_t)sizeof(newer));
	assert_int_equal(ftruncate(fd, 60), 0);
	/* checksum is wrong too, but a major version 3 must be refused as such */
	assert_int_equal(msnap_open(&r, fd, 0, &e), -MSNAP_E_VERSION);
	assert_non_null(strstr(e.msg, "format version 3.0"));
	close(fd);
	unlink(path);
}

/*
 * copy_pages: a 1.0 writer takes pages by copy (the caller's buffer is
 * reused at once, as memsnap --cow streams its reads); without it,
 * add_copy is refused.
 */
static void test_copy_pages(void **state)
{
	const uint64_t ps = 4096;
	struct msnap_writer_opts o = { .threads = 2, .chunk_bytes = 2 * 4096,
				       .page_size = 4096 };
	char path[] = "/tmp/test_copy_pages.XXXXXX";
	uint8_t buf[4096], want[6 * 4096], got[6 * 4096];
	struct msnap_writer *w;
	struct msnap_reader *r;
	struct msnap_error e;
	uint64_t i;

	(void)state;
	o.fd = mkstemp(path);
	assert_true(o.fd >= 0);
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	assert_int_equal(msnap_writer_begin_region(w, 0x10000, 0x10000 + 6 * ps, &e), 0);
	assert_int_not_equal(msnap_writer_add_copy(w, 0, 1, MSNAP_PAGE_DATA, buf, &e), 0);
	msnap_writer_free(w);
	assert_int_equal(ftruncate(o.fd, 0), 0);
	assert_int_equal(lseek(o.fd, 0, SEEK_SET), 0);

	o.copy_pages = true;
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	assert_int_equal(msnap_writer_begin_region(w, 0x10000, 0x10000 + 6 * ps, &e), 0);
	for (i = 0; i < 6; i++) {
		fill_page(buf, 3, i);
		memcpy(want + i * ps, buf, ps);
		assert_int_equal(msnap_writer_add_copy(w, i, 1, MSNAP_PAGE_DATA, buf, &e), 0);
	}
	memset(buf, 0xee, ps);          /* reused: the writer holds its copy */
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_finish(w, "{}\n", 3, NULL, &e), 0);
	msnap_writer_free(w);
	assert_int_equal(msnap_open(&r, o.fd, 0, &e), 0);
	assert_int_equal(msnap_info(r)->major, 1);
	assert_int_equal(msnap_read(r, 0x10000, got, 6 * ps, NULL, &e), 0);
	assert_memory_equal(got, want, 6 * ps);
	msnap_close(r);
	close(o.fd);
	unlink(path);
}

/*
 * copy_slot: pages read straight into the writer's chunk are stored
 * without a copy; an UNREADABLE page among them moves the DATA pages
 * after it down in place.  Reads 6 pages per slot over 4-page chunks, so
 * the slot's room also cuts reads short.
 */
static void test_copy_slot(void **state)
{
	const uint64_t ps = 4096, n = 12;
	struct msnap_writer_opts o = { .threads = 2, .chunk_bytes = 4 * 4096,
				       .page_size = 4096, .copy_pages = true };
	char path[] = "/tmp/test_copy_slot.XXXXXX";
	uint8_t want[12 * 4096], got[12 * 4096], st[12];
	struct msnap_writer *w;
	struct msnap_reader *r;
	struct msnap_error e;
	uint64_t p = 0, room, take, i;
	uint8_t *slot;
	void *vslot;

	(void)state;
	o.fd = mkstemp(path);
	assert_true(o.fd >= 0);
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	assert_int_equal(msnap_writer_begin_region(w, 0x10000, 0x10000 + n * ps, &e), 0);
	while (p < n) {
		assert_int_equal(msnap_writer_copy_slot(w, &vslot, &room, &e), 0);
		slot = vslot;
		assert_non_null(slot);
		assert_true(room >= 1 && room <= 4);
		take = room < n - p ? room : n - p;
		for (i = 0; i < take; i++) {
			fill_page(slot + i * ps, 3, p + i);
			memcpy(want + (p + i) * ps, slot + i * ps, ps);
		}
		if (take >= 3) {        /* the middle page could not be read */
			memset(want + (p + 1) * ps, 0, ps);
			assert_int_equal(msnap_writer_add_copy(w, p, 1, MSNAP_PAGE_DATA, slot, &e), 0);
			assert_int_equal(msnap_writer_add(w, p + 1, 1, MSNAP_PAGE_UNREADABLE, NULL, &e), 0);
			assert_int_equal(msnap_writer_add_copy(w, p + 2, take - 2, MSNAP_PAGE_DATA,
							       slot + 2 * ps, &e), 0);
		} else {
			assert_int_equal(msnap_writer_add_copy(w, p, take, MSNAP_PAGE_DATA, slot, &e), 0);
		}
		p += take;
	}
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_finish(w, "{}\n", 3, NULL, &e), 0);
	msnap_writer_free(w);
	assert_int_equal(msnap_open(&r, o.fd, 0, &e), 0);
	assert_int_equal(msnap_read(r, 0x10000, got, n * ps, st, &e), 0);
	for (i = 0; i < n; i++) {
		if (st[i] == MSNAP_PAGE_UNREADABLE)
			continue;
		assert_int_equal(st[i], MSNAP_PAGE_DATA);
		assert_memory_equal(got + i * ps, want + i * ps, ps);
	}
	assert_int_equal(st[1], MSNAP_PAGE_UNREADABLE);
	msnap_close(r);
	close(o.fd);
	unlink(path);
}

/*
 * 2.0 pre-copy: region 0 adopts area 0 up to its first cut and writes the
 * rest again with other bytes; region 1 writes its area's pages again.
 * Opened by its trailer and by a scan of the file cut before the index,
 * both read the frozen bytes only, and verify finds the unused chunks
 * intact and every region's SHA-256 right.
 */
static void test_precopy_adoption(void **state)
{
	const uint64_t ps = 4096;
	struct msnap_writer_opts o = { .threads = 2, .chunk_bytes = 2 * 4096,
				       .page_size = 4096, .flags = MSNAP_HDR_PRECOPY };
	struct msnap_verify_report rep;
	char path[] = "/tmp/test_precopy.XXXXXX";
	uint8_t *before, *after, *got;
	struct msnap_writer *w;
	struct msnap_reader *r;
	struct msnap_error e;
	const uint64_t *cuts;
	unsigned open_flags;
	uint8_t states[8];
	size_t ncuts, i;
	off_t size;

	(void)state;
	before = malloc(8 * ps);
	after = malloc(8 * ps);
	got = malloc(8 * ps);
	assert_non_null(before);
	assert_non_null(after);
	assert_non_null(got);
	for (i = 0; i < 8; i++)
		fill_page(before + i * ps, 3, i);
	memcpy(after, before, 8 * ps);
	memset(after + 3 * ps, 0xa5, ps);       /* changed after the pre-copy */
	o.fd = mkstemp(path);
	assert_true(o.fd >= 0);
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	assert_int_equal(msnap_writer_begin_precopy(w, 0x10000, 0x10000 + 8 * ps, &e), 0);
	assert_int_equal(msnap_writer_add_copy(w, 0, 8, MSNAP_PAGE_DATA, before, &e), 0);
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_begin_precopy(w, 0x80000, 0x80000 + ps, &e), 0);
	assert_int_equal(msnap_writer_add_copy(w, 0, 1, MSNAP_PAGE_DATA, before, &e), 0);
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_sync(w, &e), 0);
	cuts = msnap_writer_precopy_cuts(w, 0, &ncuts);
	assert_int_equal(ncuts, 4);
	assert_int_equal(cuts[0], 2);
	/* a cut that is none of the area's is refused, the writer unharmed */
	assert_int_not_equal(msnap_writer_begin_adopting(w, 0x10000, 0x10000 + 8 * ps,
							 0, 3, &e), 0);
	assert_int_equal(msnap_writer_begin_adopting(w, 0x10000, 0x10000 + 8 * ps,
						     0, cuts[0], &e), 0);
	assert_int_equal(msnap_writer_add(w, 2, 6, MSNAP_PAGE_DATA, after + 2 * ps, &e), 0);
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_begin_region(w, 0x80000, 0x80000 + ps, &e), 0);
	assert_int_equal(msnap_writer_add(w, 0, 1, MSNAP_PAGE_DATA, after + 7 * ps, &e), 0);
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_finish(w, "{}\n", 3, NULL, &e), 0);
	msnap_writer_free(w);

	for (open_flags = 0; open_flags <= MSNAP_OPEN_SCAN; open_flags += MSNAP_OPEN_SCAN) {
		assert_int_equal(msnap_open(&r, o.fd, open_flags, &e), 0);
		assert_int_equal(msnap_info(r)->major, 2);
		assert_int_equal(msnap_region_count(r), 2);
		assert_int_equal(msnap_read(r, 0x10000, got, 8 * ps, states, &e), 0);
		for (i = 0; i < 8; i++)
			assert_int_equal(states[i], MSNAP_PAGE_DATA);
		assert_memory_equal(got, after, 8 * ps);
		assert_int_equal(msnap_read(r, 0x80000, got, ps, NULL, &e), 0);
		assert_memory_equal(got, after + 7 * ps, ps);
		/* a scan does not trust the trailer: "cut short" at best */
		assert_int_equal(msnap_verify(r, 1, 0, &rep, NULL, NULL, &e),
				 open_flags ? -MSNAP_E_TRUNCATED : 0);
		assert_int_equal(rep.regions_ok, 2);
		assert_int_equal(rep.chunks_unused, 4);   /* 3 of area 0, area 1's */
		assert_int_equal(rep.chunks_bad, 0);
		msnap_close(r);
	}
	/* cut just before the manifest: the scan still adopts what it must */
	size = lseek(o.fd, 0, SEEK_END);
	assert_int_equal(msnap_open(&r, o.fd, 0, &e), 0);
	assert_int_equal(ftruncate(o.fd, (off_t)msnap_info(r)->trailer_offset - 200), 0);
	msnap_close(r);
	assert_int_equal(msnap_open(&r, o.fd, 0, &e), 0);
	assert_false(msnap_info(r)->complete);
	assert_int_equal(msnap_read(r, 0x10000, got, 8 * ps, states, &e), 0);
	assert_memory_equal(got, after, 8 * ps);
	msnap_close(r);
	(void)size;
	close(o.fd);
	unlink(path);
	free(before);
	free(after);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_zstd_cli),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_flipped_bytes),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_precopy_adoption),
		cmocka_unit_test(test_copy_pages),
		cmocka_unit_test(test_copy_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
