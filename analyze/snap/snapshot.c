// SPDX-License-Identifier: MIT
/* snapshot.c - open a snapshot, parse its manifest, give typed facts. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snapshot.h"

/* Copy stdin into an anonymous memory file: the reader needs to seek. */
static int stdin_to_memfd(int *out, struct msnap_error *err)
{
	static char buf[1 << 20];
	int fd = memfd_create("memsnap-stdin", MFD_CLOEXEC);
	ssize_t n, w;
	size_t done;

	if (fd < 0)
		return msnap_fail_errno(err, "memfd_create");
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			msnap_fail_errno(err, "reading stdin");
			goto fail;
		}
		if (n == 0)
			break;
		for (done = 0; done < (size_t)n; done += (size_t)w) {
			w = write(fd, buf + done, (size_t)n - done);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				msnap_fail_errno(err, "copying stdin to memory");
				goto fail;
			}
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		msnap_fail_errno(err, "lseek");
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return -(err ? err->code : MSNAP_E_ERRNO);
}

/* Parse the manifest if there is one; problems only go to manifest_problem. */
static void load_manifest(struct snap *s)
{
	const struct ynode *schema;
	struct msnap_error perr = { 0 };
	const char *text, *ver;
	size_t len, vlen;

	text = msnap_manifest(s->rd, &len);
	if (!text)
		return;
	if (ytree_parse(&s->tree, text, len, NULL, &perr)) {
		snprintf(s->manifest_problem, sizeof(s->manifest_problem),
			 "manifest does not parse: %s", perr.msg);
		s->tree = NULL;
		return;
	}
	s->root = ytree_root(s->tree);
	schema = ynode_path(s->root, "memsnap.schema");
	ver = ynode_str(schema, &vlen);
	if (!ver || vlen < 2 || ver[0] != '1' || ver[1] != '.') {
		snprintf(s->manifest_problem, sizeof(s->manifest_problem),
			 "manifest schema is not 1.x");
		ytree_free(s->tree);
		s->tree = NULL;
		s->root = NULL;
	}
}

int snap_open(struct snap *s, const char *path, struct msnap_error *err)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->path = path;
	s->fd = -1;
	if (!strcmp(path, "-")) {
		r = stdin_to_memfd(&s->fd, err);
		if (r)
			return r;
	} else {
		s->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->fd < 0)
			return msnap_fail_errno(err, "%s", path);
	}
	r = msnap_open(&s->rd, s->fd, 0, err);
	if (r && r != -MSNAP_E_ERRNO && r != -MSNAP_E_NOMEM &&
	    r != -MSNAP_E_BAD_MAGIC && r != -MSNAP_E_VERSION) {
		/* A damaged tail: what is before it may still be read. */
		s->trailer_error = *err;
		r = msnap_open(&s->rd, s->fd, MSNAP_OPEN_SCAN, err);
		if (r == 0)
			s->scanned_after_error = true;
		else
			*err = s->trailer_error;
	}
	/* incremental: the parent's pages come from the parent ($MSNAP_PARENT_DIR
	 * or beside it); a file read from stdin has no directory */
	if (!r) {
		r = msnap_resolve_parent(s->rd, strcmp(path, "-") ? path : NULL,
					 NULL, err);
		if (r)
			msnap_close(s->rd);
	}
	if (r) {
		s->rd = NULL;
		close(s->fd);
		s->fd = -1;
		return r;
	}
	s->info = msnap_info(s->rd);
	load_manifest(s);
	return 0;
}

void snap_bytes_free(struct snap_bytes *b)
{
	free(b->s);
	b->s = NULL;
	b->len = 0;
}

static void thread_release(struct snap_thread *t)
{
	snap_bytes_free(&t->name);
	free(t->fpregs);
	free(t->xstate);
}

static void region_release(struct snap_region *g)
{
	snap_bytes_free(&g->kind);
	snap_bytes_free(&g->path);
	snap_bytes_free(&g->skipped);
	snap_bytes_free(&g->dev);
	snap_bytes_free(&g->name);
	snap_bytes_free(&g->file.build_id_text);
	snap_bytes_free(&g->file.mtime);
	free(g->private_copies.v);
	free(g->from_swap.v);
}

