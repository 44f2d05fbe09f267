/* SPDX-License-Identifier: MIT */
/*
 * hexline.h - small renderings of snapshot bytes shared by yara, search
 * and strings: a hex/ASCII excerpt, a hex string, the "not scanned" list.
 */
#ifndef ANA_HEXLINE_H
#define ANA_HEXLINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memscan.h"
#include "output.h"
#include "snapshot.h"

/* "4d 53 4e  |MSN|": at most max bytes of b, "..." when n > max. */
void hex_excerpt(FILE *fp, const uint8_t *b, size_t n, size_t max);

/* Lowercase hex of n bytes, malloc'd (NULL on ENOMEM). */
char *hex_string(const uint8_t *b, size_t n);

/* The region's path, escaped, or "-" when it has none. */
void put_region_path(FILE *fp, const struct snap *s, int64_t region);

/* Text: a summary line and up to max_lines gaps, each prefixed "# ". */
void gaps_text(FILE *fp, const struct snap *s, struct mscan *m,
	       size_t max_lines);
/* Structured: key "not_scanned", one map per gap. */
void gaps_doc(struct onode *parent, const struct snap *s, struct mscan *m);

/* Figures of the scan: key "scanned". */
void scanned_doc(struct onode *parent, struct mscan *m);

/* "" when s is complete, else why it is not (for a warning). */
const char *snap_incomplete(const struct snap *s, char *buf, size_t len);

#endif
