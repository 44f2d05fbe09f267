/* SPDX-License-Identifier: MIT */
/*
 * pagediff.h - compare the contents of two matched regions.
 *
 * Hashes first: the page tables of both snapshots say which pages differ
 * without decompressing anything.  Only those pages are then read (one
 * chunk decompressed per side at a time) and compared byte by byte, to
 * give exact byte ranges.  With pointer maps, 8-byte words that point into
 * matched regions are compared as (region, offset), so ASLR alone does
 * not make two runs differ.
 */
#ifndef ANA_PAGEDIFF_H
#define ANA_PAGEDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "msnap.h"

/* One side of the compared span: where its offset 0 is. */
struct pd_side {
	struct msnap_reader *rd;
	const struct msnap_region_info *ri;   /* NULL: no contents */
	uint32_t region;                      /* container index */
	uint64_t first_page;                  /* region page at offset 0 */
	uint64_t base;                        /* address of offset 0 */
	bool absent_is_zero;                  /* anonymous: untouched is zeros */
};

/* The pages both regions have, aligned at their starts or their ends. */
struct pd_span {
	struct pd_side a, b;
	uint64_t pages;
	uint32_t page_size;
};

struct pd_stats {
	uint64_t same;          /* equal hashes, or both zero */
	uint64_t differ;        /* hashes differ (or data vs zero) */
	uint64_t uncompared;    /* a side absent, swapped or unreadable */
};

/*
 * Span of a region [a_start, a_end) and one [b_start, b_end); align_end
 * for stacks, which grow down.
 */
void pd_span_init(struct pd_span *sp, uint32_t page_size, bool align_end,
		  struct msnap_reader *ra, const struct msnap_region_info *ia,
		  uint32_t a_index, uint64_t a_start, uint64_t a_end,
		  struct msnap_reader *rb, const struct msnap_region_info *ib,
		  uint32_t b_index, uint64_t b_start, uint64_t b_end);

/* Called with each differing page (0-based within the span). */
typedef int (*pd_page_fn)(void *arg, uint64_t page);

/* Classify every page of the span by its hashes; never decompresses. */
int pd_compare_pages(const struct pd_span *sp, struct pd_stats *st,
		     pd_page_fn fn, void *arg);

/* ---- pointers ------------------------------------------------------------------ */

struct pd_interval {
	uint64_t lo, hi;        /* [lo, hi) */
	uint64_t base;          /* offsets count from here */
	uint32_t id;            /* same id on both sides = same region */
};

struct pd_ptrmap {
	struct pd_interval *v;
	size_t n, cap;
};

int pd_ptrmap_add(struct pd_ptrmap *m, uint64_t lo, uint64_t hi,
		  uint64_t base, uint32_t id);
void pd_ptrmap_sort(struct pd_ptrmap *m);
void pd_ptrmap_free(struct pd_ptrmap *m);
/* True when v points into a mapped interval: *id, *off say where. */
bool pd_ptrmap_find(const struct pd_ptrmap *m, uint64_t v, uint32_t *id,
		    uint64_t *off);

/* ---- byte ranges ---------------------------------------------------------------- */

struct pd_range {
	uint64_t off, len;      /* within the span */
};

/* Ranges closer than this merge (bytes); bytes still counts only changes. */
#define PD_MERGE_GAP 8u

struct pd_ranges {
	struct pd_range *v;
	size_t n, cap;
	uint64_t bytes;         /* total differing bytes */
	uint64_t ptr_words;     /* words equal only after pointer normalisation */
};

void pd_ranges_free(struct pd_ranges *r);

/*
 * Append the differing bytes of a[0..len) and b[0..len), which sit at span
 * offset off (a multiple of 8), after the ranges already in out (a range
 * less than PD_MERGE_GAP bytes after the last one extends it).
 * ma/mb (both or neither) turn pointers into (region, offset).
 */
int pd_diff_bytes(const uint8_t *a, const uint8_t *b, size_t len,
		  uint64_t off, const struct pd_ptrmap *ma,
		  const struct pd_ptrmap *mb, struct pd_ranges *out);

/* Read both sides of page `page` of the span and diff them (buffers: one page each). */
int pd_diff_page(const struct pd_span *sp, uint64_t page, uint8_t *bufa,
		 uint8_t *bufb, const struct pd_ptrmap *ma,
		 const struct pd_ptrmap *mb, struct pd_ranges *out,
		 struct msnap_error *err);

/* ---- hexdump ---------------------------------------------------------------- */

/*
 * Print ranges [first, first+count) of rg as a unified hexdump: 16-byte
 * rows, a changed row as "-" (A's address and bytes) and "+" (B's), with
 * `context` unchanged rows around each change; hunks that touch merge.
 */
int pd_print_hunks(FILE *fp, const struct pd_span *sp,
		   const struct pd_ranges *rg, size_t first, size_t count,
		   unsigned context, struct msnap_error *err);

#define PD_ROW 16u      /* bytes of a hexdump row */

/* Where pd_hunks() puts a hexdump; each returns nonzero when out of memory. */
struct pd_hunk_sink {
	int (*hunk)(void *arg, uint64_t lo, uint64_t hi);  /* span offsets */
	int (*row)(void *arg, char mark, uint64_t addr,
		   const uint8_t *bytes);                   /* PD_ROW bytes */
	int (*skipped)(void *arg, uint64_t rows);          /* of a long change */
	void *arg;
};

/* The same hexdump as pd_print_hunks(), given to sink (for a document). */
int pd_hunks(const struct pd_span *sp, const struct pd_ranges *rg,
	     size_t first, size_t count, unsigned context,
	     const struct pd_hunk_sink *sink, struct msnap_error *err);
/* Its lines, as pd_print_hunks() prints them. */
void pd_print_hunk_head(FILE *fp, uint64_t lo, uint64_t hi);
void pd_print_row(FILE *fp, char mark, uint64_t addr, const uint8_t *bytes);
void pd_print_skipped(FILE *fp, uint64_t rows);

/* Read n bytes at span offset off of one side (pages not stored: zeros). */
int pd_read(const struct pd_side *s, uint64_t off, void *buf, size_t n,
	    struct msnap_error *err);

#endif
