// SPDX-License-Identifier: MIT
/*
 * writer_hold.c - an incremental snapshot whose parent is still being
 * hashed (msnap_writer_opts.parent_sha_later).
 *
 * The PARENT record, which carries the parent file's SHA-256, comes right
 * after the header (FORMAT.md 4.9), and the file is written front to
 * back.  Hashing a 500 MB parent first kept a 1 GiB incremental capture
 * waiting ~0.4-0.9 s before it read anything.  Instead a thread hashes it
 * while the capture goes on, and everything after the header is kept here
 * meanwhile, at the offsets it will have: the PARENT record's size is
 * known in advance.  An incremental snapshot is small, so little is held;
 * past HOLD_MAX the writer waits for the hash.
 */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "reader_int.h"
#include "writer_int.h"

#define HOLD_MAX (64u << 20)

static void *hash_parent(void *arg)
{
	struct msnap_writer *w = arg;

	w->hash_ret = msnap_file_sha256(w->opts.parents[0]->fd, w->parent_sha);
	return NULL;
}

/* The PARENT record's bytes in the file, frame header included. */
static uint64_t parent_frame(const struct msnap_writer *w)
{
	return SKIP_HDR_SIZE + PARENT_FIXED + strlen(w->opts.parent->name) +
	       REC_SUM_SIZE;
}

int msnap_wr_hold_start(struct msnap_writer *w, struct msnap_error *err)
{

	/* untouched pages of it cost nothing; it never moves (read back) */
	w->held = malloc(HOLD_MAX);
	if (!w->held)
		return msnap_fail(err, MSNAP_E_NOMEM, -1, "out of memory");
	if (pthread_create(&w->hasher, NULL, hash_parent, w)) {
		free(w->held);
		w->held = NULL;
		return msnap_fail(err, MSNAP_E_NOMEM, -1,
				  "cannot start the parent's hashing thread");
	}
	w->hasher_running = true;
	w->holding = true;
	w->offset += parent_frame(w);
	w->held_from = w->offset;
	return 0;
}

static int join_hasher(struct msnap_writer *w, struct msnap_error *err)
{
	if (w->hasher_running) {
		pthread_join(w->hasher, NULL);
		w->hasher_running = false;
	}
	if (w->hash_ret)
		return msnap_fail(err, MSNAP_E_PARENT, -1,
				  "cannot hash the parent '%s': %s",
				  w->opts.parent->name, strerror(-w->hash_ret));
	return 0;
}

int msnap_wr_hold_release(struct msnap_writer *w, struct msnap_error *err)
{
	const size_t n = w->nheld;
	const uint64_t end = w->offset;
	int ret;

	if (!w->holding)
		return 0;
	ret = join_hasher(w, err);
	if (ret) {
		w->broken = true;
		return ret;
	}
	w->holding = false;
	w->offset = w->held_from - parent_frame(w);
	ret = msnap_wr_write_parent(w, w->parent_sha, err);
	if (!ret && n)
		ret = msnap_wr_emit_raw(w, w->held, n, NULL, 0, err);
	if (!ret && w->offset != end)
		return msnap_fail(err, MSNAP_E_STATE, -1,
				  "held output ends at %llu, not %llu",
				  (unsigned long long)w->offset,
				  (unsigned long long)end);
	return ret;
}

int msnap_wr_hold(struct msnap_writer *w, const struct iovec *iov, int n,
		  struct msnap_error *err)
{
	size_t total = 0, at = w->nheld;
	int i, ret;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (total > HOLD_MAX - at) {
		ret = msnap_wr_hold_release(w, err);
		return ret ? ret : 1;
	}
	for (i = 0; i < n; i++) {
		memcpy(w->held + at, iov[i].iov_base, iov[i].iov_len);
		at += iov[i].iov_len;
	}
	/* a worker reading back a chunk finds it below nheld */
	__atomic_store_n(&w->nheld, at, __ATOMIC_RELEASE);
	w->offset += total;
	return 0;
}

const uint8_t *msnap_wr_held_at(const struct msnap_writer *w, uint64_t off,
				size_t len)
{
	const size_t n = __atomic_load_n(&w->nheld, __ATOMIC_ACQUIRE);

	if (!w->held || off < w->held_from || off - w->held_from > n ||
	    len > n - (off - w->held_from))
		return NULL;
	return w->held + (off - w->held_from);
}

int msnap_writer_parent_sha256(struct msnap_writer *w, uint8_t out[32],
			       struct msnap_error *err)
{
	int ret;

	if (!w->opts.parent)
		return msnap_fail(err, MSNAP_E_STATE, -1, "not incremental");
	if (!w->opts.parent_sha_later) {
		memcpy(out, w->opts.parent->file_sha256, 32);
		return 0;
	}
	ret = msnap_wr_hold_release(w, err);
	if (!ret)
		ret = join_hasher(w, err);
	if (!ret)
		memcpy(out, w->parent_sha, 32);
	return ret;
}

void msnap_wr_hold_free(struct msnap_writer *w)
{
	if (w->hasher_running) {
		pthread_join(w->hasher, NULL);
		w->hasher_running = false;
	}
	free(w->held);
	w->held = NULL;
	w->holding = false;
}
