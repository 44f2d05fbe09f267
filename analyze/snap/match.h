/* SPDX-License-Identifier: MIT */
/*
 * match.h - match the regions of two snapshots by what they are, not where
 * they are, so that two runs under different ASLR bases compare region for
 * region.
 *
 * Identity first: file-backed regions by (file, instance, file offset), the
 * bss after a module's last segment with that module, heap, stack, vdso and
 * friends, named anonymous regions by name, thread stacks by their thread.
 * What is left (plain anonymous memory, guard gaps) is matched by its
 * neighbourhood (the identified regions around it) and by the similarity
 * of its page hashes, with a confidence below 1.
 */
#ifndef ANA_MATCH_H
#define ANA_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msnap.h"

struct snap;

enum region_role {
	ROLE_FILE,          /* a segment of a mapped file (a module) */
	ROLE_BSS,           /* anonymous memory right after a module */
	ROLE_HEAP,
	ROLE_STACK,
	ROLE_THREAD_STACK,
	ROLE_SPECIAL,       /* vdso, vvar, vsyscall */
	ROLE_NAMED,         /* [anon:NAME], memfd, shmem or deleted file path */
	ROLE_ANON,          /* no identity: matched by neighbourhood */
};

#define MATCH_MINHASH 16

struct lregion {
	uint32_t index;                 /* container region index */
	uint64_t start, end;
	char perms[5];                  /* "rwxp", "" if unknown */
	char kind[16];                  /* manifest kind, "" if unknown */
	char *path;                     /* NUL-terminated, never NULL */
	size_t path_len;
	char *name;                     /* anon name, NULL if none */
	size_t name_len;
	char dev[16];
	uint64_t inode, offset;
	char build_id[129];             /* lowercase hex, "" if unknown */
	enum region_role role;
	char *key;                      /* identity, NULL for ROLE_ANON */
	int module;                     /* index into rset.mod, -1 if none */
	uint64_t mod_off;               /* start - module base */
	const struct msnap_region_info *ri;  /* NULL without contents */
	/* neighbourhood, filled by match_regions() */
	int anchor_prev, anchor_next;   /* nearest matched identified regions */
	unsigned rank_prev, rank_next;  /* unidentified regions in between */
	bool has_content;
	uint64_t minhash[MATCH_MINHASH];
};

/* One loaded instance of a mapped file. */
struct rmodule {
	char *path;                     /* without " (deleted)" */
	char build_id[129];
	unsigned ordinal;               /* instances of the same path before it */
	uint64_t base, end;             /* base: start - offset of its first segment */
	int first, last;                /* region indexes of its segments */
};

/* The regions of one snapshot, with their identities. */
struct rset {
	struct lregion *r;
	size_t n;
	struct rmodule *mod;
	size_t nmod;
	uint64_t nthreads;
	bool has_threads;
	uint64_t pid, start_ticks;      /* 0 when unknown */
	uint32_t page_size;
	bool layout_only;
};

/* Build the set from an opened snapshot (snap_load_regions() is called). */
int rset_from_snap(struct rset *s, struct snap *snap, struct msnap_error *err);
void rset_free(struct rset *s);

/* Assign identity keys and modules (rset_from_snap() does this). */
int rset_identify(struct rset *s, struct msnap_error *err);

enum match_how { MATCH_IDENTITY, MATCH_NEIGHBOURHOOD, MATCH_CONTENT };

struct rpair {
	int a, b;                       /* region indexes, -1 when absent */
	enum match_how how;
	double confidence;              /* 1 for identity */
};

struct rmatch {
	struct rpair *p;                /* in address order of A, added ones last */
	size_t n;
	int *a2b, *b2a;                 /* -1 when unmatched */
};

/* Below this score an anonymous region is reported as added/removed. */
#define MATCH_MIN_CONFIDENCE 0.40

int match_regions(struct rset *a, struct rset *b, struct rmatch *m,
		  struct msnap_error *err);
void match_free(struct rmatch *m);

const char *match_how_name(enum match_how h);
const char *region_role_name(enum region_role r);

/* Same process (same pid and start time): addresses compare directly. */
bool rset_same_process(const struct rset *a, const struct rset *b);

#endif
