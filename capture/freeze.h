/* SPDX-License-Identifier: MIT */
/*
 * freeze.h - stopping every thread of the target and letting it go.
 *
 * Invariant: after target_freeze() succeeds, every path out of the program
 * must reach target_thaw() (directly, or through target_emergency_thaw()
 * from a signal handler).  PTRACE_SEIZE queues no SIGSTOP, so even a
 * SIGKILLed memsnap leaves the target running.
 */
#ifndef CAPTURE_FREEZE_H
#define CAPTURE_FREEZE_H

#include "target.h"

/*
 * Freeze: PTRACE_SEIZE + PTRACE_INTERRUPT every thread, rescanning
 * /proc/PID/task until no new thread appears; then read every thread's
 * registers (general, FP, xstate, sigmask).  On failure everything already
 * seized is released before returning -1.
 */
int target_freeze(struct target *t, struct cap_error *err);

/*
 * target_freeze() in two halves, so that a group's members are all
 * interrupted before any stop is waited for: _begin seizes and interrupts
 * every thread listed now; _finish waits for their stops, brings in
 * threads born meanwhile and reads the registers.  The thread that called
 * _begin must call _finish (ptrace requests come from the tracer thread).
 * On failure each releases what it seized; _finish after a failed or
 * absent _begin is target_freeze().
 */
int target_freeze_begin(struct target *t, struct cap_error *err);
int target_freeze_finish(struct target *t, struct cap_error *err);

/* Detach every seized thread (they continue as before).  Idempotent. */
void target_thaw(struct target *t);

/*
 * Async-signal-safe thaw for signal handlers and atexit: PTRACE_DETACH on
 * every tid recorded so far.  Registered by target_freeze().
 */
void target_emergency_thaw(void);

/*
 * A series' watch (trigger_trace.c) holds thread tid in a ptrace stop: the
 * next freeze adopts it as frozen instead of seizing it, and the thaw
 * detaches it with sig (a signal caught in delivery, or 0).  target_held()
 * is tid until the freeze adopted it, then 0.
 */
void target_hold(pid_t tid, int sig);
pid_t target_held(void);

/* Read the thread list without freezing (live mode); registers stay unset. */
int target_list_threads(struct target *t, struct cap_error *err);

#endif
