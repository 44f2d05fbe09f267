/* SPDX-License-Identifier: MIT */
/* writer_int.h - state shared by the writer's files (not a public API). */
#ifndef MSNAP_WRITER_INT_H
#define MSNAP_WRITER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sha256.h"

#include "msnap.h"

#define JOB_MAX_SEGMENTS 1024u

/*
 * The benchmark (tests/bench) builds a second writer with hashing compiled
 * out, to measure what the page hashes and SHA-256s cost in wall time.  A
 * snapshot written that way fails verification; nothing else defines it.
 */
#ifdef MSNAP_BENCH_NO_HASH
#define WRITER_HASHES 0
#else
#define WRITER_HASHES 1
#endif

struct segment {
	uint64_t first, count;      /* region-relative pages */
	const uint8_t *data;        /* DATA only */
	uint8_t state;
};

/* JOB_PAGES compresses pages; JOB_ADOPT reads one pre-copied chunk back. */
enum job_kind { JOB_PAGES, JOB_ADOPT };

/* One unit of work: at most chunk_bytes of input pages, one zstd frame out. */
struct job {
	enum job_kind kind;
	uint32_t region;            /* or pre-copy area, when precopy */
	uint64_t rstart, rend;      /* its bounds */
	bool precopy;
	bool ends_region;
	struct segment seg[JOB_MAX_SEGMENTS];
	size_t nseg;
	uint64_t npages;            /* DATA pages given */
	/* set by the worker */
	bool queued, claimed, done, failed;
	char errmsg[128];
	uint8_t *zero;              /* per DATA page: PAGE_KEEP, PAGE_ZERO or PAGE_SAME */
	uint64_t *hashes;           /* per DATA page: XXH3-64 (if not zero) */
	uint8_t *stage;             /* non-zero pages gathered, when needed */
	const uint8_t *raw;         /* what was compressed */
	size_t raw_len;
	uint8_t *cbuf;
	size_t ccap, clen;
	uint8_t *own;               /* chunk_bytes: pages given by add_copy() */
	/* JOB_ADOPT: segment `cut` of pre-copy area `area` */
	uint32_t area;
	size_t cut;
};

/* Where a pre-copy area may be cut, and its state up to there. */
struct precopy_cut {
	uint64_t page;              /* pages [0, page) are accounted */
	uint64_t nindex;            /* chunks written up to here (file-wide) */
	size_t nruns;
	uint64_t last_count;        /* of runs[nruns-1] at the cut */
	uint64_t nhashes;
	uint64_t chunks, stored_bytes, compressed_bytes;
	struct msnap_sha256 sha;
};

struct region_acc {
	struct msnap_region_summary sum;
	uint64_t npages;
	uint64_t covered;           /* pages [0, covered) have runs */
	struct msnap_run *runs;
	size_t nruns, runs_cap;
	uint64_t *hashes;
	uint64_t nhashes, hashes_cap;
	struct msnap_sha256 sha;
	uint64_t pages_offset;      /* of its PAGES record */
	uint32_t pages_frame;
	bool written;
	struct adopted_range {      /* pre-copied chunks it took over (ADOPT) */
		uint64_t first, count;
	} *adopts;
	size_t nadopts, adopts_cap;
	/* pre-copy areas only */
	uint64_t first_index;       /* its first chunk's index entry */
	struct precopy_cut *cuts;
	uint64_t *cut_pages;        /* cuts[i].page, for the public view */
	size_t ncuts, cuts_cap;
};

struct index_entry {
	uint64_t header_offset, frame_size, raw_size, first_addr, end_addr;
	uint32_t region, header_frame;
};

struct msnap_writer {
	struct msnap_writer_opts opts;
	int fd;
	uint64_t offset;
	bool broken;
	bool regular;               /* fd is a regular file: write-behind */
	bool readable;              /* ... opened for reading too: chunks read back */
	uint64_t wb_started;        /* writeback started below this offset */
	struct msnap_sha256 file_sha;
	uint64_t chunk_pages;

	uint16_t major, minor;      /* written in the header and trailer */
	struct region_acc *regions;
	size_t nregions, regions_cap;
	struct region_acc *pre;     /* pre-copy areas */
	size_t npre, pre_cap;
	bool cur_is_pre;            /* cur_region names a pre-copy area */
	int64_t cur_region;
	uint64_t next_page;

	struct index_entry *index;
	uint64_t nindex, index_cap;

	/* pool (writer_pool.c) */
	struct job *slots;
	unsigned nslots, head, count;
	struct job *filling;
	pthread_t *workers;
	unsigned nworkers;
	pthread_mutex_t lock;
	pthread_cond_t work_cv, done_cv;
	bool stopping, pool_up;

	/* parent_sha_later (writer_hold.c) */
	bool holding;               /* bytes after the header go to held */
	uint8_t *held;              /* never moved nor freed before the end */
	size_t nheld;               /* atomic: workers read back from held */
	uint64_t held_from;         /* file offset of held[0] */
	pthread_t hasher;
	bool hasher_running;
	int hash_ret;
	uint8_t parent_sha[32];
};

/* What the workers found a DATA page to be (job.zero). */
#define PAGE_KEEP 0                 /* stored */
#define PAGE_ZERO 1                 /* all zero: ZERO */
#define PAGE_SAME 2                 /* as the parent's: PARENT */

/* writer_hold.c */
int msnap_wr_hold_start(struct msnap_writer *w, struct msnap_error *err);
/* Keep iov in memory; or, held full, write everything held first (1). */
int msnap_wr_hold(struct msnap_writer *w, const struct iovec *iov, int n,
		  struct msnap_error *err);
/* Wait for the hash, write the PARENT record and what was held. */
int msnap_wr_hold_release(struct msnap_writer *w, struct msnap_error *err);
/* The held copy of [off, off+len) if it is there, else NULL. */
const uint8_t *msnap_wr_held_at(const struct msnap_writer *w, uint64_t off,
				size_t len);
void msnap_wr_hold_free(struct msnap_writer *w);
int msnap_wr_write_parent(struct msnap_writer *w, const uint8_t sha[32],
			  struct msnap_error *err);

/* writer_parent.c */
/* Page `page` of region [start, end) has the same bytes in the parent p. */
bool msnap_wr_parent_same(struct msnap_reader *p, uint64_t start, uint64_t end,
		 uint64_t page, const uint8_t *data, uint32_t page_size);

/* writer.c */
int msnap_wr_note_adopted(struct region_acc *r, uint64_t first, uint64_t count);

/* writer_pool.c */
int msnap_wr_pool_start(struct msnap_writer *w, struct msnap_error *err);
void msnap_wr_pool_stop(struct msnap_writer *w);
bool msnap_wr_pool_full(const struct msnap_writer *w);
bool msnap_wr_pool_empty(const struct msnap_writer *w);
struct job *msnap_wr_pool_tail(struct msnap_writer *w);
void msnap_wr_pool_submit(struct msnap_writer *w, struct job *j);
struct job *msnap_wr_pool_wait_head(struct msnap_writer *w);
void msnap_wr_pool_release_head(struct msnap_writer *w);

/* writer_emit.c */
int msnap_wr_emit_adopt(struct msnap_writer *w, struct job *j, struct msnap_error *err);
int msnap_wr_emit_job(struct msnap_writer *w, struct job *j, struct msnap_error *err);
int msnap_wr_emit_record(struct msnap_writer *w, uint8_t *payload, size_t len,
		struct msnap_error *err);
int msnap_wr_emit_raw(struct msnap_writer *w, const void *hdr, size_t hlen,
	     const void *data, size_t dlen, struct msnap_error *err);

#endif
