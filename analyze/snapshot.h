/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h - one opened snapshot: the container reader plus its parsed
 * manifest, and typed facts taken from them for the subcommands.
 *
 * The manifest comes from the captured host and is checked like any other
 * input: a fact that is missing or malformed is reported as absent, never
 * guessed; binary blobs are used only after their length is checked.
 */
#ifndef ANA_SNAPSHOT_H
#define ANA_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

#include "msnap.h"
#include "yaml_tree.h"

/* A byte string from the manifest, NUL-terminated for convenience. */
struct snap_bytes {
	char *s;          /* malloc'd, NULL when the fact is absent */
	size_t len;
};

struct snap_region {
	uint32_t index;
	uint64_t start, end;
	bool in_manifest;                  /* the facts below are known */
	char perms[5];                     /* "rwxp", "" if unknown */
	uint64_t offset;                   /* file offset */
	uint64_t inode;
	struct snap_bytes kind;
	struct snap_bytes path;
	struct snap_bytes skipped;         /* why contents were not read */
	const struct msnap_region_info *ri; /* container's view, NULL if none */
};

struct snap_thread {
	uint64_t tid;
	struct snap_bytes name;
	char state[8];
	bool has_regs;                     /* regs below are valid */
	bool regs_partial;                 /* rebuilt from the regs map */
	struct user_regs_struct regs;
	uint8_t *fpregs;                   /* exactly sizeof(user_fpregs_struct) */
	uint8_t *xstate;                   /* NULL if absent */
	size_t xstate_len;
	bool has_sigmask, has_sigpending;
	uint64_t sigmask, sigpending;
	int signo;                         /* pending stop signal, 0 if unknown */
	int si_code, si_errno;             /* of that stop's siginfo */
};

struct snap {
	const char *path;                  /* as given ("-" for stdin) */
	int fd;
	struct msnap_reader *rd;
	const struct msnap_file_info *info;
	/* Set when the trailer could not be used and the file was scanned. */
	bool scanned_after_error;
	struct msnap_error trailer_error;
	/* The manifest, NULL when the file has none or it failed to parse. */
	struct ytree *tree;
	const struct ynode *root;
	char manifest_problem[600];        /* why tree is NULL, "" if no manifest */
	struct snap_region *regions;       /* after snap_load_regions() */
	uint32_t nregions;
	uint32_t manifest_regions;         /* regions the manifest describes */
	struct snap_thread *threads;       /* after snap_load_threads() */
	size_t nthreads;
};

/* Limits on what one manifest may make us hold (hostile input). */
#define SNAP_MAX_THREADS    (1u << 20)
#define SNAP_MAX_XSTATE     (1u << 20)
#define SNAP_MAX_AUXV       4096u

/*
 * Open path ("-": stdin, copied to an anonymous memfd first, since the
 * reader seeks).  A file whose trailer is unusable is reopened by
 * scanning.  A manifest that fails to parse is not an error: tree stays
 * NULL and manifest_problem says why.
 */
int snap_open(struct snap *s, const char *path, struct msnap_error *err);
void snap_close(struct snap *s);

/* Regions of the container, with the manifest's facts where it has them. */
int snap_load_regions(struct snap *s, struct msnap_error *err);
/* Threads of the manifest (none when it has no manifest). */
int snap_load_threads(struct snap *s, struct msnap_error *err);

/* Facts by dotted path ("process.comm"); 0, or -1 when absent/malformed. */
const struct ynode *snap_fact(const struct snap *s, const char *dotted);
int snap_fact_u64(const struct snap *s, const char *dotted, uint64_t *v);
/* The manifest's entry for region i, NULL when it has none. */
const struct ynode *snap_region_node(const struct snap *s, uint32_t i);
/*
 * The written-page runs (manifest private_copies) of region i: its node,
 * NULL when the capture recorded none; run k of it as
 * [first, first + count) pages of the region, 0, or -1 when it is
 * malformed, empty or outside the region.
 */
const struct ynode *snap_private_copies(const struct snap *s, uint32_t i);
int snap_private_run(const struct snap *s, uint32_t i,
		     const struct ynode *runs, size_t k, uint64_t *first,
		     uint64_t *count);
int snap_fact_i64(const struct snap *s, const char *dotted, int64_t *v);
int snap_fact_bool(const struct snap *s, const char *dotted, bool *v);
/* Bytes of a string or !!binary fact, in out (absent: out->s == NULL). */
int snap_fact_bytes(const struct snap *s, const char *dotted,
		    struct snap_bytes *out);
/* Bytes of any scalar node. */
int snap_node_bytes(const struct ynode *n, struct snap_bytes *out);
void snap_bytes_free(struct snap_bytes *b);
/* A "0x..." hex (or decimal) string. */
int snap_node_hex(const struct ynode *n, uint64_t *v);

#endif
