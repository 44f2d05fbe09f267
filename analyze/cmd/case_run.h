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

/* "DIR/NAME", malloc'd, or NULL. */
char *case_path(const char *dir, const char *name);

#endif
