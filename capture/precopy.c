// SPDX-License-Identifier: MIT
/*
 * precopy.c - the pre-copy pass (target running) and its verification
 * (target frozen).  See precopy.h for the idea and the guarantees.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/random.h>

#include "precopy.h"
#include "signals.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int precopy_init(struct precopy *pc, uint64_t page_size, size_t buf_size,
		 struct cap_error *err)
{
	memset(pc, 0, sizeof(*pc));
	pc->page_size = page_size;
	pc->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (getrandom(pc->secret, sizeof(pc->secret), 0) !=
	    (ssize_t)sizeof(pc->secret)) {
		snprintf(err->msg, sizeof(err->msg), "getrandom: %s",
			 strerror(errno));
		return -1;
	}
	buf_size = buf_size / page_size * page_size;
	pc->buf = mmap(NULL, buf_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (pc->buf == MAP_FAILED) {
		pc->buf = NULL;
		snprintf(err->msg, sizeof(err->msg),
			 "cannot map a %zu-byte read buffer: %s", buf_size,
			 strerror(errno));
		return -1;
	}
	/* it holds the target's secrets: never in a core of ours */
	(void)madvise(pc->buf, buf_size, MADV_DONTDUMP);
	pc->buf_size = buf_size;
	return 0;
}

static XXH128_hash_t keyed_hash(const struct precopy *pc, const void *page)
{
	return XXH3_128bits_withSecret(page, pc->page_size, pc->secret,
				       sizeof(pc->secret));
}

/* ---- running: read, hash, hand to the writer -------------------------------- */

struct bad_list {
	struct mem_span *v;         /* addr, len of unreadable ranges */
	size_t n, cap;
	bool lost;
};

static void note_bad(void *arg, uint64_t addr, uint64_t len, int err_no)
{
	struct bad_list *b = arg;

	(void)err_no;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		void *p = reallocarray(b->v, cap, sizeof(*b->v));

		if (!p) {
			b->lost = true;
			return;
		}
		b->v = p;
		b->cap = cap;
	}
	b->v[b->n++] = (struct mem_span){ .addr = addr, .len = len };
}

static struct precopy_area *new_area(struct precopy *pc)
{
	struct precopy_area *a;

	if (pc->n == pc->cap) {
		size_t cap = pc->cap ? pc->cap * 2 : 64;
		void *p = reallocarray(pc->v, cap, sizeof(*pc->v));

		if (!p)
			return NULL;
		pc->v = p;
		pc->cap = cap;
	}
	a = &pc->v[pc->n++];
	memset(a, 0, sizeof(*a));
	a->first_bad = UINT64_MAX;
	return a;
}

/*
 * Hand pages [first, first+count) of the area, read into data, to the
 * writer; pages inside bad ranges go as UNREADABLE.  bad is sorted.
 */
static int give(struct precopy *pc, struct precopy_area *a,
		struct msnap_writer *w, uint64_t first, uint64_t count,
		const uint8_t *data, const struct bad_list *bad, size_t *bi,
		struct cap_error *err)
{
	const uint64_t ps = pc->page_size;
	struct msnap_error merr;
	uint64_t p = first, end = first + count, bs, be;
	int ret = 0;

	while (p < end && !ret) {
		while (*bi < bad->n &&
		       bad->v[*bi].addr + bad->v[*bi].len <= a->start + p * ps)
			(*bi)++;
		bs = end;
		be = end;
		if (*bi < bad->n) {
			const uint64_t s = (bad->v[*bi].addr - a->start) / ps;

			bs = s > p ? s : p;
			be = s + bad->v[*bi].len / ps;
			if (bs > end)
				bs = end;
			if (be > end)
				be = end;
		}
		if (bs > p)
			ret = msnap_writer_add_copy(w, p, bs - p, MSNAP_PAGE_DATA,
						    data + (p - first) * ps, &merr);
		if (!ret && be > bs) {
			ret = msnap_writer_add(w, bs, be - bs,
					       MSNAP_PAGE_UNREADABLE, NULL, &merr);
			if (bs < a->first_bad)
				a->first_bad = bs;
		}
		p = be;
	}
	if (ret)
		snprintf(err->msg, sizeof(err->msg), "%.400s", merr.msg);
	return ret ? -1 : 0;
}

