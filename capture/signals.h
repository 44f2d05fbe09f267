/* SPDX-License-Identifier: MIT */
/*
 * signals.h - resume the target whatever happens to us.  Handlers thaw the
 * target at once (async-signal-safe) and leave a flag that the pipeline
 * polls between batches; fatal signals thaw and then die as they would have.
 */
#ifndef CAPTURE_SIGNALS_H
#define CAPTURE_SIGNALS_H

/*
 * Install every handler.  SIGPIPE and SIGXFSZ are ignored: a closed pipe
 * and a file size limit then come back from write() as EPIPE and EFBIG,
 * which the writer reports like any other write error.
 */
int signals_install(void);

/*
 * Block the stop signals for good, then return the one caught so far (0 if
 * none).  Called at the commit, the point of no return: a signal that
 * comes later must not turn a complete, renamed snapshot into a failure.
 */
int signals_hold(void);

/*
 * Undo signals_hold between the captures of a series: a signal held
 * during the last commit is handled now, and ends the series.
 */
void signals_unhold(void);

struct cow_child;

/*
 * --cow: the handlers SIGKILL this child (cow_emergency_kill) before they
 * thaw the target; NULL when there is none (any more).
 */
void signals_watch_cow(const struct cow_child *c);

/* The number of the first stop signal caught (SIGINT, ...), or 0. */
int signals_caught(void);

/* The flag itself, for the writer to poll between chunks. */
const volatile int *signals_flag(void);

#endif
