// SPDX-License-Identifier: MIT
/* harden.c - protect memsnap itself before it touches a target. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "harden.h"

int harden_self(struct cap_error *err)
{
	const struct rlimit none = { 0, 0 };

	/*
	 * Also closes /proc/self/mem, /proc/self/environ and ptrace to
	 * processes of our uid that lack CAP_SYS_PTRACE: they could read
	 * the target's bytes out of our buffers.
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) {
		snprintf(err->msg, sizeof(err->msg), "prctl(PR_SET_DUMPABLE): %s",
			 strerror(errno));
		return -1;
	}
	/* Not dumpable already means no core; a zero limit says it twice. */
	if (setrlimit(RLIMIT_CORE, &none)) {
		snprintf(err->msg, sizeof(err->msg), "setrlimit(RLIMIT_CORE): %s",
			 strerror(errno));
		return -1;
	}
	/* Every file is created 0600 explicitly; this covers any we forget. */
	umask(077);
	return 0;
}