/* Keyed hashes of count pages at data (unreadable ones hash as read). */
static int hash_pages(struct precopy *pc, struct precopy_area *a,
		      const uint8_t *data, uint64_t count)
{
	uint64_t i;
	void *p = reallocarray(a->khash, a->nkhash + count, sizeof(*a->khash));

	if (!p)
		return -1;
	a->khash = p;
	for (i = 0; i < count; i++)
		a->khash[a->nkhash++] = keyed_hash(pc, data + i * pc->page_size);
	return 0;
}

/* Read the present pages [first, first+count) in buffer-sized pieces. */
static int read_run(struct precopy *pc, struct precopy_area *a,
		    struct mem_reader *mr, struct msnap_writer *w,
		    uint64_t first, uint64_t count, struct progress *prog,
		    struct cap_error *err)
{
	const uint64_t ps = pc->page_size;
	struct bad_list bad = { 0 };
	struct msnap_error merr;
	struct mem_span span;
	uint64_t take, room;
	uint8_t *buf;
	void *slot;
	size_t bi;
	int ret = 0;

	while (count && !ret) {
		/* straight into the writer's chunk: one copy of the page less */
		if (msnap_writer_copy_slot(w, &slot, &room, &merr)) {
			snprintf(err->msg, sizeof(err->msg), "%.400s", merr.msg);
			errno = EIO;    /* the writer failed, not the target */
			ret = -1;
			break;
		}
		buf = slot ? slot : pc->buf;
		if (!slot)
			room = pc->buf_size / ps;
		take = count < room ? count : room;
		span = (struct mem_span){ a->start + first * ps, take * ps, buf };
		bad.n = 0;
		bi = 0;
		if (memread_spans(mr, &span, 1, note_bad, &bad)) {
			ret = -1;       /* errno ESRCH: the target is gone */
			break;
		}
		if (bad.lost) {
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			errno = ENOMEM;
			ret = -1;
			break;
		}
		if (hash_pages(pc, a, buf, take)) {
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			errno = ENOMEM;
			ret = -1;
			break;
		}
		ret = give(pc, a, w, first, take, buf, &bad, &bi, err);
		pc->pages_read += take;
		msnap_progress_add(prog, take * ps);
		first += take;
		count -= take;
		if (signals_caught())
			break;
	}
	free(bad.v);
	return ret;
}

static int read_area(struct precopy *pc, const struct region *r,
		     struct page_scanner *ps, struct mem_reader *mr,
		     struct msnap_writer *w, struct progress *prog,
		     struct cap_error *err)
{
	const uint64_t npages = (r->end - r->start) / pc->page_size;
	struct msnap_error merr;
	struct precopy_area *a;
	struct cap_error cerr;
	size_t i;

	a = new_area(pc);
	if (!a) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	a->start = r->start;
	a->end = r->end;
	a->id = msnap_writer_precopy_count(w);
	/* as the frozen pass does: the vDSO is the kernel's, read it whole */
	if (r->kind == KIND_VDSO) {
		if (page_runs_push(&a->runs, 0, npages, MSNAP_PAGE_DATA))
			goto nomem;
	} else if (pages_classify(ps, r->start, r->end, &a->runs, &cerr)) {
		/* not fatal here: the frozen pass reads this region itself */
		pc->n--;
		page_runs_free(&a->runs);
		return errno == ESRCH ? -1 : 0;
	}
	if (msnap_writer_begin_precopy(w, r->start, r->end, &merr))
		goto writer;
	for (i = 0; i < a->runs.n; i++) {
		const struct msnap_run *run = &a->runs.v[i];

		if (run->state == MSNAP_PAGE_DATA) {
			if (read_run(pc, a, mr, w, run->first, run->count, prog,
				     err)) {
				/* close the area: what it holds stays usable */
				const int saved = errno;

				msnap_writer_end_region(w, &merr);
				errno = saved;
				return -1;
			}
		} else if (msnap_writer_add(w, run->first, run->count,
					    run->state, NULL, &merr)) {
			goto writer;
		}
		if (signals_caught())
			break;
	}
	if (msnap_writer_end_region(w, &merr))
		goto writer;
	return 0;
nomem:
	snprintf(err->msg, sizeof(err->msg), "out of memory");
	return -1;
writer:
	snprintf(err->msg, sizeof(err->msg), "%.400s", merr.msg);
	errno = EIO;
	return -1;
}

