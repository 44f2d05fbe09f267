// SPDX-License-Identifier: MIT
/* writer_finish.c - the manifest, the index and the trailer: the file's end. */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "layout.h"
#include "writer_int.h"

#define MANIFEST_LEVEL 3

static int write_manifest(struct msnap_writer *w, const char *yaml, size_t len,
			  uint64_t *offset, uint64_t *frame,
			  struct msnap_error *err)
{
	const size_t bound = ZSTD_compressBound(len);
	uint8_t *p;
	size_t c, plen;
	int ret;

	if (len > MSNAP_MAX_MANIFEST)
		return msnap_fail(err, MSNAP_E_LIMIT, -1,
				  "manifest of %zu bytes is too large", len);
	p = malloc(MANIFEST_FIXED + bound + REC_SUM_SIZE);
	if (!p)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	c = ZSTD_compress(p + MANIFEST_FIXED, bound, yaml, len, MANIFEST_LEVEL);
	if (ZSTD_isError(c)) {
		free(p);
		return msnap_fail(err, MSNAP_E_ZSTD, -1, "manifest: %s",
				  ZSTD_getErrorName(c));
	}
	put_le32(p, TAG_MANIFEST);
	put_le32(p + 4, MANIFEST_ZSTD);
	put_le64(p + 8, len);
	put_le32(p + 16, 0);
	plen = MANIFEST_FIXED + c + REC_SUM_SIZE;
	*offset = w->offset;
	*frame = SKIP_HDR_SIZE + plen;
	ret = msnap_wr_emit_record(w, p, plen, err);
	free(p);
	return ret;
}

static int write_index(struct msnap_writer *w, uint64_t *offset,
		       uint64_t *frame, struct msnap_error *err)
{
	const uint64_t plen = INDEX_FIXED + w->nindex * INDEX_CHUNK_SIZE +
			      w->nregions * INDEX_REGION_SIZE + REC_SUM_SIZE;
	uint8_t *p, *q;
	uint64_t i;
	int ret;

	if (plen > MAX_RECORD_PAYLOAD)
		return msnap_fail(err, MSNAP_E_LIMIT, -1, "index too large");
	p = calloc(1, plen);
	if (!p)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	put_le32(p, TAG_INDEX);
	put_le64(p + 4, w->nindex);
	put_le32(p + 12, (uint32_t)w->nregions);
	q = p + INDEX_FIXED;
	for (i = 0; i < w->nindex; i++, q += INDEX_CHUNK_SIZE) {
		const struct index_entry *e = &w->index[i];

		put_le64(q, e->header_offset);
		put_le64(q + 8, e->frame_size);
		put_le64(q + 16, e->raw_size);
		put_le64(q + 24, e->first_addr);
		put_le64(q + 32, e->end_addr);
		put_le32(q + 40, e->region);
		put_le32(q + 44, e->header_frame);
	}
	for (i = 0; i < w->nregions; i++, q += INDEX_REGION_SIZE) {
		put_le64(q, w->regions[i].pages_offset);
		put_le32(q + 8, w->regions[i].pages_frame);
	}
	*offset = w->offset;
	*frame = SKIP_HDR_SIZE + plen;
	ret = msnap_wr_emit_record(w, p, (size_t)plen, err);
	free(p);
	return ret;
}

int msnap_writer_finish(struct msnap_writer *w, const char *manifest,
			size_t manifest_len, uint8_t file_sha256[32],
			struct msnap_error *err)
{
	uint8_t t[TRAILER_PAYLOAD] = { 0 };
	uint64_t moff = 0, mframe = 0, ioff = 0, iframe = 0;
	int ret;

	if (w->cur_region >= 0)
		return msnap_fail(err, MSNAP_E_STATE, -1, "region still open");
	ret = msnap_writer_sync(w, err);
	if (!ret && w->holding)
		ret = msnap_wr_hold_release(w, err);
	if (ret)
		return ret;
	ret = write_manifest(w, manifest, manifest_len, &moff, &mframe, err);
	if (!ret)
		ret = write_index(w, &ioff, &iframe, err);
	if (ret)
		return ret;

	put_le32(t, TAG_TRAILER);
	put_le16(t + 4, w->major);
	put_le16(t + 6, w->minor);
	put_le64(t + 8, moff);
	put_le64(t + 16, mframe);
	put_le64(t + 24, ioff);
	put_le64(t + 32, iframe);
	put_le64(t + 40, w->nindex);
	put_le32(t + 48, (uint32_t)w->nregions);
	if (msnap_sha256_peek(&w->file_sha, t + 56))
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	put_le64(t + 88, TRAILER_END_MAGIC);
	ret = msnap_wr_emit_record(w, t, sizeof(t), err);
	if (ret)
		return ret;
	if (file_sha256 && msnap_sha256_final(&w->file_sha, file_sha256))
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	w->broken = true;   /* nothing may follow the trailer */
	return 0;
}
