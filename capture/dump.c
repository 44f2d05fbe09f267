// SPDX-License-Identifier: MIT
/*
 * dump.c - the capture pipeline.  Everything that can be prepared is
 * prepared before the freeze (output file, writer, a faulted-in copy
 * buffer).  By default the memory is pre-copied first, while the target
 * runs (precopy.c): read, hashed with a secret key, compressed and written.
 * While frozen we classify pages, keep each region's verified pre-copied
 * prefix and copy only the rest into the buffer (--method buffer: all of
 * it); compression and writing happen after the thaw, unless the buffer
 * budget runs out, in which case the rest streams through the writer while
 * still frozen.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>

#include "copybuf.h"
#include "cow.h"
#include "dump.h"
#include "harden.h"
#include "manifest.h"
#include "maps.h"
#include "memread.h"
#include "msnap.h"
#include "output.h"
#include "pages.h"
#include "parent.h"
#include "precopy.h"
#include "progress.h"
#include "signals.h"
#include "storefiles.h"
#include "swapfill.h"
#include "target.h"
#include "freeze.h"

#define MAX_BATCH_SPANS 1024
#define MAX_BATCH_BYTES (64ull << 20)  /* between two looks at the signal flag */
#define MAX_PIECE_BYTES (8ull << 20)   /* largest run copied as one piece */
#define BUFFER_FALLBACK (256ull << 20) /* when MemAvailable is unknown */
#define BUFFER_MIN (1ull << 20)
#define PRECOPY_READ (8ull << 20)      /* its reused read buffer */

struct region_work {
	struct msnap_run *runs;  /* DATA = present, in pieces of <= piece bytes */
	size_t nruns;
	uint8_t **dst;           /* per run: its copy in the buffer, or NULL */
	struct page_runs bad;    /* pages that could not be read */
	size_t bad_cursor;
	struct precopy_keep keep;   /* what it keeps of the pre-copy */
	size_t keep_cursor;         /* kept segments handed to the writer */
	bool from_child;            /* --cow: read from the child, not copied frozen */
};

struct dump {
	const struct cap_options *opt;
	struct output out;
	bool out_open;
	bool keep_partial;       /* the target was touched: the .partial is evidence */
	struct target t;
	bool t_open;
	struct page_scanner ps;
	bool ps_open;
	struct mem_reader mr;
	bool mr_open;
	struct region_list regions;
	struct stored_files files;
	struct region_work *work;
	struct copybuf buf;
	struct precopy pc;
	bool precopy;            /* pc is in use */
	struct swap_fill swap;   /* --read-swap */
	bool swap_open;
	struct msnap_writer *w;
	struct cap_errors errs;
	struct capture_facts facts;
	struct progress prog;
	uint64_t page_size;
	uint64_t piece_pages;
	uint64_t present_bytes;
	uint64_t estimate;       /* present bytes before the freeze (preflight) */
	/* what has been handed to the writer so far */
	size_t feed_region, feed_run;
	bool feed_open;
	/* the current batch of reads */
	struct mem_span spans[MAX_BATCH_SPANS];
	size_t span_region[MAX_BATCH_SPANS], span_run[MAX_BATCH_SPANS];
	size_t nspans;
	uint64_t batch_bytes;
	uint64_t bad_pages, unread_pages;
	struct cap_error err;
	bool write_failed;
	bool bad_list_lost;      /* out of memory recording unreadable pages */
	bool execed;             /* the target called execve while being read */
	/* --cow: the child that holds the instant, read after the thaw */
	bool cow;
	struct cow_child child;
	struct mem_reader child_mr;
	bool child_mr_open;
	uint8_t *child_buf;      /* one small buffer, reused for every piece */
	size_t child_buf_size;
	bool child_lost;         /* it died before everything was read */
	uint64_t must_copy_estimate;    /* present bytes copied while frozen */
	uint64_t frozen_t0;             /* CLOCK_MONOTONIC at the freeze */
	uint8_t sha[32];                /* of the file written */
	struct cow_facts cow_facts;
	struct cap_parent parent;        /* --parent */
	bool parent_open;
};

