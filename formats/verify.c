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
#include <pthread.h>

#include "sha256.h"

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
	/* a small file needs no 4 MiB buffer (fuzzing opens thousands) */
	const size_t block = size < FILE_BLOCK ? (size_t)size + 1 : FILE_BLOCK;
	struct msnap_sha256 all;
	uint8_t content[32];
	uint8_t *buf = malloc(block);
	uint64_t off = 0;
	int ret = 0;

	/* runs on its own thread: it reports through v->rep only */

	if (!buf)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	msnap_sha256_init(&all);
	while (off < size) {
		size_t n = size - off < block ? (size_t)(size - off) : block;

		if (off < cut && cut - off < n)
			n = (size_t)(cut - off);
		ret = msnap_rd_pread(r, buf, n, off, err);
		if (ret)
			goto out;
		msnap_sha256_update(&all, buf, n);
		off += n;
		if (off == cut && r->info.complete) {
			if (msnap_sha256_peek(&all, content))
				goto nomem;
			v->rep->file_hash_checked = true;
			v->rep->file_hash_ok = !memcmp(content, r->info.content_sha256, 32);
		}
	}
	if (msnap_sha256_final(&all, v->rep->file_sha256))
		goto nomem;
out:
	msnap_sha256_discard(&all);
	free(buf);
	return ret;
nomem:
	ret = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	goto out;
}

/* Pages of one decompressed chunk whose XXH3 differs from the page table. */
static uint64_t check_pages(const struct msnap_reader *r,
			    const struct msnap_chunk_info *c, const uint8_t *raw,
			    uint64_t *first_bad)
{
	const uint64_t ps = r->info.page_size;
	uint64_t bad = 0, pos = 0;
	size_t i;

	if (c->region == MSNAP_REGION_NONE ||
	    !r->regions[c->region].info.has_table)
		return 0;
	for (i = 0; i < c->nruns; i++) {
		uint64_t p;

		for (p = 0; p < c->runs[i].count; p++, pos++) {
			const uint64_t page = c->runs[i].first + p;
			uint64_t want;
			const int st = msnap_page_state(r, c->region, page, &want);

			if (st == MSNAP_PAGE_DATA && msnap_page_hash(raw + pos * ps, ps) == want)
				continue;
			if (!bad++)
				*first_bad = page;
		}
	}
	return bad;
}

/*
 * The pipeline: workers decompress chunks into a ring of slots and check
 * their page hashes; the caller's thread consumes the slots in file order
 * and feeds each region's SHA-256, which must see the bytes in order; one
 * more thread hashes the file itself.
 */
struct vslot {
	uint8_t *raw;
	bool ready, failed;
	uint64_t bad_pages, first_bad;
	struct msnap_error e;
};

struct vpool {
	struct msnap_reader *r;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	uint64_t next, head;
	unsigned nslots;
	struct vslot *slots;
	bool stop;
};

/*
 * Decompress the i-th chunk in address order (by_addr: each region's
 * chunks in address order, which is the order of its SHA-256 even where a
 * region adopted pre-copied chunks written earlier than its own) into its
 * slot and check its page hashes.
 */
static void work_chunk(struct vpool *vp, uint64_t i, ZSTD_DCtx *dctx,
		       uint8_t **zbuf, size_t *zcap)
{
	struct msnap_reader *r = vp->r;
	struct vslot *s = &vp->slots[i % vp->nslots];
	const uint64_t ci = r->by_addr[i];

	s->failed = false;
	s->bad_pages = 0;
	if (!dctx)
		s->failed = msnap_fail(&s->e, MSNAP_E_NOMEM, -1, "out of memory") != 0;
	else if (!r->chunks[ci].loaded)
		s->failed = msnap_fail(&s->e, MSNAP_E_CORRUPT,
				       (int64_t)r->chunks[ci].info.header_offset,
				       "chunk record is damaged") != 0;
	else if (msnap_rd_decompress(r, ci, s->raw, zbuf, zcap, dctx, &s->e))
		s->failed = true;
	else
		s->bad_pages = check_pages(r, &r->chunks[ci].info, s->raw,
					   &s->first_bad);
	pthread_mutex_lock(&vp->lock);
	s->ready = true;
	pthread_cond_broadcast(&vp->cv);
	pthread_mutex_unlock(&vp->lock);
}

static ZSTD_DCtx *verify_dctx(void)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();

	if (dctx)
		ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 25);
	return dctx;
}

