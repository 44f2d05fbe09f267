// SPDX-License-Identifier: MIT
/*
 * reader_parse.c - read and check single records.  The file is hostile:
 * every size, count and offset is checked against the file and the format
 * limits before it is used, and every error names the offset.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout.h"
#include "reader_int.h"

int msnap_rd_pread(struct msnap_reader *r, void *buf, size_t len, uint64_t off,
	     struct msnap_error *err)
{
	uint8_t *p = buf;

	if (off > r->info.file_size || len > r->info.file_size - off)
		return msnap_fail(err, MSNAP_E_TRUNCATED, (int64_t)off,
				  "%zu bytes needed, file ends at %llu", len,
				  (unsigned long long)r->info.file_size);
	while (len) {
		ssize_t n = pread(r->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return msnap_fail_errno(err, "read at offset %llu",
						(unsigned long long)off);
		if (n == 0)
			return msnap_fail(err, MSNAP_E_TRUNCATED, (int64_t)off,
					  "unexpected end of file");
		__atomic_fetch_add(&r->bytes_read, (uint64_t)n, __ATOMIC_RELAXED);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static const char *tag_name(uint32_t tag)
{
	switch (tag) {
	case TAG_HEADER: return "header";
	case TAG_CHUNK: return "chunk";
	case TAG_PAGES: return "page table";
	case TAG_MANIFEST: return "manifest";
	case TAG_INDEX: return "index";
	case TAG_TRAILER: return "trailer";
	case TAG_PARENT: return "parent record";
	default: return "record";
	}
}

int msnap_rd_record(struct msnap_reader *r, uint64_t off, uint64_t frame_size,
	      uint32_t tag, uint64_t max_payload, uint8_t **payload,
	      size_t *len, struct msnap_error *err)
{
	uint8_t hdr[SKIP_HDR_SIZE];
	uint64_t n;
	uint8_t *p;
	int ret;

	*payload = NULL;
	ret = msnap_rd_pread(r, hdr, sizeof(hdr), off, err);
	if (ret)
		return ret;
	if (get_le32(hdr) != MSNAP_SKIP_MAGIC)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "%s expected, found magic 0x%08x", tag_name(tag),
				  get_le32(hdr));
	n = get_le32(hdr + 4);
	if (frame_size && n + SKIP_HDR_SIZE != frame_size)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "%s frame is %llu bytes, index says %llu",
				  tag_name(tag), (unsigned long long)(n + SKIP_HDR_SIZE),
				  (unsigned long long)frame_size);
	if (n < 4 + REC_SUM_SIZE || n > max_payload)
		return msnap_fail(err, MSNAP_E_LIMIT, (int64_t)off,
				  "%s size %llu out of bounds", tag_name(tag),
				  (unsigned long long)n);
	if (off + SKIP_HDR_SIZE + n > r->info.file_size)
		return msnap_fail(err, MSNAP_E_TRUNCATED, (int64_t)off,
				  "%s of %llu bytes runs past the end of the file",
				  tag_name(tag), (unsigned long long)n);
	p = malloc(n);
	if (!p)
		return msnap_fail(err, MSNAP_E_NOMEM, (int64_t)off, "out of memory");
	ret = msnap_rd_pread(r, p, n, off + SKIP_HDR_SIZE, err);
	if (ret)
		goto fail;
	if (get_le32(p) != tag) {
		ret = msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				 "%s expected, found tag 0x%08x", tag_name(tag),
				 get_le32(p));
		goto fail;
	}
	if (msnap_record_sum(p, n) != get_le64(p + n - REC_SUM_SIZE)) {
		ret = msnap_fail(err, MSNAP_E_CHECKSUM, (int64_t)off,
				 "%s checksum mismatch", tag_name(tag));
		goto fail;
	}
	*payload = p;
	*len = n;
	return 0;
fail:
	free(p);
	return ret;
}

int msnap_rd_header(struct msnap_reader *r, struct msnap_error *err)
{
	struct msnap_file_info *fi = &r->info;
	uint8_t *p;
	size_t n;
	int ret;

	if (fi->file_size < SKIP_HDR_SIZE + HDR_PAYLOAD)
		return msnap_fail(err, MSNAP_E_BAD_MAGIC, 0,
				  "file of %llu bytes is too short to be a snapshot",
				  (unsigned long long)fi->file_size);
	{
		uint8_t head[16];

		ret = msnap_rd_pread(r, head, sizeof(head), 0, err);
		if (ret)
			return ret;
		if (get_le32(head) != MSNAP_SKIP_MAGIC ||
		    get_le32(head + 8) != TAG_HEADER)
			return msnap_fail(err, MSNAP_E_BAD_MAGIC, 0,
					  "not a memsnap snapshot (bad magic)");
		/*
		 * The version first: a later major version may lay out its
		 * header differently, so it must be refused as such, not as a
		 * checksum mismatch.
		 */
		if (get_le16(head + 12) < MSNAP_FORMAT_MAJOR_MIN ||
		    get_le16(head + 12) > MSNAP_FORMAT_MAJOR)
			return msnap_fail(err, MSNAP_E_VERSION, 12,
					  "format version %u.%u; this reader reads %u.x to %u.x",
					  get_le16(head + 12), get_le16(head + 14),
					  MSNAP_FORMAT_MAJOR_MIN, MSNAP_FORMAT_MAJOR);
	}
	ret = msnap_rd_record(r, 0, SKIP_HDR_SIZE + HDR_PAYLOAD, TAG_HEADER,
			HDR_PAYLOAD, &p, &n, err);
	if (ret)
		return ret;
	fi->major = get_le16(p + 4);
	fi->minor = get_le16(p + 6);
	fi->flags = get_le32(p + 8);
	fi->page_size = get_le32(p + 12);
	memcpy(fi->capture_id, p + 20, 16);
	fi->created_ns = get_le64(p + 36);
	ret = 0;
	if (fi->major < MSNAP_FORMAT_MAJOR_MIN || fi->major > MSNAP_FORMAT_MAJOR)
		ret = msnap_fail(err, MSNAP_E_VERSION, 4,
				 "format version %u.%u; this reader reads %u.x to %u.x",
				 fi->major, fi->minor, MSNAP_FORMAT_MAJOR_MIN,
				 MSNAP_FORMAT_MAJOR);
	else if (fi->flags & ~(MSNAP_HDR_LAYOUT_ONLY | MSNAP_HDR_LIVE |
			       (fi->major >= 2 ? MSNAP_HDR_PRECOPY |
				MSNAP_HDR_INCREMENTAL : 0)))
		ret = msnap_fail(err, MSNAP_E_RESERVED, 8,
				 "unknown header flags 0x%x", fi->flags);
	else if (get_le32(p + 16))
		ret = msnap_fail(err, MSNAP_E_RESERVED, 16, "reserved header field is set");
	else if (fi->page_size < MSNAP_MIN_PAGE_SIZE ||
		 fi->page_size > MSNAP_MAX_PAGE_SIZE ||
		 (fi->page_size & (fi->page_size - 1)))
		ret = msnap_fail(err, MSNAP_E_CORRUPT, 12, "bad page size %u",
				 fi->page_size);
	free(p);
	r->data_start = SKIP_HDR_SIZE + HDR_PAYLOAD;
	if (!ret && (fi->flags & MSNAP_HDR_INCREMENTAL))
		ret = msnap_rd_parse_parent(r, err);
	return ret;
}

