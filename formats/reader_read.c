// SPDX-License-Identifier: MIT
/*
 * reader_read.c - chunks and addresses: decompress one chunk (checked
 * against its record and its zstd checksum), look up the state of a page,
 * and copy any address range out of the snapshot.
 */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "progress.h"
#include "reader_int.h"

int msnap_rd_load_chunk(struct msnap_reader *r, uint64_t i, struct msnap_error *err)
{
	struct chunk_slot *c = &r->chunks[i];
	struct chunk_slot got = { 0 };
	uint8_t *p;
	size_t n;
	int ret;

	if (c->loaded)
		return 0;
	ret = msnap_rd_record(r, c->info.header_offset, c->header_frame, TAG_CHUNK,
			c->header_frame, &p, &n, err);
	if (ret)
		return ret;
	ret = msnap_rd_parse_chunk(r, p, n, c->info.header_offset, &got, err);
	free(p);
	if (ret) {
		/* its runs are parsed before the bounds are checked */
		free(got.runs);
		free(got.run_pos);
		return ret;
	}
	/* the index assigns a pre-copied chunk to the region that adopted it */
	if ((got.info.precopy ? MSNAP_REGION_NONE : c->info.region) !=
	    got.info.region || got.info.seq != i ||
	    got.info.frame_size != c->info.frame_size ||
	    got.info.raw_size != c->info.raw_size ||
	    got.info.first_addr != c->info.first_addr ||
	    got.info.end_addr != c->info.end_addr) {
		free(got.runs);
		free(got.run_pos);
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)c->info.header_offset,
				  "chunk %llu disagrees with the index",
				  (unsigned long long)i);
	}
	/* adopted: its page numbers must count from the adopting region's start */
	if (got.info.precopy && c->info.region != MSNAP_REGION_NONE &&
	    (c->info.region >= r->nregions ||
	     got.info.first_addr - got.runs[0].first * r->info.page_size !=
	     r->regions[c->info.region].info.start)) {
		free(got.runs);
		free(got.run_pos);
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)c->info.header_offset,
				  "pre-copied chunk %llu does not start where region %u starts",
				  (unsigned long long)i, c->info.region);
	}
	c->runs = got.runs;
	c->run_pos = got.run_pos;
	c->info.runs = got.runs;
	c->info.nruns = got.info.nruns;
	c->info.precopy = got.info.precopy;
	c->loaded = true;
	return 0;
}

const struct msnap_chunk_info *msnap_chunk(struct msnap_reader *r, uint64_t i)
{
	if (i >= r->nchunks || msnap_rd_load_chunk(r, i, NULL))
		return NULL;
	return &r->chunks[i].info;
}

int msnap_rd_decompress(struct msnap_reader *r, uint64_t i, void *buf,
		  uint8_t **zbuf, size_t *zcap, ZSTD_DCtx *dctx,
		  struct msnap_error *err)
{
	const struct msnap_chunk_info *c = &r->chunks[i].info;
	ZSTD_frameHeader zfh;
	size_t got;
	int ret;

	if (*zcap < c->frame_size) {
		free(*zbuf);
		*zbuf = malloc(c->frame_size);
		*zcap = *zbuf ? c->frame_size : 0;
		if (!*zbuf)
			return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	}
	ret = msnap_rd_pread(r, *zbuf, c->frame_size, c->frame_offset, err);
	if (ret)
		return ret;
	if (ZSTD_getFrameHeader(&zfh, *zbuf, c->frame_size) != 0 ||
	    zfh.frameType != ZSTD_frame || zfh.frameContentSize != c->raw_size ||
	    !zfh.checksumFlag || !rd_window_ok(&zfh) ||
	    ZSTD_findFrameCompressedSize(*zbuf, c->frame_size) != c->frame_size)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)c->frame_offset,
				  "data frame of chunk %llu is not one checksummed "
				  "frame of %llu bytes", (unsigned long long)i,
				  (unsigned long long)c->raw_size);
	got = ZSTD_decompressDCtx(dctx, buf, c->raw_size, *zbuf, c->frame_size);
	if (ZSTD_isError(got) || got != c->raw_size)
		return msnap_fail(err, ZSTD_isError(got) &&
				  ZSTD_getErrorCode(got) == ZSTD_error_checksum_wrong ?
				  MSNAP_E_CHECKSUM : MSNAP_E_ZSTD,
				  (int64_t)c->frame_offset,
				  "data frame of chunk %llu: %s", (unsigned long long)i,
				  ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short");
	if (r->prog)
		msnap_progress_add(r->prog, got);
	return 0;
}

