/* SPDX-License-Identifier: MIT */
/*
 * sha256.h - SHA-256 for libmsnap and its programs, through OpenSSL's EVP.
 *
 * A capture hashes every byte it stores once for its region and every
 * byte it writes once for the file.  Measured on the same bytes in one
 * process (1 MiB updates): OpenSSL 3.0 1.1x nettle 3.8 where the CPU has
 * SHA extensions (both use them), 1.5x where it has not (OpenSSL's
 * SSSE3/AVX code).  Numbers: HACKING.md, "Dependencies".
 *
 * msnap_sha256_init() cannot fail: the context is set up on first use, and
 * one that could not be (out of memory) remembers it: updates do nothing
 * and msnap_sha256_final() fails, so a caller checks once.  Every
 * initialised context ends with msnap_sha256_final() or _discard().
 */
#ifndef MSNAP_SHA256_H
#define MSNAP_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSNAP_SHA256_SIZE 32

struct msnap_sha256 {
	void *ctx;            /* EVP_MD_CTX */
	bool failed;
};

void msnap_sha256_init(struct msnap_sha256 *h);
void msnap_sha256_update(struct msnap_sha256 *h, const void *data, size_t len);
/* dst starts where src is (dst needs no init; src goes on untouched). */
void msnap_sha256_copy(struct msnap_sha256 *dst, const struct msnap_sha256 *src);
/* The digest of everything so far; frees the context.  0, or -1. */
int msnap_sha256_final(struct msnap_sha256 *h, uint8_t out[MSNAP_SHA256_SIZE]);
/* The digest of everything so far, the context going on.  0, or -1. */
int msnap_sha256_peek(struct msnap_sha256 *h, uint8_t out[MSNAP_SHA256_SIZE]);
/* Drop a context without its digest (an error path). */
void msnap_sha256_discard(struct msnap_sha256 *h);

/*
 * Whole files (file_sha256.c).  msnap_file_sha256() hashes everything
 * readable from fd, from offset 0 (pread: fd's offset stays); 0 or -errno.
 * It answers from memory for a file it hashed before, or one given to
 * msnap_file_sha256_remember() (a snapshot this process just wrote and
 * committed), as long as the file is the same and unchanged: same device,
 * inode, size, mtime and ctime.  Every write moves ctime, and user space
 * cannot set it back, so a file rewritten or replaced since is hashed
 * again.  A series stores each snapshot against the one before it and
 * need not read back what it wrote a moment ago; a group capture hashes
 * each executable once.  Thread-safe.
 */
int msnap_file_sha256(int fd, uint8_t out[MSNAP_SHA256_SIZE]);
/* The file at fd, as it is now, has SHA-256 sha. */
void msnap_file_sha256_remember(int fd, const uint8_t sha[MSNAP_SHA256_SIZE]);
/* Drop every remembered hash. */
void msnap_file_sha256_forget(void);

#endif
