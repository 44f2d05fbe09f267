// SPDX-License-Identifier: MIT
/*
 * swapfill.c - turn a region's swapped runs into runs read from swap.
 * The target is never touched: its pagemap gives each page's slot, the
 * swap area gives the bytes, and the pagemap is read again afterwards to
 * be sure every slot still belonged to that page while it was read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "swapfill.h"

#define BATCH_PAGES 4096        /* 16 MiB of 4 KiB pages per step */

/* The new run list of a region, built while its old one is walked. */
struct run_out {
	struct msnap_run *runs;
	uint8_t **dst;
	size_t n, cap;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void swapfill_init(struct swap_fill *f, uint64_t budget)
{
	memset(f, 0, sizeof(*f));
	f->budget = budget;
}

static int out_push(struct run_out *o, uint64_t first, uint64_t count,
		    uint8_t state, uint8_t *data)
{
	void *nr, *nd;
	size_t cap;

	if (!count)
		return 0;
	if (o->n == o->cap) {
		cap = o->cap ? o->cap * 2 : 16;
		nr = reallocarray(o->runs, cap, sizeof(*o->runs));
		if (nr)
			o->runs = nr;
		nd = nr ? reallocarray(o->dst, cap, sizeof(*o->dst)) : NULL;
		if (!nd)
			return -1;
		o->dst = nd;
		o->cap = cap;
	}
	o->runs[o->n] = (struct msnap_run){ first, count, state };
	o->dst[o->n++] = data;
	return 0;
}

/* Memory for n pages, kept until swapfill_free; NULL past the budget. */
static uint8_t *take_pages(struct swap_fill *f, size_t n, size_t *got)
{
	const uint64_t ps = f->sr.page_size;
	uint64_t room = (f->budget - f->used) / ps;
	struct swap_fill_map *m;
	void *p;

	*got = n < room ? n : (size_t)room;
	if (!*got)
		return NULL;
	m = reallocarray(f->maps, f->nmaps + 1, sizeof(*m));
	if (!m) {
		*got = 0;
		return NULL;
	}
	f->maps = m;
	p = mmap(NULL, *got * ps, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		*got = 0;       /* the pages stay SWAPPED: over_budget */
		return NULL;
	}
	/* the target's secrets, like the copy buffer: not in our cores */
	(void)madvise(p, *got * ps, MADV_DONTDUMP);
	f->maps[f->nmaps++] = (struct swap_fill_map){ p, *got * ps };
	f->used += *got * ps;
	return p;
}

/* One "swap" error per run of pages refused for the same reason. */
static void note_refused(struct swap_fill *f, const struct region *r,
			 int index, uint64_t first, uint64_t count,
			 uint64_t ent, enum swap_why why,
			 struct cap_errors *errs)
{
	const uint64_t ps = f->sr.page_size;

	f->pages_refused += count;
	errors_add(errs, "swap", index, r->start + first * ps,
		   r->start + (first + count) * ps, 0, 0,
		   "swapped pages not read from swap: %s: %s (%.100s)",
		   swap_why_name(why), swap_why_text(why),
		   swapread_detail(&f->sr, ent, why));
}

/*
 * Pages [first, first + n) of r, all SWAPPED at classification: read what
 * can be read, emit DATA and SWAPPED runs in page order.
 */
static int fill_batch(struct swap_fill *f, struct page_scanner *ps,
		      struct region *r, int index, uint64_t first, size_t n,
		      uint64_t *ent, uint64_t *again, uint8_t *why,
		      struct run_out *o, struct page_runs *from,
		      struct cap_errors *errs, struct cap_error *err)
{
	const uint64_t psz = f->sr.page_size, addr = r->start + first * psz;
	struct cap_error cerr;
	uint8_t *data = NULL;
	size_t i, j, held = 0;

