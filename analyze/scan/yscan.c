// SPDX-License-Identifier: MIT
/*
 * yscan.c - the YR_MEMORY_BLOCK_ITERATOR that presents a snapshot's stored
 * memory to libyara (yscan.h).
 *
 * First pass: blocks come from memscan's pipeline (worker threads read
 * ahead while YARA scans).  YARA may walk the blocks again afterwards, to
 * evaluate uint32(addr) and friends or to load a module: that second walk
 * replays the blocks recorded in the first pass and reads each one on
 * demand through the snapshot's own reader, one block held at a time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yscan.h"

struct blockrec {
	uint64_t base;
	size_t size;
};

struct yiter {
	struct snap *s;
	struct mscan *m;
	const struct yscan_opts *o;
	struct yscan_result *res;
	YR_MEMORY_BLOCK block;
	bool started, replay;
	/* first pass */
	const struct mscan_piece *p;
	size_t at;
	double t0, region_t0;
	uint32_t region;
	bool have_region, region_skip;
	/* replay */
	struct blockrec *recs;
	size_t nrecs, cap;
	bool recs_lost;
	size_t replay_at;
	uint8_t *rbuf;
	size_t rbuf_cap;
	int64_t rcached;
	bool zeros_added;
	char read_error[600];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *yscan_strerror(int code)
{
	switch (code) {
	case ERROR_SUCCESS: return "no error";
	case ERROR_INSUFFICIENT_MEMORY: return "out of memory";
	case ERROR_SCAN_TIMEOUT: return "scan timed out";
	case ERROR_TOO_MANY_MATCHES: return "too many matches";
	case ERROR_CALLBACK_ERROR: return "callback error";
	case ERROR_INVALID_ARGUMENT: return "invalid argument";
	case ERROR_COULD_NOT_OPEN_FILE: return "could not open file";
	case ERROR_INVALID_FILE: return "invalid or corrupt compiled rules";
	case ERROR_UNSUPPORTED_FILE_VERSION: return "compiled rules of another YARA version";
	case ERROR_CORRUPT_FILE: return "corrupt compiled rules";
	case ERROR_INVALID_EXTERNAL_VARIABLE_TYPE: return "external variable of another type";
	case ERROR_UNKNOWN_MODULE: return "unknown module";
	case ERROR_INTERNAL_FATAL_ERROR: return "internal fatal error";
	default: return "yara error";
	}
}

static void record(struct yiter *it, uint64_t base, size_t size)
{
	if (it->nrecs == it->cap) {
		size_t cap = it->cap ? 2 * it->cap : 256;
		struct blockrec *v = realloc(it->recs, cap * sizeof(*v));

		if (!v) {
			it->recs_lost = true;
			return;
		}
		it->recs = v;
		it->cap = cap;
	}
	it->recs[it->nrecs++] = (struct blockrec){ base, size };
}

/*
 * The zero stretches never handed to YARA are blocks of a later walk, so
 * uint32(addr) there reads 0 as it would in a live process.  Each is cut
 * in pieces that fit the replay buffer.
 */
static void add_zero_blocks(struct yiter *it)
{
	const struct mscan_range *z;
	size_t n, i;
	uint64_t a, len;

	z = mscan_zeros(it->m, &n);
	for (i = 0; i < n; i++)
		for (a = z[i].start; a < z[i].end; a += len) {
			len = z[i].end - a < MSCAN_PIECE ? z[i].end - a
							 : MSCAN_PIECE;
			record(it, a, (size_t)len);
		}
}

static const uint8_t *fetch_live(YR_MEMORY_BLOCK *b)
{
	return b->context;
}

static const uint8_t *fetch_replay(YR_MEMORY_BLOCK *b)
{
	struct yiter *it = b->context;
	const struct blockrec *r = &it->recs[it->replay_at - 1];
	struct msnap_error err = { 0 };

	if (it->rcached == (int64_t)(it->replay_at - 1))
		return it->rbuf;
	if (r->size > it->rbuf_cap) {
		uint8_t *nb = realloc(it->rbuf, r->size);

		if (!nb)
			return NULL;
		it->rbuf = nb;
		it->rbuf_cap = r->size;
	}
	it->rcached = -1;
	if (msnap_read(it->s->rd, r->base, it->rbuf, r->size, NULL, &err)) {
		snprintf(it->read_error, sizeof(it->read_error), "%s", err.msg);
		return NULL;
	}
	it->rcached = (int64_t)(it->replay_at - 1);
	return it->rbuf;
}

static YR_MEMORY_BLOCK *replay_next(YR_MEMORY_BLOCK_ITERATOR *yi)
{
	struct yiter *it = yi->context;
	const struct blockrec *r;

	yi->last_error = ERROR_SUCCESS;
	if (it->replay_at == it->nrecs && !it->zeros_added) {
		add_zero_blocks(it);
		it->zeros_added = true;
	}
	if (it->replay_at >= it->nrecs)
		return NULL;
	r = &it->recs[it->replay_at++];
	it->block.base = r->base;
	it->block.size = r->size;
	it->block.context = it;
	it->block.fetch_data = fetch_replay;
	return &it->block;
}

/* Take the next piece; false at the end (or after the total timeout). */
static bool next_piece(struct yiter *it)
{
	const double t = now_s();

	for (;;) {
		if (it->o->timeout && t - it->t0 > it->o->timeout) {
			mscan_abandon(it->m, "timeout");
			it->res->timed_out = true;
			return false;
		}
		it->p = mscan_next(it->m);
		it->at = 0;
		if (!it->p)
			return false;
		if (!it->have_region || it->p->region != it->region) {
			it->have_region = true;
			it->region = it->p->region;
			it->region_t0 = t;
			it->region_skip = false;
		} else if (it->o->region_timeout && !it->region_skip &&
			   t - it->region_t0 > it->o->region_timeout) {
			it->region_skip = true;
			it->res->regions_timed_out++;
		}
		if (it->region_skip) {
			mscan_gap(it->m, it->p->region, it->p->addr,
				  it->p->addr + it->p->own, "region timeout");
			continue;
		}
		if (it->p->data)
			return true;
	}
}

