// SPDX-License-Identifier: MIT
/*
 * reader_scan.c - open a snapshot without its trailer (cut short by a
 * killed capture or a full disk) by walking its frames from the front.
 * The walk stops at the first record that is incomplete or damaged; what
 * came before it is trusted as far as its checksums go, nothing after it
 * is guessed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "reader_int.h"

#define FOREIGN_SKIP_MASK 0xFFFFFFF0u
#define FOREIGN_SKIP      0x184D2A50u

static void stop(struct msnap_reader *r, uint64_t off, const char *why)
{
	r->info.valid_end = off;
	snprintf(r->info.stop_reason, sizeof(r->info.stop_reason), "%s", why);
}

/* Check the zstd frame after a chunk record: present whole, sizes agree. */
static int check_frame(struct msnap_reader *r, const struct chunk_slot *c,
		       struct msnap_error *err)
{
	const uint64_t off = c->info.frame_offset;
	uint8_t head[ZSTD_FRAMEHEADERSIZE_MAX];
	ZSTD_frameHeader zfh;
	size_t n = sizeof(head);

	if (off > r->info.file_size || c->info.frame_size > r->info.file_size - off)
		return msnap_fail(err, MSNAP_E_TRUNCATED, (int64_t)off,
				  "data frame of chunk %llu is cut short",
				  (unsigned long long)c->info.seq);
	if (n > c->info.frame_size)
		n = (size_t)c->info.frame_size;
	if (msnap_rd_pread(r, head, n, off, err))
		return -MSNAP_E_TRUNCATED;
	if (ZSTD_getFrameHeader(&zfh, head, n) != 0 || zfh.frameType != ZSTD_frame ||
	    zfh.frameContentSize != c->info.raw_size || !zfh.checksumFlag ||
	    !rd_window_ok(&zfh))
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "data frame of chunk %llu has a bad header",
				  (unsigned long long)c->info.seq);
	return 0;
}

static int scan_chunk(struct msnap_reader *r, const uint8_t *p, size_t n,
		      uint64_t off, struct msnap_error *err)
{
	struct chunk_slot *c;
	int ret;

	ret = msnap_rd_push_chunk(r, err);
	if (ret)
		return ret;
	c = &r->chunks[r->nchunks - 1];
	ret = msnap_rd_parse_chunk(r, p, n, off, c, err);
	if (!ret && c->info.seq != r->nchunks - 1)
		ret = msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				 "chunk %llu found where chunk %llu was expected",
				 (unsigned long long)c->info.seq,
				 (unsigned long long)(r->nchunks - 1));
	if (!ret && c->info.frame_size > ZSTD_compressBound(MSNAP_MAX_CHUNK_RAW))
		ret = msnap_fail(err, MSNAP_E_LIMIT, (int64_t)off, "chunk frame too large");
	if (!ret) {
		c->info.seq = r->nchunks - 1;
		ret = check_frame(r, c, err);
	}
	if (ret) {
		free(c->runs);
		free(c->run_pos);
		r->nchunks--;
	}
	return ret;
}

static int scan_pages(struct msnap_reader *r, const uint8_t *p, size_t n,
		      uint64_t off, struct msnap_error *err)
{
	const uint32_t index = get_le32(p + 4);
	int ret = msnap_rd_region_slot(r, index, err);

	if (ret)
		return ret;
	return msnap_rd_parse_pages(r, p, n, off, &r->regions[index], err);
}

/* 2.0: remember which pre-copied chunks a region adopted. */
static int scan_adopt(struct msnap_reader *r, const uint8_t *p, size_t n,
		      uint64_t off, struct msnap_error *err)
{
	void *v;

	if (n != ADOPT_PAYLOAD || !(r->info.flags & MSNAP_HDR_PRECOPY))
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "unexpected adoption record");
	if (r->nadopts >= MSNAP_MAX_REGIONS)
		return msnap_fail(err, MSNAP_E_LIMIT, (int64_t)off,
				  "too many adoption records");
	v = reallocarray(r->adopts, r->nadopts + 1, sizeof(*r->adopts));
	if (!v)
		return msnap_fail(err, MSNAP_E_NOMEM, (int64_t)off, "out of memory");
	r->adopts = v;
	r->adopts[r->nadopts++] = (struct adopt_rec){
		get_le32(p + 4), get_le64(p + 8), get_le64(p + 16)
	};
	return 0;
}

