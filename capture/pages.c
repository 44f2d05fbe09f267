// SPDX-License-Identifier: MIT
/*
 * pages.c - page classification from the page tables, never by touching.
 * PAGEMAP_SCAN (6.7) returns runs of present/swapped pages directly; the
 * fallback reads 8 bytes of /proc/PID/pagemap per page in large batches.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#include "pages.h"

/* linux/fs.h of kernel 6.7; Debian 12's headers predate it. */
#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t start;
	uint64_t end;
	uint64_t categories;
};

struct pm_scan_arg {
	uint64_t size;
	uint64_t flags;
	uint64_t start;
	uint64_t end;
	uint64_t walk_end;
	uint64_t vec;
	uint64_t vec_len;
	uint64_t max_pages;
	uint64_t category_inverted;
	uint64_t category_mask;
	uint64_t category_anyof_mask;
	uint64_t return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_SWAPPED (1 << 4)
#endif

/* 6.14: pages behind MADV_GUARD_INSTALL; they look swapped otherwise */
#ifndef PAGE_IS_GUARD
#define PAGE_IS_GUARD (1 << 8)
#endif

#define SCAN_VEC 4096                   /* page_region entries per call */
#define PAGEMAP_BATCH 65536             /* pagemap entries per pread */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_FILE (1ull << 61)           /* page cache or shared anon */
#define PM_GUARD_REGION (1ull << 58)   /* 0 on kernels that do not know it */

int page_runs_push(struct page_runs *r, uint64_t first, uint64_t count,
		   uint8_t state)
{
	struct msnap_run *last, *nv;
	size_t ncap;

	if (!count)
		return 0;
	if (r->n) {
		last = &r->v[r->n - 1];
		if (last->state == state && last->first + last->count == first) {
			last->count += count;
			return 0;
		}
	}
	if (r->n == r->cap) {
		ncap = r->cap ? r->cap * 2 : 16;
		nv = realloc(r->v, ncap * sizeof(*nv));
		if (!nv)
			return -1;
		r->v = nv;
		r->cap = ncap;
	}
	r->v[r->n].first = first;
	r->v[r->n].count = count;
	r->v[r->n].state = state;
	r->n++;
	return 0;
}

uint64_t page_runs_count(const struct page_runs *r, uint8_t state)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].state == state)
			n += r->v[i].count;
	return n;
}

