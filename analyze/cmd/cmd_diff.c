// SPDX-License-Identifier: MIT
/*
 * cmd_diff.c - memsnap-analyze diff: snapshot against snapshot.
 *
 * Regions are matched by identity (match.c), their pages compared by hash
 * (pagediff.c): --stat never decompresses anything, and a full diff reads
 * only the pages whose hashes differ.  --layout hands over to
 * layout_diff_main() (cmd_layout.c), which compares layouts with
 * baseline.c.  Exit codes as diff(1): 0 same, 1 different, 2 error.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "aprogress.h"
#include "disasm.h"
#include "baseline.h"
#include "diff_text.h"
#include "match.h"
#include "output.h"
#include "pagediff.h"
#include "snapshot.h"

static const char cmd[] = "diff";

#define DEFAULT_CONTEXT     2u
#define DEFAULT_MAX_RANGES  32u
#define DISASM_RANGES       4u      /* ranges of a region disassembled */
#define DISASM_WINDOW       64u     /* bytes decoded before a change */
#define JSON_BYTES_MAX      64u     /* bytes shown in from/to */

struct diff_opts {
	enum out_format fmt;
	bool stat, normalize, all, layout, disasm;
	unsigned context;
	uint64_t max_ranges;
	const char *fail_on;
	struct ana_common common;    /* --quiet, --progress */
};

/* What diff found in one region pair. */
struct pair_result {
	const struct lregion *a, *b;
	const struct rpair *p;
	bool grew, shrank, moved, perms, backing;
	struct pd_span span;
	bool compared;
	struct pd_stats st;
	uint64_t only_a, only_b;      /* pages beyond the other's size */
	struct pd_ranges rg;
	/* Ranges are shown while the pages are read (one decompression). */
	size_t emitted;               /* ranges already shown or skipped */
	struct onode *node, *ranges;  /* the region's entry in the document */
	struct onode *hexdump;        /* text only: its hexdump hunks */
};

struct diff_totals {
	uint64_t unchanged, changed, added, removed;
	uint64_t same, differ, uncompared;
	uint64_t bytes, ranges, ptr_words;
};

struct diff_ctx {
	const struct diff_opts *o;
	struct snap sa, sb;
	struct rset ra, rb;
	struct rmatch m;
	struct pd_ptrmap pa, pb;
	uint8_t *bufa, *bufb;
	struct diff_totals t;
	struct odoc *doc;
	struct onode *regions;
	struct msnap_error err;
};

static void diff_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze diff [options] A.msnap B.msnap\n"
		"       memsnap-analyze diff --layout [--fail-on RULES] BASE NEW\n"
		"\n"
		"      --stat                counts only; decompresses nothing\n"
		"  -C, --context N           unchanged hexdump rows around a change (2;\n"
		"                            -U N is the same)\n"
		"      --normalize-pointers  compare pointers into matched regions as\n"
		"                            region+offset (runs with different ASLR)\n"
		"      --max-ranges N        byte ranges shown per region (32)\n"
		"  -a, --all                 list unchanged regions and every range\n"
		"      --no-disasm           no disassembly of changed code\n"
		"  -f, --format F            text (default), json or yaml\n"
		"      --layout              compare layouts; BASE and NEW may each be\n"
		"                            a snapshot or a layout baseline\n"
		"      --fail-on RULES       layout rules that make the exit status 1\n"
		"                            (%s)\n"
		ANA_HELP_PROGRESS
		"                            (on a terminal, not with a text report\n"
		"                            to the terminal)\n"
		"\n"
		"examples: memsnap-analyze diff --stat before.msnap after.msnap\n"
		"          memsnap-analyze diff --layout --fail-on new-module,rwx base.yaml new.msnap\n"
		"\n"
		"exit status: 0 same, 1 different, 2 error\n",
		LAYOUT_DEFAULT_FAIL_ON);
}

/* ---- comparing one pair ------------------------------------------------------ */

static bool end_aligned(const struct lregion *g)
{
	return g->role == ROLE_STACK || g->role == ROLE_THREAD_STACK;
}

