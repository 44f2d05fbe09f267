// SPDX-License-Identifier: MIT
/*
 * case_parallel.c - a subcommand run once per snapshot of a case, on every
 * core: each run is a forked child whose standard output goes to a memory
 * file, read back by the parent in the case's order.  check on a host
 * triage case is ~100 independent runs, each mostly parsing ELF files: one
 * after another they left a core idle.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "case_run.h"
#include "cli.h"

#define OUTPUT_MAX (64u << 20)      /* one process's output kept */

struct child {
	pid_t pid;
	int fd;                     /* its standard output */
	size_t index;
};

static long workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 16 ? 16 : n;
}

/* In the child: the run, then its exit code as the child's status. */
static void run_child(case_cmd_fn run, int argc, char **argv, int at,
		      char *path, int fd)
{
	int ret;

	if (dup2(fd, STDOUT_FILENO) < 0)
		_exit(ANA_EXIT_ERROR);
	ret = case_run_one(run, argc, argv, at, path, 0, NULL);
	fflush(stdout);
	fflush(stderr);
	_exit(ret);
}

static int start(struct child *ch, case_cmd_fn run, int argc, char **argv,
		 int at, char *path, size_t index)
{
	ch->index = index;
	ch->fd = memfd_create("case-run", MFD_CLOEXEC);
	if (ch->fd < 0)
		return -1;
	fflush(stdout);
	fflush(stderr);
	ch->pid = fork();
	if (ch->pid < 0) {
		close(ch->fd);
		return -1;
	}
	if (!ch->pid)
		run_child(run, argc, argv, at, path, ch->fd);
	return 0;
}

/* Reap one child (any), keep its output and exit code. */
static void collect(struct child *busy, size_t *nbusy, struct case_output *out)
{
	struct case_output *o;
	size_t k;
	off_t size;
	int status;
	pid_t pid;

	do
		pid = waitpid(-1, &status, 0);
	while (pid < 0 && errno == EINTR);
	for (k = 0; k < *nbusy && busy[k].pid != pid; k++)
		;
	if (k == *nbusy)
		return;         /* not ours: cannot be, but never spin on it */
	o = &out[busy[k].index];
	o->ret = WIFEXITED(status) ? WEXITSTATUS(status) : ANA_EXIT_ERROR;
	size = lseek(busy[k].fd, 0, SEEK_END);
	if (size > (off_t)OUTPUT_MAX)
		size = OUTPUT_MAX;
	o->text = calloc(1, (size_t)(size > 0 ? size : 0) + 1);
	if (o->text && size > 0 &&
	    pread(busy[k].fd, o->text, (size_t)size, 0) != (ssize_t)size)
		o->text[0] = '\0';
	close(busy[k].fd);
	busy[k] = busy[--*nbusy];
}

int case_run_each(case_cmd_fn run, int argc, char **argv, int at,
		  const char *dir, const struct msnap_case *c,
		  struct case_output *out)
{
	long max = workers();
	struct child *busy = calloc((size_t)max, sizeof(*busy));
	size_t i, nbusy = 0;
	char *path;
	int ret = 0;

	if (!busy)
		return -1;
	for (i = 0; i < c->nprocs; i++) {
		out[i].ret = ANA_EXIT_ERROR;
		if (!c->procs[i].snapshot)
			continue;
		if (nbusy == (size_t)max)
			collect(busy, &nbusy, out);
		path = case_path(dir, c->procs[i].snapshot);
		if (!path || start(&busy[nbusy], run, argc, argv, at, path, i))
			ret = -1;
		else
			nbusy++;
		free(path);
	}
	while (nbusy)
		collect(busy, &nbusy, out);
	free(busy);
	return ret;
}
