/* SPDX-License-Identifier: MIT */
/*
 * swapext.h - where each slot of a swap file really is.
 *
 * swapon maps a swap file once (iomap_swapfile_activate in fs/iomap/
 * swapfile.c): it walks the file's extents in order, merges physically
 * adjacent ones, rounds each merged extent inward to whole pages, and
 * numbers the pages that remain as slots 0, 1, ...  Swap I/O then goes
 * straight to those device pages.  So slot k is file page k only when
 * every extent is page aligned on the device (not on a file system with
 * 1 KiB blocks), and the file system never learns of the writes: extents
 * that fallocate left "unwritten" stay so and read as zeros through the
 * file.  This module rebuilds the kernel's slot map from FIEMAP, reads a
 * slot through the file at the matching file offset, and reads slots in
 * unwritten extents from the block device (ext4, xfs: FIEMAP offsets are
 * device offsets), or refuses them.
 */
#ifndef CAPTURE_SWAPEXT_H
#define CAPTURE_SWAPEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct swap_run {               /* slots [slot, slot + count) */
	uint64_t slot, count;
	uint64_t phys;          /* device byte of the first one */
	uint64_t logical;       /* file byte of the first one */
};

struct swap_span {              /* file bytes [start, end), unwritten */
	uint64_t start, end;
};

struct swap_extents {
	bool mapped;            /* FIEMAP gave a map; else slot k = page k */
	struct swap_run *run;   /* by slot */
	size_t nrun;
	uint64_t slots;         /* slots mapped in all */
	struct swap_span *unwritten;    /* by start */
	size_t nunwritten;
	uint64_t phys0;         /* device byte of file byte 0 */
	struct swap_pext {      /* merged extent being built (iomap's pextent) */
		uint64_t phys, logical, len;
	} cur;
	int devfd;              /* O_DIRECT block device, or -1 */
	char note[96];          /* why devfd is -1, when it matters */
};

/* Before anything else: nothing mapped, no device. */
void swapext_init(struct swap_extents *x);

/*
 * The slot map of the swap file fd of size bytes, at most max_slots slots
 * (the header's).  No FIEMAP (a network file system, which does the swap
 * I/O itself through the file): not mapped.  Returns 0, or -1 with note
 * set (an extent whose place is unknown, out of memory).
 */
int swapext_load(struct swap_extents *x, int fd, uint64_t size,
		 uint64_t page_size, uint64_t max_slots);

/*
 * The steps of swapext_load, exposed for the unit tests: take one FIEMAP
 * extent (in file order; end: bytes swapon maps), then finish the map.
 */
struct fiemap_extent;
int swapext_take(struct swap_extents *x, const struct fiemap_extent *e,
		 uint64_t end, uint64_t page_size, uint64_t max_slots);
int swapext_finish(struct swap_extents *x, uint64_t page_size,
		   uint64_t max_slots);

/*
 * When there are unwritten extents: open the block device of st (the swap
 * file's fstat) and check it by reading the header through both the file
 * and the device (scratch: two aligned pages).  Leaves devfd -1 and a note
 * when it cannot.
 */
void swapext_open_device(struct swap_extents *x, int fd,
			 const struct stat *st, uint64_t page_size,
			 uint8_t *scratch);

/*
 * Where slot is read: returns the fd (filefd, or the device for a slot in
 * an unwritten extent) and sets *pos, its byte offset there;
 * SWAPEXT_UNWRITTEN when it lies in an unwritten extent and the device
 * cannot be used, SWAPEXT_PAST_END when the map has no such slot.
 */
#define SWAPEXT_UNWRITTEN (-1)
#define SWAPEXT_PAST_END (-2)
int swapext_source(const struct swap_extents *x, int filefd, uint64_t slot,
		   uint64_t page_size, uint64_t *pos);

void swapext_free(struct swap_extents *x);

#endif
