// SPDX-License-Identifier: MIT
/*
 * test_ana_diff.c - region matching, hash-first page diff, byte ranges,
 * pointer normalisation and layout baselines, on synthetic snapshots of a
 * "process" captured twice under different ASLR bases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msnap.h"
#include "cli.h"
#include "match.h"
#include "pagediff.h"
#include "snapshot.h"
#include "baseline.h"
#include "diff_text.h"
#include "output.h"

#define PS 4096u

/* One region of the synthetic process; base is added to `at`. */
struct sreg {
	uint64_t at, pages;
	const char *perms, *kind, *path;
	uint64_t offset, inode;
	bool in_lib;                  /* at is relative to the lib base */
	uint8_t *mem;
};

enum { R_EXE_R, R_EXE_X, R_EXE_W, R_BSS, R_HEAP, R_ANON, R_LIB_R, R_LIB_X,
       R_EXTRA, R_STACK, NREG };

struct sproc {
	uint64_t exe_base, lib_base, heap, anon, stack;
	struct sreg r[NREG];
	size_t n;
	bool extra_lib;
	uint64_t start_ticks;         /* another run: another value */
	char path[64];
};

static uint64_t region_start(const struct sproc *p, size_t i)
{
	const struct sreg *g = &p->r[i];

	switch (i) {
	case R_HEAP:
		return p->heap;
	case R_ANON:
		return p->anon;
	case R_STACK:
		return p->stack;
	default:
		return (g->in_lib ? p->lib_base : p->exe_base) + g->at;
	}
}

static void fill(uint8_t *m, size_t n, uint64_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		m[i] = (uint8_t)(seed * 37 + i * 13 + (i >> 9));
}

static void init_proc(struct sproc *p, uint64_t slide, bool extra)
{
	static const struct sreg tmpl[NREG] = {
		[R_EXE_R] = { 0x0, 1, "r--p", "file", "/opt/x/victim", 0, 11, false, NULL },
		[R_EXE_X] = { 0x1000, 2, "r-xp", "file", "/opt/x/victim", 0x1000, 11, false, NULL },
		[R_EXE_W] = { 0x3000, 1, "rw-p", "file", "/opt/x/victim", 0x3000, 11, false, NULL },
		[R_BSS] = { 0x4000, 2, "rw-p", "anon", "", 0, 0, false, NULL },
		[R_HEAP] = { 0, 4, "rw-p", "heap", "[heap]", 0, 0, false, NULL },
		[R_ANON] = { 0, 8, "rw-p", "anon", "", 0, 0, false, NULL },
		[R_LIB_R] = { 0x8000, 1, "r--p", "file", "/lib/libc.so.6", 0, 22, true, NULL },
		[R_LIB_X] = { 0x9000, 2, "r-xp", "file", "/lib/libc.so.6", 0x1000, 22, true, NULL },
		[R_EXTRA] = { 0x20000, 1, "r-xp", "file", "/lib/libextra.so", 0, 33, true, NULL },
		[R_STACK] = { 0, 3, "rw-p", "stack", "[stack]", 0, 0, false, NULL },
	};
	size_t i;

	memset(p, 0, sizeof(*p));
	p->exe_base = 0x555500000000ull + slide;
	p->heap = p->exe_base + 0x100000;
	p->anon = 0x7f0000000000ull + slide;
	p->lib_base = p->anon + 0x10000;
	p->stack = 0x7ffd00000000ull + slide;
	p->extra_lib = extra;
	p->start_ticks = 5 + slide;
	memcpy(p->r, tmpl, sizeof(tmpl));
	for (i = 0; i < NREG; i++) {
		p->r[i].mem = calloc(p->r[i].pages, PS);
		assert_non_null(p->r[i].mem);
		if (i != R_BSS)
			fill(p->r[i].mem, p->r[i].pages * PS, i + 1);
	}
	/* Heap page 0: pointers into the exe's text, as a program keeps. */
	for (i = 0; i < 64; i++) {
		const uint64_t v = p->exe_base + 0x1000 + i * 16;

		memcpy(p->r[R_HEAP].mem + i * 8, &v, 8);
	}
	/* Stack: a pointer near its end to the heap */
	memcpy(p->r[R_STACK].mem + 3 * PS - 64, &p->heap, 8);
}

