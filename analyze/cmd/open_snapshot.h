/* SPDX-License-Identifier: MIT */
/*
 * open_snapshot.h - how every subcommand opens its snapshot: one place that
 * decides what a command needs of it (a manifest, its regions, its
 * threads) and says so on stderr in the same words for every command.
 */
#ifndef ANA_OPEN_SNAPSHOT_H
#define ANA_OPEN_SNAPSHOT_H

#include "snapshot.h"

enum ana_open_flags {
	ANA_OPEN_REGIONS       = 1u << 0,  /* snap_load_regions() */
	ANA_OPEN_THREADS       = 1u << 1,  /* snap_load_threads() */
	/* Refuse a snapshot whose manifest is absent or did not parse. */
	ANA_OPEN_NEED_TREE     = 1u << 2,
	/* Refuse one without a manifest (a core needs threads and registers). */
	ANA_OPEN_NEED_ROOT     = 1u << 3,
	/* Go on without a usable manifest, but say why it is unusable. */
	ANA_OPEN_WARN_MANIFEST = 1u << 4,
};

/*
 * Open path into s for subcommand cmd and load what flags ask for.
 * Returns 0, or -1 after printing why; then s is closed (nothing to free).
 */
int ana_open_snapshot(const char *cmd, const char *path, unsigned flags,
		      struct snap *s);

#endif
