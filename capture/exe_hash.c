// SPDX-License-Identifier: MIT
/* exe_hash.c - an executable's SHA-256, once per file (exe_hash.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "exe_hash.h"

struct exe_entry {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	uint8_t digest[32];
};

/* a group reads the facts of several members at once, on worker threads */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct exe_entry *cache;
static size_t ncache, cache_cap;

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool same_file(const struct exe_entry *e, const struct stat *st)
{
	return e->dev == st->st_dev && e->ino == st->st_ino &&
	       e->size == st->st_size && same_time(&e->mtime, &st->st_mtim) &&
	       same_time(&e->ctime, &st->st_ctim);
}

/* SHA-256 of everything readable from fd; 0 or -errno. */
static int sha256_fd(int fd, uint8_t digest[SHA256_DIGEST_SIZE])
{
	const size_t bufsz = 1u << 16;
	struct sha256_ctx ctx;
	uint8_t *buf = malloc(bufsz);
	off_t off = 0;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	sha256_init(&ctx);
	for (;;) {
		r = pread(fd, buf, bufsz, off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;
		sha256_update(&ctx, (size_t)r, buf);
		off += r;
	}
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
	free(buf);
	return 0;
}

/* Remember a digest; a full table only means hashing again later. */
static void remember(const struct stat *st, const uint8_t digest[32])
{
	struct exe_entry *nv;

	if (ncache == cache_cap) {
		size_t cap = cache_cap ? 2 * cache_cap : 32;

		nv = realloc(cache, cap * sizeof(*nv));
		if (!nv)
			return;
		cache = nv;
		cache_cap = cap;
	}
	cache[ncache] = (struct exe_entry){
		.dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
		.mtime = st->st_mtim, .ctime = st->st_ctim,
	};
	memcpy(cache[ncache].digest, digest, 32);
	ncache++;
}

int exe_sha256(int fd, const struct stat *st, uint8_t digest[32])
{
	struct stat after;
	size_t i;
	int ret;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; i < ncache; i++)
		if (same_file(&cache[i], st)) {
			memcpy(digest, cache[i].digest, 32);
			pthread_mutex_unlock(&cache_lock);
			return 0;
		}
	pthread_mutex_unlock(&cache_lock);
	ret = sha256_fd(fd, digest);
	/* changed while hashed: the digest is of no one version, keep none */
	if (!ret && !fstat(fd, &after) && same_file(&(struct exe_entry){
		.dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
		.mtime = st->st_mtim, .ctime = st->st_ctim }, &after)) {
		pthread_mutex_lock(&cache_lock);
		remember(st, digest);
		pthread_mutex_unlock(&cache_lock);
	}
	return ret;
}

void exe_sha256_prime(pid_t pid)
{
	uint8_t digest[32];
	char path[64];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;         /* the frozen capture says why, if it still is */
	if (!fstat(fd, &st))
		exe_sha256(fd, &st, digest);
	close(fd);
}

void exe_hash_forget(void)
{
	pthread_mutex_lock(&cache_lock);
	free(cache);
	cache = NULL;
	ncache = cache_cap = 0;
	pthread_mutex_unlock(&cache_lock);
}
