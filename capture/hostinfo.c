// SPDX-License-Identifier: MIT
/*
 * hostinfo.c - the manifest's "host:" section: which machine and which
 * boot the snapshot comes from.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "target.h"
#include "target_facts.h"
#include "target_int.h"

void emit_host(struct yout *y)
{
	struct utsname u;
	long page_size = sysconf(_SC_PAGESIZE);
	long ticks = sysconf(_SC_CLK_TCK);
	char *boot_id = NULL;
	size_t len = 0;

	yout_key(y, "host");
	yout_map_begin(y);
	if (!uname(&u)) {
		yout_kv_bytes(y, "hostname", u.nodename, strlen(u.nodename));
		yout_kv_str(y, "kernel", u.sysname);
		yout_kv_str(y, "release", u.release);
		yout_kv_str(y, "version", u.version);
		yout_kv_str(y, "machine", u.machine);
	}
	if (page_size > 0)
		yout_kv_u64(y, "page_size", (uint64_t)page_size);
	if (!tgt_read_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id",
			 &boot_id, &len)) {
		boot_id[strcspn(boot_id, "\n")] = '\0';
		yout_kv_bytes(y, "boot_id", boot_id, strlen(boot_id));
		free(boot_id);
	}
	if (ticks > 0)
		yout_kv_u64(y, "clock_ticks", (uint64_t)ticks);
	yout_map_end(y);
}
