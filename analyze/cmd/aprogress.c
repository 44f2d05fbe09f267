// SPDX-License-Identifier: MIT
/* aprogress.c - a subcommand's progress line (aprogress.h). */
#include "aprogress.h"

/* The line on screen now: messages erase it first (ana_before_message). */
static struct progress *active;

void ana_before_message(void)
{
	if (active)
		msnap_progress_clear(active);
}

uint64_t ana_stored_bytes(const struct msnap_reader *rd)
{
	const struct msnap_region_info *ri;
	uint32_t i, n = msnap_region_count(rd);
	uint64_t sum = 0;

	for (i = 0; i < n; i++) {
		ri = msnap_region(rd, i);
		if (ri)
			sum += ri->stored_bytes;
	}
	return sum;
}

void ana_progress_begin(struct progress *p, const struct ana_common *co,
			const char *phase, uint64_t total,
			struct msnap_reader *rd)
{
	msnap_progress_init(p, ana_progress_wanted(co), "memsnap-analyze");
	msnap_progress_phase(p, phase, total);
	if (p->on)
		active = p;
	if (rd && p->on)
		msnap_reader_set_progress(rd, p);
}

void ana_progress_end(struct progress *p, struct msnap_reader *rd)
{
	if (rd)
		msnap_reader_set_progress(rd, NULL);
	msnap_progress_clear(p);
	if (active == p)
		active = NULL;
}
