/* SPDX-License-Identifier: MIT */
/*
 * target_int.h - procfs helpers shared by the target half of capture/
 * (target.c, freeze.c, procinfo.c, threads_emit.c).  Not part of the
 * interface in target.h.  Every path given here is relative to a pinned
 * /proc/PID directory fd and never comes from the target.
 */
#ifndef CAPTURE_TARGET_INT_H
#define CAPTURE_TARGET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "target.h"

/* Largest procfs file we read whole (environ, status, maps are far below). */
#define TGT_READ_MAX (16u << 20)

/*
 * Read a whole file at dirfd/name (procfs sizes are 0, so read until EOF).
 * *out is malloc'd and NUL-terminated (the NUL is not counted in *len).
 * Returns 0 or -errno.
 */
int tgt_read_at(int dirfd, const char *name, char **out, size_t *len);

/* Numeric entries (tids, fds) of directory name under dirfd, sorted
 * ascending; *out malloc'd.  0 or -errno. */
int tgt_list_numeric(int dirfd, const char *name, int **out, size_t *n);

struct tgt_stat {
	char comm[64];          /* raw bytes between the parentheses */
	char state;
	pid_t ppid;
	unsigned long flags;    /* field 9, PF_* */
	uint64_t utime, stime;  /* fields 14, 15, clock ticks */
	uint64_t num_threads;   /* field 20 */
	uint64_t start_time;    /* field 22, clock ticks after boot */
};

/* Parse /proc/PID/stat text; comm may hold ')' and spaces.  0 or -EINVAL. */
int tgt_parse_stat(const char *buf, size_t len, struct tgt_stat *st);

/* Read and parse dirfd/name (a stat file).  0 or -errno. */
int tgt_read_stat(int dirfd, const char *name, struct tgt_stat *st);

/*
 * Find "Key:" at the start of a line of status text and return a pointer to
 * its value with leading blanks skipped, or NULL.  The value runs to '\n'.
 */
const char *tgt_status_value(const char *status, const char *key);

/* Parse a decimal or hex field of status ("TracerPid:", "SigPnd:"). */
int tgt_status_u64(const char *status, const char *key, int base,
		   uint64_t *v);

/*
 * After PTRACE_SEIZE of tid failed with EPERM: say what is in the way
 * (a tracer, Yama, uids, setuid, non-dumpable, an LSM) in err.
 */
void tgt_explain_eperm(const struct target *t, pid_t tid,
		       struct cap_error *err);

/* Format into err->msg. */
void tgt_set_err(struct cap_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
