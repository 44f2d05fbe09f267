// SPDX-License-Identifier: MIT
/*
 * cmd_extract.c - memsnap-analyze extract: the bytes of a region, an
 * address range, or every region mapped from one file.
 *
 * Streams through msnap_read() a piece at a time, so memory use does not
 * depend on the size asked for.  Pages that were not captured come out as
 * zeros and are listed on stderr with their state: an analyst must never
 * mistake a hole for memory that held zeros.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "aprogress.h"
#include "escape.h"
#include "open_snapshot.h"
#include "snapshot.h"

static const char cmd[] = "extract";

#define PIECE_BYTES   (1u << 20)
#define MAX_GAP_LINES 1000u

struct span {
	uint64_t start, end;
	int64_t region;               /* -1 for an address range */
};

/* Ranges of pages written as zeros, merged while streaming. */
struct gaps {
	uint64_t start, end;
	int state;                    /* -1: none open */
	uint64_t lines, dropped;
};

static void extract_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze extract FILE --region N [-o OUT|-]\n"
		"       memsnap-analyze extract FILE --addr ADDR --size N [-o OUT|-]\n"
		"       memsnap-analyze extract FILE --path NAME [--list] [-o OUT|-]\n"
		"\n"
		"  -R, --region N        region N (see info --list-regions)\n"
		"  -A, --addr ADDR       start address (0x hex or decimal)\n"
		"  -S, --size N          bytes from ADDR (suffixes K, M, G)\n"
		"      --path NAME       every region mapped from NAME, in address\n"
		"                        order (a NAME without '/' also matches a\n"
		"                        basename)\n"
		"  -l, --list            print the regions selected and stop\n"
		"  -o, --output OUT      new file (mode 0600); '-' or none: stdout,\n"
		"                        which must not be a terminal\n"
		ANA_HELP_PROGRESS
		"\n"
		"example: memsnap-analyze extract evidence.msnap --path libc.so.6 -o libc.bin\n");
}

static void gap_flush(struct gaps *g)
{
	if (g->state < 0)
		return;
	if (g->lines < MAX_GAP_LINES) {
		ana_before_message();
		fprintf(stderr, "0x%" PRIx64 "-0x%" PRIx64 ": %s (written as zeros)\n",
			g->start, g->end, msnap_page_state_name(g->state));
		g->lines++;
	} else {
		g->dropped++;
	}
	g->state = -1;
}

/* Account for [start, end) of one page in state st. */
static void gap_add(struct gaps *g, uint64_t start, uint64_t end, int st)
{
	if (st == MSNAP_PAGE_DATA || st == MSNAP_PAGE_ZERO) {
		gap_flush(g);
		return;
	}
	if (g->state == st && g->end == start) {
		g->end = end;
		return;
	}
	gap_flush(g);
	g->state = st;
	g->start = start;
	g->end = end;
}

static int stream_span(struct snap *s, const struct span *sp, int fd,
		       uint8_t *buf, size_t piece, uint8_t *states,
		       struct gaps *g, struct progress *prog)
{
	const uint64_t ps = s->info->page_size;
	uint64_t addr = sp->start, len, first, b, pend;
	struct msnap_error err = { 0 };
	size_t k;

	while (addr < sp->end) {
		/* Pieces end on page boundaries after the first one. */
		len = piece - addr % ps;
		if (len > sp->end - addr)
			len = sp->end - addr;
		if (msnap_read(s->rd, addr, buf, len, states, &err)) {
			ana_err_msnap(cmd, &err);
			return -1;
		}
		first = addr / ps;
		for (b = addr, k = 0; b < addr + len; b = pend, k++) {
			pend = (first + k + 1) * ps;
			if (pend > addr + len)
				pend = addr + len;
			gap_add(g, b, pend, states[k]);
		}
		if (ana_write_all(fd, buf, len)) {
			ana_err(cmd, "writing the output: %s", strerror(errno));
			return -1;
		}
		msnap_progress_add(prog, len);
		addr += len;
	}
	return 0;
}

