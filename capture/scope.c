// SPDX-License-Identifier: MIT
/*
 * scope.c - --scope code: read only what the analyzer's check needs, so a
 * whole host can be triaged quickly.  That is executable memory (module
 * text, anonymous or injected code) and every mapping of a module's file
 * (its GOT, init arrays and relocated data live in the non-executable
 * mappings of the same file).  Everything else keeps its layout, registers
 * and page states but not its bytes.
 */
#include <string.h>

#include "maps.h"

static bool is_file_backed(const struct region *r)
{
	return r->inode && (r->kind == KIND_FILE || r->kind == KIND_DELETED);
}

/* Same file as some executable mapping (device and inode). */
static bool of_module(const struct region_list *l, const struct region *r)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct region *x = &l->v[i];

		if (x->perms[2] == 'x' && x->inode == r->inode &&
		    x->dev_major == r->dev_major && x->dev_minor == r->dev_minor)
			return true;
	}
	return false;
}

void maps_scope_code(struct region_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct region *r = &l->v[i];

		if (r->skip || r->perms[2] == 'x')
			continue;
		if (is_file_backed(r) && of_module(l, r))
			continue;
		r->skip = "scope";
	}
}
