/* SPDX-License-Identifier: MIT */
/*
 * target_facts.h - the manifest sections that describe the host, the
 * process and its threads (hostinfo.c, procinfo.c, threads_emit.c).
 */
#ifndef CAPTURE_TARGET_FACTS_H
#define CAPTURE_TARGET_FACTS_H

#include "target.h"
#include "yaml_out.h"

/*
 * Manifest sections.  Each emits one key with its value into a mapping
 * that the caller has open: "host:", "process:", "threads:".
 * Facts that cannot be read are omitted and appended to errors via
 * errors_add().
 */
void emit_host(struct yout *y);
void emit_process(struct yout *y, const struct target *t, struct cap_errors *e);
void emit_threads(struct yout *y, const struct target *t);

#endif
