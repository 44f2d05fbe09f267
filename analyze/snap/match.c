// SPDX-License-Identifier: MIT
/* match.c - region identities and the matching of two region sets. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "snapshot.h"

static const char deleted_suffix[] = " (deleted)";

const char *match_how_name(enum match_how h)
{
	switch (h) {
	case MATCH_IDENTITY:
		return "identity";
	case MATCH_NEIGHBOURHOOD:
		return "neighbourhood";
	case MATCH_CONTENT:
		return "content";
	}
	return "?";
}

const char *region_role_name(enum region_role r)
{
	static const char *const names[] = {
		[ROLE_FILE] = "file", [ROLE_BSS] = "bss", [ROLE_HEAP] = "heap",
		[ROLE_STACK] = "stack", [ROLE_THREAD_STACK] = "thread_stack",
		[ROLE_SPECIAL] = "special", [ROLE_NAMED] = "named",
		[ROLE_ANON] = "anon",
	};

	return r <= ROLE_ANON ? names[r] : "?";
}

bool rset_same_process(const struct rset *a, const struct rset *b)
{
	return a->pid && a->start_ticks && a->pid == b->pid &&
	       a->start_ticks == b->start_ticks;
}

static char *key_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *key_printf(const char *fmt, ...)
{
	va_list ap;
	char *k = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&k, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : k;
}

/* ---- loading ------------------------------------------------------------------ */

static char *dup_bytes(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void copy_small(char *dst, size_t cap, const struct snap_bytes *b)
{
	size_t i, n = b->s ? b->len : 0;

	if (n >= cap)
		n = cap - 1;
	/* Identifiers only: anything odd would be a hostile manifest. */
	for (i = 0; i < n; i++)
		dst[i] = (b->s[i] >= 0x21 && b->s[i] < 0x7f) ? b->s[i] : '?';
	dst[n] = '\0';
}

/* The manifest's device, mapping name and build-id of region sg. */
static int region_extra(struct lregion *g, const struct snap_region *sg)
{
	if (sg->dev.s)
		copy_small(g->dev, sizeof(g->dev), &sg->dev);
	if (sg->name.s) {
		g->name = dup_bytes(sg->name.s, sg->name.len);
		if (!g->name)
			return -1;
		g->name_len = sg->name.len;
	}
	if (sg->file.build_id_text.s)
		copy_small(g->build_id, sizeof(g->build_id),
			   &sg->file.build_id_text);
	return 0;
}

static int region_at(const struct rset *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;

		if (addr < s->r[mid].start)
			hi = mid;
		else if (addr >= s->r[mid].end)
			lo = mid + 1;
		else
			return (int)mid;
	}
	return -1;
}

/*
 * A thread's stack is the anonymous region its stack pointer is in; it is
 * known by the thread's name and its rank among threads of that name (tids
 * differ from run to run, names and creation order do not).
 */
static int thread_stacks(struct rset *s, const struct snap *snap)
{
	size_t i, j;

	for (i = 0; i < snap->nthreads; i++) {
		const struct snap_thread *t = &snap->threads[i];
		struct snap_bytes nb = t->name;
		unsigned rank = 0;
		char name[64];
		int k;

		if (!t->has_regs || t->tid == s->pid)
			continue;
		k = region_at(s, t->regs.rsp);
		if (k < 0 || s->r[k].key || s->r[k].path[0] ||
		    (strcmp(s->r[k].kind, "anon") &&
		     strcmp(s->r[k].kind, "thread_stack")))
			continue;
		for (j = 0; j < i; j++)
			if (snap->threads[j].name.s && t->name.s &&
			    snap->threads[j].name.len == t->name.len &&
			    !memcmp(snap->threads[j].name.s, t->name.s,
				    t->name.len))
				rank++;
		copy_small(name, sizeof(name), &nb);
		s->r[k].role = ROLE_THREAD_STACK;
		s->r[k].key = key_printf("thread:%s#%u", name, rank);
		if (!s->r[k].key)
			return -1;
	}
	return 0;
}

