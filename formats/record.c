// SPDX-License-Identifier: MIT
/* record.c - checksums and framing shared by every .msnap record. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "layout.h"
#include "msnap.h"

uint64_t msnap_record_sum(const uint8_t *payload, size_t payload_len)
{
	return XXH3_64bits(payload, payload_len - REC_SUM_SIZE);
}

void msnap_record_seal(uint8_t *payload, size_t payload_len)
{
	put_le64(payload + payload_len - REC_SUM_SIZE,
		 msnap_record_sum(payload, payload_len));
}

void msnap_record_frame_header(uint8_t hdr[SKIP_HDR_SIZE], uint32_t n)
{
	put_le32(hdr, MSNAP_SKIP_MAGIC);
	put_le32(hdr + 4, n);
}

uint64_t msnap_page_hash(const void *page, size_t len)
{
	return XXH3_64bits(page, len);
}
