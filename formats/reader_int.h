/* SPDX-License-Identifier: MIT */
/* reader_int.h - state shared by the reader's files (not a public API). */
#ifndef MSNAP_READER_INT_H
#define MSNAP_READER_INT_H

#define ZSTD_STATIC_LINKING_ONLY  /* ZSTD_getFrameHeader: frame checks on hostile input */
#include <zstd.h>
#include <zstd_errors.h>

#include "msnap.h"

/* FORMAT.md 7: a larger zstd window can only be a decompression bomb. */
#define RD_MAX_WINDOW (32ull << 20)

/*
 * The window a frame header claims is within the limit.  A single-segment
 * frame's window is its content size, which the caller bounds itself.
 * (The one-shot decoder ignores ZSTD_d_windowLogMax, so check here.)
 */
static inline bool rd_window_ok(const ZSTD_frameHeader *h)
{
	return h->windowSize <= RD_MAX_WINDOW ||
	       h->windowSize <= h->frameContentSize;
}

struct chunk_slot {
	struct msnap_chunk_info info;
	uint32_t header_frame;       /* bytes of its CHUNK record frame */
	bool loaded;                 /* runs read and checked */
	uint64_t rec_start;          /* Region_Start of its record, once loaded */
	struct msnap_run *runs;      /* owned */
	uint64_t *run_pos;           /* per run: its first page's index in the raw data */
};

struct region_slot {
	struct msnap_region_info info;
	struct msnap_run *runs;      /* owned */
	uint64_t *hashes;            /* owned */
	uint64_t *hash_base;         /* per run: index of its first hash (DATA runs) */
	uint64_t first_chunk, nchunks;  /* its chunks: [first, first+n) in by_addr order */
	bool seen;
	size_t nruns;                /* of runs: the file's (info.nruns may be resolved) */
	/* a resolved incremental region (reader_chain.c): the whole memory */
	struct msnap_run *res_runs;  /* owned */
	uint64_t *res_hashes;        /* owned */
	uint32_t parent_region;      /* the parent's region with the same bounds */
};

/* An ADOPT record seen by a scan: chunks [first, first+count) are region's. */
struct adopt_rec {
	uint32_t region;
	uint64_t first, count;
};

struct msnap_reader {
	int fd;
	bool own_fd;
	struct msnap_file_info info;
	char *manifest;
	size_t manifest_len;
	struct region_slot *regions;
	uint32_t nregions;
	uint32_t *by_start;          /* region indexes sorted by start */
	uint32_t nsorted;
	struct chunk_slot *chunks;
	uint64_t nchunks, chunks_cap;
	uint64_t *by_addr;           /* chunk indexes sorted by (region, first_addr) */
	struct adopt_rec *adopts;    /* scan only */
	size_t nadopts;
	ZSTD_DCtx *dctx;
	int64_t cached;              /* chunk held in cache, -1 if none */
	uint8_t *cache;
	uint64_t cache_cap;
	uint8_t *zbuf;
	size_t zbuf_cap;
	uint64_t bytes_read;         /* for measuring what info/read cost */
	uint64_t data_start;         /* first byte after the HEADER (and PARENT) record */
	bool incremental;            /* 2.1: a PARENT record was read */
	struct msnap_parent_ref parent_ref;
	struct msnap_reader *parent; /* resolved parent (owned), or NULL */
	char parent_path[4096];      /* where it was found */
	struct progress *prog;       /* counts decompressed bytes, or NULL */
};

/* reader_parse.c */
int msnap_rd_pread(struct msnap_reader *r, void *buf, size_t len, uint64_t off,
	     struct msnap_error *err);
/* Read a whole record frame at off of frame_size bytes (or discover it when
 * frame_size is 0); checks magic, tag, size bounds and checksum.  *payload
 * is malloc'd. */
int msnap_rd_record(struct msnap_reader *r, uint64_t off, uint64_t frame_size,
	      uint32_t tag, uint64_t max_payload, uint8_t **payload,
	      size_t *len, struct msnap_error *err);
int msnap_rd_header(struct msnap_reader *r, struct msnap_error *err);
int msnap_rd_parse_chunk(struct msnap_reader *r, const uint8_t *p, size_t len,
		   uint64_t off, struct chunk_slot *c, struct msnap_error *err);
int msnap_rd_parse_pages(struct msnap_reader *r, const uint8_t *p, size_t len,
		   uint64_t off, struct region_slot *reg, struct msnap_error *err);
int msnap_rd_parse_manifest(struct msnap_reader *r, const uint8_t *p, size_t len,
		      uint64_t off, struct msnap_error *err);

/* reader.c */
int msnap_rd_region_slot(struct msnap_reader *r, uint32_t index, struct msnap_error *err);
/* Set a region's bounds the first time they are seen; later sightings must agree. */
int msnap_rd_region_bounds(struct msnap_reader *r, uint32_t index, uint64_t start,
		     uint64_t end, uint64_t off, struct msnap_error *err);
int msnap_rd_push_chunk(struct msnap_reader *r, struct msnap_error *err);
int msnap_rd_finalize(struct msnap_reader *r, struct msnap_error *err);
/* Drop every region, chunk and the manifest (before a rescan). */
void msnap_rd_reset(struct msnap_reader *r);

/* reader_read.c */
/* Read and check chunk i's record (once); compares it with the index. */
int msnap_rd_load_chunk(struct msnap_reader *r, uint64_t i, struct msnap_error *err);

/* Decompress chunk i (record already loaded) with the caller's buffers:
 * safe to call from several threads at once. */
int msnap_rd_decompress(struct msnap_reader *r, uint64_t i, void *buf,
		  uint8_t **zbuf, size_t *zcap, ZSTD_DCtx *dctx,
		  struct msnap_error *err);

/* reader_chain.c */
/* The PARENT record right after the header (flag INCREMENTAL). */
int msnap_rd_parse_parent(struct msnap_reader *r, struct msnap_error *err);
void msnap_rd_free_chain(struct msnap_reader *r);

/*
 * reader_read.c: where the bytes of the DATA page at addr (page aligned)
 * are, in r's chunk cache (or its parent's, for a PARENT page): valid
 * until r or its chain reads again.  -MSNAP_E_NOT_FOUND if not DATA.
 */
int msnap_rd_page_ptr(struct msnap_reader *r, uint64_t addr, const uint8_t **page,
		struct msnap_error *err);
/* reader_read.c: what lies at addr in r, within one run (msnap_read's step) */
int64_t msnap_rd_read_span(struct msnap_reader *r, uint64_t addr, uint8_t *dst,
		     uint64_t len, uint8_t *state, struct msnap_error *err);

/* reader_scan.c */
int msnap_rd_scan(struct msnap_reader *r, struct msnap_error *err);
/* reader_trailer.c */
int msnap_rd_open_trailer(struct msnap_reader *r, struct msnap_error *err);

#endif
