// SPDX-License-Identifier: MIT
/*
 * diff_text.c - diff's report for people: "--- a / +++ b", a block per
 * region that changed (each one with --all), then the totals.  Everything
 * comes from the diff document; the hexdump hunks and the backing files'
 * identities are parts of it that only the text shows.
 */
#include <string.h>

#include "diff_text.h"
#include "escape.h"
#include "match.h"
#include "pagediff.h"

static bool is(const struct onode *o, const char *key, const char *want)
{
	const char *s = out_get_str(o, key, NULL);

	return s && !strcmp(s, want);
}

static bool has_change(const struct onode *region, const char *what)
{
	const struct onode *ch = out_get(region, "changes");
	size_t i;

	for (i = 0; i < out_len(ch); i++) {
		const char *s = out_node_str(out_at(ch, i), NULL);

		if (s && !strcmp(s, what))
			return true;
	}
	return false;
}

/* A string field, "" when absent. */
static const char *str_or(const struct onode *o, const char *key,
			  const char *none)
{
	const char *s = out_get_str(o, key, NULL);

	return s && s[0] ? s : none;
}

/* "rwxp 0xSTART-0xEND kind path" (or [anon:name]) of one side. */
static void put_region(FILE *fp, const struct onode *g)
{
	size_t plen = 0, nlen = 0;
	const char *path = out_get_str(g, "path", &plen);
	const char *name = out_get_str(g, "name", &nlen);

	fprintf(fp, "%s 0x%llx-0x%llx %s", str_or(g, "perms", "????"),
		(unsigned long long)out_get_u64(g, "start"),
		(unsigned long long)out_get_u64(g, "end"),
		str_or(g, "kind", "?"));
	if (path && plen) {
		fputc(' ', fp);
		esc_fputs(fp, path, plen);
	} else if (name) {
		fputs(" [anon:", fp);
		esc_fputs(fp, name, nlen);
		fputc(']', fp);
	}
}

static uint64_t size_of(const struct onode *g)
{
	return out_get_u64(g, "end") - out_get_u64(g, "start");
}

static const char *build_id_or_dash(const struct onode *side)
{
	return str_or(side, "build_id", "-");
}

static void put_head(FILE *fp, const struct onode *r)
{
	const struct onode *a = out_get(r, "a"), *b = out_get(r, "b");
	const struct onode *bk = out_get(r, "text_backing");

	fprintf(fp, "%-9s ", str_or(r, "status", ""));
	if (a)
		put_region(fp, a);
	if (a && b)
		fputs(" -> ", fp);
	if (b)
		put_region(fp, b);
	fputc('\n', fp);
	if (!a || !b)
		return;
	if (!is(r, "match", match_how_name(MATCH_IDENTITY)))
		fprintf(fp, "          matched by %s, confidence %.2f\n",
			str_or(r, "match", ""), out_get_fixed(r, "confidence"));
	if (has_change(r, "grew") || has_change(r, "shrank"))
		fprintf(fp, "          size %llu -> %llu\n",
			(unsigned long long)size_of(a),
			(unsigned long long)size_of(b));
	if (has_change(r, "perms"))
		fprintf(fp, "          perms %s -> %s\n", str_or(a, "perms", ""),
			str_or(b, "perms", ""));
	if (has_change(r, "moved"))
		fprintf(fp, "          moved (relative to its %s)\n",
			out_get(a, "module_offset") ? "module" : "process");
	if (has_change(r, "backing"))
		fprintf(fp, "          backing file changed (dev %s inode %llu build-id %s -> dev %s inode %llu build-id %s)\n",
			str_or(out_get(bk, "a"), "dev", ""),
			(unsigned long long)out_get_u64(out_get(bk, "a"), "inode"),
			build_id_or_dash(out_get(bk, "a")),
			str_or(out_get(bk, "b"), "dev", ""),
			(unsigned long long)out_get_u64(out_get(bk, "b"), "inode"),
			build_id_or_dash(out_get(bk, "b")));
}

static void put_hunks(FILE *fp, const struct onode *hunks)
{
	size_t h, k, len;

	for (h = 0; h < out_len(hunks); h++) {
		const struct onode *hunk = out_at(hunks, h);
		const struct onode *rows = out_get(hunk, "rows");

		pd_print_hunk_head(fp, out_get_u64(hunk, "lo"),
				   out_get_u64(hunk, "hi"));
		for (k = 0; k < out_len(rows); k++) {
			const struct onode *row = out_at(rows, k);
			const char *mark = out_get_str(row, "mark", NULL);
			const char *bytes = out_get_str(row, "bytes", &len);

			if (!mark) {
				pd_print_skipped(fp, out_get_u64(row, "skipped"));
				continue;
			}
			if (bytes && len == PD_ROW)
				pd_print_row(fp, mark[0], out_get_u64(row, "addr"),
					     (const uint8_t *)bytes);
		}
	}
}

/* One disassembled instruction: address, up to 10 bytes, text. */
static void put_disasm(FILE *fp, const struct onode *lines)
{
	size_t i, k, len;

	for (i = 0; i < out_len(lines); i++) {
		const struct onode *l = out_at(lines, i);
		const char *hex = out_get_str(l, "bytes", &len);

		fprintf(fp, "      0x%016llx  ",
			(unsigned long long)out_get_u64(l, "addr"));
		for (k = 0; k < 10; k++) {
			if (hex && 2 * k + 1 < len)
				fprintf(fp, "%c%c", hex[2 * k], hex[2 * k + 1]);
			else
				fputs("  ", fp);
		}
		fprintf(fp, "  %s\n", str_or(l, "text", ""));
	}
}