static void free_proc(struct sproc *p)
{
	size_t i;

	for (i = 0; i < NREG; i++)
		free(p->r[i].mem);
	unlink(p->path);
}

/* Regions in address order: indexes into r[]. */
static size_t order(const struct sproc *p, size_t *ix)
{
	size_t n = 0, i, j;

	for (i = 0; i < NREG; i++)
		if (i != R_EXTRA || p->extra_lib)
			ix[n++] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && region_start(p, ix[j - 1]) >
				     region_start(p, ix[j]); j--) {
			const size_t t = ix[j];

			ix[j] = ix[j - 1];
			ix[j - 1] = t;
		}
	return n;
}

static void write_proc(struct sproc *p)
{
	struct msnap_writer_opts o = { 0 };
	struct msnap_writer *w;
	struct msnap_error e;
	size_t ix[NREG], n = order(p, ix), i, len = 0;
	char *yaml = malloc(1 << 16);
	int fd;

	assert_non_null(yaml);
	len += (size_t)sprintf(yaml + len,
		"memsnap: {schema: \"1.0\", version: t, command: [t]}\n"
		"process: {pid: 100, start_time_ticks: %llu, comm: victim}\n"
		"threads:\n- {tid: 100, name: victim, state: S}\n"
		"regions:\n", (unsigned long long)p->start_ticks);
	strcpy(p->path, "/tmp/test_ana_diff.XXXXXX");
	fd = mkstemp(p->path);
	assert_true(fd >= 0);
	o.fd = fd;
	o.threads = 1;
	o.page_size = PS;
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	for (i = 0; i < n; i++) {
		const struct sreg *g = &p->r[ix[i]];
		const uint64_t s = region_start(p, ix[i]);

		assert_int_equal(msnap_writer_begin_region(w, s, s + g->pages * PS,
							   &e), 0);
		assert_int_equal(msnap_writer_add(w, 0, g->pages, MSNAP_PAGE_DATA,
						  g->mem, &e), 0);
		assert_int_equal(msnap_writer_end_region(w, &e), 0);
		len += (size_t)sprintf(yaml + len,
			"- {index: %zu, start: \"0x%llx\", end: \"0x%llx\", perms: %s, offset: %llu, dev: \"fe:01\", inode: %llu, path: \"%s\", kind: %s}\n",
			i, (unsigned long long)s,
			(unsigned long long)(s + g->pages * PS), g->perms,
			(unsigned long long)g->offset,
			(unsigned long long)g->inode, g->path, g->kind);
	}
	len += (size_t)sprintf(yaml + len, "errors: []\n");
	assert_int_equal(msnap_writer_finish(w, yaml, len, NULL, &e), 0);
	msnap_writer_free(w);
	close(fd);
	free(yaml);
}

struct pair {
	struct sproc a, b;
	struct snap sa, sb;
	struct rset ra, rb;
	struct rmatch m;
};

static void open_pair(struct pair *t)
{
	struct msnap_error e;

	write_proc(&t->a);
	write_proc(&t->b);
	assert_int_equal(snap_open(&t->sa, t->a.path, &e), 0);
	assert_int_equal(snap_open(&t->sb, t->b.path, &e), 0);
	assert_int_equal(rset_from_snap(&t->ra, &t->sa, &e), 0);
	assert_int_equal(rset_from_snap(&t->rb, &t->sb, &e), 0);
	assert_int_equal(match_regions(&t->ra, &t->rb, &t->m, &e), 0);
}

static void close_pair(struct pair *t)
{
	if (getenv("KEEP"))
		return;
	match_free(&t->m);
	rset_free(&t->ra);
	rset_free(&t->rb);
	snap_close(&t->sa);
	snap_close(&t->sb);
	free_proc(&t->a);
	free_proc(&t->b);
}

