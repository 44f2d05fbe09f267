// SPDX-License-Identifier: MIT
/* pagediff.c - hash-first page comparison, byte ranges, unified hexdump. */
#include <stdlib.h>
#include <string.h>

#include "pagediff.h"

void pd_span_init(struct pd_span *sp, uint32_t page_size, bool align_end,
		  struct msnap_reader *ra, const struct msnap_region_info *ia,
		  uint32_t a_index, uint64_t a_start, uint64_t a_end,
		  struct msnap_reader *rb, const struct msnap_region_info *ib,
		  uint32_t b_index, uint64_t b_start, uint64_t b_end)
{
	const uint64_t na = (a_end - a_start) / page_size;
	const uint64_t nb = (b_end - b_start) / page_size;
	const uint64_t n = na < nb ? na : nb;

	memset(sp, 0, sizeof(*sp));
	sp->page_size = page_size;
	sp->pages = n;
	sp->a.rd = ra;
	sp->a.ri = ia;
	sp->a.region = a_index;
	sp->a.first_page = align_end ? na - n : 0;
	sp->a.base = a_start + sp->a.first_page * page_size;
	sp->b.rd = rb;
	sp->b.ri = ib;
	sp->b.region = b_index;
	sp->b.first_page = align_end ? nb - n : 0;
	sp->b.base = b_start + sp->b.first_page * page_size;
}

/* ---- hash-first comparison ------------------------------------------------------ */

/* Walks a region's page runs in ascending page order. */
struct cursor {
	const struct msnap_region_info *ri;
	size_t k;
	uint64_t hidx;          /* hash index of the first page of run k */
};

#define STATE_UNKNOWN 0xff

static uint8_t cursor_state(struct cursor *c, uint64_t page, uint64_t *hash)
{
	const struct msnap_region_info *ri = c->ri;
	const struct msnap_run *run;
	uint64_t i;

	*hash = 0;
	if (!ri || !ri->has_table)
		return STATE_UNKNOWN;
	while (c->k < ri->nruns &&
	       ri->runs[c->k].first + ri->runs[c->k].count <= page) {
		if (ri->runs[c->k].state == MSNAP_PAGE_DATA)
			c->hidx += ri->runs[c->k].count;
		c->k++;
	}
	if (c->k >= ri->nruns || page < ri->runs[c->k].first)
		return MSNAP_PAGE_ABSENT;
	run = &ri->runs[c->k];
	if (run->state != MSNAP_PAGE_DATA)
		return run->state;
	i = c->hidx + (page - run->first);
	if (i >= ri->nhashes)
		return STATE_UNKNOWN;   /* a damaged table: do not guess */
	*hash = ri->hashes[i];
	return MSNAP_PAGE_DATA;
}

/*
 * After cursor_state(c, page): how many pages from page on are in the
 * same state, when that state is not DATA (0 for DATA: those pages are
 * compared one by one).  Lets a huge absent reservation be counted in
 * one step instead of page by page.
 */
static uint64_t cursor_same_left(const struct cursor *c, uint64_t page)
{
	const struct msnap_region_info *ri = c->ri;
	const struct msnap_run *run;

	if (!ri || !ri->has_table || c->k >= ri->nruns)
		return UINT64_MAX;
	run = &ri->runs[c->k];
	if (page < run->first)
		return run->first - page;
	if (run->state == MSNAP_PAGE_DATA)
		return 0;
	return run->first + run->count - page;
}

/* DATA, ZERO or STATE_UNKNOWN: what the page's content is known to be. */
static uint8_t effective(uint8_t st, uint64_t *hash, bool absent_is_zero,
			 uint64_t zero_hash)
{
	if (st == MSNAP_PAGE_ABSENT && absent_is_zero)
		return MSNAP_PAGE_ZERO;
	if (st == MSNAP_PAGE_DATA && *hash == zero_hash)
		return MSNAP_PAGE_ZERO;
	if (st == MSNAP_PAGE_ZERO || st == MSNAP_PAGE_DATA)
		return st;
	return STATE_UNKNOWN;
}