int rset_from_snap(struct rset *s, struct snap *snap, struct msnap_error *err)
{
	uint32_t i;
	int r;

	memset(s, 0, sizeof(*s));
	r = snap_load_regions(snap, err);
	if (r)
		return r;
	r = snap_load_threads(snap, err);
	if (r)
		return r;
	s->page_size = snap->info->page_size;
	s->layout_only = snap->info->flags & MSNAP_HDR_LAYOUT_ONLY;
	snap_fact_u64(snap, "process.pid", &s->pid);
	snap_fact_u64(snap, "process.start_time_ticks", &s->start_ticks);
	if (snap_fact_present(snap, "threads")) {
		s->nthreads = snap->nthreads;
		s->has_threads = true;
	}
	/* Stored files (past the manifest's regions) are not mappings. */
	s->r = calloc(snap->manifest_regions ? snap->manifest_regions : 1,
		      sizeof(*s->r));
	if (!s->r)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	for (i = 0; i < snap->manifest_regions; i++) {
		const struct snap_region *sg = &snap->regions[i];
		struct lregion *g = &s->r[s->n];

		g->module = -1;
		g->role = ROLE_ANON;
		g->index = sg->index;
		g->start = sg->start;
		g->end = sg->end;
		memcpy(g->perms, sg->perms, sizeof(g->perms));
		if (sg->kind.s) {
			struct snap_bytes kb = sg->kind;

			copy_small(g->kind, sizeof(g->kind), &kb);
		}
		g->path = dup_bytes(sg->path.s ? sg->path.s : "",
				    sg->path.s ? sg->path.len : 0);
		if (!g->path)
			goto nomem;
		g->path_len = sg->path.s ? sg->path.len : 0;
		g->inode = sg->inode;
		g->offset = sg->offset;
		g->ri = s->layout_only ? NULL : sg->ri;
		s->n++;
		if (region_extra(g, sg))
			goto nomem;
	}
	if (thread_stacks(s, snap))
		goto nomem;
	r = rset_identify(s, err);
	if (r)
		rset_free(s);
	return r;
nomem:
	rset_free(s);
	return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
}

void rset_free(struct rset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->r[i].path);
		free(s->r[i].name);
		free(s->r[i].key);
	}
	for (i = 0; i < s->nmod; i++)
		free(s->mod[i].path);
	free(s->r);
	free(s->mod);
	memset(s, 0, sizeof(*s));
}

/* ---- identities ------------------------------------------------------------------ */

static bool is_file_backed(const struct lregion *g)
{
	return (!strcmp(g->kind, "file") || !strcmp(g->kind, "deleted")) &&
	       g->path[0] == '/';
}

/* Path without " (deleted)": a replaced file is the same module. */
static size_t ident_len(const struct lregion *g)
{
	const size_t k = sizeof(deleted_suffix) - 1;

	if (g->path_len > k &&
	    !memcmp(g->path + g->path_len - k, deleted_suffix, k))
		return g->path_len - k;
	return g->path_len;
}

static int add_module(struct rset *s, int first)
{
	const struct lregion *g = &s->r[first];
	struct rmodule *m, *nm;
	size_t i;

	nm = realloc(s->mod, (s->nmod + 1) * sizeof(*s->mod));
	if (!nm)
		return -1;
	s->mod = nm;
	m = &s->mod[s->nmod];
	memset(m, 0, sizeof(*m));
	m->path = dup_bytes(g->path, ident_len(g));
	if (!m->path)
		return -1;
	memcpy(m->build_id, g->build_id, sizeof(m->build_id));
	m->base = g->start - g->offset;
	m->end = g->end;
	m->first = m->last = first;
	for (i = 0; i < s->nmod; i++)
		if (!strcmp(s->mod[i].path, m->path))
			m->ordinal++;
	s->nmod++;
	return 0;
}

/*
 * Group file-backed regions into module instances: a segment continues the
 * module of the previous file-backed region when the file is the same and
 * its offset goes up, or stays the same right after it (RELRO and gaps
 * split one PT_LOAD into several VMAs, and two PT_LOADs may share a page).
 */
