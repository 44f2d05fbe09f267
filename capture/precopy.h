/* SPDX-License-Identifier: MIT */
/*
 * precopy.h - read the target while it runs, then prove while it is frozen
 * which of those bytes are still the frozen instant's.
 *
 * Before the freeze every present page is read into one small reused
 * buffer, hashed with a key drawn for this capture (XXH3-128 with a random
 * secret: the target never sees the key, so it cannot make a changed page
 * hash like the old one), and handed to the writer, which compresses and
 * writes it as a pre-copy area.  While frozen, each region is compared with
 * the area that starts where it starts, one writer cut (chunk) at a time:
 * page states must be the same and every present page must hash the same
 * when read again.  The verified prefix is adopted as it was written; the
 * rest is read again at the frozen instant by the caller.
 */
#ifndef CAPTURE_PRECOPY_H
#define CAPTURE_PRECOPY_H

#include <stdbool.h>
#include <stdint.h>

#include <xxhash.h>

#include "maps.h"
#include "memread.h"
#include "msnap.h"
#include "pages.h"
#include "progress.h"
#include "target.h"

#define PRECOPY_SECRET_BYTES 192

struct precopy_area {
	uint64_t start, end;
	uint32_t id;                 /* the writer's pre-copy area number */
	struct page_runs runs;       /* page states when read (pagemap) */
	XXH128_hash_t *khash;        /* keyed hash per present page, in order */
	uint64_t nkhash;
	uint64_t first_bad;          /* first page that could not be read, or ~0 */
	const uint64_t *cuts;        /* the writer's cuts, after sync */
	size_t ncuts;
	uint64_t *hash_at_cut;       /* index in khash of segment k's first page */
};

/*
 * What a frozen region keeps of the pre-copy: pages [0, prefix) of area
 * `area` with the running SHA-256 (msnap_writer_begin_adopting), then the
 * whole segments listed (msnap_writer_adopt_chunk), ascending.
 */
struct precopy_keep {
	uint32_t area;
	uint64_t prefix;
	size_t prefix_segments;      /* prefix = end of that many segments */
	size_t *segments;
	size_t nsegments;
	const uint64_t *cuts;        /* the area's: segment k is [cuts[k-1], cuts[k]) */
};

struct precopy {
	struct precopy_area *v;
	size_t n, cap;
	uint8_t secret[PRECOPY_SECRET_BYTES];
	uint8_t *buf;                /* reused read buffer */
	size_t buf_size;
	uint64_t page_size;
	long ncpu;
	bool swapped_changed;        /* --read-swap: a swapped page is read now */
	/*
	 * --parent: an area was compared with the parent's region of its
	 * bounds, so only a region of the same bounds keeps any of it.
	 */
	bool same_bounds_only;
	/* for the manifest */
	uint64_t pages_read;         /* present pages read while running */
	uint64_t pages_verified;     /* re-read while frozen, found unchanged */
	uint64_t pages_adopted;      /* pages (any state) taken from pre-copy */
	uint64_t regions_whole;      /* regions adopted whole */
	uint64_t segments_kept;      /* segments kept after a changed one */
	uint64_t pages_copied;       /* present pages read while frozen instead */
	uint64_t run_ns, verify_ns;
	uint64_t changed_estimate;   /* present pages the estimate saw changed */
	uint64_t estimate_ns;
};

/* Draw the key, map the buffer.  Returns 0 or -1. */
int precopy_init(struct precopy *pc, uint64_t page_size, size_t buf_size,
		 struct cap_error *err);

/*
 * Read every region of regions (those not skipped) into pre-copy areas of
 * w, then wait for the writer.  Returns 0; -1 with errno ESRCH when the
 * target went away (what was written stays, unused); -1 otherwise (err).
 * Stops early, returning 0, once a signal is caught.
 */
int precopy_run(struct precopy *pc, const struct region_list *regions,
		struct page_scanner *ps, struct mem_reader *mr,
		struct msnap_writer *w, struct progress *prog,
		struct cap_error *err);

/*
 * While frozen: what the region [start, end) with page states runs (in
 * order, covering it) keeps of the pre-copy area that starts at start.
 * Without whole_segments only a prefix (no segment after a changed one).
 * keep is reset first; free it with precopy_keep_free().  Reads through mr.
 */
void precopy_verify(struct precopy *pc, uint64_t start, uint64_t end,
		    const struct msnap_run *runs, size_t nruns,
		    struct mem_reader *mr, bool whole_segments,
		    struct precopy_keep *keep);
void precopy_keep_free(struct precopy_keep *keep);

/*
 * Still running, after precopy_run(): how many bytes a verification now
 * would have to read again (present pages from each area's first changed
 * chunk on).  Sizes the buffer the freeze copies into.
 */
uint64_t precopy_estimate_changed(struct precopy *pc, struct mem_reader *mr,
				  bool whole_segments);

void precopy_free(struct precopy *pc);

#endif
