/* SPDX-License-Identifier: MIT */
/*
 * output.h - the snapshot file: created nameless (O_TMPFILE, 0600) in a
 * directory resolved once, given the name NAME.partial just before the
 * target is touched, renamed to NAME only when complete and synced.  Where
 * the file system has no O_TMPFILE, NAME.partial is created at once
 * (O_EXCL, O_NOFOLLOW).  "-" is standard output (never a terminal).
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
	bool nameless;          /* O_TMPFILE, not linked yet */
	bool committed;
	char *path;             /* as given: for messages and the sha256 line */
	char *name;             /* final name, relative to dirfd */
	char *partial_name;     /* NAME.partial, relative to dirfd */
	char *partial_path;     /* path + ".partial", for messages */
};

/* Is path an existing directory ("-o DIR")? */
bool output_is_dir(const char *path);
/* DIR/COMM-PID-YYYYMMDDTHHMMSSZ.msnap (malloc'd; NULL: out of memory). */
char *output_name_in_dir(const char *dir, pid_t pid);

/* Refuse an existing NAME, create NAME.partial.  Returns 0, or -1 with
 * nothing left open. */
int output_open(struct output *o, const char *path, struct cap_error *err);

/*
 * Smallest snapshot that present bytes of memory can make: zstd level 1
 * seldom shrinks process memory more than 16-fold, and the metadata of even
 * a small process takes about a mebibyte.
 */
#define OUTPUT_MIN_RATIO 16
#define OUTPUT_MIN_BYTES (1ull << 20)

/*
 * Refuse (before anything is frozen) when the file system holding the
 * output has less free space than present / OUTPUT_MIN_RATIO +
 * OUTPUT_MIN_BYTES.  Standard output and unknown sizes are not checked.
 */
int output_check_space(const struct output *o, uint64_t present,
		       struct cap_error *err);

/* Give the nameless file its name NAME.partial (never replacing). */
int output_publish(struct output *o, struct cap_error *err);

/*
 * fsync, hold the stop signals (signals_hold) and refuse if one came,
 * rename NAME.partial to NAME (never replacing), fsync the directory; if
 * that last fsync fails the file is renamed back to NAME.partial.  For
 * standard output: fsync if it is a regular file, and the same hold.
 */
int output_commit(struct output *o, struct cap_error *err);

/* What to call the file in a message after a failure. */
const char *output_leftover(const struct output *o);

/*
 * Remove NAME.partial when nothing useful went into it (the target was
 * never touched), and only if it is still the file we created.  A nameless
 * file needs nothing: it goes when closed.
 */
void output_discard(struct output *o);

/* Close everything; an uncommitted NAME.partial stays as evidence. */
void output_close(struct output *o);

#endif
