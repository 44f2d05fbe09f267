// SPDX-License-Identifier: MIT
/*
 * cow_regions.c - which regions the fork child does not hold as a frozen
 * copy of the instant, so that --cow must copy them from the target while
 * it is still frozen, as the default mode does.
 *
 * fork(2) and madvise(2): MAP_SHARED memory stays shared with the child
 * (the target's later writes show through); MADV_DONTFORK ranges are not
 * in the child at all; MADV_WIPEONFORK ranges are zero-filled there.  A
 * memfd, shmem or SysV mapping is backed by a shared file even when mapped
 * private: pages not yet copied on write show the file's later content.
 */
#include <errno.h>
#include <stdlib.h>

#include "cow.h"

static bool reason_of(const struct region *r, enum cow_copy_reason *why)
{
	/* first the reasons that make the child's view absent or zero */
	if (region_has_vmflag(r, "dc"))
		*why = COW_DONTFORK;
	else if (region_has_vmflag(r, "wf"))
		*why = COW_WIPEONFORK;
	else if (r->perms[3] == 's')
		*why = COW_SHARED;
	else if (r->kind == KIND_SHMEM || r->kind == KIND_MEMFD)
		*why = COW_SHMEM;
	else
		return false;
	return true;
}

int cow_must_copy(const struct region_list *l, struct cow_copy **out,
		  size_t *n)
{
	struct cow_copy *v = NULL, *grown;
	enum cow_copy_reason why;
	size_t i, count = 0, cap = 0;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].skip || !reason_of(&l->v[i], &why))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 8;
			grown = reallocarray(v, cap, sizeof(*v));
			if (!grown) {
				free(v);
				return -ENOMEM;
			}
			v = grown;
		}
		v[count].region = i;
		v[count].why = why;
		count++;
	}
	*out = v;
	*n = count;
	return 0;
}

const char *cow_copy_reason_name(enum cow_copy_reason why)
{
	switch (why) {
	case COW_SHARED:
		return "shared";
	case COW_SHMEM:
		return "shmem";
	case COW_DONTFORK:
		return "dontfork";
	case COW_WIPEONFORK:
		return "wipeonfork";
	}
	return "unknown";
}
