/* SPDX-License-Identifier: MIT */
/*
 * exe_hash.h - the SHA-256 of a process's executable, computed once per
 * file for the whole run.  A group capture records it for every process,
 * and hashing node's 95 MiB binary took ~90 ms of each node process's
 * frozen time; group.c primes it while the processes still run.
 *
 * procinfo.c hashes with msnap_file_sha256(), which remembers each file by
 * device, inode, size, mtime and ctime (formats/sha256.h): a file
 * rewritten between the priming and the freeze is hashed again.  Safe
 * from several threads (a group reads its members' facts on workers).
 */
#ifndef CAPTURE_EXE_HASH_H
#define CAPTURE_EXE_HASH_H

#include <sys/types.h>

/* Hash /proc/PID/exe now, so that the frozen capture finds it done. */
void exe_sha256_prime(pid_t pid);

/* Forget every remembered file hash (the end of a group capture). */
void exe_hash_forget(void);

#endif
