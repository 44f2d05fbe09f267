// SPDX-License-Identifier: MIT
/*
 * reader_chain.c - incremental snapshots (FORMAT.md 4.9): the PARENT
 * record, finding and checking a child's parent, and the child's regions
 * seen as the whole memory (PARENT pages take the parent's state and hash).
 *
 * A parent is hostile input like any snapshot, and may have been replaced:
 * it is accepted only if its whole-file SHA-256 is the one the child
 * recorded, which also rules out loops other than through a forged child.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"

#include "layout.h"
#include "reader_int.h"

int msnap_rd_parse_parent(struct msnap_reader *r, struct msnap_error *err)
{
	const uint64_t off = r->data_start;
	struct msnap_parent_ref *pr = &r->parent_ref;
	uint8_t *p;
	size_t n, nlen;
	int ret;

	ret = msnap_rd_record(r, off, 0, TAG_PARENT,
			PARENT_FIXED + MSNAP_PARENT_NAME_MAX + REC_SUM_SIZE,
			&p, &n, err);
	if (ret)
		return ret;
	nlen = n >= PARENT_FIXED ? get_le32(p + 4) : 0;
	if (n < PARENT_FIXED + REC_SUM_SIZE || nlen == 0 ||
	    nlen > MSNAP_PARENT_NAME_MAX || n != PARENT_FIXED + nlen + REC_SUM_SIZE) {
		free(p);
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "parent record has a bad name length");
	}
	memcpy(pr->capture_id, p + 8, 16);
	memcpy(pr->file_sha256, p + 24, 32);
	memcpy(pr->name, p + PARENT_FIXED, nlen);
	pr->name[nlen] = '\0';
	free(p);
	/* a bare file name: it is joined to a directory the reader chooses */
	if (strlen(pr->name) != nlen || strchr(pr->name, '/') ||
	    !strcmp(pr->name, ".") || !strcmp(pr->name, ".."))
		return msnap_fail(err, MSNAP_E_CORRUPT, (int64_t)off,
				  "parent record names no plain file");
	r->incremental = true;
	r->data_start = off + SKIP_HDR_SIZE + n;
	return 0;
}

void msnap_rd_free_chain(struct msnap_reader *r)
{
	msnap_close(r->parent);
	r->parent = NULL;
}

const struct msnap_parent_ref *msnap_parent_ref(const struct msnap_reader *r)
{
	return r->incremental ? &r->parent_ref : NULL;
}

struct msnap_reader *msnap_parent(const struct msnap_reader *r)
{
	return r->parent;
}

const char *msnap_parent_path(const struct msnap_reader *r)
{
	return r->parent ? r->parent_path : NULL;
}

/* ---- finding the parent ---------------------------------------------------- */

/* The capture id in a file's header, without opening it as a snapshot. */
static bool has_capture_id(const char *path, const uint8_t id[16])
{
	uint8_t head[SKIP_HDR_SIZE + HDR_PAYLOAD];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	bool yes;

	if (fd < 0)
		return false;
	yes = pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
	      get_le32(head) == MSNAP_SKIP_MAGIC &&
	      get_le32(head + SKIP_HDR_SIZE) == TAG_HEADER &&
	      !memcmp(head + SKIP_HDR_SIZE + 20, id, 16);
	close(fd);
	return yes;
}

struct search {
	const struct msnap_parent_ref *want;
	char found[4096];            /* the accepted parent's path */
	char altered[4096];          /* a file with its id but another SHA-256 */
	char altered_sha[65];
};

/* path is the parent if it has its capture id and its whole SHA-256. */
static bool try_file(struct search *s, const char *path)
{
	uint8_t sha[32];
	int fd;
	bool ok;

	if (!has_capture_id(path, s->want->capture_id))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = !msnap_file_sha256(fd, sha);
	close(fd);
	if (ok && !memcmp(sha, s->want->file_sha256, 32)) {
		snprintf(s->found, sizeof(s->found), "%s", path);
		return true;
	}
	if (ok && !s->altered[0]) {
		snprintf(s->altered, sizeof(s->altered), "%s", path);
		msnap_hex(sha, 32, s->altered_sha);
	}
	return false;
}

static bool ends_with(const char *s, const char *tail)
{
	const size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* In dir: by the recorded name, then by capture id among *.msnap. */
static bool search_dir(struct search *s, const char *dir)
{
	char path[4096];
	struct dirent *e;
	DIR *d;
	bool hit = false;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, s->want->name) <
	    sizeof(path) && try_file(s, path))
		return true;
	d = opendir(dir);
	if (!d)
		return false;
	while (!hit && (e = readdir(d))) {
		if (!ends_with(e->d_name, ".msnap") ||
		    !strcmp(e->d_name, s->want->name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) <
		    sizeof(path))
			hit = try_file(s, path);
	}
	closedir(d);
	return hit;
}

