/* SPDX-License-Identifier: MIT */
/*
 * pages.h - which pages of a region are present, swapped or absent,
 * without touching any of them (reading an absent page would allocate it
 * in the target).  PAGEMAP_SCAN where the kernel has it, else pagemap.
 */
#ifndef CAPTURE_PAGES_H
#define CAPTURE_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msnap.h"
#include "target.h"

/*
 * Runs in the container's terms: DATA means present (to be read), SWAPPED,
 * ABSENT (guard pages of MADV_GUARD_INSTALL included: nothing is there);
 * they cover the region, in order, adjacent runs differ.
 */
struct page_runs {
	struct msnap_run *v;
	size_t n, cap;
};

struct page_scanner {
	int fd;                 /* /proc/PID/pagemap */
	bool use_scan;          /* PAGEMAP_SCAN works */
	uint64_t guard_mask;    /* PAGE_IS_GUARD if the kernel reports guards */
	uint64_t page_size;
};

int pages_open(struct page_scanner *s, int procfd, struct cap_error *err);

/* Force the pread fallback (tests, old kernels). */
void pages_disable_scan(struct page_scanner *s);

/* "pagemap_scan" or "pagemap", for capture.page_scan. */
const char *pages_method(const struct page_scanner *s);

/* Classify [start, end) (page aligned) into out (reset first). */
int pages_classify(struct page_scanner *s, uint64_t start, uint64_t end,
		   struct page_runs *out, struct cap_error *err);

/*
 * Pages of a private file mapping that hold the process's own copy rather
 * than the file's page (written since mapped: copy-on-write), as runs of
 * state DATA (only those; first is relative to start).  Pages that were
 * written and then swapped out count too: a file page is never swapped.
 */
int pages_private_copies(struct page_scanner *s, uint64_t start, uint64_t end,
			 struct page_runs *out, struct cap_error *err);

/*
 * The raw 64-bit pagemap entries of npages pages from start (page
 * aligned) into out: swapped pages' swap type and offset are only there
 * (PAGEMAP_SCAN does not give them).  Returns 0 or -1 with err filled.
 */
int pages_raw_entries(struct page_scanner *s, uint64_t start,
		      uint64_t npages, uint64_t *out, struct cap_error *err);

/* Append a run, merging with the last one when the state is the same. */
int page_runs_push(struct page_runs *r, uint64_t first, uint64_t count,
		   uint8_t state);
uint64_t page_runs_count(const struct page_runs *r, uint8_t state);
void page_runs_free(struct page_runs *r);

void pages_close(struct page_scanner *s);

#endif