static bool absent_is_zero(const struct lregion *g)
{
	return g->role != ROLE_FILE && g->perms[3] == 'p';
}

static bool differs(const char *x, const char *y)
{
	return x[0] && y[0] && strcmp(x, y);
}

static void pair_attributes(struct diff_ctx *c, struct pair_result *pr)
{
	const struct lregion *a = pr->a, *b = pr->b;
	const uint64_t za = a->end - a->start, zb = b->end - b->start;

	pr->grew = zb > za;
	pr->shrank = zb < za;
	pr->perms = strcmp(a->perms, b->perms) != 0;
	if (a->module >= 0 && b->module >= 0)
		pr->moved = a->mod_off != b->mod_off;
	else if (rset_same_process(&c->ra, &c->rb))
		pr->moved = end_aligned(a) ? a->end != b->end :
					     a->start != b->start;
	if (a->role == ROLE_FILE && b->role == ROLE_FILE)
		pr->backing = differs(a->dev, b->dev) || a->inode != b->inode ||
			      differs(a->build_id, b->build_id) ||
			      a->path_len != b->path_len ||
			      memcmp(a->path, b->path, a->path_len);
}

static int emit_ranges(struct diff_ctx *c, struct pair_result *pr, size_t to);

/*
 * Ranges before `to` are final once a later range exists that does not
 * share their hexdump hunk: show them now, while their chunk is cached.
 */
static size_t final_ranges(const struct diff_ctx *c,
			   const struct pair_result *pr)
{
	const uint64_t ctx = (2 * (uint64_t)c->o->context + 2) * 16;
	size_t j = pr->rg.n;

	while (j > pr->emitted + 1) {
		const struct pd_range *a = &pr->rg.v[j - 2], *b = &pr->rg.v[j - 1];

		if (b->off > a->off + a->len + ctx)
			return j - 1;
		j--;
	}
	return pr->emitted;
}

static int page_differs(void *arg, uint64_t page)
{
	void **args = arg;
	struct diff_ctx *c = args[0];
	struct pair_result *pr = args[1];
	size_t to;
	int r;

	r = pd_diff_page(&pr->span, page, c->bufa, c->bufb,
			 c->o->normalize ? &c->pa : NULL,
			 c->o->normalize ? &c->pb : NULL, &pr->rg, &c->err);
	if (r)
		return r;
	to = final_ranges(c, pr);
	return to > pr->emitted ? emit_ranges(c, pr, to) : 0;
}

/*
 * One process captured twice: a region that grew by merging with a
 * neighbour keeps its bytes at the same addresses, so compare where both
 * overlap (a region that moved keeps the alignment pd_span_init chose).
 */
static void same_addresses(struct pd_span *sp, const struct lregion *a,
			   const struct lregion *b)
{
	const uint64_t lo = a->start > b->start ? a->start : b->start;
	const uint64_t hi = a->end < b->end ? a->end : b->end;

	if (lo >= hi)
		return;
	sp->pages = (hi - lo) / sp->page_size;
	sp->a.first_page = (lo - a->start) / sp->page_size;
	sp->b.first_page = (lo - b->start) / sp->page_size;
	sp->a.base = sp->b.base = lo;
}

static int compare_pair(struct diff_ctx *c, struct pair_result *pr)
{
	const uint32_t ps = c->ra.page_size;
	const struct lregion *a = pr->a, *b = pr->b;
	void *args[2] = { c, pr };
	uint64_t na, nb;
	int r;

	pair_attributes(c, pr);
	if (!a->ri || !b->ri)
		return 0;
	pd_span_init(&pr->span, ps, end_aligned(a), c->sa.rd, a->ri, a->index,
		     a->start, a->end, c->sb.rd, b->ri, b->index, b->start,
		     b->end);
	if (rset_same_process(&c->ra, &c->rb))
		same_addresses(&pr->span, a, b);
	pr->span.a.absent_is_zero = absent_is_zero(a);
	pr->span.b.absent_is_zero = absent_is_zero(b);
	na = (a->end - a->start) / ps;
	nb = (b->end - b->start) / ps;
	pr->only_a = na - pr->span.pages;
	pr->only_b = nb - pr->span.pages;
	pr->compared = true;
	r = pd_compare_pages(&pr->span, &pr->st, c->o->stat ? NULL : page_differs,
			     args);
	if (r)
		return r < 0 ? r : -MSNAP_E_NOMEM;
	return 0;
}

