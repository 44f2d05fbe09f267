// SPDX-License-Identifier: MIT
/*
 * reader_trailer.c - open a complete snapshot through its trailer: the
 * trailer locates the index and the manifest; the index locates every
 * chunk and page table.  Only those records are read; chunk records are
 * read when a chunk is first used.
 */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "reader_int.h"

struct trailer {
	uint64_t offset, moff, mframe, ioff, iframe, nchunks;
	uint32_t nregions;
};

static int read_trailer(struct msnap_reader *r, struct trailer *t,
			struct msnap_error *err)
{
	const uint64_t size = r->info.file_size;
	uint8_t *p;
	size_t n;
	int ret;

	if (size < r->data_start + TRAILER_FRAME)
		return msnap_fail(err, MSNAP_E_TRUNCATED, (int64_t)size,
				  "no trailer: file ends after %llu bytes",
				  (unsigned long long)size);
	t->offset = size - TRAILER_FRAME;
	ret = msnap_rd_record(r, t->offset, TRAILER_FRAME, TAG_TRAILER,
			TRAILER_PAYLOAD, &p, &n, err);
	if (ret)
		return ret;
	ret = 0;
	if (get_le64(p + 88) != TRAILER_END_MAGIC)
		ret = msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)t->offset,
				 "trailer end magic is wrong");
	else if (get_le16(p + 4) != r->info.major)
		ret = msnap_fail(err, MSNAP_E_VERSION, (int64_t)t->offset,
				 "trailer version %u disagrees with header", get_le16(p + 4));
	else if (get_le32(p + 52))
		ret = msnap_fail(err, MSNAP_E_RESERVED, (int64_t)t->offset,
				 "trailer reserved field is set");
	t->moff = get_le64(p + 8);
	t->mframe = get_le64(p + 16);
	t->ioff = get_le64(p + 24);
	t->iframe = get_le64(p + 32);
	t->nchunks = get_le64(p + 40);
	t->nregions = get_le32(p + 48);
	memcpy(r->info.content_sha256, p + 56, 32);
	free(p);
	if (ret)
		return ret;
	/* the writer puts manifest, index and trailer back to back */
	if (t->moff < r->data_start || t->mframe > size || t->iframe > size ||
	    t->moff + t->mframe != t->ioff || t->ioff + t->iframe != t->offset)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)t->offset,
				  "trailer offsets are inconsistent");
	if (t->nchunks > MSNAP_MAX_CHUNKS || t->nregions > MSNAP_MAX_REGIONS)
		return msnap_fail(err, MSNAP_E_LIMIT, (int64_t)t->offset,
				  "trailer counts exceed the format limits");
	if (t->iframe != SKIP_HDR_SIZE + INDEX_FIXED + t->nchunks * INDEX_CHUNK_SIZE +
			 (uint64_t)t->nregions * INDEX_REGION_SIZE + REC_SUM_SIZE)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)t->offset,
				  "index size disagrees with the trailer's counts");
	return 0;
}

/* Largest zstd frame a chunk of MSNAP_MAX_CHUNK_RAW bytes can need. */
static uint64_t max_frame(void)
{
	return ZSTD_compressBound(MSNAP_MAX_CHUNK_RAW);
}

