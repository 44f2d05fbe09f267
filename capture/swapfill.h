/* SPDX-License-Identifier: MIT */
/*
 * swapfill.h - --read-swap for one region at a time: its SWAPPED runs
 * become DATA runs whose bytes were read from swap (swapread.h), and the
 * pages that could not be read stay SWAPPED with the reason in errors.
 * Independent of how the pipeline copies present pages: it only rewrites
 * a region's run list and hands out pointers to bytes it keeps.
 */
#ifndef CAPTURE_SWAPFILL_H
#define CAPTURE_SWAPFILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maps.h"
#include "pages.h"
#include "swapread.h"
#include "target.h"

struct swap_fill {
	struct swap_reader sr;  /* opened at the first swapped page */
	bool opened;
	uint64_t budget, used;          /* bytes of pages held, at most budget */
	struct swap_fill_map {          /* what holds them, until swapfill_free */
		void *p;
		size_t len;
	} *maps;
	size_t nmaps;
	uint64_t pages_read, pages_refused, ns;
};

/*
 * budget bounds the memory that holds pages read from swap; past it pages
 * stay SWAPPED (reason over_budget).  The swap areas are found and checked
 * (swapread_open) only when a region has swapped pages.
 */
void swapfill_init(struct swap_fill *f, uint64_t budget);

/*
 * Rewrite the runs of region r (index in the manifest) so that the pages of
 * its SWAPPED runs that could be read from swap are DATA runs: *runs, *dst
 * and *nruns are replaced (the old arrays freed); (*dst)[k] points to the
 * bytes of run k when it was read from swap, and is NULL for every other
 * run.  Pages read are added to r->from_swap; refusals go to errs as
 * "swap" entries, one per run of pages with the same reason.  The entries
 * are read again after the data, and a page whose entry changed meanwhile
 * is refused (entry_changed).  Returns 0, or -1 (out of memory) with err.
 */
int swapfill_region(struct swap_fill *f, struct page_scanner *ps,
		    struct region *r, int index, struct msnap_run **runs,
		    uint8_t ***dst, size_t *nruns, struct cap_errors *errs,
		    struct cap_error *err);

void swapfill_free(struct swap_fill *f);

#endif
