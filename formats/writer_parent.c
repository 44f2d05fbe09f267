// SPDX-License-Identifier: MIT
/*
 * writer_parent.c - incremental snapshots: is a page the parent's as it is?
 *
 * The decision is made on the bytes: the parent's page is decompressed
 * (from its own chunk, or further up its chain) and compared with memcmp.
 * No stored hash takes part: the target chose the bytes of both captures,
 * so it could craft two pages with the same XXH3-64, and a hash match must
 * never make a changed page "unchanged".
 */
#include <string.h>

#include "reader_int.h"
#include "writer_int.h"

bool msnap_wr_parent_same(struct msnap_reader *p, uint64_t start, uint64_t end,
		 uint64_t page, const uint8_t *data, uint32_t page_size)
{
	const int64_t ri = msnap_find_region(p, start);
	const struct msnap_region_info *pr;
	const uint8_t *theirs;

	if (ri < 0)
		return false;
	pr = msnap_region(p, (uint32_t)ri);
	/* a region moved, grown or shrunk is stored whole */
	if (!pr || pr->start != start || pr->end != end)
		return false;
	/* not DATA there, or unreadable: store ours */
	if (msnap_rd_page_ptr(p, start + page * page_size, &theirs, NULL))
		return false;
	return memcmp(theirs, data, page_size) == 0;
}
