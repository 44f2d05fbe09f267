/* SPDX-License-Identifier: MIT */
/* options.h - what the command line asked for. */
#ifndef CAPTURE_OPTIONS_H
#define CAPTURE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum progress_mode { PROGRESS_AUTO, PROGRESS_ON, PROGRESS_OFF };

/* How the frozen instant's bytes are obtained (--method). */
enum cap_method {
	METHOD_PRECOPY,     /* read while running, verify while frozen */
	METHOD_BUFFER,      /* copy everything into memory while frozen */
	METHOD_COW,         /* --cow: an injected fork, its child read after */
};

struct cap_options {
	pid_t pid;
	const char *output;         /* "-" means stdout */
	int level;                  /* zstd level */
	unsigned threads;           /* compression workers, 0: online CPUs */
	enum cap_method method;
	uint64_t max_buffer;        /* copy buffer budget, 0: automatic */
	uint32_t chunk_bytes;
	bool layout_only;
	bool with_files;
	bool no_freeze;
	bool no_space_check;        /* skip output_check_space */
	bool read_swap;             /* read swapped pages from the swap areas */
	bool quiet;
	bool scope_code;            /* --scope code: what check needs */
	const char *who;            /* group capture: prefix of messages */
	bool facts_while_frozen;    /* group capture: process facts read frozen */
	bool silent_failure;        /* group capture: the group says it */
	enum progress_mode progress;
	int argc;                   /* the whole command line, for the manifest */
	char *const *argv;
};

#endif
