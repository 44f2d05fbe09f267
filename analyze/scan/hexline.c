// SPDX-License-Identifier: MIT
/* hexline.c - excerpts and gap lists for yara, search and strings. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "hexline.h"

void hex_excerpt(FILE *fp, const uint8_t *b, size_t n, size_t max)
{
	size_t i, k = n < max ? n : max;

	for (i = 0; i < k; i++)
		fprintf(fp, "%s%02x", i ? " " : "", b[i]);
	fputs(n > max ? " ...  |" : "  |", fp);
	for (i = 0; i < k; i++)
		fputc(b[i] >= 0x20 && b[i] < 0x7f ? b[i] : '.', fp);
	fputc('|', fp);
}

char *hex_string(const uint8_t *b, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (s)
		msnap_hex(b, n, s);
	return s;
}

void put_region_path(FILE *fp, const struct snap *s, int64_t region)
{
	size_t len;
	const char *p = region < 0 ? "" :
		mscan_region_path(s, (uint32_t)region, &len);

	if (region < 0 || !len)
		fputc('-', fp);
	else
		esc_fputs(fp, p, len);
}

void gaps_text(FILE *fp, const struct snap *s, struct mscan *m,
	       size_t max_lines)
{
	const struct mscan_stats *st = mscan_stats(m);
	const struct mscan_gap *g;
	uint64_t bytes = 0;
	size_t n, i;

	g = mscan_gaps(m, &n);
	for (i = 0; i < n; i++)
		bytes += g[i].end - g[i].start;
	fprintf(fp, "# %s: scanned %" PRIu64 " bytes of %u regions (%u not selected); "
		"not scanned: %" PRIu64 " bytes in %zu ranges\n",
		s->path, st->bytes_read, st->regions_selected,
		st->regions_skipped, bytes, n);
	for (i = 0; i < n && i < max_lines; i++) {
		fprintf(fp, "# not scanned: 0x%" PRIx64 "-0x%" PRIx64
			" region %u ", g[i].start, g[i].end, g[i].region);
		put_region_path(fp, s, g[i].region);
		fprintf(fp, ": %s\n", g[i].why);
	}
	if (n > max_lines)
		fprintf(fp, "# ... and %zu more ranges not scanned (all of them in --format json)\n",
			n - max_lines);
	if (mscan_gaps_lost(m))
		fputs("# warning: out of memory: the list of ranges not scanned is incomplete\n",
		      fp);
}

void gaps_doc(struct onode *parent, const struct snap *s, struct mscan *m)
{
	const struct mscan_gap *g;
	struct onode *seq = out_seq(parent, "not_scanned"), *row;
	const char *p;
	size_t n, i, len;

	g = mscan_gaps(m, &n);
	for (i = 0; i < n; i++) {
		row = out_map(seq, NULL);
		out_hex(row, "start", g[i].start);
		out_hex(row, "end", g[i].end);
		out_u64(row, "region", g[i].region);
		p = mscan_region_path(s, g[i].region, &len);
		out_bytes(row, "path", p, len);
		out_str(row, "why", g[i].why);
	}
	if (mscan_gaps_lost(m))
		out_bool(parent, "not_scanned_incomplete", true);
}

void scanned_doc(struct onode *parent, struct mscan *m)
{
	const struct mscan_stats *st = mscan_stats(m);
	struct onode *o = out_map(parent, "scanned");
	const struct mscan_gap *g;
	uint64_t bytes = 0;
	size_t n, i;

	g = mscan_gaps(m, &n);
	for (i = 0; i < n; i++)
		bytes += g[i].end - g[i].start;
	out_u64(o, "regions", st->regions_selected);
	out_u64(o, "regions_not_selected", st->regions_skipped);
	out_u64(o, "bytes", st->bytes_read);
	out_u64(o, "bytes_not_scanned", bytes);
}

const char *snap_incomplete(const struct snap *s, char *buf, size_t len)
{
	const struct msnap_file_info *fi = s->info;
	char prefix[48];
	const char *why = fi->stop_reason;
	size_t n;

	if (fi->complete && !fi->recovered)
		return "";
	/* the reason may repeat "at offset N: ": say it once */
	n = (size_t)snprintf(prefix, sizeof(prefix), "at offset %llu: ",
			     (unsigned long long)fi->valid_end);
	if (!strncmp(why, prefix, n))
		why += n;
	snprintf(buf, len, "snapshot is incomplete (cut short at offset %llu%s%s): "
		 "scanning what it holds; regions past that offset are not in the file",
		 (unsigned long long)fi->valid_end, why[0] ? ": " : "", why);
	return buf;
}
