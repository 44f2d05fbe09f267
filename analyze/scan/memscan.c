// SPDX-License-Identifier: MIT
/*
 * memscan.c - plan the pieces of stored memory, read them on worker
 * threads, hand them to one consumer in order (memscan.h).
 *
 * Why `reverse`: YARA keeps the first match it sees at an address.  A
 * regular expression that starts in a piece's overlap and runs past the
 * piece's end is cut short there; the next piece sees it whole.  Handing
 * a run's pieces last first makes the whole match the one YARA keeps.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "memscan.h"

#define MAX_WORKERS 4u
/*
 * A region without its page table (a snapshot cut short) is read page by
 * page as the reader answers; its stored pages come first (a capture
 * writes a region front to back).  After this many bytes with nothing
 * stored, the rest is not read: a hostile file could claim a region of
 * terabytes.
 */
#define GIVE_UP_EMPTY (256ull << 20)

/* A stretch of one region to read: stored pages, or unknown (no table). */
struct span {
	uint32_t region;
	uint64_t start, end;
	bool known;                /* from the page table: all stored */
	uint64_t first_piece;      /* index of its first piece (presentation) */
	uint64_t npieces;
};

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_READY };

struct slot {
	enum slot_state state;
	uint64_t index;
	struct mscan_piece p;
	uint8_t *buf;
	uint8_t *states;
	char err[640];
};

struct worker {
	struct mscan *m;
	struct msnap_reader *rd;
	pthread_t tid;
	bool started;
};

struct mscan {
	struct snap *s;
	size_t piece, overlap;
	bool reverse;
	uint64_t ps;
	struct span *spans;
	size_t nspans, spans_cap;
	uint64_t npieces;
	size_t zero_edge;
	struct mscan_range *zeros;
	size_t nzeros, zeros_cap;
	struct mscan_gap *gaps;
	size_t ngaps, gaps_cap;
	bool gaps_lost, gaps_sorted;
	struct mscan_stats st;
	/* the pipeline */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *slots;
	unsigned nslots;
	struct worker *workers;
	unsigned nworkers;
	uint64_t next_claim, next_give;
	int64_t held;              /* slot the consumer holds, -1 none */
	bool stop;
	/* an unknown span being given up: pieces [skip_from, skip_to) */
	bool skipping;
	uint64_t skip_from, skip_to;
	uint64_t empty_run;        /* bytes not stored in a row (unknown span) */
	/* the previous piece, for `follows` */
	uint64_t prev_end;
	uint32_t prev_region;
	bool have_prev;
};

/* ---- region selection ------------------------------------------------- */

static bool bytes_is(const struct snap_bytes *b, const char *s)
{
	return b->s && b->len == strlen(s) && !memcmp(b->s, s, b->len);
}

static unsigned region_class(const struct snap_region *g)
{
	unsigned c = 0;

	if (g->perms[0] && g->perms[2] == 'x')
		c |= MSCAN_EXEC;
	if (bytes_is(&g->kind, "heap"))
		c |= MSCAN_HEAP | MSCAN_ANON;
	else if (bytes_is(&g->kind, "stack") || bytes_is(&g->kind, "thread_stack"))
		c |= MSCAN_STACK | MSCAN_ANON;
	else if (bytes_is(&g->kind, "anon") || bytes_is(&g->kind, "shmem"))
		c |= MSCAN_ANON;
	else if (bytes_is(&g->kind, "file") || bytes_is(&g->kind, "deleted") ||
		 bytes_is(&g->kind, "memfd"))
		c |= MSCAN_FILE;
	return c;
}

int mscan_parse_regions(const char *list, unsigned *mask, const char **bad)
{
	static const struct { const char *name; unsigned bit; } names[] = {
		{ "exec", MSCAN_EXEC }, { "anon", MSCAN_ANON },
		{ "heap", MSCAN_HEAP }, { "stack", MSCAN_STACK },
		{ "file", MSCAN_FILE }, { "all", 0 },
	};
	const char *p = list, *e;
	unsigned m = 0;
	bool all = false;
	size_t i, n;

	for (;;) {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n &&
			    !strncmp(p, names[i].name, n))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			*bad = p;
			return -1;
		}
		m |= names[i].bit;
		all |= names[i].bit == 0;
		if (!e)
			break;
		p = e + 1;
	}
	*mask = all ? 0 : m;
	return 0;
}

