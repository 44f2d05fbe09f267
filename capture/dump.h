/* SPDX-License-Identifier: MIT */
/* dump.h - one capture, from pre-flight to the final sha256 line. */
#ifndef CAPTURE_DUMP_H
#define CAPTURE_DUMP_H

#include <stdbool.h>
#include <stdint.h>

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

/*
 * The same pipeline in stages, for a group capture (group.c) that freezes
 * several targets before it reads any.  Order: dump_new, dump_prepare
 * (output, writer, pre-copy; the target runs), dump_freeze_begin (every
 * thread interrupted), dump_freeze_finish (every thread stopped),
 * dump_read_frozen, dump_thaw, dump_write, dump_end (thaws whatever
 * happened, says what failed, returns the EXIT_* of this target), dump_free.
 * Each int stage returns 0 or -1 (dump_error() says why).  opt must outlive d.
 * The freeze and thaw stages make ptrace requests: one thread (the tracer)
 * calls them all.  dump_read_frozen makes none: different dumps may be
 * read on different threads at once, unless opt->method is METHOD_COW
 * (its fork is injected through ptrace) or opt->read_swap is set.
 */
struct dump;
struct dump *dump_new(const struct cap_options *opt);
int dump_prepare(struct dump *d);
int dump_freeze_begin(struct dump *d);
int dump_freeze_finish(struct dump *d);
int dump_read_frozen(struct dump *d);
void dump_thaw(struct dump *d);
int dump_write(struct dump *d);
int dump_end(struct dump *d, int ret);
void dump_free(struct dump *d);
const char *dump_error(const struct dump *d);
const uint8_t *dump_sha256(const struct dump *d);  /* after dump_write */
uint64_t dump_frozen_ns(const struct dump *d);
bool dump_complete(const struct dump *d);

/* "memsnap: MESSAGE" on stderr: what a capture has to tell the user. */
void cap_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
