/* SPDX-License-Identifier: MIT */
/*
 * manifest.h - the YAML manifest: the top level (memsnap, capture,
 * regions) here, host/process/threads from target_facts.h, errors from
 * cap_errors.h.
 */
#ifndef CAPTURE_MANIFEST_H
#define CAPTURE_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "maps.h"
#include "msnap.h"
#include "options.h"
#include "precopy.h"
#include "storefiles.h"
#include "target.h"

struct cow_child;

/* --cow: what the copy-on-write capture did (manifest: capture.cow). */
struct cow_facts {
	const struct cow_child *child;  /* NULL: no child was made */
	uint64_t regions_copied_frozen; /* cow_must_copy: copied from the target */
	uint64_t pages_copied_frozen;   /* their present pages */
	uint64_t pages_from_child;      /* read from the child after the thaw */
	uint64_t reap_frozen_ns;        /* the second freeze, for the reap */
};

struct capture_facts {
	const struct cap_options *opt;
	uint8_t id[16];
	const char *mode;               /* frozen, live, layout-only */
	const char *method;             /* precopy, buffer; NULL: no memory */
	const struct precopy *precopy;  /* its figures, when it ran */
	const struct cow_facts *cow;    /* --cow only */
	const struct msnap_parent_ref *parent;  /* --parent only */
	bool complete;
	struct timespec started, frozen_at, thawed_at;  /* CLOCK_REALTIME */
	bool was_frozen;
	uint64_t frozen_ns, copy_ns;
	uint64_t buffer_bytes;
	bool streamed_while_frozen;
	unsigned threads;
	uint32_t chunk_bytes;
	const char *page_scan;
	bool target_exited;
	/*
	 * Group captures: host, process and threads emitted while frozen
	 * (manifest_begin_frozen), as a process may exit before its manifest
	 * is built; manifest_build continues this document and frees it.
	 */
	struct yout *early;
};

/* Start the document with host, process and threads.  0 or -1 (no memory). */
int manifest_begin_frozen(struct capture_facts *c, const struct target *t,
			  struct cap_errors *errs);

/*
 * Build the whole document.  Region i of regions is container region i of
 * w (after msnap_writer_sync()).  *yaml is malloc'd.  Returns 0 or -1.
 */
int manifest_build(const struct capture_facts *c, const struct target *t,
		   const struct region_list *regions,
		   const struct stored_files *files,
		   const struct msnap_writer *w, struct cap_errors *errs,
		   char **yaml, size_t *len, struct cap_error *err);

/* RFC 3339 UTC with nanoseconds into buf (at least 32 bytes). */
void manifest_time(const struct timespec *ts, char *buf, size_t size);

#endif