static int failf(struct dump *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int failf(struct dump *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err.msg, sizeof(d->err.msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int writer_failed(struct dump *d, const struct msnap_error *merr)
{
	d->write_failed = true;
	return failf(d, "%.400s", merr->msg);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A capture tool holding another process's secrets must not leak them. */
static int harden(struct dump *d)
{
	/* main() did it already; again for callers that start here */
	if (harden_self(&d->err))
		return -1;
	if (signals_install())
		return failf(d, "cannot install signal handlers: %s",
			     strerror(errno));
	return 0;
}

/* ---- regions and their pages ---------------------------------------------- */

/* Kinds and skip reasons, then what --scope leaves out. */
static void classify(struct dump *d, struct region_list *l, bool layout_only)
{
	maps_classify(l, layout_only);
	if (d->opt->scope_code)
		maps_scope_code(l);
}

static void mark_thread_stacks(struct dump *d)
{
	struct region *r;
	size_t i;

	for (i = 0; i < d->t.nthreads; i++) {
		const struct thread_state *th = &d->t.threads[i];

		if (!th->regs_ok || th->tid == d->t.pid)
			continue;
		r = maps_find(&d->regions, th->regs.rsp);
		if (r && r->kind == KIND_ANON)
			r->kind = KIND_THREAD_STACK;
	}
}

/* Runs of the region, present runs cut into pieces the buffer can hold. */
static int split_runs(struct dump *d, struct region_work *wk,
		      const struct page_runs *pr)
{
	size_t n = 0, i, k = 0;
	uint64_t at, left, len;

	for (i = 0; i < pr->n; i++)
		n += pr->v[i].state == MSNAP_PAGE_DATA ?
			(size_t)((pr->v[i].count + d->piece_pages - 1) /
				 d->piece_pages) : 1;
	wk->runs = calloc(n ? n : 1, sizeof(*wk->runs));
	wk->dst = calloc(n ? n : 1, sizeof(*wk->dst));
	if (!wk->runs || !wk->dst)
		return failf(d, "out of memory");
	for (i = 0; i < pr->n; i++) {
		if (pr->v[i].state != MSNAP_PAGE_DATA) {
			wk->runs[k++] = pr->v[i];
			continue;
		}
		for (at = pr->v[i].first, left = pr->v[i].count; left;
		     at += len, left -= len) {
			len = left < d->piece_pages ? left : d->piece_pages;
			wk->runs[k].first = at;
			wk->runs[k].count = len;
			wk->runs[k].state = MSNAP_PAGE_DATA;
			k++;
		}
	}
	wk->nruns = k;
	return 0;
}

/*
 * Which pages of a private file mapping are the process's own copies: code
 * that was written holds an anonymous page even when its bytes match the
 * file again, and only the page tables still say so.  Not fatal.
 */
static int note_private_copies(struct dump *d, size_t i, struct page_runs *pr)
{
	struct region *r = &d->regions.v[i];
	struct cap_error cerr;

	if ((r->kind != KIND_FILE && r->kind != KIND_DELETED) ||
	    r->perms[3] != 'p')
		return 0;
	if (pages_private_copies(&d->ps, r->start, r->end, pr, &cerr)) {
		errors_add(&d->errs, "procfs", (int)i, r->start, r->end, errno,
			   0, "%s", cerr.msg);
		return 0;
	}
	if (!pr->n)
		return 0;
	r->private_copies = malloc(pr->n * sizeof(*pr->v));
	if (!r->private_copies)
		return failf(d, "out of memory");
	memcpy(r->private_copies, pr->v, pr->n * sizeof(*pr->v));
	r->nprivate_copies = pr->n;
	return 0;
}

static bool gone(const struct dump *d)
{
	return d->facts.target_exited || d->execed;
}

/*
 * The target's address space went away under us: it exited, or (read
 * live) one of its threads called execve.  An exec leaves a process with a
 * new, live address space; a dying one gets none.  Waits up to ~200 ms.
 */
static void note_gone(struct dump *d)
{
	const struct timespec pause = { 0, 2000000 };
	struct mem_reader fresh;
	struct cap_error cerr;
	bool live;
	int i;

	if (gone(d))
		return;
	for (i = 0; i < 100 && target_same(&d->t); i++) {
		if (!memread_open(&fresh, d->t.mm_pid, d->t.mmfd, &cerr)) {
			live = fresh.memfd >= 0 && !memread_mm_gone(&fresh);
			memread_close(&fresh);
			if (live) {
				d->execed = true;
				return;
			}
		}
		nanosleep(&pause, NULL);
	}
	d->facts.target_exited = true;
}

/* Classify every region that is read at all; errors make it unreadable. */
static int classify_all(struct dump *d)
{
	struct page_runs pr = { 0 };
	struct cap_error cerr;
	size_t i;
	int ret = -1;

	d->work = calloc(d->regions.n ? d->regions.n : 1, sizeof(*d->work));
	if (!d->work)
		return failf(d, "out of memory");
	d->present_bytes = 0;
	for (i = 0; i < d->regions.n; i++) {
		const struct region *r = &d->regions.v[i];
		const uint64_t npages = (r->end - r->start) / d->page_size;

		if (r->skip)
			continue;
		if (r->kind == KIND_VDSO) {
			/*
			 * The vDSO's pages are the kernel's own, shared by
			 * every process: reading one that this process has
			 * not touched yet allocates nothing in it, and a
			 * debugger needs the whole image to unwind.
			 */
			pr.n = 0;
			if (page_runs_push(&pr, 0, npages, MSNAP_PAGE_DATA)) {
				failf(d, "out of memory");
				goto out;
			}
		} else if (pages_classify(&d->ps, r->start, r->end, &pr, &cerr)) {
			if (errno == ESRCH || !target_same(&d->t)) {
				note_gone(d);
				break;
			}
			errors_add(&d->errs, "procfs", (int)i, r->start, r->end,
				   errno, 0, "%s", cerr.msg);
			pr.n = 0;
			if (page_runs_push(&pr, 0, npages,
					   MSNAP_PAGE_UNREADABLE)) {
				failf(d, "out of memory");
				goto out;
			}
			d->bad_pages += npages;
		}
		if (split_runs(d, &d->work[i], &pr))
			goto out;
		d->present_bytes += page_runs_count(&pr, MSNAP_PAGE_DATA) *
				    d->page_size;
		if (note_private_copies(d, i, &pr))   /* reuses pr */
			goto out;
	}
	ret = 0;
out:
	page_runs_free(&pr);
	return ret;
}

/* Is page p in a range the region keeps from the pre-copy?  *end: its end. */
static bool kept_at(const struct precopy_keep *kp, uint64_t p, size_t *seg,
		    uint64_t *end)
{
	if (p < kp->prefix) {
		*end = kp->prefix;
		return true;
	}
	while (*seg < kp->nsegments && kp->cuts[kp->segments[*seg]] <= p)
		(*seg)++;
	if (*seg == kp->nsegments) {
		*end = UINT64_MAX;
		return false;
	}
	if (p >= (kp->segments[*seg] ? kp->cuts[kp->segments[*seg] - 1] : 0)) {
		*end = kp->cuts[kp->segments[*seg]];
		return true;
	}
	*end = kp->segments[*seg] ? kp->cuts[kp->segments[*seg] - 1] : 0;
	return false;
}

/* Cut the kept ranges out of the region's runs: the rest is read now. */
static int drop_kept(struct dump *d, struct region_work *wk)
{
	struct msnap_run *v = NULL;
	size_t i, n = 0, cap = 0, seg = 0;
	uint64_t p, end, stop;
	bool kept;

	if (!wk->keep.prefix && !wk->keep.nsegments)
		return 0;
	for (i = 0; i < wk->nruns; i++) {
		const struct msnap_run *r = &wk->runs[i];

		for (p = r->first; p < r->first + r->count; p = stop) {
			kept = kept_at(&wk->keep, p, &seg, &end);
			stop = end < r->first + r->count ? end : r->first + r->count;
			if (kept)
				continue;
			if (n == cap) {
				void *q;

				cap = cap ? cap * 2 : wk->nruns + 8;
				q = reallocarray(v, cap, sizeof(*v));
				if (!q) {
					free(v);
					return failf(d, "out of memory");
				}
				v = q;
			}
			v[n++] = (struct msnap_run){ p, stop - p, r->state };
		}
	}
	free(wk->runs);
	free(wk->dst);
	wk->runs = v;
	wk->nruns = n;
	wk->dst = calloc(n ? n : 1, sizeof(*wk->dst));
	if (!wk->dst)
		return failf(d, "out of memory");
	return 0;
}

/*
 * Frozen: keep each region's pre-copied prefix that is proven unchanged;
 * only the rest is copied now.
 */
static int keep_verified(struct dump *d)
{
	const bool whole = msnap_writer_can_adopt_chunks(d->w);
	struct region_work *wk;
	size_t i, k;

	if (!d->precopy)
		return 0;
	msnap_progress_phase(&d->prog, "frozen: verifying", 0);
	for (i = 0; i < d->regions.n && !gone(d) && !signals_caught(); i++) {
		const struct region *r = &d->regions.v[i];

		wk = &d->work[i];
		if (r->skip || !wk->nruns)
			continue;
		precopy_verify(&d->pc, r->start, r->end, wk->runs, wk->nruns,
			       &d->mr, whole, &wk->keep);
		if (drop_kept(d, wk))
			return -1;
	}
	d->present_bytes = 0;
	for (i = 0; i < d->regions.n; i++)
		for (k = 0, wk = &d->work[i]; k < wk->nruns; k++)
			if (wk->runs[k].state == MSNAP_PAGE_DATA)
				d->present_bytes += wk->runs[k].count * d->page_size;
	d->pc.pages_copied = d->present_bytes / d->page_size;
	return 0;
}

/*
 * --read-swap: each swapped page is read from its slot in the swap area,
 * never through the target (that would swap it in, changing it).  What was
 * read becomes DATA runs whose bytes are already in place (copy_all skips
 * them); what could not be read stays SWAPPED, the reason in errors.  Runs
 * after classify_all, while frozen: the slots belong to the target's pages
 * as long as it cannot run.  Its memory is bounded like the copy buffer's.
 */
static int read_swapped(struct dump *d)
{
	uint64_t budget = d->opt->max_buffer;
	size_t i;

	if (!d->opt->read_swap || d->opt->layout_only || gone(d))
		return 0;
	if (!budget)
		budget = copybuf_default_budget();
	swapfill_init(&d->swap, budget ? budget : BUFFER_FALLBACK);
	d->swap_open = true;
	for (i = 0; i < d->regions.n && !gone(d); i++) {
		struct region_work *wk = &d->work[i];

		if (!d->regions.v[i].skip &&
		    swapfill_region(&d->swap, &d->ps, &d->regions.v[i], (int)i,
				    &wk->runs, &wk->dst, &wk->nruns, &d->errs,
				    &d->err))
			return -1;
	}
	return 0;
}

/* ---- reading ------------------------------------------------------------------ */

static void on_bad_pages(void *arg, uint64_t addr, uint64_t len, int err_no)
{
	struct dump *d = arg;
	struct region *r = maps_find(&d->regions, addr);
	struct cap_error_item *last;
	size_t idx;

	if (!r)
		return;
	idx = (size_t)(r - d->regions.v);
	d->bad_pages += len / d->page_size;
	if (page_runs_push(&d->work[idx].bad, (addr - r->start) / d->page_size,
			   len / d->page_size, MSNAP_PAGE_UNREADABLE))
		d->bad_list_lost = true;        /* fails the capture at write time */
	last = d->errs.n ? &d->errs.items[d->errs.n - 1] : NULL;
	if (last && !strcmp(last->what, "read") && last->region == (int)idx &&
	    last->end == addr && last->err_no == err_no) {
		last->end = addr + len;
		return;
	}
	errors_add(&d->errs, "read", (int)idx, addr, addr + len, err_no, 0,
		   "cannot read target memory: %s", strerror(err_no));
}

/*
 * Two cores copy faster than one, and the freeze lasts as long as the copy:
 * a helper thread reads the upper half of a batch (by bytes, cutting a span
 * at a page boundary if need be) with its own reader.  Its unreadable
 * ranges are kept and recorded after ours, so they stay in address order.
 */
#define PARALLEL_MIN_BYTES (8ull << 20)

struct bad_range {
	uint64_t addr, len;
	int err_no;
};

struct copy_half {
	struct mem_reader mr;
	struct mem_span spans[MAX_BATCH_SPANS + 1];
	size_t n;
	struct bad_range *bad;
	size_t nbad, capbad;
	bool lost;
	int ret;
};

static void collect_bad(void *arg, uint64_t addr, uint64_t len, int err_no)
{
	struct copy_half *h = arg;

	if (h->nbad == h->capbad) {
		size_t cap = h->capbad ? h->capbad * 2 : 16;
		void *p = reallocarray(h->bad, cap, sizeof(*h->bad));

		if (!p) {
			h->lost = true;
			return;
		}
		h->bad = p;
		h->capbad = cap;
	}
	h->bad[h->nbad++] = (struct bad_range){ addr, len, err_no };
}

static void *copy_half_main(void *arg)
{
	struct copy_half *h = arg;

	h->ret = memread_spans(&h->mr, h->spans, h->n, collect_bad, h);
	return NULL;
}

/* Move the upper half of d->spans (by bytes) into h; returns spans kept. */
static size_t split_batch(struct dump *d, struct copy_half *h)
{
	const uint64_t half = d->batch_bytes / 2 / d->page_size * d->page_size;
	uint64_t acc = 0;
	size_t i = 0, keep;

	while (i < d->nspans && acc + d->spans[i].len <= half)
		acc += d->spans[i++].len;
	keep = i;
	h->n = 0;
	if (i < d->nspans && half > acc) {
		/* span i straddles the middle: cut it (both parts whole pages) */
		const uint64_t off = half - acc;

		h->spans[h->n++] = (struct mem_span){
			.addr = d->spans[i].addr + off,
			.len = d->spans[i].len - off,
			.dst = d->spans[i].dst + off,
		};
		d->spans[i].len = off;
		keep = ++i;
	}
	for (; i < d->nspans; i++)
		h->spans[h->n++] = d->spans[i];
	return keep;
}

static int read_batch(struct dump *d)
{
	/* static: too big for the stack; per thread: a group reads several
	 * members at once, each on its own thread */
	static __thread struct copy_half h;
	sigset_t all, old;
	pthread_t tid;
	size_t keep, i;
	int ret, err_no;

	if (d->batch_bytes < PARALLEL_MIN_BYTES || d->nspans == 0 ||
	    sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return memread_spans(&d->mr, d->spans, d->nspans, on_bad_pages, d);
	const uint64_t vm0 = d->mr.bytes_vm, mem0 = d->mr.bytes_mem;

	h.mr = d->mr;           /* shares the /proc/PID/mem fd: pread is safe */
	h.nbad = 0;
	h.lost = false;
	h.ret = 0;
	keep = split_batch(d, &h);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);   /* signals stay ours */
	err_no = pthread_create(&tid, NULL, copy_half_main, &h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err_no)
		return memread_spans(&d->mr, d->spans, keep, on_bad_pages, d) ||
		       memread_spans(&d->mr, h.spans, h.n, on_bad_pages, d);
	ret = memread_spans(&d->mr, d->spans, keep, on_bad_pages, d);
	pthread_join(tid, NULL);
	d->mr.bytes_vm += h.mr.bytes_vm - vm0;
	d->mr.bytes_mem += h.mr.bytes_mem - mem0;
	for (i = 0; i < h.nbad; i++)
		on_bad_pages(d, h.bad[i].addr, h.bad[i].len, h.bad[i].err_no);
	if (h.lost)
		d->bad_list_lost = true;
	free(h.bad);
	h.bad = NULL;
	h.capbad = 0;
	return ret || h.ret;
}

static int flush_batch(struct dump *d)
{
	size_t i;

	if (!d->nspans)
		return 0;
	if (read_batch(d)) {
		/* gone mid-batch: nothing of this batch is trustworthy */
		note_gone(d);
		for (i = 0; i < d->nspans; i++)
			d->work[d->span_region[i]].dst[d->span_run[i]] = NULL;
	}
	msnap_progress_add(&d->prog, d->batch_bytes);
	d->nspans = 0;
	d->batch_bytes = 0;
	return 0;
}

/* ---- feeding the writer ------------------------------------------------------ */

/* copy: the writer takes a copy of data (a buffer reused at once) */
static int add_pages(struct dump *d, uint64_t first, uint64_t count,
		     uint8_t state, const uint8_t *data, bool copy)
{
	struct msnap_error merr;

	if (!count)
		return 0;
	if (copy && state == MSNAP_PAGE_DATA ?
	    msnap_writer_add_copy(d->w, first, count, state, data, &merr) :
	    msnap_writer_add(d->w, first, count, state, data, &merr))
		return writer_failed(d, &merr);
	return 0;
}

static int add(struct dump *d, uint64_t first, uint64_t count, uint8_t state,
	       const uint8_t *data)
{
	return add_pages(d, first, count, state, data, false);
}

/* A present run: its bytes, with the pages that failed cut out. */
static int feed_data(struct dump *d, struct region_work *wk,
		     const struct msnap_run *run, const uint8_t *dst, bool copy)
{
	const uint64_t end = run->first + run->count;
	uint64_t pos = run->first, bs, be, bend;
	const struct msnap_run *b;

	while (wk->bad_cursor < wk->bad.n) {
		b = &wk->bad.v[wk->bad_cursor];
		bend = b->first + b->count;
		if (b->first >= end)
			break;
		if (bend <= pos) {
			wk->bad_cursor++;
			continue;
		}
		bs = b->first > pos ? b->first : pos;
		be = bend < end ? bend : end;
		if (add_pages(d, pos, bs - pos, MSNAP_PAGE_DATA,
			      dst + (pos - run->first) * d->page_size, copy) ||
		    add(d, bs, be - bs, MSNAP_PAGE_UNREADABLE, NULL))
			return -1;
		pos = be;
		if (be < bend)
			break;
		wk->bad_cursor++;
	}
	return add_pages(d, pos, end - pos, MSNAP_PAGE_DATA,
			 dst + (pos - run->first) * d->page_size, copy);
}

/* ---- --cow: reading the child ------------------------------------------------ */

/*
 * The child died (killed by someone) before pages [first, first+count) of
 * region ri were read: they are unreadable, one errors entry per region.
 */
static int child_lost(struct dump *d, size_t ri, uint64_t first,
		      uint64_t count)
{
	const struct region *r = &d->regions.v[ri];
	const uint64_t start = r->start + first * d->page_size;
	const uint64_t end = start + count * d->page_size;
	struct cap_error_item *last;

	d->child_lost = true;
	d->bad_pages += count;
	last = d->errs.n ? &d->errs.items[d->errs.n - 1] : NULL;
	if (last && !strcmp(last->what, "cow") && last->region == (int)ri &&
	    last->end == start)
		last->end = end;
	else
		errors_add(&d->errs, "cow", (int)ri, start, end, ESRCH, 0,
			   "the copy-on-write child %d died before these pages "
			   "were read (killed by someone?)",
			   (int)d->child.pid);
	return add(d, first, count, MSNAP_PAGE_UNREADABLE, NULL);
}

/*
 * A present run of a region the child holds as it was at the instant:
 * read it in pieces straight into the writer's chunk buffers (or the one
 * reused buffer when the writer offers none), each piece handed to the
 * writer at once, so memory stays small whatever the target's size.
 */
static int feed_from_child(struct dump *d, size_t ri, size_t k)
{
	struct region_work *wk = &d->work[ri];
	const struct msnap_run *run = &wk->runs[k];
	const uint64_t piece = d->child_buf_size / d->page_size;
	const uint64_t end = run->first + run->count;
	struct msnap_run part = { .state = MSNAP_PAGE_DATA };
	struct msnap_error merr;
	struct mem_span span;
	uint64_t room;
	uint8_t *buf;
	void *slot;

	for (part.first = run->first; part.first < end;
	     part.first += part.count) {
		/* straight into the writer's chunk: its copy becomes a no-op */
		if (msnap_writer_copy_slot(d->w, &slot, &room, &merr))
			return writer_failed(d, &merr);
		buf = slot ? slot : d->child_buf;
		if (!slot)
			room = piece;
		part.count = end - part.first < room ? end - part.first : room;
		if (d->child_lost)
			return child_lost(d, ri, part.first, end - part.first);
		span.addr = d->regions.v[ri].start + part.first * d->page_size;
		span.len = part.count * d->page_size;
		span.dst = buf;
		if (memread_spans(&d->child_mr, &span, 1, on_bad_pages, d)) {
			if (errno != ESRCH)
				return failf(d, "reading the copy-on-write child: %s",
					     strerror(errno));
			return child_lost(d, ri, part.first, end - part.first);
		}
		d->cow_facts.pages_from_child += part.count;
		msnap_progress_add(&d->prog, span.len);
		if (feed_data(d, wk, &part, buf, true))
			return -1;
		if (signals_caught())
			return 0;
	}
	return 0;
}

static int feed_run(struct dump *d, size_t ri, size_t k)
{
	struct region_work *wk = &d->work[ri];
	const struct msnap_run *run = &wk->runs[k];

	switch (run->state) {
	case MSNAP_PAGE_ABSENT:
		return 0;
	case MSNAP_PAGE_DATA:
		if (!wk->dst[k] && wk->from_child)
			return feed_from_child(d, ri, k);
		if (!wk->dst[k]) {
			/* never copied: the target went away first */
			d->unread_pages += run->count;
			return add(d, run->first, run->count,
				   MSNAP_PAGE_UNREADABLE, NULL);
		}
		msnap_progress_add(&d->prog, run->count * d->page_size);
		return feed_data(d, wk, run, wk->dst[k], false);
	default:
		return add(d, run->first, run->count, run->state, NULL);
	}
}

/* Kept segments of region ri that start before page `before`, in order. */
static int adopt_kept(struct dump *d, size_t ri, uint64_t before)
{
	struct region_work *wk = &d->work[ri];
	const struct precopy_keep *kp = &wk->keep;
	struct msnap_error merr;
	size_t k;

	while (wk->keep_cursor < kp->nsegments) {
		k = kp->segments[wk->keep_cursor];
		if ((k ? kp->cuts[k - 1] : 0) >= before)
			break;
		if (msnap_writer_adopt_chunk(d->w, kp->area, k, &merr))
			return writer_failed(d, &merr);
		wk->keep_cursor++;
	}
	return 0;
}

/* Hand the writer every run before (region, run), in address order. */
static int feed_to(struct dump *d, size_t region, size_t run)
{
	struct msnap_error merr;
	const struct region *r;

	while (d->feed_region < d->regions.n &&
	       (d->feed_region < region ||
		(d->feed_region == region && d->feed_run < run))) {
		r = &d->regions.v[d->feed_region];
		if (!d->feed_open) {
			const struct region_work *wk = &d->work[d->feed_region];

			if (wk->keep.prefix ?
			    msnap_writer_begin_adopting(d->w, r->start, r->end,
							wk->keep.area,
							wk->keep.prefix, &merr) :
			    msnap_writer_begin_region(d->w, r->start, r->end,
						      &merr))
				return writer_failed(d, &merr);
			d->feed_open = true;
			d->feed_run = 0;
		}
		while (d->feed_run < d->work[d->feed_region].nruns &&
		       (d->feed_region < region || d->feed_run < run)) {
			if (adopt_kept(d, d->feed_region,
				       d->work[d->feed_region].runs[d->feed_run].first + 1) ||
			    feed_run(d, d->feed_region, d->feed_run))
				return -1;
			d->feed_run++;
		}
		if (d->feed_region == region)
			break;
		if (adopt_kept(d, d->feed_region, UINT64_MAX) ||
		    msnap_writer_end_region(d->w, &merr))
			return writer_failed(d, &merr);
		d->feed_open = false;
		d->feed_region++;
		d->feed_run = 0;
		if (signals_caught())
			return 0;
	}
	return 0;
}

/* The buffer is full while frozen: write out what it holds, then reuse it. */
static int stream_out(struct dump *d, size_t ri, size_t k)
{
	struct msnap_error merr;

	if (flush_batch(d) || feed_to(d, ri, k))
		return -1;
	if (msnap_writer_sync(d->w, &merr))
		return writer_failed(d, &merr);
	copybuf_reset(&d->buf);
	d->facts.streamed_while_frozen = true;
	return 0;
}

static int copy_all(struct dump *d)
{
	const uint64_t t0 = mono_ns();
	struct region_work *wk;
	uint64_t len;
	size_t ri, k;
	uint8_t *p;

	msnap_progress_phase(&d->prog, "frozen: copying", d->present_bytes);
	for (ri = 0; ri < d->regions.n && !gone(d); ri++) {
		wk = &d->work[ri];
		if (wk->from_child)     /* --cow: read after the thaw */
			continue;
		for (k = 0; k < wk->nruns && !gone(d); k++) {
			if (wk->runs[k].state != MSNAP_PAGE_DATA ||
			    wk->dst[k])         /* read from swap already */
				continue;
			len = wk->runs[k].count * d->page_size;
			p = copybuf_take(&d->buf, len);
			if (!p) {
				if (stream_out(d, ri, k))
					return -1;
				if (signals_caught())
					return 0;
				p = copybuf_take(&d->buf, len);
				if (!p)
					return failf(d, "internal error: a %llu-byte piece does not fit the copy buffer",
						     (unsigned long long)len);
			}
			wk->dst[k] = p;
			d->spans[d->nspans].addr = d->regions.v[ri].start +
				wk->runs[k].first * d->page_size;
			d->spans[d->nspans].len = len;
			d->spans[d->nspans].dst = p;
			d->span_region[d->nspans] = ri;
			d->span_run[d->nspans] = k;
			d->nspans++;
			d->batch_bytes += len;
			if (d->nspans == MAX_BATCH_SPANS ||
			    d->batch_bytes >= MAX_BATCH_BYTES) {
				if (flush_batch(d))
					return -1;
				if (signals_caught())
					return 0;
			}
		}
	}
	if (flush_batch(d))
		return -1;
	d->facts.copy_ns = mono_ns() - t0;
	return 0;
}

/* ---- stages ------------------------------------------------------------------- */

/* Is region i of l one that --cow copies while frozen (cow_must_copy)? */
static bool in_copies(const struct cow_copy *v, size_t n, size_t i)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (v[k].region == i)
			return true;
	return false;
}

/*
 * Present bytes of the target; *must_copy: of them, those --cow copies
 * while frozen (which size its copy buffer).
 */
static uint64_t estimate_present(struct dump *d, uint64_t *must_copy)
{
	struct region_list pre = { 0 };
	struct page_runs pr = { 0 };
	struct cap_error cerr;
	struct cow_copy *copies = NULL;
	uint64_t present = 0, copied = 0, n;
	size_t i, ncopies = 0;

	*must_copy = 0;
	if (maps_read(d->t.mmfd, &pre, &cerr))
		return 0;
	classify(d, &pre, false);
	if (d->cow && cow_must_copy(&pre, &copies, &ncopies))
		ncopies = 0;
	for (i = 0; i < pre.n; i++) {
		if (pre.v[i].skip ||
		    pages_classify(&d->ps, pre.v[i].start, pre.v[i].end, &pr,
				   &cerr))
			continue;
		n = page_runs_count(&pr, MSNAP_PAGE_DATA);
		present += n;
		if (in_copies(copies, ncopies, i))
			copied += n;
	}
	free(copies);
	page_runs_free(&pr);
	maps_free(&pre);
	*must_copy = copied * d->page_size;
	return present * d->page_size;
}

static int prepare_buffer(struct dump *d, uint64_t estimate)
{
	uint64_t budget = d->opt->max_buffer, want;

	if (!budget)
		budget = copybuf_default_budget();
	if (!budget)
		budget = BUFFER_FALLBACK;
	/* room for what the target may add between the estimate and the freeze */
	want = estimate + estimate / 8 + (16ull << 20);
	if (want > budget)
		want = budget;
	if (want < BUFFER_MIN && !d->opt->max_buffer)
		want = BUFFER_MIN;
	if (want > SIZE_MAX / 2)
		want = SIZE_MAX / 2;
	if (copybuf_init(&d->buf, (size_t)want, &d->err))
		return -1;
	d->facts.buffer_bytes = d->buf.size;
	d->piece_pages = (d->buf.size < MAX_PIECE_BYTES ? d->buf.size :
			  MAX_PIECE_BYTES) / d->page_size;
	if (!d->piece_pages)
		return failf(d, "copy buffer smaller than a page");
	return 0;
}

/* --cow: the child is read in pieces of at most a run's size. */
static int prepare_child_buffer(struct dump *d)
{
	d->child_buf_size = (size_t)(d->piece_pages * d->page_size);
	d->child_buf = malloc(d->child_buf_size);
	if (!d->child_buf)
		return failf(d, "out of memory for the --cow read buffer");
	memset(d->child_buf, 0, d->child_buf_size);   /* faulted in now */
	return 0;
}

static int create_writer(struct dump *d)
{
	struct msnap_writer_opts wo;
	struct msnap_error merr;

	memset(&wo, 0, sizeof(wo));
	wo.fd = d->out.fd;
	wo.level = d->opt->level;
	wo.threads = d->facts.threads;
	wo.chunk_bytes = d->opt->chunk_bytes;
	wo.page_size = (uint32_t)d->page_size;
	wo.cancel = signals_flag();
	memcpy(wo.capture_id, d->facts.id, sizeof(wo.capture_id));
	wo.created_ns = (uint64_t)d->facts.started.tv_sec * 1000000000ull +
			(uint64_t)d->facts.started.tv_nsec;
	if (d->opt->layout_only)
		wo.flags |= MSNAP_HDR_LAYOUT_ONLY;
	if (d->opt->no_freeze)
		wo.flags |= MSNAP_HDR_LIVE;
	if (d->precopy)
		wo.flags |= MSNAP_HDR_PRECOPY;
	/* --cow streams the child through one reused buffer (format 1.0) */
	wo.copy_pages = d->cow;
	if (d->parent_open) {
		wo.flags |= MSNAP_HDR_INCREMENTAL;
		wo.parents = d->parent.rd;
		wo.nparents = d->parent.n;
		wo.parent = &d->parent.ref;
		wo.parent_sha_later = true;     /* hashed while we read */
	}
	if (msnap_writer_create(&d->w, &wo, &merr))
		return writer_failed(d, &merr);
	return 0;
}

/*
 * The pagemap fd.  While another thread's execve replaces the leader, the
 * process has no address space for a moment (ESRCH): try again shortly.
 */
static int open_scanner(struct dump *d)
{
	const struct timespec pause = { 0, 2000000 };
	int tries;

	for (tries = 0;; tries++) {
		if (!pages_open(&d->ps, d->t.mmfd, &d->err))
			return 0;
		if (errno == EACCES || errno == EPERM) {
			target_explain_eperm(&d->t, &d->err);
			return -1;
		}
		if (errno != ESRCH || tries == 5 || !target_same(&d->t))
			return -1;
		nanosleep(&pause, NULL);
	}
}

/* Everything before the target is stopped. */
static int preflight(struct dump *d)
{
	const struct cap_options *o = d->opt;
	uint64_t estimate = 0;
	long ncpu;

	clock_gettime(CLOCK_REALTIME, &d->facts.started);
	d->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	d->facts.opt = o;
	d->cow = o->method == METHOD_COW;    /* main() refused the rest */
	if (d->cow)
		d->facts.cow = &d->cow_facts;
	d->facts.mode = d->cow ? "cow" : o->layout_only ? "layout-only" :
			o->no_freeze ? "live" : "frozen";
	/* pre-copy needs a freeze to verify against, and memory to copy */
	d->precopy = o->method == METHOD_PRECOPY && !o->layout_only &&
		     !o->no_freeze;
	d->facts.method = o->layout_only ? NULL : d->cow ? "cow" :
			  d->precopy ? "precopy" : "buffer";
	d->facts.chunk_bytes = o->chunk_bytes;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	d->facts.threads = o->threads ? o->threads :
			   ncpu > 0 ? (unsigned)ncpu : 1;
	if (getrandom(d->facts.id, sizeof(d->facts.id), 0) !=
	    (ssize_t)sizeof(d->facts.id))
		return failf(d, "getrandom: %s", strerror(errno));
	if (harden(d))
		return -1;
	/* a missing or altered parent is refused before anything is touched */
	if (o->parent) {
		if (parent_open(&d->parent, o->parent, d->facts.threads,
				d->page_size, &d->err)) {
			parent_close(&d->parent);
			return -1;
		}
		d->parent_open = true;
		d->facts.parent = &d->parent.ref;
	}
	if (output_open(&d->out, o->output, &d->err))
		return -1;
	d->out_open = true;
	/* Reading live needs no attach: another tracer may hold the target. */
	if (target_open_flags(&d->t, o->pid,
			      (o->no_freeze ? TARGET_ALLOW_TRACED : 0) |
			      (target_held() ? TARGET_TRACED_BY_US : 0), &d->err))
		return -1;
	d->t_open = true;
	/* refusals of --cow come before anything is touched or written */
	if (d->cow && cow_preflight(&d->t, &d->err))
		return -1;
	if (open_scanner(d))
		return -1;
	d->ps_open = true;
	d->facts.page_scan = pages_method(&d->ps);
	if (!o->layout_only) {
		if (memread_open(&d->mr, d->t.mm_pid, d->t.mmfd, &d->err))
			return -1;
		d->mr_open = true;
		estimate = estimate_present(d, &d->must_copy_estimate);
		d->estimate = estimate;
	}
	if (d->precopy &&
	    precopy_init(&d->pc, d->page_size, PRECOPY_READ, &d->err))
		return -1;
	d->pc.swapped_changed = o->read_swap;   /* read from swap while frozen */
	d->pc.same_bounds_only = o->parent != NULL;
	if (!o->no_space_check &&
	    output_check_space(&d->out, estimate, &d->err))
		return -1;
	/* with pre-copy, the buffer is sized by what changed meanwhile */
	if (!o->layout_only && !d->precopy &&
	    prepare_buffer(d, d->cow ? d->must_copy_estimate : estimate))
		return -1;
	if (d->cow && prepare_child_buffer(d))
		return -1;
	return create_writer(d);
}

static void thaw(struct dump *d)
{
	struct timespec now;

	if (!d->t_open || !d->t.frozen)
		return;
	target_thaw(&d->t);
	clock_gettime(CLOCK_REALTIME, &now);
	d->facts.thawed_at = now;
}

/*
 * The target called execve between preflight and the freeze: the pagemap
 * and mem fds still name the old, dead address space.  What is frozen now
 * is the new program, whole and consistent: read that one.
 */
static int reopen_if_execed(struct dump *d)
{
	if (!d->mr_open || !memread_mm_gone(&d->mr))
		return 0;
	memread_close(&d->mr);
	d->mr_open = false;
	pages_close(&d->ps);
	d->ps_open = false;
	if (open_scanner(d))
		return -1;
	d->ps_open = true;
	if (memread_open(&d->mr, d->t.mm_pid, d->t.mmfd, &d->err))
		return -1;
	d->mr_open = true;
	return 0;
}

/*
 * While the target runs: read, hash and write every region once.  Nothing
 * here is needed for a correct snapshot (the frozen stage reads what it
 * cannot verify), so a region that cannot be read now is simply left for
 * later; only the writer failing is fatal.
 */
static int precopy_stage(struct dump *d)
{
	struct region_list pre = { 0 };
	struct cap_error cerr;
	int ret = 0;

	if (!d->precopy)
		return 0;
	if (maps_read(d->t.mmfd, &pre, &cerr))
		return prepare_buffer(d, d->estimate);
	classify(d, &pre, false);
	msnap_progress_phase(&d->prog, "pre-copy", d->estimate);
	if (precopy_run(&d->pc, &pre, &d->ps, &d->mr, d->w, &d->prog,
			&cerr) && errno != ESRCH) {
		d->write_failed = true;
		ret = failf(d, "%s", cerr.msg);
	}
	msnap_progress_clear(&d->prog);
	d->facts.precopy = &d->pc;
	maps_free(&pre);
	if (ret || signals_caught())
		return ret;
	return prepare_buffer(d, precopy_estimate_changed(&d->pc, &d->mr,
				msnap_writer_can_adopt_chunks(d->w)));
}

/* ---- --cow: the child's life ------------------------------------------------ */

/*
 * Frozen: make the target fork (cow.h), and open the child for reading.
 * The signal handlers kill it from now on: it must not outlive us.
 */
static int cow_start(struct dump *d)
{
	struct cap_error cerr;
	char path[32];
	int fd, ret;

	signals_watch_cow(&d->child);
	if (cow_fork(&d->t, &d->child, &cerr))
		return failf(d, "--cow: %s", cerr.msg);
	d->cow_facts.child = &d->child;
	snprintf(path, sizeof(path), "/proc/%d", (int)d->child.pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return failf(d, "--cow: cannot open %s: %s", path,
			     strerror(errno));
	ret = memread_open(&d->child_mr, d->child.pid, fd, &cerr);
	close(fd);
	if (ret)
		return failf(d, "--cow: child %d: %s", (int)d->child.pid,
			     cerr.msg);
	d->child_mr_open = true;
	return 0;
}

static uint64_t runs_count(const struct region_work *wk, uint8_t state)
{
	uint64_t n = 0;
	size_t k;

	for (k = 0; k < wk->nruns; k++)
		if (wk->runs[k].state == state)
			n += wk->runs[k].count;
	return n;
}

/*
 * Frozen, after classify_all: every region is read from the child but
 * those it does not hold as they are now (cow_must_copy), which copy_all
 * copies from the target as the default mode does.
 */
static int mark_child_regions(struct dump *d)
{
	struct cow_copy *copies = NULL;
	size_t i, n = 0;

	if (cow_must_copy(&d->regions, &copies, &n))
		return failf(d, "out of memory");
	for (i = 0; i < d->regions.n; i++)
		d->work[i].from_child = !d->regions.v[i].skip &&
					!in_copies(copies, n, i);
	d->cow_facts.regions_copied_frozen = n;
	for (i = 0; i < n; i++)
		d->cow_facts.pages_copied_frozen +=
			runs_count(&d->work[copies[i].region], MSNAP_PAGE_DATA);
	free(copies);
	return 0;
}

static void free_thread_list(struct thread_state *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].xstate);
	free(v);
}

/*
 * The second, short freeze that reaps the killed child.  target_freeze()
 * fills t->threads afresh: the first freeze's list (the instant's
 * registers, for the manifest) is set aside and put back.  If the target
 * exited meanwhile, cow_reap() needs no freeze (init took the zombie).
 */
static int reap_child(struct dump *d, struct cap_error *cerr)
{
	struct thread_state *instant = d->t.threads;
	const size_t ninstant = d->t.nthreads;
	const uint64_t t0 = mono_ns();
	int ret;

	d->t.threads = NULL;
	d->t.nthreads = 0;
	ret = target_freeze(&d->t, cerr);
	if (!ret || !target_same(&d->t))
		ret = cow_reap(&d->t, &d->child, cerr);
	target_thaw(&d->t);
	d->cow_facts.reap_frozen_ns = mono_ns() - t0;
	free_thread_list(d->t.threads, d->t.nthreads);
	d->t.threads = instant;
	d->t.nthreads = ninstant;
	return ret;
}

/*
 * Reading is done (or abandoned): kill the child at once, so that the
 * target pays no more page copies and the child's memory is torn down
 * while the target runs, then reap it.  What cannot be undone is said in
 * errors and in the manifest's intervention.left_behind.
 */
static void end_cow(struct dump *d)
{
	struct cap_error cerr;

	if (d->child_mr_open) {
		memread_close(&d->child_mr);
		d->child_mr_open = false;
	}
	if (d->child.pid <= 0)
		return;
	if (cow_kill(&d->child, &cerr))
		errors_add(&d->errs, "cow", -1, 0, 0, errno, 0, "%s", cerr.msg);
	else
		signals_watch_cow(NULL);        /* dead: nothing left to kill */
	if (reap_child(d, &cerr)) {
		errors_add(&d->errs, "cow", -1, 0, 0, 0, 0,
			   "the copy-on-write child %d is left as a zombie of "
			   "the target: %s", (int)d->child.pid, cerr.msg);
		cap_say("warning: the copy-on-write child %d is left as a zombie "
		    "of pid %d until it reaps it or exits: %s",
		    (int)d->child.pid, (int)d->t.pid, cerr.msg);
	}
}

/* The output is there from now on: the target is about to be touched. */
static int publish_stage(struct dump *d)
{
	if (output_publish(&d->out, &d->err))
		return -1;
	d->keep_partial = true;
	return 0;
}

static int note_frozen(struct dump *d)
{
	clock_gettime(CLOCK_REALTIME, &d->facts.frozen_at);
	d->facts.was_frozen = true;
	return reopen_if_execed(d);
}

/* Stop the target (or list its threads when reading it live). */
static int freeze_stage(struct dump *d)
{
	if (publish_stage(d))
		return -1;
	if (d->opt->no_freeze)
		return target_list_threads(&d->t, &d->err);
	if (target_freeze(&d->t, &d->err))
		return -1;
	d->frozen_t0 = mono_ns();
	return note_frozen(d);
}

/* Frozen: read the layout and the memory of the instant. */
static int read_stage(struct dump *d)
{
	struct cap_error cerr;

	if (signals_caught())
		return 0;
	if (maps_read(d->t.mmfd, &d->regions, &cerr)) {
		if (errno == ESRCH || !target_same(&d->t))
			note_gone(d);
		else
			return failf(d, "%s", cerr.msg);
	}
	classify(d, &d->regions, d->opt->layout_only);
	mark_thread_stacks(d);
	if (classify_all(d) || keep_verified(d) || read_swapped(d))
		return -1;
	/*
	 * --cow forks only now: the layout and page states are the target's
	 * either way (the fork changes neither, and nothing runs meanwhile),
	 * but smaps read before it is cheaper (~12 ms instead of ~20 for
	 * 1 GiB) and its Pss/Shared figures are not skewed by the child.
	 */
	if (d->cow && !gone(d) && (cow_start(d) || mark_child_regions(d)))
		return -1;
	if (!d->opt->layout_only && copy_all(d))
		return -1;
	if (!gone(d) && (!target_same(&d->t) ||
			 (d->mr_open && memread_mm_gone(&d->mr))))
		note_gone(d);
	/* a group is written long after the thaw: its members may be gone */
	if (d->opt->facts_while_frozen &&
	    manifest_begin_frozen(&d->facts, &d->t, &d->errs))
		return failf(d, "out of memory");
	return 0;
}

static void thaw_stage(struct dump *d)
{
	if (!d->facts.was_frozen || !d->t.frozen)
		return;
	thaw(d);
	d->facts.frozen_ns = mono_ns() - d->frozen_t0;
}

/* After the thaw: write everything, then the manifest. */
static int write_stage(struct dump *d, uint8_t sha[32])
{
	struct msnap_error merr;
	char *yaml = NULL;
	size_t len = 0;
	int ret;

	if (d->bad_list_lost)
		return failf(d, "out of memory recording unreadable pages");
	msnap_progress_phase(&d->prog, "writing", d->present_bytes);
	if (feed_to(d, d->regions.n, 0))
		return -1;
	if (signals_caught())
		return 0;
	if (msnap_writer_sync(d->w, &merr))
		return writer_failed(d, &merr);
	msnap_progress_clear(&d->prog);
	if (d->cow)
		end_cow(d);     /* before the manifest, which records it */
	if (d->facts.target_exited && d->unread_pages)
		errors_add(&d->errs, "target", -1, 0, 0, ESRCH, 0,
			   "the target exited during the capture: %llu pages were not read",
			   (unsigned long long)d->unread_pages);
	if (d->execed)
		errors_add(&d->errs, "target", -1, 0, 0, 0, 0,
			   "the target called execve during the capture: "
			   "memory read after it belongs to the new program, "
			   "%llu pages were not read",
			   (unsigned long long)d->unread_pages);
	d->facts.complete = !d->facts.target_exited && !d->bad_pages &&
			    !d->unread_pages && !d->execed;
	if (d->opt->with_files) {
		msnap_progress_phase(&d->prog, "storing mapped files", 0);
		if (files_store(&d->files, &d->regions, d->t.procfd,
				d->opt->case_files, d->w,
				(uint32_t)d->page_size, &d->errs, &d->err))
			return -1;
		msnap_progress_clear(&d->prog);
	}
	if (d->parent_open &&
	    msnap_writer_parent_sha256(d->w, d->parent.ref.file_sha256, &merr))
		return writer_failed(d, &merr);
	ret = manifest_build(&d->facts, &d->t, &d->regions,
			     d->opt->with_files ? &d->files : NULL, d->w,
			     &d->errs, &yaml, &len, &d->err);
	d->facts.early = NULL;          /* manifest_build freed it */
	if (ret)
		return -1;
	if (msnap_writer_finish(d->w, yaml, len, sha, &merr)) {
		free(yaml);
		return writer_failed(d, &merr);
	}
	free(yaml);
	if (output_commit(&d->out, &d->err))
		return -1;
	/* a series' next --parent is this file: its hash is known */
	if (!d->out.is_stdout)
		msnap_file_sha256_remember(d->out.fd, sha);
	return 0;
}

/* ---- the whole -------------------------------------------------------------- */

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGTERM: return "SIGTERM";
	case SIGHUP: return "SIGHUP";
	case SIGQUIT: return "SIGQUIT";
	default: return "a signal";
	}
}

