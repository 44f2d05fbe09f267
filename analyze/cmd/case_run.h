/* SPDX-License-Identifier: MIT */
/*
 * case_run.h - subcommands over a case directory (formats/CASE.md): the
 * front end runs the subcommand once per snapshot (or once with every
 * snapshot, for those that take several) and aggregates; the subcommands
 * themselves only ever see snapshot files.
 */
#ifndef ANA_CASE_RUN_H
#define ANA_CASE_RUN_H

#include <stdbool.h>

#include "case.h"

typedef int (*case_cmd_fn)(int argc, char **argv);

/* Is path a directory that holds a case.yaml? */
bool case_is_dir(const char *path);

/*
 * If an argument of argv (argv[0] the subcommand) is a case directory, run
 * the subcommand over the case and return its exit code; else return -1
 * and do nothing.
 */
int case_dispatch(const char *name, case_cmd_fn run, int argc, char **argv);

/* case_diff.c: diff A B of two case directories. */
int case_diff(case_cmd_fn run, int argc, char **argv, int ia, int ib);

/* One run on a copy of argv with argv[at] (and argv[at2] if > 0) replaced. */
int case_run_one(case_cmd_fn run, int argc, char **argv, int at, char *path,
		 int at2, char *path2);

/* What one run printed and its exit code. */
struct case_output {
	char *text;             /* NUL-terminated, malloc'd; NULL if none */
	int ret;
};

/*
 * case_parallel.c: run once per snapshot of c (argv[at] replaced by its
 * path), on every core, into out[i] for process i (c->nprocs entries;
 * ret ANA_EXIT_ERROR and no text for a process without a snapshot).
 * Returns 0, or -1 when some run could not be started.
 */
int case_run_each(case_cmd_fn run, int argc, char **argv, int at,
		  const char *dir, const struct msnap_case *c,
		  struct case_output *out);

/* "DIR/NAME", malloc'd, or NULL. */
char *case_path(const char *dir, const char *name);

#endif
