// SPDX-License-Identifier: MIT
/*
 * writer_emit.c - turn finished jobs into bytes: chunk records, zstd
 * frames, the page-state runs and hashes of each region, and its PAGES
 * record once the region ends.  Runs only on the caller's thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>

#include "layout.h"
#include "writer_int.h"

/*
 * Write-behind for regular files: start writeback of each finished window
 * and drop the window before it from the page cache once it is on disk.
 * The pages are then recycled for the next writes instead of fresh ones
 * (first-touch memory is slow on VMs), and the final fsync finds little
 * left to do.  Failures here are not errors: fsync at the end decides.
 */
#define WRITE_BEHIND (32ull << 20)

static void write_behind(struct msnap_writer *w)
{
	const uint64_t win = w->offset / WRITE_BEHIND * WRITE_BEHIND;

	if (!w->regular || win <= w->wb_started)
		return;
	(void)sync_file_range(w->fd, (off_t)w->wb_started,
			      (off_t)(win - w->wb_started), SYNC_FILE_RANGE_WRITE);
	if (w->wb_started >= WRITE_BEHIND) {
		const uint64_t old = w->wb_started - WRITE_BEHIND;

		if (!sync_file_range(w->fd, (off_t)old, WRITE_BEHIND,
				     SYNC_FILE_RANGE_WAIT_BEFORE |
				     SYNC_FILE_RANGE_WRITE |
				     SYNC_FILE_RANGE_WAIT_AFTER))
			(void)posix_fadvise(w->fd, (off_t)old, WRITE_BEHIND,
					    POSIX_FADV_DONTNEED);
	}
	w->wb_started = win;
}

/* Wait until fd takes more bytes or a signal comes; false if poll fails. */
static bool wait_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, -1) >= 0 || errno == EINTR;
}

static int write_iov(struct msnap_writer *w, struct iovec *iov, int n,
		     struct msnap_error *err)
{
	int i, ret;

	if (w->holding) {
		ret = msnap_wr_hold(w, iov, n, err);
		if (ret <= 0)
			return ret;     /* held, or failed */
	}
	for (i = 0; WRITER_HASHES && i < n; i++)
		msnap_sha256_update(&w->file_sha, iov[i].iov_base, iov[i].iov_len);
	while (n > 0) {
		ssize_t got;

		/* a reader that stopped reading must not hold us past a signal */
		if (w->opts.cancel && *w->opts.cancel) {
			w->broken = true;
			return msnap_fail(err, MSNAP_E_CANCELED, (int64_t)w->offset,
					  "stopped on request after %llu bytes",
					  (unsigned long long)w->offset);
		}
		got = writev(w->fd, iov, n);
		if (got < 0) {
			/* or non-blocking (a pipe set so by others) and full */
			if (errno == EINTR ||
			    (errno == EAGAIN && wait_writable(w->fd)))
				continue;
			w->broken = true;
			return msnap_fail_errno(err, "cannot write snapshot at offset %llu",
						(unsigned long long)w->offset);
		}
		w->offset += (uint64_t)got;
		while (n > 0 && (size_t)got >= iov->iov_len) {
			got -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + got;
			iov->iov_len -= (size_t)got;
		}
	}
	write_behind(w);
	return 0;
}

int msnap_wr_emit_raw(struct msnap_writer *w, const void *hdr, size_t hlen,
	     const void *data, size_t dlen, struct msnap_error *err)
{
	struct iovec iov[2] = {
		{ (void *)hdr, hlen },
		{ (void *)data, dlen },
	};

	return write_iov(w, iov, dlen ? 2 : 1, err);
}

int msnap_wr_emit_record(struct msnap_writer *w, uint8_t *payload, size_t len,
		struct msnap_error *err)
{
	uint8_t hdr[SKIP_HDR_SIZE];

	if (len > MAX_RECORD_PAYLOAD)
		return msnap_fail(err, MSNAP_E_LIMIT, (int64_t)w->offset,
				  "record of %zu bytes is too large", len);
	msnap_record_seal(payload, len);
	msnap_record_frame_header(hdr, (uint32_t)len);
	return msnap_wr_emit_raw(w, hdr, sizeof(hdr), payload, len, err);
}

/* ---- per-region accumulation ------------------------------------------------- */