void msnap_reader_set_progress(struct msnap_reader *r, struct progress *p)
{
	r->prog = p;
}

int msnap_chunk_read(struct msnap_reader *r, uint64_t i, void *buf,
		     struct msnap_error *err)
{
	int ret;

	if (i >= r->nchunks)
		return msnap_fail(err, MSNAP_E_INVAL, -1, "no chunk %llu",
				  (unsigned long long)i);
	ret = msnap_rd_load_chunk(r, i, err);
	if (ret)
		return ret;
	return msnap_rd_decompress(r, i, buf, &r->zbuf, &r->zbuf_cap, r->dctx, err);
}

/* Index of the run holding page, or -1 (runs sorted, non-overlapping). */
static int64_t find_run(const struct msnap_run *runs, size_t n, uint64_t page)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;

		if (page < runs[mid].first)
			hi = mid;
		else if (page - runs[mid].first >= runs[mid].count)
			lo = mid + 1;
		else
			return (int64_t)mid;
	}
	return -1;
}

int msnap_page_state(const struct msnap_reader *r, uint32_t region,
		     uint64_t page, uint64_t *hash)
{
	const struct region_slot *reg;
	int64_t k;

	if (hash)
		*hash = 0;
	if (region >= r->nregions || !r->regions[region].info.has_table)
		return MSNAP_PAGE_ABSENT;
	reg = &r->regions[region];
	k = find_run(reg->runs, reg->nruns, page);
	if (k < 0)
		return MSNAP_PAGE_ABSENT;
	if (reg->runs[k].state == MSNAP_PAGE_PARENT && r->parent)
		return msnap_page_state(r->parent, reg->parent_region, page, hash);
	if (reg->runs[k].state == MSNAP_PAGE_DATA && hash)
		*hash = reg->hashes[reg->hash_base[k] + page - reg->runs[k].first];
	return reg->runs[k].state;
}

/* The chunk of region reg whose span holds addr, or -1. */
static int64_t find_chunk(const struct msnap_reader *r,
			  const struct region_slot *reg, uint64_t addr)
{
	uint64_t lo = 0, hi = reg->nchunks;

	while (lo < hi) {
		const uint64_t mid = lo + (hi - lo) / 2;
		const uint64_t ci = r->by_addr[reg->first_chunk + mid];
		const struct msnap_chunk_info *c = &r->chunks[ci].info;

		if (addr < c->first_addr)
			hi = mid;
		else if (addr >= c->end_addr)
			lo = mid + 1;
		else
			return (int64_t)ci;
	}
	return -1;
}

static int cache_chunk(struct msnap_reader *r, uint64_t ci,
		       struct msnap_error *err)
{
	int ret;

	const uint64_t need = r->chunks[ci].info.raw_size;

	if (r->cached == (int64_t)ci)
		return 0;
	if (r->cache_cap < need) {
		/* raw_size was checked against MSNAP_MAX_CHUNK_RAW */
		free(r->cache);
		r->cache = malloc(need);
		r->cache_cap = r->cache ? need : 0;
		if (!r->cache)
			return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	}
	r->cached = -1;
	ret = msnap_chunk_read(r, ci, r->cache, err);
	if (!ret)
		r->cached = (int64_t)ci;
	return ret;
}

int msnap_rd_page_ptr(struct msnap_reader *r, uint64_t addr, const uint8_t **page,
		struct msnap_error *err)
{
	const uint64_t ps = r->info.page_size;
	const struct region_slot *reg;
	const struct chunk_slot *c;
	int64_t ri, k, ci;
	uint64_t p;
	int ret;

	ri = msnap_find_region(r, addr);
	if (ri < 0 || !r->regions[ri].info.has_table)
		return msnap_fail(err, MSNAP_E_NOT_FOUND, -1, "no page table");
	reg = &r->regions[ri];
	p = (addr - reg->info.start) / ps;
	k = find_run(reg->runs, reg->nruns, p);
	if (k >= 0 && reg->runs[k].state == MSNAP_PAGE_PARENT && r->parent)
		return msnap_rd_page_ptr(r->parent, addr, page, err);
	if (k < 0 || reg->runs[k].state != MSNAP_PAGE_DATA)
		return msnap_fail(err, MSNAP_E_NOT_FOUND, -1, "not a data page");
	ci = find_chunk(r, reg, addr);
	if (ci < 0)
		return msnap_fail(err, MSNAP_E_CORRUPT, -1,
				  "no chunk holds data page at 0x%llx",
				  (unsigned long long)addr);
	ret = msnap_rd_load_chunk(r, (uint64_t)ci, err);
	if (ret)
		return ret;
	c = &r->chunks[ci];
	k = find_run(c->runs, c->info.nruns, p);
	if (k < 0)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)c->info.header_offset,
				  "chunk %lld lacks data page at 0x%llx",
				  (long long)ci, (unsigned long long)addr);
	ret = cache_chunk(r, (uint64_t)ci, err);
	if (ret)
		return ret;
	*page = r->cache + (c->run_pos[k] + p - c->runs[k].first) * ps;
	return 0;
}

