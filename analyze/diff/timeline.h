/* SPDX-License-Identifier: MIT */
/*
 * timeline.h - regions followed across a series of snapshots (matched
 * pair by pair as diff matches them, ASLR-aware), and its picture.
 */
#ifndef ANA_TIMELINE_H
#define ANA_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match.h"

/* One region followed through the series. */
struct tl_track {
	char *label;                /* path, name, or role@address */
	char *module;               /* the mapped file it belongs to, or NULL */
	enum region_role role;
	size_t born, gone;          /* first snapshot, one past the last */
	uint64_t *size;             /* per snapshot, bytes; 0 when absent */
	uint64_t *present;          /* present (stored + zero) bytes */
	uint64_t *changed;          /* pages whose hash differs from the previous */
	bool grows_only;            /* a leak suspect */
	uint64_t growth;            /* present bytes, last minus first */
};

struct timeline {
	size_t nsnap;
	const char **files;
	struct tl_track *t;
	size_t n;
	size_t *suspects;           /* track indexes, most growth first */
	size_t nsuspects;
};

/* The stacked picture: an SVG document; html wraps it in a page. */
int timeline_svg(const struct timeline *tl, bool html, int fd);

#endif