static bool path_matches(const struct snap_region *g, const char *name)
{
	const char *base;
	size_t n = strlen(name);

	if (!g->path.s)
		return false;
	if (g->path.len == n && !memcmp(g->path.s, name, n))
		return true;
	if (strchr(name, '/'))
		return false;
	base = memrchr(g->path.s, '/', g->path.len);
	base = base ? base + 1 : g->path.s;
	return (size_t)(g->path.s + g->path.len - base) == n &&
	       !memcmp(base, name, n);
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* The spans to write, in output order; *n of them. */
static int select_spans(struct snap *s, int64_t region, bool have_addr,
			uint64_t addr, uint64_t size, const char *name,
			struct span **out, size_t *n)
{
	struct span *sp;
	uint32_t i;
	bool hit = false;

	*n = 0;
	sp = calloc(s->nregions + 1, sizeof(*sp));
	if (!sp) {
		ana_err(cmd, "out of memory");
		return -1;
	}
	*out = sp;
	if (region >= 0) {
		if ((uint64_t)region >= s->nregions ||
		    (!s->regions[region].ri && !s->regions[region].in_manifest)) {
			ana_err(cmd, "no region %" PRId64 " (the snapshot has %u)",
				region, s->nregions);
			return -1;
		}
		sp[0] = (struct span){ s->regions[region].start,
				       s->regions[region].end, region };
		*n = 1;
		return 0;
	}
	if (have_addr) {
		if (size == 0 || addr > UINT64_MAX - size) {
			ana_err(cmd, "empty or wrapping range 0x%" PRIx64
				" + %" PRIu64, addr, size);
			return -1;
		}
		for (i = 0; i < s->nregions; i++)
			if (s->regions[i].start < addr + size &&
			    s->regions[i].end > addr)
				hit = true;
		if (!hit) {
			ana_err(cmd, "no region overlaps 0x%" PRIx64 "-0x%" PRIx64,
				addr, addr + size);
			return -1;
		}
		sp[0] = (struct span){ addr, addr + size, -1 };
		*n = 1;
		return 0;
	}
	for (i = 0; i < s->nregions && i < s->manifest_regions; i++)
		if (path_matches(&s->regions[i], name))
			sp[(*n)++] = (struct span){ s->regions[i].start,
						    s->regions[i].end, i };
	if (!*n) {
		fprintf(stderr, "memsnap-analyze: %s: no region is mapped from '",
			cmd);
		esc_fputs(stderr, name, strlen(name));
		fputs("'\n", stderr);
		return -1;
	}
	qsort(sp, *n, sizeof(*sp), cmp_span);
	return 0;
}

static void list_spans(const struct snap *s, const struct span *sp, size_t n)
{
	const struct snap_region *g;
	uint64_t off = 0;
	size_t i;

	printf("%-6s %-18s %-18s %-5s %-12s %s\n", "INDEX", "START", "END",
	       "PERMS", "OUT_OFFSET", "PATH");
	for (i = 0; i < n; i++) {
		g = sp[i].region >= 0 ? &s->regions[sp[i].region] : NULL;
		if (g)
			printf("%-6" PRId64 " ", sp[i].region);
		else
			printf("%-6s ", "-");
		printf("0x%-16" PRIx64 " 0x%-16" PRIx64 " %-5s %-12" PRIu64 " ",
		       sp[i].start, sp[i].end, g && g->perms[0] ? g->perms : "-",
		       off);
		if (g && g->path.s)
			esc_fputs(stdout, g->path.s, g->path.len);
		putchar('\n');
		off += sp[i].end - sp[i].start;
	}
}

int cmd_extract(int argc, char **argv)
{
	struct ana_common co = { 0 };
	struct ana_getopt g;
	struct progress prog;
	uint64_t total;
	const char *out_path = NULL, *name = NULL;
	bool have_addr = false, have_size = false, list = false;
	uint64_t addr = 0, size = 0, v;
	int64_t region = -1;
	struct gaps gaps = { .state = -1 };
	struct span *spans = NULL;
	uint8_t *buf = NULL, *states = NULL;
	size_t nspans = 0, piece, i;
	int c, modes, fd = -1, ret = ANA_EXIT_ERROR;
	struct snap s = { .fd = -1 };
	bool opened = false, created = false;

	ana_getopt_init(&g, cmd);
	while ((c = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (c) {
		case ANA_O_REGION:
			if (ana_parse_u64(optarg, false, &v) ||
			    v >= MSNAP_MAX_REGIONS) {
				ana_usage_error(cmd, "bad region index '%s'", optarg);
				return ANA_EXIT_ERROR;
			}
			region = (int64_t)v;
			break;
		case ANA_O_ADDR:
			if (ana_parse_u64(optarg, false, &addr)) {
				ana_usage_error(cmd, "bad address '%s'", optarg);
				return ANA_EXIT_ERROR;
			}
			have_addr = true;
			break;
		case ANA_O_SIZE:
			if (ana_parse_u64(optarg, true, &size)) {
				ana_usage_error(cmd, "bad size '%s'", optarg);
				return ANA_EXIT_ERROR;
			}
			have_size = true;
			break;
		case ANA_O_PATH: name = optarg; break;
		case ANA_O_LIST: list = true; break;
		case ANA_O_OUTPUT: out_path = optarg; break;
		case ANA_O_HELP:
			extract_usage(stdout);
			return ANA_EXIT_OK;
		default:
			if (ana_common_option(&co, c))
				break;
			return ANA_EXIT_ERROR;
		}
	}
	modes = (region >= 0) + have_addr + (name != NULL);
	if (ana_operands(&g, argc, argv, 1, 1, "one snapshot FILE"))
		return ANA_EXIT_ERROR;
	if (modes != 1) {
		ana_usage_error(cmd, "give one of --region, --addr with --size, --path");
		return ANA_EXIT_ERROR;
	}
	if (have_addr != have_size) {
		ana_usage_error(cmd, "--addr and --size go together");
		return ANA_EXIT_ERROR;
	}
	if (ana_open_snapshot(cmd, argv[optind], ANA_OPEN_REGIONS, &s))
		return ANA_EXIT_ERROR;
	opened = true;
	if (select_spans(&s, region, have_addr, addr, size, name, &spans,
			 &nspans))
		goto out;
	if (list) {
		list_spans(&s, spans, nspans);
		ret = fflush(stdout) ? ANA_EXIT_ERROR : ANA_EXIT_OK;
		goto out;
	}
	if (out_path && strcmp(out_path, "-")) {
		fd = ana_create_output(cmd, out_path);
		if (fd < 0)
			goto out;
		created = true;
	} else {
		if (isatty(STDOUT_FILENO)) {
			ana_err(cmd, "refusing to write binary data to a terminal (use -o FILE or a pipe)");
			goto out;
		}
		fd = STDOUT_FILENO;
	}
	piece = PIECE_BYTES > s.info->page_size ? PIECE_BYTES
						: s.info->page_size;
	buf = malloc(piece);
	states = malloc(piece / s.info->page_size + 2);
	if (!buf || !states) {
		ana_err(cmd, "out of memory");
		goto out;
	}
	for (i = 0, total = 0; i < nspans; i++)
		total += spans[i].end - spans[i].start;
	ana_progress_begin(&prog, &co, "extract", total, NULL);
	for (i = 0; i < nspans; i++)
		if (stream_span(&s, &spans[i], fd, buf, piece, states, &gaps,
				&prog))
			break;
	ana_progress_end(&prog, NULL);
	if (i < nspans)
		goto out;
	gap_flush(&gaps);
	if (gaps.dropped)
		fprintf(stderr, "... and %" PRIu64 " more ranges written as zeros\n",
			gaps.dropped);
	if (created && close(fd)) {
		fd = -1;
		ana_err(cmd, "%s: %s", out_path, strerror(errno));
		goto out;
	}
	fd = -1;
	ret = ANA_EXIT_OK;
out:
	if (fd >= 0 && created)
		close(fd);
	if (ret != ANA_EXIT_OK && created)
		unlink(out_path);
	free(buf);
	free(states);
	free(spans);
	if (opened)
		snap_close(&s);
	return ret;
}