static void *verify_worker(void *p)
{
	struct vpool *vp = p;
	struct msnap_reader *r = vp->r;
	ZSTD_DCtx *dctx = verify_dctx();
	uint8_t *zbuf = NULL;
	size_t zcap = 0;

	for (;;) {
		uint64_t i;

		pthread_mutex_lock(&vp->lock);
		while (!vp->stop && vp->next < r->nchunks &&
		       vp->next - vp->head >= vp->nslots)
			pthread_cond_wait(&vp->cv, &vp->lock);
		if (vp->stop || vp->next >= r->nchunks) {
			pthread_mutex_unlock(&vp->lock);
			break;
		}
		i = vp->next++;
		pthread_mutex_unlock(&vp->lock);
		work_chunk(vp, i, dctx, &zbuf, &zcap);
	}
	free(zbuf);
	ZSTD_freeDCtx(dctx);
	return NULL;
}

struct file_job {
	struct vctx *v;
	int ret;
	struct msnap_error e;
};

static void *file_worker(void *p)
{
	struct file_job *fj = p;

	fj->ret = hash_file(fj->v, &fj->e);
	return NULL;
}

/* Take chunk i's slot in order and account for it. */
static void consume(struct vctx *v, struct vpool *vp, uint64_t i,
		    struct msnap_sha256 *rsha, bool *rbad)
{
	struct msnap_reader *r = v->r;
	struct vslot *s = &vp->slots[i % vp->nslots];
	const uint64_t ci = r->by_addr[i];
	const struct msnap_chunk_info *c = &r->chunks[ci].info;

	pthread_mutex_lock(&vp->lock);
	while (!s->ready)
		pthread_cond_wait(&vp->cv, &vp->lock);
	pthread_mutex_unlock(&vp->lock);
	if (s->failed) {
		v->rep->chunks_bad++;
		if (c->region != MSNAP_REGION_NONE)
			rbad[c->region] = true;
		report(v, s->e.offset, "chunk %llu: %s", (unsigned long long)ci, s->e.msg);
	} else {
		if (s->bad_pages) {
			v->rep->chunks_bad++;
			v->rep->pages_bad += s->bad_pages;
			rbad[c->region] = true;
			report(v, (int64_t)c->frame_offset,
			       "chunk %llu: %llu pages differ from their hashes, first "
			       "at 0x%llx", (unsigned long long)ci,
			       (unsigned long long)s->bad_pages,
			       (unsigned long long)(r->regions[c->region].info.start +
						    s->first_bad * r->info.page_size));
		} else {
			v->rep->chunks_ok++;
		}
		if (c->region == MSNAP_REGION_NONE)
			v->rep->chunks_unused++;    /* checked, belongs to no region */
		else if (r->regions[c->region].info.has_table)
			v->rep->pages_checked += c->raw_size / r->info.page_size;
		if (!v->rep->quick && c->region != MSNAP_REGION_NONE)
			msnap_sha256_update(&rsha[c->region], s->raw, c->raw_size);
	}
	pthread_mutex_lock(&vp->lock);
	s->ready = false;
	vp->head++;
	pthread_cond_broadcast(&vp->cv);
	pthread_mutex_unlock(&vp->lock);
}

static void check_regions(struct vctx *v, struct msnap_sha256 *rsha, const bool *rbad)
{
	struct msnap_reader *r = v->r;
	uint32_t k;

	for (k = 0; k < r->nregions; k++) {
		const struct msnap_region_info *ri = &r->regions[k].info;
		const char *why = rbad[k] ? "damaged chunks" : NULL;
		uint8_t d[32];

		if (!ri->has_table) {
			if (r->regions[k].seen)
				v->rep->regions_unchecked++;
			continue;
		}
		if (!why && !v->rep->quick) {
			if (msnap_sha256_final(&rsha[k], d))
				why = "SHA-256 not computed: out of memory";
			else if (memcmp(d, ri->sha256, 32))
				why = "SHA-256 mismatch";
		}
		if (why) {
			v->rep->regions_bad++;
			report(v, -1, "region %u [0x%llx, 0x%llx): %s",
			       k, (unsigned long long)ri->start,
			       (unsigned long long)ri->end, why);
		} else {
			v->rep->regions_ok++;
		}
	}
}

