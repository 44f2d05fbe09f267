// SPDX-License-Identifier: MIT
/*
 * fuzz_reader.c - libFuzzer target: any bytes given to the snapshot reader
 * must give a clean error or a consistent reader, never a crash, a hang or
 * an unbounded allocation.  Both open paths (trailer and recovery scan),
 * every accessor, reads of every region, and verify are driven.
 *
 * fuzz-seconds-percent: 90
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "msnap.h"

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
			msnap_close(r);
		}
	}
	close(fd);
	return 0;
}
