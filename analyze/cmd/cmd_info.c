// SPDX-License-Identifier: MIT
/*
 * cmd_info.c - memsnap-analyze info: what a snapshot holds.
 *
 * Reads only the trailer, the manifest and the page tables (what
 * msnap_open() loads): never a memory chunk, so it stays fast on snapshots
 * of any size.
 */
#include <inttypes.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "output.h"
#include "open_snapshot.h"
#include "snapshot.h"

static const char cmd[] = "info";

static void info_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze info [options] FILE\n"
		"\n"
		"      --list-regions  list every region with its page counts (and\n"
		"                      how many were read from swap)\n"
		"      --list-threads  list every thread with rip and rsp\n"
		"  -a, --all           both\n"
		"  -f, --format FMT    text (default), json or yaml\n"
		"  -h, --help          this help\n"
		"\n"
		"example: memsnap-analyze info --list-regions evidence.msnap\n");
}

/* Copy a string or !!binary fact, if present. */
static void put_fact(const struct snap *s, struct onode *o, const char *key,
		     const char *dotted)
{
	struct snap_bytes b;

	if (snap_fact_bytes(s, dotted, &b) == 0) {
		out_bytes(o, key, b.s, b.len);
		snap_bytes_free(&b);
	}
}

static void put_fact_u64(const struct snap *s, struct onode *o,
			 const char *key, const char *dotted)
{
	uint64_t v;

	if (snap_fact_u64(s, dotted, &v) == 0)
		out_u64(o, key, v);
}

static void put_container(const struct snap *s, struct onode *root)
{
	const struct msnap_file_info *fi = s->info;
	struct onode *o = out_map(root, "snapshot");
	uint64_t i, n = msnap_chunk_count(s->rd), raw = 0, packed = 0;
	char id[33], ver[16];
	const struct msnap_chunk_info *c;
	const struct msnap_region_info *r;

	snprintf(ver, sizeof(ver), "%u.%u", fi->major, fi->minor);
	out_str(o, "format_version", ver);
	out_u64(o, "file_size", fi->file_size);
	msnap_hex(fi->capture_id, sizeof(fi->capture_id), id);
	out_str(o, "capture_id", id);
	out_u64(o, "page_size", fi->page_size);
	if (msnap_parent_ref(s->rd)) {
		/* incremental: where its unchanged pages are */
		msnap_hex(msnap_parent_ref(s->rd)->capture_id, 16, id);
		out_str(o, "parent", msnap_parent_path(s->rd));
		out_str(o, "parent_id", id);
	}
	if (fi->flags & MSNAP_HDR_LAYOUT_ONLY)
		out_bool(o, "layout_only", true);
	out_u64(o, "regions", msnap_region_count(s->rd));
	out_u64(o, "chunks", n);
	/*
	 * Sizes from the page tables; only a file cut short (regions without
	 * a table) needs its chunk records.  Nothing is decompressed.
	 */
	for (i = 0; i < msnap_region_count(s->rd); i++) {
		r = msnap_region(s->rd, (uint32_t)i);
		if (!r)
			continue;
		if (!r->has_table)
			break;
		raw += r->stored_bytes;
		packed += r->compressed_bytes;
	}
	if (i < msnap_region_count(s->rd)) {
		raw = packed = 0;
		for (i = 0; i < n; i++) {
			c = msnap_chunk(s->rd, i);
			if (!c || c->region == MSNAP_REGION_NONE)
				continue;
			raw += c->raw_size;
			packed += c->frame_size;
		}
	}
	out_u64(o, "stored_bytes", raw);
	out_u64(o, "compressed_bytes", packed);
	if (packed)
		out_fixed(o, "compression_ratio", (double)raw / (double)packed,
			  2);
}

/* The scan's reason without its own "at offset N: " (we say it once). */
static const char *reason_text(const struct msnap_file_info *fi)
{
	char prefix[48];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), "at offset %llu: ",
			     (unsigned long long)fi->valid_end);
	if (!strncmp(fi->stop_reason, prefix, n))
		return fi->stop_reason + n;
	return fi->stop_reason;
}

