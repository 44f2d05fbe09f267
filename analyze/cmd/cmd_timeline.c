// SPDX-License-Identifier: MIT
/*
 * cmd_timeline.c - memsnap-analyze timeline SNAPSHOT...|DIR: each region
 * followed through a series (neighbours matched as diff matches them),
 * its size and present memory per snapshot, the regions born and gone, and
 * the regions that only grow (leak suspects) ranked by growth.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "output.h"
#include "snapshot.h"
#include "timeline.h"

#define TL_MAX_SNAPSHOTS 4096

static const char cmd[] = "timeline";

static void timeline_usage(FILE *fp)
{
	fputs("usage: memsnap-analyze timeline [options] SNAPSHOT...|DIR\n"
	      "\n"
	      "Follow every region through a series of snapshots (in the order\n"
	      "given; a DIR is read in name order, as memsnap names a series):\n"
	      "size and present memory per snapshot (and per module), changed\n"
	      "pages against the previous one, regions born and gone, and the\n"
	      "regions that only grow (leak suspects), most growth first.\n"
	      "\n"
	      "  -f, --format F     text (default), json or yaml\n"
	      "      --svg FILE     a stacked picture of present memory by region\n"
	      "                     kind, the growing regions named (new file, 0600)\n"
	      "      --html FILE    the same picture in a page (no script, no network)\n"
	      "\n"
	      "example:\n"
	      "  memsnap -p 4242 -o series/ --every 10s --count 12\n"
	      "  memsnap-analyze timeline series/ --svg memory.svg\n", fp);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .msnap files of dir, sorted by name; appended to *v. */