static YR_MEMORY_BLOCK *scan_next(YR_MEMORY_BLOCK_ITERATOR *yi)
{
	struct yiter *it = yi->context;
	size_t a, b;

	yi->last_error = ERROR_SUCCESS;
	if (it->replay)
		return replay_next(yi);
	for (;;) {
		if (it->p && mscan_stored(it->p, it->at, &a, &b)) {
			it->at = b;
			it->block.base = it->p->addr + a;
			it->block.size = b - a;
			it->block.context = (void *)(it->p->data + a);
			it->block.fetch_data = fetch_live;
			record(it, it->block.base, it->block.size);
			it->res->blocks++;
			return &it->block;
		}
		if (!next_piece(it)) {
			it->p = NULL;
			it->replay = true;
			return NULL;
		}
	}
}

static YR_MEMORY_BLOCK *scan_first(YR_MEMORY_BLOCK_ITERATOR *yi)
{
	struct yiter *it = yi->context;

	if (!it->started) {
		it->started = true;
		return scan_next(yi);
	}
	/* a later walk (conditions, modules): replay what was scanned */
	it->replay = true;
	it->replay_at = 0;
	return replay_next(yi);
}

struct probe {
	bool unsafe;
};

static int probe_message(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *arg)
{
	struct probe *p = arg;
	const YR_RULES *rules = ctx->rules;
	uint32_t i;

	(void)data;
	if (msg != CALLBACK_MSG_SCAN_FINISHED)
		return CALLBACK_CONTINUE;
	for (i = 0; i < rules->num_strings; i++)
		if (ctx->matches[i].count || ctx->unconfirmed_matches[i].count)
			p->unsafe = true;
	return CALLBACK_CONTINUE;
}

/*
 * Can a string of these rules match inside zeros?  Scan 2 * edge zero
 * bytes once: a string that matches nowhere there matches nowhere in a
 * longer run of zeros either, unless it is tied to an address (`at`) or
 * chained across a jump that could reach outside the run.
 */
static bool zeros_cannot_match(YR_SCANNER *sc, size_t edge)
{
	const YR_RULES *rules = sc->rules;
	struct probe p = { false };
	uint8_t *zeros;
	uint32_t i;
	int r;

	for (i = 0; i < rules->num_strings; i++) {
		const YR_STRING *str = &rules->strings_table[i];

		if (STRING_IS_FIXED_OFFSET(str) || STRING_IS_CHAIN_PART(str) ||
		    STRING_IS_CHAIN_TAIL(str))
			return false;
	}
	zeros = calloc(1, 2 * edge);
	if (!zeros)
		return false;
	yr_scanner_set_callback(sc, probe_message, &p);
	yr_scanner_set_flags(sc, SCAN_FLAGS_PROCESS_MEMORY |
				 SCAN_FLAGS_REPORT_RULES_MATCHING |
				 SCAN_FLAGS_REPORT_RULES_NOT_MATCHING);
	r = yr_scanner_scan_mem(sc, zeros, 2 * edge);
	free(zeros);
	return r == ERROR_SUCCESS && !p.unsafe;
}

int yscan_run(struct snap *s, YR_SCANNER *sc, const struct yscan_opts *o,
	      struct mscan **m, struct yscan_result *res, char *msg,
	      size_t msglen)
{
	struct yiter it = { .s = s, .o = o, .res = res, .rcached = -1 };
	YR_MEMORY_BLOCK_ITERATOR yi = { 0 };
	struct mscan_opts so = o->scan;
	int r, ret = -1;

	memset(res, 0, sizeof(*res));
	*m = NULL;
	if (o->timeout)
		yr_scanner_set_timeout(sc, (int)(2 * o->timeout + 1));
	res->zeros_skipped = zeros_cannot_match(sc, MSCAN_OVERLAP);
	so.zero_edge = res->zeros_skipped ? MSCAN_OVERLAP : 0;
	yr_scanner_set_callback(sc, o->callback, o->callback_arg);
	if (mscan_start(m, s, &so, msg, msglen))
		return -1;
	it.m = *m;
	it.t0 = now_s();
	yi.context = &it;
	yi.first = scan_first;
	yi.next = scan_next;
	yi.file_size = NULL;          /* filesize is undefined, as for a pid */
	yi.last_error = ERROR_SUCCESS;
	yr_scanner_set_flags(sc, SCAN_FLAGS_PROCESS_MEMORY);
	r = yr_scanner_scan_mem_blocks(sc, &yi);
	res->seconds = now_s() - it.t0;
	if (r != ERROR_SUCCESS) {
		if (r == ERROR_SCAN_TIMEOUT && it.p)
			snprintf(msg, msglen,
				 "scan timed out (hard limit %u s) in the block at 0x%llx",
				 2 * o->timeout + 1,
				 (unsigned long long)it.block.base);
		else
			snprintf(msg, msglen, "%s (yara error %d)",
				 yscan_strerror(r), r);
		goto out;
	}
	if (it.recs_lost)
		snprintf(msg, msglen,
			 "out of memory recording blocks: conditions that read memory may miss some");
	if (it.read_error[0])
		snprintf(msg, msglen, "reading a block again: %s",
			 it.read_error);
	ret = 0;
out:
	free(it.recs);
	free(it.rbuf);
	return ret;
}