/* complete / partial / incomplete, and why. */
static void put_status(const struct snap *s, struct onode *root)
{
	const struct msnap_file_info *fi = s->info;
	size_t nerr = 0;
	bool complete = false;
	char why[1024];

	if (snap_fact_count(s, "errors", &nerr))
		nerr = 0;
	if (!fi->complete || fi->recovered) {
		snprintf(why, sizeof(why),
			 "incomplete: cut short at offset %llu: %s",
			 (unsigned long long)fi->valid_end,
			 fi->stop_reason[0] ? reason_text(fi) :
			 s->scanned_after_error ? s->trailer_error.msg :
			 "no trailer");
		out_str(root, "status", why);
		return;
	}
	if (!s->root) {
		snprintf(why, sizeof(why), "partial: %s",
			 s->manifest_problem[0] ? s->manifest_problem
						: "no manifest");
		out_str(root, "status", why);
		return;
	}
	/* the capture decides what is complete; errors may be mere notes */
	snap_fact_bool(s, "capture.complete", &complete);
	if (complete) {
		if (nerr)
			snprintf(why, sizeof(why), "complete (%zu note%s in errors)",
				 nerr, nerr == 1 ? "" : "s");
		out_str(root, "status", nerr ? why : "complete");
		return;
	}
	snprintf(why, sizeof(why), "partial: %zu error%s recorded", nerr,
		 nerr == 1 ? "" : "s");
	out_str(root, "status", why);
}

static void put_capture(const struct snap *s, struct onode *root)
{
	struct onode *o = out_map(root, "capture");
	uint64_t ns;

	put_fact(s, o, "mode", "capture.mode");
	put_fact(s, o, "started", "capture.started");
	put_fact(s, o, "frozen_at", "capture.frozen_at");
	put_fact(s, o, "thawed_at", "capture.thawed_at");
	put_fact(s, o, "ended", "capture.ended");
	if (snap_fact_u64(s, "capture.frozen_ns", &ns) == 0)
		out_fixed(o, "frozen_ms", (double)ns / 1e6, 3);
	if (snap_fact_u64(s, "capture.copy_ns", &ns) == 0)
		out_fixed(o, "copy_ms", (double)ns / 1e6, 3);
	put_fact_u64(s, o, "frozen_ns", "capture.frozen_ns");
	put_fact_u64(s, o, "copy_ns", "capture.copy_ns");
	put_fact_u64(s, o, "buffer_bytes", "capture.buffer_bytes");
	put_fact(s, o, "method", "capture.method");
	if (snap_fact_u64(s, "capture.precopy.run_ns", &ns) == 0)
		out_fixed(o, "precopy_ms", (double)ns / 1e6, 3);
	if (snap_fact_u64(s, "capture.precopy.verify_ns", &ns) == 0)
		out_fixed(o, "verify_ms", (double)ns / 1e6, 3);
	put_fact_u64(s, o, "precopy_pages_read", "capture.precopy.pages_read");
	put_fact_u64(s, o, "precopy_pages_verified", "capture.precopy.pages_verified");
	put_fact_u64(s, o, "precopy_pages_kept", "capture.precopy.pages_kept");
	put_fact_u64(s, o, "precopy_pages_copied_frozen",
		     "capture.precopy.pages_copied_frozen");
	put_fact_u64(s, o, "precopy_segments_kept_after_change",
		     "capture.precopy.segments_kept_after_change");
	put_fact_u64(s, o, "series_sequence", "capture.trigger.sequence");
	put_fact(s, o, "trigger", "capture.trigger.reason");
	put_fact(s, o, "trigger_cost", "capture.trigger.cost");
	put_fact(s, o, "tool_version", "memsnap.version");
}

/* A sequence of ids (uid, gid, nspid) as one "a b c d" string. */
static void put_fact_ids(const struct snap *s, struct onode *o,
			 const char *key, const char *dotted)
{
	char buf[256];
	size_t i, n, at = 0;
	uint64_t v;

	if (snap_fact_count(s, dotted, &n))
		return;
	buf[0] = '\0';
	for (i = 0; i < n && at < sizeof(buf) - 24; i++) {
		if (snap_fact_u64_at(s, dotted, i, &v))
			return;
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%" PRIu64,
				       i ? " " : "", v);
	}
	out_str(o, key, buf);
}

