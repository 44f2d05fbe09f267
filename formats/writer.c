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
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sha256.h"
#include <zstd.h>

#include "layout.h"
#include "msnap.h"
#include "writer_int.h"

#define DEFAULT_CHUNK   (2u << 20)

static void job_reset(struct job *j)
{
	j->kind = JOB_PAGES;
	j->precopy = false;
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
	put_le16(p + 4, w->major);
	put_le16(p + 6, w->minor);
	put_le32(p + 8, w->opts.flags);
	put_le32(p + 12, w->opts.page_size);
	memcpy(p + 20, w->opts.capture_id, 16);
	put_le64(p + 36, w->opts.created_ns);
	return msnap_wr_emit_record(w, p, sizeof(p), err);
}

/* 2.1: right after the header, so that a scan knows the parent too. */
int msnap_wr_write_parent(struct msnap_writer *w, const uint8_t sha[32],
			  struct msnap_error *err)
{
	const struct msnap_parent_ref *pr = w->opts.parent;
	const size_t nlen = strlen(pr->name);
	uint8_t p[PARENT_FIXED + MSNAP_PARENT_NAME_MAX + REC_SUM_SIZE] = { 0 };

	put_le32(p, TAG_PARENT);
	put_le32(p + 4, (uint32_t)nlen);
	memcpy(p + 8, pr->capture_id, 16);
	memcpy(p + 24, sha, 32);
	memcpy(p + PARENT_FIXED, pr->name, nlen);
	return msnap_wr_emit_record(w, p, PARENT_FIXED + nlen + REC_SUM_SIZE, err);
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
	/* 1.0 readers read everything but pre-copied chunks */
	w->major = w->opts.flags & MSNAP_HDR_PRECOPY ? 2 : 1;
	if (w->opts.flags & MSNAP_HDR_INCREMENTAL) {
		const struct msnap_parent_ref *pr = w->opts.parent;

		w->major = 2;
		w->minor = 1;
		if (!pr || !pr->name[0] || strchr(pr->name, '/') ||
		    strnlen(pr->name, sizeof(pr->name)) > MSNAP_PARENT_NAME_MAX ||
		    w->opts.nparents < w->opts.threads) {
			msnap_fail(err, MSNAP_E_INVAL, -1,
				   "incremental: a parent name and one parent reader per thread are needed");
			goto fail;
		}
	}
	w->fd = opts->fd;
	{
		struct stat st;

		int fl = fcntl(w->fd, F_GETFL);

		w->regular = !fstat(w->fd, &st) && S_ISREG(st.st_mode);
		w->readable = w->regular && fl >= 0 && (fl & O_ACCMODE) == O_RDWR;
	}
	w->cur_region = -1;
	msnap_sha256_init(&w->file_sha);

	ret = msnap_wr_pool_start(w, err);
	if (ret)
		goto fail;
	for (i = 0; i < w->nslots; i++)
		job_reset(&w->slots[i]);
	ret = write_header(w, err);
	if (!ret && (w->opts.flags & MSNAP_HDR_INCREMENTAL))
		ret = w->opts.parent_sha_later ? msnap_wr_hold_start(w, err) :
		      msnap_wr_write_parent(w, w->opts.parent->file_sha256, err);
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
	struct job *j = msnap_wr_pool_wait_head(w);
	int ret;

	if (check_cancel(w, err)) {
		ret = -MSNAP_E_CANCELED;
	} else if (j->failed) {
		ret = msnap_fail(err, MSNAP_E_ZSTD, (int64_t)w->offset,
				 "compression failed: %s", j->errmsg);
		w->broken = true;
	} else if (j->kind == JOB_ADOPT) {
		ret = msnap_wr_emit_adopt(w, j, err);
	} else {
		ret = msnap_wr_emit_job(w, j, err);
	}
	job_reset(j);
	msnap_wr_pool_release_head(w);
	return ret;
}

/* The job being filled by add(); queues a new one when none is open. */
static int open_job(struct msnap_writer *w, struct msnap_error *err)
{
	struct job *j;
	int ret;

	if (w->filling)
		return 0;
	while (msnap_wr_pool_full(w)) {
		ret = retire_one(w, err);
		if (ret)
			return ret;
	}
	j = msnap_wr_pool_tail(w);
	j->region = (uint32_t)w->cur_region;
	j->precopy = w->cur_is_pre;
	{
		/* the workers must not look at w->regions: it may move */
		const struct region_acc *r = w->cur_is_pre ?
			&w->pre[w->cur_region] : &w->regions[w->cur_region];

		j->rstart = r->sum.start;
		j->rend = r->sum.end;
	}
	w->filling = j;
	return 0;
}

