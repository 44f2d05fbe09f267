/* SPDX-License-Identifier: MIT */
/* series.h - captures of one process over time, into a directory. */
#ifndef CAPTURE_SERIES_H
#define CAPTURE_SERIES_H

#include "options.h"

/*
 * Run the series that opt->series describes, writing
 * DIR/snap-SEQ-TIME.msnap files into opt->output.  Returns EXIT_COMPLETE
 * when every snapshot is complete, EXIT_PARTIAL when one is partial,
 * EXIT_FAILED on failure (also when the target exited before the first
 * trigger), 128 + N after stop signal N (the files written stay).
 */
int series_run(const struct cap_options *opt);

#endif
