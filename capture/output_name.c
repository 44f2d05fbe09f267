// SPDX-License-Identifier: MIT
/*
 * output_name.c - "-o DIR": the snapshot's name inside DIR, the way
 * responders name evidence: COMM-PID-YYYYMMDDTHHMMSSZ.msnap (UTC).  The
 * comm is the target's to choose, so it is cut down to [A-Za-z0-9._+-].
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h"

bool output_is_dir(const char *path)
{
	struct stat st;

	return strcmp(path, "-") && !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* The target's comm, made safe for a file name ("process" if unreadable). */
static void safe_comm(pid_t pid, char *out, size_t size)
{
	char path[64], raw[64];
	ssize_t n = -1;
	size_t i, k = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, raw, sizeof(raw) - 1);
		close(fd);
	}
	for (i = 0; n > 0 && i < (size_t)n && k + 1 < size; i++) {
		char c = raw[i];

		if (c == '\n')
			break;
		out[k++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || strchr("._+-", c) ? c : '_';
	}
	/* never a hidden file, never empty */
	if (k && out[0] == '.')
		out[0] = '_';
	out[k] = '\0';
	if (!k)
		snprintf(out, size, "process");
}

char *output_name_in_dir(const char *dir, pid_t pid)
{
	char comm[32], stamp[32], *path;
	struct tm tm;
	time_t now = time(NULL);
	size_t dlen = strlen(dir);

	safe_comm(pid, comm, sizeof(comm));
	if (!gmtime_r(&now, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	if (asprintf(&path, "%.*s/%s-%d-%s.msnap", (int)dlen, dir, comm,
		     (int)pid, stamp) < 0)
		return NULL;
	return path;
}
