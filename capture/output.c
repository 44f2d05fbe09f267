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

/* Split path into a directory fd and a final name. */
static int open_dir(struct output *o, const char *path, struct cap_error *err)
{
	char *d = strdup(path), *b = strdup(path);
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
	/* O_RDONLY rather than O_PATH: the directory is fsync'ed at the end. */
	o->dirfd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

int output_open(struct output *o, const char *path, struct cap_error *err)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	o->dirfd = -1;
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

	if (!fstatat(o->dirfd, o->name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISLNK(st.st_mode))
			return fail(err, "output file exists (a symbolic link): %s",
				    path);
		return fail(err, "output file exists: %s", path);
	}
	if (errno != ENOENT)
		return fail(err, "cannot check output file %s: %s", path,
			    strerror(errno));

	umask(077);
	o->fd = openat(o->dirfd, o->partial_name,
		       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
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

int output_check_space(const struct output *o, uint64_t need,
		       struct cap_error *err)
{
	struct statvfs vfs;
	struct stat st;
	uint64_t avail;

	if (fstat(o->fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	if (fstatvfs(o->fd, &vfs))
		return 0;
	if (vfs.f_frsize && vfs.f_bavail > UINT64_MAX / vfs.f_frsize)
		return 0;
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (avail < need)
		return fail(err, "not enough free space for %s: %llu MiB free, about %llu MiB needed",
			    o->path, (unsigned long long)(avail >> 20),
			    (unsigned long long)((need + (1 << 20) - 1) >> 20));
	return 0;
}

int output_commit(struct output *o, struct cap_error *err)
{
	if (o->is_stdout) {
		o->committed = true;
		return 0;
	}
	if (fsync(o->fd))
		return fail(err, "cannot sync %s: %s", o->partial_path,
			    strerror(errno));
	if (renameat2(o->dirfd, o->partial_name, o->dirfd, o->name,
		      RENAME_NOREPLACE))
		return fail(err, "cannot rename %s to %s: %s", o->partial_path,
			    o->path, strerror(errno));
	o->committed = true;
	if (fsync(o->dirfd))
		return fail(err, "cannot sync the directory of %s: %s", o->path,
			    strerror(errno));
	return 0;
}

const char *output_leftover(const struct output *o)
{
	if (o->is_stdout || !o->partial_path)
		return o->path ? o->path : "-";
	return o->committed ? o->path : o->partial_path;
}

void output_discard(struct output *o)
{
	struct stat ours, there;

	if (o->is_stdout || o->committed || o->fd < 0 || !o->partial_name)
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