/* Ranges [first, end) of one batch: a line each, their hunks, their code. */
static void put_batch(FILE *fp, const struct onode *ranges,
		      const struct onode *batch)
{
	const size_t first = (size_t)out_get_u64(batch, "first");
	const size_t end = (size_t)out_get_u64(batch, "end");
	size_t k;

	for (k = first; k < end && k < out_len(ranges); k++) {
		const struct onode *rg = out_at(ranges, k);

		fprintf(fp, "          +0x%llx %llu bytes (a 0x%llx, b 0x%llx)\n",
			(unsigned long long)out_get_u64(rg, "offset"),
			(unsigned long long)out_get_u64(rg, "length"),
			(unsigned long long)out_get_u64(rg, "a_addr"),
			(unsigned long long)out_get_u64(rg, "b_addr"));
	}
	put_hunks(fp, out_get(batch, "hunks"));
	for (k = first; k < end && k < out_len(ranges); k++) {
		const struct onode *rg = out_at(ranges, k);
		const struct onode *d = out_get(rg, "disasm");

		if (!d)
			break;
		fprintf(fp, "    code at +0x%llx before:\n",
			(unsigned long long)out_get_u64(rg, "offset"));
		put_disasm(fp, out_get(d, "before"));
		fputs("    after:\n", fp);
		put_disasm(fp, out_get(d, "after"));
	}
}

static void put_tail(FILE *fp, const struct onode *r,
		     const struct diff_text_opts *o)
{
	const struct onode *pg = out_get(r, "pages");
	const uint64_t nranges = out_get_u64(r, "range_count");

	if (!pg)
		return;
	if (nranges > o->max_ranges && !o->all)
		fprintf(fp, "  ... %llu more ranges (--max-ranges, --all)\n",
			(unsigned long long)(nranges - o->max_ranges));
	if (out_get_u64(pg, "differ") || out_get_u64(pg, "uncompared"))
		fprintf(fp, "          pages: %llu differ, %llu same, %llu not comparable\n",
			(unsigned long long)out_get_u64(pg, "differ"),
			(unsigned long long)out_get_u64(pg, "same"),
			(unsigned long long)out_get_u64(pg, "uncompared"));
	if (!o->stat && nranges)
		fprintf(fp, "          %llu bytes differ in %llu ranges\n",
			(unsigned long long)out_get_u64(r, "bytes_differ"),
			(unsigned long long)nranges);
	if (out_get_u64(r, "pointer_words"))
		fprintf(fp, "          %llu pointer words differ only by ASLR\n",
			(unsigned long long)out_get_u64(r, "pointer_words"));
}

static void put_region_block(FILE *fp, const struct onode *r,
			     const struct diff_text_opts *o)
{
	const struct onode *batches = out_get(r, "text_hexdump");
	size_t i;

	if (is(r, "status", "unchanged") && !o->all)
		return;
	put_head(fp, r);
	for (i = 0; i < out_len(batches); i++)
		put_batch(fp, out_get(r, "ranges"), out_at(batches, i));
	put_tail(fp, r, o);
}

static void put_summary(FILE *fp, const struct onode *s, bool stat)
{
	fprintf(fp, "regions: %llu unchanged, %llu changed, %llu added, %llu removed\n",
		(unsigned long long)out_get_u64(s, "regions_unchanged"),
		(unsigned long long)out_get_u64(s, "regions_changed"),
		(unsigned long long)out_get_u64(s, "regions_added"),
		(unsigned long long)out_get_u64(s, "regions_removed"));
	fprintf(fp, "pages: %llu same, %llu differ, %llu not comparable\n",
		(unsigned long long)out_get_u64(s, "pages_same"),
		(unsigned long long)out_get_u64(s, "pages_differ"),
		(unsigned long long)out_get_u64(s, "pages_uncompared"));
	if (!stat)
		fprintf(fp, "bytes: %llu differ in %llu ranges%s\n",
			(unsigned long long)out_get_u64(s, "bytes_differ"),
			(unsigned long long)out_get_u64(s, "ranges"),
			out_get_u64(s, "normalize_pointers") ?
			" (pointers normalised)" : "");
	if (out_get_u64(s, "pointer_words"))
		fprintf(fp, "pointer words equal after normalisation: %llu\n",
			(unsigned long long)out_get_u64(s, "pointer_words"));
}

int diff_print_text(FILE *fp, const struct odoc *d,
		    const struct diff_text_opts *o)
{
	const struct onode *top = odoc_top(d);
	const struct onode *regions = out_get(top, "regions");
	size_t i;

	if (odoc_failed(d))
		return -1;
	fprintf(fp, "--- a %s\n+++ b %s\n", str_or(top, "a", ""),
		str_or(top, "b", ""));
	for (i = 0; i < out_len(regions); i++)
		put_region_block(fp, out_at(regions, i), o);
	put_summary(fp, out_get(top, "summary"), o->stat);
	return ferror(fp) ? -1 : 0;
}
