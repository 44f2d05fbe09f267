/* SPDX-License-Identifier: MIT */
/*
 * seed_parent.h - the one parent snapshot the incremental seeds of
 * fuzz_reader are written against.  Deterministic (fixed id, time and
 * content, one writer thread), so that fuzz_reader can write it again at
 * start-up and the seeds' PARENT records find it, whole-file SHA-256
 * included: mutated children then drive the chain resolution too.
 */
#ifndef FUZZ_SEED_PARENT_H
#define FUZZ_SEED_PARENT_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "msnap.h"

#define SEED_PS        4096u
#define SEED_PAGES     8u
#define SEED_START     0x400000ull
#define SEED_PARENT    "seed_parent.msnap"

static void seed_parent_mem(uint8_t *mem)
{
	unsigned i;

	for (i = 0; i < SEED_PAGES * SEED_PS; i++)
		mem[i] = (uint8_t)(i * 29 + i / SEED_PS);
}

/* Write the parent (or, with parent readers, a child of it) to fd. */
static int seed_write(int fd, const uint8_t *mem, struct msnap_reader *parent,
		      const struct msnap_parent_ref *ref)
{
	struct msnap_writer_opts o = { .threads = 1, .chunk_bytes = 2 * SEED_PS,
				       .page_size = SEED_PS, .fd = fd,
				       .created_ns = 1 };
	const char *yaml = "memsnap: {schema: \"1.2\", version: seed}\nregions: []\nerrors: []\n";
	struct msnap_writer *w;
	struct msnap_error e;

	memset(o.capture_id, parent ? 0xc1 : 0xa5, sizeof(o.capture_id));
	if (parent) {
		o.flags = MSNAP_HDR_INCREMENTAL;
		o.parents = &parent;
		o.nparents = 1;
		o.parent = ref;
	}
	if (msnap_writer_create(&w, &o, &e))
		return 1;
	if (msnap_writer_begin_region(w, SEED_START, SEED_START + SEED_PAGES * SEED_PS, &e) ||
	    msnap_writer_add(w, 0, SEED_PAGES, MSNAP_PAGE_DATA, mem, &e) ||
	    msnap_writer_end_region(w, &e) ||
	    msnap_writer_finish(w, yaml, strlen(yaml), NULL, &e)) {
		msnap_writer_free(w);
		return 1;
	}
	msnap_writer_free(w);
	return 0;
}

/* dir/seed_parent.msnap, written afresh. */
static int seed_parent_file(const char *dir)
{
	static uint8_t mem[SEED_PAGES * SEED_PS];
	char path[512];
	int fd, ret;

	seed_parent_mem(mem);
	snprintf(path, sizeof(path), "%s/%s", dir, SEED_PARENT);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return 1;
	ret = seed_write(fd, mem, NULL, NULL);
	close(fd);
	return ret;
}

#endif