static unsigned default_threads(void)
{
	const long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

int msnap_verify(struct msnap_reader *r, unsigned threads, unsigned flags,
		 struct msnap_verify_report *rep, msnap_problem_fn problem,
		 void *arg, struct msnap_error *err)
{
	struct vctx v = { r, rep, problem, arg };
	struct vpool vp = { .r = r };
	struct file_job fj = { .v = &v };
	struct msnap_sha256 *rsha = NULL;
	pthread_t *tids = NULL, ftid;
	bool *rbad = NULL, file_started = false;
	uint64_t i, max_raw = MSNAP_MIN_PAGE_SIZE, start_read = r->bytes_read;
	unsigned nt = 0, t;
	int ret = 0;

	memset(rep, 0, sizeof(*rep));
	rep->quick = flags & MSNAP_VERIFY_QUICK;
	if (!threads)
		threads = default_threads();
	if (threads > 64)
		threads = 64;
	/* chunk records first, on this thread: the reader is not thread-safe */
	for (i = 0; i < r->nchunks; i++) {
		struct msnap_error e;

		if (msnap_rd_load_chunk(r, i, &e))
			report(&v, e.offset, "chunk %llu: %s", (unsigned long long)i, e.msg);
		if (r->chunks[i].info.raw_size > max_raw)
			max_raw = r->chunks[i].info.raw_size;
	}
	vp.nslots = threads > 1 ? 2 * threads + 2 : 1;
	vp.slots = calloc(vp.nslots, sizeof(*vp.slots));
	rsha = calloc(r->nregions ? r->nregions : 1, sizeof(*rsha));
	rbad = calloc(r->nregions ? r->nregions : 1, sizeof(*rbad));
	tids = calloc(threads, sizeof(*tids));
	if (!vp.slots || !rsha || !rbad || !tids)
		goto nomem;
	for (t = 0; t < vp.nslots; t++)
		if (!(vp.slots[t].raw = malloc(max_raw)))
			goto nomem;
	for (t = 0; t < r->nregions; t++)
		msnap_sha256_init(&rsha[t]);
	pthread_mutex_init(&vp.lock, NULL);
	pthread_cond_init(&vp.cv, NULL);
	/*
	 * One thread asked for, or none could start: everything in order on
	 * this one.  (A worker that runs ahead alone would wait forever for
	 * the consumer once the ring is full.)
	 */
	if (threads > 1) {
		if (!rep->quick)
			file_started = !pthread_create(&ftid, NULL, file_worker, &fj);
		for (nt = 0; nt < threads; nt++)
			if (pthread_create(&tids[nt], NULL, verify_worker, &vp))
				break;
	}
	if (!rep->quick && !file_started)
		fj.ret = hash_file(&v, &fj.e);
	if (nt) {
		for (i = 0; i < r->nchunks; i++)
			consume(&v, &vp, i, rsha, rbad);
	} else {
		ZSTD_DCtx *dctx = verify_dctx();
		uint8_t *zbuf = NULL;
		size_t zcap = 0;

		for (i = 0; i < r->nchunks; i++) {
			work_chunk(&vp, i, dctx, &zbuf, &zcap);
			consume(&v, &vp, i, rsha, rbad);
		}
		free(zbuf);
		ZSTD_freeDCtx(dctx);
	}
	for (t = 0; t < nt; t++)
		pthread_join(tids[t], NULL);
	if (file_started)
		pthread_join(ftid, NULL);
	pthread_mutex_destroy(&vp.lock);
	pthread_cond_destroy(&vp.cv);
	if (fj.ret) {
		ret = fj.ret;
		if (err)
			*err = fj.e;
		goto out;
	}
	if (rep->file_hash_checked && !rep->file_hash_ok)
		report(&v, (int64_t)r->info.trailer_offset,
		       "content SHA-256 differs from the trailer's");
	check_regions(&v, rsha, rbad);
	if (rep->chunks_bad || rep->regions_bad || rep->pages_bad ||
	    (rep->file_hash_checked && !rep->file_hash_ok))
		ret = msnap_fail(err, MSNAP_E_CHECKSUM, -1,
				 "snapshot is damaged: %llu bad chunks, %llu bad regions",
				 (unsigned long long)rep->chunks_bad,
				 (unsigned long long)rep->regions_bad);
	else if (!r->info.complete)
		ret = msnap_fail(err, MSNAP_E_TRUNCATED, (int64_t)r->info.valid_end,
				 "snapshot is incomplete: %s", r->info.stop_reason);
	goto out;
nomem:
	ret = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
out:
	rep->bytes_read = r->bytes_read - start_read;
	for (t = 0; vp.slots && t < vp.nslots; t++)
		free(vp.slots[t].raw);
	free(vp.slots);
	free(tids);
	for (t = 0; rsha && t < r->nregions; t++)
		msnap_sha256_discard(&rsha[t]);
	free(rsha);
	free(rbad);
	return ret;
}
