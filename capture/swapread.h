/* SPDX-License-Identifier: MIT */
/*
 * swapread.h - the bytes of a swapped-out page, read from the swap area
 * at the slot its pagemap entry names, without touching the process that
 * owns it (swapping it in would change the evidence).
 *
 * A swapped pagemap entry (Documentation/admin-guide/mm/pagemap.rst) has
 * bit 62 set, the swap type in bits 0-4 and the slot offset (in pages) in
 * bits 5-54; the offsets are only shown to CAP_SYS_ADMIN.  The type is
 * the kernel's swap_info[] index; /proc/swaps lists the areas in that
 * index order (mm/swapfile.c, swap_start/swap_next), skipping free slots.
 */
#ifndef CAPTURE_SWAPREAD_H
#define CAPTURE_SWAPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swapext.h"
#include "target.h"

#define SWAP_PM_SWAPPED (1ull << 62)
#define SWAP_PM_TYPE_BITS 5
#define SWAP_PM_OFFSET_MASK ((1ull << 50) - 1)   /* bits 5-54 */

static inline bool swap_entry_is_swapped(uint64_t e)
{
	return (e & SWAP_PM_SWAPPED) && !(e & (1ull << 63));
}

static inline unsigned swap_entry_type(uint64_t e)
{
	return (unsigned)(e & ((1u << SWAP_PM_TYPE_BITS) - 1));
}

static inline uint64_t swap_entry_offset(uint64_t e)
{
	return (e >> SWAP_PM_TYPE_BITS) & SWAP_PM_OFFSET_MASK;
}

/* Why a swapped page was not read: one code per page. */
enum swap_why {
	SWAP_READ_OK = 0,
	SWAP_WHY_NOT_SWAPPED,   /* the entry is not (or no longer) a swap entry */
	SWAP_WHY_NO_OFFSET,     /* offset 0: pagemap hid it (no CAP_SYS_ADMIN) */
	SWAP_WHY_ZSWAP,         /* zswap may hold the page, compressed in RAM */
	SWAP_WHY_ZRAM,          /* the area is a zram device */
	SWAP_WHY_NO_AREA,       /* no swap area has this type */
	SWAP_WHY_AREA,          /* the area cannot be opened or verified */
	SWAP_WHY_PAST_END,      /* the offset lies past the area's last page */
	SWAP_WHY_NOT_IN_USE,    /* the header, a bad page, or an empty area */
	SWAP_WHY_UNWRITTEN,     /* unwritten extent, its block device unusable */
	SWAP_WHY_SHORT_READ,    /* the read failed or came back short */
	SWAP_WHY_CHANGED,       /* the entry changed while it was read */
	SWAP_WHY_BUDGET,        /* past the memory budget for swapped pages */
	SWAP_WHY_TYPE_UNPROVEN, /* the area's swap type could not be proven */
	SWAP_WHY_N
};

/* "zswap", "zram", ... (stable names for tests) and a sentence. */
const char *swap_why_name(enum swap_why w);
const char *swap_why_text(enum swap_why w);

struct swap_area {
	char path[4096];        /* as /proc/swaps names it, unescaped */
	unsigned type;          /* swap_info index */
	bool type_proven;       /* by swapread_probe, else refused */
	bool is_file;
	uint64_t size_pages;    /* usable pages, /proc/swaps Size */
	uint64_t used_pages;    /* /proc/swaps Used */
	uint64_t max_pages;     /* slots 0..max_pages-1 exist (header) */
	uint32_t bad[640];      /* bad pages listed in the header */
	uint32_t nbad;
	struct swap_extents ext; /* a swap file's unwritten extents */
	int fd;                 /* O_RDONLY | O_DIRECT, or -1 */
	enum swap_why why;      /* SWAP_READ_OK when readable */
	char detail[160];       /* the area's own reason, for the manifest */
};

struct swap_reader {
	struct swap_area *areas;
	size_t n;
	uint64_t page_size;
	enum swap_why all_why;  /* set: every page is refused (zswap) */
	char all_detail[160];
	char probe_note[160];   /* why swapread_probe proved nothing */
	uint8_t *bounce;        /* page aligned, for unaligned destinations */
	size_t bounce_pages;
	uint64_t pages_read, reads;     /* statistics */
};

/*
 * Find and open every swap area of the host (/proc/swaps), check each one's
 * header and whether zswap is in use, and prove which area has which swap
 * type (swapread_probe: one page of memsnap's own goes to swap for a
 * moment).  An area that cannot be used is kept with its reason; only out
 * of memory or an unreadable /proc/swaps fail.
 * Returns 0, or -1 with err filled.
 */
int swapread_open(struct swap_reader *sr, struct cap_error *err);

/*
 * The steps of swapread_open, exposed for the unit tests: the areas of a
 * /proc/swaps text (sr zeroed first), then open and check one of them.
 */
int swapread_parse(struct swap_reader *sr, const char *text,
		   struct cap_error *err);
void swapread_open_area(struct swap_reader *sr, struct swap_area *a);

/*
 * Prove the areas' swap types (swapprobe.c): swap out one page of memsnap's
 * own with random bytes and find it.  Sets type and type_proven of every
 * area; pages of an area whose type is unproven are refused.  Returns 0,
 * or -1 with probe_note saying why nothing was proven.
 */
int swapread_probe(struct swap_reader *sr);

/* The area of a swap type, NULL when there is none. */
const struct swap_area *swapread_area(const struct swap_reader *sr,
				      unsigned type);

/*
 * Read n pages given their raw pagemap entries into dst (n pages), adjacent
 * slots of one area in one read.  why[i] receives SWAP_READ_OK or the
 * reason page i was not read (its bytes in dst are then zero).  Returns
 * the number of pages read; never fails as a whole.
 */
size_t swapread_pages(struct swap_reader *sr, const uint64_t *ent, size_t n,
		      uint8_t *dst, uint8_t *why);

/* The detail text of a refusal of page entry e (area's own, or global). */
const char *swapread_detail(const struct swap_reader *sr, uint64_t e,
			    enum swap_why w);

void swapread_close(struct swap_reader *sr);

#endif