/* Where each segment's keyed hashes start: present pages before it. */
static int index_cuts(struct precopy_area *a)
{
	uint64_t n = 0;
	size_t i = 0, k;

	a->hash_at_cut = calloc(a->ncuts + 1, sizeof(*a->hash_at_cut));
	if (!a->hash_at_cut)
		return -1;
	for (k = 0; k <= a->ncuts; k++) {
		const uint64_t at = k ? a->cuts[k - 1] : 0;

		for (; i < a->runs.n && a->runs.v[i].first + a->runs.v[i].count <= at; i++)
			if (a->runs.v[i].state == MSNAP_PAGE_DATA)
				n += a->runs.v[i].count;
		a->hash_at_cut[k] = n;
		if (i < a->runs.n && a->runs.v[i].first < at &&
		    a->runs.v[i].state == MSNAP_PAGE_DATA)
			a->hash_at_cut[k] += at - a->runs.v[i].first;
	}
	return 0;
}

int precopy_run(struct precopy *pc, const struct region_list *regions,
		struct page_scanner *ps, struct mem_reader *mr,
		struct msnap_writer *w, struct progress *prog,
		struct cap_error *err)
{
	const uint64_t t0 = mono_ns();
	struct msnap_error merr;
	int ret = 0, saved;
	size_t i;

	for (i = 0; i < regions->n && !ret && !signals_caught(); i++)
		if (!regions->v[i].skip)
			ret = read_area(pc, &regions->v[i], ps, mr, w, prog, err);
	/* the target may be gone (ESRCH): what was written can still serve */
	saved = errno;
	if (signals_caught() || (ret && saved != ESRCH))
		goto out;               /* the writer failed: err says how */
	if (msnap_writer_sync(w, &merr)) {
		snprintf(err->msg, sizeof(err->msg), "%.400s", merr.msg);
		saved = EIO;
		ret = -1;
		goto out;
	}
	for (i = 0; i < pc->n; i++) {
		pc->v[i].cuts = msnap_writer_precopy_cuts(w, pc->v[i].id,
							  &pc->v[i].ncuts);
		if (index_cuts(&pc->v[i])) {
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			saved = ENOMEM;
			ret = -1;
			break;
		}
	}
out:
	pc->run_ns = mono_ns() - t0;
	errno = saved;
	return ret;
}

/* ---- frozen: verify --------------------------------------------------------- */

/* Walks a run list in page order. */
struct run_cursor {
	const struct msnap_run *v;
	size_t n, i;
};

/* State of page p (not before the last asked) and where its run ends. */
static uint8_t state_at(struct run_cursor *c, uint64_t p, uint64_t *run_end)
{
	while (c->i < c->n && c->v[c->i].first + c->v[c->i].count <= p)
		c->i++;
	if (c->i == c->n || c->v[c->i].first > p) {
		/* not covered: absent up to the next run */
		*run_end = c->i < c->n ? c->v[c->i].first : UINT64_MAX;
		return MSNAP_PAGE_ABSENT;
	}
	*run_end = c->v[c->i].first + c->v[c->i].count;
	return c->v[c->i].state;
}

static struct precopy_area *find_area(struct precopy *pc, uint64_t start)
{
	size_t lo = 0, hi = pc->n;

	/* areas were read in maps order: sorted by start */
	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;

