// SPDX-License-Identifier: MIT
/* case_files.c - each mapped file stored once per case (case_files.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "case_files.h"
#include "sha256.h"
#include "storefiles.h"

#define COPY_PIECE (1u << 20)

int case_files_init(struct case_files *cf, int dirfd)
{
	memset(cf, 0, sizeof(*cf));
	cf->dirfd = dirfd;
	cf->buf = malloc(COPY_PIECE);
	if (!cf->buf)
		return -1;
	if (mkdirat(dirfd, CASE_FILES_DIR, 0700) && errno != EEXIST) {
		free(cf->buf);
		cf->buf = NULL;
		return -1;
	}
	return 0;
}

static bool same_key(const struct case_file *f, const struct region *r)
{
	return f->inode == r->inode && f->dev_major == r->dev_major &&
	       f->dev_minor == r->dev_minor && f->size == r->file_size &&
	       f->mtime_sec == r->file_mtime_sec &&
	       f->mtime_nsec == r->file_mtime_nsec;
}

/*
 * A path that names the same place inside files/ as on the host: absolute,
 * no "." or ".." or empty component, so nothing lands outside the tree and
 * two spellings of one file cannot collide.
 */
static bool plain_path(const char *p)
{
	const char *c;
	size_t n;

	if (p[0] != '/' || strlen(p) > 3800)
		return false;
	for (c = p + 1; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		if (!n || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
	}
	return true;
}

/* Make DIR/files/<dirs of path> and open its last directory.  fd or -1. */
static int open_parent(int dirfd, const char *path, const char **base)
{
	char part[4096];
	const char *c = path + 1, *slash;
	int fd = openat(dirfd, CASE_FILES_DIR, O_RDONLY | O_DIRECTORY |
			O_NOFOLLOW | O_CLOEXEC), next;

	while (fd >= 0 && (slash = strchr(c, '/'))) {
		snprintf(part, sizeof(part), "%.*s", (int)(slash - c), c);
		if (mkdirat(fd, part, 0700) && errno != EEXIST) {
			close(fd);
			return -1;
		}
		next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		close(fd);
		fd = next;
		c = slash + 1;
	}
	*base = c;
	return fd;
}

/* Copy in to out, hashing on the way.  0 or an errno. */
static int copy_hashing(struct case_files *cf, int in, int out,
			struct case_file *f)
{
	struct msnap_sha256 sha;
	uint64_t done = 0;
	ssize_t n, w;
	size_t off;
	int e = 0;

	msnap_sha256_init(&sha);
	while (done < f->size) {
		n = pread(in, cf->buf, COPY_PIECE, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;        /* shrank while read */
			goto fail;
		}
		msnap_sha256_update(&sha, cf->buf, (size_t)n);
		for (off = 0; off < (size_t)n; off += (size_t)w) {
			w = write(out, cf->buf + off, (size_t)n - off);
			if (w < 0 && errno == EINTR) {
				w = 0;
			} else if (w <= 0) {
				e = w < 0 ? errno : EIO;
				goto fail;
			}
		}
		done += (uint64_t)n;
	}
	return msnap_sha256_final(&sha, f->sha256) ? ENOMEM : 0;
fail:
	msnap_sha256_discard(&sha);
	return e;
}

/* Store f's bytes from the mapped inode.  0, or an errno with f->error. */
static int store(struct case_files *cf, struct case_file *f,
		 const struct region *r, int procfd)
{
	char name[64];
	const char *base;
	struct timespec times[2];
	struct stat st;
	int in, parent, out = -1, e = 0;

	snprintf(name, sizeof(name), "map_files/%llx-%llx",
		 (unsigned long long)r->start, (unsigned long long)r->end);
	/* a magic link: it opens the mapped inode itself, never a path */
	in = openat(procfd, name, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return errno;
	if (fstat(in, &st) || !S_ISREG(st.st_mode) || st.st_ino != r->inode ||
	    (uint64_t)st.st_size != f->size ||
	    st.st_mtim.tv_sec != f->mtime_sec ||
	    st.st_mtim.tv_nsec != f->mtime_nsec) {
		close(in);
		return ESTALE;          /* not the file maps named: no guess */
	}
	parent = open_parent(cf->dirfd, f->path, &base);
	if (parent >= 0)
		out = openat(parent, base, O_WRONLY | O_CREAT | O_EXCL |
			     O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		e = errno;
		goto out;
	}
	e = copy_hashing(cf, in, out, f);
	/* check binds a reference by size and mtime when there is no build-id */
	times[0] = times[1] = st.st_mtim;
	if (!e && futimens(out, times))
		e = errno;
	if (close(out) && !e)
		e = errno;
	if (e)
		unlinkat(parent, base, 0);
out:
	if (parent >= 0)
		close(parent);
	close(in);
	return e;
}

static struct case_file *add(struct case_files *cf, const struct region *r)
{
	struct case_file *f, *nv;

	if (cf->n == cf->cap) {
		cf->cap = cf->cap ? 2 * cf->cap : 64;
		nv = realloc(cf->v, cf->cap * sizeof(*nv));
		if (!nv)
			return NULL;
		cf->v = nv;
	}
	f = &cf->v[cf->n];
	memset(f, 0, sizeof(*f));
	f->path = strdup(r->path);
	if (!f->path)
		return NULL;
	f->dev_major = r->dev_major;
	f->dev_minor = r->dev_minor;
	f->inode = r->inode;
	f->size = r->file_size;
	f->mtime_sec = r->file_mtime_sec;
	f->mtime_nsec = r->file_mtime_nsec;
	cf->n++;
	return f;
}

const struct case_file *case_files_get(struct case_files *cf,
				       const struct region *r, int procfd)
{
	struct case_file *f;
	size_t i;
	int e;

	if (!cf->buf || r->kind != KIND_FILE || !r->file_ok ||
	    !r->file_nlink || !r->file_size || r->file_size > STORED_FILE_MAX ||
	    !plain_path(r->path))
		return NULL;
	for (i = 0; i < cf->n; i++) {
		f = &cf->v[i];
		if (same_key(f, r))
			return f->complete ? f : NULL;
		if (!strcmp(f->path, r->path))
			return NULL;    /* that place is another file's */
	}
	f = add(cf, r);
	if (!f)
		return NULL;
	e = store(cf, f, r, procfd);
	if (e) {
		snprintf(f->error, sizeof(f->error), "%s", strerror(e));
		return NULL;
	}
	f->complete = true;
	cf->bytes_stored += f->size;
	return f;
}

void case_files_free(struct case_files *cf)
{
	size_t i;

	for (i = 0; i < cf->n; i++)
		free(cf->v[i].path);
	free(cf->v);
	free(cf->buf);
	memset(cf, 0, sizeof(*cf));
	cf->dirfd = -1;
}
