// SPDX-License-Identifier: MIT
/* exe_hash.c - hash executables ahead of the freeze (exe_hash.h). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "exe_hash.h"
#include "sha256.h"

void exe_sha256_prime(pid_t pid)
{
	uint8_t digest[MSNAP_SHA256_SIZE];
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;         /* the frozen capture says why, if it still is */
	(void)msnap_file_sha256(fd, digest);
	close(fd);
}

void exe_hash_forget(void)
{
	msnap_file_sha256_forget();
}
