// SPDX-License-Identifier: MIT
/*
 * progress.c - the progress line.  Only ever drawn on request or when
 * stderr is a terminal, and rate-limited so it costs nothing measurable.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

#define BAR_WIDTH 24
#define MIN_INTERVAL_NS 100000000ll

void msnap_progress_init(struct progress *p, bool on, const char *who)
{
	memset(p, 0, sizeof(*p));
	p->on = on;
	p->who = who;
}

static long long ns_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000ll + (b->tv_nsec - a->tv_nsec);
}

/* "12.3 MiB/s, ETA 0:42" into buf, from what was done since the phase began. */
static void rate_eta(const struct progress *p, uint64_t done,
		     const struct timespec *now, char *buf, size_t size)
{
	long long ns = ns_between(&p->start, now);
	double rate = ns > 0 ? (double)done * 1e9 / (double)ns : 0;
	unsigned long long eta;

	buf[0] = '\0';
	if (ns < 500000000ll || !done)      /* too early to say */
		return;
	if (!p->total || done >= p->total) {
		snprintf(buf, size, ", %.1f MiB/s", rate / 1048576);
		return;
	}
	eta = (unsigned long long)((double)(p->total - done) / rate);
	snprintf(buf, size, ", %.1f MiB/s, ETA %llu:%02llu", rate / 1048576,
		 eta / 60, eta % 60);
}

static void draw(struct progress *p, const struct timespec *now)
{
	uint64_t done = __atomic_load_n(&p->done, __ATOMIC_RELAXED);
	char bar[BAR_WIDTH + 1], tail[64], line[200];
	unsigned pct, fill, i;
	int n;

	rate_eta(p, done, now, tail, sizeof(tail));
	if (p->total) {
		pct = done >= p->total ? 100 : (unsigned)(done * 100 / p->total);
		fill = pct * BAR_WIDTH / 100;
		for (i = 0; i < BAR_WIDTH; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[BAR_WIDTH] = '\0';
		n = snprintf(line, sizeof(line),
			     "\r%s: %s [%s] %3u%% %llu/%llu MiB%s\033[K",
			     p->who, p->phase, bar, pct,
			     (unsigned long long)(done >> 20),
			     (unsigned long long)(p->total >> 20), tail);
	} else if (!done) {
		n = snprintf(line, sizeof(line), "\r%s: %s\033[K", p->who,
			     p->phase);
	} else {
		n = snprintf(line, sizeof(line), "\r%s: %s %llu MiB%s\033[K",
			     p->who, p->phase, (unsigned long long)(done >> 20),
			     tail);
	}
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
		p->on = false;
	p->drawn = true;
	p->last = *now;
}

void msnap_progress_phase(struct progress *p, const char *phase, uint64_t total)
{
	p->phase = phase;
	p->total = total;
	__atomic_store_n(&p->done, 0, __ATOMIC_RELAXED);
	if (p->on) {
		clock_gettime(CLOCK_MONOTONIC, &p->start);
		draw(p, &p->start);
	}
}

void msnap_progress_add(struct progress *p, uint64_t n)
{
	struct timespec now;

	__atomic_add_fetch(&p->done, n, __ATOMIC_RELAXED);
	if (!p->on || __atomic_exchange_n(&p->busy, 1, __ATOMIC_ACQUIRE))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ns_between(&p->last, &now) >= MIN_INTERVAL_NS)
		draw(p, &now);
	__atomic_store_n(&p->busy, 0, __ATOMIC_RELEASE);
}

void msnap_progress_clear(struct progress *p)
{
	static const char erase[] = "\r\033[K";

	if (p->on && p->drawn && write(STDERR_FILENO, erase, sizeof(erase) - 1) < 0)
		p->on = false;
	p->drawn = false;
}