/*
 * Copy out what lies at addr, at most len bytes, staying inside one run of
 * one state.  Returns the bytes handled (> 0) or a negative error; *state
 * receives the run's state.
 */
int64_t msnap_rd_read_span(struct msnap_reader *r, uint64_t addr, uint8_t *dst,
		     uint64_t len, uint8_t *state, struct msnap_error *err)
{
	const uint64_t ps = r->info.page_size;
	const int64_t ri = msnap_find_region(r, addr);
	const struct region_slot *reg;
	const struct chunk_slot *c;
	uint64_t page, n, end;
	int64_t k, ci;
	int ret;

	*state = MSNAP_PAGE_ABSENT;
	n = ps - addr % ps;
	if (ri < 0)
		goto zeros;
	reg = &r->regions[ri];
	page = (addr - reg->info.start) / ps;
	if (reg->info.has_table) {
		k = find_run(reg->runs, reg->nruns, page);
		if (k < 0)
			goto zeros;
		*state = reg->runs[k].state;
		end = reg->info.start + (reg->runs[k].first + reg->runs[k].count) * ps;
		n = end - addr;
		/* same as the parent's: read there (it was resolved with the
		 * same region bounds, so the span stays inside its region) */
		if (*state == MSNAP_PAGE_PARENT && r->parent)
			return msnap_rd_read_span(r->parent, addr, dst, n < len ? n : len,
					    state, err);
		if (*state != MSNAP_PAGE_DATA)
			goto zeros;
	}
	ci = find_chunk(r, reg, addr);
	if (ci < 0) {
		if (*state == MSNAP_PAGE_DATA)
			return msnap_fail(err, MSNAP_E_CORRUPT, -1,
					  "no chunk holds data page at 0x%llx",
					  (unsigned long long)addr);
		goto zeros;
	}
	ret = msnap_rd_load_chunk(r, (uint64_t)ci, err);
	if (ret)
		return ret;
	c = &r->chunks[ci];
	k = find_run(c->runs, c->info.nruns, page);
	if (k < 0) {
		if (*state == MSNAP_PAGE_DATA)
			return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)c->info.header_offset,
					  "chunk %lld lacks data page at 0x%llx",
					  (long long)ci, (unsigned long long)addr);
		goto zeros;      /* recovered region: not stored */
	}
	*state = MSNAP_PAGE_DATA;
	ret = cache_chunk(r, (uint64_t)ci, err);
	if (ret)
		return ret;
	end = reg->info.start + (c->runs[k].first + c->runs[k].count) * ps;
	if (end - addr < n || !reg->info.has_table)
		n = end - addr;
	if (n > len)
		n = len;
	memcpy(dst, r->cache + (c->run_pos[k] + page - c->runs[k].first) * ps +
		    addr % ps, n);
	return (int64_t)n;
zeros:
	if (n > len)
		n = len;
	memset(dst, 0, n);
	return (int64_t)n;
}

int msnap_read(struct msnap_reader *r, uint64_t addr, void *buf, size_t len,
	       uint8_t *states, struct msnap_error *err)
{
	const uint64_t ps = r->info.page_size;
	const uint64_t first_page = addr / ps;
	uint8_t *dst = buf;
	uint64_t done = 0;

	if (len && addr + len - 1 < addr)
		return msnap_fail(err, MSNAP_E_INVAL, -1, "range wraps around");
	while (done < len) {
		uint8_t st;
		const int64_t n = msnap_rd_read_span(r, addr + done, dst + done,
					       len - done, &st, err);
		uint64_t p;

		if (n < 0)
			return (int)n;
		if (states)
			for (p = (addr + done) / ps; p <= (addr + done + n - 1) / ps; p++)
				states[p - first_page] = st;
		done += (uint64_t)n;
	}
	return 0;
}