/* One record at off; *next receives where the following frame starts. */
static int scan_record(struct msnap_reader *r, uint64_t off, uint32_t size,
		       uint64_t *next, struct msnap_error *err)
{
	uint8_t tagb[4];
	uint8_t *p;
	size_t n;
	uint32_t tag;
	int ret;

	*next = off + SKIP_HDR_SIZE + size;
	if (size < 4)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off, "empty record");
	ret = msnap_rd_pread(r, tagb, 4, off + SKIP_HDR_SIZE, err);
	if (ret)
		return ret;
	tag = get_le32(tagb);
	if (tag == TAG_INDEX)
		return 0;      /* rebuilt from the chunks themselves */
	if (tag == TAG_TRAILER)
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "trailer is damaged");
	if (tag != TAG_CHUNK && tag != TAG_PAGES && tag != TAG_MANIFEST &&
	    tag != TAG_ADOPT)
		return tag == TAG_HEADER ?
		       msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off, "second header") :
		       0;      /* a later minor version's record: skip it */
	ret = msnap_rd_record(r, off, (uint64_t)size + SKIP_HDR_SIZE, tag, size, &p, &n, err);
	if (ret)
		return ret;
	if (tag == TAG_CHUNK) {
		ret = scan_chunk(r, p, n, off, err);
		if (!ret)
			*next = r->chunks[r->nchunks - 1].info.frame_offset +
				r->chunks[r->nchunks - 1].info.frame_size;
	} else if (tag == TAG_PAGES) {
		ret = scan_pages(r, p, n, off, err);
	} else if (tag == TAG_ADOPT) {
		ret = scan_adopt(r, p, n, off, err);
	} else {
		ret = msnap_rd_parse_manifest(r, p, n, off, err);
	}
	free(p);
	return ret;
}

int msnap_rd_scan(struct msnap_reader *r, struct msnap_error *err)
{
	const uint64_t size = r->info.file_size;
	uint64_t off = r->data_start;
	struct msnap_error e;

	msnap_rd_reset(r);
	r->info.recovered = true;
	r->info.complete = false;
	r->info.stop_reason[0] = '\0';
	r->info.valid_end = size;
	while (off < size) {
		uint8_t hdr[SKIP_HDR_SIZE];
		uint64_t next;
		uint32_t magic;

		if (size - off < SKIP_HDR_SIZE) {
			stop(r, off, "file ends inside a frame header");
			break;
		}
		if (msnap_rd_pread(r, hdr, sizeof(hdr), off, &e)) {
			stop(r, off, e.msg);
			break;
		}
		magic = get_le32(hdr);
		if (magic == MSNAP_SKIP_MAGIC) {
			if (scan_record(r, off, get_le32(hdr + 4), &next, &e)) {
				stop(r, off, e.msg);
				break;
			}
		} else if ((magic & FOREIGN_SKIP_MASK) == FOREIGN_SKIP) {
			next = off + SKIP_HDR_SIZE + get_le32(hdr + 4);
		} else {
			snprintf(e.msg, sizeof(e.msg),
				 "at offset %llu: unexpected bytes (magic 0x%08x)",
				 (unsigned long long)off, magic);
			stop(r, off, e.msg);
			break;
		}
		if (next > size) {
			stop(r, off, "last frame is cut short");
			break;
		}
		off = next;
	}
	/* regions whose page table was lost keep only what their chunks show */
	return msnap_rd_finalize(r, err);
}