/* The region of set s that starts at addr. */
static int at(const struct rset *s, uint64_t addr)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].start == addr)
			return (int)i;
	fail_msg("no region at 0x%llx", (unsigned long long)addr);
	return -1;
}

static void test_match_under_aslr(void **state)
{
	struct pair t;
	size_t i;

	(void)state;
	init_proc(&t.a, 0, false);
	init_proc(&t.b, 0x3450000, false);
	open_pair(&t);
	assert_int_equal(t.ra.n, t.rb.n);
	assert_int_equal(t.m.n, t.ra.n);          /* nothing added or removed */
	for (i = 0; i < NREG; i++) {
		int ia, ib;

		if (i == R_EXTRA)
			continue;
		ia = at(&t.ra, region_start(&t.a, i));
		ib = at(&t.rb, region_start(&t.b, i));
		assert_int_equal(t.m.a2b[ia], ib);
	}
	assert_int_equal(t.ra.r[at(&t.ra, region_start(&t.a, R_BSS))].role,
			 ROLE_BSS);
	assert_int_equal(t.ra.r[at(&t.ra, region_start(&t.a, R_ANON))].role,
			 ROLE_ANON);
	assert_int_equal(t.ra.nmod, 2);
	close_pair(&t);
}

/* Diff every matched pair with pagediff; return total ranges. */
static void diff_all(struct pair *t, bool normalize, struct pd_ranges *out,
		     struct pd_stats *st, int only_a)
{
	struct pd_ptrmap pa = { 0 }, pb = { 0 };
	uint8_t *ba = malloc(PS), *bb = malloc(PS);
	struct msnap_error e;
	size_t i;
	uint64_t p;

	assert_non_null(ba);
	assert_non_null(bb);
	for (i = 0; i < t->m.n; i++) {
		const struct rpair *q = &t->m.p[i];

		if (q->a < 0 || q->b < 0)
			continue;
		pd_ptrmap_add(&pa, t->ra.r[q->a].start, t->ra.r[q->a].end,
			      t->ra.r[q->a].start, (uint32_t)i);
		pd_ptrmap_add(&pb, t->rb.r[q->b].start, t->rb.r[q->b].end,
			      t->rb.r[q->b].start, (uint32_t)i);
	}
	pd_ptrmap_sort(&pa);
	pd_ptrmap_sort(&pb);
	for (i = 0; i < t->m.n; i++) {
		const struct rpair *q = &t->m.p[i];
		const struct lregion *a, *b;
		struct pd_span sp;

		if (q->a < 0 || q->b < 0 || (only_a >= 0 && q->a != only_a))
			continue;
		a = &t->ra.r[q->a];
		b = &t->rb.r[q->b];
		pd_span_init(&sp, PS, a->role == ROLE_STACK, t->sa.rd, a->ri,
			     a->index, a->start, a->end, t->sb.rd, b->ri,
			     b->index, b->start, b->end);
		assert_int_equal(pd_compare_pages(&sp, st, NULL, NULL), 0);
		for (p = 0; p < sp.pages; p++)
			assert_int_equal(pd_diff_page(&sp, p, ba, bb,
						      normalize ? &pa : NULL,
						      normalize ? &pb : NULL,
						      out, &e), 0);
	}
	pd_ptrmap_free(&pa);
	pd_ptrmap_free(&pb);
	free(ba);
	free(bb);
}

