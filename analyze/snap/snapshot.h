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
#include "region_kind.h"
#include "yaml_tree.h"

/* A byte string from the manifest, NUL-terminated for convenience. */
struct snap_bytes {
	char *s;          /* malloc'd, NULL when the fact is absent */
	size_t len;
};

/* Pages [first, first + count) of a region, inside it. */
struct snap_run {
	uint64_t first, count;
};

/* A list of page runs of a region (private_copies, from_swap). */
struct snap_page_runs {
	bool recorded;                     /* the manifest has the list */
	size_t n;                          /* well-formed runs in v */
	struct snap_run *v;                /* malformed runs left out */
};

/* What the capture recorded about the file behind a region (regions[].file). */
struct snap_file_ident {
	struct snap_bytes build_id_text;   /* as written */
	uint8_t build_id[64];              /* decoded hex ... */
	size_t build_id_len;               /* ... 0 when absent or malformed */
	bool has_size;
	uint64_t size;
	struct snap_bytes mtime;
};

struct snap_region {
	uint32_t index;
	uint64_t start, end;
	bool in_manifest;                  /* the facts below are known */
	char perms[5];                     /* "rwxp", "" if unknown */
	uint64_t offset;                   /* file offset */
	uint64_t inode;
	struct snap_bytes kind;            /* as written, shown to the user */
	enum msnap_region_kind kind_id;    /* MSNAP_KIND_COUNT: absent or unknown */
	struct snap_bytes path;
	struct snap_bytes skipped;         /* why contents were not read */
	struct snap_bytes dev;             /* "MAJ:MIN" of the mapped file */
	struct snap_bytes name;            /* the mapping's name ([anon:...]) */
	struct snap_file_ident file;
	bool has_stored_file;              /* memsnap --with-files stored it */
	uint64_t stored_file;              /* as index into files[] */
	uint64_t smaps_anon_kb;            /* smaps Anonymous, 0 if unknown */
	struct snap_page_runs private_copies; /* written pages of a file map */
	struct snap_page_runs from_swap;   /* pages read from swap */
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
	/*
	 * The manifest, NULL when the file has none or it failed to parse.
	 * Only snapshot.c reads it; the others test it for NULL and use the
	 * facts below.
	 */
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

/*
 * Scalar facts by dotted path ("process.comm"): 0, or -1 when absent or
 * malformed.
 */
bool snap_fact_present(const struct snap *s, const char *dotted);
int snap_fact_u64(const struct snap *s, const char *dotted, uint64_t *v);
int snap_fact_i64(const struct snap *s, const char *dotted, int64_t *v);
int snap_fact_bool(const struct snap *s, const char *dotted, bool *v);
/* Bytes of a string or !!binary fact, in out (absent: out->s == NULL). */
int snap_fact_bytes(const struct snap *s, const char *dotted,
		    struct snap_bytes *out);

/*
 * Sequence facts (process.cmdline, process.uid, ...): the number of
 * entries, -1 when the fact is not a sequence; entry i as a number or
 * bytes, -1 when it is absent or malformed.
 */
int snap_fact_count(const struct snap *s, const char *dotted, size_t *n);
int snap_fact_u64_at(const struct snap *s, const char *dotted, size_t i,
		     uint64_t *v);
int snap_fact_bytes_at(const struct snap *s, const char *dotted, size_t i,
		       struct snap_bytes *out);

/* Entry i of the capture's errors[]: what failed and its message. */
void snap_capture_error(const struct snap *s, size_t i,
			struct snap_bytes *what, struct snap_bytes *message);
/* Entry i of process.auxv; -1 when it lacks a numeric type or value. */
int snap_auxv_at(const struct snap *s, size_t i, uint64_t *type,
		 uint64_t *value);
/*
 * File k of files[] (memsnap --with-files): the container region that
 * holds it and its size; -1 when absent or malformed.
 */
int snap_stored_file(const struct snap *s, uint64_t k, uint32_t *region,
		     uint64_t *size);

/* Bytes of any scalar node (also for YAML files other than the manifest). */
int snap_node_bytes(const struct ynode *n, struct snap_bytes *out);
void snap_bytes_free(struct snap_bytes *b);

#endif