/* ---- the child as the whole memory ------------------------------------------ */

struct run_list {
	struct msnap_run *v;
	size_t n, cap;
};

static int push(struct run_list *l, uint64_t first, uint64_t count, uint8_t st)
{
	struct msnap_run *last = l->n ? &l->v[l->n - 1] : NULL;

	if (last && last->state == st && last->first + last->count == first) {
		last->count += count;
		return 0;
	}
	if (l->n == l->cap) {
		const size_t cap = l->cap ? l->cap * 2 : 16;
		void *p = reallocarray(l->v, cap, sizeof(*l->v));

		if (!p)
			return -1;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = (struct msnap_run){ first, count, st };
	return 0;
}

/*
 * Region reg's runs with PARENT pages replaced by the parent region's
 * (resolved) states, and its hashes likewise; pages[] counted again.
 */
static int resolve_region(struct msnap_reader *r, struct region_slot *reg,
			  struct msnap_error *err)
{
	struct msnap_region_info *ri = &reg->info;
	const int64_t pi = msnap_find_region(r->parent, ri->start);
	const struct msnap_region_info *pr;
	struct run_list out = { 0 };
	uint64_t own_h = 0, par_h = 0, nh = 0, *hashes;
	size_t i, j = 0;

	pr = pi < 0 ? NULL : msnap_region(r->parent, (uint32_t)pi);
	if (!pr || !pr->has_table || pr->start != ri->start || pr->end != ri->end)
		return msnap_fail(err, MSNAP_E_PARENT, -1,
				  "region %u (0x%llx-0x%llx) has pages of its parent, "
				  "which has no region with those bounds", ri->index,
				  (unsigned long long)ri->start,
				  (unsigned long long)ri->end);
	reg->parent_region = (uint32_t)pi;
	hashes = malloc(((ri->end - ri->start) / r->info.page_size + 1) *
			sizeof(*hashes));
	if (!hashes)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	for (i = 0; i < reg->nruns; i++) {
		const struct msnap_run *c = &reg->runs[i];
		const uint64_t end = c->first + c->count;
		uint64_t p = c->first, k;

		if (c->state != MSNAP_PAGE_PARENT) {
			if (push(&out, c->first, c->count, c->state))
				goto nomem;
			for (k = 0; c->state == MSNAP_PAGE_DATA && k < c->count; k++)
				hashes[nh++] = reg->hashes[own_h++];
			continue;
		}
		/* the parent's runs cover its region, in order: walk along */
		while (p < end) {
			const struct msnap_run *q;
			uint64_t upto;

			while (j < pr->nruns && pr->runs[j].first + pr->runs[j].count <= p) {
				if (pr->runs[j].state == MSNAP_PAGE_DATA)
					par_h += pr->runs[j].count;
				j++;
			}
			if (j == pr->nruns)
				break;          /* cannot be: both cover the region */
			q = &pr->runs[j];
			upto = q->first + q->count < end ? q->first + q->count : end;
			if (push(&out, p, upto - p, q->state))
				goto nomem;
			for (k = p; q->state == MSNAP_PAGE_DATA && k < upto; k++)
				hashes[nh++] = pr->hashes[par_h + (k - q->first)];
			p = upto;
		}
	}
	reg->res_runs = out.v;
	reg->res_hashes = hashes;
	ri->runs = out.v;
	ri->nruns = out.n;
	ri->hashes = hashes;
	ri->nhashes = nh;
	memset(ri->pages, 0, sizeof(ri->pages));
	for (i = 0; i < out.n; i++)
		ri->pages[out.v[i].state] += out.v[i].count;
	return 0;
nomem:
	free(out.v);
	free(hashes);
	return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
}

/* r takes p (resolved already) as its parent, found at path. */
static int link_parent(struct msnap_reader *r, struct msnap_reader *p,
		       const char *path, struct msnap_error *err)
{
	uint32_t i;
	int ret;

	r->parent = p;
	snprintf(r->parent_path, sizeof(r->parent_path), "%s", path);
	for (i = 0; i < r->nregions; i++)
		if (r->regions[i].info.has_table &&
		    r->regions[i].info.own_pages[MSNAP_PAGE_PARENT]) {
			ret = resolve_region(r, &r->regions[i], err);
			if (ret)
				return ret;
		}
	return 0;
}

/* ---- the chain ------------------------------------------------------------- */

struct chain {
	uint8_t ids[MSNAP_MAX_CHAIN + 1][16];
	unsigned n;
};

static int resolve(struct msnap_reader *r, const char *child_path,
		   const char *dir, struct chain *ch, struct msnap_error *err)
{
	const struct msnap_parent_ref *pr = &r->parent_ref;
	struct search s = { .want = pr };
	char here[4096], idhex[33];
	struct msnap_reader *p;
	const char *slash;
	unsigned i;
	int ret;

	if (!r->incremental || r->parent)
		return 0;
	msnap_hex(pr->capture_id, 16, idhex);
	for (i = 0; i < ch->n; i++)
		if (!memcmp(ch->ids[i], pr->capture_id, 16))
			return msnap_fail(err, MSNAP_E_PARENT, -1,
					  "'%.300s' names parent %s, which is already in its chain (a loop)",
					  child_path ? child_path : "snapshot", idhex);
	if (ch->n > MSNAP_MAX_CHAIN)     /* ids[0] is the first child's */
		return msnap_fail(err, MSNAP_E_PARENT, -1,
				  "'%.300s': chain of parents deeper than %u",
				  child_path ? child_path : "snapshot", MSNAP_MAX_CHAIN);
	memcpy(ch->ids[ch->n++], pr->capture_id, 16);
	here[0] = '\0';
	if (child_path) {
		slash = strrchr(child_path, '/');
		snprintf(here, sizeof(here), "%.*s",
			 slash ? (int)(slash - child_path) : 1,
			 slash ? child_path : ".");
		if (slash == child_path)
			snprintf(here, sizeof(here), "/");
	}
	if (!((dir && dir[0] && search_dir(&s, dir)) ||
	      (here[0] && search_dir(&s, here)))) {
		if (s.altered[0]) {
			char want[65];

			msnap_hex(pr->file_sha256, 32, want);
			return msnap_fail(err, MSNAP_E_PARENT, -1,
					  "parent '%.300s' of '%.300s' was altered: its SHA-256 "
					  "is %s, the child recorded %s", s.altered,
					  child_path ? child_path : "snapshot",
					  s.altered_sha, want);
		}
		return msnap_fail(err, MSNAP_E_PARENT, -1,
				  "parent '%s' (capture %s) of '%.300s' not found in %s%s%s",
				  pr->name, idhex, child_path ? child_path : "snapshot",
				  dir && dir[0] ? dir : "", dir && dir[0] && here[0] ? " or " : "",
				  here[0] ? here : "");
	}
	ret = msnap_open_path(&p, s.found, 0, err);
	if (!ret && (!msnap_info(p)->complete ||
		     msnap_info(p)->page_size != r->info.page_size))
		ret = msnap_fail(err, MSNAP_E_PARENT, -1,
				 "parent '%.300s' is incomplete or has another page size",
				 s.found);
	if (!ret)
		ret = resolve(p, s.found, dir, ch, err);
	if (ret) {
		if (ret != -MSNAP_E_PARENT && err) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			msnap_fail(err, MSNAP_E_PARENT, -1, "parent '%.300s': %.180s",
				   s.found, why);
		}
		msnap_close(p);
		return -MSNAP_E_PARENT;
	}
	return link_parent(r, p, s.found, err);
}

