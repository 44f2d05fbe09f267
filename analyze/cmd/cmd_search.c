// SPDX-License-Identifier: MIT
/*
 * cmd_search.c - memsnap-analyze search: every place an indicator sits in
 * a snapshot's stored memory: a text, a byte pattern, a regular
 * expression or a pointer to an address.
 *
 * The pattern becomes a one-string YARA rule, scanned the way `yara`
 * scans (yscan.h): hex patterns and regular expressions have YARA's
 * syntax, and search finds what a YARA rule with that string would.
 * Exit 0: no hit; 1: hits; 2: error.
 */
#include <errno.h>
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
#include "output.h"
#include "open_snapshot.h"
#include "snapshot.h"
#include "yrules.h"
#include "yscan.h"

static const char cmd[] = "search";

#define MAX_PATTERN   4096
#define MAX_CONTEXT   4096
#define TEXT_GAPS     10

enum pkind { PK_NONE, PK_STRING, PK_HEX, PK_REGEX, PK_POINTER };

struct sopts {
	enum out_format fmt;
	enum pkind kind;
	const char *pattern;
	uint64_t pointer;
	bool utf16, nocase;
	uint64_t max;              /* 0: every hit */
	uint64_t context;
	struct yscan_opts scan;
	const char *path;
};

struct sctx {
	const struct sopts *o;
	struct snap *s;
	uint64_t hits, shown;
	bool too_many;
	struct onode *seq;
};

static void search_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze search [options] SNAPSHOT (--string TEXT | --hex HEX |\n"
		"                              --regex RE | --pointer-to ADDR)\n"
		"\n"
		"  -s, --string TEXT      the bytes of TEXT\n"
		"  -x, --hex HEX          bytes in YARA's hex syntax: 'de ad ?? ef', 'd? [2-4] ff'\n"
		"  -e, --regex RE         a YARA regular expression (/RE/)\n"
		"  -P, --pointer-to ADDR  8-byte little-endian values equal to ADDR\n"
		"  -w, --utf16            TEXT or RE as UTF-16LE (wide)\n"
		"  -i, --ignore-case      TEXT or RE ignoring ASCII case\n"
		"  -m, --max N            show the first N hits (all are counted; 0: all)\n"
		"  -C, --context N        bytes shown before and after a hit (default 16)\n"
		"  -r, --regions LIST     exec, anon, heap, stack, file or all (default)\n"
		"      --path NAME        only regions mapped from NAME (or its basename)\n"
		"  -j, --threads N        threads that read the snapshot\n"
		"  -B, --block-size SIZE  bytes read at a time per region (default 8M)\n"
		"  -f, --format F         text (default), json or yaml\n"
		"\n"
		"Only stored pages are searched (zero pages as zeros); the rest is listed\n"
		"as not scanned.  exit status: 0 no hit, 1 hits, 2 error\n"
		"\n"
		"example: memsnap-analyze search evidence.msnap --string 'BEGIN RSA' --max 5\n");
}

static int set_kind(struct sopts *o, enum pkind k, const char *arg)
{
	if (o->kind != PK_NONE)
		return ana_usage_error(cmd, "give one of --string, --hex, --regex, --pointer-to");
	o->kind = k;
	o->pattern = arg;
	if (strlen(arg) > MAX_PATTERN)
		return ana_usage_error(cmd, "pattern longer than %d bytes", MAX_PATTERN);
	if (!arg[0])
		return ana_usage_error(cmd, "empty pattern");
	return 0;
}

