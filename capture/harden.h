/* SPDX-License-Identifier: MIT */
/*
 * harden.h - protect memsnap itself before it touches a target.
 *
 * memsnap holds another process's memory (keys, passwords) while it runs,
 * usually as root.  harden_self() makes sure none of it leaks through
 * memsnap: no core dump, no ptrace or /proc/PID/mem access by other
 * processes of the same user, no file created readable by others.
 */
#ifndef CAPTURE_HARDEN_H
#define CAPTURE_HARDEN_H

#include "target.h"

/*
 * Not dumpable (PR_SET_DUMPABLE 0: no core, /proc/self owned by root, no
 * same-uid ptrace), RLIMIT_CORE 0, umask 077, every capability but
 * SYS_PTRACE, SYS_ADMIN, CHECKPOINT_RESTORE, DAC_OVERRIDE and
 * DAC_READ_SEARCH dropped (bounding set too), no_new_privs.  Idempotent.  Returns 0, or
 * -1 with err->msg set.
 */
int harden_self(struct cap_error *err);

#endif