static int push_run(struct region_acc *r, uint64_t first, uint64_t count,
		    uint8_t state)
{
	struct msnap_run *last = r->nruns ? &r->runs[r->nruns - 1] : NULL;

	if (!count)
		return 0;
	if (last && last->state == state && last->first + last->count == first) {
		last->count += count;
	} else {
		if (r->nruns == r->runs_cap) {
			size_t cap = r->runs_cap ? r->runs_cap * 2 : 16;
			void *p = realloc(r->runs, cap * sizeof(*r->runs));

			if (!p)
				return -1;
			r->runs = p;
			r->runs_cap = cap;
		}
		r->runs[r->nruns++] = (struct msnap_run){ first, count, state };
	}
	r->sum.pages[state] += count;
	r->covered = first + count;
	return 0;
}

/* Cover [covered, first) as ABSENT, then [first, first+count) as state. */
static int add_run(struct region_acc *r, uint64_t first, uint64_t count,
		   uint8_t state)
{
	if (push_run(r, r->covered, first - r->covered, MSNAP_PAGE_ABSENT))
		return -1;
	return push_run(r, first, count, state);
}

static int push_hash(struct region_acc *r, uint64_t h)
{
	if (r->nhashes == r->hashes_cap) {
		uint64_t cap = r->hashes_cap ? r->hashes_cap * 2 : 256;
		void *p = realloc(r->hashes, cap * sizeof(*r->hashes));

		if (!p)
			return -1;
		r->hashes = p;
		r->hashes_cap = cap;
	}
	r->hashes[r->nhashes++] = h;
	return 0;
}

/* Append a DATA run to the chunk's run list (in the stage of cbuf's header). */
struct chunk_runs {
	uint8_t *buf;       /* CHUNK payload being built */
	uint32_t n;
	uint64_t last_end;
};

static void chunk_add(struct chunk_runs *c, uint64_t page)
{
	uint8_t *p;

	if (c->n && c->last_end == page) {
		p = c->buf + CHUNK_FIXED + (size_t)(c->n - 1) * CHUNK_RUN_SIZE;
		put_le64(p + 8, get_le64(p + 8) + 1);
	} else {
		p = c->buf + CHUNK_FIXED + (size_t)c->n * CHUNK_RUN_SIZE;
		put_le64(p, page);
		put_le64(p + 8, 1);
		c->n++;
	}
	c->last_end = page + 1;
}

/* Record the job's pages in the region; build the chunk's run list. */
static int account_job(struct msnap_writer *w, struct job *j,
		       struct region_acc *r, struct chunk_runs *c)
{
	uint64_t k = 0;
	size_t i;

	for (i = 0; i < j->nseg; i++) {
		const struct segment *s = &j->seg[i];
		uint64_t p;

		if (s->state != MSNAP_PAGE_DATA) {
			if (add_run(r, s->first, s->count, s->state))
				return -1;
			continue;
		}
		for (p = 0; p < s->count; p++, k++) {
			const uint8_t st = j->zero[k] == PAGE_ZERO ? MSNAP_PAGE_ZERO :
					   j->zero[k] == PAGE_SAME ? MSNAP_PAGE_PARENT :
					   MSNAP_PAGE_DATA;

			if (add_run(r, s->first + p, 1, st))
				return -1;
			if (st != MSNAP_PAGE_DATA)
				continue;
			if (push_hash(r, j->hashes[k]))
				return -1;
			chunk_add(c, s->first + p);
		}
	}
	(void)w;
	return 0;
}

static int push_index(struct msnap_writer *w, const struct index_entry *e)
{
	if (w->nindex >= MSNAP_MAX_CHUNKS)
		return -1;
	if (w->nindex == w->index_cap) {
		uint64_t cap = w->index_cap ? w->index_cap * 2 : 256;
		void *p = realloc(w->index, cap * sizeof(*w->index));

		if (!p)
			return -1;
		w->index = p;
		w->index_cap = cap;
	}
	w->index[w->nindex++] = *e;
	return 0;
}

static int write_chunk(struct msnap_writer *w, struct job *j,
		       struct region_acc *r, struct chunk_runs *c,
		       struct msnap_error *err)
{
	const size_t plen = CHUNK_FIXED + (size_t)c->n * CHUNK_RUN_SIZE + REC_SUM_SIZE;
	const uint64_t ps = w->opts.page_size;
	uint8_t fh[SKIP_HDR_SIZE];
	struct index_entry e;
	const uint8_t *first_run = c->buf + CHUNK_FIXED;
	const uint8_t *last_run = first_run + (size_t)(c->n - 1) * CHUNK_RUN_SIZE;
	struct iovec iov[3];
	int ret;