int mscan_parse_block(const char *s, size_t *piece)
{
	uint64_t v;

	if (ana_parse_u64(s, true, &v) || v < 4096 || v > (256u << 20))
		return -1;
	*piece = (size_t)v;
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

const char *mscan_region_path(const struct snap *s, uint32_t region,
			      size_t *len)
{
	const struct snap_region *g;

	*len = 0;
	if (region >= s->nregions)
		return "";
	g = &s->regions[region];
	if (!g->path.s)
		return "";
	*len = g->path.len;
	return g->path.s;
}

/* ---- gaps ------------------------------------------------------------- */

void mscan_gap(struct mscan *m, uint32_t region, uint64_t start,
	       uint64_t end, const char *why)
{
	struct mscan_gap *g;

	if (start >= end)
		return;
	/* extend the last gap when this one touches it (either side) */
	if (m->ngaps) {
		g = &m->gaps[m->ngaps - 1];
		if (g->region == region && !strcmp(g->why, why) &&
		    (g->end == start || end == g->start)) {
			if (g->end == start)
				g->end = end;
			else
				g->start = start;
			return;
		}
	}
	if (m->ngaps == m->gaps_cap) {
		size_t cap = m->gaps_cap ? 2 * m->gaps_cap : 64;
		struct mscan_gap *v = realloc(m->gaps, cap * sizeof(*v));

		if (!v) {
			m->gaps_lost = true;
			return;
		}
		m->gaps = v;
		m->gaps_cap = cap;
	}
	g = &m->gaps[m->ngaps++];
	g->region = region;
	g->start = start;
	g->end = end;
	snprintf(g->why, sizeof(g->why), "%s", why);
	m->gaps_sorted = false;
}

static int cmp_gap(const void *a, const void *b)
{
	const struct mscan_gap *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

const struct mscan_gap *mscan_gaps(struct mscan *m, size_t *n)
{
	size_t i, k = 0;

	if (!m->gaps_sorted && m->ngaps) {
		qsort(m->gaps, m->ngaps, sizeof(*m->gaps), cmp_gap);
		for (i = 1; i < m->ngaps; i++) {
			struct mscan_gap *last = &m->gaps[k];

			if (last->region == m->gaps[i].region &&
			    last->end == m->gaps[i].start &&
			    !strcmp(last->why, m->gaps[i].why))
				last->end = m->gaps[i].end;
			else
				m->gaps[++k] = m->gaps[i];
		}
		m->ngaps = k + 1;
	}
	m->gaps_sorted = true;
	*n = m->ngaps;
	return m->gaps;
}

bool mscan_gaps_lost(const struct mscan *m)
{
	return m->gaps_lost;
}

const struct mscan_range *mscan_zeros(const struct mscan *m, size_t *n)
{
	*n = m->nzeros;
	return m->zeros;
}

const struct mscan_stats *mscan_stats(const struct mscan *m)
{
	return &m->st;
}

/* ---- the plan ----------------------------------------------------------- */

static int add_span(struct mscan *m, uint32_t region, uint64_t start,
		    uint64_t end, bool known)
{
	struct span *sp;
	uint64_t n;

	if (m->nspans == m->spans_cap) {
		size_t cap = m->spans_cap ? 2 * m->spans_cap : 64;
		struct span *v = realloc(m->spans, cap * sizeof(*v));

		if (!v)
			return -1;
		m->spans = v;
		m->spans_cap = cap;
	}
	n = (end - start + m->piece - 1) / m->piece;
	sp = &m->spans[m->nspans++];
	*sp = (struct span){ region, start, end, known, m->npieces, n };
	m->npieces += n;
	return 0;
}

static bool stored_state(uint8_t st)
{
	return st == MSNAP_PAGE_DATA || st == MSNAP_PAGE_ZERO;
}

/* [a, b) of region i is stored: extend the last span, or start one. */
static int add_stored(struct mscan *m, uint32_t i, uint64_t a, uint64_t b)
{
	struct span *sp = m->nspans ? &m->spans[m->nspans - 1] : NULL;

	if (sp && sp->region == i && sp->known && sp->end == a) {
		m->npieces -= sp->npieces;
		sp->end = b;
		sp->npieces = (b - sp->start + m->piece - 1) / m->piece;
		m->npieces += sp->npieces;
		return 0;
	}
	return add_span(m, i, a, b, true);
}

static int add_zeros(struct mscan *m, uint32_t i, uint64_t a, uint64_t b)
{
	if (m->nzeros == m->zeros_cap) {
		size_t cap = m->zeros_cap ? 2 * m->zeros_cap : 64;
		struct mscan_range *v = realloc(m->zeros, cap * sizeof(*v));

		if (!v)
			return -1;
		m->zeros = v;
		m->zeros_cap = cap;
	}
	m->zeros[m->nzeros++] = (struct mscan_range){ i, a, b };
	m->st.zero_skipped += b - a;
	return 0;
}

/*
 * A run of stored pages.  A long ZERO run keeps zero_edge bytes at each
 * end, so that a match crossing from data into zeros is still seen, and
 * leaves its middle to mscan_zeros().
 */
static int add_run(struct mscan *m, uint32_t i, uint8_t state, uint64_t a,
		   uint64_t b)
{
	const uint64_t e = m->zero_edge;

	m->st.bytes_planned += b - a;
	if (state != MSNAP_PAGE_ZERO || !e || b - a <= 2 * e)
		return add_stored(m, i, a, b);
	if (add_stored(m, i, a, a + e) || add_zeros(m, i, a + e, b - e))
		return -1;
	return add_span(m, i, b - e, b, true);
}

/* Spans for region i from its page table; the rest of it becomes gaps. */
static int plan_region(struct mscan *m, uint32_t i)
{
	const struct snap_region *g = &m->s->regions[i];
	const struct msnap_region_info *ri = g->ri;
	uint64_t a, b, next;
	size_t k;

	if (!ri || !ri->has_table || !ri->runs) {
		/* cut short: only the reader knows, page by page */
		m->st.bytes_planned += g->end - g->start;
		return add_span(m, i, g->start, g->end, false);
	}
	next = g->start;
	for (k = 0; k < ri->nruns; k++) {
		const struct msnap_run *r = &ri->runs[k];

		/* the reader bounded runs by the region already; stay safe */
		if (r->first > (g->end - g->start) / m->ps ||
		    r->count > (g->end - g->start) / m->ps - r->first)
			continue;
		a = g->start + r->first * m->ps;
		b = a + r->count * m->ps;
		if (a > next)
			mscan_gap(m, i, next, a, "absent");
		next = b;
		if (stored_state(r->state)) {
			if (add_run(m, i, r->state, a, b))
				return -1;
		} else {
			mscan_gap(m, i, a, b, msnap_page_state_name(r->state));
		}
	}
	if (next < g->end)
		mscan_gap(m, i, next, g->end, "absent");
	return 0;
}

static int plan(struct mscan *m, const struct mscan_opts *o)
{
	const struct snap *s = m->s;
	uint32_t i, n = s->manifest_regions ? s->manifest_regions : s->nregions;

	for (i = 0; i < n && i < s->nregions; i++) {
		const struct snap_region *g = &s->regions[i];

		if (!g->ri && !g->in_manifest)
			continue;
		if (g->end <= g->start)
			continue;
		if ((o->regions && !(region_class(g) & o->regions)) ||
		    (o->path && !path_matches(g, o->path))) {
			m->st.regions_skipped++;
			continue;
		}
		m->st.regions_selected++;
		if (!g->ri) {
			mscan_gap(m, i, g->start, g->end,
				  "not in the file (snapshot cut short)");
			continue;
		}
		if (plan_region(m, i))
			return -1;
	}
	return 0;
}

/* Piece idx (presentation order): its span, address, own and read size. */
static void piece_at(const struct mscan *m, uint64_t idx,
		     struct mscan_piece *p, const struct span **out)
{
	size_t lo = 0, hi = m->nspans, mid;
	const struct span *sp;
	uint64_t j;

	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (m->spans[mid].first_piece <= idx)
			lo = mid;
		else
			hi = mid;
	}
	sp = &m->spans[lo];
	j = idx - sp->first_piece;
	/* unknown spans go front to back: see GIVE_UP_EMPTY */
	if (m->reverse && sp->known)
		j = sp->npieces - 1 - j;
	memset(p, 0, sizeof(*p));
	p->index = idx;
	p->region = sp->region;
	p->addr = sp->start + j * m->piece;
	p->own = (size_t)(sp->end - p->addr < m->piece ? sp->end - p->addr
						       : m->piece);
	p->len = (size_t)(sp->end - p->addr < m->piece + m->overlap
			  ? sp->end - p->addr : m->piece + m->overlap);
	*out = sp;
}

/* ---- workers -------------------------------------------------------------- */

static void fill(struct worker *w, struct slot *sl, uint64_t idx)
{
	const struct span *sp;
	struct msnap_error err = { 0 };

	piece_at(w->m, idx, &sl->p, &sp);
	sl->err[0] = '\0';
	if (msnap_read(w->rd, sl->p.addr, sl->buf, sl->p.len, sl->states,
		       &err)) {
		snprintf(sl->err, sizeof(sl->err), "read error: %s",
			 err.msg[0] ? err.msg : msnap_strerror(err.code));
		sl->p.data = NULL;
	} else {
		sl->p.data = sl->buf;
	}
	sl->p.states = sl->states;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct mscan *m = w->m;
	struct slot *sl;
	uint64_t idx;

	pthread_mutex_lock(&m->mu);
	for (;;) {
		if (m->stop || m->next_claim >= m->npieces)
			break;
		sl = &m->slots[m->next_claim % m->nslots];
		if (sl->state != SLOT_FREE) {
			pthread_cond_wait(&m->cv, &m->mu);
			continue;
		}
		idx = m->next_claim++;
		sl->state = SLOT_FILLING;
		sl->index = idx;
		pthread_mutex_unlock(&m->mu);
		fill(w, sl, idx);
		pthread_mutex_lock(&m->mu);
		sl->state = SLOT_READY;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

static unsigned worker_count(unsigned asked)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (asked)
		return asked > MAX_WORKERS ? MAX_WORKERS : asked;
	if (n < 1)
		n = 1;
	return (unsigned)n > MAX_WORKERS ? MAX_WORKERS : (unsigned)n;
}

static int start_workers(struct mscan *m, unsigned nw, char *msg, size_t len)
{
	struct msnap_error err = { 0 };
	unsigned i;

	m->nslots = nw + 2;
	m->slots = calloc(m->nslots, sizeof(*m->slots));
	m->workers = calloc(nw, sizeof(*m->workers));
	if (!m->slots || !m->workers)
		goto nomem;
	for (i = 0; i < m->nslots; i++) {
		m->slots[i].buf = malloc(m->piece + m->overlap);
		m->slots[i].states = malloc((m->piece + m->overlap) / m->ps + 2);
		if (!m->slots[i].buf || !m->slots[i].states)
			goto nomem;
	}
	/* one reader per worker, opened here: opening is not thread-safe;
	 * a clone sees what s->rd sees (scanned or not, its parents) */
	m->nworkers = nw;
	for (i = 0; i < nw; i++) {
		m->workers[i].m = m;
		if (msnap_reader_clone(&m->workers[i].rd, m->s->rd, &err)) {
			snprintf(msg, len, "opening a reader for worker %u: %s",
				 i, err.msg);
			return -1;
		}
	}
	for (i = 0; i < nw; i++) {
		errno = pthread_create(&m->workers[i].tid, NULL, worker_main,
				       &m->workers[i]);
		if (errno) {
			snprintf(msg, len, "pthread_create: %s", strerror(errno));
			return -1;
		}
		m->workers[i].started = true;
	}
	return 0;
nomem:
	snprintf(msg, len, "out of memory for %u read buffers", nw + 2);
	return -1;
}

int mscan_start(struct mscan **out, struct snap *s,
		const struct mscan_opts *o, char *msg, size_t msglen)
{
	struct mscan *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	m->s = s;
	m->ps = s->info->page_size;
	m->piece = o->piece ? o->piece : MSCAN_PIECE;
	m->piece -= m->piece % m->ps;
	if (!m->piece)
		m->piece = m->ps;
	m->overlap = o->overlap;
	m->reverse = o->reverse;
	/* whole pages, so that the edges stay page-aligned runs */
	m->zero_edge = o->zero_edge ? (o->zero_edge + m->ps - 1) / m->ps * m->ps : 0;
	m->held = -1;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	if (plan(m, o)) {
		snprintf(msg, msglen, "out of memory while planning the scan");
		mscan_free(m);
		return -1;
	}
	if (start_workers(m, worker_count(o->threads), msg, msglen)) {
		mscan_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

/* ---- the consumer ------------------------------------------------------- */

static void release_held(struct mscan *m)
{
	if (m->held < 0)
		return;
	pthread_mutex_lock(&m->mu);
	m->slots[m->held].state = SLOT_FREE;
	m->held = -1;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

bool mscan_stored(const struct mscan_piece *p, size_t from, size_t *a,
		  size_t *b)
{
	const uint64_t ps = p->page_size;
	const uint64_t base = p->addr - p->addr % ps;
	size_t at = from, end;

	if (!p->data)
		return false;
	while (at < p->len && !stored_state(p->states[(p->addr + at - base) / ps]))
		at += (size_t)(ps - (p->addr + at) % ps);
	if (at >= p->len)
		return false;
	end = at;
	while (end < p->len && stored_state(p->states[(p->addr + end - base) / ps]))
		end += (size_t)(ps - (p->addr + end) % ps);
	*a = at;
	*b = end < p->len ? end : p->len;
	return true;
}

/*
 * Pages of an unknown span's own part that are not stored become gaps; a
 * long stretch of them gives up the rest of the span (GIVE_UP_EMPTY).
 */
static void gaps_from_states(struct mscan *m, const struct mscan_piece *p,
			     const struct span *sp)
{
	const uint64_t base = p->addr - p->addr % m->ps;
	const uint64_t end = sp->first_piece + sp->npieces;
	uint64_t a, pg;

	if (p->index == sp->first_piece)
		m->empty_run = 0;
	for (a = p->addr; a < p->addr + p->own; a = pg) {
		uint8_t st = p->states[(a - base) / m->ps];

		pg = a - a % m->ps + m->ps;
		if (pg > p->addr + p->own)
			pg = p->addr + p->own;
		if (stored_state(st)) {
			m->empty_run = 0;
			m->st.bytes_read += pg - a;
			continue;
		}
		m->empty_run += pg - a;
		/* without its page table the reader knows only what chunks hold */
		mscan_gap(m, p->region, a, pg,
			  "not stored in what the file holds (cut short)");
	}
	if (m->empty_run < GIVE_UP_EMPTY || p->index + 1 >= end)
		return;
	/* the workers jump past the span; pieces already claimed still come */
	pthread_mutex_lock(&m->mu);
	m->skip_from = m->next_claim > p->index + 1 ? m->next_claim : p->index + 1;
	m->skip_to = end;
	if (m->next_claim < end)
		m->next_claim = end;
	m->skipping = m->skip_from < end;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	m->empty_run = 0;
}

/* The consumer reached the pieces given up: one gap, then past them. */
static void skip_given_up(struct mscan *m)
{
	const struct span *sp;
	struct mscan_piece p;

	piece_at(m, m->skip_from, &p, &sp);
	mscan_gap(m, p.region, p.addr, sp->end,
		  "not read: no page table, and nothing stored in the 256 MiB before");
	m->next_give = m->skip_to;
	m->skipping = false;
	m->have_prev = false;
}

const struct mscan_piece *mscan_next(struct mscan *m)
{
	const struct span *sp;
	struct slot *sl;
	struct mscan_piece want;

	release_held(m);
	if (m->skipping && m->next_give == m->skip_from)
		skip_given_up(m);
	if (m->next_give >= m->npieces)
		return NULL;
	sl = &m->slots[m->next_give % m->nslots];
	pthread_mutex_lock(&m->mu);
	while (!(sl->state == SLOT_READY && sl->index == m->next_give))
		pthread_cond_wait(&m->cv, &m->mu);
	pthread_mutex_unlock(&m->mu);
	m->held = (int64_t)(m->next_give % m->nslots);
	m->next_give++;
	piece_at(m, sl->index, &want, &sp);
	sl->p.page_size = (uint32_t)m->ps;
	sl->p.follows = m->have_prev && m->prev_region == sl->p.region &&
			m->prev_end == sl->p.addr;
	m->have_prev = true;
	m->prev_region = sl->p.region;
	m->prev_end = sl->p.addr + sl->p.own;
	if (!sl->p.data) {
		mscan_gap(m, sl->p.region, sl->p.addr, sl->p.addr + sl->p.own,
			  sl->err);
		m->have_prev = false;
	} else if (!sp->known) {
		gaps_from_states(m, &sl->p, sp);
	} else {
		m->st.bytes_read += sl->p.own;
	}
	return &sl->p;
}

void mscan_abandon(struct mscan *m, const char *why)
{
	const struct span *sp;
	struct mscan_piece p;

	release_held(m);
	pthread_mutex_lock(&m->mu);
	m->stop = true;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	for (; m->next_give < m->npieces; m->next_give++) {
		if (m->skipping && m->next_give == m->skip_from) {
			skip_given_up(m);
			if (m->next_give >= m->npieces)
				break;
		}
		piece_at(m, m->next_give, &p, &sp);
		mscan_gap(m, p.region, p.addr, p.addr + p.own, why);
	}
}

void mscan_free(struct mscan *m)
{
	unsigned i;

	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = true;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	for (i = 0; m->workers && i < m->nworkers; i++) {
		if (m->workers[i].started)
			pthread_join(m->workers[i].tid, NULL);
		msnap_close(m->workers[i].rd);
	}
	for (i = 0; m->slots && i < m->nslots; i++) {
		free(m->slots[i].buf);
		free(m->slots[i].states);
	}
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m->slots);
	free(m->workers);
	free(m->spans);
	free(m->zeros);
	free(m->gaps);
	free(m);
}
