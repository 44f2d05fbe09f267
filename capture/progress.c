// SPDX-License-Identifier: MIT
/*
 * progress.c - the progress bar.  Only ever drawn on request or when
 * stderr is a terminal, and rate-limited so it costs nothing measurable.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

#define BAR_WIDTH 30
#define MIN_INTERVAL_NS 100000000ll

void progress_init(struct progress *p, bool on)
{
	memset(p, 0, sizeof(*p));
	p->on = on;
}

static void draw(struct progress *p)
{
	char bar[BAR_WIDTH + 1];
	unsigned pct = p->total ? (unsigned)(p->done * 100 / p->total) : 100;
	unsigned fill = pct * BAR_WIDTH / 100, i;
	char line[160];
	int n;

	if (pct > 100)
		pct = 100;
	if (fill > BAR_WIDTH)
		fill = BAR_WIDTH;
	for (i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	n = snprintf(line, sizeof(line), "\rmemsnap: %-8s [%s] %3u%% %llu/%llu MiB\033[K",
		     p->phase, bar, pct, (unsigned long long)(p->done >> 20),
		     (unsigned long long)(p->total >> 20));
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		p->on = false;
	p->drawn = true;
}

static bool due(struct progress *p)
{
	struct timespec now;
	long long d;

	clock_gettime(CLOCK_MONOTONIC, &now);
	d = (now.tv_sec - p->last.tv_sec) * 1000000000ll +
	    (now.tv_nsec - p->last.tv_nsec);
	if (p->drawn && d < MIN_INTERVAL_NS)
		return false;
	p->last = now;
	return true;
}

void progress_phase(struct progress *p, const char *phase, uint64_t total)
{
	p->phase = phase;
	p->total = total;
	p->done = 0;
	if (p->on) {
		clock_gettime(CLOCK_MONOTONIC, &p->last);
		draw(p);
	}
}

void progress_add(struct progress *p, uint64_t n)
{
	p->done += n;
	if (p->on && due(p))
		draw(p);
}

void progress_clear(struct progress *p)
{
	static const char erase[] = "\r\033[K";

	if (p->on && p->drawn && write(STDERR_FILENO, erase, sizeof(erase) - 1) < 0)
		p->on = false;
	p->drawn = false;
}
