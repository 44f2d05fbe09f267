/* SPDX-License-Identifier: MIT */
/* group_int.h - what group.c and group_case.c share. */
#ifndef CAPTURE_GROUP_INT_H
#define CAPTURE_GROUP_INT_H

#include <stdint.h>
#include <time.h>

#include "case_files.h"
#include "dump.h"
#include "group.h"

/* A MAP_SHARED mapping's identity: what two processes share. */
struct share_key {
	uint64_t dev;               /* major << 32 | minor */
	uint64_t ino;
	bool writable;              /* mapped with 'w' by this member */
};

/* One process of the group, from selection to its snapshot. */
struct member {
	struct proc_stat st;        /* while frozen (or when it failed) */
	char *exe;                  /* readlink /proc/PID/exe, or NULL */
	char *cmdline;              /* NUL-separated, cmdline_len bytes */
	size_t cmdline_len;
	char file[32];              /* PID.msnap */
	char who[96];               /* "pid N (comm)" for messages */
	char path[4200];            /* DIR/PID.msnap */
	struct cap_options opt;
	struct dump *d;
	bool late;                  /* found by a rescan while the group was frozen */
	bool frozen;
	bool gone;                  /* exited before the group was frozen */
	int ret;                    /* 0 so far, -1 failed at some stage */
	int exit;                   /* EXIT_* of its snapshot */
	char error[512];
	uint8_t sha[32];
	bool have_sha;
	uint64_t frozen_ns;
	/* the frozen read (on a worker: group_pool.h) and the thaw */
	struct member *next;        /* in the pool's queues */
	int read_ret;               /* dump_read_frozen's */
	bool read_done, thawed;
	struct share_key *shared;   /* sorted, read while frozen */
	size_t nshared;
	bool shared_unknown;        /* could not tell: shares with everyone */
	bool reads_shared;          /* its snapshot holds shared memory's bytes */
	bool early;                 /* read before the instant (group.c) */
};

struct group {
	const struct cap_options *opt;
	struct group_sel *sel;
	int dirfd;
	struct case_files files;    /* --with-files: each file once per case */
	bool have_files;
	struct member **m;          /* each allocated alone: dumps point into it */
	size_t n, cap;
	struct timespec started, freeze_begin, all_frozen, thawed, ended;
	uint64_t window_ns;         /* first freeze to last thaw */
	unsigned rescans;
	char group_error[512];      /* the group as a whole (a rescan failed) */
};

/*
 * group_share.c: m->shared and m->reads_shared from /proc/PID/maps (exact
 * once m is frozen; a guess while it runs).
 */
void member_read_shared(struct member *m);
/*
 * Does a map writable a MAP_SHARED object that b maps too (or cannot it be
 * told)?  Then a may not run while b is frozen and unread.
 */
bool member_writes_into(const struct member *a, const struct member *b);

/* group_case.c: write DIR/case.yaml (0600, never replacing).  0 or -1. */
int case_write(const struct group *g, struct cap_error *err);

#endif
