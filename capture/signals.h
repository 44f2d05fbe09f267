/* SPDX-License-Identifier: MIT */
/*
 * signals.h - resume the target whatever happens to us.  Handlers thaw the
 * target at once (async-signal-safe) and leave a flag that the pipeline
 * polls between batches; fatal signals thaw and then die as they would have.
 */
#ifndef CAPTURE_SIGNALS_H
#define CAPTURE_SIGNALS_H

/* Install every handler; SIGPIPE is ignored (EPIPE is handled as an error). */
int signals_install(void);

/* The number of the first stop signal caught (SIGINT, ...), or 0. */
int signals_caught(void);

/* The flag itself, for the writer to poll between chunks. */
const volatile int *signals_flag(void);

#endif