static int find_modules(struct rset *s)
{
	int prev = -1;
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct lregion *g = &s->r[i];
		struct rmodule *m;

		if (!is_file_backed(g))
			continue;
		m = prev >= 0 ? &s->mod[s->r[prev].module] : NULL;
		if (!m || ident_len(g) != strlen(m->path) ||
		    memcmp(g->path, m->path, ident_len(g)) ||
		    g->offset < s->r[m->last].offset ||
		    (g->offset == s->r[m->last].offset &&
		     g->start != s->r[m->last].end)) {
			if (add_module(s, (int)i))
				return -1;
			m = &s->mod[s->nmod - 1];
		}
		g->module = (int)(m - s->mod);
		g->role = ROLE_FILE;
		m->last = (int)i;
		m->end = g->end;
		if (!m->build_id[0])
			memcpy(m->build_id, g->build_id, sizeof(m->build_id));
		prev = (int)i;
	}
	for (i = 0; i < s->n; i++)
		if (s->r[i].module >= 0)
			s->r[i].mod_off = s->r[i].start -
					  s->mod[s->r[i].module].base;
	return 0;
}

/* The role of a region that is not part of a module, and its key. */
static int role_of(struct rset *s, size_t i)
{
	struct lregion *g = &s->r[i];
	const struct lregion *prev = i ? &s->r[i - 1] : NULL;
	const char *k = g->kind;

	if (g->role == ROLE_FILE) {
		const struct rmodule *m = &s->mod[g->module];

		g->key = key_printf("%s#%u+0x%llx", m->path, m->ordinal,
				    (unsigned long long)g->offset);
		return g->key ? 0 : -1;
	}
	if (g->key)
		return 0;       /* a thread stack */
	g->role = ROLE_ANON;
	if (!strcmp(k, "heap")) {
		g->role = ROLE_HEAP;
		g->key = strdup("[heap]");
	} else if (!strcmp(k, "stack")) {
		g->role = ROLE_STACK;
		g->key = strdup("[stack]");
	} else if (!strcmp(k, "vdso") || !strcmp(k, "vvar") ||
		   !strcmp(k, "vsyscall")) {
		g->role = ROLE_SPECIAL;
		g->key = key_printf("[%s]", k);
	} else if (g->name) {
		g->role = ROLE_NAMED;
		g->key = key_printf("%s:%s", k, g->name);
	} else if (g->path[0] && strcmp(k, "anon") && strcmp(k, "guard") &&
		   strcmp(k, "thread_stack")) {
		g->role = ROLE_NAMED;
		g->key = key_printf("%s:%s", k, g->path);
	} else if (prev && prev->module >= 0 && prev->end == g->start &&
		   s->mod[prev->module].last == (int)i - 1 &&
		   g->perms[0] == 'r' && g->perms[1] == 'w' &&
		   !g->path[0]) {
		const struct rmodule *m = &s->mod[prev->module];

		g->role = ROLE_BSS;
		g->module = prev->module;
		g->mod_off = g->start - m->base;
		g->key = key_printf("%s#%u bss", m->path, m->ordinal);
	} else {
		return 0;
	}
	return g->key ? 0 : -1;
}

/* Two regions with the same key on one side: number the later ones. */
static int cmp_key_idx(const void *x, const void *y, void *arg)
{
	const struct rset *s = arg;
	const int a = *(const int *)x, b = *(const int *)y;
	const int c = strcmp(s->r[a].key, s->r[b].key);

	return c ? c : (a > b) - (a < b);
}

static int dedup_keys(struct rset *s)
{
	int *idx = malloc((s->n ? s->n : 1) * sizeof(*idx));
	size_t n = 0, i, first = 0, dup = 1;
	char *k;

	if (!idx)
		return -1;
	for (i = 0; i < s->n; i++)
		if (s->r[i].key)
			idx[n++] = (int)i;
	qsort_r(idx, n, sizeof(*idx), cmp_key_idx, s);
	/* The first of a group keeps its key: compare with it. */
	for (i = 1; i < n; i++) {
		struct lregion *g = &s->r[idx[i]];

		if (strcmp(s->r[idx[first]].key, g->key)) {
			first = i;
			dup = 1;
			continue;
		}
		k = key_printf("%s~%zu", g->key, ++dup);
		if (!k) {
			free(idx);
			return -1;
		}
		free(g->key);
		g->key = k;
	}
	free(idx);
	return 0;
}

