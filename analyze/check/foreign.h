/* SPDX-License-Identifier: MIT */
/*
 * foreign.h - code and loader facts that no reference file explains:
 * anonymous or heap/stack executable memory, RWX mappings, ELF images in
 * memory no file backs, memfd and deleted backings, libraries nobody
 * needed, LD_PRELOAD/LD_AUDIT, a tracer, threads running outside modules.
 */
#ifndef ANA_FOREIGN_H
#define ANA_FOREIGN_H

#include "findings.h"

/* Marks modules needed/preloaded (used by data_check), then reports. */
int foreign_check(struct check_ctx *c);

/*
 * After the code and data checks: libraries a dlopen may have loaded,
 * raised by what the other checks found (hooks into them, code written
 * elsewhere) and by where they live.
 */
int foreign_late_check(struct check_ctx *c);

#endif