	if (pages_raw_entries(ps, addr, n, ent, &cerr)) {
		errors_add(errs, "swap", index, addr, addr + n * psz, errno, 0,
			   "swapped pages not read from swap: %.200s", cerr.msg);
		f->pages_refused += n;
		return out_push(o, first, n, MSNAP_PAGE_SWAPPED, NULL);
	}
	data = take_pages(f, n, &held);
	if (held)
		swapread_pages(&f->sr, ent, held, data, why);
	for (i = held; i < n; i++)
		why[i] = SWAP_WHY_BUDGET;
	/* a slot freed and reused during the read held someone else's page */
	if (held && !pages_raw_entries(ps, addr, held, again, &cerr))
		for (i = 0; i < held; i++)
			if (why[i] == SWAP_READ_OK && again[i] != ent[i])
				why[i] = SWAP_WHY_CHANGED;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && why[j] == why[i]; j++)
			;
		if (why[i] != SWAP_READ_OK) {
			note_refused(f, r, index, first + i, j - i, ent[i],
				     why[i], errs);
			if (out_push(o, first + i, j - i, MSNAP_PAGE_SWAPPED,
				     NULL))
				goto nomem;
			continue;
		}
		f->pages_read += j - i;
		if (out_push(o, first + i, j - i, MSNAP_PAGE_DATA,
			     data + i * psz) ||
		    page_runs_push(from, first + i, j - i, MSNAP_PAGE_DATA))
			goto nomem;
	}
	return 0;
nomem:
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return -1;
}

int swapfill_region(struct swap_fill *f, struct page_scanner *ps,
		    struct region *r, int index, struct msnap_run **runs,
		    uint8_t ***dst, size_t *nruns, struct cap_errors *errs,
		    struct cap_error *err)
{
	struct run_out o = { 0 };
	struct page_runs from = { 0 };
	uint64_t *ent = NULL, *again = NULL, at, left, t0 = mono_ns();
	uint8_t *why = NULL;
	size_t k, n;
	int ret = -1;

	for (k = 0; k < *nruns; k++)
		if ((*runs)[k].state == MSNAP_PAGE_SWAPPED)
			break;
	if (k == *nruns)
		return 0;
	if (!f->opened) {
		if (swapread_open(&f->sr, err))
			return -1;
		f->opened = true;
	}
	ent = malloc(BATCH_PAGES * sizeof(*ent));
	again = malloc(BATCH_PAGES * sizeof(*again));
	why = malloc(BATCH_PAGES);
	if (!ent || !again || !why)
		goto nomem;
	for (k = 0; k < *nruns; k++) {
		const struct msnap_run *run = &(*runs)[k];

		if (run->state != MSNAP_PAGE_SWAPPED) {
			if (out_push(&o, run->first, run->count, run->state,
				     (*dst)[k]))
				goto nomem;
			continue;
		}
		for (at = run->first, left = run->count; left;
		     at += n, left -= n) {
			n = left < BATCH_PAGES ? (size_t)left : BATCH_PAGES;
			if (fill_batch(f, ps, r, index, at, n, ent, again, why,
				       &o, &from, errs, err))
				goto out;
		}
	}
	free(*runs);
	free(*dst);
	*runs = o.runs;
	*dst = o.dst;
	*nruns = o.n;
	o.runs = NULL;
	o.dst = NULL;
	free(r->from_swap);
	r->from_swap = from.v;          /* merged runs of state DATA */
	r->nfrom_swap = from.n;
	from.v = NULL;
	ret = 0;
	goto out;
nomem:
	snprintf(err->msg, sizeof(err->msg), "out of memory");
out:
	f->ns += mono_ns() - t0;
	free(o.runs);
	free(o.dst);
	page_runs_free(&from);
	free(ent);
	free(again);
	free(why);
	return ret;
}

void swapfill_free(struct swap_fill *f)
{
	size_t i;

	for (i = 0; i < f->nmaps; i++)
		munmap(f->maps[i].p, f->maps[i].len);
	free(f->maps);
	swapread_close(&f->sr);
	memset(f, 0, sizeof(*f));
}
