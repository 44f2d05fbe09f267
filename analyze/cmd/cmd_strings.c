// SPDX-License-Identifier: MIT
/*
 * cmd_strings.c - memsnap-analyze strings: printable strings of a
 * snapshot's stored memory with their virtual addresses and regions, like
 * `strings -t x` with addresses an analyst can give to extract or gdb.
 *
 * Streams: pieces in address order (memscan.h, no overlap); a string that
 * crosses a piece boundary is carried over, and one that crosses a page
 * not stored is ended there.  Output is written as strings are found, in
 * JSON and YAML too, so memory does not grow with the snapshot.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "escape.h"
#include "hexline.h"
#include "memscan.h"
#include "output.h"
#include "open_snapshot.h"
#include "snapshot.h"

static const char cmd[] = "strings";

#define MAX_KEEP   4096u      /* characters kept of one string */
#define MAX_MIN    4096u
#define TEXT_GAPS  10

/* One string being collected: ASCII, or UTF-16LE at one address parity. */
struct sm {
	bool wide;
	unsigned parity;           /* wide: address parity of its low bytes */
	uint64_t start;            /* address of its first byte */
	uint64_t nchars;
	bool have_low;             /* wide: a printable low byte waits */
	uint8_t low;
	char keep[MAX_KEEP];
};

struct sctx {
	enum out_format fmt;
	uint64_t min;
	struct snap *s;
	uint32_t region;
	uint64_t count;
	bool first;
	struct sm sm[3];
	unsigned nsm;
};

static void strings_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze strings [options] SNAPSHOT\n"
		"\n"
		"  -n, --min N            strings of at least N characters (default 4)\n"
		"  -w, --utf16            also UTF-16LE strings\n"
		"  -r, --regions LIST     exec, anon, heap, stack, file or all (default)\n"
		"      --path NAME        only regions mapped from NAME (or its basename)\n"
		"  -j, --threads N        threads that read the snapshot\n"
		"  -B, --block-size SIZE  bytes read at a time per region (default 8M)\n"
		"  -f, --format F         text (default: ADDRESS REGION ENCODING TEXT), json, yaml\n"
		"\n"
		"Printable: ASCII 0x20-0x7e and tab.  Only stored pages are read (zero pages\n"
		"hold no strings); the rest is listed as not scanned.  A string longer than\n"
		"%u characters is shown cut, with its full length.\n"
		"exit status: 0, or 2 on error\n"
		"\n"
		"example: memsnap-analyze strings evidence.msnap -n 8 --regions heap | grep -i passw\n",
		MAX_KEEP);
}

static bool printable(uint8_t b)
{
	return (b >= 0x20 && b < 0x7f) || b == '\t';
}

/* ---- output, streamed ---------------------------------------------------- */

static void emit(struct sctx *c, const struct sm *m)
{
	const size_t kept = m->nchars < MAX_KEEP ? (size_t)m->nchars : MAX_KEEP;
	json_t *o;
	char *line, addr[24];
	size_t plen;
	const char *path;

	c->count++;
	if (c->fmt == OUT_TEXT) {
		printf("0x%" PRIx64 " %u %s ", m->start, c->region,
		       m->wide ? "utf16" : "ascii");
		esc_fputs(stdout, m->keep, kept);
		if (kept < m->nchars)
			printf("... (%" PRIu64 " characters)", m->nchars);
		putchar('\n');
		return;
	}
	snprintf(addr, sizeof(addr), "0x%" PRIx64, m->start);
	path = mscan_region_path(c->s, c->region, &plen);
	o = json_pack("{s:s,s:I,s:s#,s:s,s:I,s:s#}", "address", addr,
		      "region", (json_int_t)c->region, "path", path, plen,
		      "encoding", m->wide ? "utf16" : "ascii", "length",
		      (json_int_t)m->nchars, "text", m->keep, kept);
	if (o && !esc_is_utf8(path, plen))
		json_object_set_new(o, "path", json_null());
	if (o && kept < m->nchars)
		json_object_set_new(o, "truncated", json_true());
	line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
				 JSON_PRESERVE_ORDER) : NULL;
	if (c->fmt == OUT_JSON)
		printf("%s\n    %s", c->first ? "" : ",", line ? line : "null");
	else
		printf("- %s\n", line ? line : "null");
	c->first = false;
	free(line);
	json_decref(o);
}

