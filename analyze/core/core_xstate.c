// SPDX-License-Identifier: MIT
/* core_xstate.c - the captured XSAVE block in gdb's layout (core_xstate.h). */
#include <string.h>

#include "core_xstate.h"

#define LEGACY_AND_HEADER 576u    /* FXSAVE area + XSAVE header */
#define SW_XCR0_OFFSET 464u       /* where the kernel puts XCR0 */
#define XCOMP_BV_OFFSET 520u

/* User components gdb knows, at the offsets it assumes (Intel's). */
static const struct component {
	unsigned bit, offset, size;
} known[] = {
	{ 2, 576, 256 },    /* AVX: upper YMM halves */
	{ 3, 960, 64 },     /* MPX bound registers */
	{ 4, 1024, 64 },    /* MPX bound config */
	{ 5, 1088, 64 },    /* AVX-512 opmask k0-k7 */
	{ 6, 1152, 512 },   /* upper ZMM halves of 0-15 */
	{ 7, 1664, 1024 },  /* ZMM 16-31 */
	{ 9, 2688, 8 },     /* PKRU */
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))
#define KNOWN_MASK 0x2ffull       /* x87, SSE and the above */

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* gdb's size for an XCR0: the end of the last feature group it has. */
static size_t gdb_size(uint64_t xcr0)
{
	if (xcr0 & (1u << 9))
		return 2696;
	if (xcr0 & 0xe0)
		return 2688;
	if (xcr0 & 0x18)
		return 1088;
	if (xcr0 & 0x4)
		return 832;
	return 576;
}

/*
 * Where the captured block has each component: Intel's offsets when its
 * size is theirs, else the components one after the other (how AMD lays
 * them out: no gap for the MPX it lacks).  0, or -1 when neither fits.
 */
static int source_offsets(uint64_t xcr0, size_t len, unsigned off[NKNOWN])
{
	size_t i, std_end = LEGACY_AND_HEADER, packed = LEGACY_AND_HEADER;

	for (i = 0; i < NKNOWN; i++) {
		if (!(xcr0 & (1ull << known[i].bit)))
			continue;
		std_end = known[i].offset + known[i].size;
		packed += known[i].size;
	}
	if (len == std_end || len == packed) {
		packed = LEGACY_AND_HEADER;
		for (i = 0; i < NKNOWN; i++) {
			if (!(xcr0 & (1ull << known[i].bit)))
				continue;
			off[i] = len == std_end ? known[i].offset
						: (unsigned)packed;
			packed += known[i].size;
		}
		return 0;
	}
	return -1;
}

size_t core_xstate_for_gdb(const uint8_t *in, size_t len,
			   uint8_t out[CORE_XSTATE_MAX])
{
	unsigned off[NKNOWN];
	uint64_t xcr0;
	size_t i;

	if (len < LEGACY_AND_HEADER)
		return 0;
	xcr0 = get64(in + SW_XCR0_OFFSET);
	if ((xcr0 & ~KNOWN_MASK) || source_offsets(xcr0, len, off))
		return 0;
	memset(out, 0, CORE_XSTATE_MAX);
	memcpy(out, in, LEGACY_AND_HEADER);
	/* standard format: no compaction, whatever the source said */
	memset(out + XCOMP_BV_OFFSET, 0, 8);
	for (i = 0; i < NKNOWN; i++)
		if (xcr0 & (1ull << known[i].bit))
			memcpy(out + known[i].offset, in + off[i],
			       known[i].size);
	return gdb_size(xcr0);
}
