/* SPDX-License-Identifier: MIT */
/*
 * case.h - the index of a case directory, case.yaml (formats/CASE.md):
 * read from untrusted bytes into a checked, flat form.  Every file name is
 * a plain name inside the directory (no '/', not "." or ".."), every digest
 * 32 bytes, every count bounded.
 */
#ifndef MSNAP_CASE_H
#define MSNAP_CASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msnap.h"

#define MSNAP_CASE_MAX_BYTES (64u << 20)    /* case.yaml larger: refused */
#define MSNAP_CASE_MAX_PROCS 65536
#define MSNAP_CASE_MAX_ARGS  4096
#define MSNAP_CASE_MAX_FILES 1048576

struct msnap_case_proc {
	int64_t pid, ppid;
	char *comm;             /* may be NULL; raw bytes, NUL-terminated */
	char *exe;              /* may be NULL */
	char **argv;            /* cmdline, argc entries */
	size_t argc;
	char *status;           /* complete, partial, failed, gone */
	char *snapshot;         /* file name in the directory, or NULL */
	uint8_t sha256[32];     /* valid when snapshot is set */
	uint64_t frozen_ns;
	bool late;
	char *error;            /* may be NULL */
};

/* A mapped file stored once for the case (files: of case.yaml). */
struct msnap_case_file {
	char *path;             /* as the processes mapped it */
	char *stored;           /* "files/..." inside the directory, or NULL */
	uint8_t sha256[32];     /* valid when stored is set */
};

struct msnap_case {
	char *schema;
	char *kind;             /* selector.kind */
	char *scope;            /* selector.scope, may be NULL */
	uint64_t window_ns;     /* instant.freeze_window_ns */
	struct msnap_case_proc *procs;
	size_t nprocs;
	size_t nerrors;         /* entries of errors: */
	struct msnap_case_file *files;
	size_t nfiles;
};

/* Parse case.yaml text.  Returns 0 or -MSNAP_E_* with err filled. */
int msnap_case_parse(struct msnap_case **out, const char *text, size_t len,
		     struct msnap_error *err);

/* Read DIR/case.yaml (never through a symlink) and parse it. */
int msnap_case_load(struct msnap_case **out, const char *dir,
		    struct msnap_error *err);

void msnap_case_free(struct msnap_case *c);

/* The process whose pid is pid, or NULL. */
const struct msnap_case_proc *msnap_case_find(const struct msnap_case *c,
					      int64_t pid);

#endif
