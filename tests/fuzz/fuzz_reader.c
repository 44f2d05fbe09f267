// SPDX-License-Identifier: MIT
/*
 * fuzz_reader.c - libFuzzer target: any bytes given to the snapshot reader
 * must give a clean error or a consistent reader, never a crash, a hang or
 * an unbounded allocation.  Both open paths (trailer and recovery scan),
 * every accessor, reads of every region, and verify are driven.  An
 * incremental input is also resolved against seed_parent.h's parent,
 * written once to a temporary directory: the seeds made by
 * make_reader_seeds name it, so mutations of them reach the chain code.
 *
 * fuzz-seconds-percent: 90
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "msnap.h"
#include "seed_parent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(struct msnap_reader *r)
{
	const struct msnap_file_info *fi = msnap_info(r);
	struct msnap_verify_report rep;
	struct msnap_error e;
	uint8_t buf[3 * 4096 + 17], st[8];
	uint64_t i;
	uint32_t k;
	size_t len;

	(void)fi;
	(void)msnap_manifest(r, &len);
	for (k = 0; k < msnap_region_count(r); k++) {
		const struct msnap_region_info *ri = msnap_region(r, k);
		uint64_t hash;

		if (!ri || ri->start >= ri->end)
			continue;
		msnap_read(r, ri->start, buf, sizeof(buf) < ri->end - ri->start ?
			   sizeof(buf) : (size_t)(ri->end - ri->start), NULL, &e);
		msnap_read(r, ri->end - 1, buf, 1, st, &e);
		msnap_page_state(r, k, 0, &hash);
		msnap_find_region(r, ri->start + 5);
	}
	for (i = 0; i < msnap_chunk_count(r) && i < 64; i++)
		msnap_chunk(r, i);
	msnap_verify(r, 1, 0, &rep, NULL, NULL, &e);
}

static char dir[64];

static void remove_parent_dir(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, SEED_PARENT);
	unlink(path);
	rmdir(dir);
}

/* The directory that holds the seed parent, NULL if it could not be made. */
static const char *parent_dir(void)
{
	if (!dir[0]) {
		strcpy(dir, "/tmp/fuzz_reader_parent.XXXXXX");
		if (!mkdtemp(dir))
			strcpy(dir, "-");
		else if (atexit(remove_parent_dir) || seed_parent_file(dir))
			return NULL;
	}
	return strcmp(dir, "-") ? dir : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msnap_reader *r;
	struct msnap_error e;
	unsigned mode;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	for (mode = 0; mode < 2; mode++) {
		if (msnap_open(&r, fd, mode ? MSNAP_OPEN_SCAN : 0, &e) == 0) {
			walk(r);
			/* a child: its pages through the parent, if found */
			if (msnap_parent_ref(r) && parent_dir() &&
			    msnap_resolve_parent(r, NULL, parent_dir(), &e) == 0)
				walk(r);
			msnap_close(r);
		}
	}
	close(fd);
	return 0;
}
