// SPDX-License-Identifier: MIT
/*
 * cmd_verify.c - memsnap-analyze verify: is this snapshot intact?
 *
 * Exit 0: every checksum, hash and digest matches and the file is whole.
 * Exit 1: something is damaged or the file is cut short (the summary says
 * what can still be trusted).  Exit 2: the file cannot be read at all.
 */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "aprogress.h"
#include "escape.h"
#include "output.h"
#include "open_snapshot.h"
#include "snapshot.h"

static const char cmd[] = "verify";

/* Problems kept for JSON/YAML; beyond this only counted. */
#define MAX_KEPT_PROBLEMS 10000u

struct problems {
	pthread_mutex_t lock;      /* the reader may call from its workers */
	enum out_format fmt;
	struct onode *seq;
	uint64_t count;
	struct progress prog;      /* erased before a problem is printed */
};

static void verify_usage(FILE *fp)
{
	fprintf(fp,
		"usage: memsnap-analyze verify [options] FILE\n"
		"\n"
		"      --quick           every checksum and page hash, but no SHA-256\n"
		"                        recomputed (fast triage; not for custody)\n"
		"  -j, --threads N       decompression workers (default: one per CPU)\n"
		"  -f, --format FMT      text (default), json or yaml\n"
		ANA_HELP_PROGRESS
		"\n"
		"example: memsnap-analyze verify --format json evidence.msnap\n"
		"\n"
		"An incremental snapshot's parents are checked too (see --parent-dir).\n"
		"exit status: 0 intact, 1 damaged or cut short, 2 unreadable\n"
		"(or a parent missing or altered)\n");
}

static void on_problem(void *arg, int64_t offset, const char *message)
{
	struct problems *p = arg;
	struct onode *row;

	pthread_mutex_lock(&p->lock);
	p->count++;
	if (p->fmt == OUT_TEXT) {
		msnap_progress_clear(&p->prog);
		/* As found: a long verify shows its problems early. */
		if (offset >= 0)
			printf("problem at offset %" PRId64 ": ", offset);
		else
			printf("problem: ");
		esc_fputs(stdout, message, strlen(message));
		putchar('\n');
		fflush(stdout);
	} else if (p->count <= MAX_KEPT_PROBLEMS) {
		row = out_map(p->seq, NULL);
		if (offset >= 0)
			out_i64(row, "offset", offset);
		else
			out_null(row, "offset");
		out_str(row, "message", message);
	}
	pthread_mutex_unlock(&p->lock);
}

static const char *verdict(int r, const struct msnap_file_info *fi,
			   uint64_t problems)
{
	if (!fi->complete || fi->recovered)
		return "cut short";
	if (r || problems)
		return "damaged";
	return "intact";
}

static void put_summary(struct onode *root, const struct snap *s,
			const struct msnap_verify_report *rep)
{
	const struct msnap_file_info *fi = s->info;
	char hex[65], what[1024];

	if (rep->quick) {
		out_str(root, "mode", "quick: no SHA-256 recomputed");
	} else {
		msnap_hex(rep->file_sha256, 32, hex);
		out_str(root, "file_sha256", hex);
	}
	if (rep->quick)
		out_str(root, "content_hash", "not checked (quick)");
	else if (!rep->file_hash_checked)
		out_str(root, "content_hash", "not checked (no trailer)");
	else
		out_str(root, "content_hash",
			rep->file_hash_ok ? "matches the trailer"
					  : "DOES NOT match the trailer");
	out_u64(root, "chunks_ok", rep->chunks_ok);
	out_u64(root, "chunks_bad", rep->chunks_bad);
	if (rep->chunks_unused)         /* pre-copied, superseded at the freeze */
		out_u64(root, "chunks_unused", rep->chunks_unused);
	out_u64(root, "regions_ok", rep->regions_ok);
	out_u64(root, "regions_bad", rep->regions_bad);
	out_u64(root, "regions_unchecked", rep->regions_unchecked);
	out_u64(root, "pages_checked", rep->pages_checked);
	out_u64(root, "pages_bad", rep->pages_bad);
	out_u64(root, "bytes_read", rep->bytes_read);
	if (!fi->complete || fi->recovered) {
		snprintf(what, sizeof(what),
			 "cut short at offset %" PRIu64 "%s%s%s; %" PRIu64
			 " chunks and %" PRIu64 " regions intact before it",
			 fi->valid_end, fi->stop_reason[0] ? " (" : "",
			 fi->stop_reason, fi->stop_reason[0] ? ")" : "",
			 rep->chunks_ok, rep->regions_ok);
		out_str(root, "recoverable", what);
	} else if (rep->chunks_bad || rep->regions_bad) {
		snprintf(what, sizeof(what),
			 "%" PRIu64 " of %" PRIu64 " chunks and %" PRIu64
			 " of %" PRIu64 " regions intact",
			 rep->chunks_ok, rep->chunks_ok + rep->chunks_bad,
			 rep->regions_ok,
			 rep->regions_ok + rep->regions_bad +
			 rep->regions_unchecked);
		out_str(root, "recoverable", what);
	}
}

