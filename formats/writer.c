// SPDX-License-Identifier: MIT
/*
 * writer.c - the streaming .msnap writer.
 *
 * Pages arrive through msnap_writer_add() in address order.  They are cut
 * into jobs of at most chunk_bytes; a pool of workers finds zero pages,
 * hashes each page (XXH3) and compresses the rest into one zstd frame per
 * job.  The calling thread writes finished jobs strictly in submission
 * order, so the file is produced front to back without seeking, and it
 * keeps the running SHA-256 of the region and of the whole file.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <nettle/sha2.h>
#include <zstd.h>

#include "layout.h"
#include "msnap.h"
#include "writer_int.h"

#define DEFAULT_CHUNK   (2u << 20)

static void job_reset(struct job *j)
{
	j->kind = JOB_PAGES;
	j->ends_region = false;
	j->nseg = 0;
	j->npages = 0;
	j->failed = false;
	j->raw = NULL;
	j->raw_len = 0;
	j->clen = 0;
}

static int write_header(struct msnap_writer *w, struct msnap_error *err)
{
	uint8_t p[HDR_PAYLOAD] = { 0 };

	put_le32(p, TAG_HEADER);
	put_le16(p + 4, MSNAP_FORMAT_MAJOR);
	put_le16(p + 6, MSNAP_FORMAT_MINOR);
	put_le32(p + 8, w->opts.flags);
	put_le32(p + 12, w->opts.page_size);
	memcpy(p + 20, w->opts.capture_id, 16);
	put_le64(p + 36, w->opts.created_ns);
	return emit_record(w, p, sizeof(p), err);
}

/* ---- creation ----------------------------------------------------------------- */

int msnap_writer_create(struct msnap_writer **out,
			const struct msnap_writer_opts *opts,
			struct msnap_error *err)
{
	struct msnap_writer *w;
	unsigned i;
	int ret;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	w->opts = *opts;
	if (!w->opts.page_size)
		w->opts.page_size = 4096;
	if (!w->opts.chunk_bytes)
		w->opts.chunk_bytes = DEFAULT_CHUNK;
	if (!w->opts.threads)
		w->opts.threads = 1;
	if (!w->opts.level)
		w->opts.level = 1;
	ret = -MSNAP_E_INVAL;
	if (w->opts.page_size < MSNAP_MIN_PAGE_SIZE ||
	    w->opts.page_size > MSNAP_MAX_PAGE_SIZE ||
	    (w->opts.page_size & (w->opts.page_size - 1))) {
		msnap_fail(err, MSNAP_E_INVAL, -1, "bad page size %u", w->opts.page_size);
		goto fail;
	}
	if (w->opts.chunk_bytes < w->opts.page_size ||
	    w->opts.chunk_bytes > MSNAP_MAX_CHUNK_RAW) {
		msnap_fail(err, MSNAP_E_INVAL, -1, "bad chunk size %u", w->opts.chunk_bytes);
		goto fail;
	}
	if (w->opts.threads > 256)
		w->opts.threads = 256;
	w->chunk_pages = w->opts.chunk_bytes / w->opts.page_size;
	w->fd = opts->fd;
	{
		struct stat st;

		w->regular = !fstat(w->fd, &st) && S_ISREG(st.st_mode);
	}
	w->cur_region = -1;
	sha256_init(&w->file_sha);

	ret = pool_start(w, err);
	if (ret)
		goto fail;
	for (i = 0; i < w->nslots; i++)
		job_reset(&w->slots[i]);
	ret = write_header(w, err);
	if (ret)
		goto fail;
	*out = w;
	return 0;
fail:
	msnap_writer_free(w);
	return ret;
}

/* ---- jobs ------------------------------------------------------------------------ */

/* Fail (and stay failed) once the caller's cancel flag is up. */
static int check_cancel(struct msnap_writer *w, struct msnap_error *err)
{
	if (!w->opts.cancel || !*w->opts.cancel)
		return 0;
	w->broken = true;
	return msnap_fail(err, MSNAP_E_CANCELED, (int64_t)w->offset,
			  "stopped on request after %llu bytes",
			  (unsigned long long)w->offset);
}

/* Retire the oldest job: wait for its worker, then write it. */
static int retire_one(struct msnap_writer *w, struct msnap_error *err)
{
	struct job *j = pool_wait_head(w);
	int ret;

	if (check_cancel(w, err)) {
		ret = -MSNAP_E_CANCELED;
	} else if (j->failed) {
		ret = msnap_fail(err, MSNAP_E_ZSTD, (int64_t)w->offset,
				 "compression failed: %s", j->errmsg);
		w->broken = true;
	} else {
		ret = emit_job(w, j, err);
	}
	job_reset(j);
	pool_release_head(w);
	return ret;
}

/* The job being filled by add(); queues a new one when none is open. */
static int open_job(struct msnap_writer *w, struct msnap_error *err)
{
	struct job *j;
	int ret;

	if (w->filling)
		return 0;
	while (pool_full(w)) {
		ret = retire_one(w, err);
		if (ret)
			return ret;
	}
	j = pool_tail(w);
	j->region = (uint32_t)w->cur_region;
	w->filling = j;
	return 0;
}