/* With pointer normalisation a page may differ by hash and not in bytes. */
static bool content_changed(const struct diff_ctx *c,
			    const struct pair_result *pr)
{
	return c->o->stat ? pr->st.differ != 0 : pr->rg.n != 0;
}

static const char *pair_status(const struct diff_ctx *c,
			       const struct pair_result *pr)
{
	if (!pr->b)
		return "removed";
	if (!pr->a)
		return "added";
	if (pr->grew || pr->shrank || pr->moved || pr->perms || pr->backing ||
	    content_changed(c, pr))
		return "changed";
	return "unchanged";
}

/* Bytes around range k of one side, for the disassembler. */
static int code_window(const struct pd_side *s, const struct pd_span *sp,
		       const struct pd_range *rg, uint8_t **buf, size_t *n,
		       uint64_t *from, struct msnap_error *err)
{
	const uint64_t span = sp->pages * sp->page_size;
	uint64_t lo = rg->off > DISASM_WINDOW ? rg->off - DISASM_WINDOW : 0;
	uint64_t hi = rg->off + (rg->len < 256 ? rg->len : 256) + 32;

	if (hi > span)
		hi = span;
	*buf = malloc(hi - lo);
	if (!*buf)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	*n = hi - lo;
	*from = lo;
	return pd_read(s, lo, *buf, *n, err);
}

/* Disassemble one side (0: a, 1: b) around range rg. */
static int show_disasm(const struct pair_result *pr, const struct pd_range *rg,
		       unsigned side, dis_fn fn, void *arg,
		       struct msnap_error *err)
{
	const struct pd_side *s = side ? &pr->span.b : &pr->span.a;
	uint8_t *code = NULL;
	uint64_t from = 0;
	size_t n = 0;
	int r = code_window(s, &pr->span, rg, &code, &n, &from, err);

	if (!r && dis_around(code, n, s->base + from, s->base + rg->off,
			     s->base + rg->off + rg->len, 3, fn, arg) < 0)
		r = msnap_fail(err, MSNAP_E_NOMEM, -1,
			       "capstone could not start");
	free(code);
	return r;
}

static bool executable(const struct pair_result *pr)
{
	return pr->a->perms[2] == 'x' || pr->b->perms[2] == 'x';
}

/* ---- the document (text, json, yaml) ---------------------------------------------- */

static void doc_region(struct onode *parent, const char *key,
		       const struct lregion *g)
{
	struct onode *o = out_map(parent, key);

	out_u64(o, "index", g->index);
	out_hex(o, "start", g->start);
	out_hex(o, "end", g->end);
	out_str(o, "perms", g->perms);
	out_str(o, "kind", g->kind);
	out_bytes(o, "path", g->path, g->path_len);
	if (g->name)
		out_bytes(o, "name", g->name, g->name_len);
	if (g->module >= 0)
		out_hex(o, "module_offset", g->mod_off);
}

static void doc_hex_bytes(struct onode *o, const char *key,
			  const struct pd_side *s, const struct pd_range *rg,
			  struct msnap_error *err)
{
	uint8_t buf[JSON_BYTES_MAX];
	char hex[2 * JSON_BYTES_MAX + 1];
	const size_t n = rg->len < JSON_BYTES_MAX ? rg->len : JSON_BYTES_MAX;

	if (pd_read(s, rg->off, buf, n, err))
		return;
	msnap_hex(buf, n, hex);
	out_str(o, key, hex);
}

static int doc_disasm_line(void *arg, uint64_t addr, const uint8_t *bytes,
			   size_t len, const char *text)
{
	struct onode *o = out_map(arg, NULL);
	char hex[64];

	out_hex(o, "addr", addr);
	msnap_hex(bytes, len < 31 ? len : 31, hex);
	out_str(o, "bytes", hex);
	out_str(o, "text", text);
	return 0;
}

