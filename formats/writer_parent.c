// SPDX-License-Identifier: MIT
/*
 * writer_parent.c - incremental snapshots: is a page the parent's as it is?
 *
 * The decision is made on the bytes: the parent's page is read (from its
 * own chunk, or further up its chain) and compared with memcmp.  The
 * parent's stored XXH3-64 page hash only rules pages out quickly: the
 * target chose the bytes of both captures, so it could craft two pages
 * with the same 64-bit hash, and a hash match alone must never make a
 * changed page "unchanged".
 */
#include <string.h>

#include "writer_int.h"

bool parent_same(struct msnap_reader *p, uint64_t start, uint64_t end,
		 uint64_t page, const uint8_t *data, uint64_t hash,
		 uint8_t *tmp, uint32_t page_size)
{
	const int64_t ri = msnap_find_region(p, start);
	const struct msnap_region_info *pr;
	uint64_t want;

	if (ri < 0)
		return false;
	pr = msnap_region(p, (uint32_t)ri);
	/* a region moved, grown or shrunk is stored whole */
	if (!pr || pr->start != start || pr->end != end)
		return false;
	if (msnap_page_state(p, (uint32_t)ri, page, &want) != MSNAP_PAGE_DATA)
		return false;
	if (WRITER_HASHES && want != hash)
		return false;
	if (msnap_read(p, start + page * page_size, tmp, page_size, NULL, NULL))
		return false;   /* unreadable parent page: store ours */
	return memcmp(tmp, data, page_size) == 0;
}
