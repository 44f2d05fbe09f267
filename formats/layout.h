/* SPDX-License-Identifier: MIT */
/*
 * layout.h - byte layout of .msnap records, shared by writer and reader.
 * FORMAT.md is the normative text; every offset here is named there.
 * All integers are little-endian; nothing is ever cast onto file bytes.
 */
#ifndef MSNAP_LAYOUT_H
#define MSNAP_LAYOUT_H

#include <stdint.h>
#include <string.h>

/* zstd skippable frame magic used for every memsnap record (RFC 8878 4.2). */
#define MSNAP_SKIP_MAGIC   0x184D2A5Du
#define ZSTD_FRAME_MAGIC   0xFD2FB528u
#define SKIP_HDR_SIZE      8u            /* magic + frame size */
#define REC_SUM_SIZE       8u            /* XXH3-64 at the end of each record */

/* Record tags: the first 4 payload bytes, read as a little-endian u32. */
#define TAG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | \
			 (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define TAG_HEADER    TAG('M', 'S', 'H', 'D')
#define TAG_CHUNK     TAG('M', 'S', 'C', 'K')
#define TAG_PAGES     TAG('M', 'S', 'P', 'T')
#define TAG_MANIFEST  TAG('M', 'S', 'M', 'F')
#define TAG_INDEX     TAG('M', 'S', 'I', 'X')
#define TAG_TRAILER   TAG('M', 'S', 'T', 'R')
#define TAG_ADOPT     TAG('M', 'S', 'A', 'D')   /* 2.0 */
#define TAG_PARENT    TAG('M', 'S', 'P', 'A')   /* 2.1 */

/* HEADER payload */
#define HDR_PAYLOAD        52u
/* CHUNK payload: fixed part, then runs of 16 bytes, then the checksum */
#define CHUNK_FIXED        56u
#define CHUNK_RUN_SIZE     16u
#define CHUNK_FLAG_PRECOPY 0x1u          /* 2.0: Flags at offset 52 */
/* PARENT payload (2.1): tag, name length, capture id, file SHA-256, name, checksum */
#define PARENT_FIXED       56u
/* ADOPT payload (2.0): tag, region, first chunk, chunk count, checksum */
#define ADOPT_PAYLOAD      32u
/* PAGES payload: fixed part, runs of 24 bytes, u64 count, hashes, checksum */
#define PAGES_FIXED        96u
#define PAGES_RUN_SIZE     24u
/* MANIFEST payload: fixed part, then the (compressed) YAML, checksum */
#define MANIFEST_FIXED     20u
#define MANIFEST_ZSTD      1u
/* INDEX payload: fixed, chunk entries, region entries, checksum */
#define INDEX_FIXED        20u
#define INDEX_CHUNK_SIZE   48u
#define INDEX_REGION_SIZE  16u
/* TRAILER payload and the whole trailer frame, always the last bytes */
#define TRAILER_PAYLOAD    104u
#define TRAILER_FRAME      (SKIP_HDR_SIZE + TRAILER_PAYLOAD)
#define TRAILER_END_MAGIC  0x444e4550414e534dull   /* "MSNAPEND" */

/* Largest skippable frame payload we write or accept (u32 size field). */
#define MAX_RECORD_PAYLOAD 0xfffffff0u

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* XXH3-64 of the whole payload but its last 8 bytes (record checksum). */
uint64_t msnap_record_sum(const uint8_t *payload, size_t payload_len);
/* Write the checksum into the last 8 bytes of the payload. */
void msnap_record_seal(uint8_t *payload, size_t payload_len);
/* Skippable frame header for a payload of n bytes. */
void msnap_record_frame_header(uint8_t hdr[SKIP_HDR_SIZE], uint32_t n);

#endif