/* The region's entry, with what is known before its pages are read. */
static struct onode *doc_node(struct diff_ctx *c, struct pair_result *pr)
{
	struct onode *o;

	if (pr->node)
		return pr->node;
	o = pr->node = out_map(c->regions, NULL);
	if (pr->a && pr->a->key)
		out_bytes(o, "identity", pr->a->key, strlen(pr->a->key));
	else if (pr->b && pr->b->key)
		out_bytes(o, "identity", pr->b->key, strlen(pr->b->key));
	if (pr->a && pr->b) {
		out_str(o, "match", match_how_name(pr->p->how));
		out_fixed(o, "confidence", pr->p->confidence, 2);
	}
	if (pr->a)
		doc_region(o, "a", pr->a);
	if (pr->b)
		doc_region(o, "b", pr->b);
	return o;
}

static int doc_ranges(struct diff_ctx *c, struct pair_result *pr, size_t to)
{
	const struct diff_opts *op = c->o;
	const size_t cap = op->all ? SIZE_MAX : (size_t)op->max_ranges;
	const size_t end = to < cap ? to : cap;
	struct onode *r1, *d;
	size_t k;

	if (pr->emitted >= end)
		return 0;
	if (!pr->ranges)
		pr->ranges = out_seq(doc_node(c, pr), "ranges");
	for (k = pr->emitted; k < end; k++) {
		r1 = out_map(pr->ranges, NULL);
		out_hex(r1, "offset", pr->rg.v[k].off);
		out_hex(r1, "a_addr", pr->span.a.base + pr->rg.v[k].off);
		out_hex(r1, "b_addr", pr->span.b.base + pr->rg.v[k].off);
		out_u64(r1, "length", pr->rg.v[k].len);
		doc_hex_bytes(r1, "from", &pr->span.a, &pr->rg.v[k], &c->err);
		doc_hex_bytes(r1, "to", &pr->span.b, &pr->rg.v[k], &c->err);
		if (pr->rg.v[k].len > JSON_BYTES_MAX)
			out_bool(r1, "truncated", true);
		if (op->disasm && executable(pr) && k < DISASM_RANGES) {
			d = out_map(r1, "disasm");
			if (show_disasm(pr, &pr->rg.v[k], 0, doc_disasm_line,
					out_seq(d, "before"), &c->err) ||
			    show_disasm(pr, &pr->rg.v[k], 1, doc_disasm_line,
					out_seq(d, "after"), &c->err))
				return -1;
		}
	}
	return 0;
}

static void doc_tail(struct diff_ctx *c, struct pair_result *pr,
		     const char *status)
{
	struct onode *o = doc_node(c, pr), *ch, *pg;

	out_str(o, "status", status);
	if (!pr->a || !pr->b)
		return;
	ch = out_seq(o, "changes");
	if (pr->grew)
		out_str(ch, NULL, "grew");
	if (pr->shrank)
		out_str(ch, NULL, "shrank");
	if (pr->moved)
		out_str(ch, NULL, "moved");
	if (pr->perms)
		out_str(ch, NULL, "perms");
	if (pr->backing)
		out_str(ch, NULL, "backing");
	if (content_changed(c, pr))
		out_str(ch, NULL, "content");
	if (!pr->compared)
		return;
	pg = out_map(o, "pages");
	out_u64(pg, "compared", pr->span.pages);
	out_u64(pg, "same", pr->st.same);
	out_u64(pg, "differ", pr->st.differ);
	out_u64(pg, "uncompared", pr->st.uncompared);
	out_u64(pg, "only_a", pr->only_a);
	out_u64(pg, "only_b", pr->only_b);
	if (c->o->stat)
		return;
	out_u64(o, "bytes_differ", pr->rg.bytes);
	out_u64(o, "pointer_words", pr->rg.ptr_words);
	out_u64(o, "range_count", pr->rg.n);
}

struct hexdump_cursor {
	struct onode *hunks, *rows;
};

static int hunk_to_doc(void *arg, uint64_t lo, uint64_t hi)
{
	struct hexdump_cursor *hc = arg;
	struct onode *h = out_map(hc->hunks, NULL);

	out_hex(h, "lo", lo);
	out_hex(h, "hi", hi);
	hc->rows = out_seq(h, "rows");
	return 0;
}

