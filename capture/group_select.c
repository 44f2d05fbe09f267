// SPDX-License-Identifier: MIT
/*
 * group_select.c - which processes a group selector names: a process and
 * its descendants (--tree), the processes of a cgroup and its children
 * (--cgroup, --container-of; v1 or v2, both list them in cgroup.procs), or
 * every user process (--all).  Kernel threads, zombies, memsnap itself and
 * its ancestors are never members: freezing our own parent shell would
 * hang the responder's terminal on a full-host capture.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "group.h"
#include "target_int.h"

#define PF_KTHREAD 0x00200000ul
#define MAX_DEPTH 64            /* nested cgroup directories */

int proc_stat_read(pid_t pid, struct proc_stat *st)
{
	struct tgt_stat ts;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (tgt_read_stat(AT_FDCWD, path, &ts))
		return -1;
	memset(st, 0, sizeof(*st));
	st->pid = pid;
	st->ppid = ts.ppid;
	st->state = ts.state;
	st->flags = ts.flags;
	st->start_time = ts.start_time;
	memcpy(st->comm, ts.comm, sizeof(st->comm));
	return 0;
}

static bool is_user_process(const struct proc_stat *st)
{
	/* not "ppid 2": in a pid namespace 2 is an ordinary process */
	return !(st->flags & PF_KTHREAD) && st->state != 'Z' &&
	       st->state != 'X';
}

bool pid_list_has(const struct pid_list *l, pid_t pid)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == pid)
			return true;
	return false;
}

int pid_list_add(struct pid_list *l, pid_t pid)
{
	pid_t *v;

	if (pid_list_has(l, pid))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		v = realloc(l->v, l->cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
	}
	l->v[l->n++] = pid;
	return 0;
}

void pid_list_free(struct pid_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* memsnap and every ancestor up to init. */
static int self_and_ancestors(struct pid_list *l)
{
	struct proc_stat st;
	pid_t p = getpid();
	int guard = 0;

	while (p > 0 && guard++ < 4096) {
		if (pid_list_add(l, p))
			return -1;
		if (proc_stat_read(p, &st))
			break;
		p = st.ppid;
	}
	return 0;
}

/* Every process of /proc, with its stat (a snapshot of the table). */
static int scan_procs(struct proc_stat **out, size_t *n)
{
	struct proc_stat *v = NULL, *nv;
	size_t cap = 0;
	struct dirent *de;
	DIR *dir;
	char *end;
	long pid;

	*n = 0;
	dir = opendir("/proc");
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto fail;
			v = nv;
		}
		if (!proc_stat_read((pid_t)pid, &v[*n]))
			(*n)++;
	}
	closedir(dir);
	*out = v;
	return 0;
fail:
	closedir(dir);
	free(v);
	return -1;
}

static int tree_members(pid_t root, struct pid_list *out)
{
	struct proc_stat *v = NULL;
	size_t n, i, k;
	bool grew = true;

	if (scan_procs(&v, &n))
		return -1;
	for (i = 0; i < n; i++)
		if (v[i].pid == root && is_user_process(&v[i]) &&
		    pid_list_add(out, root))
			goto fail;
	/* add children of members until nothing is added */
	while (grew && out->n) {
		grew = false;
		for (i = 0; i < n; i++) {
			if (!is_user_process(&v[i]) ||
			    pid_list_has(out, v[i].pid))
				continue;
			for (k = 0; k < out->n; k++)
				if (out->v[k] == v[i].ppid)
					break;
			if (k == out->n)
				continue;
			if (pid_list_add(out, v[i].pid))
				goto fail;
			grew = true;
		}
	}
	free(v);
	return 0;
fail:
	free(v);
	return -1;
}

static int all_members(struct pid_list *out)
{
	struct proc_stat *v = NULL;
	size_t n, i;

	if (scan_procs(&v, &n))
		return -1;
	for (i = 0; i < n; i++)
		if (is_user_process(&v[i]) && pid_list_add(out, v[i].pid)) {
			free(v);
			return -1;
		}
	free(v);
	return 0;
}

/* The pids of DIR/cgroup.procs. */
static int read_procs_file(int dirfd, struct pid_list *out)
{
	char line[32];
	FILE *f;
	long pid;
	int fd;

	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		pid = strtol(line, NULL, 10);
		if (pid > 0 && pid <= INT_MAX && pid_list_add(out, (pid_t)pid)) {
			fclose(f);
			errno = ENOMEM;
			return -1;
		}
	}
	fclose(f);
	return 0;
}

/* The cgroup at dirfd and its children, depth first. */
static int cgroup_walk(int dirfd, int depth, struct pid_list *out)
{
	struct dirent *de;
	DIR *dir;
	int sub, fd, ret = 0;

	if (read_procs_file(dirfd, out))
		return -1;
	if (depth >= MAX_DEPTH)
		return 0;
	fd = dup(dirfd);
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (!ret && (de = readdir(dir))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = openat(dirfd, de->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;       /* removed meanwhile: its processes moved up */
		ret = cgroup_walk(sub, depth + 1, out);
		close(sub);
	}
	closedir(dir);
	return ret;
}

static int cgroup_members(const char *path, struct pid_list *out)
{
	int fd, ret, saved;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = cgroup_walk(fd, 0, out);
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

/* Drop memsnap, its ancestors, kernel threads and zombies; sort. */
static int keep_user_processes(struct pid_list *l)
{
	struct pid_list skip = { 0 };
	struct proc_stat st;
	size_t i, k = 0;

	if (self_and_ancestors(&skip))
		return -1;
	for (i = 0; i < l->n; i++)
		if (!pid_list_has(&skip, l->v[i]) &&
		    !proc_stat_read(l->v[i], &st) && is_user_process(&st))
			l->v[k++] = l->v[i];
	l->n = k;
	pid_list_free(&skip);
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_pid);
	return 0;
}

int group_members(const struct group_sel *s, struct pid_list *out,
		  struct cap_error *err)
{
	int ret;

	switch (s->kind) {
	case GROUP_TREE:
		ret = tree_members(s->pid, out);
		break;
	case GROUP_ALL:
		ret = all_members(out);
		break;
	default:
		ret = cgroup_members(s->cgroup_dir, out);
		break;
	}
	if (ret) {
		snprintf(err->msg, sizeof(err->msg), "cannot list the %.300s: %s",
			 s->kind == GROUP_TREE || s->kind == GROUP_ALL ?
			 "processes" : s->cgroup_dir, strerror(errno));
		return -1;
	}
	if (keep_user_processes(out)) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	return 0;
}
