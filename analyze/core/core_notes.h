/* SPDX-License-Identifier: MIT */
/*
 * core_notes.h - the PT_NOTE contents of an x86_64 ELF core built from a
 * snapshot's manifest: process info, one register set group per thread
 * (the main thread first: gdb takes the first NT_PRSTATUS as the main
 * thread), the auxiliary vector and the mapped files.
 */
#ifndef ANA_CORE_NOTES_H
#define ANA_CORE_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/*
 * Where notes go: with fd < 0 they are only measured (size), otherwise
 * written at file offset off onward through a bounded buffer.
 */
struct note_sink {
	int fd;
	uint64_t off;
	uint64_t size;            /* bytes emitted so far */
	uint8_t *buf;
	size_t used, cap;
	int error;                /* errno of the first failed write */
};

/* Thread order in the core: main thread (tid == pid) first. */
int core_thread_order(const struct snap *s, size_t **order,
		      struct msnap_error *err);

/*
 * Emit every note.  Regions and threads must be loaded.  warn_cmd, when
 * not NULL, names the command for warnings about facts left out.
 */
int core_emit_notes(const struct snap *s, const size_t *order,
		    struct note_sink *ns, const char *warn_cmd,
		    struct msnap_error *err);

/* Write out what the sink buffers. */
int note_sink_flush(struct note_sink *ns, struct msnap_error *err);

#endif