static int row_to_doc(void *arg, char mark, uint64_t addr,
		      const uint8_t *bytes)
{
	struct hexdump_cursor *hc = arg;
	struct onode *row = out_map(hc->rows, NULL);
	const char m[2] = { mark, '\0' };

	out_str(row, "mark", m);
	out_hex(row, "addr", addr);
	out_bytes(row, "bytes", bytes, PD_ROW);     /* raw: text only */
	return 0;
}

static int skipped_to_doc(void *arg, uint64_t rows)
{
	struct hexdump_cursor *hc = arg;

	out_u64(out_map(hc->rows, NULL), "skipped", rows);
	return 0;
}

/*
 * Text only (JSON and YAML give the bytes as from/to): the hexdump of
 * ranges [emitted, to), read now while their chunk is cached, one batch of
 * hunks per call as the text shows them.
 */
static int doc_hexdump(struct diff_ctx *c, struct pair_result *pr, size_t to)
{
	const struct diff_opts *op = c->o;
	const size_t cap = op->all ? SIZE_MAX : (size_t)op->max_ranges;
	const size_t end = to < cap ? to : cap;
	struct hexdump_cursor hc = { 0 };
	struct pd_hunk_sink sink = {
		hunk_to_doc, row_to_doc, skipped_to_doc, &hc,
	};
	struct onode *batch;

	if (pr->emitted >= end)
		return 0;
	if (!pr->hexdump)
		pr->hexdump = out_seq(doc_node(c, pr), "text_hexdump");
	batch = out_map(pr->hexdump, NULL);
	out_u64(batch, "first", pr->emitted);
	out_u64(batch, "end", end);
	hc.hunks = out_seq(batch, "hunks");
	return pd_hunks(&pr->span, &pr->rg, pr->emitted, end - pr->emitted,
			op->context, &sink, &c->err);
}

/* Text only: what the backing files were on both sides. */
static void doc_backing(struct diff_ctx *c, struct pair_result *pr)
{
	struct onode *o = out_map(doc_node(c, pr), "text_backing");
	const struct lregion *g[2] = { pr->a, pr->b };
	int k;

	for (k = 0; k < 2; k++) {
		struct onode *side = out_map(o, k ? "b" : "a");

		out_str(side, "dev", g[k]->dev);
		out_u64(side, "inode", g[k]->inode);
		out_str(side, "build_id", g[k]->build_id);
	}
}

/* Put ranges [emitted, to) in the document. */
static int emit_ranges(struct diff_ctx *c, struct pair_result *pr, size_t to)
{
	int r = doc_ranges(c, pr, to);

	if (!r && c->o->fmt == OUT_TEXT)
		r = doc_hexdump(c, pr, to);
	pr->emitted = to;
	return r;
}

/* ---- driver --------------------------------------------------------------------- */

/* Pointer maps: every matched pair is one id on both sides. */
static int build_ptrmaps(struct diff_ctx *c)
{
	size_t i;

	for (i = 0; i < c->m.n; i++) {
		const struct rpair *p = &c->m.p[i];
		const struct lregion *a, *b;

		if (p->a < 0 || p->b < 0)
			continue;
		a = &c->ra.r[p->a];
		b = &c->rb.r[p->b];
		if (pd_ptrmap_add(&c->pa, a->start, a->end,
				  end_aligned(a) ? a->end : a->start,
				  (uint32_t)i) ||
		    pd_ptrmap_add(&c->pb, b->start, b->end,
				  end_aligned(b) ? b->end : b->start,
				  (uint32_t)i))
			return msnap_fail(&c->err, MSNAP_E_NOMEM, -1,
					  "out of memory");
	}
	pd_ptrmap_sort(&c->pa);
	pd_ptrmap_sort(&c->pb);
	return 0;
}

