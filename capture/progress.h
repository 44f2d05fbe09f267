/* SPDX-License-Identifier: MIT */
/* progress.h - a one-line progress bar on stderr, at most 10 updates/s. */
#ifndef CAPTURE_PROGRESS_H
#define CAPTURE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct progress {
	bool on;
	bool drawn;
	const char *phase;
	uint64_t total, done;
	struct timespec last;
};

void progress_init(struct progress *p, bool on);
void progress_phase(struct progress *p, const char *phase, uint64_t total);
void progress_add(struct progress *p, uint64_t n);
/* Erase the bar so that the next message starts on a clean line. */
void progress_clear(struct progress *p);

#endif
