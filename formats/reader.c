// SPDX-License-Identifier: MIT
/*
 * reader.c - open a snapshot: by its trailer when it has a sound one,
 * otherwise by scanning frames from the front (a capture cut short).
 * Shared bookkeeping of regions and chunks, and the accessors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "layout.h"
#include "reader_int.h"

int msnap_rd_region_slot(struct msnap_reader *r, uint32_t index, struct msnap_error *err)
{
	uint32_t i;
	void *p;

	if (index < r->nregions)
		return 0;
	if (index >= MSNAP_MAX_REGIONS)
		return msnap_fail(err, MSNAP_E_LIMIT, -1, "region index %u too large", index);
	p = realloc(r->regions, ((size_t)index + 1) * sizeof(*r->regions));
	if (!p)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	r->regions = p;
	for (i = r->nregions; i <= index; i++) {
		memset(&r->regions[i], 0, sizeof(r->regions[i]));
		r->regions[i].info.index = i;
	}
	r->nregions = index + 1;
	return 0;
}

int msnap_rd_region_bounds(struct msnap_reader *r, uint32_t index, uint64_t start,
		     uint64_t end, uint64_t off, struct msnap_error *err)
{
	struct region_slot *reg;
	int ret = msnap_rd_region_slot(r, index, err);

	if (ret)
		return ret;
	reg = &r->regions[index];
	if (!reg->seen) {
		reg->seen = true;
		reg->info.start = start;
		reg->info.end = end;
		return 0;
	}
	if (reg->info.start != start || reg->info.end != end)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "region %u bounds disagree between records", index);
	return 0;
}

int msnap_rd_push_chunk(struct msnap_reader *r, struct msnap_error *err)
{
	void *p;
	uint64_t cap;

	if (r->nchunks >= MSNAP_MAX_CHUNKS)
		return msnap_fail(err, MSNAP_E_LIMIT, -1, "too many chunks");
	if (r->nchunks < r->chunks_cap)
		goto out;
	cap = r->chunks_cap ? r->chunks_cap * 2 : 64;
	p = realloc(r->chunks, cap * sizeof(*r->chunks));
	if (!p)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	r->chunks = p;
	r->chunks_cap = cap;
out:
	memset(&r->chunks[r->nchunks], 0, sizeof(r->chunks[0]));
	r->chunks[r->nchunks].info.seq = r->nchunks;
	r->nchunks++;
	return 0;
}

/* qsort_r comparators: the reader comes as the argument (two readers may
 * be opened at once on two threads). */
