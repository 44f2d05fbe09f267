// SPDX-License-Identifier: MIT
/*
 * bench_format.c - writer and reader figures, compared in the same run with
 * the zstd CLI on the same bytes.  Prints ratios; asserts nothing.
 *
 *   bench_format [MiB] [threads] [level]
 *
 * Mixed content in four equal parts, page by page: zeros, text, pointers,
 * random.  Reports: writer throughput vs `zstd -T<threads>`, the CPU time of
 * page hashing and SHA-256 as a share of the writer's wall time, and the cost
 * of reading one random page against one chunk's decompression.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "msnap.h"
#include "sha256.h"

#define PS 4096u

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void fill(uint8_t *m, size_t pages)
{
	static const char words[] = "memory evidence process snapshot kernel page ";
	uint64_t x = 88172645463325252ull;
	size_t p, i;

	for (p = 0; p < pages; p++) {
		uint8_t *q = m + p * PS;

		switch (p % 4) {
		case 0:
			memset(q, 0, PS);
			break;
		case 1:
			for (i = 0; i < PS; i++)
				q[i] = (uint8_t)words[(i + p) % (sizeof(words) - 1)];
			break;
		case 2:
			for (i = 0; i < PS; i += 8) {
				uint64_t v = 0x7f3a00000000ull + ((p * 131 + i) % 65536) * 16;

				memcpy(q + i, &v, 8);
			}
			break;
		default:
			for (i = 0; i < PS; i += 8) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				memcpy(q + i, &x, 8);
			}
		}
	}
}

static double write_snapshot(const char *path, const uint8_t *m, size_t pages,
			     unsigned threads, int level)
{
	struct msnap_writer_opts o = { .threads = threads, .level = level,
				       .page_size = PS };
	struct msnap_writer *w;
	struct msnap_error e;
	double t0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	o.fd = fd;
	t0 = now();
	if (fd < 0 || msnap_writer_create(&w, &o, &e) ||
	    msnap_writer_begin_region(w, 0x100000000ull, 0x100000000ull + pages * PS, &e) ||
	    msnap_writer_add(w, 0, pages, MSNAP_PAGE_DATA, m, &e) ||
	    msnap_writer_end_region(w, &e) ||
	    msnap_writer_finish(w, "x: 1\n", 5, NULL, &e)) {
		fprintf(stderr, "bench: writer failed: %s\n", e.msg);
		exit(2);
	}
	msnap_writer_free(w);
	close(fd);
	return now() - t0;
}

static double run(const char *cmd)
{
	double t0 = now();

	if (system(cmd) != 0) {
		fprintf(stderr, "bench: '%s' failed\n", cmd);
		exit(2);
	}
	return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	const double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
	const unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : 2;
	const int level = argc > 3 ? atoi(argv[3]) : 1;
	const size_t pages = mib * 256;
	const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/tmp";
	char raw[256], snap[256], cmd[768];
	uint8_t *m = mmap(NULL, pages * PS, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	double tw[3], tz[3], th, tsha, t0, tr[64], tchunk;
	struct msnap_sha256 sha;
	uint8_t d[32];
	uint64_t sink = 0;
	struct msnap_reader *r;
	struct msnap_error e;
	int i, fd;
	uint8_t page[PS];
	uint8_t *cbuf;

	if (m == MAP_FAILED)
		return 2;
	fill(m, pages);
	snprintf(raw, sizeof(raw), "%s/bench_format.raw", dir);
	snprintf(snap, sizeof(snap), "%s/bench_format.msnap", dir);
	fd = open(raw, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, m, pages * PS) != (ssize_t)(pages * PS))
		return 2;
	close(fd);

	/* warm-up pass, unmeasured */
	write_snapshot(snap, m, pages, threads, level);
	if (getenv("BENCH_WRITER_ONLY")) {
		for (i = 0; i < 3; i++)
			tw[i] = write_snapshot(snap, m, pages, threads, level);
		qsort(tw, 3, sizeof(double), cmp_double);
		printf("%.6f\n", tw[1]);
		unlink(raw);
		unlink(snap);
		return 0;
	}
	for (i = 0; i < 3; i++) {
		tw[i] = write_snapshot(snap, m, pages, threads, level);
		snprintf(cmd, sizeof(cmd), "zstd -q -f -%d -T%u -c %s > %s.zst",
			 level, threads, raw, raw);
		tz[i] = run(cmd);
	}
	qsort(tw, 3, sizeof(double), cmp_double);
	qsort(tz, 3, sizeof(double), cmp_double);

	/* hashing work the writer does: XXH3 of every non-zero page, SHA-256 of them */
	t0 = now();
	for (size_t p = 0; p < pages; p++)
		if (p % 4)
			sink += XXH3_64bits(m + p * PS, PS);
	th = now() - t0;
	t0 = now();
	msnap_sha256_init(&sha);
	for (size_t p = 0; p < pages; p++)
		if (p % 4)
			msnap_sha256_update(&sha, m + p * PS, PS);
	if (msnap_sha256_final(&sha, d))
		return 2;
	tsha = now() - t0;
	th += tsha;

	printf("writer: %zu MiB mixed content, level %d, %u workers\n", mib, level, threads);
	printf("  memsnap writer     %.3f s  %.2f GB/s\n", tw[1], pages * PS / tw[1] / 1e9);
	printf("  zstd -T%u          %.3f s  %.2f GB/s\n", threads, tz[1], pages * PS / tz[1] / 1e9);
	printf("  ratio writer/zstd throughput: %.2f (goal >= 0.90)\n", tz[1] / tw[1]);
	printf("  hash CPU time %.3f s (in isolation; the wall-time cost is measured by\n"
	       "  comparing with a writer built without hashing: make bench)\n", th);
	printf("  SHA-256 alone      %.3f s  %.0f MB/s\n", tsha,
	       (double)(pages - (pages + 3) / 4) * PS / tsha / 1e6);

	/* random single-page reads */
	if (msnap_open_path(&r, snap, 0, &e)) {
		fprintf(stderr, "bench: %s\n", e.msg);
		return 2;
	}
	cbuf = malloc(MSNAP_MAX_CHUNK_RAW);
	memset(cbuf, 1, MSNAP_MAX_CHUNK_RAW);   /* fault it in: not what we measure */
	msnap_read(r, 0x100000000ull + PS, page, PS, NULL, &e);  /* same for the cache */
	t0 = now();
	for (i = 0; i < 16; i++)
		msnap_chunk_read(r, (uint64_t)i * 7 % msnap_chunk_count(r), cbuf, &e);
	tchunk = (now() - t0) / 16;
	for (i = 0; i < 64; i++) {
		uint64_t p = ((uint64_t)i * 2654435761u) % pages;

		t0 = now();
		msnap_read(r, 0x100000000ull + p * PS, page, PS, NULL, &e);
		tr[i] = now() - t0;
		sink += page[0];
	}
	qsort(tr, 64, sizeof(double), cmp_double);
	printf("reader: one random 4 KiB page: median %.3f ms; one chunk decompression %.3f ms; "
	       "ratio %.2f (goal ~1)\n", tr[32] * 1e3, tchunk * 1e3, tr[32] / tchunk);
	msnap_close(r);
	unlink(raw);
	snprintf(cmd, sizeof(cmd), "%s.zst", raw);
	unlink(cmd);
	unlink(snap);
	free(cbuf);
	return sink == 42 ? 1 : 0;
}