static void put_process(const struct snap *s, struct onode *root)
{
	struct onode *o = out_map(root, "process"), *seq;
	struct snap_bytes b;
	size_t i, n;

	put_fact_u64(s, o, "pid", "process.pid");
	put_fact_u64(s, o, "ppid", "process.ppid");
	put_fact(s, o, "comm", "process.comm");
	put_fact(s, o, "exe", "process.exe.path");
	/* what makes a process special: setuid, non-dumpable, traced, nested */
	put_fact_ids(s, o, "uid", "process.uid");
	put_fact_ids(s, o, "gid", "process.gid");
	put_fact_ids(s, o, "nspid", "process.nspid");
	put_fact_u64(s, o, "dumpable", "process.dumpable");
	put_fact_u64(s, o, "tracer_pid", "process.tracer_pid");
	out_u64(o, "threads", s->nthreads);
	if (snap_fact_count(s, "process.cmdline", &n) == 0) {
		seq = out_seq(o, "cmdline");
		for (i = 0; i < n; i++) {
			if (snap_fact_bytes_at(s, "process.cmdline", i, &b))
				continue;
			out_bytes(seq, NULL, b.s, b.len);
			snap_bytes_free(&b);
		}
	}
}

static void put_host(const struct snap *s, struct onode *root)
{
	struct onode *o = out_map(root, "host");

	put_fact(s, o, "hostname", "host.hostname");
	put_fact(s, o, "release", "host.release");
	put_fact(s, o, "machine", "host.machine");
	put_fact_u64(s, o, "page_size", "host.page_size");
}

static void put_errors(const struct snap *s, struct onode *root)
{
	struct onode *seq, *row;
	struct snap_bytes what, message;
	size_t i, n;

	if (snap_fact_count(s, "errors", &n) || n == 0)
		return;
	seq = out_seq(root, "errors");
	for (i = 0; i < n; i++) {
		row = out_map(seq, NULL);
		snap_capture_error(s, i, &what, &message);
		if (what.s)
			out_bytes(row, "what", what.s, what.len);
		if (message.s)
			out_bytes(row, "message", message.s, message.len);
		snap_bytes_free(&what);
		snap_bytes_free(&message);
	}
}

/* Page counts in the order an analyst reads them: captured first. */
static const int state_order[MSNAP_PAGE_NSTATES] = {
	MSNAP_PAGE_DATA, MSNAP_PAGE_ZERO, MSNAP_PAGE_ABSENT,
	MSNAP_PAGE_SWAPPED, MSNAP_PAGE_UNREADABLE, MSNAP_PAGE_PARENT,
};

/* Pages the manifest lists as written copies of a private file mapping. */
static void put_written(const struct snap *s, struct onode *row, uint32_t i)
{
	const struct snap_region *g = &s->regions[i];
	uint64_t n = 0;
	size_t k;

	if (g->perms[3] != 'p' || !g->path.len || g->path.s[0] != '/') {
		out_null(row, "written");
		return;
	}
	for (k = 0; k < g->private_copies.n; k++)
		n += g->private_copies.v[k].count;
	out_u64(row, "written", n);
}

/* Pages the manifest lists as read from swap (memsnap --read-swap). */
static void put_from_swap(const struct snap *s, struct onode *row, uint32_t i)
{
	const struct snap_region *g = &s->regions[i];
	uint64_t n = 0;
	size_t k;

	if (!g->in_manifest) {
		out_null(row, "from_swap");
		return;
	}
	for (k = 0; k < g->from_swap.n; k++)
		n += g->from_swap.v[k].count;
	out_u64(row, "from_swap", n);
}