void snap_close(struct snap *s)
{
	size_t i;

	for (i = 0; i < s->nthreads; i++)
		thread_release(&s->threads[i]);
	free(s->threads);
	for (i = 0; i < s->nregions; i++)
		region_release(&s->regions[i]);
	free(s->regions);
	ytree_free(s->tree);
	msnap_close(s->rd);
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* ---- facts ------------------------------------------------------------------ */

static const struct ynode *snap_fact(const struct snap *s, const char *dotted)
{
	return s->root ? ynode_path(s->root, dotted) : NULL;
}

bool snap_fact_present(const struct snap *s, const char *dotted)
{
	return snap_fact(s, dotted) != NULL;
}

int snap_fact_u64(const struct snap *s, const char *dotted, uint64_t *v)
{
	const struct ynode *n = snap_fact(s, dotted);

	return n && ynode_u64(n, v) == 0 ? 0 : -1;
}

int snap_fact_i64(const struct snap *s, const char *dotted, int64_t *v)
{
	const struct ynode *n = snap_fact(s, dotted);

	return n && ynode_i64(n, v) == 0 ? 0 : -1;
}

int snap_fact_bool(const struct snap *s, const char *dotted, bool *v)
{
	const struct ynode *n = snap_fact(s, dotted);

	return n && ynode_bool(n, v) == 0 ? 0 : -1;
}

int snap_node_bytes(const struct ynode *n, struct snap_bytes *out)
{
	uint8_t *raw = NULL;
	size_t len = 0;
	char *s;

	out->s = NULL;
	out->len = 0;
	if (!n || ynode_kind(n) != YNODE_SCALAR || ynode_is_null(n))
		return -1;
	if (ynode_bytes(n, &raw, &len))
		return -1;
	s = malloc(len + 1);
	if (!s) {
		free(raw);
		return -1;
	}
	if (len)
		memcpy(s, raw, len);
	s[len] = '\0';
	free(raw);
	out->s = s;
	out->len = len;
	return 0;
}

int snap_fact_bytes(const struct snap *s, const char *dotted,
		    struct snap_bytes *out)
{
	return snap_node_bytes(snap_fact(s, dotted), out);
}

static int snap_node_hex(const struct ynode *n, uint64_t *v)
{
	return n && ynode_u64(n, v) == 0 ? 0 : -1;
}

/* ---- sequences ------------------------------------------------------------- */

int snap_fact_count(const struct snap *s, const char *dotted, size_t *n)
{
	const struct ynode *seq = snap_fact(s, dotted);

	if (!seq || ynode_kind(seq) != YNODE_SEQ)
		return -1;
	*n = ynode_len(seq);
	return 0;
}

int snap_fact_u64_at(const struct snap *s, const char *dotted, size_t i,
		     uint64_t *v)
{
	return ynode_u64(ynode_at(snap_fact(s, dotted), i), v) ? -1 : 0;
}

int snap_fact_bytes_at(const struct snap *s, const char *dotted, size_t i,
		       struct snap_bytes *out)
{
	return snap_node_bytes(ynode_at(snap_fact(s, dotted), i), out);
}

void snap_capture_error(const struct snap *s, size_t i,
			struct snap_bytes *what, struct snap_bytes *message)
{
	const struct ynode *e = ynode_at(snap_fact(s, "errors"), i);

	snap_node_bytes(ynode_get(e, "what"), what);
	snap_node_bytes(ynode_get(e, "message"), message);
}

int snap_auxv_at(const struct snap *s, size_t i, uint64_t *type,
		 uint64_t *value)
{
	const struct ynode *e = ynode_at(snap_fact(s, "process.auxv"), i);

	if (ynode_u64(ynode_get(e, "type"), type) ||
	    ynode_u64(ynode_get(e, "value"), value))
		return -1;
	return 0;
}

int snap_stored_file(const struct snap *s, uint64_t k, uint32_t *region,
		     uint64_t *size)
{
	const struct ynode *files = snap_fact(s, "files"), *f;
	uint64_t reg;

	if (!files || ynode_kind(files) != YNODE_SEQ || k >= ynode_len(files))
		return -1;
	f = ynode_at(files, (size_t)k);
	if (ynode_u64(ynode_get(f, "region"), &reg) ||
	    ynode_u64(ynode_get(f, "size"), size) || reg > UINT32_MAX)
		return -1;
	*region = (uint32_t)reg;
	return 0;
}

/* ---- regions ------------------------------------------------------------------ */

/* The kind's enum value; MSNAP_KIND_COUNT for a name not in the list. */
static enum msnap_region_kind kind_from_name(const struct snap_bytes *b)
{
	const char *name;
	int k;

	for (k = 0; b->s && k < MSNAP_KIND_COUNT; k++) {
		name = msnap_region_kind_name((enum msnap_region_kind)k);
		if (strlen(name) == b->len && !memcmp(name, b->s, b->len))
			return (enum msnap_region_kind)k;
	}
	return MSNAP_KIND_COUNT;
}

/* regions[].file; a build-id is kept decoded only when it is whole hex. */
static void file_ident(struct snap_file_ident *fi, const struct ynode *f)
{
	const struct ynode *bid = ynode_get(f, "build_id");
	const char *hex = ynode_str(bid, NULL);
	size_t len = hex ? strlen(hex) : 0;

	snap_node_bytes(bid, &fi->build_id_text);
	if (len && len % 2 == 0 && len / 2 <= sizeof(fi->build_id) &&
	    ynode_hexbytes(bid, fi->build_id, len / 2) == 0)
		fi->build_id_len = len / 2;
	fi->has_size = ynode_u64(ynode_get(f, "size"), &fi->size) == 0;
	snap_node_bytes(ynode_get(f, "mtime"), &fi->mtime);
}

/*
 * A list of [first, count] page runs; a run that is malformed, empty or
 * outside the region's npages is left out (the container check reports
 * such damage elsewhere).  -1 only when out of memory.
 */
static int page_runs(struct snap_page_runs *pr, const struct ynode *runs,
		     uint64_t npages)
{
	const size_t n = ynode_len(runs);
	uint64_t first, count;
	size_t k;

	if (!runs)
		return 0;
	pr->recorded = true;
	if (ynode_kind(runs) != YNODE_SEQ || !n)
		return 0;
	pr->v = calloc(n, sizeof(*pr->v));
	if (!pr->v)
		return -1;
	for (k = 0; k < n; k++) {
		const struct ynode *run = ynode_at(runs, k);

		if (ynode_u64(ynode_at(run, 0), &first) ||
		    ynode_u64(ynode_at(run, 1), &count) || !count ||
		    first >= npages || count > npages - first)
			continue;
		pr->v[pr->n].first = first;
		pr->v[pr->n++].count = count;
	}
	return 0;
}

/* The manifest's facts of region g (start and end already checked). */
static int region_from_manifest(const struct snap *s, struct snap_region *g,
				const struct ynode *m)
{
	const uint64_t page = s->info->page_size ? s->info->page_size : 4096;
	const uint64_t npages = (g->end - g->start) / page;
	struct snap_bytes perms;

	if (snap_node_bytes(ynode_get(m, "perms"), &perms) == 0) {
		if (perms.len == 4 && !memchr(perms.s, '\0', 4))
			memcpy(g->perms, perms.s, 5);
		snap_bytes_free(&perms);
	}
	if (ynode_u64(ynode_get(m, "offset"), &g->offset))
		g->offset = 0;
	if (ynode_u64(ynode_get(m, "inode"), &g->inode))
		g->inode = 0;
	snap_node_bytes(ynode_get(m, "kind"), &g->kind);
	g->kind_id = kind_from_name(&g->kind);
	snap_node_bytes(ynode_get(m, "path"), &g->path);
	snap_node_bytes(ynode_get(m, "skipped"), &g->skipped);
	snap_node_bytes(ynode_get(m, "dev"), &g->dev);
	snap_node_bytes(ynode_get(m, "name"), &g->name);
	file_ident(&g->file, ynode_get(m, "file"));
	g->has_stored_file = ynode_u64(ynode_get(m, "stored_file"),
				       &g->stored_file) == 0;
	if (ynode_u64(ynode_path(m, "smaps.anonymous_kb"), &g->smaps_anon_kb))
		g->smaps_anon_kb = 0;
	if (page_runs(&g->private_copies, ynode_get(m, "private_copies"),
		      npages) ||
	    page_runs(&g->from_swap, ynode_get(m, "from_swap"), npages))
		return -1;
	return 0;
}

/*
 * FORMAT.md: a region's page counts and SHA-256 in the manifest must equal
 * its PAGES record's before the manifest is trusted.  Missing keys are not
 * a disagreement (layout-only captures have no sha256).
 */
static bool manifest_disagrees(const struct ynode *m,
			       const struct msnap_region_info *ri)
{
	static const char *const keys[MSNAP_PAGE_NSTATES] = {
		[MSNAP_PAGE_ABSENT] = "absent", [MSNAP_PAGE_DATA] = "data",
		[MSNAP_PAGE_ZERO] = "zero", [MSNAP_PAGE_SWAPPED] = "swapped",
		[MSNAP_PAGE_UNREADABLE] = "unreadable",
		[MSNAP_PAGE_PARENT] = "parent",
	};
	const struct ynode *pages = ynode_get(m, "pages"), *sha = ynode_get(m, "sha256");
	uint8_t digest[32];
	uint64_t v;
	int k;

	for (k = 0; pages && k < MSNAP_PAGE_NSTATES; k++) {
		const struct ynode *n = ynode_get(pages, keys[k]);

		if (n && (ynode_u64(n, &v) || v != ri->own_pages[k]))
			return true;
	}
	if (sha && (ynode_hexbytes(sha, digest, sizeof(digest)) ||
		    memcmp(digest, ri->sha256, sizeof(digest))))
		return true;
	return false;
}

int snap_load_regions(struct snap *s, struct msnap_error *err)
{
	const struct ynode *seq = snap_fact(s, "regions"), *m;
	uint32_t n = msnap_region_count(s->rd), i;
	uint64_t start, end, idx;
	size_t mcount = 0;

	if (s->regions)
		return 0;
	if (seq && ynode_kind(seq) == YNODE_SEQ)
		mcount = ynode_len(seq);
	if (mcount > MSNAP_MAX_REGIONS)
		return msnap_fail(err, MSNAP_E_LIMIT, -1,
				  "manifest lists %zu regions, more than %u",
				  mcount, MSNAP_MAX_REGIONS);
	/* Stored files are container regions past the manifest's. */
	if (mcount > n)
		return msnap_fail(err, MSNAP_E_CORRUPT, -1,
				  "manifest lists %zu regions, the container %u",
				  mcount, n);
	s->regions = calloc(n ? n : 1, sizeof(*s->regions));
	if (!s->regions)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	s->nregions = n;
	s->manifest_regions = (uint32_t)mcount;
	for (i = 0; i < n; i++) {
		struct snap_region *g = &s->regions[i];

		g->index = i;
		g->kind_id = MSNAP_KIND_COUNT;
		g->ri = msnap_region(s->rd, i);
		if (g->ri) {
			g->start = g->ri->start;
			g->end = g->ri->end;
		}
		if (i >= mcount)
			continue;
		m = ynode_at(seq, i);
		if (!m || ynode_kind(m) != YNODE_MAP ||
		    ynode_u64(ynode_get(m, "index"), &idx) || idx != i ||
		    snap_node_hex(ynode_get(m, "start"), &start) ||
		    snap_node_hex(ynode_get(m, "end"), &end))
			return msnap_fail(err, MSNAP_E_YAML, -1,
					  "manifest line %u: region %u lacks index, start or end",
					  m ? ynode_line(m) : 0, i);
		if (g->ri && (start != g->start || end != g->end))
			return msnap_fail(err, MSNAP_E_CORRUPT, -1,
					  "manifest region %u (0x%llx-0x%llx) differs from the container's (0x%llx-0x%llx)",
					  i, (unsigned long long)start,
					  (unsigned long long)end,
					  (unsigned long long)g->start,
					  (unsigned long long)g->end);
		if (start >= end)
			return msnap_fail(err, MSNAP_E_YAML, -1,
					  "manifest line %u: region %u is empty or reversed",
					  ynode_line(m), i);
		if (g->ri && g->ri->has_table && manifest_disagrees(m, g->ri))
			return msnap_fail(err, MSNAP_E_CORRUPT, -1,
					  "manifest line %u: region %u's page counts or "
					  "SHA-256 differ from the container's page table",
					  ynode_line(m), i);
		g->start = start;
		g->end = end;
		g->in_manifest = true;
		if (region_from_manifest(s, g, m))
			return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	}
	return 0;
}

/* ---- threads ------------------------------------------------------------------ */

#define REG(name) { #name, offsetof(struct user_regs_struct, name) }
static const struct {
	const char *name;
	size_t off;
} reg_names[] = {
	REG(r15), REG(r14), REG(r13), REG(r12), REG(rbp), REG(rbx),
	REG(r11), REG(r10), REG(r9), REG(r8), REG(rax), REG(rcx),
	REG(rdx), REG(rsi), REG(rdi), REG(orig_rax), REG(rip), REG(cs),
	REG(eflags), REG(rsp), REG(ss), REG(fs_base), REG(gs_base),
	REG(ds), REG(es), REG(fs), REG(gs),
};
#undef REG

/* The registers: the raw regset if its length is right, else the regs map. */
static void thread_regs(struct snap_thread *t, const struct ynode *m)
{
	const struct ynode *regs = ynode_get(m, "regs");
	uint8_t *blob = NULL;
	size_t len = 0, i;
	unsigned found = 0;
	uint64_t v;

	if (ynode_get(m, "prstatus") &&
	    ynode_bytes(ynode_get(m, "prstatus"), &blob, &len) == 0 &&
	    len == sizeof(t->regs)) {
		memcpy(&t->regs, blob, sizeof(t->regs));
		t->has_regs = true;
		free(blob);
		return;
	}
	free(blob);
	if (!regs || ynode_kind(regs) != YNODE_MAP)
		return;
	for (i = 0; i < sizeof(reg_names) / sizeof(reg_names[0]); i++) {
		if (ynode_u64(ynode_get(regs, reg_names[i].name), &v))
			continue;
		memcpy((char *)&t->regs + reg_names[i].off, &v, sizeof(v));
		found++;
	}
	if (found) {
		t->has_regs = true;
		t->regs_partial = found < sizeof(reg_names) / sizeof(reg_names[0]);
	}
}

/* The code and errno of the stop's siginfo, when they fit an int. */
static void thread_siginfo(struct snap_thread *t, const struct ynode *m)
{
	int64_t v;

	if (ynode_i64(ynode_path(m, "siginfo.code"), &v) == 0 &&
	    v >= INT32_MIN && v <= INT32_MAX)
		t->si_code = (int)v;
	if (ynode_i64(ynode_path(m, "siginfo.errno"), &v) == 0 &&
	    v >= INT32_MIN && v <= INT32_MAX)
		t->si_errno = (int)v;
}

static void thread_blobs(struct snap_thread *t, const struct ynode *m)
{
	uint8_t *blob = NULL;
	size_t len = 0;

	if (ynode_get(m, "fpregs") &&
	    ynode_bytes(ynode_get(m, "fpregs"), &blob, &len) == 0) {
		if (len == sizeof(struct user_fpregs_struct))
			t->fpregs = blob;
		else
			free(blob);
	}
	blob = NULL;
	if (ynode_get(m, "xstate") &&
	    ynode_bytes(ynode_get(m, "xstate"), &blob, &len) == 0) {
		/* At least the legacy area and the xsave header. */
		if (len >= 576 && len <= SNAP_MAX_XSTATE) {
			t->xstate = blob;
			t->xstate_len = len;
		} else {
			free(blob);
		}
	}
}

int snap_load_threads(struct snap *s, struct msnap_error *err)
{
	const struct ynode *seq = snap_fact(s, "threads"), *m;
	struct snap_bytes state;
	size_t n, i;
	int64_t signo;

	if (s->threads || !seq || ynode_kind(seq) != YNODE_SEQ)
		return 0;
	n = ynode_len(seq);
	if (n > SNAP_MAX_THREADS)
		return msnap_fail(err, MSNAP_E_LIMIT, -1,
				  "manifest lists %zu threads", n);
	s->threads = calloc(n ? n : 1, sizeof(*s->threads));
	if (!s->threads)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	for (i = 0; i < n; i++) {
		struct snap_thread *t = &s->threads[i];

		m = ynode_at(seq, i);
		if (!m || ynode_kind(m) != YNODE_MAP ||
		    ynode_u64(ynode_get(m, "tid"), &t->tid))
			return msnap_fail(err, MSNAP_E_YAML, -1,
					  "manifest line %u: thread %zu has no tid",
					  m ? ynode_line(m) : 0, i);
		s->nthreads = i + 1;
		snap_node_bytes(ynode_get(m, "name"), &t->name);
		if (snap_node_bytes(ynode_get(m, "state"), &state) == 0) {
			snprintf(t->state, sizeof(t->state), "%.*s",
				 (int)(state.len < 7 ? state.len : 7), state.s);
			snap_bytes_free(&state);
		}
		thread_regs(t, m);
		thread_blobs(t, m);
		t->has_sigmask = ynode_u64(ynode_get(m, "sigmask"),
					   &t->sigmask) == 0;
		t->has_sigpending = ynode_u64(ynode_get(m, "sigpending"),
					      &t->sigpending) == 0;
		if (ynode_i64(ynode_path(m, "siginfo.signo"), &signo) == 0 &&
		    signo > 0 && signo < 128) {
			t->signo = (int)signo;
			thread_siginfo(t, m);
		}
	}
	return 0;
}
