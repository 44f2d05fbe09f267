// SPDX-License-Identifier: MIT
/*
 * fault_io_shim.c - an LD_PRELOAD library that makes the output side of a
 * dynamically linked memsnap misbehave, chosen by environment variables:
 *
 *   FAULT_IO=short      every write/writev/pwrite writes 1..4096 bytes only
 *   FAULT_IO=eintr      every other write call fails with EINTR, nothing written
 *   FAULT_IO=eagain     every other write call fails with EAGAIN, nothing written
 *   FAULT_IO=eio        writes fail with EIO once FAULT_IO_AFTER bytes went out
 *   FAULT_IO=enospc     the same with ENOSPC
 *   FAULT_IO=edquot     the same with EDQUOT (a disk quota)
 *   FAULT_IO=fsync      fsync/fdatasync of a regular file fails with EIO
 *   FAULT_IO=fsync_dir  fsync of a directory fails with EIO (after the rename)
 *   FAULT_IO=rename     renameat2 fails with EIO
 *   FAULT_IO=rename_einval  renameat2 fails with EINVAL (no RENAME_NOREPLACE)
 *   FAULT_IO=sig_fsync  SIGINT to itself in fsync of a regular file (then
 *                       the real fsync): a signal just before the commit
 *   FAULT_IO=no_tmpfile openat with O_TMPFILE fails with EOPNOTSUPP (a file
 *                       system without it)
 *   FAULT_IO=sig_rename SIGTERM to itself in renameat2 (then the real
 *                       rename): a signal during the commit
 *
 * Only regular files and pipes other than standard error are touched, so
 * memsnap's messages still get out.  Each fault injected is counted in the
 * file named by FAULT_IO_LOG (one line per kind, at exit), so that a test
 * can tell the shim did act.  Built by the tests with cc -shared.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/uio.h>

enum mode {
	M_NONE, M_SHORT, M_EINTR, M_EAGAIN, M_EIO, M_ENOSPC, M_EDQUOT, M_FSYNC,
	M_FSYNC_DIR, M_RENAME, M_RENAME_EINVAL, M_SIG_FSYNC, M_SIG_RENAME,
	M_NO_TMPFILE,
};

static const char *const mode_names[] = {
	"none", "short", "eintr", "eagain", "eio", "enospc", "edquot", "fsync",
	"fsync_dir", "rename", "rename_einval", "sig_fsync", "sig_rename",
	"no_tmpfile",
};

static enum mode mode = M_NONE;
static unsigned long long after;      /* bytes let through before eio/enospc */
static unsigned long long passed;     /* bytes written so far */
static unsigned long long calls;      /* write calls seen */
static unsigned long long injected;   /* faults injected */

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);
static int (*real_openat)(int, const char *, int, ...);

static void report(void)
{
	const char *log = getenv("FAULT_IO_LOG");
	FILE *f;

	if (!log || mode == M_NONE)
		return;
	f = fopen(log, "a");
	if (!f)
		return;
	fprintf(f, "%s injected=%llu calls=%llu bytes=%llu\n",
		mode_names[mode], injected, calls, passed);
	fclose(f);
}

__attribute__((constructor)) static void shim_init(void)
{
	const char *m = getenv("FAULT_IO"), *a = getenv("FAULT_IO_AFTER");
	size_t i;

	real_write = dlsym(RTLD_NEXT, "write");
	real_writev = dlsym(RTLD_NEXT, "writev");
	real_pwrite = dlsym(RTLD_NEXT, "pwrite");
	real_fsync = dlsym(RTLD_NEXT, "fsync");
	real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
	real_renameat2 = dlsym(RTLD_NEXT, "renameat2");
	real_openat = dlsym(RTLD_NEXT, "openat");
	for (i = 0; m && i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(m, mode_names[i]))
			mode = (enum mode)i;
	if (m && mode == M_NONE && strcmp(m, "none")) {
		fprintf(stderr, "fault_io_shim: unknown FAULT_IO=%s\n", m);
		abort();
	}
	after = a ? strtoull(a, NULL, 0) : 0;
	atexit(report);
}

/* Only the snapshot's descriptors: regular files and pipes, not stderr. */
static int is_output(int fd)
{
	struct stat st;

	if (fd == STDERR_FILENO || fstat(fd, &st))
		return 0;
	return S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode);
}

/*
 * Decide the fate of a write of len bytes on fd: 0 to write *len (maybe
 * shortened) for real, -1 to fail with errno set.
 */
static int before_write(int fd, size_t *len)
{
	unsigned long long n;

	if (mode == M_NONE || !is_output(fd))
		return 0;
	n = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	switch (mode) {
	case M_SHORT:
		if (*len > 1) {
			size_t cut = 1 + (size_t)(n * 7919 % 4096);

			if (cut < *len) {
				*len = cut;
				__atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
			}
		}
		return 0;
	case M_EINTR:
	case M_EAGAIN:
		if (n % 2)
			return 0;
		__atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
		errno = mode == M_EINTR ? EINTR : EAGAIN;
		return -1;
	case M_EIO:
	case M_ENOSPC:
	case M_EDQUOT:
		if (__atomic_load_n(&passed, __ATOMIC_RELAXED) + *len <= after)
			return 0;
		__atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
		errno = mode == M_EIO ? EIO : mode == M_ENOSPC ? ENOSPC : EDQUOT;
		return -1;
	default:
		return 0;
	}
}

static ssize_t count(ssize_t got)
{
	if (got > 0)
		__atomic_add_fetch(&passed, (unsigned long long)got,
				   __ATOMIC_RELAXED);
	return got;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	if (before_write(fd, &len))
		return -1;
	return count(real_write(fd, buf, len));
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	if (before_write(fd, &len))
		return -1;
	return count(real_pwrite(fd, buf, len, off));
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	size_t total = 0, want;
	int i;

	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	want = total;
	if (before_write(fd, &want))
		return -1;
	if (want == total)
		return count(real_writev(fd, iov, n));
	/* shortened: write the first want bytes of the first vector that has any */
	for (i = 0; i < n && !iov[i].iov_len; i++)
		;
	if (i == n)
		return 0;
	if (want > iov[i].iov_len)
		want = iov[i].iov_len;
	return count(real_write(fd, iov[i].iov_base, want));
}

static int fail_sync(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	if (mode == M_SIG_FSYNC && S_ISREG(st.st_mode)) {
		__atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
		kill(getpid(), SIGINT);
		return 0;
	}
	if ((mode == M_FSYNC && S_ISREG(st.st_mode)) ||
	    (mode == M_FSYNC_DIR && S_ISDIR(st.st_mode))) {
		__atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
		errno = EIO;
		return 1;
	}
	return 0;
}

int fsync(int fd)
{
	return fail_sync(fd) ? -1 : real_fsync(fd);
}

int fdatasync(int fd)
{
	return fail_sync(fd) ? -1 : real_fdatasync(fd);
}

int renameat2(int olddir, const char *from, int newdir, const char *to,
	      unsigned flags)
{
	if (mode == M_SIG_RENAME) {
		__atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
		kill(getpid(), SIGTERM);
	}
	if (mode == M_RENAME || mode == M_RENAME_EINVAL) {
		__atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
		errno = mode == M_RENAME ? EIO : EINVAL;
		return -1;
	}
	return real_renameat2(olddir, from, newdir, to, flags);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t m = 0;
	va_list ap;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_start(ap, flags);
		m = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (mode == M_NO_TMPFILE && (flags & O_TMPFILE) == O_TMPFILE) {
		__atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
		errno = EOPNOTSUPP;
		return -1;
	}
	return real_openat(dirfd, path, flags, m);
}