int rset_identify(struct rset *s, struct msnap_error *err)
{
	size_t i;

	if (find_modules(s))
		goto nomem;
	for (i = 0; i < s->n; i++)
		if (role_of(s, i))
			goto nomem;
	if (dedup_keys(s))
		goto nomem;
	return 0;
nomem:
	return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
}

/* ---- matching ------------------------------------------------------------------ */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* A MinHash of the region's page hashes: set similarity in O(k). */
static void content_signature(struct lregion *g)
{
	const struct msnap_region_info *ri = g->ri;
	uint64_t i;
	unsigned k;

	g->has_content = ri && ri->has_table && ri->nhashes;
	if (!g->has_content)
		return;
	for (k = 0; k < MATCH_MINHASH; k++)
		g->minhash[k] = UINT64_MAX;
	for (i = 0; i < ri->nhashes; i++)
		for (k = 0; k < MATCH_MINHASH; k++) {
			const uint64_t v = mix64(ri->hashes[i] +
						 0x9e3779b97f4a7c15ull * (k + 1));

			if (v < g->minhash[k])
				g->minhash[k] = v;
		}
}

static double similarity(const struct lregion *a, const struct lregion *b)
{
	unsigned k, same = 0;

	for (k = 0; k < MATCH_MINHASH; k++)
		same += a->minhash[k] == b->minhash[k];
	return (double)same / MATCH_MINHASH;
}

/* Anchors: the nearest regions on each side that matched by identity. */
static void find_anchors(struct rset *s, const int *matched)
{
	int anchor = -1;
	unsigned rank = 0;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (matched[i] >= 0 && s->r[i].key) {
			anchor = (int)i;
			rank = 0;
			continue;
		}
		s->r[i].anchor_prev = anchor;
		s->r[i].rank_prev = ++rank;
	}
	anchor = -1;
	rank = 0;
	for (i = s->n; i-- > 0;) {
		if (matched[i] >= 0 && s->r[i].key) {
			anchor = (int)i;
			rank = 0;
			continue;
		}
		s->r[i].anchor_next = anchor;
		s->r[i].rank_next = ++rank;
	}
}

struct cand {
	int a, b;
	double score;
	bool by_content;
};

static int cmp_cand(const void *x, const void *y)
{
	const struct cand *p = x, *q = y;

	if (p->score != q->score)
		return p->score < q->score ? 1 : -1;
	if (p->a != q->a)
		return p->a - q->a;
	return p->b - q->b;
}

/*
 * How well anonymous region b of B stands for region a of A: same
 * neighbours at the same rank and distance, same size, similar pages.
 */
static struct cand score_pair(const struct rset *sa, const struct rset *sb,
			      const int *a2b, int ia, int ib)
{
	const struct lregion *a = &sa->r[ia], *b = &sb->r[ib];
	const uint64_t za = a->end - a->start, zb = b->end - b->start;
	struct cand c = { ia, ib, 0, false };
	double sim;

	if (strcmp(a->perms, b->perms) || strcmp(a->kind, b->kind))
		return c;
	if (a->anchor_prev >= 0 && a2b[a->anchor_prev] == b->anchor_prev) {
		c.score += 0.30;
		if (a->rank_prev == b->rank_prev)
			c.score += 0.10;
		if (a->start - sa->r[a->anchor_prev].end ==
		    b->start - sb->r[b->anchor_prev].end)
			c.score += 0.05;
	}
	if (a->anchor_next >= 0 && a2b[a->anchor_next] == b->anchor_next) {
		c.score += 0.15;
		if (a->rank_next == b->rank_next)
			c.score += 0.05;
	}
	if (za == zb)
		c.score += 0.15;
	else if ((za < zb ? zb / 2 <= za : za / 2 <= zb))
		c.score += 0.05;
	if (a->has_content && b->has_content) {
		sim = similarity(a, b);
		c.score += 0.35 * sim;
		c.by_content = sim >= 0.5 && c.score - 0.35 * sim < 0.4;
	}
	if (c.score > 1.0)
		c.score = 1.0;
	return c;
}