int msnap_rd_parse_chunk(struct msnap_reader *r, const uint8_t *p, size_t len,
		   uint64_t off, struct chunk_slot *c, struct msnap_error *err)
{
	const uint64_t ps = r->info.page_size;
	const uint32_t nruns = len >= CHUNK_FIXED ? get_le32(p + 48) : 0;
	uint64_t region_pages, total = 0, prev_end = 0;
	uint64_t start, end;
	uint32_t i;

	if (len < CHUNK_FIXED + REC_SUM_SIZE || nruns == 0 ||
	    nruns > MSNAP_MAX_RUNS ||
	    len != CHUNK_FIXED + (size_t)nruns * CHUNK_RUN_SIZE + REC_SUM_SIZE)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "chunk record has a bad run count %u", nruns);
	start = get_le64(p + 16);
	end = get_le64(p + 24);
	c->info.region = get_le32(p + 4);
	c->info.seq = get_le64(p + 8);
	c->info.frame_size = get_le64(p + 32);
	c->info.raw_size = get_le64(p + 40);
	/* 2.0: Flags; pre-copied chunks name no region of their own */
	c->info.precopy = get_le32(p + 52) == CHUNK_FLAG_PRECOPY &&
			  (r->info.flags & MSNAP_HDR_PRECOPY);
	if (get_le32(p + 52) && !c->info.precopy)
		return msnap_fail(err, MSNAP_E_RESERVED, (int64_t)off,
				  "chunk reserved field is set");
	if (c->info.precopy != (c->info.region == MSNAP_REGION_NONE) ||
	    (!c->info.precopy && c->info.region >= MSNAP_MAX_REGIONS) ||
	    start >= end ||
	    start % ps || end % ps)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "chunk names a bad region %u [0x%llx, 0x%llx)",
				  c->info.region, (unsigned long long)start,
				  (unsigned long long)end);
	if (c->info.raw_size == 0 || c->info.raw_size > MSNAP_MAX_CHUNK_RAW ||
	    c->info.raw_size % ps || c->info.frame_size == 0 ||
	    c->info.frame_size > r->info.file_size)
		return msnap_fail(err, MSNAP_E_LIMIT, (int64_t)off,
				  "chunk sizes out of bounds (raw %llu, frame %llu)",
				  (unsigned long long)c->info.raw_size,
				  (unsigned long long)c->info.frame_size);
	region_pages = (end - start) / ps;
	c->runs = malloc(nruns * sizeof(*c->runs));
	c->run_pos = malloc(nruns * sizeof(*c->run_pos));
	if (!c->runs || !c->run_pos)
		goto nomem;
	for (i = 0; i < nruns; i++) {
		const uint8_t *q = p + CHUNK_FIXED + (size_t)i * CHUNK_RUN_SIZE;
		const uint64_t first = get_le64(q), count = get_le64(q + 8);

		if (count == 0 || first >= region_pages ||
		    count > region_pages - first || (i && first < prev_end) ||
		    count > MSNAP_MAX_CHUNK_RAW / ps - total)
			goto bad_run;
		c->runs[i] = (struct msnap_run){ first, count, MSNAP_PAGE_DATA };
		c->run_pos[i] = total;
		prev_end = first + count;
		total += count;
	}
	if (total * ps != c->info.raw_size)
		goto bad_run;
	c->info.runs = c->runs;
	c->info.nruns = nruns;
	c->info.first_addr = start + c->runs[0].first * ps;
	c->info.end_addr = start + prev_end * ps;
	c->info.header_offset = off;
	c->header_frame = (uint32_t)(SKIP_HDR_SIZE + len);
	c->info.frame_offset = off + SKIP_HDR_SIZE + len;
	c->loaded = true;
	c->rec_start = start;
	if (c->info.precopy)
		return 0;
	return msnap_rd_region_bounds(r, c->info.region, start, end, off, err);