static int submit_job(struct msnap_writer *w, struct msnap_error *err)
{
	(void)err;
	if (!w->filling)
		return 0;
	msnap_wr_pool_submit(w, w->filling);
	w->filling = NULL;
	return 0;
}

/* Append a fresh accumulator to *v (a region or a pre-copy area). */
static struct region_acc *new_acc(struct msnap_writer *w,
				  struct region_acc **v, size_t *n, size_t *cap,
				  uint64_t start, uint64_t end,
				  struct msnap_error *err)
{
	struct region_acc *r;
	const uint64_t mask = w->opts.page_size - 1;

	if (w->broken) {
		msnap_fail(err, MSNAP_E_STATE, -1, "writer has failed");
		return NULL;
	}
	if (w->cur_region >= 0) {
		msnap_fail(err, MSNAP_E_STATE, -1, "region still open");
		return NULL;
	}
	if ((start & mask) || (end & mask) || end <= start) {
		msnap_fail(err, MSNAP_E_INVAL, -1, "bad region 0x%llx-0x%llx",
			   (unsigned long long)start, (unsigned long long)end);
		return NULL;
	}
	if (*n >= MSNAP_MAX_REGIONS) {
		msnap_fail(err, MSNAP_E_LIMIT, -1, "too many regions");
		return NULL;
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *p = realloc(*v, ncap * sizeof(**v));

		if (!p) {
			msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
			return NULL;
		}
		*v = p;
		*cap = ncap;
	}
	r = &(*v)[*n];
	memset(r, 0, sizeof(*r));
	r->sum.start = start;
	r->sum.end = end;
	r->npages = (end - start) / w->opts.page_size;
	msnap_sha256_init(&r->sha);
	w->cur_region = (int64_t)(*n)++;
	w->next_page = 0;
	return r;
}

int msnap_writer_begin_region(struct msnap_writer *w, uint64_t start,
			      uint64_t end, struct msnap_error *err)
{
	if (!new_acc(w, &w->regions, &w->nregions, &w->regions_cap, start,
		     end, err))
		return -(err ? err->code : MSNAP_E_INVAL);
	w->cur_is_pre = false;
	return 0;
}

int msnap_writer_begin_precopy(struct msnap_writer *w, uint64_t start,
			       uint64_t end, struct msnap_error *err)
{
	struct region_acc *r;

	if (!(w->opts.flags & MSNAP_HDR_PRECOPY))
		return msnap_fail(err, MSNAP_E_STATE, -1,
				  "pre-copy needs a writer created for it");
	r = new_acc(w, &w->pre, &w->npre, &w->pre_cap, start, end, err);
	if (!r)
		return -(err ? err->code : MSNAP_E_INVAL);
	r->first_index = UINT64_MAX;        /* set by its first chunk */
	w->cur_is_pre = true;
	return 0;
}

uint32_t msnap_writer_precopy_count(const struct msnap_writer *w)
{
	return (uint32_t)w->npre;
}

const uint64_t *msnap_writer_precopy_cuts(const struct msnap_writer *w,
					  uint32_t area, size_t *n)
{
	*n = 0;
	if (area >= w->npre || !w->pre[area].written)
		return NULL;
	*n = w->pre[area].ncuts;
	return w->pre[area].cut_pages;
}

/* The cut of area a at page `cut`, or NULL if it has none there. */
static const struct precopy_cut *find_cut(const struct region_acc *a,
					  uint64_t cut)
{
	size_t lo = 0, hi = a->ncuts;

	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;

		if (a->cuts[mid].page < cut)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->ncuts && a->cuts[lo].page == cut ? &a->cuts[lo] : NULL;
}

/* Remember chunks [first, first+count) as adopted (merging with the last). */
int msnap_wr_note_adopted(struct region_acc *r, uint64_t first, uint64_t count)
{
	struct adopted_range *last = r->nadopts ? &r->adopts[r->nadopts - 1] : NULL;

	if (!count)
		return 0;
	if (last && last->first + last->count == first) {
		last->count += count;
		return 0;
	}
	if (r->nadopts == r->adopts_cap) {
		size_t cap = r->adopts_cap ? r->adopts_cap * 2 : 4;
		void *p = realloc(r->adopts, cap * sizeof(*r->adopts));

		if (!p)
			return -1;
		r->adopts = p;
		r->adopts_cap = cap;
	}
	r->adopts[r->nadopts++] = (struct adopted_range){ first, count };
	return 0;
}

