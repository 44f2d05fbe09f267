/* SPDX-License-Identifier: MIT */
/*
 * memscan.h - stream the stored memory of a snapshot, piece by piece, at
 * the addresses the process had, and keep the list of what was not
 * scanned.
 *
 * What is scanned: pages stored as DATA, and ZERO pages (read at capture
 * and found all zero: their content is known, and a live scan would see
 * the same zeros).  What is never invented: ABSENT, SWAPPED and
 * UNREADABLE pages, whose content the capture does not have; they go to
 * the gap list with their state.  Regions whose page table is missing (a
 * snapshot cut short) are read as far as their chunks go, and the pages
 * the reader says are not stored become gaps too.
 *
 * Memory stays constant whatever the snapshot's size: a region is cut into
 * pieces of a few MiB, each read through the public reader API
 * (msnap_read) by one of several worker threads, each with its own reader,
 * into a small ring of buffers that the consumer takes in order.
 *
 * A piece may read `overlap` bytes past its own end (inside the same run
 * of stored pages), so that a match that starts in the piece and crosses
 * its end is still seen whole; a consumer reports only what starts in the
 * piece's own part, or lets its engine drop duplicates (YARA keeps one
 * match per address).
 */
#ifndef ANA_MEMSCAN_H
#define ANA_MEMSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* Region classes for --regions (a mask; 0 means every region). */
#define MSCAN_EXEC   0x01u   /* executable mappings */
#define MSCAN_ANON   0x02u   /* no backing file: anon, heap, stacks, shmem */
#define MSCAN_HEAP   0x04u
#define MSCAN_STACK  0x08u   /* main and thread stacks */
#define MSCAN_FILE   0x10u   /* mapped from a file (also deleted, memfd) */

/* "exec,heap", "all"; 0 or -1 (bad name: *bad points at it). */
int mscan_parse_regions(const char *list, unsigned *mask, const char **bad);

/* --block-size: 4K to 256M, suffixes K, M; 0 or -1. */
int mscan_parse_block(const char *s, size_t *piece);

struct mscan_opts {
	unsigned regions;          /* MSCAN_* mask, 0: all */
	const char *path;          /* only regions mapped from it (as extract --path) */
	size_t piece;              /* bytes per piece, 0: MSCAN_PIECE */
	size_t overlap;            /* bytes read past a piece's end */
	bool reverse;              /* a run's pieces last first (see memscan.c) */
	unsigned threads;          /* reader threads, 0: one per CPU (at most 4) */
	/*
	 * When not 0: of a run of ZERO pages longer than twice this, only
	 * this many bytes at each end are read; the middle is listed by
	 * mscan_zeros() instead (for a consumer that proved all-zero memory
	 * cannot match: see yscan.c).
	 */
	size_t zero_edge;
};

#define MSCAN_PIECE   (8u << 20)
#define MSCAN_OVERLAP (64u << 10)

struct mscan_piece {
	uint64_t index;            /* in presentation order */
	uint32_t region;
	uint64_t addr;             /* address of data[0] */
	size_t len;                /* bytes in data */
	size_t own;                /* data[0, own) is this piece's own part */
	const uint8_t *data;       /* NULL when the read failed (a gap says why) */
	const uint8_t *states;     /* MSNAP_PAGE_* per page, the first holds addr */
	bool follows;              /* starts where the previous piece's own part ended */
	uint32_t page_size;
};

/* A range not scanned, and why ("absent", "read error", "timeout"...). */
struct mscan_gap {
	uint32_t region;
	uint64_t start, end;
	char why[160];
};

struct mscan_stats {
	uint32_t regions_selected, regions_skipped;  /* by --regions / --path */
	uint64_t bytes_planned;    /* stored bytes of the selected regions */
	uint64_t bytes_read;       /* of own parts, returned to the consumer */
	uint64_t zero_skipped;     /* zero bytes left to mscan_zeros() */
};

/* A stretch of ZERO pages not read (zero_edge). */
struct mscan_range {
	uint32_t region;
	uint64_t start, end;
};

struct mscan;

/*
 * Plan the pieces of s's selected regions, open one reader per worker
 * (one after another, in this thread) and start the workers.  Regions past
 * the manifest's (files stored by --with-files) are not process memory
 * and never scanned.  Returns 0, or -1 after filling msg.
 */
int mscan_start(struct mscan **out, struct snap *s,
		const struct mscan_opts *o, char *msg, size_t msglen);

/*
 * The next piece, in order; valid until the next call.  NULL at the end.
 * A piece whose read failed comes back with data NULL (its range is in
 * the gap list).
 */
const struct mscan_piece *mscan_next(struct mscan *m);

/* Next stretch [*a, *b) of stored bytes in p at or after from; false if none. */
bool mscan_stored(const struct mscan_piece *p, size_t from, size_t *a,
		  size_t *b);

/* Record [start, end) of region as not scanned, for why. */
void mscan_gap(struct mscan *m, uint32_t region, uint64_t start,
	       uint64_t end, const char *why);
/* Every piece not yet returned becomes a gap "why"; mscan_next ends. */
void mscan_abandon(struct mscan *m, const char *why);

/* The ZERO stretches not read, in address order. */
const struct mscan_range *mscan_zeros(const struct mscan *m, size_t *n);

/* The gaps, sorted by address and merged; valid until mscan_free(). */
const struct mscan_gap *mscan_gaps(struct mscan *m, size_t *n);
const struct mscan_stats *mscan_stats(const struct mscan *m);
/* True if memory ran out while recording gaps (the list is incomplete). */
bool mscan_gaps_lost(const struct mscan *m);

/* Stop the workers (if still running) and free everything. */
void mscan_free(struct mscan *m);

/* The region's path for display ("" when it has none). */
const char *mscan_region_path(const struct snap *s, uint32_t region,
			      size_t *len);

#endif
