/* SPDX-License-Identifier: MIT */
/*
 * parent.h - `memsnap --parent OLD.msnap`: an incremental snapshot.
 *
 * The parent (and its own parents, found beside it) is opened and checked
 * before the target is touched; its whole-file SHA-256 and capture id go
 * into the child (FORMAT.md 4.9).  The writer hashes the parent on a
 * thread of its own while the capture reads (parent_sha_later): ref's
 * file_sha256 is filled from msnap_writer_parent_sha256() before the
 * manifest.  Each compression worker gets a reader of
 * its own, and compares every page it is given with the parent's page at
 * the same address, byte for byte (formats/writer_parent.c): pages equal
 * there are recorded as PARENT and not stored.  With pre-copy that happens
 * while the target runs; only pages re-read while frozen are compared after
 * the thaw, as they are compressed.
 */
#ifndef CAPTURE_PARENT_H
#define CAPTURE_PARENT_H

#include <stdbool.h>
#include <stdint.h>

#include "msnap.h"
#include "target.h"

struct cap_parent {
	struct msnap_reader **rd;    /* one per compression worker */
	unsigned n;
	struct msnap_parent_ref ref; /* what the child records */
	char path[4096];
	int fd;                      /* rd[0]'s, -1 if none */
};

/*
 * Open path as the parent for threads workers: complete, same page size,
 * with memory contents, its chain resolved ($MSNAP_PARENT_DIR, then beside
 * it).  Returns 0 or -1 with err naming the parent.
 */
int parent_open(struct cap_parent *p, const char *path, unsigned threads,
		uint64_t page_size, struct cap_error *err);
void parent_close(struct cap_parent *p);

#endif
