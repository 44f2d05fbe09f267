// SPDX-License-Identifier: MIT
/*
 * verify.c - check a snapshot end to end: every chunk record and zstd
 * checksum, every page hash, every region's SHA-256, and the trailer's
 * SHA-256 of the bytes before it (plus the whole-file SHA-256 that
 * sha256sum prints, for the custody record).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "layout.h"
#include "reader_int.h"

#define FILE_BLOCK (4u << 20)

struct vctx {
	struct msnap_reader *r;
	struct msnap_verify_report *rep;
	msnap_problem_fn problem;
	void *arg;
};

static void report(struct vctx *v, int64_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct vctx *v, int64_t off, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!v->problem)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->problem(v->arg, off, msg);
}

/* Whole-file SHA-256, and the content hash up to the trailer. */
static int hash_file(struct vctx *v, struct msnap_error *err)
{
	struct msnap_reader *r = v->r;
	const uint64_t size = r->info.file_size;
	const uint64_t cut = r->info.complete ? r->info.trailer_offset : size;
	struct sha256_ctx all;
	uint8_t content[32];
	uint8_t *buf = malloc(FILE_BLOCK);
	uint64_t off = 0;
	int ret = 0;

	if (!buf)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	sha256_init(&all);
	while (off < size) {
		size_t n = size - off < FILE_BLOCK ? (size_t)(size - off) : FILE_BLOCK;

		if (off < cut && cut - off < n)
			n = (size_t)(cut - off);
		ret = rd_pread(r, buf, n, off, err);
		if (ret)
			goto out;
		sha256_update(&all, n, buf);
		off += n;
		if (off == cut && r->info.complete) {
			struct sha256_ctx c = all;

			sha256_digest(&c, 32, content);
			v->rep->file_hash_checked = true;
			v->rep->file_hash_ok = !memcmp(content, r->info.content_sha256, 32);
			if (!v->rep->file_hash_ok)
				report(v, (int64_t)cut, "content SHA-256 differs from the trailer's");
		}
	}
	sha256_digest(&all, 32, v->rep->file_sha256);
out:
	free(buf);
	return ret;
}

/* Check one decompressed chunk's pages against its region's page hashes. */
static uint64_t check_pages(struct vctx *v, const struct msnap_chunk_info *c,
			    const uint8_t *raw)
{
	const uint64_t ps = v->r->info.page_size;
	uint64_t bad = 0, pos = 0;
	size_t i;

	for (i = 0; i < c->nruns; i++) {
		uint64_t p;

		for (p = 0; p < c->runs[i].count; p++, pos++) {
			const uint64_t page = c->runs[i].first + p;
			uint64_t want;
			const int st = msnap_page_state(v->r, c->region, page, &want);

			if (!v->r->regions[c->region].info.has_table)
				continue;
			v->rep->pages_checked++;
			if (st != MSNAP_PAGE_DATA || page_hash(raw + pos * ps, ps) != want) {
				bad++;
				report(v, (int64_t)c->frame_offset,
				       "region %u page %llu (0x%llx) does not match its hash",
				       c->region, (unsigned long long)page,
				       (unsigned long long)(v->r->regions[c->region].info.start +
							    page * ps));
			}
		}
	}
	v->rep->pages_bad += bad;
	return bad;
}

int msnap_verify(struct msnap_reader *r, unsigned threads,
		 struct msnap_verify_report *rep, msnap_problem_fn problem,
		 void *arg, struct msnap_error *err)
{
	struct vctx v = { r, rep, problem, arg };
	struct sha256_ctx *rsha = NULL;
	bool *rbad = NULL;
	uint8_t *raw = NULL;
	uint64_t i, start_read = r->bytes_read;
	uint32_t k;
	int ret;

	(void)threads;
	memset(rep, 0, sizeof(*rep));
	ret = hash_file(&v, err);
	if (ret)
		return ret;
	rsha = calloc(r->nregions ? r->nregions : 1, sizeof(*rsha));
	rbad = calloc(r->nregions ? r->nregions : 1, sizeof(*rbad));
	raw = malloc(MSNAP_MAX_CHUNK_RAW);
	if (!rsha || !rbad || !raw) {
		ret = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		goto out;
	}
	for (k = 0; k < r->nregions; k++)
		sha256_init(&rsha[k]);
	/* chunks in file order are in address order within each region */
	for (i = 0; i < r->nchunks; i++) {
		struct msnap_error e;
		const struct msnap_chunk_info *c;
		uint32_t reg = r->chunks[i].info.region;

		if (msnap_chunk_read(r, i, raw, &e)) {
			rep->chunks_bad++;
			rbad[reg] = true;
			report(&v, e.offset, "chunk %llu: %s", (unsigned long long)i, e.msg);
			continue;
		}
		c = &r->chunks[i].info;
		if (check_pages(&v, c, raw)) {
			rep->chunks_bad++;
			rbad[reg] = true;
		} else {
			rep->chunks_ok++;
		}
		sha256_update(&rsha[reg], c->raw_size, raw);
	}
	for (k = 0; k < r->nregions; k++) {
		const struct msnap_region_info *ri = &r->regions[k].info;
		uint8_t d[32];

		if (!ri->has_table) {
			if (r->regions[k].seen)
				rep->regions_unchecked++;
			continue;
		}
		sha256_digest(&rsha[k], 32, d);
		if (rbad[k] || memcmp(d, ri->sha256, 32)) {
			rep->regions_bad++;
			report(&v, -1, "region %u [0x%llx, 0x%llx): SHA-256 mismatch",
			       k, (unsigned long long)ri->start,
			       (unsigned long long)ri->end);
		} else {
			rep->regions_ok++;
		}
	}
	ret = 0;
	if (rep->chunks_bad || rep->regions_bad || rep->pages_bad ||
	    (rep->file_hash_checked && !rep->file_hash_ok))
		ret = msnap_fail(err, MSNAP_E_CHECKSUM, -1,
				 "snapshot is damaged: %llu bad chunks, %llu bad regions",
				 (unsigned long long)rep->chunks_bad,
				 (unsigned long long)rep->regions_bad);
	else if (!r->info.complete)
		ret = msnap_fail(err, MSNAP_E_TRUNCATED, (int64_t)r->info.valid_end,
				 "snapshot is incomplete: %s", r->info.stop_reason);
out:
	rep->bytes_read = r->bytes_read - start_read;
	free(rsha);
	free(rbad);
	free(raw);
	return ret;
}
