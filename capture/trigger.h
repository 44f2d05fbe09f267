/* SPDX-License-Identifier: MIT */
/*
 * trigger.h - when a series takes its next snapshot: thresholds read from
 * /proc (trigger_when.c), a process appearing by name (trigger_name.c), a
 * signal or the exit of a process that memsnap traces while it waits
 * (trigger_trace.c).  Every wait sleeps between looks (TRIGGER_POLL_MS)
 * or blocks in the kernel: memsnap stays idle while nothing happens.
 */
#ifndef CAPTURE_TRIGGER_H
#define CAPTURE_TRIGGER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "options.h"
#include "target.h"

#define TRIGGER_POLL_MS 100         /* 10 looks a second at /proc */
#define TRIGGER_CPU_WINDOW_MS 1000  /* cpu>N% is measured over this */

/* "rss>2G", "cpu>80%", "threads>8", "fds>100".  0, or -1 with err set. */
int when_parse(const char *s, struct when_cond *c, struct cap_error *err);

/* Text of a condition, for messages ("rss>2147483648"). */
void when_describe(const struct when_cond *c, char *buf, size_t n);

/* The target's counters over time, for evaluating conditions. */
struct when_state {
	pid_t pid;
	int procfd;                 /* /proc/PID, O_PATH */
	uint64_t ticks[16];         /* utime+stime samples (clock ticks) */
	uint64_t at_ms[16];         /* and when they were taken */
	unsigned nsamples, head;
};

int when_open(struct when_state *w, pid_t pid, struct cap_error *err);
void when_close(struct when_state *w);

/*
 * Sample the counters once.  Returns 1 and names the condition in why if
 * one of conds holds, 0 if none, -1 when the target is gone (err set).
 */
int when_check(struct when_state *w, const struct when_cond *conds,
	       size_t n, char *why, size_t why_len, struct cap_error *err);

/*
 * Wait until a process whose comm or executable's base name is name
 * exists (not memsnap itself), polling /proc.  Returns its pid, 0 when a
 * stop signal came first, -1 on error (err set).
 */
pid_t wait_for_name(const char *name, struct cap_error *err);

/* ---- trigger_trace.c: --on-signal and --at-exit ---------------------------- */

struct trace_watch {
	pid_t pid;
	int sig;                    /* --on-signal, or 0 */
	bool at_exit;
	pid_t *tids;                /* threads seized by the watch */
	size_t ntids, cap;
	pid_t held;                 /* stopped at the trigger, or 0 */
	int held_sig;               /* the signal it will get at release */
};

enum watch_result {
	WATCH_FIRED,                /* held: capture now, then watch_resume */
	WATCH_STOPPED,              /* a stop signal of ours came */
	WATCH_GONE,                 /* the target exited */
	WATCH_ERROR,
};

/*
 * Seize every thread of pid (PTRACE_SEIZE with TRACECLONE, and TRACEEXIT
 * for at_exit).  The threads run on; only signals pass through memsnap.
 */
int watch_start(struct trace_watch *w, pid_t pid, int sig, bool at_exit,
		struct cap_error *err);

/*
 * Block until the trigger: a signal-delivery-stop of sig, or the leader's
 * exit stop.  Every other signal is handed on at once.  On WATCH_FIRED the
 * thread w->held stays stopped and is registered with the freeze
 * (target_hold), which adopts it; the capture's thaw delivers the signal
 * (or lets the exit finish) and ends the watch.
 */
enum watch_result watch_wait(struct trace_watch *w, struct cap_error *err);

/* Let every thread go (a held one with its signal).  Idempotent. */
void watch_stop(struct trace_watch *w);

/*
 * The capture owns the threads now (its thaw detaches them): forget them
 * without detaching.
 */
void watch_handover(struct trace_watch *w);

#endif
