/* SPDX-License-Identifier: MIT */
/*
 * exe_hash.h - the SHA-256 of a process's executable, computed once per
 * file for the whole run.  A group capture records it for every process,
 * and hashing node's 95 MiB binary took ~90 ms of each node process's
 * frozen time; group.c primes it while the processes still run.
 *
 * A file is keyed by device, inode, size, mtime and ctime: ctime changes
 * with every write and cannot be set back from user space, so a file
 * rewritten between the priming and the freeze is hashed again.  Safe
 * from several threads (a group reads its members' facts on workers); two
 * threads may hash the same file once each.
 */
#ifndef CAPTURE_EXE_HASH_H
#define CAPTURE_EXE_HASH_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* SHA-256 of the file open at fd, whose fstat is st.  0 or -errno. */
int exe_sha256(int fd, const struct stat *st, uint8_t digest[32]);

/* Hash /proc/PID/exe now, so that the frozen capture finds it done. */
void exe_sha256_prime(pid_t pid);

void exe_hash_forget(void);

#endif
