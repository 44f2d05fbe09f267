// SPDX-License-Identifier: MIT
/*
 * findings_text.c - check's report for people: a verdict line, then the
 * findings grouped by module, read from the report document.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "findings.h"
#include "output.h"

/* A string field, escaped; absent or null prints nothing. */
static void put_field(FILE *fp, const struct onode *o, const char *key)
{
	size_t len;
	const char *s = out_get_str(o, key, &len);

	if (s)
		esc_fputs(fp, s, len);
}

static bool has(const struct onode *o, const char *key)
{
	return !out_is_null(out_get(o, key));
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

/* The "before"/"after" hex of the document back to bytes. */
static size_t unhex(const struct onode *o, const char *key,
		    uint8_t out[FINDING_MAX_BYTES])
{
	size_t len, i;
	const char *s = out_get_str(o, key, &len);

	if (!s)
		return 0;
	len /= 2;
	if (len > FINDING_MAX_BYTES)
		len = FINDING_MAX_BYTES;
	for (i = 0; i < len; i++)
		out[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
	return len;
}

static void hexdump_line(FILE *fp, const char *label, uint64_t addr,
			 const uint8_t *b, size_t n, const uint8_t *other)
{
	size_t i;

	fprintf(fp, "      %s 0x%" PRIx64 ":", label, addr);
	for (i = 0; i < n; i++)
		fprintf(fp, other[i] != b[i] ? " %02x*" : " %02x", b[i]);
	fputc('\n', fp);
}

static void put_disasm(FILE *fp, const char *label, const struct onode *o,
		       const char *key)
{
	const char *s = out_get_str(o, key, NULL), *nl;

	if (!s)
		return;
	fprintf(fp, "      %s\n", label);
	while (*s) {
		nl = strchr(s, '\n');
		fputs("        ", fp);
		esc_fputs(fp, s, nl ? (size_t)(nl - s) : strlen(s));
		fputc('\n', fp);
		if (!nl)
			break;
		s = nl + 1;
	}
}

static void text_finding(FILE *fp, const struct onode *f)
{
	uint64_t addr = out_get_u64(f, "address");
	uint8_t before[FINDING_MAX_BYTES], after[FINDING_MAX_BYTES];
	size_t n;

	fputs("  [", fp);
	put_field(fp, f, "severity");
	fputs("] ", fp);
	put_field(fp, f, "type");
	if (out_get_u64(f, "suppressed"))
		fputs(" (suppressed)", fp);
	if (has(f, "address"))
		fprintf(fp, " at 0x%" PRIx64, addr);
	if (has(f, "offset"))
		fprintf(fp, " (+0x%" PRIx64 ")", out_get_u64(f, "offset"));
	if (has(f, "symbol")) {
		fputs(" in ", fp);
		put_field(fp, f, "symbol");
	}
	fprintf(fp, ", score %" PRIu64 "\n", out_get_u64(f, "score"));
	if (has(f, "target_address") || has(f, "target")) {
		fputs("      target: ", fp);
		if (has(f, "target_address"))
			fprintf(fp, "0x%" PRIx64 " ",
				out_get_u64(f, "target_address"));
		put_field(fp, f, "target");
		fputc('\n', fp);
	}
	if (has(f, "evidence")) {
		fputs("      evidence: ", fp);
		put_field(fp, f, "evidence");
		fputc('\n', fp);
	}
	n = unhex(f, "before", before);
	if (n && unhex(f, "after", after) == n) {
		hexdump_line(fp, "file  ", addr, before, n, after);
		hexdump_line(fp, "memory", addr, after, n, before);
	}
	put_disasm(fp, "- file:", f, "disasm_before");
	put_disasm(fp, "+ memory:", f, "disasm_after");
	fputs("      id: ", fp);
	put_field(fp, f, "id");
	fputc('\n', fp);
}

static void text_head(FILE *fp, const struct onode *r)
{
	const struct onode *c = out_get(r, "counts");
	uint64_t suppressed = out_get_u64(c, "suppressed");

	fputs("verdict: ", fp);
	put_field(fp, r, "verdict");
	fprintf(fp, ": %" PRIu64 " high, %" PRIu64 " medium, %" PRIu64
		" low, %" PRIu64 " info", out_get_u64(c, "high"),
		out_get_u64(c, "medium"), out_get_u64(c, "low"),
		out_get_u64(c, "info"));
	if (suppressed)
		fprintf(fp, ", %" PRIu64 " suppressed", suppressed);
	fputs("\nsnapshot: ", fp);
	put_field(fp, r, "snapshot");
	fputc('\n', fp);
	if (has(r, "exe")) {
		fprintf(fp, "process: %" PRIu64 " ", out_get_u64(r, "pid"));
		put_field(fp, r, "exe");
		fputc('\n', fp);
	}
	fprintf(fp,
		"modules: %" PRIu64 " checked against their reference, %" PRIu64
		" without one; %" PRIu64 " code bytes and %" PRIu64
		" read-only bytes compared\n",
		out_get_u64(r, "modules_checked"),
		out_get_u64(r, "modules_unverified"),
		out_get_u64(r, "code_bytes_compared"),
		out_get_u64(r, "rodata_bytes_compared"));
}

int findings_render_text(FILE *fp, const struct odoc *d)
{
	const struct onode *r = odoc_top(d), *seq = out_get(r, "findings");
	const char *group = NULL;
	size_t i;

	text_head(fp, r);
	for (i = 0; i < out_len(seq); i++) {
		const struct onode *f = out_at(seq, i);
		const char *g = out_get_str(f, "module", NULL);

		if (!g)
			g = "(process)";
		if (!group || strcmp(g, group)) {
			fputc('\n', fp);
			esc_fputs(fp, g, strlen(g));
			fputs(":\n", fp);
			group = g;
		}
		text_finding(fp, f);
	}
	if (out_get_u64(r, "incomplete"))
		fputs("\nwarning: out of memory: some findings were lost\n",
		      fp);
	return ferror(fp) ? -1 : 0;
}
