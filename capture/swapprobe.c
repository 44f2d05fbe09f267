// SPDX-License-Identifier: MIT
/*
 * swapprobe.c - prove which /proc/swaps line is which swap type.
 *
 * The swap type in a pagemap entry is the kernel's swap_info[] index.
 * /proc/swaps lists the areas in that order but skips free indexes, so
 * after a swapoff of an area that was not the last, line k is type k no
 * more, and nothing in /proc or /sys says so.  memsnap swaps out one page
 * of its own holding random bytes (MADV_PAGEOUT), reads its own pagemap
 * entry, and looks for those bytes at that slot in each area: the area
 * that holds them has that type.  Lines before it then have smaller types
 * (all known when its line number equals its type); lines after it are
 * assumed to follow on, and are marked unproven.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "swapread.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#define PROBE_TRIES 100                 /* 2 ms apart: writeback is async */

static int own_entry(const void *p, uint64_t ps, uint64_t *ent)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = pread(fd, ent, sizeof(*ent),
		    (off_t)((uintptr_t)p / ps * sizeof(*ent)));
	close(fd);
	return got == (ssize_t)sizeof(*ent) ? 0 : -1;
}

/* Does area a hold want at slot off?  Reads into the bounce buffer. */
static bool holds(struct swap_reader *sr, const struct swap_area *a,
		  uint64_t off, const uint8_t *want)
{
	uint64_t pos;
	int fd;

	if (a->why != SWAP_READ_OK || off >= a->max_pages)
		return false;
	fd = swapext_source(&a->ext, a->fd, off, sr->page_size, &pos);
	return fd >= 0 &&
	       pread(fd, sr->bounce, sr->page_size, (off_t)pos) ==
	       (ssize_t)sr->page_size &&
	       !memcmp(sr->bounce, want, sr->page_size);
}

/* Swap out a page of random bytes; its entry and those bytes. */
static int swap_out_own(struct swap_reader *sr, uint64_t *ent, uint8_t *want,
			void **page)
{
	const struct timespec pause = { 0, 2000000 };
	int i;

	*page = mmap(NULL, sr->page_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*page == MAP_FAILED) {
		*page = NULL;
		return -1;
	}
	if (getrandom(want, sr->page_size, 0) != (ssize_t)sr->page_size)
		return -1;
	memcpy(*page, want, sr->page_size);
	if (madvise(*page, sr->page_size, MADV_PAGEOUT))
		return -1;
	for (i = 0; i < PROBE_TRIES; i++) {
		if (!own_entry(*page, sr->page_size, ent) &&
		    swap_entry_is_swapped(*ent))
			return 0;
		nanosleep(&pause, NULL);
	}
	errno = EAGAIN;
	return -1;
}

/*
 * Line i holds type t.  Types grow with the line, one or more at a time:
 * if t == i, lines 0..i are types 0..i; the lines after are assumed to
 * follow on (t + 1, ...), unproven; before a gap (t > i), unknown.
 */
static void settle_types(struct swap_reader *sr, size_t i, unsigned t)
{
	size_t k;

	for (k = 0; k < sr->n; k++) {
		sr->areas[k].type = k > i ? t + (unsigned)(k - i) :
				    k == i ? t : (unsigned)k;
		sr->areas[k].type_proven = k == i || (k < i && t == i);
	}
}

int swapread_probe(struct swap_reader *sr)
{
	const struct timespec pause = { 0, 2000000 };
	uint8_t *want = malloc(sr->page_size);
	void *page = NULL;
	uint64_t ent = 0;
	size_t i;
	int tries, ret = -1;

	if (!want)
		goto out;
	if (swap_out_own(sr, &ent, want, &page)) {
		snprintf(sr->probe_note, sizeof(sr->probe_note),
			 "no page of memsnap's own could be swapped out: %s",
			 strerror(errno));
		goto out;
	}
	for (tries = 0; tries < PROBE_TRIES; tries++) {
		for (i = 0; i < sr->n; i++)
			if (holds(sr, &sr->areas[i], swap_entry_offset(ent),
				  want)) {
				settle_types(sr, i, swap_entry_type(ent));
				ret = 0;
				goto out;
			}
		nanosleep(&pause, NULL);
	}
	snprintf(sr->probe_note, sizeof(sr->probe_note),
		 "memsnap's own swapped page (type %u, slot %llu) was found in no area",
		 swap_entry_type(ent),
		 (unsigned long long)swap_entry_offset(ent));
out:
	if (page)
		munmap(page, sr->page_size);
	free(want);
	return ret;
}