static int load_index_chunks(struct msnap_reader *r, const struct trailer *t,
			     const uint8_t *p, struct msnap_error *err)
{
	const uint64_t ps = r->info.page_size;
	uint64_t prev_end = r->data_start, i;
	int ret;

	for (i = 0; i < t->nchunks; i++) {
		const uint8_t *q = p + INDEX_FIXED + i * INDEX_CHUNK_SIZE;
		struct chunk_slot *c;
		uint64_t end;

		ret = msnap_rd_push_chunk(r, err);
		if (ret)
			return ret;
		c = &r->chunks[i];
		c->info.header_offset = get_le64(q);
		c->info.frame_size = get_le64(q + 8);
		c->info.raw_size = get_le64(q + 16);
		c->info.first_addr = get_le64(q + 24);
		c->info.end_addr = get_le64(q + 32);
		c->info.region = get_le32(q + 40);
		c->header_frame = get_le32(q + 44);
		c->info.frame_offset = c->info.header_offset + c->header_frame;
		end = c->info.frame_offset + c->info.frame_size;
		if (c->info.header_offset < prev_end ||
		    c->header_frame < SKIP_HDR_SIZE + CHUNK_FIXED + CHUNK_RUN_SIZE + REC_SUM_SIZE ||
		    c->header_frame > SKIP_HDR_SIZE + CHUNK_FIXED +
				      MSNAP_MAX_RUNS * CHUNK_RUN_SIZE + REC_SUM_SIZE ||
		    c->info.frame_size == 0 || c->info.frame_size > max_frame() ||
		    c->info.header_offset > t->moff || end > t->moff ||
		    end < c->info.header_offset)
			return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)(t->ioff),
					  "index entry %llu points outside the data area "
					  "or overlaps its neighbour", (unsigned long long)i);
		if (c->info.raw_size == 0 || c->info.raw_size > MSNAP_MAX_CHUNK_RAW ||
		    c->info.raw_size % ps || c->info.first_addr % ps ||
		    c->info.end_addr % ps ||
		    (c->info.region >= t->nregions &&
		     !(c->info.region == MSNAP_REGION_NONE &&
		       (r->info.flags & MSNAP_HDR_PRECOPY))))
			return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)(t->ioff),
					  "index entry %llu has bad sizes or region",
					  (unsigned long long)i);
		prev_end = end;
	}
	return 0;
}

static int load_tables(struct msnap_reader *r, const struct trailer *t,
		       const uint8_t *p, struct msnap_error *err)
{
	const uint8_t *q = p + INDEX_FIXED + t->nchunks * INDEX_CHUNK_SIZE;
	uint32_t i;
	int ret;

	if (t->nregions) {
		ret = msnap_rd_region_slot(r, t->nregions - 1, err);
		if (ret)
			return ret;
	}
	for (i = 0; i < t->nregions; i++, q += INDEX_REGION_SIZE) {
		const uint64_t off = get_le64(q);
		const uint32_t frame = get_le32(q + 8);
		uint8_t *pt;
		size_t n;

		if (off < r->data_start || frame > t->moff || off > t->moff - frame ||
		    get_le32(q + 12))
			return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)t->ioff,
					  "index: page table of region %u is out of bounds", i);
		ret = msnap_rd_record(r, off, frame, TAG_PAGES, frame, &pt, &n, err);
		if (ret)
			return ret;
		ret = msnap_rd_parse_pages(r, pt, n, off, &r->regions[i], err);
		free(pt);
		if (ret)
			return ret;
	}
	return 0;
}

int msnap_rd_open_trailer(struct msnap_reader *r, struct msnap_error *err)
{
	struct trailer t = { 0 };
	uint8_t *p = NULL;
	size_t n;
	int ret;

	ret = read_trailer(r, &t, err);
	if (ret)
		return ret;
	ret = msnap_rd_record(r, t.ioff, t.iframe, TAG_INDEX, t.iframe, &p, &n, err);
	if (ret)
		return ret;
	if (get_le64(p + 4) != t.nchunks || get_le32(p + 12) != t.nregions ||
	    get_le32(p + 16)) {
		ret = msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)t.ioff,
				 "index counts disagree with the trailer");
		goto out;
	}
	ret = load_index_chunks(r, &t, p, err);
	if (!ret)
		ret = load_tables(r, &t, p, err);
	free(p);
	p = NULL;
	if (ret)
		goto out;
	ret = msnap_rd_record(r, t.moff, t.mframe, TAG_MANIFEST, t.mframe, &p, &n, err);
	if (!ret)
		ret = msnap_rd_parse_manifest(r, p, n, t.moff, err);
	if (!ret)
		ret = msnap_rd_finalize(r, err);
	if (!ret) {
		r->info.complete = true;
		r->info.valid_end = r->info.file_size;
		r->info.trailer_offset = t.offset;
	}
out:
	free(p);
	if (ret)
		msnap_rd_reset(r);
	return ret;
}
