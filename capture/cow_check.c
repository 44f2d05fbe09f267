// SPDX-License-Identifier: MIT
/*
 * cow_check.c - refuse --cow, before the target is touched, where an
 * injected fork cannot work or cannot be undone.
 *
 * Seccomp: refused, not tried.  A filter's answer to clone can be ERRNO
 * (harmless), but also KILL_PROCESS (the target dies), TRAP (SIGSYS is
 * forced on the target while it holds our registers), TRACE or USER_NOTIF
 * (a supervisor sees a clone the target never made, and may make us
 * wait): "try and look at the result" would be too late.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cow.h"
#include "target_int.h"

#define CAP_SYS_ADMIN_BIT 21
#define CAP_SYS_RESOURCE_BIT 24
#define CG_PATH_MAX 4096

static const char default_hint[] = "; use the default mode (without --cow)";

static int refuse(struct cap_error *err, const char *why, pid_t pid)
{
	tgt_set_err(err, "--cow refused for pid %d: %s%s", (int)pid, why,
		    default_hint);
	return -1;
}

/* The target's executable must be an x86-64 ELF64 (not i386, not x32). */
static int check_arch(const struct target *t, struct cap_error *err)
{
	Elf64_Ehdr eh;
	ssize_t got;
	int fd;

#ifndef __x86_64__
	return refuse(err, "this memsnap is not an x86-64 build", t->pid);
#endif
	fd = openat(t->procfd, "exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return refuse(err, "its executable cannot be opened to check "
			      "its architecture", t->pid);
	got = pread(fd, &eh, sizeof(eh), 0);
	close(fd);
	if (got < (ssize_t)EI_NIDENT + 4 || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return refuse(err, "its executable is not an ELF file", t->pid);
	if (eh.e_ident[EI_CLASS] == ELFCLASS32)
		return refuse(err, eh.e_machine == EM_X86_64 ?
			      "it is an x32 process" : "it is a 32-bit process",
			      t->pid);
	if (eh.e_machine != EM_X86_64)
		return refuse(err, "it is not an x86-64 process", t->pid);
	return 0;
}

/* Seccomp is per thread: every thread's status is looked at. */
static int check_seccomp(const struct target *t, struct cap_error *err)
{
	char path[64], *status;
	uint64_t mode, worst = 0;
	int *tids = NULL;
	size_t n = 0, i, len;

	if (tgt_list_numeric(t->procfd, "task", &tids, &n))
		return refuse(err, "its threads cannot be listed", t->pid);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "task/%d/status", tids[i]);
		if (tgt_read_at(t->procfd, path, &status, &len))
			continue;       /* exited since the listing */
		if (!tgt_status_u64(status, "Seccomp:", 10, &mode) &&
		    mode > worst)
			worst = mode;
		free(status);
	}
	free(tids);
	if (worst == 0)
		return 0;
	return refuse(err, worst == 1 ? "it runs in seccomp strict mode (a "
		      "fork would kill it)" : "it runs under a seccomp filter "
		      "(its answer to an injected clone may kill it, signal "
		      "it, or reach a supervisor)", t->pid);
}

/* Tasks (threads count) whose real uid is uid, as RLIMIT_NPROC counts. */
static long count_tasks_of(uid_t uid)
{
	char path[64], *st;
	int *pids = NULL;
	size_t n = 0, i, len;
	uint64_t ruid, threads;
	long count = 0;

	if (tgt_list_numeric(AT_FDCWD, "/proc", &pids, &n))
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/status", pids[i]);
		if (tgt_read_at(AT_FDCWD, path, &st, &len))
			continue;
		if (!tgt_status_u64(st, "Uid:", 10, &ruid) && ruid == uid &&
		    !tgt_status_u64(st, "Threads:", 10, &threads))
			count += (long)threads;
		free(st);
	}
	free(pids);
	return count;
}

/* "Max processes  SOFT  HARD  processes": the soft limit, -1 unlimited. */
static long nproc_limit(const struct target *t)
{
	const char *p;
	size_t len;
	char *text;
	long v = -1;

	if (tgt_read_at(t->procfd, "limits", &text, &len))
		return -1;
	p = strstr(text, "Max processes");
	if (p) {
		p += strlen("Max processes");
		while (*p == ' ')
			p++;
		if (strncmp(p, "unlimited", 9))
			v = strtol(p, NULL, 10);
	}
	free(text);
	return v;
}

static int check_nproc(const struct target *t, const char *status,
		       struct cap_error *err)
{
	uint64_t ruid = 0, caps = 0;
	long limit, used;
	char why[160];

