/* SPDX-License-Identifier: MIT */
/*
 * storefiles.h - `memsnap --with-files`: store each distinct file the
 * target maps, read through /proc/PID/map_files (the exact inode mapped,
 * even if deleted or replaced on disk since), so the analyzer can check the
 * process offline against the binaries it really ran.
 *
 * Each file becomes one container region after the mapping regions, at an
 * address no process can map (FORMAT.md, "Stored files"); the manifest's
 * files[] says which.
 */
#ifndef CAPTURE_STOREFILES_H
#define CAPTURE_STOREFILES_H

#include <stdbool.h>
#include <stdint.h>

#include "case_files.h"
#include "maps.h"
#include "msnap.h"
#include "target.h"
#include "yaml_out.h"

#define STORED_FILES_BASE 0x4000000000000000ull   /* 2^62 */
#define STORED_FILE_SLOT  (1ull << 40)            /* one file at most 1 TiB */
#define STORED_FILE_MAX   (1ull << 30)            /* larger files are not stored */

struct stored_file {
	uint32_t dev_major, dev_minor;
	uint64_t inode;
	size_t first;           /* a mapping region that maps it */
	uint64_t size;
	uint8_t sha256[32];       /* of the whole file, when complete */
	bool complete;            /* every byte was read */
	uint32_t region;        /* container region index */
	const char *case_path;  /* stored in the case's files/ instead, or NULL */
};

struct stored_files {
	struct stored_file *v;
	size_t n;
};

/*
 * Store every distinct regular file mapped by `regions`, as container
 * regions numbered from regions->n, or, in a group capture (shared not
 * NULL), once per case in the case's files/ tree where it can go there.
 * A file that cannot be read is left out with an entry in errs; only a
 * writer failure or cancellation fails.
 */
int files_store(struct stored_files *sf, const struct region_list *regions,
		int procfd, struct case_files *shared, struct msnap_writer *w,
		uint32_t page_size, struct cap_errors *errs,
		struct cap_error *err);

/* Index in sf of the file region r maps, or -1. */
long files_find(const struct stored_files *sf, const struct region *r);

/* The manifest's "files:" key and list. */
void files_emit(struct yout *y, const struct stored_files *sf,
		const struct region_list *regions);

void files_free(struct stored_files *sf);

#endif
