// SPDX-License-Identifier: MIT
/*
 * preload_file.c - the target's /etc/ld.so.preload, as its ld.so sees it.
 *
 * ld.so loads every library named in that file into every dynamically
 * linked program: the classic persistence of userland rootkits, and one
 * that leaves nothing in the environment.  The file is looked up inside
 * the target's root (a container has its own) with openat2 and
 * RESOLVE_IN_ROOT, so a symlink planted there cannot lead us outside that
 * root, and no /proc magic link is followed on the way.  O_NONBLOCK and a
 * regular-file check keep a FIFO from stalling the capture.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "preload_file.h"

static void note(struct cap_errors *e, const struct target *t, int err_no,
		 const char *why)
{
	errors_add(e, "file", -1, 0, 0, err_no, 0,
		   "cannot read /etc/ld.so.preload in the root of %d: %s",
		   (int)t->pid, why ? why : strerror(err_no));
}

/* fd of etc/ld.so.preload under the target's root; -errno on failure. */
static int open_in_root(const struct target *t)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int root, fd;

	root = openat(t->mmfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, root, "etc/ld.so.preload", &how,
			  sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(root);
	return fd;
}

void emit_ld_so_preload(struct yout *y, const struct target *t,
			struct cap_errors *e)
{
	char *buf = NULL;
	struct stat st;
	size_t have = 0;
	ssize_t got;
	int fd;

	fd = open_in_root(t);
	if (fd == -ENOENT) {
		yout_key(y, "ld_so_preload");
		yout_map_begin(y);
		yout_kv_bool(y, "present", false);
		yout_map_end(y);
		return;
	}
	if (fd < 0) {
		note(e, t, -fd, NULL);
		return;
	}
	if (fstat(fd, &st)) {
		note(e, t, errno, NULL);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		note(e, t, 0, "not a regular file");
		goto out;
	}
	buf = malloc(PRELOAD_FILE_MAX);
	if (!buf) {
		note(e, t, ENOMEM, NULL);
		goto out;
	}
	while (have < PRELOAD_FILE_MAX) {
		got = read(fd, buf + have, PRELOAD_FILE_MAX - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			note(e, t, errno, NULL);
			goto out;
		}
		if (!got)
			break;
		have += (size_t)got;
	}
	yout_key(y, "ld_so_preload");
	yout_map_begin(y);
	yout_kv_bool(y, "present", true);
	yout_kv_u64(y, "size", (uint64_t)st.st_size);
	yout_kv_bytes(y, "content", buf, have);
	if ((uint64_t)st.st_size > have)
		yout_kv_bool(y, "truncated", true);
	yout_map_end(y);
out:
	free(buf);
	close(fd);
}