	limit = nproc_limit(t);
	if (limit < 0 || tgt_status_u64(status, "Uid:", 10, &ruid) ||
	    ruid == 0)
		return 0;       /* unlimited, or root: not enforced */
	if (!tgt_status_u64(status, "CapEff:", 16, &caps) &&
	    (caps & ((1ull << CAP_SYS_ADMIN_BIT) |
		     (1ull << CAP_SYS_RESOURCE_BIT))))
		return 0;
	used = count_tasks_of((uid_t)ruid);
	if (used < 0 || used < limit)
		return 0;
	snprintf(why, sizeof(why), "its user (uid %llu) has %ld tasks, "
		 "RLIMIT_NPROC is %ld: a fork would fail",
		 (unsigned long long)ruid, used, limit);
	return refuse(err, why, t->pid);
}

static int read_u64_file(const char *path, uint64_t *v, bool *is_max)
{
	char buf[64];
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = '\0';
	*is_max = !strncmp(buf, "max", 3);
	*v = *is_max ? 0 : strtoull(buf, NULL, 10);
	return 0;
}

/* Is the pids cgroup at dir, or an ancestor up to root, full? */
static bool pids_full(const char *root, char *rel, char *which,
		      size_t which_size)
{
	char dir[CG_PATH_MAX], path[CG_PATH_MAX + 16];
	uint64_t max, cur;
	bool is_max, cur_max;
	char *slash;

	for (;;) {
		snprintf(dir, sizeof(dir), "%s%s", root, rel);
		snprintf(path, sizeof(path), "%s/pids.max", dir);
		if (!read_u64_file(path, &max, &is_max) && !is_max) {
			snprintf(path, sizeof(path), "%s/pids.current", dir);
			if (!read_u64_file(path, &cur, &cur_max) &&
			    cur + 1 > max) {
				snprintf(which, which_size, "%s", dir);
				return true;
			}
		}
		slash = strrchr(rel, '/');
		if (!slash || slash == rel)
			return false;
		*slash = '\0';
	}
}

static int check_pids_cgroup(const struct target *t, struct cap_error *err)
{
	char *text, *line, *save = NULL, *ctl, *path;
	char which[CG_PATH_MAX], why[CG_PATH_MAX + 64];
	bool full = false;
	size_t len;

	if (tgt_read_at(t->procfd, "cgroup", &text, &len))
		return 0;
	for (line = strtok_r(text, "\n", &save); line && !full;
	     line = strtok_r(NULL, "\n", &save)) {
		ctl = strchr(line, ':');
		path = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		ctl++;
		if (strstr(ctl, "pids"))
			full = pids_full("/sys/fs/cgroup/pids", path, which,
					 sizeof(which));
		else if (!*ctl)
			full = pids_full("/sys/fs/cgroup/unified", path, which,
					 sizeof(which)) ||
			       pids_full("/sys/fs/cgroup", path, which,
					 sizeof(which));
	}
	free(text);
	if (!full)
		return 0;
	snprintf(why, sizeof(why), "its pids cgroup %s is full: a fork would "
		 "fail", which);
	return refuse(err, why, t->pid);
}

/* A VmFlags line of smaps holds uw, um or ui (userfaultfd-registered)? */
static bool vmflags_uffd(const char *line, const char *eol)
{
	const char *p;

	for (p = line + strlen("VmFlags:"); p + 2 <= eol; p++)
		if (p[-1] == ' ' && p[0] == 'u' &&
		    (p[1] == 'w' || p[1] == 'm' || p[1] == 'i') &&
		    (p + 2 == eol || p[2] == ' '))
			return true;
	return false;
}

/* userfaultfd: a fork is an event its monitor must read (and may wait on). */
static int check_uffd(const struct target *t, struct cap_error *err)
{
	const char *line, *eol;
	bool uffd = false;
	size_t len;
	char *text;

	if (tgt_read_at(t->procfd, "smaps", &text, &len))
		return 0;
	for (line = text; !uffd && line < text + len; line = eol + 1) {
		eol = strchr(line, '\n');
		if (!eol)
			eol = text + len;
		if (!strncmp(line, "VmFlags:", 8))
			uffd = vmflags_uffd(line, eol);
	}
	free(text);
	if (!uffd)
		return 0;
	return refuse(err, "it has userfaultfd-registered memory (a fork "
		      "would be reported to its monitor)", t->pid);
}

int cow_preflight(const struct target *t, struct cap_error *err)
{
	size_t len;
	char *status;
	int ret;

	if (check_arch(t, err))
		return -1;
	if (tgt_read_at(t->procfd, "status", &status, &len)) {
		tgt_set_err(err, "--cow: cannot read the status of pid %d",
			    (int)t->pid);
		return -1;
	}
	ret = check_seccomp(t, err);
	if (!ret)
		ret = check_nproc(t, status, err);
	free(status);
	if (!ret)
		ret = check_pids_cgroup(t, err);
	if (!ret)
		ret = check_uffd(t, err);
	return ret;
}