static void count_pair(struct diff_ctx *c, const struct pair_result *pr,
		       const char *status)
{
	struct diff_totals *t = &c->t;

	if (!strcmp(status, "added"))
		t->added++;
	else if (!strcmp(status, "removed"))
		t->removed++;
	else if (!strcmp(status, "changed"))
		t->changed++;
	else
		t->unchanged++;
	t->same += pr->st.same;
	t->differ += pr->st.differ;
	t->uncompared += pr->st.uncompared;
	t->bytes += pr->rg.bytes;
	t->ranges += pr->rg.n;
	t->ptr_words += pr->rg.ptr_words;
}

static int run_pairs(struct diff_ctx *c)
{
	size_t i;
	int r = 0;

	for (i = 0; i < c->m.n && !r; i++) {
		const struct rpair *p = &c->m.p[i];
		struct pair_result pr;
		const char *status;

		memset(&pr, 0, sizeof(pr));
		pr.p = p;
		pr.a = p->a >= 0 ? &c->ra.r[p->a] : NULL;
		pr.b = p->b >= 0 ? &c->rb.r[p->b] : NULL;
		if (pr.a && pr.b)
			r = compare_pair(c, &pr);
		if (!r && pr.rg.n > pr.emitted)
			r = emit_ranges(c, &pr, pr.rg.n);
		if (r)
			goto next;
		status = pair_status(c, &pr);
		count_pair(c, &pr, status);
		doc_tail(c, &pr, status);
		if (pr.backing && c->o->fmt == OUT_TEXT)
			doc_backing(c, &pr);
next:
		pd_ranges_free(&pr.rg);
	}
	return r;
}

static void summary_doc(struct diff_ctx *c, struct onode *root)
{
	const struct diff_totals *t = &c->t;
	struct onode *s = out_map(root, "summary");

	out_u64(s, "regions_unchanged", t->unchanged);
	out_u64(s, "regions_changed", t->changed);
	out_u64(s, "regions_added", t->added);
	out_u64(s, "regions_removed", t->removed);
	out_u64(s, "pages_same", t->same);
	out_u64(s, "pages_differ", t->differ);
	out_u64(s, "pages_uncompared", t->uncompared);
	if (!c->o->stat) {
		out_u64(s, "bytes_differ", t->bytes);
		out_u64(s, "ranges", t->ranges);
		out_u64(s, "pointer_words", t->ptr_words);
	}
	out_bool(s, "normalize_pointers", c->o->normalize);
}

static int open_side(struct diff_ctx *c, struct snap *s, struct rset *rs,
		     const char *path)
{
	int r = snap_open(s, path, &c->err);

	if (!r)
		r = rset_from_snap(rs, s, &c->err);
	if (r)
		ana_err(cmd, "%s: %s", path, c->err.msg);
	return r;
}