		if (pc->v[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < pc->n && pc->v[lo].start == start ? &pc->v[lo] : NULL;
}

struct verify_walk {
	struct precopy *pc;
	struct precopy_area *a;
	struct mem_reader mr;        /* a copy: its fds are shared, pread is safe */
	struct run_cursor was, now;
	uint64_t hash_at;            /* index in a->khash of the next present page */
	uint8_t *buf;                /* its part of pc->buf */
	uint64_t buf_pages;
	uint64_t verified;
	bool bad;
	bool all;                    /* go on past a changed segment */
	bool *same;                  /* per segment, when all */
	/* walk_segments() on a helper thread */
	size_t k0, k1, first_failed;
};

static void verify_bad(void *arg, uint64_t addr, uint64_t len, int err_no)
{
	struct verify_walk *v = arg;

	(void)addr;
	(void)len;
	(void)err_no;
	v->bad = true;
}

/* Present pages [p, p+count): read them again, compare their keyed hashes. */
static bool same_content(struct verify_walk *v, uint64_t p, uint64_t count)
{
	const uint64_t ps = v->pc->page_size;
	struct mem_span span;
	uint64_t take, i;

	while (count) {
		take = count < v->buf_pages ? count : v->buf_pages;
		span = (struct mem_span){ v->a->start + p * ps, take * ps, v->buf };
		v->bad = false;
		if (memread_spans(&v->mr, &span, 1, verify_bad, v) || v->bad)
			return false;
		for (i = 0; i < take; i++)
			if (!XXH128_isEqual(keyed_hash(v->pc, v->buf + i * ps),
					    v->a->khash[v->hash_at + i]))
				return false;
		v->hash_at += take;
		v->verified += take;
		p += take;
		count -= take;
	}
	return true;
}

/* Are pages [from, to) as they were: same states, same present bytes? */
static bool segment_unchanged(struct verify_walk *v, uint64_t from,
			      uint64_t to)
{
	uint64_t p = from, end_was, end_now, end;
	uint8_t was, now;

	while (p < to) {
		was = state_at(&v->was, p, &end_was);
		now = state_at(&v->now, p, &end_now);
		end = end_was < end_now ? end_was : end_now;
		if (end > to)
			end = to;
		if (was != now ||
		    (was == MSNAP_PAGE_SWAPPED && v->pc->swapped_changed))
			return false;
		if (was == MSNAP_PAGE_DATA && !same_content(v, p, end - p))
			return false;
		p = end;
	}
	return true;
}

static uint64_t cut_start(const struct precopy_area *a, size_t k)
{
	return k ? a->cuts[k - 1] : 0;
}

/*
 * Segments [k0, k1): the first that changed (or k1).  With v->all every
 * one is looked at and v->same[k] says which are unchanged.
 */
static size_t walk_segments(struct verify_walk *v, size_t k0, size_t k1)
{
	size_t k, first = k1;
	bool same;

	for (k = k0; k < k1; k++) {
		v->hash_at = v->a->hash_at_cut[k];
		same = segment_unchanged(v, cut_start(v->a, k), v->a->cuts[k]);
		if (v->all)
			v->same[k] = same;
		if (!same && first == k1) {
			first = k;
			if (!v->all)
				break;
		}
	}
	return first;
}

static void *walk_main(void *arg)
{
	struct verify_walk *v = arg;

	v->first_failed = walk_segments(v, v->k0, v->k1);
	return NULL;
}

#define PARALLEL_MIN_CUTS 8         /* below that a second thread costs more */
/*
 * Read again in pieces that stay in the cache for the hash that follows:
 * the target's memory then crosses the memory bus once.
 */
#define VERIFY_PIECE (256u << 10)

/*
 * The first changed segment of [0, n): two walks, on two cores, one from
 * each half's start.  Without v->all, a change in the first half makes the
 * second's work moot, but the freeze lasts as long as the slower half
 * either way.
 */
static size_t first_changed(struct verify_walk *v, const struct msnap_run *runs,
			    size_t nruns, size_t n)
{
	struct verify_walk h;
	sigset_t all, old;
	pthread_t tid;
	size_t first;

	if (n < PARALLEL_MIN_CUTS || v->pc->ncpu < 2 || !v->buf_pages)
		return walk_segments(v, 0, n);
	h = *v;
	h.buf = v->buf + v->buf_pages * v->pc->page_size;   /* the next piece */
	h.k0 = n / 2;
	h.k1 = n;
	h.was = (struct run_cursor){ v->a->runs.v, v->a->runs.n, 0 };
	h.now = (struct run_cursor){ runs, nruns, 0 };
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);   /* signals stay ours */
	if (pthread_create(&tid, NULL, walk_main, &h)) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return walk_segments(v, 0, n);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	first = walk_segments(v, 0, h.k0);
	pthread_join(tid, NULL);
	v->verified += h.verified;
	return first < h.k0 ? first : h.first_failed;
}

static void init_walk(struct verify_walk *v, struct precopy *pc,
		      struct precopy_area *a, struct mem_reader *mr,
		      const struct msnap_run *runs, size_t nruns)
{
	*v = (struct verify_walk){
		.pc = pc, .a = a, .mr = *mr, .buf = pc->buf,
		.buf_pages = (pc->buf_size < 2 * VERIFY_PIECE ? pc->buf_size / 2 :
			      VERIFY_PIECE) / pc->page_size,
		.was = { a->runs.v, a->runs.n, 0 },
		.now = { runs, nruns, 0 },
	};
}

/* Segments of a that may be kept: inside npages, before any unread page. */
static size_t usable_cuts(const struct precopy_area *a, uint64_t npages)
{
	size_t n = 0;

	while (n < a->ncuts && a->cuts[n] <= npages && a->cuts[n] <= a->first_bad)
		n++;
	return n;
}

void precopy_keep_free(struct precopy_keep *keep)
{
	free(keep->segments);
	memset(keep, 0, sizeof(*keep));
}

void precopy_verify(struct precopy *pc, uint64_t start, uint64_t end,
		    const struct msnap_run *runs, size_t nruns,
		    struct mem_reader *mr, bool whole_segments,
		    struct precopy_keep *keep)
{
	const uint64_t t0 = mono_ns();
	const uint64_t npages = (end - start) / pc->page_size;
	struct precopy_area *a = find_area(pc, start);
	struct verify_walk v;
	size_t n, k, first;