static int cmp_key_of(const void *x, const void *y, void *arg)
{
	const struct rset *s = arg;

	return strcmp(s->r[*(const int *)x].key, s->r[*(const int *)y].key);
}

static int push_pair(struct rmatch *m, int a, int b, enum match_how how,
		     double conf)
{
	m->p[m->n].a = a;
	m->p[m->n].b = b;
	m->p[m->n].how = how;
	m->p[m->n].confidence = conf;
	m->n++;
	return 0;
}

static int match_identity(const struct rset *a, const struct rset *b,
			  int *a2b, int *b2a)
{
	int *idx = malloc((b->n ? b->n : 1) * sizeof(*idx));
	size_t n = 0, i;

	if (!idx)
		return -1;
	for (i = 0; i < b->n; i++)
		if (b->r[i].key)
			idx[n++] = (int)i;
	qsort_r(idx, n, sizeof(*idx), cmp_key_of, (void *)b);
	for (i = 0; i < a->n; i++) {
		size_t lo = 0, hi = n;

		if (!a->r[i].key)
			continue;
		while (lo < hi) {
			const size_t mid = lo + (hi - lo) / 2;
			const int c = strcmp(a->r[i].key, b->r[idx[mid]].key);

			if (!c) {
				a2b[i] = idx[mid];
				b2a[idx[mid]] = (int)i;
				break;
			}
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	free(idx);
	return 0;
}

/*
 * Bounds on anonymous matching, which compares regions pairwise: a process
 * may have tens of thousands of anonymous mappings (and a hostile snapshot
 * a million).  Each region of A keeps only its best MATCH_KEEP candidates
 * (memory: O(regions)); past MATCH_FULL_PAIRS pairs, a region of A is
 * scored only against the regions of B after the same anchor at a rank
 * within MATCH_RANK_WINDOW of its own (time: O(regions log regions)).
 */
#define MATCH_KEEP        8u
#define MATCH_FULL_PAIRS  (1ull << 24)
#define MATCH_RANK_WINDOW 8u

/* Order of B's unidentified regions for the windowed scan. */
static int cmp_anchor_rank(const void *x, const void *y, void *arg)
{
	const struct rset *s = arg;
	const struct lregion *p = &s->r[*(const int *)x], *q = &s->r[*(const int *)y];

	if (p->anchor_prev != q->anchor_prev)
		return p->anchor_prev < q->anchor_prev ? -1 : 1;
	if (p->rank_prev != q->rank_prev)
		return p->rank_prev < q->rank_prev ? -1 : 1;
	return *(const int *)x - *(const int *)y;
}

/* Keep k in best[0..*n), at most MATCH_KEEP, best first (cmp_cand order). */
static void keep_best(struct cand *best, size_t *n, const struct cand *k)
{
	size_t i = *n < MATCH_KEEP ? (*n)++ : MATCH_KEEP;

	if (i == MATCH_KEEP && cmp_cand(k, &best[MATCH_KEEP - 1]) >= 0)
		return;
	if (i == MATCH_KEEP)
		i--;
	while (i > 0 && cmp_cand(k, &best[i - 1]) < 0) {
		best[i] = best[i - 1];
		i--;
	}
	best[i] = *k;
}

/* First index of idx[0..n) whose region sorts at or after (anchor, rank). */
static size_t lower_bound(const struct rset *s, const int *idx, size_t n,
			  int anchor, unsigned rank)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const struct lregion *g = &s->r[idx[mid]];

		if (g->anchor_prev < anchor ||
		    (g->anchor_prev == anchor && g->rank_prev < rank))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int match_anonymous(struct rset *a, struct rset *b, int *a2b,
			   int *b2a, bool *by_content, double *conf)
{
	struct cand *c = NULL, best[MATCH_KEEP];
	int *bidx = NULL;
	size_t n = 0, nb = 0, na = 0, i, j, nbest, lo, hi;
	bool windowed;

	find_anchors(a, a2b);
	find_anchors(b, b2a);
	for (i = 0; i < a->n; i++)
		if (!a->r[i].key) {
			content_signature(&a->r[i]);
			na++;
		}
	bidx = malloc((b->n ? b->n : 1) * sizeof(*bidx));
	c = malloc((na ? na : 1) * MATCH_KEEP * sizeof(*c));
	if (!bidx || !c)
		goto nomem;
	for (j = 0; j < b->n; j++)
		if (!b->r[j].key) {
			content_signature(&b->r[j]);
			bidx[nb++] = (int)j;
		}
	windowed = (uint64_t)na * nb > MATCH_FULL_PAIRS;
	if (windowed)
		qsort_r(bidx, nb, sizeof(*bidx), cmp_anchor_rank, b);
	for (i = 0; i < a->n; i++) {
		const struct lregion *g = &a->r[i];

		if (g->key)
			continue;
		lo = 0;
		hi = nb;
		if (windowed) {
			/* the regions after the same anchor, near its rank */
			const int anchor = g->anchor_prev >= 0 ?
					   a2b[g->anchor_prev] : -1;
			const unsigned r = g->rank_prev;

			if (g->anchor_prev >= 0 && anchor < 0)
				continue;
			lo = lower_bound(b, bidx, nb, anchor,
					 r > MATCH_RANK_WINDOW ? r - MATCH_RANK_WINDOW : 0);
			hi = lower_bound(b, bidx, nb, anchor,
					 r + MATCH_RANK_WINDOW + 1);
		}
		nbest = 0;
		for (j = lo; j < hi; j++) {
			const struct cand k = score_pair(a, b, a2b, (int)i,
							 bidx[j]);

			if (k.score >= MATCH_MIN_CONFIDENCE)
				keep_best(best, &nbest, &k);
		}
		memcpy(c + n, best, nbest * sizeof(*c));
		n += nbest;
	}
	if (n)          /* no candidates: qsort(NULL) is UB */
		qsort(c, n, sizeof(*c), cmp_cand);
	for (i = 0; i < n; i++) {
		if (a2b[c[i].a] >= 0 || b2a[c[i].b] >= 0)
			continue;
		a2b[c[i].a] = c[i].b;
		b2a[c[i].b] = c[i].a;
		by_content[c[i].a] = c[i].by_content;
		conf[c[i].a] = c[i].score;
	}
	free(bidx);
	free(c);
	return 0;
nomem:
	free(bidx);
	free(c);
	return -1;
}

int match_regions(struct rset *a, struct rset *b, struct rmatch *m,
		  struct msnap_error *err)
{
	bool *by_content = NULL;
	double *conf = NULL;
	size_t i;

	memset(m, 0, sizeof(*m));
	m->a2b = malloc((a->n ? a->n : 1) * sizeof(int));
	m->b2a = malloc((b->n ? b->n : 1) * sizeof(int));
	m->p = calloc(a->n + b->n + 1, sizeof(*m->p));
	by_content = calloc(a->n + 1, sizeof(*by_content));
	conf = calloc(a->n + 1, sizeof(*conf));
	if (!m->a2b || !m->b2a || !m->p || !by_content || !conf)
		goto nomem;
	for (i = 0; i < a->n; i++)
		m->a2b[i] = -1;
	for (i = 0; i < b->n; i++)
		m->b2a[i] = -1;
	if (match_identity(a, b, m->a2b, m->b2a) ||
	    match_anonymous(a, b, m->a2b, m->b2a, by_content, conf))
		goto nomem;
	for (i = 0; i < a->n; i++) {
		const int j = m->a2b[i];

		if (j < 0)
			push_pair(m, (int)i, -1, MATCH_IDENTITY, 0);
		else if (a->r[i].key)
			push_pair(m, (int)i, j, MATCH_IDENTITY, 1.0);
		else
			push_pair(m, (int)i, j, by_content[i] ? MATCH_CONTENT :
				  MATCH_NEIGHBOURHOOD, conf[i]);
	}
	for (i = 0; i < b->n; i++)
		if (m->b2a[i] < 0)
			push_pair(m, -1, (int)i, MATCH_IDENTITY, 0);
	free(by_content);
	free(conf);
	return 0;
nomem:
	free(by_content);
	free(conf);
	match_free(m);
	return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
}

void match_free(struct rmatch *m)
{
	free(m->p);
	free(m->a2b);
	free(m->b2a);
	memset(m, 0, sizeof(*m));
}
