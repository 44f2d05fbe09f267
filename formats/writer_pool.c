// SPDX-License-Identifier: MIT
/*
 * writer_pool.c - compression workers of the writer.
 *
 * Jobs live in a ring of slots.  The caller fills the tail slot, submits
 * it, and retires the head slot once its worker is done, so output order is
 * submission order whatever order the workers finish in.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "layout.h"
#include "writer_int.h"

struct worker_arg {
	struct msnap_writer *w;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;            /* made on the first JOB_ADOPT */
	struct msnap_reader *parent;    /* incremental: this worker's own */
};

static bool page_is_zero(const uint8_t *p, size_t len)
{
	/* memcmp against itself shifted by one byte is vectorised by libc */
	return p[0] == 0 && memcmp(p, p + 1, len - 1) == 0;
}

/*
 * Find zero pages, hash the others, drop those the parent holds as they
 * are (incremental), gather and compress the rest.
 */
static void run_job(struct msnap_writer *w, struct worker_arg *a, struct job *j)
{
	ZSTD_CCtx *cctx = a->cctx;
	const size_t ps = w->opts.page_size;
	uint64_t k = 0, nonzero = 0;
	size_t i, data_segs = 0;
	size_t c;

	for (i = 0; i < j->nseg; i++) {
		const struct segment *s = &j->seg[i];
		uint64_t p;

		if (s->state != MSNAP_PAGE_DATA)
			continue;
		data_segs++;
		for (p = 0; p < s->count; p++, k++) {
			const uint8_t *page = s->data + p * ps;

			j->zero[k] = page_is_zero(page, ps) ? PAGE_ZERO : PAGE_KEEP;
			if (j->zero[k])
				continue;
			if (a->parent &&
			    msnap_wr_parent_same(a->parent, j->rstart, j->rend, s->first + p,
					page, (uint32_t)ps)) {
				j->zero[k] = PAGE_SAME;     /* stored in the parent */
				continue;
			}
			j->hashes[k] = WRITER_HASHES ? msnap_page_hash(page, ps) : 0;
			nonzero++;
		}
	}
	j->raw_len = nonzero * ps;
	j->clen = 0;
	if (!nonzero)
		return;
	if (data_segs == 1 && nonzero == j->npages) {
		for (i = 0; j->seg[i].state != MSNAP_PAGE_DATA; i++)
			;
		j->raw = j->seg[i].data;
	} else {
		uint8_t *dst = j->stage;

		k = 0;
		for (i = 0; i < j->nseg; i++) {
			const struct segment *s = &j->seg[i];
			uint64_t p;

			if (s->state != MSNAP_PAGE_DATA)
				continue;
			for (p = 0; p < s->count; p++, k++) {
				if (j->zero[k])
					continue;
				memcpy(dst, s->data + p * ps, ps);
				dst += ps;
			}
		}
		j->raw = j->stage;
	}
	c = ZSTD_compress2(cctx, j->cbuf, j->ccap, j->raw, j->raw_len);
	if (ZSTD_isError(c)) {
		j->failed = true;
		snprintf(j->errmsg, sizeof(j->errmsg), "%s", ZSTD_getErrorName(c));
		return;
	}
	j->clen = c;
}

/* The first queued, unclaimed job in ring order, or NULL. */
static struct job *next_queued(struct msnap_writer *w)
{
	unsigned i;

	for (i = 0; i < w->count; i++) {
		struct job *j = &w->slots[(w->head + i) % w->nslots];

		if (j->queued && !j->claimed)
			return j;
	}
	return NULL;
}

/*
 * Read a pre-copied chunk back from the file (what the writer itself wrote
 * there) into j->stage: the adopting region's SHA-256 needs its bytes.
 */
static void read_back(struct msnap_writer *w, struct worker_arg *a,
		      struct job *j)
{
	const struct region_acc *pa = &w->pre[j->area];
	const uint64_t e = j->cut ? pa->cuts[j->cut - 1].nindex : pa->first_index;
	const struct index_entry *x;
	const uint8_t *frame;
	size_t got;
	ssize_t n;