void cap_say(const char *fmt, ...)
{
	va_list ap;

	fputs("memsnap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* What is left behind after a failure, for the message. */
static void say_failure(struct dump *d, const char *what_)
{
	char what[700];
	const char *p;

	if (d->opt->silent_failure)
		return;
	snprintf(what, sizeof(what), "%s%s%s", d->opt->who ? d->opt->who : "",
		 d->opt->who ? ": " : "", what_);
	/* the readers below know only a /proc fd: name the pid here */
	p = strstr(what, "/proc/PID/");
	if (p && d->t.pid) {
		char named[700];

		snprintf(named, sizeof(named), "%.*s/proc/%d/%s",
			 (int)(p - what), what, (int)d->t.pid,
			 p + strlen("/proc/PID/"));
		memcpy(what, named, sizeof(what));
	}
	if (d->out_open && d->keep_partial && !d->out.is_stdout)
		cap_say("%s; partial snapshot left in %s", what,
		    output_leftover(&d->out));
	else if (d->out_open && d->out.is_stdout && (d->keep_partial || d->w))
		/* the pre-copy wrote to it before the target was touched */
		cap_say("%s; the snapshot on standard output is cut short", what);
	else
		cap_say("%s", what);
}

static void discard_unused_output(struct dump *d)
{
	if (d->out_open && !d->keep_partial && !d->out.is_stdout)
		output_discard(&d->out);
}

static int finish(struct dump *d, int ret, const uint8_t sha[32])
{
	char hex[65], what[640];
	int sig;

	thaw(d);        /* first, whatever happened */
	if (d->cow)
		end_cow(d);     /* no-op when done already */
	msnap_progress_clear(&d->prog);
	sig = signals_caught();
	if (sig) {
		if (d->w)
			msnap_writer_abort(d->w);
		discard_unused_output(d);
		snprintf(what, sizeof(what), "interrupted by %s",
			 signal_name(sig));
		say_failure(d, what);
		return 128 + sig;
	}
	if (ret) {
		if (d->w)
			msnap_writer_abort(d->w);
		discard_unused_output(d);
		say_failure(d, d->err.msg);
		return EXIT_FAILED;
	}
	if (!d->facts.complete && !d->opt->quiet) {
		if (d->facts.target_exited)
			cap_say("the target exited during the capture; the snapshot is partial");
		if (d->execed)
			cap_say("the target called execve during the capture; the snapshot is partial");
		if (d->bad_pages)
			cap_say("%llu pages could not be read (listed in the manifest errors)",
			    (unsigned long long)d->bad_pages);
	}
	if (!d->opt->quiet) {
		msnap_hex(sha, 32, hex);
		fprintf(stderr, "sha256 %s  %s\n", hex, d->out.path);
	}
	return d->facts.complete ? EXIT_COMPLETE : EXIT_PARTIAL;
}

static void cleanup(struct dump *d)
{
	size_t i;

	if (d->w)
		msnap_writer_free(d->w);
	if (d->parent_open)
		parent_close(&d->parent);   /* after the writer's workers */
	yout_free(d->facts.early);
	copybuf_free(&d->buf);
	precopy_free(&d->pc);
	if (d->swap_open)
		swapfill_free(&d->swap);
	files_free(&d->files);
	if (d->work)
		for (i = 0; i < d->regions.n; i++) {
			free(d->work[i].runs);
			free(d->work[i].dst);
			page_runs_free(&d->work[i].bad);
			precopy_keep_free(&d->work[i].keep);
		}
	free(d->work);
	maps_free(&d->regions);
	errors_free(&d->errs);
	if (d->mr_open)
		memread_close(&d->mr);
	free(d->child_buf);
	if (d->ps_open)
		pages_close(&d->ps);
	if (d->t_open)
		target_close(&d->t);
	if (d->out_open)
		output_close(&d->out);
}

struct dump *dump_new(const struct cap_options *opt)
{
	struct dump *d = calloc(1, sizeof(*d));
	bool bar;

	if (!d)
		return NULL;
	d->opt = opt;
	bar = opt->progress == PROGRESS_ON ||
	      (opt->progress == PROGRESS_AUTO && !opt->quiet &&
	       isatty(STDERR_FILENO));
	msnap_progress_init(&d->prog, bar, "memsnap");
	return d;
}

int dump_prepare(struct dump *d)
{
	int ret;

	msnap_progress_phase(&d->prog, "starting", 0);
	ret = preflight(d);
	if (!ret && !signals_caught())
		ret = precopy_stage(d);
	return ret;
}

/* A group's frozen time runs from the first interrupt: a true upper bound. */
int dump_freeze_begin(struct dump *d)
{
	if (publish_stage(d))
		return -1;
	if (d->opt->no_freeze)
		return 0;
	d->frozen_t0 = mono_ns();
	return target_freeze_begin(&d->t, &d->err);
}

int dump_freeze_finish(struct dump *d)
{
	if (d->opt->no_freeze)
		return target_list_threads(&d->t, &d->err);
	if (target_freeze_finish(&d->t, &d->err))
		return -1;
	return note_frozen(d);
}

int dump_read_frozen(struct dump *d)
{
	return read_stage(d);
}

void dump_thaw(struct dump *d)
{
	thaw_stage(d);
}

int dump_write(struct dump *d)
{
	return write_stage(d, d->sha);
}

int dump_end(struct dump *d, int ret)
{
	return finish(d, ret, d->sha);
}

void dump_free(struct dump *d)
{
	if (!d)
		return;
	cleanup(d);
	free(d);
}

const char *dump_error(const struct dump *d)
{
	return d->err.msg;
}

const uint8_t *dump_sha256(const struct dump *d)
{
	return d->sha;
}

uint64_t dump_frozen_ns(const struct dump *d)
{
	return d->facts.frozen_ns;
}

bool dump_complete(const struct dump *d)
{
	return d->facts.complete;
}

int dump_run(const struct cap_options *opt)
{
	struct dump *d = dump_new(opt);
	int ret;

	if (!d) {
		cap_say("out of memory");
		return EXIT_FAILED;
	}
	ret = dump_prepare(d);
	if (!ret && !signals_caught())
		ret = freeze_stage(d);
	if (!ret && !signals_caught())
		ret = read_stage(d);
	thaw_stage(d);
	if (!ret && !signals_caught())
		ret = write_stage(d, d->sha);
	ret = finish(d, ret, d->sha);
	dump_free(d);
	return ret;
}