static int submit_job(struct msnap_writer *w, struct msnap_error *err)
{
	(void)err;
	if (!w->filling)
		return 0;
	pool_submit(w, w->filling);
	w->filling = NULL;
	return 0;
}

int msnap_writer_begin_region(struct msnap_writer *w, uint64_t start,
			      uint64_t end, struct msnap_error *err)
{
	struct region_acc *r;
	const uint64_t mask = w->opts.page_size - 1;

	if (w->broken)
		return msnap_fail(err, MSNAP_E_STATE, -1, "writer has failed");
	if (w->cur_region >= 0)
		return msnap_fail(err, MSNAP_E_STATE, -1, "region still open");
	if ((start & mask) || (end & mask) || end <= start)
		return msnap_fail(err, MSNAP_E_INVAL, -1,
				  "bad region 0x%llx-0x%llx",
				  (unsigned long long)start, (unsigned long long)end);
	if (w->nregions >= MSNAP_MAX_REGIONS)
		return msnap_fail(err, MSNAP_E_LIMIT, -1, "too many regions");
	if (w->nregions == w->regions_cap) {
		size_t cap = w->regions_cap ? w->regions_cap * 2 : 64;
		void *p = realloc(w->regions, cap * sizeof(*w->regions));

		if (!p)
			return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		w->regions = p;
		w->regions_cap = cap;
	}
	r = &w->regions[w->nregions];
	memset(r, 0, sizeof(*r));
	r->sum.start = start;
	r->sum.end = end;
	r->npages = (end - start) / w->opts.page_size;
	sha256_init(&r->sha);
	w->cur_region = (int64_t)w->nregions++;
	w->next_page = 0;
	return 0;
}

int msnap_writer_add(struct msnap_writer *w, uint64_t first, uint64_t count,
		     enum msnap_page_state state, const void *data,
		     struct msnap_error *err)
{
	const uint8_t *src = data;
	struct region_acc *r;
	int ret;

	if (w->broken)
		return msnap_fail(err, MSNAP_E_STATE, -1, "writer has failed");
	if (w->cur_region < 0)
		return msnap_fail(err, MSNAP_E_STATE, -1, "no region open");
	r = &w->regions[w->cur_region];
	if (first < w->next_page || count > r->npages ||
	    first > r->npages - count || (unsigned)state >= MSNAP_PAGE_NSTATES ||
	    (state == MSNAP_PAGE_DATA && !data))
		return msnap_fail(err, MSNAP_E_INVAL, -1,
				  "bad page range %llu+%llu (state %d)",
				  (unsigned long long)first,
				  (unsigned long long)count, (int)state);
	while (count > 0) {
		struct job *j;
		uint64_t take = count;

		ret = check_cancel(w, err);
		if (!ret)
			ret = open_job(w, err);
		if (ret)
			return ret;
		j = w->filling;
		if (state == MSNAP_PAGE_DATA) {
			uint64_t room = w->chunk_pages - j->npages;

			if (take > room)
				take = room;
		}
		j->seg[j->nseg++] = (struct segment){
			.first = first, .count = take, .state = (uint8_t)state,
			.data = state == MSNAP_PAGE_DATA ? src : NULL,
		};
		if (state == MSNAP_PAGE_DATA) {
			j->npages += take;
			src += take * w->opts.page_size;
		}
		first += take;
		count -= take;
		w->next_page = first;
		if (j->npages >= w->chunk_pages || j->nseg >= JOB_MAX_SEGMENTS) {
			ret = submit_job(w, err);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int msnap_writer_end_region(struct msnap_writer *w, struct msnap_error *err)
{
	int ret;

	if (w->broken)
		return msnap_fail(err, MSNAP_E_STATE, -1, "writer has failed");
	if (w->cur_region < 0)
		return msnap_fail(err, MSNAP_E_STATE, -1, "no region open");
	ret = open_job(w, err);
	if (ret)
		return ret;
	w->filling->ends_region = true;
	ret = submit_job(w, err);
	w->cur_region = -1;
	return ret;
}

int msnap_writer_sync(struct msnap_writer *w, struct msnap_error *err)
{
	int ret;

	if (w->broken)
		return msnap_fail(err, MSNAP_E_STATE, -1, "writer has failed");
	ret = submit_job(w, err);
	while (!ret && !pool_empty(w))
		ret = retire_one(w, err);
	return ret;
}

const struct msnap_region_summary *
msnap_writer_region(const struct msnap_writer *w, uint32_t index)
{
	if (index >= w->nregions || !w->regions[index].written)
		return NULL;
	return &w->regions[index].sum;
}

uint64_t msnap_writer_bytes(const struct msnap_writer *w)
{
	return w->offset;
}

void msnap_writer_abort(struct msnap_writer *w)
{
	if (!w)
		return;
	w->broken = true;
	pool_stop(w);
}

void msnap_writer_free(struct msnap_writer *w)
{
	size_t i;

	if (!w)
		return;
	pool_stop(w);
	for (i = 0; i < w->nregions; i++) {
		free(w->regions[i].runs);
		free(w->regions[i].hashes);
	}
	free(w->regions);
	free(w->index);
	free(w);
}
