/* SPDX-License-Identifier: MIT */
/*
 * progress.h - a one-line progress report on stderr (phase, bar, bytes,
 * rate, ETA), at most 10 updates a second, shared by memsnap and
 * memsnap-analyze.  The caller decides whether it is on (a terminal, no
 * --quiet, no --no-progress); off, every call costs a test and nothing else.
 * msnap_progress_add may be called from several threads at once.
 */
#ifndef MSNAP_PROGRESS_H
#define MSNAP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct progress {
	bool on;
	bool drawn;
	int busy;                   /* one thread draws at a time */
	const char *who;            /* "memsnap", "memsnap-analyze verify" */
	const char *phase;
	uint64_t total;             /* 0: unknown (no bar, no ETA) */
	uint64_t done;              /* updated atomically */
	struct timespec start, last;
};

void msnap_progress_init(struct progress *p, bool on, const char *who);
/* A new phase: drawn at once, so a long job shows from its first second. */
void msnap_progress_phase(struct progress *p, const char *phase, uint64_t total);
void msnap_progress_add(struct progress *p, uint64_t n);
/* Erase the line so that the next message starts on a clean line. */
void msnap_progress_clear(struct progress *p);

#endif
