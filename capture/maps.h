/* SPDX-License-Identifier: MIT */
/*
 * maps.h - the target's region list: every mapping with its identity
 * (PROCMAP_QUERY where the kernel has it, else the text of smaps), the
 * smaps figures and VmFlags, what kind it is and whether it is read at all.
 */
#ifndef CAPTURE_MAPS_H
#define CAPTURE_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "msnap.h"
#include "region_kind.h"
#include "target.h"

/* The manifest's kinds (formats/region_kind.h), under capture's names. */
enum region_kind {
#define CAP_KIND_ENUM(id, name) KIND_##id = MSNAP_KIND_##id,
	MSNAP_REGION_KINDS(CAP_KIND_ENUM)
#undef CAP_KIND_ENUM
};

struct smaps_field {
	char key[40];           /* lowercased, with "_kb" when in kB */
	uint64_t value;
};

struct region {
	uint64_t start, end;
	uint64_t offset;
	char perms[5];          /* "rwxp" as in maps */
	uint32_t dev_major, dev_minor;
	uint64_t inode;
	char *path;             /* raw pathname column, NUL-terminated */
	size_t path_len;
	const char *name;       /* points into path: [anon:NAME] */
	size_t name_len;
	enum region_kind kind;
	const char *skip;       /* why its contents are not read, or NULL */
	char (*vmflags)[3];
	size_t nvmflags;
	struct smaps_field *smaps;
	size_t nsmaps;
	uint8_t build_id[64];
	size_t build_id_len;
	bool file_ok;           /* file_size, _mtime and _nlink are valid */
	uint64_t file_size;
	uint64_t file_nlink;    /* 0: the mapped file was deleted */
	int64_t file_mtime_sec;
	long file_mtime_nsec;
	/* private file mappings: runs of pages copied on write (manifest) */
	struct msnap_run *private_copies;
	size_t nprivate_copies;
	/* --read-swap: runs of pages whose bytes were read from swap */
	struct msnap_run *from_swap;
	size_t nfrom_swap;
};

struct region_list {
	struct region *v;
	size_t n, cap;
	const char *source;     /* "procmap_query" or "smaps" */
};

/*
 * Read the region list of the process whose /proc directory is procfd.
 * Returns 0, or -1 with err filled (errno kept: ESRCH once it is gone).
 */
int maps_read(int procfd, struct region_list *out, struct cap_error *err);

/*
 * Parse the text of /proc/PID/maps or /proc/PID/smaps into out (appending).
 * Exposed for the unit tests.  Returns 0 or -1.
 */
int maps_parse_text(const char *text, size_t len, struct region_list *out,
		    struct cap_error *err);

/* Decide kind and skip reason of every region. */
void maps_classify(struct region_list *l, bool layout_only);

/*
 * --scope code (scope.c): skip ("scope") every region that is neither
 * executable nor a mapping of a file that is mapped executable somewhere.
 */
void maps_scope_code(struct region_list *l);

/* The region holding addr, or NULL. */
struct region *maps_find(struct region_list *l, uint64_t addr);

const char *region_kind_name(enum region_kind k);
bool region_has_vmflag(const struct region *r, const char *flag);

void maps_free(struct region_list *l);

#endif