static void test_exact_ranges(void **state)
{
	struct pd_ranges rg = { 0 };
	struct pd_stats st = { 0 };
	struct pair t;
	int ia;
	size_t i;

	(void)state;
	init_proc(&t.a, 0, false);
	init_proc(&t.b, 0, false);
	/* Same process, same bases: mutate 50 bytes at anon+2*PS+100, and 1 byte. */
	for (i = 0; i < 50; i++)
		t.b.r[R_ANON].mem[2 * PS + 100 + i] ^= 0xff;
	t.b.r[R_ANON].mem[5 * PS + 8] ^= 0x01;
	open_pair(&t);
	ia = at(&t.ra, t.a.anon);
	diff_all(&t, false, &rg, &st, ia);
	assert_int_equal(st.differ, 2);
	assert_int_equal(st.same, 6);
	assert_int_equal(rg.n, 2);
	assert_int_equal(rg.v[0].off, 2 * PS + 100);
	assert_int_equal(rg.v[0].len, 50);
	assert_int_equal(rg.v[1].off, 5 * PS + 8);
	assert_int_equal(rg.v[1].len, 1);
	assert_int_equal(rg.bytes, 51);
	pd_ranges_free(&rg);
	/* And nothing anywhere else. */
	memset(&st, 0, sizeof(st));
	diff_all(&t, false, &rg, &st, -1);
	assert_int_equal(st.differ, 2);
	assert_int_equal(rg.n, 2);
	pd_ranges_free(&rg);
	close_pair(&t);
}

static void test_pointer_normalisation(void **state)
{
	struct pd_ranges rg = { 0 };
	struct pd_stats st = { 0 };
	struct pair t;

	(void)state;
	init_proc(&t.a, 0, false);
	init_proc(&t.b, 0x7770000, false);
	open_pair(&t);
	/* Without: the 64 heap pointers and the stack pointer differ. */
	diff_all(&t, false, &rg, &st, -1);
	assert_int_equal(st.differ, 2);
	assert_true(rg.n >= 2);
	assert_int_equal(rg.ptr_words, 0);
	pd_ranges_free(&rg);
	/* With: nothing differs; 65 words were pointers. */
	diff_all(&t, true, &rg, &st, -1);
	assert_int_equal(rg.n, 0);
	assert_int_equal(rg.ptr_words, 65);
	pd_ranges_free(&rg);
	close_pair(&t);
}

static void test_byte_ranges(void **state)
{
	uint8_t a[64], b[64];
	struct pd_ranges rg = { 0 };

	(void)state;
	fill(a, sizeof(a), 9);
	memcpy(b, a, sizeof(b));
	b[3] ^= 0xff;
	b[4] ^= 0xff;
	b[9] ^= 1;               /* 4 equal bytes after 4: same range */
	b[40] ^= 1;              /* far away: a range of its own */
	b[63] ^= 1;
	assert_int_equal(pd_diff_bytes(a, b, 64, 4096, NULL, NULL, &rg), 0);
	assert_int_equal(rg.n, 3);
	assert_int_equal(rg.v[0].off, 4099);
	assert_int_equal(rg.v[0].len, 7);
	assert_int_equal(rg.v[1].off, 4136);
	assert_int_equal(rg.v[1].len, 1);
	assert_int_equal(rg.v[2].off, 4159);
	assert_int_equal(rg.bytes, 5);
	/* The next page's first byte continues the last range. */
	b[0] ^= 1;
	assert_int_equal(pd_diff_bytes(a, b, 64, 4160, NULL, NULL, &rg), 0);
	assert_int_equal(rg.v[2].off, 4159);
	assert_int_equal(rg.v[2].len, 4170 - 4159);   /* and its 3,4,9 */
	pd_ranges_free(&rg);
}

