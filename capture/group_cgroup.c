// SPDX-License-Identifier: MIT
/*
 * group_cgroup.c - checking a group selector, and finding the directory of
 * a cgroup: --cgroup takes a directory of a mounted hierarchy or a path as
 * /proc/PID/cgroup prints it; --container-of takes the cgroup of a process.
 * A process is in one cgroup per hierarchy (here: several v1 hierarchies
 * and the v2 one); its container is the smallest of them that is not a
 * root, which is what a container runtime created for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "group.h"

static void sel_err(struct cap_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sel_err(struct cap_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static bool is_cgroup_dir(const char *dir)
{
	char path[4200];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	return !stat(path, &sb) && S_ISREG(sb.st_mode);
}

/* Does the comma-separated list have the token? */
static bool has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, tok, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

/*
 * Mount point of the hierarchy: v2 when controllers is "" (the "0::" line),
 * else the v1 mount whose options hold every controller.  Only mounts of
 * the hierarchy's root: a bind mount of a sub-cgroup would shift paths.
 */
static int find_mount(const char *controllers, char *out, size_t outsz)
{
	char line[4096], root[1024], mnt[1024], fstype[64], opts[1024];
	char *dash, ctl[256], *tok, *save;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	bool ok;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		dash = strstr(line, " - ");
		if (!dash ||
		    sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2 ||
		    strcmp(root, "/"))
			continue;
		if (!*controllers) {
			ok = !strcmp(fstype, "cgroup2");
		} else {
			ok = !strcmp(fstype, "cgroup");
			snprintf(ctl, sizeof(ctl), "%s", controllers);
			for (tok = strtok_r(ctl, ",", &save); ok && tok;
			     tok = strtok_r(NULL, ",", &save))
				ok = has_token(opts, tok);
		}
		if (ok && strlen(mnt) < outsz) {
			snprintf(out, outsz, "%s", mnt);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

/* --cgroup PATH: a directory, or a cgroup path under some hierarchy. */
static int resolve_cgroup(struct group_sel *s, struct cap_error *err)
{
	static const char *const hier[] = { "", "freezer", "memory", "pids",
					    "name=systemd", "cpu", NULL };
	char mnt[1024];
	size_t i;

	if (is_cgroup_dir(s->arg) && strlen(s->arg) < sizeof(s->cgroup_dir)) {
		snprintf(s->cgroup_dir, sizeof(s->cgroup_dir), "%s", s->arg);
		return 0;
	}
	for (i = 0; s->arg[0] == '/' && hier[i]; i++) {
		if (find_mount(hier[i], mnt, sizeof(mnt)))
			continue;
		snprintf(s->cgroup_dir, sizeof(s->cgroup_dir), "%s%s", mnt,
			 s->arg);
		if (is_cgroup_dir(s->cgroup_dir))
			return 0;
	}
	s->cgroup_dir[0] = '\0';
	sel_err(err, "no such cgroup: %s (neither a cgroup directory nor a "
		"path under a mounted cgroup hierarchy)", s->arg);
	return -1;
}

static size_t cgroup_size(const struct group_sel *s)
{
	struct pid_list l = { 0 };
	struct cap_error e;
	size_t n;

	if (group_members(s, &l, &e))
		return (size_t)-1;
	n = l.n;
	pid_list_free(&l);
	return n;
}

/* --container-of PID: the smallest non-root cgroup of the process. */
static int resolve_container(struct group_sel *s, struct cap_error *err)
{
	char path[64], line[4096], mnt[1024], *c1, *c2;
	struct group_sel cand = *s;
	size_t best = (size_t)-1, n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)s->pid);
	f = fopen(path, "re");
	if (!f) {
		sel_err(err, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	s->cgroup_dir[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		c1 = strchr(line, ':');
		c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || !strcmp(c2 + 1, "/") || c2[1] != '/')
			continue;
		*c2 = '\0';
		if (find_mount(c1 + 1, mnt, sizeof(mnt)))
			continue;
		snprintf(cand.cgroup_dir, sizeof(cand.cgroup_dir), "%s%s", mnt,
			 c2 + 1);
		if (!is_cgroup_dir(cand.cgroup_dir))
			continue;
		n = cgroup_size(&cand);
		if (n < best) {
			best = n;
			memcpy(s->cgroup_dir, cand.cgroup_dir,
			       sizeof(s->cgroup_dir));
		}
	}
	fclose(f);
	if (!s->cgroup_dir[0]) {
		sel_err(err, "pid %d is in no container: it is in the root "
			"cgroup of every hierarchy (use --all for the whole "
			"host)", (int)s->pid);
		return -1;
	}
	return 0;
}

/* The pid of --tree and --container-of: a live user process. */
static int check_pid(pid_t pid, struct cap_error *err)
{
	struct proc_stat st;

	if (proc_stat_read(pid, &st)) {
		sel_err(err, "no such process: %d", (int)pid);
		return -1;
	}
	if (st.flags & 0x00200000ul) {      /* PF_KTHREAD */
		sel_err(err, "pid %d is a kernel thread (%s): it has no user "
			"memory to capture", (int)pid, st.comm);
		return -1;
	}
	if (st.state == 'Z') {
		sel_err(err, "pid %d is a zombie: it has no memory left",
			(int)pid);
		return -1;
	}
	return 0;
}

int group_resolve(struct group_sel *s, struct cap_error *err)
{
	switch (s->kind) {
	case GROUP_TREE:
		return check_pid(s->pid, err);
	case GROUP_CONTAINER:
		if (check_pid(s->pid, err))
			return -1;
		return resolve_container(s, err);
	case GROUP_CGROUP:
		return resolve_cgroup(s, err);
	case GROUP_ALL:
		return 0;
	}
	return 0;
}
