/* SPDX-License-Identifier: MIT */
/*
 * output.h - the snapshot file: created as NAME.partial (0600, O_EXCL,
 * O_NOFOLLOW) in a directory resolved once, renamed to NAME only when
 * complete and synced.  "-" is standard output (never a terminal).
 */
#ifndef CAPTURE_OUTPUT_H
#define CAPTURE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "target.h"

struct output {
	int fd;                 /* where the snapshot goes */
	int dirfd;              /* directory of the file, -1 for stdout */
	bool is_stdout;
	bool committed;
	char *path;             /* as given: for messages and the sha256 line */
	char *name;             /* final name, relative to dirfd */
	char *partial_name;     /* NAME.partial, relative to dirfd */
	char *partial_path;     /* path + ".partial", for messages */
};

/* Refuse an existing NAME, create NAME.partial.  Returns 0 or -1. */
int output_open(struct output *o, const char *path, struct cap_error *err);

/* Refuse when the file system clearly cannot hold need bytes. */
int output_check_space(const struct output *o, uint64_t need,
		       struct cap_error *err);

/* fsync, rename NAME.partial to NAME (never replacing), fsync the directory. */
int output_commit(struct output *o, struct cap_error *err);

/* What to call the file in a message after a failure. */
const char *output_leftover(const struct output *o);

/*
 * Remove NAME.partial when nothing useful went into it (the target was
 * never touched), and only if it is still the file we created.
 */
void output_discard(struct output *o);

/* Close everything; an uncommitted NAME.partial stays as evidence. */
void output_close(struct output *o);

#endif