/* Cached per thread: diffs may run on several threads at once. */
static uint64_t zero_page_hash(uint32_t page_size)
{
	static __thread uint64_t cached;
	static __thread uint32_t cached_size;
	void *z;

	if (cached_size == page_size)
		return cached;
	z = calloc(1, page_size);
	if (!z)
		return 0;       /* then no DATA page is taken for zero */
	cached = msnap_page_hash(z, page_size);
	cached_size = page_size;
	free(z);
	return cached;
}

int pd_compare_pages(const struct pd_span *sp, struct pd_stats *st,
		     pd_page_fn fn, void *arg)
{
	struct cursor ca = { sp->a.ri, 0, 0 }, cb = { sp->b.ri, 0, 0 };
	const uint64_t zh = zero_page_hash(sp->page_size);
	uint64_t p, ha, hb, la, lb, n;
	uint8_t sa, sb;
	int r;

	for (p = 0; p < sp->pages; p += n) {
		sa = cursor_state(&ca, sp->a.first_page + p, &ha);
		sb = cursor_state(&cb, sp->b.first_page + p, &hb);
		/* Neither side DATA: the whole stretch classifies alike. */
		la = cursor_same_left(&ca, sp->a.first_page + p);
		lb = cursor_same_left(&cb, sp->b.first_page + p);
		n = la < lb ? la : lb;
		if (n > sp->pages - p)
			n = sp->pages - p;
		if (!n)
			n = 1;
		sa = effective(sa, &ha, sp->a.absent_is_zero, zh);
		sb = effective(sb, &hb, sp->b.absent_is_zero, zh);
		if (sa == STATE_UNKNOWN || sb == STATE_UNKNOWN) {
			st->uncompared += n;
		} else if (sa == sb && (sa == MSNAP_PAGE_ZERO || ha == hb)) {
			st->same += n;
		} else {
			/* not reached for n > 1: two non-DATA states never differ */
			n = 1;
			st->differ++;
			if (fn) {
				r = fn(arg, p);
				if (r)
					return r;
			}
		}
	}
	return 0;
}

/* ---- pointer maps ------------------------------------------------------------------ */

int pd_ptrmap_add(struct pd_ptrmap *m, uint64_t lo, uint64_t hi,
		  uint64_t base, uint32_t id)
{
	struct pd_interval *nv;

	if (m->n == m->cap) {
		const size_t cap = m->cap ? m->cap * 2 : 64;

		nv = realloc(m->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		m->v = nv;
		m->cap = cap;
	}
	m->v[m->n].lo = lo;
	m->v[m->n].hi = hi;
	m->v[m->n].base = base;
	m->v[m->n].id = id;
	m->n++;
	return 0;
}

static int cmp_interval(const void *x, const void *y)
{
	const struct pd_interval *a = x, *b = y;

	return (a->lo > b->lo) - (a->lo < b->lo);
}

void pd_ptrmap_sort(struct pd_ptrmap *m)
{
	if (m->n)
		qsort(m->v, m->n, sizeof(*m->v), cmp_interval);
}

void pd_ptrmap_free(struct pd_ptrmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

bool pd_ptrmap_find(const struct pd_ptrmap *m, uint64_t v, uint32_t *id,
		    uint64_t *off)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const struct pd_interval *iv = &m->v[mid];

		if (v < iv->lo) {
			hi = mid;
		} else if (v >= iv->hi) {
			lo = mid + 1;
		} else {
			*id = iv->id;
			*off = v - iv->base;
			return true;
		}
	}
	return false;
}

/* ---- byte ranges ---------------------------------------------------------------- */

