/* SPDX-License-Identifier: MIT */
/*
 * yscan.h - run a libyara scanner over a snapshot's stored memory, region
 * by region at the process's addresses, as `yara RULES PID` scans a live
 * process (one scan: rule conditions see the whole process).
 *
 * Blocks handed to YARA are the stretches of stored pages (DATA, and ZERO
 * as zeros) of each selected region, in pieces of MSCAN_PIECE bytes that
 * overlap by MSCAN_OVERLAP, so a match crossing a piece boundary is found;
 * YARA keeps one match per address.  Matches longer than the overlap that
 * cross a boundary are the one difference with a live scan.
 *
 * Zero pages: before the scan, the rules are run once over a block of
 * zeros.  If no string can match there (and none is fixed at an address
 * with `at`, or chained across a long jump), the middle of every long run
 * of ZERO pages cannot hold a match and is not handed to YARA; its edges
 * still are, so a match crossing from data into zeros is found.  Later
 * walks (uint32(addr), modules) still see those pages, as zeros.
 *
 * Timeouts: past `timeout` seconds, or `region_timeout` seconds in one
 * region, no more blocks are handed out (of the scan, of that region), the
 * rules are evaluated on what was scanned and the rest is a gap "timeout".
 * YARA's own timeout (twice `timeout`) stops one pathological block.
 */
#ifndef ANA_YSCAN_H
#define ANA_YSCAN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <yara.h>

#include "memscan.h"
#include "snapshot.h"

struct yscan_opts {
	struct mscan_opts scan;
	YR_CALLBACK_FUNC callback;   /* the caller's, for the real scan */
	void *callback_arg;
	unsigned timeout;          /* seconds for the whole scan, 0: none */
	unsigned region_timeout;   /* seconds in one region, 0: none */
};

struct yscan_result {
	bool timed_out;            /* the total timeout stopped the scan */
	uint32_t regions_timed_out;
	uint64_t blocks;           /* blocks handed to YARA */
	bool zeros_skipped;        /* the zero-page proof held (see above) */
	double seconds;
};

/*
 * Scan s with sc (its externals set by the caller; the callback is
 * o->callback).  On
 * return *m holds the gap list and figures (free it with mscan_free()),
 * also after a failure if it got that far.  Returns 0, or -1 with msg.
 */
int yscan_run(struct snap *s, YR_SCANNER *sc, const struct yscan_opts *o,
	      struct mscan **m, struct yscan_result *res, char *msg,
	      size_t msglen);

/*
 * For each non-private match of string str, a copy in m (a YR_MATCH):
 * libyara 4.2 leaves YR_MATCH objects unaligned in its notebook, so they
 * are copied out before any field is read.
 */
#define YSCAN_FOREACH_MATCH(ctx, str, m)                                    \
	for (const uint8_t *raw_ = (const uint8_t *)                         \
		(ctx)->matches[(str)->idx].head;                              \
	     raw_ && (memcpy(&(m), raw_, sizeof(m)), 1);                      \
	     raw_ = (const uint8_t *)(m).next)                                \
		if ((m).is_private)                                           \
			continue;                                             \
		else

/* YARA's text for an error code. */
const char *yscan_strerror(int code);

#endif