int msnap_resolve_parent(struct msnap_reader *r, const char *child_path,
			 const char *parent_dir, struct msnap_error *err)
{
	struct chain ch = { .n = 0 };

	if (!parent_dir)
		parent_dir = getenv("MSNAP_PARENT_DIR");
	memcpy(ch.ids[ch.n++], r->info.capture_id, 16);
	return resolve(r, child_path, parent_dir, &ch, err);
}

int msnap_open_chain(struct msnap_reader **out, const char *path,
		     unsigned flags, const char *parent_dir,
		     struct msnap_error *err)
{
	int ret = msnap_open_path(out, path, flags, err);

	if (ret)
		return ret;
	ret = msnap_resolve_parent(*out, path, parent_dir, err);
	if (ret) {
		msnap_close(*out);
		*out = NULL;
	}
	return ret;
}

int msnap_reader_clone(struct msnap_reader **out, const struct msnap_reader *r,
		       struct msnap_error *err)
{
	struct msnap_reader *c, *p = NULL;
	int fd = dup(r->fd);
	int ret;

	*out = NULL;
	if (fd < 0)
		return msnap_fail_errno(err, "cannot duplicate a snapshot's descriptor");
	ret = msnap_open(&c, fd, r->info.recovered ? MSNAP_OPEN_SCAN : 0, err);
	if (ret) {
		close(fd);
		return ret;
	}
	c->own_fd = true;
	/* the same file still, and seen the same way */
	if (c->nregions != r->nregions || c->nchunks != r->nchunks ||
	    memcmp(c->info.content_sha256, r->info.content_sha256, 32)) {
		msnap_close(c);
		return msnap_fail(err, MSNAP_E_PARENT, -1,
				  "snapshot changed while it was open");
	}
	if (r->parent) {
		ret = msnap_reader_clone(&p, r->parent, err);
		if (!ret)
			ret = link_parent(c, p, r->parent_path, err);
		if (ret) {
			if (!c->parent)
				msnap_close(p);
			msnap_close(c);
			return ret;
		}
	}
	*out = c;
	return 0;
}
