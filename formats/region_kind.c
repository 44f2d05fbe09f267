// SPDX-License-Identifier: MIT
/* region_kind.c - names of the region kinds of a manifest. */
#include "region_kind.h"

static const char *const kind_names[] = {
#define MSNAP_KIND_NAME(id, name) [MSNAP_KIND_##id] = name,
	MSNAP_REGION_KINDS(MSNAP_KIND_NAME)
#undef MSNAP_KIND_NAME
};

const char *msnap_region_kind_name(enum msnap_region_kind k)
{
	if ((unsigned)k >= MSNAP_KIND_COUNT)
		return "other";
	return kind_names[k];
}
