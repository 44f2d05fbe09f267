/* SPDX-License-Identifier: MIT */
/*
 * case_files.h - the mapped files of a group capture (--with-files), each
 * stored once per case as DIR/files/<its absolute path> instead of once in
 * every snapshot that maps it (node's 95 MiB binary, nine times over, was
 * most of a host triage's time and size).  The tree is a sysroot: check
 * reads it with --sysroot and binds a file only if its identity (build-id,
 * or size and mtime) is the one the process loaded.  formats/CASE.md,
 * "Stored files".
 *
 * A file is keyed by device, inode, size and mtime.  One that cannot go
 * there (deleted, a memfd, a path taken by another file) stays in its
 * snapshot as before.
 */
#ifndef CAPTURE_CASE_FILES_H
#define CAPTURE_CASE_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "maps.h"

#define CASE_FILES_DIR "files"

struct case_file {
	uint32_t dev_major, dev_minor;
	uint64_t inode, size;
	int64_t mtime_sec;
	long mtime_nsec;
	char *path;                 /* as mapped: absolute */
	uint8_t sha256[32];
	bool complete;              /* stored whole; false: refused or failed */
	char error[160];            /* why not, for the case's errors */
};

struct case_files {
	int dirfd;                  /* the case directory */
	struct case_file *v;
	size_t n, cap;
	uint8_t *buf;               /* reused copy buffer */
	uint64_t bytes_stored;
};

/* dirfd is the case directory's; it must outlive cf.  0 or -1. */
int case_files_init(struct case_files *cf, int dirfd);

/*
 * The case's copy of the file region r maps (opened through procfd's
 * map_files), stored now if this is its first sight.  Returns the entry,
 * or NULL when the file does not go in the case store (the caller stores
 * it in the snapshot).  Check ->complete before using ->sha256.
 */
const struct case_file *case_files_get(struct case_files *cf,
				       const struct region *r, int procfd);

void case_files_free(struct case_files *cf);

#endif