nomem:
	free(c->runs);
	free(c->run_pos);
	c->runs = NULL;
	c->run_pos = NULL;
	return msnap_fail(err, MSNAP_E_NOMEM, (int64_t)off, "out of memory");
bad_run:
	free(c->runs);
	free(c->run_pos);
	c->runs = NULL;
	c->run_pos = NULL;
	return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
			  "chunk run %u is out of order, out of its region or "
			  "disagrees with the chunk size", i);
}

int msnap_rd_parse_pages(struct msnap_reader *r, const uint8_t *p, size_t len,
		   uint64_t off, struct region_slot *reg, struct msnap_error *err)
{
	const uint64_t ps = r->info.page_size;
	struct msnap_region_info *ri = &reg->info;
	uint64_t nruns, nhashes, npages, covered = 0, data = 0, i;

	if (len < PAGES_FIXED + REC_SUM_SIZE || get_le32(p + 4) != ri->index)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "page table too short or for the wrong region");
	{
		int ret = msnap_rd_region_bounds(r, ri->index, get_le64(p + 8),
					   get_le64(p + 16), off, err);

		if (ret)
			return ret;
	}
	ri->chunks = (uint32_t)get_le64(p + 24);
	ri->stored_bytes = get_le64(p + 32);
	ri->compressed_bytes = get_le64(p + 40);
	memcpy(ri->sha256, p + 48, 32);
	nruns = get_le32(p + 80);
	nhashes = get_le64(p + 88);
	if (get_le32(p + 84))
		return msnap_fail(err, MSNAP_E_RESERVED, (int64_t)off,
				  "page table reserved field is set");
	if (ri->start >= ri->end || ri->start % ps || ri->end % ps)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "page table has a bad range [0x%llx, 0x%llx)",
				  (unsigned long long)ri->start,
				  (unsigned long long)ri->end);
	if (reg->runs)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "second page table for region %u", ri->index);
	if (nruns > (len - PAGES_FIXED - REC_SUM_SIZE) / PAGES_RUN_SIZE ||
	    nhashes > (len - PAGES_FIXED - REC_SUM_SIZE) / 8 ||
	    len != PAGES_FIXED + nruns * PAGES_RUN_SIZE + nhashes * 8 + REC_SUM_SIZE)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "page table counts (%llu runs, %llu hashes) do not "
				  "match its size", (unsigned long long)nruns,
				  (unsigned long long)nhashes);
	npages = (ri->end - ri->start) / ps;
	reg->runs = malloc((nruns ? nruns : 1) * sizeof(*reg->runs));
	reg->hash_base = malloc((nruns ? nruns : 1) * sizeof(*reg->hash_base));
	reg->hashes = malloc((nhashes ? nhashes : 1) * sizeof(*reg->hashes));
	if (!reg->runs || !reg->hashes || !reg->hash_base)
		return msnap_fail(err, MSNAP_E_NOMEM, (int64_t)off, "out of memory");
	memset(ri->pages, 0, sizeof(ri->pages));
	for (i = 0; i < nruns; i++) {
		const uint8_t *q = p + PAGES_FIXED + i * PAGES_RUN_SIZE;
		struct msnap_run *run = &reg->runs[i];

		run->first = get_le64(q);
		run->count = get_le64(q + 8);
		run->state = q[16];
		if (run->first != covered || run->count == 0 ||
		    run->count > npages - covered ||
		    run->state >= MSNAP_PAGE_NSTATES ||
		    (run->state == MSNAP_PAGE_PARENT && !r->incremental))
			return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
					  "page table run %llu is not contiguous or "
					  "has a bad state", (unsigned long long)i);
		reg->hash_base[i] = data;
		if (run->state == MSNAP_PAGE_DATA)
			data += run->count;
		ri->pages[run->state] += run->count;
		covered += run->count;
	}
	if (covered != npages || data != nhashes ||
	    ri->stored_bytes != data * ps)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "page table covers %llu of %llu pages, %llu data "
				  "pages for %llu hashes",
				  (unsigned long long)covered,
				  (unsigned long long)npages,
				  (unsigned long long)data,
				  (unsigned long long)nhashes);
	for (i = 0; i < nhashes; i++)
		reg->hashes[i] = get_le64(p + PAGES_FIXED + nruns * PAGES_RUN_SIZE + i * 8);
	memcpy(ri->own_pages, ri->pages, sizeof(ri->pages));
	ri->runs = reg->runs;
	ri->nruns = nruns;
	reg->nruns = nruns;
	ri->hashes = reg->hashes;
	ri->nhashes = nhashes;
	ri->has_table = true;
	return 0;
}

