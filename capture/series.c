// SPDX-License-Identifier: MIT
/*
 * series.c - several captures of one process into a directory, each when
 * its trigger fires: a period (--every), thresholds (--when), a signal
 * (--on-signal), the exit (--at-exit), after the process appeared
 * (--wait-name).  Each capture is a whole dump_run() of its own, so every
 * file is complete or left as NAME.partial exactly as a single capture
 * would.  A stop signal ends the series: the capture under way finishes
 * its thaw, the target runs on, the files written stay whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "series.h"
#include "signals.h"
#include "trigger.h"
#include "freeze.h"

#define DEFAULT_GAP_MS 10000    /* between two --when captures, as ProcDump */

struct series {
	const struct cap_options *base;
	const char *dir;
	pid_t pid;
	uint64_t done;              /* snapshots written (complete or partial) */
	uint64_t want;              /* 0: until stopped */
	int worst;                  /* EXIT_COMPLETE or EXIT_PARTIAL so far */
	/*
	 * The previous snapshot's path, "" before the first: an incremental
	 * series takes each capture against it.
	 */
	char prev[PATH_MAX];
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000l };

	nanosleep(&ts, NULL);   /* a stop signal ends it early: fine */
}

/* DIR/snap-SEQ-TIME.msnap: sorted by name is sorted by time. */
static int shot_path(const struct series *s, uint64_t seq, char *buf,
		     size_t n)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	int len;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%S", &tm);
	len = snprintf(buf, n, "%s/snap-%04" PRIu64 "-%s.%03ldZ.msnap", s->dir,
		       seq, when, ts.tv_nsec / 1000000l);
	return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* One capture.  Returns dump_run()'s status. */
static int shoot(struct series *s, const char *reason, const char *cost)
{
	struct series_shot shot = { s->done + 1, reason, cost };
	struct cap_options o = *s->base;
	char path[PATH_MAX];
	int ret;

	if (shot_path(s, shot.seq, path, sizeof(path))) {
		cap_say("output directory name too long: %s", s->dir);
		return EXIT_FAILED;
	}
	o.pid = s->pid;
	o.output = path;
	o.shot = &shot;
	/* with --parent, each snapshot after the first is stored against the one before */
	if (o.parent && s->prev[0])
		o.parent = s->prev;
	if (!o.quiet)
		cap_say("snapshot %" PRIu64 " of pid %d: %s", shot.seq,
		    (int)s->pid, reason);
	ret = dump_run(&o);
	signals_unhold();       /* the commit held them; the series goes on */
	if (ret == EXIT_COMPLETE || ret == EXIT_PARTIAL) {
		s->done++;
		snprintf(s->prev, sizeof(s->prev), "%s", path);
		if (ret > s->worst)
			s->worst = ret;
	}
	return ret;
}

static bool alive(pid_t pid)
{
	return !kill(pid, 0) || errno == EPERM;
}

/* --every and --when: look at /proc 10 times a second. */
static int run_polled(struct series *s)
{
	const struct cap_series *c = &s->base->series;
	const uint64_t gap = c->every_ms ? c->every_ms : DEFAULT_GAP_MS;
	uint64_t now, next = mono_ms(), last = 0;
	struct when_state ws;
	struct cap_error err;
	char why[128], reason[160];
	bool fire, shot_once = false;
	int r, ret = 0;

	if (when_open(&ws, s->pid, &err)) {
		cap_say("%s", err.msg);
		return EXIT_FAILED;
	}
	while (!signals_caught() && (!s->want || s->done < s->want)) {
		now = mono_ms();
		r = when_check(&ws, c->when, c->nwhen, why, sizeof(why), &err);
		if (r < 0)
			break;          /* gone: the series is over */
		if (c->nwhen) {
			fire = r == 1 && (!shot_once || now - last >= gap);
			snprintf(reason, sizeof(reason), "%s", why);
		} else {
			fire = now >= next;
			snprintf(reason, sizeof(reason), "every %" PRIu64 " ms",
				 c->every_ms);
		}
		if (fire) {
			ret = shoot(s, reason, NULL);
			shot_once = true;
			last = now;
			while (c->every_ms && next <= mono_ms())
				next += c->every_ms;
			if (ret >= 128)
				break;
			if (ret == EXIT_FAILED) {
				if (!alive(s->pid))
					ret = 0;        /* exited meanwhile */
				break;
			}
			ret = 0;
			continue;
		}
		sleep_ms(TRIGGER_POLL_MS);
	}
	when_close(&ws);
	return ret;
}

