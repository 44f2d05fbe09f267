// SPDX-License-Identifier: MIT
/*
 * trigger_when.c - --when thresholds: resident memory (statm), CPU over
 * the last second (utime+stime of stat), threads (stat), open file
 * descriptors (entries of /proc/PID/fd; the kernel keeps no count).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "target_int.h"
#include "trigger.h"

static const struct {
	const char *name;
	enum when_what what;
} names[] = {
	{ "rss", WHEN_RSS }, { "cpu", WHEN_CPU },
	{ "threads", WHEN_THREADS }, { "fds", WHEN_FDS },
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int when_parse(const char *s, struct when_cond *c, struct cap_error *err)
{
	const char *gt = strchr(s, '>');
	unsigned shift = 0;
	uintmax_t v;
	size_t i, len;
	char *end;

	if (!gt)
		goto bad;
	len = (size_t)(gt - s);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len &&
		    !strncmp(s, names[i].name, len))
			break;
	if (i == sizeof(names) / sizeof(names[0]))
		goto bad;
	c->what = names[i].what;
	if (gt[1] < '0' || gt[1] > '9')
		goto bad;
	errno = 0;
	v = strtoumax(gt + 1, &end, 10);
	if (errno)
		goto bad;
	if (c->what == WHEN_RSS) {
		switch (*end) {
		case 'k': case 'K': shift = 10; end++; break;
		case 'm': case 'M': shift = 20; end++; break;
		case 'g': case 'G': shift = 30; end++; break;
		default: break;
		}
		if (*end == 'i' && shift)
			end++;
		if (*end == 'B' && shift)
			end++;
	} else if (c->what == WHEN_CPU && *end == '%') {
		end++;
	}
	if (*end || v > (UINT64_MAX >> shift))
		goto bad;
	c->limit = (uint64_t)v << shift;
	return 0;
bad:
	tgt_set_err(err, "invalid --when condition '%.100s': use rss>SIZE, "
		    "cpu>N%%, threads>N or fds>N", s);
	return -1;
}

void when_describe(const struct when_cond *c, char *buf, size_t n)
{
	switch (c->what) {
	case WHEN_RSS:
		snprintf(buf, n, "rss>%" PRIu64, c->limit);
		break;
	case WHEN_CPU:
		snprintf(buf, n, "cpu>%" PRIu64 "%%", c->limit);
		break;
	case WHEN_THREADS:
		snprintf(buf, n, "threads>%" PRIu64, c->limit);
		break;
	case WHEN_FDS:
		snprintf(buf, n, "fds>%" PRIu64, c->limit);
		break;
	}
}

int when_open(struct when_state *w, pid_t pid, struct cap_error *err)
{
	char path[32];

	memset(w, 0, sizeof(*w));
	w->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	w->procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->procfd < 0) {
		tgt_set_err(err, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void when_close(struct when_state *w)
{
	if (w->procfd >= 0)
		close(w->procfd);
	w->procfd = -1;
}

static int count_fds(int procfd, uint64_t *n)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	fd = openat(procfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -ENOMEM;
	}
	*n = 0;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			++*n;
	closedir(dir);
	return 0;
}

static int read_rss(int procfd, uint64_t *bytes)
{
	unsigned long long size, resident;
	size_t len;
	char *buf;
	int ret;

	ret = tgt_read_at(procfd, "statm", &buf, &len);
	if (ret)
		return ret;
	ret = sscanf(buf, "%llu %llu", &size, &resident) == 2 ? 0 : -EINVAL;
	free(buf);
	*bytes = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
	return ret;
}

/* CPU percent of one core over the window; false until a window is full. */
static bool cpu_percent(struct when_state *w, uint64_t ticks, uint64_t *pct)
{
	const unsigned cap = sizeof(w->ticks) / sizeof(w->ticks[0]);
	const uint64_t now = mono_ms();
	const long hz = sysconf(_SC_CLK_TCK);
	unsigned i, oldest = cap;

	w->ticks[w->head] = ticks;
	w->at_ms[w->head] = now;
	w->head = (w->head + 1) % cap;
	if (w->nsamples < cap)
		w->nsamples++;
	/* the oldest sample at least a window ago */
	for (i = 0; i < w->nsamples; i++) {
		unsigned k = (w->head + cap - 1 - i) % cap;

		if (now - w->at_ms[k] >= TRIGGER_CPU_WINDOW_MS) {
			oldest = k;
			break;
		}
	}
	if (oldest == cap || hz <= 0 || now == w->at_ms[oldest])
		return false;
	*pct = (ticks - w->ticks[oldest]) * 1000u * 100u / (uint64_t)hz /
	       (now - w->at_ms[oldest]);
	return true;
}

int when_check(struct when_state *w, const struct when_cond *conds,
	       size_t n, char *why, size_t why_len, struct cap_error *err)
{
	struct tgt_stat st;
	uint64_t v = 0, pct = 0;
	bool have_pct = false, hit;
	size_t i;
	int ret;

	ret = tgt_read_stat(w->procfd, "stat", &st);
	if (ret || st.state == 'Z' || st.state == 'X') {
		tgt_set_err(err, "pid %d exited before the trigger fired",
			    (int)w->pid);
		return -1;
	}
	have_pct = cpu_percent(w, st.utime + st.stime, &pct);
	for (i = 0; i < n; i++) {
		switch (conds[i].what) {
		case WHEN_RSS:
			if (read_rss(w->procfd, &v))
				continue;
			break;
		case WHEN_CPU:
			if (!have_pct)
				continue;
			v = pct;
			break;
		case WHEN_THREADS:
			v = st.num_threads;
			break;
		case WHEN_FDS:
			if (count_fds(w->procfd, &v))
				continue;
			break;
		}
		hit = v > conds[i].limit;
		if (hit) {
			char cond[64];

			when_describe(&conds[i], cond, sizeof(cond));
			snprintf(why, why_len, "%s (now %" PRIu64 ")", cond, v);
			return 1;
		}
	}
	return 0;
}
