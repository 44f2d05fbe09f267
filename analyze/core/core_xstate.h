/* SPDX-License-Identifier: MIT */
/*
 * core_xstate.h - the NT_X86_XSTATE note of an exported core, in the
 * layout gdb reads.
 *
 * The capture stores the XSAVE block as the kernel's ptrace gave it: the
 * standard (non-compacted) format with this CPU's component offsets
 * (CPUID leaf 0xD), XCR0 in the first word of the software-reserved bytes
 * (offset 464).  gdb 13 reads each component at Intel's offsets and wants
 * the block as large as they make it for that XCR0 (0xa80 with AVX-512):
 * on CPUs that place AVX-512 right after AVX (AMD: no MPX area, a 0x980
 * block) it warns ".reg-xstate too small" and shows k0-k7 and the upper
 * YMM/ZMM halves unavailable, for the kernel's own cores too.  gcore
 * writes Intel's layout; so does export-core, moving each component.
 */
#ifndef ANA_CORE_XSTATE_H
#define ANA_CORE_XSTATE_H

#include <stddef.h>
#include <stdint.h>

/* The largest block gdb knows: up to PKRU. */
#define CORE_XSTATE_MAX 2696u

/*
 * Lay the captured block in out (CORE_XSTATE_MAX bytes) the way gdb reads
 * it; returns its length, or 0 when the block's layout cannot be told (an
 * unknown component, a size that fits neither layout): then write it as
 * captured.
 */
size_t core_xstate_for_gdb(const uint8_t *in, size_t len,
			   uint8_t out[CORE_XSTATE_MAX]);

#endif