void page_runs_free(struct page_runs *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static long scan_masked(int fd, uint64_t start, uint64_t end,
			struct page_region *vec, size_t vec_len,
			uint64_t not_mask, uint64_t return_mask,
			uint64_t *walk_end)
{
	struct pm_scan_arg a;
	long n;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.start = start;
	a.end = end;
	a.vec = (uint64_t)(uintptr_t)vec;
	a.vec_len = vec_len;
	/* a page qualifies when none of not_mask's categories is set */
	a.category_mask = not_mask;
	a.category_inverted = not_mask;
	a.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
	a.return_mask = return_mask;
	n = ioctl(fd, PAGEMAP_SCAN, &a);
	*walk_end = a.walk_end;
	return n;
}

static long scan(int fd, uint64_t start, uint64_t end, struct page_region *vec,
		 size_t vec_len, uint64_t extra, uint64_t *walk_end)
{
	return scan_masked(fd, start, end, vec, vec_len, 0,
			   PAGE_IS_PRESENT | PAGE_IS_SWAPPED | extra,
			   walk_end);
}

int pages_open(struct page_scanner *s, int procfd, struct cap_error *err)
{
	struct page_region one;
	uint64_t walk_end;

	memset(s, 0, sizeof(*s));
	s->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	s->fd = openat(procfd, "pagemap", O_RDONLY | O_CLOEXEC);
	if (s->fd < 0) {
		snprintf(err->msg, sizeof(err->msg),
			 "cannot open /proc/PID/pagemap: %s", strerror(errno));
		return -1;
	}
	/* An empty scan of the first page says whether the ioctl exists. */
	s->use_scan = scan(s->fd, 0, s->page_size, &one, 1, 0, &walk_end) >= 0;
	/* an unknown category bit is EINVAL: ask for guards only if known */
	if (s->use_scan)
		s->guard_mask = scan(s->fd, 0, s->page_size, &one, 1,
				     PAGE_IS_GUARD, &walk_end) >= 0 ?
				PAGE_IS_GUARD : 0;
	return 0;
}

void pages_disable_scan(struct page_scanner *s)
{
	s->use_scan = false;
}

const char *pages_method(const struct page_scanner *s)
{
	return s->use_scan ? "pagemap_scan" : "pagemap";
}

/* What a scan walk hands each run of qualifying pages to. */
struct scan_sink {
	struct page_runs *out;
	uint64_t start, done;   /* the range, and how far runs cover it */
	uint64_t guard_mask;
	bool with_gaps;         /* ABSENT runs between qualifying ones */
};

static int sink_run(struct scan_sink *k, const struct page_region *v,
		    uint64_t ps)
{
	const uint8_t st = (v->categories & PAGE_IS_PRESENT) ? MSNAP_PAGE_DATA :
			   (v->categories & k->guard_mask) ? MSNAP_PAGE_ABSENT :
			   MSNAP_PAGE_SWAPPED;

	if (k->with_gaps &&
	    page_runs_push(k->out, (k->done - k->start) / ps,
			   (v->start - k->done) / ps, MSNAP_PAGE_ABSENT))
		return -1;
	if (page_runs_push(k->out, (v->start - k->start) / ps,
			   (v->end - v->start) / ps,
			   k->with_gaps ? st : MSNAP_PAGE_DATA))
		return -1;
	k->done = v->end;
	return 0;
}

/* Walk [start, end) with PAGEMAP_SCAN, handing each run to the sink. */
static int scan_each(struct page_scanner *s, uint64_t start, uint64_t end,
		     uint64_t not_mask, uint64_t return_mask,
		     struct scan_sink *k, struct cap_error *err)
{
	struct page_region *vec = malloc(SCAN_VEC * sizeof(*vec));
	uint64_t at = start, walk_end;
	long n, i;

	if (!vec)
		goto nomem;
	k->start = k->done = start;
	while (at < end) {
		n = scan_masked(s->fd, at, end, vec, SCAN_VEC, not_mask,
				return_mask, &walk_end);
		if (n < 0) {
			snprintf(err->msg, sizeof(err->msg),
				 "PAGEMAP_SCAN of %#llx-%#llx: %s",
				 (unsigned long long)at,
				 (unsigned long long)end, strerror(errno));
			free(vec);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (vec[i].start < k->done || vec[i].end > end ||
			    vec[i].start >= vec[i].end)
				continue;       /* never trust, even the kernel */
			if (sink_run(k, &vec[i], s->page_size))
				goto nomem;
		}
		if (walk_end <= at || walk_end > end)
			break;
		at = walk_end;
	}
	free(vec);
	if (k->with_gaps &&
	    page_runs_push(k->out, (k->done - start) / s->page_size,
			   (end - k->done) / s->page_size, MSNAP_PAGE_ABSENT))
		goto nomem;
	return 0;
nomem:
	free(vec);
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return -1;
}

static int classify_scan(struct page_scanner *s, uint64_t start, uint64_t end,
			 struct page_runs *out, struct cap_error *err)
{
	struct scan_sink k = { .out = out, .guard_mask = s->guard_mask,
			       .with_gaps = true };

	return scan_each(s, start, end, 0,
			 PAGE_IS_PRESENT | PAGE_IS_SWAPPED | s->guard_mask, &k,
			 err);
}

/* Call fn for every pagemap entry of [start, end), read in large batches. */
static int pagemap_each(struct page_scanner *s, uint64_t start, uint64_t end,
			int (*fn)(void *arg, uint64_t page, uint64_t ent),
			void *arg, struct cap_error *err)
{
	const uint64_t ps = s->page_size, npages = (end - start) / ps;
	uint64_t *ent = malloc(PAGEMAP_BATCH * sizeof(*ent));
	uint64_t done = 0, want, i;
	ssize_t got;

	if (!ent)
		goto nomem;
	while (done < npages) {
		want = npages - done;
		if (want > PAGEMAP_BATCH)
			want = PAGEMAP_BATCH;
		got = pread(s->fd, ent, want * sizeof(*ent),
			    (off_t)((start / ps + done) * sizeof(*ent)));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || got % (ssize_t)sizeof(*ent)) {
			snprintf(err->msg, sizeof(err->msg),
				 "cannot read pagemap at %#llx: %s",
				 (unsigned long long)(start + done * ps),
				 got < 0 ? strerror(errno) : "short read");
			free(ent);
			return -1;
		}
		want = (uint64_t)got / sizeof(*ent);
		for (i = 0; i < want; i++)
			if (fn(arg, done + i, ent[i]))
				goto nomem;
		done += want;
	}
	free(ent);
	return 0;
nomem:
	free(ent);
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return -1;
}