/* ---- the state machines ------------------------------------------------- */

static void sm_end(struct sctx *c, struct sm *m)
{
	if (m->nchars >= c->min)
		emit(c, m);
	m->nchars = 0;
	m->have_low = false;
}

static void sm_char(struct sm *m, uint64_t addr, char ch)
{
	if (!m->nchars)
		m->start = addr;
	if (m->nchars < MAX_KEEP)
		m->keep[m->nchars] = ch;
	m->nchars++;
}

/* UTF-16LE: a printable low byte, then a zero high byte, per character. */
static void wide_byte(struct sctx *c, struct sm *w, uint64_t at, uint8_t b)
{
	if ((at & 1) == w->parity) {
		if (!printable(b)) {
			sm_end(c, w);
			return;
		}
		w->have_low = true;
		w->low = b;
		return;
	}
	if (w->have_low && b == 0) {
		w->have_low = false;
		sm_char(w, at - 1, (char)w->low);
		return;
	}
	sm_end(c, w);
}

static void feed(struct sctx *c, uint64_t addr, const uint8_t *b, size_t n)
{
	struct sm *a = &c->sm[0];
	size_t i;

	for (i = 0; i < n; i++) {
		if (printable(b[i]))
			sm_char(a, addr + i, (char)b[i]);
		else if (a->nchars)
			sm_end(c, a);
		if (c->nsm > 1) {
			wide_byte(c, &c->sm[1], addr + i, b[i]);
			wide_byte(c, &c->sm[2], addr + i, b[i]);
		}
	}
}

static void end_all(struct sctx *c)
{
	unsigned k;

	for (k = 0; k < c->nsm; k++)
		sm_end(c, &c->sm[k]);
}

/* ---- main loop -------------------------------------------------------------- */

static char *json_text(const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;

	json_decref(j);
	return t;
}

static void print_tail(struct sctx *c, struct mscan *m)
{
	const struct mscan_stats *st = mscan_stats(m);
	const struct mscan_gap *g;
	size_t n, i, plen;
	const char *path;
	char a[24], e[24], *line;
	json_t *o;

	if (c->fmt == OUT_TEXT) {
		printf("# %" PRIu64 " strings\n", c->count);
		gaps_text(stdout, c->s, m, TEXT_GAPS);
		return;
	}
	g = mscan_gaps(m, &n);
	if (c->fmt == OUT_JSON)
		printf("\n  ],\n  \"count\": %" PRIu64 ",\n  \"scanned_bytes\": %"
		       PRIu64 ",\n  \"not_scanned\": [", c->count, st->bytes_read);
	else
		printf("count: %" PRIu64 "\nscanned_bytes: %" PRIu64
		       "\nnot_scanned:%s\n", c->count, st->bytes_read,
		       n ? "" : " []");
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "0x%" PRIx64, g[i].start);
		snprintf(e, sizeof(e), "0x%" PRIx64, g[i].end);
		path = mscan_region_path(c->s, g[i].region, &plen);
		o = json_pack("{s:s,s:s,s:I,s:s#,s:s}", "start", a, "end", e,
			      "region", (json_int_t)g[i].region, "path", path,
			      plen, "why", g[i].why);
		if (o && !esc_is_utf8(path, plen))
			json_object_set_new(o, "path", json_null());
		line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII |
					 JSON_PRESERVE_ORDER) : NULL;
		if (c->fmt == OUT_JSON)
			printf("%s\n    %s", i ? "," : "", line ? line : "null");
		else
			printf("- %s\n", line ? line : "null");
		free(line);
		json_decref(o);
	}
	if (c->fmt == OUT_JSON)
		printf("\n  ]\n}\n");
}