/* Take over the area's runs, hashes, SHA-256 state and chunks up to c. */
static int adopt(struct msnap_writer *w, struct region_acc *r,
		 const struct region_acc *a, const struct precopy_cut *c,
		 struct msnap_error *err)
{
	uint64_t e;
	size_t i;

	r->runs = malloc((c->nruns ? c->nruns : 1) * sizeof(*r->runs));
	r->hashes = malloc((c->nhashes ? c->nhashes : 1) * sizeof(*r->hashes));
	if (!r->runs || !r->hashes)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	if (c->nruns)       /* a->runs may be NULL: memcpy(NULL, 0) is undefined */
		memcpy(r->runs, a->runs, c->nruns * sizeof(*r->runs));
	r->runs_cap = r->nruns = c->nruns;
	if (c->nruns)
		r->runs[c->nruns - 1].count = c->last_count;
	for (i = 0; i < r->nruns; i++)
		r->sum.pages[r->runs[i].state] += r->runs[i].count;
	if (c->nhashes)
		memcpy(r->hashes, a->hashes, c->nhashes * sizeof(*r->hashes));
	r->hashes_cap = r->nhashes = c->nhashes;
	msnap_sha256_copy(&r->sha, &c->sha);
	r->covered = c->page;
	r->sum.chunks = (uint32_t)c->chunks;
	r->sum.stored_bytes = c->stored_bytes;
	r->sum.compressed_bytes = c->compressed_bytes;
	for (e = a->first_index; c->chunks && e < c->nindex; e++)
		w->index[e].region = (uint32_t)w->cur_region;
	if (c->chunks && msnap_wr_note_adopted(r, a->first_index, c->nindex - a->first_index))
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	w->next_page = c->page;
	return 0;
}

int msnap_writer_begin_adopting(struct msnap_writer *w, uint64_t start,
				uint64_t end, uint32_t area, uint64_t cut,
				struct msnap_error *err)
{
	const struct region_acc *a;
	const struct precopy_cut *c;
	struct region_acc *r;
	int ret;

	if (area >= w->npre || !w->pre[area].written)
		return msnap_fail(err, MSNAP_E_STATE, -1,
				  "pre-copy area %u is not written yet", area);
	a = &w->pre[area];
	c = cut ? find_cut(a, cut) : NULL;
	/* incremental: PARENT pages hold only in a region of the same bounds */
	if (a->sum.start != start || (cut && !c) ||
	    cut > (end - start) / w->opts.page_size ||
	    (cut && (w->opts.flags & MSNAP_HDR_INCREMENTAL) && a->sum.end != end))
		return msnap_fail(err, MSNAP_E_INVAL, -1,
				  "region 0x%llx cannot adopt pre-copy area %u up to page %llu",
				  (unsigned long long)start, area,
				  (unsigned long long)cut);
	ret = msnap_writer_begin_region(w, start, end, err);
	if (ret || !c)
		return ret;
	r = &w->regions[w->cur_region];
	ret = adopt(w, r, a, c, err);
	if (ret)
		w->broken = true;
	return ret;
}

static int add_pages(struct msnap_writer *w, uint64_t first, uint64_t count,
		     enum msnap_page_state state, const void *data, bool copy,
		     struct msnap_error *err)
{
	const uint8_t *src = data;
	struct region_acc *r;
	int ret;

