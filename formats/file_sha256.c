// SPDX-License-Identifier: MIT
/* file_sha256.c - a whole file's SHA-256, remembered per file (sha256.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sha256.h"

/* A series needs the last snapshot or two, a group capture one entry per
 * executable: the oldest is replaced past this. */
#define KNOWN_MAX 256

struct known {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	uint8_t sha[MSNAP_SHA256_SIZE];
};

static struct known known[KNOWN_MAX];
static unsigned nknown, next_slot;
static pthread_mutex_t known_lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool same_file(const struct known *k, const struct stat *st)
{
	return k->dev == st->st_dev && k->ino == st->st_ino &&
	       k->size == st->st_size && same_time(&k->mtime, &st->st_mtim) &&
	       same_time(&k->ctime, &st->st_ctim);
}

static bool recall(const struct stat *st, uint8_t out[MSNAP_SHA256_SIZE])
{
	bool hit = false;
	unsigned i;

	pthread_mutex_lock(&known_lock);
	for (i = 0; i < nknown && !hit; i++)
		if (same_file(&known[i], st)) {
			memcpy(out, known[i].sha, MSNAP_SHA256_SIZE);
			hit = true;
		}
	pthread_mutex_unlock(&known_lock);
	return hit;
}

/*
 * A change in the same clock tick as the file's last one leaves ctime as
 * it was (file systems stamp with the coarse clock, some in whole seconds:
 * then tv_nsec is 0).  So an entry is kept only once that tick is over,
 * waiting a few milliseconds for it at most: every later change moves
 * ctime.
 */
static bool tick_over(const struct timespec *c)
{
	const struct timespec pause = { 0, 1000000 };
	const int64_t gran = c->tv_nsec ? 0 : 1000000000;
	const int64_t then = (int64_t)c->tv_sec * 1000000000 + c->tv_nsec + gran;
	struct timespec now;
	int tries;

	for (tries = 0; tries < 20; tries++) {
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
		if ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec > then)
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

static void keep(const struct stat *st, const uint8_t sha[MSNAP_SHA256_SIZE])
{
	struct known k = {
		.dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
		.mtime = st->st_mtim, .ctime = st->st_ctim,
	};
	unsigned i;

	if (!tick_over(&st->st_ctim))
		return;
	memcpy(k.sha, sha, MSNAP_SHA256_SIZE);
	pthread_mutex_lock(&known_lock);
	for (i = 0; i < nknown && !same_file(&known[i], st); i++)
		;
	if (i == nknown) {
		i = next_slot;
		next_slot = (next_slot + 1) % KNOWN_MAX;
		if (nknown < KNOWN_MAX)
			nknown++;
	}
	known[i] = k;
	pthread_mutex_unlock(&known_lock);
}

void msnap_file_sha256_forget(void)
{
	pthread_mutex_lock(&known_lock);
	nknown = next_slot = 0;
	pthread_mutex_unlock(&known_lock);
}

void msnap_file_sha256_remember(int fd, const uint8_t sha[MSNAP_SHA256_SIZE])
{
	struct stat st;

	if (!fstat(fd, &st) && S_ISREG(st.st_mode))
		keep(&st, sha);
}

static int hash_fd(int fd, uint8_t out[MSNAP_SHA256_SIZE])
{
	static const size_t block = 1u << 20;
	struct msnap_sha256 h;
	uint8_t *buf = malloc(block);
	off_t off = 0;
	ssize_t n;
	int ret;

	if (!buf)
		return -ENOMEM;
	msnap_sha256_init(&h);
	for (;;) {
		n = pread(fd, buf, block, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		msnap_sha256_update(&h, buf, (size_t)n);
		off += n;
	}
	ret = n < 0 ? -errno : 0;
	free(buf);
	if (msnap_sha256_final(&h, out) && !ret)
		ret = -ENOMEM;
	return ret;
}

int msnap_file_sha256(int fd, uint8_t out[MSNAP_SHA256_SIZE])
{
	struct stat before, after;
	bool regular = !fstat(fd, &before) && S_ISREG(before.st_mode);
	int ret;

	if (regular && recall(&before, out))
		return 0;
	ret = hash_fd(fd, out);
	/* changed while hashed: the digest is of no one version, keep none */
	if (!ret && regular && !fstat(fd, &after) &&
	    same_file(&(struct known){
		.dev = before.st_dev, .ino = before.st_ino, .size = before.st_size,
		.mtime = before.st_mtim, .ctime = before.st_ctim }, &after))
		keep(&after, out);
	return ret;
}