static int classify_entry(void *arg, uint64_t page, uint64_t e)
{
	const uint8_t st = (e & PM_PRESENT) ? MSNAP_PAGE_DATA :
			   (e & PM_GUARD_REGION) ? MSNAP_PAGE_ABSENT :
			   (e & PM_SWAPPED) ? MSNAP_PAGE_SWAPPED :
			   MSNAP_PAGE_ABSENT;

	return page_runs_push(arg, page, 1, st);
}

static int bad_range(const struct page_scanner *s, uint64_t start,
		     uint64_t end, struct cap_error *err)
{
	if (start < end && !(start % s->page_size) && !(end % s->page_size))
		return 0;
	snprintf(err->msg, sizeof(err->msg), "bad range to classify: %#llx-%#llx",
		 (unsigned long long)start, (unsigned long long)end);
	errno = EINVAL;
	return -1;
}

int pages_classify(struct page_scanner *s, uint64_t start, uint64_t end,
		   struct page_runs *out, struct cap_error *err)
{
	out->n = 0;
	if (bad_range(s, start, end, err))
		return -1;
	if (s->use_scan)
		return classify_scan(s, start, end, out, err);
	return pagemap_each(s, start, end, classify_entry, out, err);
}

/* Private copies by PAGEMAP_SCAN: present or swapped, and not a file page. */
static int copies_scan(struct page_scanner *s, uint64_t start, uint64_t end,
		       struct page_runs *out, struct cap_error *err)
{
	struct scan_sink k = { .out = out };

	return scan_each(s, start, end, PAGE_IS_FILE,
			 PAGE_IS_PRESENT | PAGE_IS_SWAPPED, &k, err);
}

/* The same from pagemap entries: bit 61 clear on a present or swapped page. */
static int copy_entry(void *arg, uint64_t page, uint64_t e)
{
	if (!(e & (PM_PRESENT | PM_SWAPPED)) || (e & PM_FILE))
		return 0;
	return page_runs_push(arg, page, 1, MSNAP_PAGE_DATA);
}

int pages_private_copies(struct page_scanner *s, uint64_t start, uint64_t end,
			 struct page_runs *out, struct cap_error *err)
{
	out->n = 0;
	if (bad_range(s, start, end, err))
		return -1;
	if (s->use_scan)
		return copies_scan(s, start, end, out, err);
	return pagemap_each(s, start, end, copy_entry, out, err);
}

int pages_raw_entries(struct page_scanner *s, uint64_t start,
		      uint64_t npages, uint64_t *out, struct cap_error *err)
{
	const uint64_t ps = s->page_size;
	uint64_t done = 0;
	ssize_t got;

	while (done < npages) {
		got = pread(s->fd, out + done, (npages - done) * sizeof(*out),
			    (off_t)((start / ps + done) * sizeof(*out)));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || got % (ssize_t)sizeof(*out)) {
			snprintf(err->msg, sizeof(err->msg),
				 "cannot read pagemap at %#llx: %s",
				 (unsigned long long)(start + done * ps),
				 got < 0 ? strerror(errno) : "short read");
			return -1;
		}
		done += (uint64_t)got / sizeof(*out);
	}
	return 0;
}

void pages_close(struct page_scanner *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