static void test_layout_rules(void **state)
{
	struct lay_findings f;
	struct lay_rules rules;
	struct layout la, lb, lr;
	struct msnap_error e;
	struct pair t;
	char msg[256], *text, *acc;
	size_t len;

	(void)state;
	init_proc(&t.a, 0, false);
	init_proc(&t.b, 0x1230000, true);
	open_pair(&t);
	assert_int_equal(lay_parse_rules(LAYOUT_DEFAULT_FAIL_ON, &rules, msg,
					 sizeof(msg)), 0);
	assert_true(rules.fail[LR_NEW_MODULE]);
	assert_true(rules.growth_pct == 20.0);
	assert_int_equal(lay_parse_rules("new-module,bogus", &rules, msg,
					 sizeof(msg)), -1);
	assert_int_equal(lay_parse_rules("new-module,rwx,growth:50%", &rules,
					 msg, sizeof(msg)), 0);
	assert_false(rules.fail[LR_MISSING_MODULE]);
	assert_true(rules.growth_pct == 50.0);
	assert_int_equal(layout_from_rset(&la, &t.ra, "a", &e), 0);
	assert_int_equal(layout_from_rset(&lb, &t.rb, "b", &e), 0);
	/* A against itself: nothing. */
	assert_int_equal(layout_compare(&la, &la, &rules, &f), 0);
	assert_int_equal(f.n, 0);
	lay_findings_free(&f);
	/* B has one more library: one new-module finding, and it fails. */
	assert_int_equal(layout_compare(&la, &lb, &rules, &f), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].rule, LR_NEW_MODULE);
	assert_string_equal(f.v[0].subject, "/lib/libextra.so");
	assert_true(f.v[0].fails);
	lay_findings_free(&f);
	/* The baseline round-trips through YAML, and may accept it. */
	assert_int_equal(layout_to_yaml(&la, &text, &len, &e), 0);
	text = realloc(text, len + 100);
	assert_non_null(text);
	acc = strstr(text, "accept: []");
	assert_non_null(acc);
	len = (size_t)(acc - text) +
	      (size_t)sprintf(acc, "accept:\n- {rule: new-module, subject: /lib/libextra*}\n");
	if (layout_from_yaml(&lr, text, len, "base.yaml", &e))
		fail_msg("%s\n%s", e.msg, text);
	assert_int_equal(lr.nmod, la.nmod);
	assert_int_equal(lr.total[LC_HEAP].size, 4 * PS);
	assert_int_equal(layout_compare(&lr, &lb, &rules, &f), 0);
	assert_int_equal(f.n, 1);
	assert_true(f.v[0].accepted);
	assert_false(f.v[0].fails);
	lay_findings_free(&f);
	/* Heap doubled: growth past 50%. */
	lr.total[LC_HEAP].size /= 2;
	assert_int_equal(layout_compare(&lr, &la, &rules, &f), 0);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.v[0].rule, LR_GROWTH);
	assert_string_equal(f.v[0].subject, "heap");
	lay_findings_free(&f);
	free(text);
	layout_free(&la);
	layout_free(&lb);
	layout_free(&lr);
	close_pair(&t);
}

/* The subcommand's exit codes, as diff(1). */
static int run_diff(const char *x, const char *y, const char *opt)
{
	char *argv[] = { (char *)"diff", (char *)"--format", (char *)"json",
			 (char *)opt, (char *)x, (char *)y, NULL };
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY), rc;
	int argc = 6;

	if (!opt) {
		argv[3] = (char *)x;
		argv[4] = (char *)y;
		argv[5] = NULL;
		argc = 5;
	}
	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	rc = cmd_diff(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	return rc;
}

struct count {
	const char *key;
	uint64_t v;
};

static void put_counts(struct onode *o, const struct count *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out_u64(o, c[i].key, c[i].v);
}

