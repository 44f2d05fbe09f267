/* SPDX-License-Identifier: MIT */
/*
 * copybuf.h - the memory the target is copied into while frozen.  It is
 * mapped and faulted in before the freeze: first touch costs far more than
 * the copy itself.  It holds the target's secrets, so it never goes into a
 * core dump of ours.
 */
#ifndef CAPTURE_COPYBUF_H
#define CAPTURE_COPYBUF_H

#include <stddef.h>
#include <stdint.h>

#include "target.h"

struct copybuf {
	uint8_t *base;
	size_t size;
	size_t used;
};

/* Map, populate.  size is rounded up to whole pages; 0 maps nothing. */
int copybuf_init(struct copybuf *b, size_t size, struct cap_error *err);

/* len bytes of room, or NULL when it does not fit. */
uint8_t *copybuf_take(struct copybuf *b, size_t len);
size_t copybuf_room(const struct copybuf *b);

/* Reuse from the start (after the writer is done with the contents). */
void copybuf_reset(struct copybuf *b);
void copybuf_free(struct copybuf *b);

/*
 * The default budget: half of MemAvailable, leaving the machine at least
 * 256 MiB.  0 if MemAvailable cannot be read.
 */
uint64_t copybuf_default_budget(void);

#endif
