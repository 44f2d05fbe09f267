/* SPDX-License-Identifier: MIT */
/* dump.h - one capture, from pre-flight to the final sha256 line. */
#ifndef CAPTURE_DUMP_H
#define CAPTURE_DUMP_H

#include "options.h"

/* Exit codes of memsnap. */
#define EXIT_COMPLETE 0
#define EXIT_PARTIAL  1
#define EXIT_FAILED   2

/*
 * Run the capture that opt describes; messages go to stderr.  Returns the
 * process exit status: EXIT_*, or 128 + N after signal N.
 */
int dump_run(const struct cap_options *opt);

#endif
