// SPDX-License-Identifier: MIT
/*
 * output.c - the snapshot file.  The directory is resolved once and every
 * name is created relative to it, so a path component swapped under us
 * cannot redirect the evidence; nothing is followed, nothing is replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "output.h"
#include "signals.h"

static int fail(struct cap_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct cap_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

static int open_stdout(struct output *o, struct cap_error *err)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st))
		return fail(err, "standard output is not open: %s",
			    strerror(errno));
	if (isatty(STDOUT_FILENO))
		return fail(err, "refusing to write a binary snapshot to a terminal; redirect standard output");
	o->fd = STDOUT_FILENO;
	o->is_stdout = true;
	return 0;
}

static bool is_symlink(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISLNK(st.st_mode);
}

/* Split path into a directory fd and a final name. */
static int open_dir(struct output *o, const char *path, struct cap_error *err)
{
	char *d = strdup(path), *b = strdup(path);
	const char *dir;
	int ret = -1;

	if (!d || !b) {
		fail(err, "out of memory");
		goto out;
	}
	o->name = strdup(basename(b));
	if (!o->name) {
		fail(err, "out of memory");
		goto out;
	}
	if (!*o->name || !strcmp(o->name, ".") || !strcmp(o->name, "..") ||
	    path[strlen(path) - 1] == '/') {
		fail(err, "output is not a file name: %s", path);
		goto out;
	}
	/*
	 * O_RDONLY rather than O_PATH: the directory is fsync'ed at the end.
	 * O_NOFOLLOW: a symbolic link as the last directory could be swapped
	 * for one to another directory (in /tmp, by anyone) under a root-run
	 * capture; earlier components are followed.
	 */
	dir = dirname(d);
	o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (o->dirfd < 0 && (errno == ELOOP || errno == ENOTDIR) &&
	    is_symlink(dir)) {
		fail(err, "the directory of %s is a symbolic link (%s): give its real path",
		     path, dir);
		goto out;
	}
	if (o->dirfd < 0) {
		fail(err, "cannot open the directory of %s: %s", path,
		     strerror(errno));
		goto out;
	}
	ret = 0;
out:
	free(d);
	free(b);
	return ret;
}