	precopy_keep_free(keep);
	if (!a || (pc->same_bounds_only && a->end != end))
		goto out;
	keep->area = a->id;
	keep->cuts = a->cuts;
	n = usable_cuts(a, npages);
	init_walk(&v, pc, a, mr, runs, nruns);
	if (whole_segments && n) {
		v.all = true;
		v.same = calloc(n, sizeof(*v.same));
		keep->segments = calloc(n, sizeof(*keep->segments));
		if (!v.same || !keep->segments) {
			free(v.same);
			v.all = false;          /* out of memory: the prefix only */
			v.same = NULL;
		}
	}
	first = first_changed(&v, runs, nruns, n);
	keep->prefix = cut_start(a, first);
	keep->prefix_segments = first;
	pc->pages_adopted += keep->prefix;
	for (k = first + 1; v.all && k < n; k++)
		if (v.same[k]) {
			keep->segments[keep->nsegments++] = k;
			pc->pages_adopted += a->cuts[k] - cut_start(a, k);
			pc->segments_kept++;
		}
	free(v.same);
	pc->pages_verified += v.verified;
	if (keep->prefix == npages &&
	    keep->prefix == (a->end - a->start) / pc->page_size)
		pc->regions_whole++;
out:
	pc->verify_ns += mono_ns() - t0;
}

/* Present pages of a that keep takes over. */
static uint64_t present_kept(const struct precopy_area *a,
			     const struct precopy_keep *keep)
{
	uint64_t n;
	size_t i;

	if (!a->hash_at_cut)
		return 0;
	n = a->hash_at_cut[keep->prefix_segments];
	for (i = 0; i < keep->nsegments; i++)
		n += a->hash_at_cut[keep->segments[i] + 1] -
		     a->hash_at_cut[keep->segments[i]];
	return n;
}

uint64_t precopy_estimate_changed(struct precopy *pc, struct mem_reader *mr,
				  bool whole_segments)
{
	const uint64_t t0 = mono_ns();
	const struct precopy saved = *pc;
	struct precopy_keep keep = { 0 };
	uint64_t pages = 0;
	size_t i;

	for (i = 0; i < pc->n && !signals_caught(); i++) {
		struct precopy_area *a = &pc->v[i];

		/* as if frozen now, with the page states of the pre-copy */
		precopy_verify(pc, a->start, a->end, a->runs.v, a->runs.n, mr,
			       whole_segments, &keep);
		pages += a->nkhash - present_kept(a, &keep);
	}
	precopy_keep_free(&keep);
	/* the figures of the manifest are the frozen pass's */
	pc->pages_verified = saved.pages_verified;
	pc->pages_adopted = saved.pages_adopted;
	pc->regions_whole = saved.regions_whole;
	pc->segments_kept = saved.segments_kept;
	pc->verify_ns = saved.verify_ns;
	pc->estimate_ns = mono_ns() - t0;
	pc->changed_estimate = pages;
	return pages * pc->page_size;
}

void precopy_free(struct precopy *pc)
{
	size_t i;

	for (i = 0; i < pc->n; i++) {
		page_runs_free(&pc->v[i].runs);
		free(pc->v[i].khash);
		free(pc->v[i].hash_at_cut);
	}
	free(pc->v);
	if (pc->buf)
		munmap(pc->buf, pc->buf_size);
	memset(pc, 0, sizeof(*pc));
}