/*
 * An incremental snapshot is whole only with its parents: each one was
 * accepted because its SHA-256 is the one its child recorded; check each
 * inside too, and list them.  A parent's problems make the result damaged.
 */
static void put_chain(struct onode *root, struct msnap_reader *rd,
		      unsigned threads, unsigned flags, struct problems *probs,
		      int *r)
{
	struct onode *seq = NULL, *row;
	struct msnap_reader *p;
	unsigned level = 1;
	char hex[65];

	for (p = msnap_parent(rd); p; rd = p, p = msnap_parent(p), level++) {
		struct msnap_verify_report prep;
		struct msnap_error perr = { 0 };
		const uint64_t before = probs->count;
		int pr;

		if (!seq)
			seq = out_seq(root, "parents");
		row = out_map(seq, NULL);
		out_u64(row, "level", level);
		out_str(row, "file", msnap_parent_path(rd));
		msnap_hex(msnap_parent_ref(rd)->file_sha256, 32, hex);
		out_str(row, "sha256", hex);
		pr = msnap_verify(p, threads, flags, &prep, on_problem, probs, &perr);
		if (pr && pr != -MSNAP_E_CHECKSUM && pr != -MSNAP_E_TRUNCATED)
			on_problem(probs, perr.offset, perr.msg);
		out_str(row, "result", pr || probs->count != before ? "damaged" : "intact");
		if (pr && !*r)
			*r = -MSNAP_E_CHECKSUM;
	}
}

int cmd_verify(int argc, char **argv)
{
	struct ana_common co = { 0 };
	struct ana_getopt g;
	struct problems probs = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct msnap_verify_report rep;
	struct msnap_error err = { 0 }, lerr = { 0 };
	enum out_format fmt = OUT_TEXT;
	struct odoc *doc = NULL;
	struct onode *root;
	uint64_t threads = 0;   /* one per CPU */
	unsigned flags = 0;
	struct snap s;
	int c, r, ret = ANA_EXIT_ERROR;

	ana_getopt_init(&g, cmd);
	while ((c = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (c) {
		case ANA_O_QUICK:
			flags |= MSNAP_VERIFY_QUICK;
			break;
		case ANA_O_THREADS:
			if (ana_parse_u64(optarg, false, &threads) ||
			    threads < 1 || threads > 1024) {
				ana_usage_error(cmd, "--threads wants 1 to 1024, not '%s'",
						optarg);
				return ANA_EXIT_ERROR;
			}
			break;
		case ANA_O_FORMAT:
			if (out_parse_format(optarg, &fmt)) {
				ana_usage_error(cmd, "unknown format '%s' (text, json or yaml)",
						optarg);
				return ANA_EXIT_ERROR;
			}
			break;
		case ANA_O_HELP:
			verify_usage(stdout);
			return ANA_EXIT_OK;
		default:
			if (ana_common_option(&co, c))
				break;
			return ANA_EXIT_ERROR;
		}
	}
	if (ana_operands(&g, argc, argv, 1, 1, "one snapshot FILE"))
		return ANA_EXIT_ERROR;
	if (ana_open_snapshot(cmd, argv[optind], 0, &s))
		return ANA_EXIT_ERROR;
	doc = odoc_new();
	root = odoc_root(doc);
	if (!doc) {
		ana_err(cmd, "out of memory");
		goto out;
	}
	out_str(root, "file", s.path);
	probs.fmt = fmt;
	if (fmt != OUT_TEXT)
		probs.seq = out_seq(root, "problems");
	if (s.scanned_after_error)
		on_problem(&probs, s.trailer_error.offset, s.trailer_error.msg);
	ana_progress_begin(&probs.prog, &co, "verify",
			   ana_stored_bytes(s.rd), s.rd);
	r = msnap_verify(s.rd, (unsigned)threads, flags, &rep, on_problem,
			 &probs, &err);
	ana_progress_end(&probs.prog, s.rd);
	if (r && r != -MSNAP_E_CHECKSUM && r != -MSNAP_E_TRUNCATED) {
		ana_err_msnap(cmd, &err);
		goto out;
	}
	put_chain(root, s.rd, (unsigned)threads, flags, &probs, &r);
	/* The manifest must parse and agree with the container. */
	if (s.manifest_problem[0])
		on_problem(&probs, -1, s.manifest_problem);
	else if (!s.root && s.info->complete)
		on_problem(&probs, -1, "the snapshot has no manifest");
	else if (s.root && snap_load_regions(&s, &lerr))
		on_problem(&probs, lerr.offset, lerr.msg);
	out_str(root, "result", verdict(r, s.info, probs.count));
	out_u64(root, "problems_found", probs.count);
	put_summary(root, &s, &rep);
	if (odoc_print(doc, fmt, stdout, &err)) {
		ana_err_msnap(cmd, &err);
		goto out;
	}
	ret = strcmp(verdict(r, s.info, probs.count), "intact")
	      ? ANA_EXIT_DAMAGED : ANA_EXIT_OK;
out:
	odoc_free(doc);
	snap_close(&s);
	return ret;
}
