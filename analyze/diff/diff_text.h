/* SPDX-License-Identifier: MIT */
/*
 * diff_text.h - diff's report for people, read from the document that
 * JSON and YAML render (cmd_diff.c builds it).
 */
#ifndef ANA_DIFF_TEXT_H
#define ANA_DIFF_TEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "output.h"

/* The options that decide what the text leaves out. */
struct diff_text_opts {
	bool all;               /* unchanged regions too */
	bool stat;              /* counts only, no byte ranges */
	uint64_t max_ranges;    /* ranges listed per region unless all */
};

/* 0, or -1 when the document is incomplete (out of memory) or fp fails. */
int diff_print_text(FILE *fp, const struct odoc *d,
		    const struct diff_text_opts *o);

#endif
