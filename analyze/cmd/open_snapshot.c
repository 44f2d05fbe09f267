// SPDX-License-Identifier: MIT
/* open_snapshot.c - the common opening of a snapshot by a subcommand. */
#include "cli.h"
#include "open_snapshot.h"

/* What the manifest lacks that flags require; 0 when nothing. */
static int check_manifest(const char *cmd, const char *path, unsigned flags,
			  const struct snap *s)
{
	if ((flags & ANA_OPEN_NEED_TREE) && !s->tree) {
		ana_err(cmd, "%s: no usable manifest%s%s", path,
			s->manifest_problem[0] ? ": " : "", s->manifest_problem);
		return -1;
	}
	if ((flags & ANA_OPEN_NEED_ROOT) && !s->root) {
		ana_err(cmd, "cannot build a core without the manifest (threads, registers): %s",
			s->manifest_problem[0] ? s->manifest_problem
					       : "the snapshot has none (cut short?)");
		return -1;
	}
	if ((flags & ANA_OPEN_WARN_MANIFEST) && s->manifest_problem[0])
		ana_warn(cmd, "%s", s->manifest_problem);
	return 0;
}

int ana_open_snapshot(const char *cmd, const char *path, unsigned flags,
		      struct snap *s)
{
	struct msnap_error err;

	if (snap_open(s, path, &err)) {
		ana_err_msnap(cmd, &err);
		return -1;
	}
	if (check_manifest(cmd, path, flags, s))
		goto fail;
	if (((flags & ANA_OPEN_REGIONS) && snap_load_regions(s, &err)) ||
	    ((flags & ANA_OPEN_THREADS) && snap_load_threads(s, &err))) {
		ana_err_msnap(cmd, &err);
		goto fail;
	}
	return 0;
fail:
	snap_close(s);
	return -1;
}