/* Refuse a name that is taken (whatever it is: nothing is opened). */
static int check_free_name(const struct output *o, const char *name,
			   const char *shown, struct cap_error *err)
{
	struct stat st;

	if (!fstatat(o->dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (name == o->partial_name)
			return fail(err, "partial output file exists: %s (from an earlier capture? move it away)",
				    shown);
		if (S_ISLNK(st.st_mode))
			return fail(err, "output file exists (a symbolic link): %s",
				    shown);
		return fail(err, "output file exists: %s", shown);
	}
	if (errno != ENOENT)
		return fail(err, "cannot check output file %s: %s", shown,
			    strerror(errno));
	return 0;
}

static int create_named(struct output *o, struct cap_error *err)
{
	/* read too: the writer reads pre-copied chunks back (FORMAT.md 4.8) */
	o->fd = openat(o->dirfd, o->partial_name,
		       O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (o->fd < 0) {
		if (errno == EEXIST)
			return fail(err, "partial output file exists: %s (from an earlier capture? move it away)",
				    o->partial_path);
		return fail(err, "cannot create %s: %s", o->partial_path,
			    strerror(errno));
	}
	return 0;
}

static int open_output(struct output *o, const char *path,
		       struct cap_error *err)
{
	o->path = strdup(path);
	if (!o->path)
		return fail(err, "out of memory");
	if (!strcmp(path, "-"))
		return open_stdout(o, err);
	if (!*path)
		return fail(err, "empty output file name");
	if (open_dir(o, path, err))
		return -1;
	o->partial_name = join(o->name, ".partial");
	o->partial_path = join(path, ".partial");
	if (!o->partial_name || !o->partial_path)
		return fail(err, "out of memory");
	if (check_free_name(o, o->name, path, err) ||
	    check_free_name(o, o->partial_name, o->partial_path, err))
		return -1;

	umask(077);
	/*
	 * Nameless until the target is touched: a capture stopped before
	 * that, even by SIGKILL, leaves nothing behind, and a NAME.partial
	 * that exists always holds at least the snapshot's header.
	 */
	o->fd = openat(o->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (o->fd >= 0) {
		o->nameless = true;
		return 0;
	}
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return fail(err, "cannot create %s: %s", o->partial_path,
			    strerror(errno));
	return create_named(o, err);
}

int output_open(struct output *o, const char *path, struct cap_error *err)
{
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->dirfd = -1;
	if (!open_output(o, path, err))
		return 0;
	output_close(o);
	return -1;
}

int output_check_space(const struct output *o, uint64_t present,
		       struct cap_error *err)
{
	struct statvfs vfs;
	struct stat st;
	uint64_t avail, blocks, need;

	if (fstat(o->fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	if (fstatvfs(o->fd, &vfs) || !vfs.f_frsize)
		return 0;
	/* root may use the blocks reserved for it */
	blocks = geteuid() == 0 ? vfs.f_bfree : vfs.f_bavail;
	if (blocks > UINT64_MAX / vfs.f_frsize)
		return 0;
	avail = blocks * vfs.f_frsize;
	need = present / OUTPUT_MIN_RATIO + OUTPUT_MIN_BYTES;
	if (avail < need)
		return fail(err, "not enough free space for %s: %llu KiB free, a snapshot of %llu MiB of memory needs at least %llu KiB (--no-space-check to try anyway)",
			    o->path, (unsigned long long)(avail >> 10),
			    (unsigned long long)(present >> 20),
			    (unsigned long long)((need + 1023) >> 10));
	return 0;
}

int output_publish(struct output *o, struct cap_error *err)
{
	char proc[64];

	if (!o->nameless)
		return 0;
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd does not */
	if (linkat(o->fd, "", o->dirfd, o->partial_name, AT_EMPTY_PATH)) {
		if (errno == EEXIST)
			goto taken;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
		if (linkat(AT_FDCWD, proc, o->dirfd, o->partial_name,
			   AT_SYMLINK_FOLLOW)) {
			if (errno == EEXIST)
				goto taken;
			return fail(err, "cannot create %s: %s",
				    o->partial_path, strerror(errno));
		}
	}
	o->nameless = false;
	return 0;
taken:
	return fail(err, "partial output file exists: %s (created during this capture by someone else?)",
		    o->partial_path);
}

/* rename(2) that never replaces, on file systems without RENAME_NOREPLACE too. */
static int rename_noreplace(int dirfd, const char *from, const char *to)
{
	if (!renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (linkat(dirfd, from, dirfd, to, 0))
		return -1;
	if (unlinkat(dirfd, from, 0)) {
		int saved = errno;

		(void)unlinkat(dirfd, to, 0);
		errno = saved;
		return -1;
	}
	return 0;
}

static int commit_stdout(struct output *o, struct cap_error *err)
{
	struct stat st;

	/* "-o - >file": the redirection deserves the same durability */
	if (!fstat(o->fd, &st) && S_ISREG(st.st_mode) && fsync(o->fd))
		return fail(err, "cannot sync standard output: %s",
			    strerror(errno));
	if (signals_hold())
		return fail(err, "interrupted before the end");
	o->committed = true;
	return 0;
}

int output_commit(struct output *o, struct cap_error *err)
{
	int sync_errno;

	if (o->is_stdout)
		return commit_stdout(o, err);
	if (output_publish(o, err))
		return -1;
	if (fsync(o->fd))
		return fail(err, "cannot sync %s: %s", o->partial_path,
			    strerror(errno));
	if (signals_hold())
		return fail(err, "interrupted before the rename");
	if (rename_noreplace(o->dirfd, o->partial_name, o->name))
		return fail(err, "cannot rename %s to %s: %s", o->partial_path,
			    o->path, strerror(errno));
	o->committed = true;
	if (!fsync(o->dirfd))
		return 0;
	/* the name may not survive a crash: do not claim it */
	sync_errno = errno;
	if (rename_noreplace(o->dirfd, o->name, o->partial_name))
		return fail(err, "cannot sync the directory of %s: %s (the snapshot is complete but its name may not survive a crash)",
			    o->path, strerror(sync_errno));
	o->committed = false;
	return fail(err, "cannot sync the directory of %s: %s; the complete snapshot was renamed back",
		    o->path, strerror(sync_errno));
}

const char *output_leftover(const struct output *o)
{
	if (o->is_stdout || !o->partial_path || o->nameless)
		return o->path ? o->path : "-";
	return o->committed ? o->path : o->partial_path;
}

void output_discard(struct output *o)
{
	struct stat ours, there;

	if (o->is_stdout || o->committed || o->nameless || o->fd < 0 ||
	    !o->partial_name)
		return;
	if (fstat(o->fd, &ours) ||
	    fstatat(o->dirfd, o->partial_name, &there, AT_SYMLINK_NOFOLLOW) ||
	    ours.st_dev != there.st_dev || ours.st_ino != there.st_ino)
		return;
	(void)unlinkat(o->dirfd, o->partial_name, 0);
}

void output_close(struct output *o)
{
	if (o->fd >= 0 && !o->is_stdout)
		close(o->fd);
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->path);
	free(o->name);
	free(o->partial_name);
	free(o->partial_path);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->dirfd = -1;
}