static int parse_opts(int argc, char **argv, struct sopts *o)
{
	struct ana_getopt g;
	const char *bad;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->context = 16;
	o->scan.scan.overlap = MSCAN_OVERLAP;
	o->scan.scan.reverse = true;
	ana_getopt_init(&g, cmd);
	while ((c = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (c) {
		case ANA_O_STRING:
			if (set_kind(o, PK_STRING, optarg))
				return -1;
			break;
		case ANA_O_HEX:
			if (set_kind(o, PK_HEX, optarg))
				return -1;
			break;
		case ANA_O_REGEX:
			if (set_kind(o, PK_REGEX, optarg))
				return -1;
			break;
		case ANA_O_POINTER_TO:
			if (set_kind(o, PK_POINTER, optarg))
				return -1;
			if (ana_parse_u64(optarg, false, &o->pointer))
				return ana_usage_error(cmd, "bad address '%s'", optarg);
			break;
		case ANA_O_UTF16: o->utf16 = true; break;
		case ANA_O_IGNORE_CASE: o->nocase = true; break;
		case ANA_O_MAX:
			if (ana_parse_u64(optarg, false, &o->max))
				return ana_usage_error(cmd, "bad --max '%s'", optarg);
			break;
		case ANA_O_CONTEXT:
			if (ana_parse_u64(optarg, false, &o->context) ||
			    o->context > MAX_CONTEXT)
				return ana_usage_error(cmd, "bad --context '%s' (0 to %d)",
						   optarg, MAX_CONTEXT);
			break;
		case ANA_O_REGIONS:
			if (mscan_parse_regions(optarg, &o->scan.scan.regions,
						&bad))
				return ana_usage_error(cmd, "unknown region class in '%s' (exec, anon, heap, stack, file, all)",
						   optarg);
			break;
		case ANA_O_PATH:
			o->scan.scan.path = optarg;
			break;
		case ANA_O_BLOCK_SIZE:
			if (mscan_parse_block(optarg, &o->scan.scan.piece))
				return ana_usage_error(cmd, "bad --block-size '%s' (4K to 256M)",
						   optarg);
			break;
		case ANA_O_THREADS:
			if (ana_parse_u64(optarg, false, &v) || v < 1 || v > 64)
				return ana_usage_error(cmd, "bad --threads '%s' (1 to 64)",
						   optarg);
			o->scan.scan.threads = (unsigned)v;
			break;
		case ANA_O_FORMAT:
			if (out_parse_format(optarg, &o->fmt))
				return ana_usage_error(cmd, "unknown format '%s' (text, json or yaml)",
						   optarg);
			break;
		case ANA_O_HELP:
			search_usage(stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (o->kind == PK_NONE)
		return ana_usage_error(cmd, "give one of --string, --hex, --regex, --pointer-to");
	if ((o->utf16 || o->nocase) && o->kind != PK_STRING && o->kind != PK_REGEX)
		return ana_usage_error(cmd, "--utf16 and --ignore-case go with --string or --regex");
	if (ana_operands(&g, argc, argv, 1, 1, "one SNAPSHOT"))
		return -1;
	o->path = argv[optind];
	return 0;
}

/* ---- the generated rule ------------------------------------------------- */

static bool hex_char_ok(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F') || strchr("?~[]-|() \t", c);
}

/*
 * The rule's string: every byte the user gave is quoted or checked, so a
 * pattern can never close the string and add rule text of its own.
 */
static char *make_rule(const struct sopts *o)
{
	size_t cap = 8 * strlen(o->pattern) + 256, at = 0, i;
	char *src = malloc(cap);
	const char *p = o->pattern;

	if (!src)
		return NULL;
	at += (size_t)snprintf(src, cap, "rule search { strings: $hit = ");
	switch (o->kind) {
	case PK_STRING:
		src[at++] = '"';
		for (i = 0; p[i]; i++) {
			unsigned char ch = (unsigned char)p[i];

			if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
				src[at++] = (char)ch;
			else
				at += (size_t)snprintf(src + at, cap - at,
						       "\\x%02x", ch);
		}
		src[at++] = '"';
		break;
	case PK_HEX:
		src[at++] = '{';
		for (i = 0; p[i]; i++) {
			if (!hex_char_ok(p[i])) {
				free(src);
				errno = EINVAL;
				return NULL;
			}
			src[at++] = p[i];
		}
		src[at++] = '}';
		break;
	case PK_REGEX:
		src[at++] = '/';
		for (i = 0; p[i]; i++) {
			if (p[i] == '\n' || p[i] == '\r') {
				free(src);
				errno = EINVAL;
				return NULL;
			}
			if (p[i] == '\\' && p[i + 1]) {
				src[at++] = p[i++];
				src[at++] = p[i];
			} else if (p[i] == '/') {
				src[at++] = '\\';
				src[at++] = '/';
			} else {
				src[at++] = p[i];
			}
		}
		src[at++] = '/';
		break;
	default:
		src[at++] = '{';
		for (i = 0; i < 8; i++)
			at += (size_t)snprintf(src + at, cap - at, " %02x",
					       (unsigned)(o->pointer >> (8 * i)) & 0xff);
		at += (size_t)snprintf(src + at, cap - at, " }");
		break;
	}
	src[at] = '\0';
	snprintf(src + at, cap - at, "%s%s condition: $hit }",
		 o->kind == PK_STRING || o->kind == PK_REGEX
		 ? (o->utf16 ? " wide" : " ascii") : "",
		 o->nocase ? " nocase" : "");
	return src;
}

/* ---- hits ---------------------------------------------------------------- */

/* The bytes around a hit, inside its region; '??' for pages not stored. */
static int read_context(struct sctx *c, uint64_t addr, uint64_t len,
			int64_t ri, uint64_t *start, uint8_t **buf,
			uint8_t **known, size_t *n)
{
	const uint64_t ps = c->s->info->page_size;
	uint64_t lo = addr, hi = addr + len, pg;
	struct msnap_error err = { 0 };
	uint8_t *states;
	size_t i;

	if (ri >= 0) {
		const struct snap_region *g = &c->s->regions[ri];

		lo = addr - g->start >= c->o->context ? addr - c->o->context
						      : g->start;
		hi = g->end - hi >= c->o->context ? hi + c->o->context : g->end;
	}
	*n = (size_t)(hi - lo);
	*start = lo;
	*buf = malloc(*n + 1);
	*known = malloc(*n + 1);
	states = malloc(*n / ps + 3);
	if (!*buf || !*known || !states) {
		free(states);
		return -1;
	}
	if (msnap_read(c->s->rd, lo, *buf, *n, states, &err)) {
		free(states);
		return -1;
	}
	for (i = 0; i < *n; i++) {
		pg = (lo + i) / ps - lo / ps;
		(*known)[i] = states[pg] == MSNAP_PAGE_DATA ||
			      states[pg] == MSNAP_PAGE_ZERO;
	}
	free(states);
	return 0;
}

static void text_dump(FILE *fp, uint64_t start, const uint8_t *b,
		      const uint8_t *known, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += 16) {
		fprintf(fp, "  0x%016" PRIx64 "  ", start + i);
		for (k = i; k < i + 16; k++) {
			if (k < n && known[k])
				fprintf(fp, "%02x ", b[k]);
			else
				fputs(k < n ? "?? " : "   ", fp);
			if (k == i + 7)
				fputc(' ', fp);
		}
		fputs(" |", fp);
		for (k = i; k < i + 16 && k < n; k++)
			fputc(known[k] && b[k] >= 0x20 && b[k] < 0x7f ? b[k] : '.', fp);
		fputs("|\n", fp);
	}
}

static void one_hit(struct sctx *c, uint64_t addr, uint64_t len)
{
	const int64_t ri = msnap_find_region(c->s->rd, addr);
	uint8_t *buf = NULL, *known = NULL;
	uint64_t start = addr;
	size_t n = 0, plen;
	struct onode *row;
	const char *path;
	char *hex;
	int r = read_context(c, addr, len, ri, &start, &buf, &known, &n);

	if (c->o->fmt == OUT_TEXT) {
		printf("0x%" PRIx64 " region %" PRId64 " +0x%" PRIx64 " ", addr,
		       ri, ri >= 0 ? addr - c->s->regions[ri].start : 0);
		put_region_path(stdout, c->s, ri);
		printf(" len %" PRIu64 "\n", len);
		if (!r)
			text_dump(stdout, start, buf, known, n);
		else
			puts("  (context not readable)");
	} else {
		row = out_map(c->seq, NULL);
		out_hex(row, "address", addr);
		if (ri >= 0) {
			out_u64(row, "region", (uint64_t)ri);
			path = mscan_region_path(c->s, (uint32_t)ri, &plen);
			out_bytes(row, "path", path, plen);
			out_hex(row, "offset", addr - c->s->regions[ri].start);
		} else {
			out_null(row, "region");
		}
		out_u64(row, "length", len);
		if (!r) {
			hex = hex_string(buf + (addr - start),
					 len < n ? (size_t)len : n);
			out_str(row, "data", hex ? hex : "");
			free(hex);
			out_hex(row, "context_address", start);
			hex = hex_string(buf, n);
			out_str(row, "context", hex ? hex : "");
			free(hex);
		}
	}
	free(buf);
	free(known);
}

static int on_message(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *arg)
{
	struct sctx *c = arg;
	const YR_RULE *rule = data;
	const YR_STRING *str;
	YR_MATCH mt;

	if (msg == CALLBACK_MSG_TOO_MANY_MATCHES) {
		c->too_many = true;
		return CALLBACK_CONTINUE;
	}
	if (msg != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	yr_rule_strings_foreach(rule, str) {
		YSCAN_FOREACH_MATCH(ctx, str, mt) {
			c->hits++;
			if (c->o->max && c->shown >= c->o->max)
				continue;
			c->shown++;
			one_hit(c, (uint64_t)(mt.base + mt.offset),
				(uint64_t)mt.match_length);
		}
	}
	return CALLBACK_CONTINUE;
}

static int run(const struct sopts *o, YR_RULES *rules, struct snap *s,
	       struct odoc *doc, struct sctx *c)
{
	struct yscan_result res;
	struct mscan *m = NULL;
	struct onode *root = odoc_root(doc);
	YR_SCANNER *sc = NULL;
	char msg[700] = "", why[800];
	struct yscan_opts so;
	int ret = -1;

	if (snap_incomplete(s, why, sizeof(why))[0]) {
		ana_warn(cmd, "%s: %s", s->path, why);
		out_str(root, "incomplete", why);
	}
	c->seq = out_seq(root, "hits");
	if (yr_scanner_create(rules, &sc)) {
		ana_err(cmd, "out of memory");
		return -1;
	}
	so = o->scan;
	so.callback = on_message;
	so.callback_arg = c;
	if (yscan_run(s, sc, &so, &m, &res, msg, sizeof(msg))) {
		ana_err(cmd, "%s: %s", s->path, msg);
		goto out;
	}
	if (msg[0])
		ana_warn(cmd, "%s: %s", s->path, msg);
	if (c->too_many)
		ana_warn(cmd, "YARA's limit of matches reached: later hits are not counted");
	if (o->fmt == OUT_TEXT) {
		if (c->shown < c->hits)
			printf("# %" PRIu64 " hits, %" PRIu64 " shown (--max)\n",
			       c->hits, c->shown);
		else
			printf("# %" PRIu64 " hits\n", c->hits);
		gaps_text(stdout, s, m, TEXT_GAPS);
	} else {
		out_u64(root, "hits_total", c->hits);
		out_u64(root, "hits_shown", c->shown);
		out_bool(root, "hits_limit_reached", c->too_many);
		scanned_doc(root, m);
		gaps_doc(root, s, m);
	}
	ret = 0;
out:
	mscan_free(m);
	yr_scanner_destroy(sc);
	return ret;
}

int cmd_search(int argc, char **argv)
{
	struct sopts o;
	struct sctx c = { 0 };
	struct msnap_error err = { 0 };
	struct odoc *doc = NULL;
	YR_RULES *rules = NULL;
	struct snap s;
	bool opened = false;
	char *src = NULL;
	int r, ret = ANA_EXIT_ERROR;

	r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? ANA_EXIT_OK : ANA_EXIT_ERROR;
	src = make_rule(&o);
	if (!src) {
		if (errno == EINVAL)
			ana_err(cmd, "--%s: character not allowed in '%s'",
				o.kind == PK_HEX ? "hex" : "regex", o.pattern);
		else
			ana_err(cmd, "out of memory");
		return ANA_EXIT_ERROR;
	}
	if (yr_initialize()) {
		ana_err(cmd, "cannot initialise libyara");
		free(src);
		return ANA_EXIT_ERROR;
	}
	/* the match data we print comes from the snapshot: YARA keeps little */
	yr_set_configuration_uint32(YR_CONFIG_MAX_MATCH_DATA, 64);
	if (yrules_compile_string(cmd, src, &rules))
		goto out;
	if (ana_open_snapshot(cmd, o.path, ANA_OPEN_REGIONS, &s))
		goto out;
	opened = true;
	doc = odoc_new();
	if (!doc) {
		ana_err(cmd, "out of memory");
		goto out;
	}
	out_bytes(odoc_root(doc), "snapshot", o.path, strlen(o.path));
	out_str(odoc_root(doc), "rule", src);
	c.o = &o;
	c.s = &s;
	if (run(&o, rules, &s, doc, &c))
		goto out;
	if (o.fmt != OUT_TEXT && odoc_print(doc, o.fmt, stdout, &err)) {
		ana_err_msnap(cmd, &err);
		goto out;
	}
	if (fflush(stdout)) {
		ana_err(cmd, "cannot write the report");
		goto out;
	}
	ret = c.hits ? 1 : ANA_EXIT_OK;
out:
	odoc_free(doc);
	if (opened)
		snap_close(&s);
	if (rules)
		yr_rules_destroy(rules);
	yr_finalize();
	free(src);
	return ret;
}