	put_le32(c->buf, TAG_CHUNK);
	put_le32(c->buf + 4, j->precopy ? MSNAP_REGION_NONE : j->region);
	put_le64(c->buf + 8, w->nindex);
	put_le64(c->buf + 16, r->sum.start);
	put_le64(c->buf + 24, r->sum.end);
	put_le64(c->buf + 32, j->clen);
	put_le64(c->buf + 40, j->raw_len);
	put_le32(c->buf + 48, c->n);
	put_le32(c->buf + 52, j->precopy ? CHUNK_FLAG_PRECOPY : 0);
	msnap_record_seal(c->buf, plen);
	msnap_record_frame_header(fh, (uint32_t)plen);

	e = (struct index_entry){
		.header_offset = w->offset,
		.frame_size = j->clen,
		.raw_size = j->raw_len,
		.first_addr = r->sum.start + get_le64(first_run) * ps,
		.end_addr = r->sum.start +
			    (get_le64(last_run) + get_le64(last_run + 8)) * ps,
		.region = j->precopy ? MSNAP_REGION_NONE : j->region,
		.header_frame = (uint32_t)(SKIP_HDR_SIZE + plen),
	};
	if (j->precopy && r->first_index == UINT64_MAX)
		r->first_index = w->nindex;
	if (push_index(w, &e))
		return msnap_fail(err, MSNAP_E_LIMIT, -1, "too many chunks");
	iov[0] = (struct iovec){ fh, sizeof(fh) };
	iov[1] = (struct iovec){ c->buf, plen };
	iov[2] = (struct iovec){ j->cbuf, j->clen };
	ret = write_iov(w, iov, 3, err);
	if (ret)
		return ret;
	if (WRITER_HASHES)
		msnap_sha256_update(&r->sha, j->raw, j->raw_len);
	r->sum.chunks++;
	r->sum.stored_bytes += j->raw_len;
	r->sum.compressed_bytes += j->clen;
	return 0;
}

/*
 * Say which pre-copied chunks the region took over, for a reader that has
 * to rebuild the index from the frames (a file cut short).
 */
static int write_adopt(struct msnap_writer *w, uint32_t index,
		       const struct region_acc *r, struct msnap_error *err)
{
	uint8_t p[ADOPT_PAYLOAD];
	size_t i;
	int ret = 0;

	for (i = 0; i < r->nadopts && !ret; i++) {
		memset(p, 0, sizeof(p));
		put_le32(p, TAG_ADOPT);
		put_le32(p + 4, index);
		put_le64(p + 8, r->adopts[i].first);
		put_le64(p + 16, r->adopts[i].count);
		ret = msnap_wr_emit_record(w, p, sizeof(p), err);
	}
	return ret;
}

static int write_pages(struct msnap_writer *w, uint32_t index,
		       struct region_acc *r, struct msnap_error *err)
{
	size_t plen, i;
	uint8_t *p, *q;
	int ret;

	if (push_run(r, r->covered, r->npages - r->covered, MSNAP_PAGE_ABSENT))
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	if (msnap_sha256_final(&r->sha, r->sum.sha256))
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	if (r->nruns > (MAX_RECORD_PAYLOAD - PAGES_FIXED) / PAGES_RUN_SIZE ||
	    r->nhashes > (MAX_RECORD_PAYLOAD - PAGES_FIXED -
			  r->nruns * PAGES_RUN_SIZE - REC_SUM_SIZE) / 8)
		return msnap_fail(err, MSNAP_E_LIMIT, -1,
				  "region %u has too many pages for one page table", index);
	ret = write_adopt(w, index, r, err);
	if (ret)
		return ret;
	plen = PAGES_FIXED + r->nruns * PAGES_RUN_SIZE + r->nhashes * 8 + REC_SUM_SIZE;
	p = calloc(1, plen);
	if (!p)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	put_le32(p, TAG_PAGES);
	put_le32(p + 4, index);
	put_le64(p + 8, r->sum.start);
	put_le64(p + 16, r->sum.end);
	put_le64(p + 24, r->sum.chunks);
	put_le64(p + 32, r->sum.stored_bytes);
	put_le64(p + 40, r->sum.compressed_bytes);
	memcpy(p + 48, r->sum.sha256, 32);
	put_le32(p + 80, (uint32_t)r->nruns);
	put_le64(p + 88, r->nhashes);
	q = p + PAGES_FIXED;
	for (i = 0; i < r->nruns; i++, q += PAGES_RUN_SIZE) {
		put_le64(q, r->runs[i].first);
		put_le64(q + 8, r->runs[i].count);
		q[16] = r->runs[i].state;
	}
	for (i = 0; i < r->nhashes; i++, q += 8)
		put_le64(q, r->hashes[i]);
	r->pages_offset = w->offset;
	r->pages_frame = (uint32_t)(SKIP_HDR_SIZE + plen);
	ret = msnap_wr_emit_record(w, p, plen, err);
	free(p);
	if (!ret)
		r->written = true;
	return ret;
}

