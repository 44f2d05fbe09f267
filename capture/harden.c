// SPDX-License-Identifier: MIT
/* harden.c - protect memsnap itself before it touches a target. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "harden.h"

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

/*
 * What a capture needs: ptrace and /proc/PID/mem of any process, the
 * map_files links (SYS_ADMIN or, since 5.9, CHECKPOINT_RESTORE), and
 * reaching and writing the output directory whoever owns it (DAC_*;
 * DAC_READ_SEARCH also lets linkat publish the nameless output file).
 */
static const uint64_t keep_caps =
	1ull << CAP_SYS_PTRACE | 1ull << CAP_SYS_ADMIN |
	1ull << CAP_CHECKPOINT_RESTORE | 1ull << CAP_DAC_OVERRIDE |
	1ull << CAP_DAC_READ_SEARCH;

/*
 * Keep only keep_caps: in the bounding set (while CAP_SETPCAP allows it),
 * in the effective, permitted and ambient sets, none inheritable.  A
 * compromised memsnap then cannot load modules, open raw sockets, change
 * uid, and so on.  Without privileges there is nothing to drop.
 */
static int drop_capabilities(struct cap_error *err)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	uint64_t eff, perm;
	int cap;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		goto fail;
	eff = (uint64_t)data[1].effective << 32 | data[0].effective;
	perm = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	if (eff & (1ull << CAP_SETPCAP))
		for (cap = 0; cap < 64; cap++)
			if (!(keep_caps & (1ull << cap)) &&
			    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) &&
			    errno != EINVAL)
				goto fail;
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	eff &= keep_caps;
	perm &= keep_caps;
	data[0].effective = (uint32_t)eff;
	data[1].effective = (uint32_t)(eff >> 32);
	data[0].permitted = (uint32_t)perm;
	data[1].permitted = (uint32_t)(perm >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data))
		goto fail;
	/* nothing memsnap could exec would gain privileges either */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		goto fail;
	return 0;
fail:
	snprintf(err->msg, sizeof(err->msg), "cannot drop capabilities: %s",
		 strerror(errno));
	return -1;
}

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
	return drop_capabilities(err);
}
