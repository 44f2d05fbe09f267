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

/* --when: a threshold on the target's own counters (trigger_when.c). */
enum when_what { WHEN_RSS, WHEN_CPU, WHEN_THREADS, WHEN_FDS };
struct when_cond {
	enum when_what what;
	uint64_t limit;             /* bytes, percent of a core, or a count */
};
#define MAX_WHEN 8

/* A series of captures into a directory (series.c); active if any is set. */
struct cap_series {
	bool active;
	uint64_t every_ms;          /* --every: period, or least gap with --when */
	uint64_t count;             /* --count: captures wanted, 0: until stopped */
	struct when_cond when[MAX_WHEN];    /* any one fires */
	size_t nwhen;
	int on_signal;              /* --on-signal: that signal number, or 0 */
	bool at_exit;               /* --at-exit */
	const char *wait_name;      /* --wait-name: comm or exe name */
};

/* One capture of a series: why it was taken (the manifest's capture.trigger). */
struct series_shot {
	uint64_t seq;               /* 1, 2, ... */
	const char *reason;         /* "every 2000 ms", "cpu>80% (now 97)", ... */
	const char *cost;           /* what watching cost the target, or NULL */
};

struct case_files;                  /* case_files.h */

struct cap_options {
	pid_t pid;
	const char *output;         /* "-" means stdout */
	int level;                  /* zstd level */
	unsigned threads;           /* compression workers, 0: online CPUs */
	enum cap_method method;
	uint64_t max_buffer;        /* copy buffer budget, 0: automatic */
	uint32_t chunk_bytes;
	const char *parent;         /* --parent: incremental against this snapshot */
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
	struct case_files *case_files;  /* group --with-files: stored once per case */
	enum progress_mode progress;
	struct cap_series series;
	const struct series_shot *shot;     /* in a series, else NULL */
	int argc;                   /* the whole command line, for the manifest */
	char *const *argv;
};

#endif