static int by_region_start(const void *a, const void *b, void *arg)
{
	const struct msnap_reader *r = arg;
	const struct msnap_region_info *x = &r->regions[*(const uint32_t *)a].info;
	const struct msnap_region_info *y = &r->regions[*(const uint32_t *)b].info;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int by_chunk_addr(const void *a, const void *b, void *arg)
{
	const struct msnap_reader *r = arg;
	const struct msnap_chunk_info *x = &r->chunks[*(const uint64_t *)a].info;
	const struct msnap_chunk_info *y = &r->chunks[*(const uint64_t *)b].info;

	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	return x->first_addr < y->first_addr ? -1 : x->first_addr > y->first_addr;
}

/*
 * A scan has no index to say which pre-copied chunks a region took over:
 * its ADOPT records do.  Only chunks that are pre-copied and still
 * unclaimed can be adopted, and only by a region the scan reached.
 */
static void apply_adopts(struct msnap_reader *r)
{
	size_t i;
	uint64_t k;

	for (i = 0; i < r->nadopts; i++) {
		const struct adopt_rec *a = &r->adopts[i];

		if (a->region >= r->nregions || !r->regions[a->region].seen ||
		    a->first >= r->nchunks)
			continue;
		for (k = a->first; k < r->nchunks && k - a->first < a->count; k++)
			if (r->chunks[k].info.precopy &&
			    r->chunks[k].info.region == MSNAP_REGION_NONE)
				r->chunks[k].info.region = a->region;
	}
}

/*
 * Cross-check regions and chunks: regions must not overlap, chunks must lie
 * inside their region and not overlap each other.  Builds the sorted views
 * used for lookups.
 */
int msnap_rd_finalize(struct msnap_reader *r, struct msnap_error *err)
{
	uint64_t i;
	uint32_t n = 0;

	r->by_start = malloc(((size_t)r->nregions + 1) * sizeof(*r->by_start));
	r->by_addr = malloc((r->nchunks + 1) * sizeof(*r->by_addr));
	if (!r->by_start || !r->by_addr)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	for (i = 0; i < r->nregions; i++)
		if (r->regions[i].seen)
			r->by_start[n++] = (uint32_t)i;
	r->nsorted = n;
	if (r->info.recovered)
		apply_adopts(r);
	qsort_r(r->by_start, n, sizeof(*r->by_start), by_region_start, r);
	for (i = 1; i < n; i++) {
		const struct msnap_region_info *a = &r->regions[r->by_start[i - 1]].info;
		const struct msnap_region_info *b = &r->regions[r->by_start[i]].info;

		if (b->start < a->end)
			return msnap_fail(err, MSNAP_E_CORRUPT, -1,
					  "regions %u and %u overlap", a->index, b->index);
	}
	for (i = 0; i < r->nchunks; i++) {
		const struct msnap_chunk_info *c = &r->chunks[i].info;
		const struct region_slot *reg;

		r->by_addr[i] = i;
		if (c->region == MSNAP_REGION_NONE)
			continue;       /* pre-copied, then superseded: unused */
		if (c->region >= r->nregions || !r->regions[c->region].seen)
			return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)c->header_offset,
					  "chunk %llu names unknown region %u",
					  (unsigned long long)i, c->region);
		reg = &r->regions[c->region];
		if (c->first_addr < reg->info.start || c->end_addr > reg->info.end ||
		    c->first_addr >= c->end_addr ||
		    (c->precopy && r->chunks[i].loaded &&
		     r->chunks[i].rec_start != reg->info.start))
			return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)c->header_offset,
					  "chunk %llu lies outside region %u",
					  (unsigned long long)i, c->region);
		r->by_addr[i] = i;
	}
	qsort_r(r->by_addr, r->nchunks, sizeof(*r->by_addr), by_chunk_addr, r);
	for (i = 0; i < r->nchunks; i++) {
		const struct msnap_chunk_info *c = &r->chunks[r->by_addr[i]].info;
		struct region_slot *reg;

		if (c->region == MSNAP_REGION_NONE)
			break;          /* sorted last */
		reg = &r->regions[c->region];
		if (i && r->chunks[r->by_addr[i - 1]].info.region == c->region &&
		    r->chunks[r->by_addr[i - 1]].info.end_addr > c->first_addr)
			return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)c->header_offset,
					  "chunk %llu overlaps another chunk",
					  (unsigned long long)r->by_addr[i]);
		if (!reg->nchunks)
			reg->first_chunk = i;
		reg->nchunks++;
	}
	for (i = 0; i < r->nregions; i++) {
		struct region_slot *reg = &r->regions[i];

		if (reg->info.has_table && reg->nchunks != reg->info.chunks)
			return msnap_fail(err, MSNAP_E_CORRUPT, -1,
					  "region %llu: page table counts %u chunks, "
					  "found %llu", (unsigned long long)i,
					  reg->info.chunks,
					  (unsigned long long)reg->nchunks);
		if (!reg->info.has_table)
			reg->info.chunks = (uint32_t)reg->nchunks;
	}
	r->info.region_count = r->nregions;
	r->info.chunk_count = r->nchunks;
	return 0;
}

int msnap_open(struct msnap_reader **out, int fd, unsigned flags,
	       struct msnap_error *err)
{
	struct msnap_reader *r;
	struct stat st;
	int ret;