static int list_dir(const char *dir, char ***v, size_t *n)
{
	struct dirent *de;
	size_t first = *n, len;
	char **grown, *p;
	DIR *d = opendir(dir);

	if (!d) {
		ana_err(cmd, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		len = strlen(de->d_name);
		if (len < 7 || strcmp(de->d_name + len - 6, ".msnap"))
			continue;
		grown = realloc(*v, (*n + 1) * sizeof(**v));
		if (!grown || asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
			if (grown)
				*v = grown;
			closedir(d);
			ana_err(cmd, "out of memory");
			return -1;
		}
		*v = grown;
		(*v)[(*n)++] = p;
	}
	closedir(d);
	qsort(*v + first, *n - first, sizeof(**v), cmp_str);
	return 0;
}

static char *label_of(const struct rset *rs, const struct lregion *r)
{
	char *s = NULL;

	if (r->module >= 0 && r->role == ROLE_BSS)
		asprintf(&s, "%s (bss)", rs->mod[r->module].path);
	else if (r->path_len)
		s = strdup(r->path);
	else if (r->name)
		s = strdup(r->name);
	else
		asprintf(&s, "%s@0x%" PRIx64, region_role_name(r->role),
			 r->start);
	return s;
}

static uint64_t present_bytes(const struct lregion *r, uint32_t page)
{
	if (!r->ri)
		return 0;
	return (r->ri->pages[MSNAP_PAGE_DATA] + r->ri->pages[MSNAP_PAGE_ZERO]) *
	       page;
}

/* Pages whose hash differs, in order; a count that grew counts too. */
static uint64_t changed_pages(const struct lregion *a, const struct lregion *b)
{
	uint64_t i, n, diff = 0;

	if (!a->ri || !b->ri || !a->ri->hashes || !b->ri->hashes)
		return 0;
	n = a->ri->nhashes < b->ri->nhashes ? a->ri->nhashes : b->ri->nhashes;
	for (i = 0; i < n; i++)
		diff += a->ri->hashes[i] != b->ri->hashes[i];
	return diff + (b->ri->nhashes - n);
}

static struct tl_track *new_track(struct timeline *tl, size_t snap_i)
{
	struct tl_track *grown, *t;

	grown = realloc(tl->t, (tl->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	tl->t = grown;
	t = &tl->t[tl->n];
	memset(t, 0, sizeof(*t));
	t->size = calloc(tl->nsnap, sizeof(uint64_t));
	t->present = calloc(tl->nsnap, sizeof(uint64_t));
	t->changed = calloc(tl->nsnap, sizeof(uint64_t));
	if (!t->size || !t->present || !t->changed) {
		free(t->size);
		free(t->present);
		free(t->changed);
		return NULL;
	}
	t->born = snap_i;
	tl->n++;
	return t;
}

static int cmp_growth(const void *a, const void *b, void *arg)
{
	const struct timeline *tl = arg;
	const uint64_t x = tl->t[*(const size_t *)a].growth;
	const uint64_t y = tl->t[*(const size_t *)b].growth;

	return (x < y) - (x > y);
}

/* Only grows: there from first to last snapshot, never smaller, bigger. */
static void find_suspects(struct timeline *tl)
{
	size_t i, k;

	tl->suspects = calloc(tl->n ? tl->n : 1, sizeof(size_t));
	if (!tl->suspects)
		return;
	for (i = 0; i < tl->n; i++) {
		struct tl_track *t = &tl->t[i];
		bool ok = t->gone - t->born >= 3;

		for (k = t->born + 1; ok && k < t->gone; k++)
			ok = t->present[k] >= t->present[k - 1] &&
			     t->size[k] >= t->size[k - 1];
		if (ok && t->present[t->gone - 1] > t->present[t->born]) {
			t->grows_only = true;
			t->growth = t->present[t->gone - 1] - t->present[t->born];
			tl->suspects[tl->nsuspects++] = i;
		}
	}
	qsort_r(tl->suspects, tl->nsuspects, sizeof(size_t), cmp_growth, tl);
}

static int build(struct timeline *tl, struct snap *snaps, struct rset *rs)
{
	size_t **idx = calloc(tl->nsnap, sizeof(*idx));
	struct msnap_error err = { 0 };
	struct rmatch m;
	struct tl_track *t;
	size_t i, b;
	int ret = -1;

	if (!idx)
		goto nomem;
	for (i = 0; i < tl->nsnap; i++) {
		idx[i] = calloc(rs[i].n ? rs[i].n : 1, sizeof(size_t));
		if (!idx[i])
			goto nomem;
		memset(&m, 0, sizeof(m));
		if (i && match_regions(&rs[i - 1], &rs[i], &m, &err)) {
			ana_err(cmd, "%s: %s", snaps[i].path, err.msg);
			goto out;
		}
		for (b = 0; b < rs[i].n; b++) {
			const struct lregion *r = &rs[i].r[b];
			int a = i ? m.b2a[b] : -1;

			if (a >= 0 && tl->t[idx[i - 1][a]].gone == i) {
				t = &tl->t[idx[i - 1][a]];
				t->changed[i] = changed_pages(&rs[i - 1].r[a], r);
			} else {
				t = new_track(tl, i);
				if (!t)
					goto nomem;
				t->label = label_of(&rs[i], r);
				t->role = r->role;
				if (!t->label)
					goto nomem;
				if (r->module >= 0 &&
				    !(t->module = strdup(rs[i].mod[r->module].path)))
					goto nomem;
			}
			idx[i][b] = (size_t)(t - tl->t);
			t->size[i] = r->end - r->start;
			t->present[i] = present_bytes(r, rs[i].page_size);
			t->gone = i + 1;
		}
		if (i)
			match_free(&m);
	}
	find_suspects(tl);
	ret = 0;
	goto out;
nomem:
	ana_err(cmd, "out of memory");
out:
	for (i = 0; idx && i < tl->nsnap; i++)
		free(idx[i]);
	free(idx);
	return ret;
}

static void put_series(struct onode *row, const char *key, const uint64_t *v,
		       size_t n)
{
	struct onode *seq = out_seq(row, key);
	size_t i;

	for (i = 0; i < n; i++)
		out_u64(seq, NULL, v[i]);
}

/* Per module: the sums of its regions (segments and bss) per snapshot. */
static void put_modules(const struct timeline *tl, struct onode *root,
			enum out_format fmt)
{
	struct onode *seq = out_seq(root, "modules"), *row;
	uint64_t *size = calloc(tl->nsnap, sizeof(uint64_t));
	uint64_t *present = calloc(tl->nsnap, sizeof(uint64_t));
	size_t i, j, k;
	bool seen;

	for (i = 0; size && present && i < tl->n; i++) {
		const char *mod = tl->t[i].module;

		for (j = 0, seen = false; mod && j < i && !seen; j++)
			seen = tl->t[j].module && !strcmp(tl->t[j].module, mod);
		if (!mod || seen)
			continue;
		memset(size, 0, tl->nsnap * sizeof(uint64_t));
		memset(present, 0, tl->nsnap * sizeof(uint64_t));
		for (j = i; j < tl->n; j++) {
			if (!tl->t[j].module || strcmp(tl->t[j].module, mod))
				continue;
			for (k = 0; k < tl->nsnap; k++) {
				size[k] += tl->t[j].size[k];
				present[k] += tl->t[j].present[k];
			}
		}
		row = out_map(seq, NULL);
		out_str(row, "module", mod);
		if (fmt == OUT_TEXT) {
			out_u64(row, "size_first", size[0]);
			out_u64(row, "size_last", size[tl->nsnap - 1]);
			out_u64(row, "present_first", present[0]);
			out_u64(row, "present_last", present[tl->nsnap - 1]);
		} else {
			put_series(row, "size", size, tl->nsnap);
			put_series(row, "present", present, tl->nsnap);
		}
	}
	free(size);
	free(present);
}

static int report(const struct timeline *tl, struct snap *snaps,
		  enum out_format fmt)
{
	struct msnap_error err = { 0 };
	struct odoc *doc = odoc_new();
	struct onode *root = odoc_root(doc), *seq, *row;
	struct snap_bytes when;
	size_t i, k;
	int ret;

	seq = out_seq(root, "snapshots");
	for (i = 0; i < tl->nsnap; i++) {
		row = out_map(seq, NULL);
		out_u64(row, "index", i);
		out_str(row, "file", tl->files[i]);
		if (!snap_fact_bytes(&snaps[i], "capture.started", &when) &&
		    when.s)
			out_str(row, "started", when.s);
		snap_bytes_free(&when);
	}
	seq = out_seq(root, "leak_suspects");
	for (k = 0; k < tl->nsuspects; k++) {
		const struct tl_track *t = &tl->t[tl->suspects[k]];

		row = out_map(seq, NULL);
		out_u64(row, "rank", k + 1);
		out_str(row, "region", t->label);
		out_str(row, "kind", region_role_name(t->role));
		out_u64(row, "growth_bytes", t->growth);
		out_u64(row, "first_present", t->present[t->born]);
		out_u64(row, "last_present", t->present[t->gone - 1]);
	}
	put_modules(tl, root, fmt);
	seq = out_seq(root, "regions");
	for (i = 0; i < tl->n; i++) {
		const struct tl_track *t = &tl->t[i];

		row = out_map(seq, NULL);
		out_str(row, "region", t->label);
		out_str(row, "kind", region_role_name(t->role));
		out_u64(row, "born", t->born);
		if (t->gone < tl->nsnap)
			out_u64(row, "gone", t->gone);
		else
			out_null(row, "gone");
		if (fmt == OUT_TEXT) {
			out_u64(row, "size_first", t->size[t->born]);
			out_u64(row, "size_last", t->size[t->gone - 1]);
			out_u64(row, "present_first", t->present[t->born]);
			out_u64(row, "present_last", t->present[t->gone - 1]);
		} else {
			put_series(row, "size", t->size, tl->nsnap);
			put_series(row, "present", t->present, tl->nsnap);
			put_series(row, "changed_pages", t->changed, tl->nsnap);
		}
		out_bool(row, "grows_only", t->grows_only);
	}
	ret = odoc_print(doc, fmt, stdout, &err);
	if (ret)
		ana_err_msnap(cmd, &err);
	odoc_free(doc);
	return ret;
}

static int write_picture(const struct timeline *tl, const char *path,
			 bool html)
{
	int fd = ana_create_output(cmd, path), ret;

	if (fd < 0)
		return -1;
	ret = timeline_svg(tl, html, fd);
	if (close(fd) || ret) {
		ana_err(cmd, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_timeline(int argc, char **argv)
{
	struct ana_getopt g;
	enum out_format fmt = OUT_TEXT;
	const char *svg = NULL, *html = NULL;
	struct msnap_error err = { 0 };
	struct timeline tl = { 0 };
	struct snap *snaps = NULL;
	struct rset *rs = NULL;
	char **files = NULL;
	size_t nfiles = 0, nopen = 0, i;
	struct stat st;
	int c, ret = ANA_EXIT_ERROR;

	ana_getopt_init(&g, cmd);
	while ((c = ana_getopt_next(&g, argc, argv)) != ANA_OPT_END) {
		switch (c) {
		case ANA_O_FORMAT:
			if (out_parse_format(optarg, &fmt)) {
				ana_usage_error(cmd, "unknown format '%s' (text, json or yaml)",
						optarg);
				return ANA_EXIT_ERROR;
			}
			break;
		case ANA_O_SVG:
			svg = optarg;
			break;
		case ANA_O_HTML:
			html = optarg;
			break;
		case ANA_O_HELP:
			timeline_usage(stdout);
			return ANA_EXIT_OK;
		default:
			return ANA_EXIT_ERROR;
		}
	}
	if (ana_operands(&g, argc, argv, 1, INT_MAX, "SNAPSHOT...|DIR"))
		return ANA_EXIT_ERROR;
	for (; optind < argc; optind++) {
		if (!stat(argv[optind], &st) && S_ISDIR(st.st_mode)) {
			if (list_dir(argv[optind], &files, &nfiles))
				goto out;
			continue;
		}
		char **grown = realloc(files, (nfiles + 1) * sizeof(*files));

		if (!grown || !(grown[nfiles] = strdup(argv[optind]))) {
			if (grown)
				files = grown;
			ana_err(cmd, "out of memory");
			goto out;
		}
		files = grown;
		nfiles++;
	}
	if (nfiles < 2 || nfiles > TL_MAX_SNAPSHOTS) {
		ana_err(cmd, "a timeline needs 2 to %d snapshots, got %zu",
			TL_MAX_SNAPSHOTS, nfiles);
		goto out;
	}
	snaps = calloc(nfiles, sizeof(*snaps));
	rs = calloc(nfiles, sizeof(*rs));
	if (!snaps || !rs) {
		ana_err(cmd, "out of memory");
		goto out;
	}
	for (nopen = 0; nopen < nfiles; nopen++) {
		if (snap_open(&snaps[nopen], files[nopen], &err)) {
			ana_err_msnap(cmd, &err);
			goto out;
		}
		if (rset_from_snap(&rs[nopen], &snaps[nopen], &err)) {
			ana_err_msnap(cmd, &err);
			snap_close(&snaps[nopen]);
			goto out;
		}
	}
	tl.nsnap = nfiles;
	tl.files = (const char **)files;
	if (build(&tl, snaps, rs))
		goto out;
	if (svg && write_picture(&tl, svg, false))
		goto out;
	if (html && write_picture(&tl, html, true))
		goto out;
	if (report(&tl, snaps, fmt))
		goto out;
	ret = ANA_EXIT_OK;
out:
	for (i = 0; i < tl.n; i++) {
		free(tl.t[i].label);
		free(tl.t[i].module);
		free(tl.t[i].size);
		free(tl.t[i].present);
		free(tl.t[i].changed);
	}
	free(tl.t);
	free(tl.suspects);
	for (i = 0; i < nopen; i++) {
		rset_free(&rs[i]);
		snap_close(&snaps[i]);
	}
	free(rs);
	free(snaps);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	return ret;
}