static int run(struct sctx *c, const struct mscan_opts *mo)
{
	const struct mscan_piece *p;
	struct mscan *m = NULL;
	char msg[700], why[800], *t;
	size_t a, b, at;

	if (mscan_start(&m, c->s, mo, msg, sizeof(msg))) {
		ana_err(cmd, "%s", msg);
		return -1;
	}
	if (snap_incomplete(c->s, why, sizeof(why))[0])
		ana_warn(cmd, "%s: %s", c->s->path, why);
	t = json_text(c->s->path);
	if (c->fmt == OUT_JSON)
		printf("{\n  \"snapshot\": %s,\n  \"strings\": [", t ? t : "null");
	else if (c->fmt == OUT_YAML)
		printf("snapshot: %s\nstrings:\n", t ? t : "null");
	free(t);
	while ((p = mscan_next(m))) {
		if (!p->follows || p->region != c->region)
			end_all(c);
		c->region = p->region;
		for (at = 0; mscan_stored(p, at, &a, &b); at = b) {
			if (a > at)
				end_all(c);
			feed(c, p->addr + a, p->data + a, b - a);
		}
		if (at < p->own)
			end_all(c);
	}
	end_all(c);
	print_tail(c, m);
	mscan_free(m);
	return 0;
}

int cmd_strings(int argc, char **argv)
{
	struct ana_getopt g;
	struct mscan_opts mo = { 0 };
	struct sctx *c;
	const char *bad;
	struct snap s;
	uint64_t v;
	int ch, ret = ANA_EXIT_ERROR;

	c = calloc(1, sizeof(*c));
	if (!c) {
		ana_err(cmd, "out of memory");
		return ANA_EXIT_ERROR;
	}
	c->min = 4;
	c->nsm = 1;
	c->first = true;
	ana_getopt_init(&g, cmd);
	while ((ch = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (ch) {
		case ANA_O_MIN:
			if (ana_parse_u64(optarg, false, &c->min) || !c->min ||
			    c->min > MAX_MIN) {
				ana_usage_error(cmd, "bad --min '%s' (1 to %u)", optarg,
					    MAX_MIN);
				goto out_free;
			}
			break;
		case ANA_O_UTF16:
			c->nsm = 3;
			break;
		case ANA_O_REGIONS:
			if (mscan_parse_regions(optarg, &mo.regions, &bad)) {
				ana_usage_error(cmd, "unknown region class in '%s' (exec, anon, heap, stack, file, all)",
					    optarg);
				goto out_free;
			}
			break;
		case ANA_O_PATH:
			mo.path = optarg;
			break;
		case ANA_O_BLOCK_SIZE:
			if (mscan_parse_block(optarg, &mo.piece)) {
				ana_usage_error(cmd, "bad --block-size '%s' (4K to 256M)", optarg);
				goto out_free;
			}
			break;
		case ANA_O_THREADS:
			if (ana_parse_u64(optarg, false, &v) || v < 1 || v > 64) {
				ana_usage_error(cmd, "bad --threads '%s' (1 to 64)", optarg);
				goto out_free;
			}
			mo.threads = (unsigned)v;
			break;
		case ANA_O_FORMAT:
			if (out_parse_format(optarg, &c->fmt)) {
				ana_usage_error(cmd, "unknown format '%s' (text, json or yaml)",
					    optarg);
				goto out_free;
			}
			break;
		case ANA_O_HELP:
			strings_usage(stdout);
			ret = ANA_EXIT_OK;
			goto out_free;
		default:
			goto out_free;
		}
	}
	if (ana_operands(&g, argc, argv, 1, 1, "one SNAPSHOT"))
		goto out_free;
	/* a zero byte ends every string: long zero runs need no reading */
	mo.zero_edge = 1;
	c->sm[1] = (struct sm){ .wide = true, .parity = 0 };
	c->sm[2] = (struct sm){ .wide = true, .parity = 1 };
	if (ana_open_snapshot(cmd, argv[optind], ANA_OPEN_REGIONS, &s))
		goto out_free;
	c->s = &s;
	if (run(c, &mo))
		goto out;
	if (fflush(stdout)) {
		ana_err(cmd, "cannot write the output");
		goto out;
	}
	ret = ANA_EXIT_OK;
out:
	snap_close(&s);
out_free:
	free(c);
	return ret;
}