static int content_diff(const struct diff_opts *o, const char *pa,
			const char *pb)
{
	struct diff_ctx c;
	int r, rc = ANA_EXIT_ERROR;
	const struct diff_text_opts topts = {
		.all = o->all, .stat = o->stat, .max_ranges = o->max_ranges,
	};
	struct ana_common co;
	struct progress prog;
	struct onode *root;

	memset(&c, 0, sizeof(c));
	c.o = o;
	c.sa.fd = c.sb.fd = -1;
	if (open_side(&c, &c.sa, &c.ra, pa) || open_side(&c, &c.sb, &c.rb, pb))
		goto out;
	if (c.ra.page_size != c.rb.page_size) {
		ana_err(cmd, "page sizes differ (%u, %u)", c.ra.page_size,
			c.rb.page_size);
		goto out;
	}
	if ((c.ra.layout_only || c.rb.layout_only) && !o->stat)
		ana_warn(cmd, "a layout-only snapshot has no contents: only regions are compared");
	c.bufa = malloc(c.ra.page_size);
	c.bufb = malloc(c.ra.page_size);
	c.doc = odoc_new();
	if (!c.bufa || !c.bufb || !c.doc) {
		ana_err(cmd, "out of memory");
		goto out;
	}
	if (match_regions(&c.ra, &c.rb, &c.m, &c.err) ||
	    (o->normalize && build_ptrmaps(&c))) {
		ana_err(cmd, "%s", c.err.msg);
		goto out;
	}
	root = odoc_root(c.doc);
	out_str(root, "a", pa);
	out_str(root, "b", pb);
	c.regions = out_seq(root, "regions");
	co = o->common;
	if (o->fmt == OUT_TEXT && isatty(STDOUT_FILENO) && co.progress == 0)
		co.progress = -1;   /* not by default before a text report */
	ana_progress_begin(&prog, &co, "diff", 0, c.sa.rd);
	if (prog.on)
		msnap_reader_set_progress(c.sb.rd, &prog);
	r = run_pairs(&c);
	msnap_reader_set_progress(c.sb.rd, NULL);
	ana_progress_end(&prog, c.sa.rd);
	if (r) {
		ana_err(cmd, "%s", c.err.msg);
		goto out;
	}
	summary_doc(&c, root);
	if (o->fmt == OUT_TEXT)
		r = diff_print_text(stdout, c.doc, &topts);
	else
		r = odoc_print(c.doc, o->fmt, stdout, &c.err);
	if (r) {
		ana_err(cmd, "%s", o->fmt == OUT_TEXT ? "out of memory" : c.err.msg);
		goto out;
	}
	if (fflush(stdout)) {
		ana_err(cmd, "writing the output failed");
		goto out;
	}
	rc = c.t.changed || c.t.added || c.t.removed ? DIFF_EXIT_DIFFERENT :
							  ANA_EXIT_OK;
out:
	odoc_free(c.doc);
	free(c.bufa);
	free(c.bufb);
	pd_ptrmap_free(&c.pa);
	pd_ptrmap_free(&c.pb);
	match_free(&c.m);
	rset_free(&c.ra);
	rset_free(&c.rb);
	if (c.sa.rd || c.sa.fd >= 0)
		snap_close(&c.sa);
	if (c.sb.rd || c.sb.fd >= 0)
		snap_close(&c.sb);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	struct ana_getopt g;
	struct diff_opts o = {
		.fmt = OUT_TEXT, .context = DEFAULT_CONTEXT,
		.max_ranges = DEFAULT_MAX_RANGES, .disasm = true,
	};
	uint64_t v;
	int ch;

	ana_getopt_init(&g, cmd);
	while ((ch = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (ch) {
		case ANA_O_STAT:
			o.stat = true;
			break;
		case ANA_O_CONTEXT:
		case ANA_O_CONTEXT_U:
			if (ana_parse_u64(optarg, false, &v) || v > 1000) {
				ana_usage_error(cmd, "bad --context '%s'", optarg);
				return ANA_EXIT_ERROR;
			}
			o.context = (unsigned)v;
			break;
		case ANA_O_NORMALIZE:
			o.normalize = true;
			break;
		case ANA_O_MAX_RANGES:
			if (ana_parse_u64(optarg, false, &o.max_ranges)) {
				ana_usage_error(cmd, "bad --max-ranges '%s'", optarg);
				return ANA_EXIT_ERROR;
			}
			break;
		case ANA_O_ALL:
			o.all = true;
			break;
		case ANA_O_NO_DISASM:
			o.disasm = false;
			break;
		case ANA_O_FORMAT:
			if (out_parse_format(optarg, &o.fmt)) {
				ana_usage_error(cmd, "unknown format '%s' (text, json or yaml)",
						optarg);
				return ANA_EXIT_ERROR;
			}
			break;
		case ANA_O_LAYOUT:
			o.layout = true;
			break;
		case ANA_O_FAIL_ON:
			o.fail_on = optarg;
			break;
		case ANA_O_HELP:
			diff_usage(stdout);
			return ANA_EXIT_OK;
		default:
			if (ana_common_option(&o.common, ch))
				break;
			return ANA_EXIT_ERROR;
		}
	}
	if (ana_operands(&g, argc, argv, 2, 2, "two snapshots (or layouts) A B"))
		return ANA_EXIT_ERROR;
	if (o.fail_on && !o.layout) {
		ana_usage_error(cmd, "--fail-on needs --layout");
		return ANA_EXIT_ERROR;
	}
	if (o.layout)
		return layout_diff_main(argv[optind], argv[optind + 1], o.fmt,
					o.fail_on);
	return content_diff(&o, argv[optind], argv[optind + 1]);
}