	j->raw = NULL;
	j->raw_len = 0;
	if (pa->cuts[j->cut].nindex == e)
		return;                 /* zero pages only: no chunk */
	x = &w->index[e];
	if (!a->dctx)
		a->dctx = ZSTD_createDCtx();
	if (!a->dctx || x->frame_size > j->ccap || x->raw_size > w->opts.chunk_bytes)
		goto fail;
	frame = msnap_wr_held_at(w, x->header_offset + x->header_frame,
				 x->frame_size);
	if (!frame) {
		n = pread(w->fd, j->cbuf, x->frame_size,
			  (off_t)(x->header_offset + x->header_frame));
		if (n != (ssize_t)x->frame_size)
			goto fail;
		frame = j->cbuf;
	}
	got = ZSTD_decompressDCtx(a->dctx, j->stage, x->raw_size, frame,
				  x->frame_size);
	if (ZSTD_isError(got) || got != x->raw_size)
		goto fail;
	j->raw = j->stage;
	j->raw_len = got;
	return;
fail:
	j->failed = true;
	snprintf(j->errmsg, sizeof(j->errmsg),
		 "cannot read back pre-copied chunk %llu", (unsigned long long)e);
}

static void *worker_main(void *p)
{
	struct worker_arg *a = p;
	struct msnap_writer *w = a->w;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct job *j;

		while (!w->stopping && !(j = next_queued(w)))
			pthread_cond_wait(&w->work_cv, &w->lock);
		if (w->stopping)
			break;
		j->claimed = true;
		pthread_mutex_unlock(&w->lock);
		if (j->kind == JOB_ADOPT)
			read_back(w, a, j);
		else
			run_job(w, a, j);
		pthread_mutex_lock(&w->lock);
		j->done = true;
		pthread_cond_broadcast(&w->done_cv);
	}
	pthread_mutex_unlock(&w->lock);
	ZSTD_freeCCtx(a->cctx);
	ZSTD_freeDCtx(a->dctx);
	free(a);
	return NULL;
}

static int alloc_slot(struct msnap_writer *w, struct job *j)
{
	const size_t bytes = (size_t)w->chunk_pages * w->opts.page_size;

	j->zero = malloc(w->chunk_pages);
	j->hashes = malloc(w->chunk_pages * sizeof(*j->hashes));
	j->stage = malloc(bytes);
	j->ccap = ZSTD_compressBound(bytes);
	j->cbuf = malloc(j->ccap);
	if ((w->opts.flags & MSNAP_HDR_PRECOPY) || w->opts.copy_pages) {
		j->own = malloc(bytes);
		if (!j->own)
			return -1;
	}
	return j->zero && j->hashes && j->stage && j->cbuf ? 0 : -1;
}

/*
 * Level 1 with a 64K-entry hash table instead of its 16K: process memory
 * (pointers, text) then comes out ~1.7% smaller at no cost in speed (the
 * 256 KiB table stays in L2), which keeps a snapshot no bigger than
 * `zstd -1` of the same memory despite its page hashes and per-chunk
 * frames.  Other levels keep zstd's own parameters.
 */
#define LEVEL1_HASH_LOG 16

static ZSTD_CCtx *make_cctx(int level)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();

	if (!c)
		return NULL;
	if (level == 1 &&
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_hashLog, LEVEL1_HASH_LOG))) {
		ZSTD_freeCCtx(c);
		return NULL;
	}
	if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1))) {
		ZSTD_freeCCtx(c);
		return NULL;
	}
	return c;
}