static void put_regions(const struct snap *s, struct onode *root)
{
	struct onode *seq = out_seq(root, "regions"), *row;
	const struct snap_region *g;
	uint32_t i;
	int k;

	for (i = 0; i < s->nregions; i++) {
		g = &s->regions[i];
		if (!g->ri && !g->in_manifest)
			continue;
		row = out_map(seq, NULL);
		out_u64(row, "index", g->index);
		out_hex(row, "start", g->start);
		out_hex(row, "end", g->end);
		out_str(row, "perms", g->in_manifest ? g->perms : NULL);
		if (g->in_manifest)
			out_hex(row, "offset", g->offset);
		else
			out_null(row, "offset");
		for (k = 0; k < MSNAP_PAGE_NSTATES; k++) {
			const int st = state_order[k];
			const char *name = msnap_page_state_name(st);

			/* parent: how many of its pages the parent holds */
			if (g->ri && g->ri->has_table)
				out_u64(row, name, st == MSNAP_PAGE_PARENT ?
					g->ri->own_pages[st] : g->ri->pages[st]);
			else
				out_null(row, name);
		}
		put_written(s, row, i);
		put_from_swap(s, row, i);
		if (i >= s->manifest_regions && s->manifest_regions)
			out_str(row, "kind", "stored_file");
		else
			out_bytes(row, "kind", g->kind.s, g->kind.len);
		out_bytes(row, "path", g->path.s ? g->path.s : "",
			  g->path.len);
	}
}

static void put_threads(const struct snap *s, struct onode *root)
{
	struct onode *seq = out_seq(root, "threads"), *row;
	const struct snap_thread *t;
	size_t i;

	for (i = 0; i < s->nthreads; i++) {
		t = &s->threads[i];
		row = out_map(seq, NULL);
		out_u64(row, "tid", t->tid);
		out_bytes(row, "name", t->name.s, t->name.len);
		out_str(row, "state", t->state[0] ? t->state : NULL);
		if (t->has_regs) {
			out_hex(row, "rip", t->regs.rip);
			out_hex(row, "rsp", t->regs.rsp);
		} else {
			out_null(row, "rip");
			out_null(row, "rsp");
		}
	}
}

int cmd_info(int argc, char **argv)
{
	enum out_format fmt = OUT_TEXT;
	bool regions = false, threads = false;
	struct msnap_error err = { 0 };
	struct odoc *doc = NULL;
	struct ana_getopt g;
	struct onode *root;
	struct snap s;
	int c, ret = ANA_EXIT_ERROR;

	ana_getopt_init(&g, cmd);
	while ((c = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (c) {
		case ANA_O_LIST_REGIONS: regions = true; break;
		case ANA_O_LIST_THREADS: threads = true; break;
		case ANA_O_ALL: regions = threads = true; break;
		case ANA_O_FORMAT:
			if (out_parse_format(optarg, &fmt)) {
				ana_usage_error(cmd, "unknown format '%s' (text, json or yaml)",
						optarg);
				return ANA_EXIT_ERROR;
			}
			break;
		case ANA_O_HELP:
			info_usage(stdout);
			return ANA_EXIT_OK;
		default:
			return ANA_EXIT_ERROR;
		}
	}
	if (ana_operands(&g, argc, argv, 1, 1, "one snapshot FILE"))
		return ANA_EXIT_ERROR;
	if (ana_open_snapshot(cmd, argv[optind], ANA_OPEN_WARN_MANIFEST |
			      ANA_OPEN_REGIONS | ANA_OPEN_THREADS, &s))
		return ANA_EXIT_ERROR;
	doc = odoc_new();
	root = odoc_root(doc);
	if (!doc) {
		ana_err(cmd, "out of memory");
		goto out;
	}
	out_str(root, "file", s.path);
	put_status(&s, root);
	if (s.root)
		out_u64(root, "threads_count", s.nthreads);
	put_container(&s, root);
	if (s.root) {
		put_capture(&s, root);
		put_process(&s, root);
		put_host(&s, root);
		put_errors(&s, root);
	}
	if (regions)
		put_regions(&s, root);
	if (threads && s.root)
		put_threads(&s, root);
	if (odoc_print(doc, fmt, stdout, &err)) {
		ana_err_msnap(cmd, &err);
		goto out;
	}
	ret = ANA_EXIT_OK;
out:
	odoc_free(doc);
	snap_close(&s);
	return ret;
}
