/* SPDX-License-Identifier: MIT */
/*
 * group.h - a group capture: several processes frozen together at one
 * instant, each written to its own snapshot in a case directory with an
 * index (case.yaml, formats/CASE.md).
 */
#ifndef CAPTURE_GROUP_H
#define CAPTURE_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "options.h"
#include "target.h"

enum group_kind { GROUP_TREE, GROUP_CGROUP, GROUP_CONTAINER, GROUP_ALL };

struct group_sel {
	enum group_kind kind;
	pid_t pid;              /* --tree, --container-of */
	const char *arg;        /* the option's text, for case.yaml */
	char cgroup_dir[4096];  /* resolved directory of --cgroup / --container-of */
};

/* One process as /proc/PID/stat shows it. */
struct proc_stat {
	pid_t pid, ppid;
	char state;
	unsigned long flags;
	unsigned long long start_time;
	char comm[64];
};

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

/* group_select.c */
int proc_stat_read(pid_t pid, struct proc_stat *st);
bool pid_list_has(const struct pid_list *l, pid_t pid);
int pid_list_add(struct pid_list *l, pid_t pid);
void pid_list_free(struct pid_list *l);

/*
 * Check the selector and resolve it (the cgroup directory of --cgroup and
 * --container-of).  Returns 0, or -1 with err saying what is wrong.
 */
int group_resolve(struct group_sel *s, struct cap_error *err);

/*
 * The processes the selector names now, sorted: user processes only, never
 * memsnap or its ancestors, no zombies.  Returns 0 or -1 with err (errno
 * ENOENT: the cgroup is gone).
 */
int group_members(const struct group_sel *s, struct pid_list *out,
		  struct cap_error *err);

/* group.c: the whole capture into the case directory opt->output. */
int group_run(const struct cap_options *opt, struct group_sel *sel);

#endif