int msnap_wr_pool_start(struct msnap_writer *w, struct msnap_error *err)
{
	sigset_t all, old;
	unsigned i;

	w->nslots = 2 * w->opts.threads + 2;
	w->slots = calloc(w->nslots, sizeof(*w->slots));
	w->workers = calloc(w->opts.threads, sizeof(*w->workers));
	if (!w->slots || !w->workers)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	for (i = 0; i < w->nslots; i++)
		if (alloc_slot(w, &w->slots[i]))
			return msnap_fail(err, MSNAP_E_NOMEM, -1,
					  "out of memory for chunk buffers");
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work_cv, NULL);
	pthread_cond_init(&w->done_cv, NULL);
	w->pool_up = true;
	/*
	 * Workers inherit a full signal mask: asynchronous signals (Ctrl-C)
	 * must reach the caller's thread, which owns the target and the flag.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < w->opts.threads; i++) {
		struct worker_arg *a = calloc(1, sizeof(*a));

		if (!a) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		}
		a->w = w;
		a->cctx = make_cctx(w->opts.level);
		if (w->opts.flags & MSNAP_HDR_INCREMENTAL)
			a->parent = w->opts.parents[i];
		if (!a->cctx) {
			free(a);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return msnap_fail(err, MSNAP_E_ZSTD, -1,
					  "cannot set up zstd level %d", w->opts.level);
		}
		if (pthread_create(&w->workers[i], NULL, worker_main, a)) {
			ZSTD_freeCCtx(a->cctx);
			free(a);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return msnap_fail(err, MSNAP_E_ERRNO, -1,
					  "cannot start compression thread");
		}
		w->nworkers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void msnap_wr_pool_stop(struct msnap_writer *w)
{
	unsigned i;

	if (w->pool_up) {
		pthread_mutex_lock(&w->lock);
		/* let running jobs finish: their data may be the caller's */
		while (w->count) {
			struct job *j = &w->slots[w->head];

			if (j->claimed && !j->done) {
				pthread_cond_wait(&w->done_cv, &w->lock);
				continue;
			}
			w->head = (w->head + 1) % w->nslots;
			w->count--;
		}
		w->stopping = true;
		pthread_cond_broadcast(&w->work_cv);
		pthread_mutex_unlock(&w->lock);
		for (i = 0; i < w->nworkers; i++)
			pthread_join(w->workers[i], NULL);
		w->nworkers = 0;
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->work_cv);
		pthread_cond_destroy(&w->done_cv);
		w->pool_up = false;
	}
	w->filling = NULL;
	for (i = 0; w->slots && i < w->nslots; i++) {
		free(w->slots[i].zero);
		free(w->slots[i].hashes);
		free(w->slots[i].stage);
		free(w->slots[i].cbuf);
		free(w->slots[i].own);
	}
	free(w->slots);
	free(w->workers);
	w->slots = NULL;
	w->workers = NULL;
	w->nslots = 0;
}

bool msnap_wr_pool_full(const struct msnap_writer *w)
{
	return w->count == w->nslots;
}

bool msnap_wr_pool_empty(const struct msnap_writer *w)
{
	return w->count == 0;
}

/* Claim the next free slot for filling (caller checked !msnap_wr_pool_full). */
struct job *msnap_wr_pool_tail(struct msnap_writer *w)
{
	struct job *j;

	pthread_mutex_lock(&w->lock);
	j = &w->slots[(w->head + w->count) % w->nslots];
	w->count++;
	pthread_mutex_unlock(&w->lock);
	return j;
}

void msnap_wr_pool_submit(struct msnap_writer *w, struct job *j)
{
	pthread_mutex_lock(&w->lock);
	j->queued = true;
	pthread_cond_signal(&w->work_cv);
	pthread_mutex_unlock(&w->lock);
}

struct job *msnap_wr_pool_wait_head(struct msnap_writer *w)
{
	struct job *j = &w->slots[w->head];

	pthread_mutex_lock(&w->lock);
	while (!j->done)
		pthread_cond_wait(&w->done_cv, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return j;
}

void msnap_wr_pool_release_head(struct msnap_writer *w)
{
	struct job *j = &w->slots[w->head];

	pthread_mutex_lock(&w->lock);
	j->queued = false;
	j->claimed = false;
	j->done = false;
	w->head = (w->head + 1) % w->nslots;
	w->count--;
	pthread_mutex_unlock(&w->lock);
}