static const char *sig_name(int sig, char *buf, size_t n)
{
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, n, "SIG%s", abbrev);
	else
		snprintf(buf, n, "signal %d", sig);
	return buf;
}

/* --on-signal and --at-exit: trace while waiting. */
static int run_traced(struct series *s)
{
	static const char cost_sig[] =
		"traced while waiting: each signal the process received "
		"stopped it until memsnap handed the signal on; the trigger "
		"signal was delivered after the capture (handler delayed by it)";
	static const char cost_exit[] =
		"traced while waiting (PTRACE_O_TRACEEXIT): each signal passed "
		"through memsnap; the exit was held for the capture";
	const struct cap_series *c = &s->base->series;
	struct trace_watch w = { 0 };
	struct cap_error err;
	unsigned long msg = 0;
	char reason[128], name[32];
	bool exited;
	int ret = 0;

	while (!signals_caught() && (!s->want || s->done < s->want)) {
		if (watch_start(&w, s->pid, c->on_signal, c->at_exit, &err)) {
			if (!alive(s->pid))
				break;
			cap_say("%s", err.msg);
			return EXIT_FAILED;
		}
		switch (watch_wait(&w, &err)) {
		case WATCH_FIRED:
			break;
		case WATCH_STOPPED:
			watch_stop(&w);
			return 0;
		case WATCH_GONE:
			watch_handover(&w);
			return 0;
		case WATCH_ERROR:
			watch_stop(&w);
			cap_say("%s", err.msg);
			return EXIT_FAILED;
		}
		if (w.held_sig) {
			snprintf(reason, sizeof(reason),
				 "%s received (before its handler ran)",
				 sig_name(w.held_sig, name, sizeof(name)));
		} else {
			ptrace(PTRACE_GETEVENTMSG, w.held, NULL, &msg);
			snprintf(reason, sizeof(reason),
				 "exit (wait status 0x%lx), memory intact", msg);
		}
		exited = !w.held_sig;
		target_hold(w.held, w.held_sig);
		ret = shoot(s, reason, exited ? cost_exit : cost_sig);
		if (target_held()) {
			/* the capture never froze: the threads are still ours */
			target_hold(0, 0);
			watch_stop(&w);
		} else {
			watch_handover(&w);     /* its thaw released them */
		}
		if (ret >= 128 || ret == EXIT_FAILED || exited)
			break;          /* after the exit there is nothing left */
		ret = 0;
	}
	return ret;
}

static int open_dir(const char *dir)
{
	struct stat st;

	if (!strcmp(dir, "-")) {
		cap_say("a series writes files: -o DIR, not standard output");
		return -1;
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		cap_say("cannot create directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		cap_say("%s is not a directory (a series needs -o DIR)", dir);
		return -1;
	}
	return 0;
}

int series_run(const struct cap_options *opt)
{
	const struct cap_series *c = &opt->series;
	struct series s = { .base = opt, .dir = opt->output, .pid = opt->pid };
	struct cap_error err;
	int ret, sig;

	if (signals_install()) {
		cap_say("cannot install signal handlers: %s", strerror(errno));
		return EXIT_FAILED;
	}
	if (open_dir(s.dir))
		return EXIT_FAILED;
	s.want = c->count;
	if (!s.want && (c->nwhen || c->on_signal || c->at_exit ||
			!c->every_ms))
		s.want = 1;     /* one capture, unless --every or --count */
	if (c->wait_name) {
		if (!opt->quiet)
			cap_say("waiting for a process named %s", c->wait_name);
		s.pid = wait_for_name(c->wait_name, &err);
		if (s.pid < 0) {
			cap_say("%s", err.msg);
			return EXIT_FAILED;
		}
		if (s.pid > 0 && !opt->quiet)
			cap_say("%s is pid %d", c->wait_name, (int)s.pid);
	}
	ret = 0;
	if (s.pid > 0 && !signals_caught())
		ret = c->on_signal || c->at_exit ? run_traced(&s) :
		      run_polled(&s);
	sig = signals_caught();
	if (sig) {
		cap_say("series stopped by %s after %" PRIu64 " snapshot%s in %s; "
		    "the target runs on", strsignal(sig), s.done,
		    s.done == 1 ? "" : "s", s.dir);
		return 128 + sig;
	}
	if (ret)
		return ret;
	if (!s.done) {
		cap_say("pid %d exited before the trigger fired; no snapshot",
		    (int)s.pid);
		return EXIT_FAILED;
	}
	if (!opt->quiet)
		cap_say("%" PRIu64 " snapshot%s in %s", s.done,
		    s.done == 1 ? "" : "s", s.dir);
	return s.worst;
}