	*out = NULL;
	if (fstat(fd, &st))
		return msnap_fail_errno(err, "cannot stat snapshot");
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return msnap_fail(err, MSNAP_E_INVAL, -1,
				  "snapshot must be a regular file (copy a stream to a file first)");
	r = calloc(1, sizeof(*r));
	if (!r)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	r->fd = fd;
	r->cached = -1;
	r->info.file_size = (uint64_t)st.st_size;
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx) {
		ret = msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		goto fail;
	}
	/* chunks are at most 16 MiB, so a larger window can only be an attack */
	ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax, 25);
	ret = msnap_rd_header(r, err);
	if (ret)
		goto fail;
	ret = -1;
	if (!(flags & MSNAP_OPEN_SCAN))
		ret = msnap_rd_open_trailer(r, err);
	if (ret) {
		char why[sizeof(r->info.stop_reason)];

		snprintf(why, sizeof(why), "%s",
			 flags & MSNAP_OPEN_SCAN ? "scan requested" :
			 err ? err->msg : "no usable trailer");
		ret = msnap_rd_scan(r, err);
		if (ret)
			goto fail;
		if (!r->info.stop_reason[0] && !(flags & MSNAP_OPEN_SCAN))
			snprintf(r->info.stop_reason, sizeof(r->info.stop_reason),
				 "%s", why);
	}
	*out = r;
	return 0;
fail:
	msnap_close(r);
	return ret;
}

int msnap_open_path(struct msnap_reader **out, const char *path,
		    unsigned flags, struct msnap_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	*out = NULL;
	if (fd < 0)
		return msnap_fail_errno(err, "cannot open '%s'", path);
	ret = msnap_open(out, fd, flags, err);
	if (ret) {
		close(fd);
		return ret;
	}
	(*out)->own_fd = true;
	return 0;
}

void msnap_rd_reset(struct msnap_reader *r)
{
	uint64_t i;

	for (i = 0; i < r->nregions; i++) {
		free(r->regions[i].runs);
		free(r->regions[i].hashes);
		free(r->regions[i].hash_base);
		free(r->regions[i].res_runs);
		free(r->regions[i].res_hashes);
	}
	for (i = 0; i < r->nchunks; i++) {
		free(r->chunks[i].runs);
		free(r->chunks[i].run_pos);
	}
	free(r->regions);
	free(r->chunks);
	free(r->by_start);
	free(r->by_addr);
	free(r->adopts);
	r->adopts = NULL;
	r->nadopts = 0;
	free(r->manifest);
	r->regions = NULL;
	r->chunks = NULL;
	r->by_start = NULL;
	r->by_addr = NULL;
	r->manifest = NULL;
	r->manifest_len = 0;
	r->nregions = r->nsorted = 0;
	r->nchunks = r->chunks_cap = 0;
	r->cached = -1;
}

void msnap_close(struct msnap_reader *r)
{
	if (!r)
		return;
	msnap_rd_reset(r);
	msnap_rd_free_chain(r);
	free(r->cache);
	free(r->zbuf);
	ZSTD_freeDCtx(r->dctx);
	if (r->own_fd)
		close(r->fd);
	free(r);
}

const struct msnap_file_info *msnap_info(const struct msnap_reader *r)
{
	return &r->info;
}

const char *msnap_manifest(const struct msnap_reader *r, size_t *len)
{
	if (len)
		*len = r->manifest_len;
	return r->manifest;
}

uint32_t msnap_region_count(const struct msnap_reader *r)
{
	return r->nregions;
}

const struct msnap_region_info *msnap_region(const struct msnap_reader *r,
					     uint32_t index)
{
	if (index >= r->nregions)
		return NULL;
	return &r->regions[index].info;
}

int64_t msnap_find_region(const struct msnap_reader *r, uint64_t addr)
{
	uint32_t lo = 0, hi = r->nsorted;

	while (lo < hi) {
		const uint32_t mid = lo + (hi - lo) / 2;
		const struct msnap_region_info *ri = &r->regions[r->by_start[mid]].info;

		if (addr < ri->start)
			hi = mid;
		else if (addr >= ri->end)
			lo = mid + 1;
		else
			return ri->index;
	}
	return -1;
}

uint64_t msnap_chunk_count(const struct msnap_reader *r)
{
	return r->nchunks;
}