	if (w->broken)
		return msnap_fail(err, MSNAP_E_STATE, -1, "writer has failed");
	if (w->cur_region < 0)
		return msnap_fail(err, MSNAP_E_STATE, -1, "no region open");
	r = w->cur_is_pre ? &w->pre[w->cur_region] : &w->regions[w->cur_region];
	if (first < w->next_page || count > r->npages ||
	    first > r->npages - count || (unsigned)state >= MSNAP_PAGE_PARENT ||
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
		if (state == MSNAP_PAGE_DATA && copy) {
			uint8_t *dst = j->own + j->npages * w->opts.page_size;

			/* read in place (msnap_writer_copy_slot): no copy, or a
			 * move down past pages that were not DATA */
			if (dst != src)
				memmove(dst, src, take * w->opts.page_size);
			j->seg[j->nseg - 1].data = dst;
		}
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

bool msnap_writer_can_adopt_chunks(const struct msnap_writer *w)
{
	return w->readable;
}

int msnap_writer_adopt_chunk(struct msnap_writer *w, uint32_t area,
			     size_t cut, struct msnap_error *err)
{
	const struct region_acc *a, *r;
	uint64_t from;
	struct job *j;
	int ret;

	if (w->broken)
		return msnap_fail(err, MSNAP_E_STATE, -1, "writer has failed");
	if (w->cur_region < 0 || w->cur_is_pre || !w->readable)
		return msnap_fail(err, MSNAP_E_STATE, -1,
				  "no region open, or chunks cannot be read back");
	r = &w->regions[w->cur_region];
	if (area >= w->npre || !w->pre[area].written)
		return msnap_fail(err, MSNAP_E_STATE, -1,
				  "pre-copy area %u is not written yet", area);
	a = &w->pre[area];
	from = cut ? a->cuts[cut - 1].page : 0;
	if (a->sum.start != r->sum.start || cut >= a->ncuts ||
	    from < w->next_page || a->cuts[cut].page > r->npages ||
	    ((w->opts.flags & MSNAP_HDR_INCREMENTAL) && a->sum.end != r->sum.end))
		return msnap_fail(err, MSNAP_E_INVAL, -1,
				  "region 0x%llx cannot adopt chunk %zu of pre-copy area %u",
				  (unsigned long long)r->sum.start, cut, area);
	ret = submit_job(w, err);       /* what came before goes first */
	if (!ret)
		ret = open_job(w, err);
	if (ret)
		return ret;
	j = w->filling;
	j->kind = JOB_ADOPT;
	j->area = area;
	j->cut = cut;
	w->next_page = a->cuts[cut].page;
	return submit_job(w, err);
}

int msnap_writer_add(struct msnap_writer *w, uint64_t first, uint64_t count,
		     enum msnap_page_state state, const void *data,
		     struct msnap_error *err)
{
	return add_pages(w, first, count, state, data, false, err);
}

int msnap_writer_add_copy(struct msnap_writer *w, uint64_t first,
			  uint64_t count, enum msnap_page_state state,
			  const void *data, struct msnap_error *err)
{
	if (!(w->opts.flags & MSNAP_HDR_PRECOPY) && !w->opts.copy_pages)
		return msnap_fail(err, MSNAP_E_STATE, -1,
				  "copying pages needs a pre-copy writer "
				  "or opts.copy_pages");
	return add_pages(w, first, count, state, data, true, err);
}

int msnap_writer_copy_slot(struct msnap_writer *w, void **slot,
			   uint64_t *room, struct msnap_error *err)
{
	struct job *j;
	int ret;

	*slot = NULL;
	*room = 0;
	if (w->broken)
		return msnap_fail(err, MSNAP_E_STATE, -1, "writer has failed");
	if (w->cur_region < 0 ||
	    (!(w->opts.flags & MSNAP_HDR_PRECOPY) && !w->opts.copy_pages))
		return 0;
	ret = check_cancel(w, err);
	if (!ret)
		ret = open_job(w, err);
	if (ret)
		return ret;
	j = w->filling;
	if (!j->own || j->npages >= w->chunk_pages ||
	    j->nseg >= JOB_MAX_SEGMENTS)
		return 0;
	*room = w->chunk_pages - j->npages;
	*slot = j->own + j->npages * w->opts.page_size;
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
	while (!ret && !msnap_wr_pool_empty(w))
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
	struct msnap_error err;

	if (!w)
		return;
	/* what was held is written, so that a cut capture keeps it */
	if (w->holding && !w->broken)
		(void)msnap_wr_hold_release(w, &err);
	w->broken = true;
	msnap_wr_pool_stop(w);
}

void msnap_writer_free(struct msnap_writer *w)
{
	size_t i;

	if (!w)
		return;
	msnap_wr_pool_stop(w);
	msnap_wr_hold_free(w);
	for (i = 0; i < w->nregions; i++) {
		msnap_sha256_discard(&w->regions[i].sha);
		free(w->regions[i].runs);
		free(w->regions[i].hashes);
		free(w->regions[i].adopts);
	}
	for (i = 0; i < w->npre; i++) {
		size_t k;

		for (k = 0; k < w->pre[i].ncuts; k++)
			msnap_sha256_discard(&w->pre[i].cuts[k].sha);
		msnap_sha256_discard(&w->pre[i].sha);
		free(w->pre[i].runs);
		free(w->pre[i].hashes);
		free(w->pre[i].cuts);
		free(w->pre[i].cut_pages);
	}
	msnap_sha256_discard(&w->file_sha);
	free(w->regions);
	free(w->pre);
	free(w->index);
	free(w);
}
