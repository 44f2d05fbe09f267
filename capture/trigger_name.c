// SPDX-License-Identifier: MIT
/*
 * trigger_name.c - --wait-name: find a process by name.  comm is cheap to
 * read and is what ps shows; it holds only 15 bytes, so a longer name is
 * confirmed by the executable's base name (readlink of exe).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "signals.h"
#include "target_int.h"
#include "trigger.h"

#define COMM_MAX 15

static bool exe_is(const char *pidname, const char *name)
{
	char path[300], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/exe", pidname);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	return !strcmp(base, name) ||
	       (!strncmp(base, name, strlen(name)) &&
		!strcmp(base + strlen(name), " (deleted)"));
}

static bool named(const char *pidname, const char *name)
{
	char path[300], comm[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/comm", pidname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	if (strlen(name) <= COMM_MAX)
		return !strcmp(comm, name) || exe_is(pidname, name);
	/* a truncated comm: only the exe can tell */
	return !strncmp(comm, name, COMM_MAX) && exe_is(pidname, name);
}

/* The lowest matching pid in /proc now, 0 if none. */
static pid_t scan(const char *name, pid_t self)
{
	struct dirent *de;
	pid_t found = 0;
	long v;
	char *end;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		v = strtol(de->d_name, &end, 10);
		if (*end || v <= 0 || v > INT_MAX || (pid_t)v == self)
			continue;
		if ((!found || (pid_t)v < found) && named(de->d_name, name))
			found = (pid_t)v;
	}
	closedir(dir);
	return found;
}

pid_t wait_for_name(const char *name, struct cap_error *err)
{
	const struct timespec pause = { 0, TRIGGER_POLL_MS * 1000000l };
	const pid_t self = getpid();
	pid_t pid;

	for (;;) {
		if (signals_caught())
			return 0;
		pid = scan(name, self);
		if (pid < 0) {
			tgt_set_err(err, "cannot read /proc: %s",
				    strerror(errno));
			return -1;
		}
		if (pid > 0)
			return pid;
		/* a stop signal cuts the sleep short (EINTR) */
		nanosleep(&pause, NULL);
	}
}