int msnap_rd_parse_manifest(struct msnap_reader *r, const uint8_t *p, size_t len,
		      uint64_t off, struct msnap_error *err)
{
	const uint64_t raw = get_le64(p + 8);
	const uint8_t *z = p + MANIFEST_FIXED;
	ZSTD_frameHeader zfh;
	unsigned long long fcs;
	size_t zlen, got;

	if (len < MANIFEST_FIXED + REC_SUM_SIZE)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "manifest record too short");
	zlen = len - MANIFEST_FIXED - REC_SUM_SIZE;
	if (get_le32(p + 4) != MANIFEST_ZSTD || get_le32(p + 16))
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "manifest has unknown encoding %u", get_le32(p + 4));
	if (raw > MSNAP_MAX_MANIFEST)
		return msnap_fail(err, MSNAP_E_LIMIT, (int64_t)off,
				  "manifest of %llu bytes exceeds the limit",
				  (unsigned long long)raw);
	fcs = ZSTD_getFrameContentSize(z, zlen);
	if (fcs != raw)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "manifest frame size disagrees with its record");
	if (ZSTD_getFrameHeader(&zfh, z, zlen) != 0 || !rd_window_ok(&zfh))
		return msnap_fail(err, MSNAP_E_LIMIT, (int64_t)off,
				  "manifest frame claims a zstd window over 32 MiB");
	free(r->manifest);
	r->manifest = malloc(raw + 1);
	if (!r->manifest)
		return msnap_fail(err, MSNAP_E_NOMEM, (int64_t)off, "out of memory");
	got = ZSTD_decompress(r->manifest, raw, z, zlen);
	if (ZSTD_isError(got) || got != raw) {
		free(r->manifest);
		r->manifest = NULL;
		return msnap_fail(err, MSNAP_E_ZSTD, (int64_t)off,
				  "manifest does not decompress: %s",
				  ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short");
	}
	r->manifest[raw] = '\0';
	r->manifest_len = raw;
	return 0;
}