/* A pre-copy area may be cut after each of its jobs: remember the state. */
static int push_cut(struct msnap_writer *w, struct region_acc *r)
{
	struct precopy_cut *c;

	if (r->ncuts && r->cuts[r->ncuts - 1].page == r->covered) {
		r->ncuts--;             /* nothing accounted since: replace it */
		msnap_sha256_discard(&r->cuts[r->ncuts].sha);
	} else if (!r->covered) {
		return 0;
	}
	if (r->ncuts == r->cuts_cap) {
		size_t cap = r->cuts_cap ? r->cuts_cap * 2 : 16;
		void *p = realloc(r->cuts, cap * sizeof(*r->cuts));
		void *q;

		if (!p)
			return -1;
		r->cuts = p;
		q = realloc(r->cut_pages, cap * sizeof(*r->cut_pages));
		if (!q)
			return -1;
		r->cut_pages = q;
		r->cuts_cap = cap;
	}
	c = &r->cuts[r->ncuts];
	*c = (struct precopy_cut){
		.page = r->covered,
		.nindex = w->nindex,
		.nruns = r->nruns,
		.last_count = r->nruns ? r->runs[r->nruns - 1].count : 0,
		.nhashes = r->nhashes,
		.chunks = r->sum.chunks,
		.stored_bytes = r->sum.stored_bytes,
		.compressed_bytes = r->sum.compressed_bytes,
	};
	msnap_sha256_copy(&c->sha, &r->sha);
	r->cut_pages[r->ncuts++] = r->covered;
	return 0;
}

/*
 * A pre-copied segment taken over by the region: its page states and
 * hashes as the pre-copy recorded them, its chunk (read back by a worker)
 * into the region's SHA-256, and the chunk's index entry now names the
 * region.
 */
int msnap_wr_emit_adopt(struct msnap_writer *w, struct job *j, struct msnap_error *err)
{
	struct region_acc *r = &w->regions[j->region];
	const struct region_acc *a = &w->pre[j->area];
	const struct precopy_cut *c = &a->cuts[j->cut];
	const uint64_t from = j->cut ? c[-1].page : 0;
	const uint64_t h0 = j->cut ? c[-1].nhashes : 0;
	const uint64_t e0 = j->cut ? c[-1].nindex : a->first_index;
	uint64_t e, h, s, t;
	size_t i;

	for (i = 0; i < a->nruns; i++) {
		const struct msnap_run *run = &a->runs[i];

		s = run->first > from ? run->first : from;
		t = run->first + run->count < c->page ? run->first + run->count :
							c->page;
		if (s < t && add_run(r, s, t - s, run->state))
			goto nomem;
	}
	for (h = h0; h < c->nhashes; h++)
		if (push_hash(r, a->hashes[h]))
			goto nomem;
	for (e = e0; e < c->nindex; e++) {
		w->index[e].region = j->region;
		r->sum.chunks++;
		r->sum.stored_bytes += w->index[e].raw_size;
		r->sum.compressed_bytes += w->index[e].frame_size;
	}
	if (msnap_wr_note_adopted(r, e0, c->nindex - e0))
		goto nomem;
	if (WRITER_HASHES && j->raw_len)
		msnap_sha256_update(&r->sha, j->raw, j->raw_len);
	return 0;
nomem:
	return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
}

int msnap_wr_emit_job(struct msnap_writer *w, struct job *j, struct msnap_error *err)
{
	struct region_acc *r = j->precopy ? &w->pre[j->region] :
			       &w->regions[j->region];
	struct chunk_runs c = { 0 };
	int ret = 0;

	c.buf = malloc(CHUNK_FIXED + (size_t)(j->npages + 1) * CHUNK_RUN_SIZE +
		       REC_SUM_SIZE);
	if (!c.buf)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	if (account_job(w, j, r, &c)) {
		ret = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		goto out;
	}
	if (j->raw_len) {
		ret = write_chunk(w, j, r, &c, err);
		if (ret)
			goto out;
	}
	if (j->precopy) {
		if (push_cut(w, r))
			ret = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		else if (j->ends_region)
			r->written = true;      /* a pre-copy area has no page table */
	} else if (j->ends_region) {
		ret = write_pages(w, j->region, r, err);
	}
out:
	free(c.buf);
	return ret;
}
