// SPDX-License-Identifier: MIT
/*
 * fuzz_diff.c - libFuzzer target for the analyzer's diff core: two
 * snapshots, any bytes, through snap_open, region identities and matching
 * (match.c), the hash-first page comparison, byte ranges with pointer
 * normalisation and the hexdump (pagediff.c), and the layout baseline
 * (baseline.c: from each snapshot, to YAML and back, compared).  Must give
 * clean errors, never a crash, a hang or an unbounded allocation.
 *
 * Input: a little-endian u32 n, then snapshot A (the next n bytes, fewer
 * if the input is shorter), then snapshot B (the rest).  Seeds come from
 * tests/fuzz/make_diff_seeds.c.
 *
 * fuzz-max-len: 65536
 *
 * fuzz-seconds-percent: 80
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "baseline.h"
#include "match.h"
#include "pagediff.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Differing pages read and diffed per region pair: keeps one input fast. */
#define MAX_PAGES_DIFFED 16u

struct side {
	int fd;
	char path[64];
	struct snap s;
	struct rset rs;
	bool open;
};

struct pair_ctx {
	const struct pd_span *sp;
	const struct pd_ptrmap *ma, *mb;
	uint8_t *bufa, *bufb;
	struct pd_ranges rg;
	unsigned pages;
};

static FILE *devnull(void)
{
	static FILE *fp;

	if (!fp)
		fp = fopen("/dev/null", "w");
	return fp;
}

static int side_open(struct side *d, const uint8_t *p, size_t n)
{
	struct msnap_error e;

	d->fd = memfd_create("fuzz-diff", MFD_CLOEXEC);
	if (d->fd < 0)
		return -1;
	if (n && write(d->fd, p, n) != (ssize_t)n)
		return -1;
	snprintf(d->path, sizeof(d->path), "/proc/self/fd/%d", d->fd);
	if (snap_open(&d->s, d->path, &e))
		return -1;
	d->open = true;
	return rset_from_snap(&d->rs, &d->s, &e);
}

static void side_close(struct side *d)
{
	rset_free(&d->rs);
	if (d->open)
		snap_close(&d->s);
	if (d->fd >= 0)
		close(d->fd);
}

static int on_page(void *arg, uint64_t page)
{
	struct pair_ctx *pc = arg;
	struct msnap_error e;

	if (pc->pages++ >= MAX_PAGES_DIFFED)
		return 1;
	return pd_diff_page(pc->sp, page, pc->bufa, pc->bufb, pc->ma, pc->mb,
			    &pc->rg, &e) ? 1 : 0;
}

static void compare(struct side *da, struct side *db, const struct rpair *p,
		    const struct pd_ptrmap *ma, const struct pd_ptrmap *mb)
{
	const struct rset *ra = &da->rs, *rb = &db->rs;
	const struct lregion *a = &ra->r[p->a], *b = &rb->r[p->b];
	struct pair_ctx pc = { .ma = ma, .mb = mb };
	struct msnap_error e;
	struct pd_stats st = { 0 };
	struct pd_span sp;

	if (!a->ri || !b->ri || ra->page_size != rb->page_size)
		return;
	pd_span_init(&sp, ra->page_size, a->role == ROLE_STACK, da->s.rd,
		     a->ri, a->index, a->start, a->end, db->s.rd, b->ri,
		     b->index, b->start, b->end);
	pc.sp = &sp;
	pc.bufa = malloc(ra->page_size);
	pc.bufb = malloc(ra->page_size);
	if (pc.bufa && pc.bufb) {
		sp.a.absent_is_zero = a->role == ROLE_ANON;
		pd_compare_pages(&sp, &st, NULL, NULL);
		memset(&st, 0, sizeof(st));
		pd_compare_pages(&sp, &st, on_page, &pc);
		if (pc.rg.n)
			pd_print_hunks(devnull(), &sp, &pc.rg, 0,
				       pc.rg.n < 8 ? pc.rg.n : 8, 2, &e);
	}
	pd_ranges_free(&pc.rg);
	free(pc.bufa);
	free(pc.bufb);
}

static void diff_contents(struct side *da, struct side *db)
{
	struct pd_ptrmap ma = { 0 }, mb = { 0 };
	struct msnap_error e;
	struct rmatch m = { 0 };
	size_t i;

	if (match_regions(&da->rs, &db->rs, &m, &e))
		goto out;
	(void)rset_same_process(&da->rs, &db->rs);
	for (i = 0; i < m.n; i++) {
		const struct rpair *p = &m.p[i];

		(void)match_how_name(p->how);
		if (p->a < 0 || p->b < 0)
			continue;
		if (pd_ptrmap_add(&ma, da->rs.r[p->a].start, da->rs.r[p->a].end,
				  da->rs.r[p->a].start, (uint32_t)i) ||
		    pd_ptrmap_add(&mb, db->rs.r[p->b].start, db->rs.r[p->b].end,
				  db->rs.r[p->b].start, (uint32_t)i))
			goto out;
	}
	pd_ptrmap_sort(&ma);
	pd_ptrmap_sort(&mb);
	for (i = 0; i < m.n; i++)
		if (m.p[i].a >= 0 && m.p[i].b >= 0)
			compare(da, db, &m.p[i], &ma, &mb);
out:
	pd_ptrmap_free(&ma);
	pd_ptrmap_free(&mb);
	match_free(&m);
}

static void diff_layouts(struct side *da, struct side *db)
{
	struct layout la = { 0 }, lb = { 0 }, back = { 0 };
	struct lay_findings f = { 0 };
	struct lay_rules rules;
	struct msnap_error e;
	char msg[256], *yaml = NULL;
	size_t len;

	if (lay_parse_rules(LAYOUT_DEFAULT_FAIL_ON, &rules, msg, sizeof(msg)))
		abort();
	if (layout_from_rset(&la, &da->rs, "a", &e) ||
	    layout_from_rset(&lb, &db->rs, "b", &e))
		goto out;
	layout_compare(&la, &lb, &rules, &f);
	/* A baseline written from a snapshot must read back. */
	if (layout_to_yaml(&la, &yaml, &len, &e) == 0 &&
	    layout_from_yaml(&back, yaml, len, "back", &e))
		abort();
out:
	lay_findings_free(&f);
	free(yaml);
	layout_free(&back);
	layout_free(&la);
	layout_free(&lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct side da, db;
	size_t na;

	if (size < 4)
		return 0;
	memset(&da, 0, sizeof(da));
	memset(&db, 0, sizeof(db));
	da.fd = db.fd = -1;
	na = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
	     (size_t)data[3] << 24;
	if (na > size - 4)
		na = size - 4;
	if (side_open(&da, data + 4, na) == 0 &&
	    side_open(&db, data + 4 + na, size - 4 - na) == 0) {
		diff_layouts(&da, &db);
		diff_contents(&da, &db);
	}
	side_close(&da);
	side_close(&db);
	return 0;
}
