/* SPDX-License-Identifier: MIT */
/*
 * aprogress.h - the progress line of the subcommands that can take long
 * (verify, extract, export-core, diff, check): progress.h's line, on stderr,
 * only when ana_progress_wanted(), counting bytes decompressed.
 */
#ifndef ANA_APROGRESS_H
#define ANA_APROGRESS_H

#include "cli_opts.h"
#include "msnap.h"
#include "progress.h"

/* Bytes stored in the snapshot (sum over its regions): a job's total. */
uint64_t ana_stored_bytes(const struct msnap_reader *rd);

/*
 * Begin phase (e.g. "verify") of total bytes (0: unknown); when rd is given,
 * its decompressed bytes are counted.  p stays off unless wanted.
 */
void ana_progress_begin(struct progress *p, const struct ana_common *co,
			const char *phase, uint64_t total,
			struct msnap_reader *rd);
/* Erase the line and stop counting rd's bytes. */
void ana_progress_end(struct progress *p, struct msnap_reader *rd);

/* Erase the progress line, if one is drawn, before a message on stderr. */
void ana_before_message(void);

#endif