/* diff's text comes from the document: one changed region, its hexdump. */
static void test_text_from_document(void **state)
{
	static const char want[] =
		"--- a A\n+++ b B\n"
		"changed   rw-p 0x1000-0x3000 anon [anon:buf] -> rw-p 0x1000-0x3000 anon [anon:buf]\n"
		"          +0x10 2 bytes (a 0x1010, b 0x1010)\n"
		"  @@ +0x0..+0x20 @@\n"
		"  - 0x0000000000001010  41 41 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |AA..............|\n"
		"  + 0x0000000000001010  42 42 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |BB..............|\n"
		"  ... 7 changed rows ...\n"
		"          pages: 1 differ, 1 same, 0 not comparable\n"
		"          2 bytes differ in 1 ranges\n"
		"regions: 3 unchanged, 1 changed, 0 added, 0 removed\n"
		"pages: 1 same, 1 differ, 0 not comparable\n"
		"bytes: 2 differ in 1 ranges\n";
	static const struct count pages[] = {
		{ "same", 1 }, { "differ", 1 }, { "uncompared", 0 },
	};
	static const struct count region[] = {
		{ "bytes_differ", 2 }, { "pointer_words", 0 },
		{ "range_count", 1 },
	};
	static const struct count summary[] = {
		{ "regions_unchanged", 3 }, { "regions_changed", 1 },
		{ "pages_same", 1 }, { "pages_differ", 1 },
		{ "bytes_differ", 2 }, { "ranges", 1 },
	};
	const struct diff_text_opts o = { .max_ranges = 32 };
	struct odoc *d = odoc_new();
	struct onode *root = odoc_root(d), *r, *side, *rg, *b, *h, *row, *s;
	uint8_t ra[PD_ROW] = { 'A', 'A' }, rb[PD_ROW] = { 'B', 'B' };
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	int k;

	(void)state;
	assert_non_null(d);
	assert_non_null(fp);
	out_str(root, "a", "A");
	out_str(root, "b", "B");
	r = out_map(out_seq(root, "regions"), NULL);
	out_str(r, "match", "identity");
	for (k = 0; k < 2; k++) {
		side = out_map(r, k ? "b" : "a");
		out_hex(side, "start", 0x1000);
		out_hex(side, "end", 0x3000);
		out_str(side, "perms", "rw-p");
		out_str(side, "kind", "anon");
		out_bytes(side, "path", "", 0);
		out_bytes(side, "name", "buf", 3);
	}
	rg = out_map(out_seq(r, "ranges"), NULL);
	out_hex(rg, "offset", 0x10);
	out_hex(rg, "a_addr", 0x1010);
	out_hex(rg, "b_addr", 0x1010);
	out_u64(rg, "length", 2);
	b = out_map(out_seq(r, "text_hexdump"), NULL);
	out_u64(b, "first", 0);
	out_u64(b, "end", 1);
	h = out_map(out_seq(b, "hunks"), NULL);
	out_hex(h, "lo", 0);
	out_hex(h, "hi", 0x20);
	row = out_seq(h, "rows");
	for (k = 0; k < 2; k++) {
		s = out_map(row, NULL);
		out_str(s, "mark", k ? "+" : "-");
		out_hex(s, "addr", 0x1010);
		out_bytes(s, "bytes", k ? rb : ra, PD_ROW);
	}
	out_u64(out_map(row, NULL), "skipped", 7);
	out_str(r, "status", "changed");
	out_str(out_seq(r, "changes"), NULL, "content");
	put_counts(out_map(r, "pages"), pages, 3);
	put_counts(r, region, 3);
	s = out_map(root, "summary");
	put_counts(s, summary, 6);
	out_bool(s, "normalize_pointers", false);
	assert_int_equal(diff_print_text(fp, d, &o), 0);
	fclose(fp);
	assert_string_equal(text, want);
	free(text);
	odoc_free(d);
}

static void test_exit_codes(void **state)
{
	struct pair t;

	(void)state;
	init_proc(&t.a, 0, false);
	init_proc(&t.b, 0x5550000, false);
	open_pair(&t);
	assert_int_equal(run_diff(t.a.path, t.a.path, NULL), 0);
	assert_int_equal(run_diff(t.a.path, t.a.path, "--stat"), 0);
	/* ASLR only: pointers differ unless normalised. */
	assert_int_equal(run_diff(t.a.path, t.b.path, NULL), 1);
	assert_int_equal(run_diff(t.a.path, t.b.path, "--normalize-pointers"), 0);
	assert_int_equal(run_diff(t.a.path, t.b.path, "--layout"), 0);
	assert_int_equal(run_diff(t.a.path, "/nonexistent.msnap", NULL), 2);
	close_pair(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_under_aslr),
		cmocka_unit_test(test_exact_ranges),
		cmocka_unit_test(test_pointer_normalisation),
		cmocka_unit_test(test_byte_ranges),
		cmocka_unit_test(test_layout_rules),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_text_from_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