void pd_ranges_free(struct pd_ranges *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int add_range(struct pd_ranges *r, uint64_t off, uint64_t len)
{
	struct pd_range *nv;

	r->bytes += len;
	/* Equal bytes inside a changed word do not split a change in two. */
	if (r->n && off - (r->v[r->n - 1].off + r->v[r->n - 1].len) <
			    PD_MERGE_GAP) {
		r->v[r->n - 1].len = off + len - r->v[r->n - 1].off;
		return 0;
	}
	if (r->n == r->cap) {
		const size_t cap = r->cap ? r->cap * 2 : 16;

		nv = realloc(r->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		r->v = nv;
		r->cap = cap;
	}
	r->v[r->n].off = off;
	r->v[r->n].len = len;
	r->n++;
	return 0;
}

/* Both words point into the same matched region at the same offset. */
static bool same_pointer(uint64_t wa, uint64_t wb, const struct pd_ptrmap *ma,
			 const struct pd_ptrmap *mb)
{
	uint32_t ia, ib;
	uint64_t oa, ob;

	return ma && mb && pd_ptrmap_find(ma, wa, &ia, &oa) &&
	       pd_ptrmap_find(mb, wb, &ib, &ob) && ia == ib && oa == ob;
}

int pd_diff_bytes(const uint8_t *a, const uint8_t *b, size_t len,
		  uint64_t off, const struct pd_ptrmap *ma,
		  const struct pd_ptrmap *mb, struct pd_ranges *out)
{
	size_t i = 0, j, run;
	uint64_t wa, wb;

	while (i < len) {
		/* Whole equal words first: the common case. */
		if (i + 8 <= len) {
			memcpy(&wa, a + i, 8);
			memcpy(&wb, b + i, 8);
			if (wa == wb) {
				i += 8;
				continue;
			}
			if (same_pointer(wa, wb, ma, mb)) {
				out->ptr_words++;
				i += 8;
				continue;
			}
		}
		/* A differing word (or tail): its differing bytes. */
		for (j = i; j < len && j < i + 8; j++) {
			if (a[j] == b[j])
				continue;
			for (run = 1; j + run < len && j + run < i + 8 &&
				      a[j + run] != b[j + run]; run++)
				;
			if (add_range(out, off + j, run))
				return -1;
			j += run - 1;
		}
		i += 8;
	}
	return 0;
}

int pd_read(const struct pd_side *s, uint64_t off, void *buf, size_t n,
	    struct msnap_error *err)
{
	return msnap_read(s->rd, s->base + off, buf, n, NULL, err);
}

int pd_diff_page(const struct pd_span *sp, uint64_t page, uint8_t *bufa,
		 uint8_t *bufb, const struct pd_ptrmap *ma,
		 const struct pd_ptrmap *mb, struct pd_ranges *out,
		 struct msnap_error *err)
{
	const uint64_t off = page * sp->page_size;
	int r;

	r = pd_read(&sp->a, off, bufa, sp->page_size, err);
	if (!r)
		r = pd_read(&sp->b, off, bufb, sp->page_size, err);
	if (r)
		return r;
	if (pd_diff_bytes(bufa, bufb, sp->page_size, off, ma, mb, out))
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	return 0;
}

/* ---- hexdump ---------------------------------------------------------------- */

#define ROW PD_ROW
#define LONG_ROWS 8u     /* rows shown at each end of a long change */

void pd_print_hunk_head(FILE *fp, uint64_t lo, uint64_t hi)
{
	fprintf(fp, "  @@ +0x%llx..+0x%llx @@\n", (unsigned long long)lo,
		(unsigned long long)hi);
}

void pd_print_row(FILE *fp, char mark, uint64_t addr, const uint8_t *p)
{
	unsigned i;

	fprintf(fp, "  %c 0x%016llx ", mark, (unsigned long long)addr);
	for (i = 0; i < ROW; i++)
		fprintf(fp, "%s%02x", i == 8 ? "  " : " ", p[i]);
	fputs("  |", fp);
	for (i = 0; i < ROW; i++)
		fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.', fp);
	fputs("|\n", fp);
}

void pd_print_skipped(FILE *fp, uint64_t rows)
{
	fprintf(fp, "  ... %llu changed rows ...\n", (unsigned long long)rows);
}

/* Does row [r, r+ROW) overlap a range?  *k moves forward only. */
static bool row_changed(const struct pd_ranges *rg, size_t *k, size_t end,
			uint64_t r)
{
	while (*k < end && rg->v[*k].off + rg->v[*k].len <= r)
		(*k)++;
	return *k < end && rg->v[*k].off < r + ROW;
}

int pd_hunks(const struct pd_span *sp, const struct pd_ranges *rg,
	     size_t first, size_t count, unsigned context,
	     const struct pd_hunk_sink *sink, struct msnap_error *err)
{
	const uint64_t span = sp->pages * sp->page_size;
	const size_t end = first + count;
	uint8_t ra[ROW], rb[ROW];
	size_t i = first, k;
	uint64_t rend;
	unsigned shown;
	int r;

	while (i < end) {
		/* A hunk: ranges whose context rows touch or overlap. */
		uint64_t lo = rg->v[i].off / ROW * ROW, hi, row;
		size_t j = i;

		lo = lo >= (uint64_t)context * ROW ? lo - context * ROW : 0;
		hi = (rg->v[j].off + rg->v[j].len + ROW - 1) / ROW * ROW +
		     (uint64_t)context * ROW;
		while (j + 1 < end && rg->v[j + 1].off / ROW * ROW <=
					      hi + (uint64_t)context * ROW) {
			j++;
			hi = (rg->v[j].off + rg->v[j].len + ROW - 1) / ROW * ROW +
			     (uint64_t)context * ROW;
		}
		if (hi > span)
			hi = span;
		if (sink->hunk(sink->arg, lo, hi))
			return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
		k = i;
		shown = 0;
		for (row = lo; row < hi; row += ROW) {
			r = pd_read(&sp->a, row, ra, ROW, err);
			if (!r)
				r = pd_read(&sp->b, row, rb, ROW, err);
			if (r)
				return r;
			if (!row_changed(rg, &k, j + 1, row)) {
				if (sink->row(sink->arg, ' ', sp->a.base + row, ra))
					return msnap_fail(err, MSNAP_E_NOMEM, -1,
							  "out of memory");
				shown = 0;
				continue;
			}
			if (sink->row(sink->arg, '-', sp->a.base + row, ra) ||
			    sink->row(sink->arg, '+', sp->b.base + row, rb))
				return msnap_fail(err, MSNAP_E_NOMEM, -1,
						  "out of memory");
			/* A long change: its first and last rows are enough. */
			rend = (rg->v[k].off + rg->v[k].len) / ROW * ROW;
			if (++shown == LONG_ROWS &&
			    rend > row + (2 * LONG_ROWS + 1) * ROW) {
				const uint64_t next = rend - LONG_ROWS * ROW;

				if (sink->skipped(sink->arg,
						  (next - row) / ROW - 1))
					return msnap_fail(err, MSNAP_E_NOMEM, -1,
							  "out of memory");
				row = next - ROW;
			}
		}
		i = j + 1;
	}
	return 0;
}

static int print_head(void *arg, uint64_t lo, uint64_t hi)
{
	pd_print_hunk_head(arg, lo, hi);
	return 0;
}

static int print_row(void *arg, char mark, uint64_t addr, const uint8_t *p)
{
	pd_print_row(arg, mark, addr, p);
	return 0;
}

static int print_skipped(void *arg, uint64_t rows)
{
	pd_print_skipped(arg, rows);
	return 0;
}

int pd_print_hunks(FILE *fp, const struct pd_span *sp,
		   const struct pd_ranges *rg, size_t first, size_t count,
		   unsigned context, struct msnap_error *err)
{
	const struct pd_hunk_sink sink = {
		print_head, print_row, print_skipped, fp,
	};

	return pd_hunks(sp, rg, first, count, context, &sink, err);
}
