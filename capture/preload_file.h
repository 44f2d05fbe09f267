/* SPDX-License-Identifier: MIT */
/*
 * preload_file.h - the target's /etc/ld.so.preload, for the manifest.
 */
#ifndef CAPTURE_PRELOAD_FILE_H
#define CAPTURE_PRELOAD_FILE_H

#include "target.h"
#include "yaml_out.h"

/* Largest file recorded whole; a longer one is cut and marked so. */
#define PRELOAD_FILE_MAX (64u << 10)

/*
 * Emit "ld_so_preload:" (a map: present, and size, content, truncated when
 * it is there) into the open process map.  A failure to look is omitted
 * and added to errors.
 */
void emit_ld_so_preload(struct yout *y, const struct target *t,
			struct cap_errors *e);

#endif
