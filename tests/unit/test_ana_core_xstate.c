// SPDX-License-Identifier: MIT
/*
 * test_ana_core_xstate.c - export-core's XSAVE block for gdb: Intel's
 * layout kept, AMD's packed AVX-512 layout moved to Intel's offsets, and
 * what fits neither left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core_xstate.h"

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* A block of len bytes: XCR0 at 464, XSTATE_BV = XCR0, a byte pattern. */
static void block(uint8_t *b, size_t len, uint64_t xcr0)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	put64(b + 464, xcr0);
	put64(b + 512, xcr0);
}

static void test_intel_layout_kept(void **state)
{
	uint8_t in[2688], out[CORE_XSTATE_MAX];

	(void)state;
	block(in, sizeof(in), 0xe7);
	assert_int_equal(core_xstate_for_gdb(in, sizeof(in), out), 2688);
	/* all but XCOMP_BV (cleared) and the MPX gap (absent: zeros) */
	assert_memory_equal(out, in, 520);
	assert_memory_equal(out + 576, in + 576, 256);
	assert_memory_equal(out + 1088, in + 1088, 2688 - 1088);
}

static void test_amd_layout_moved(void **state)
{
	uint8_t in[2440], out[CORE_XSTATE_MAX], zero[128] = { 0 };

	(void)state;
	/* AMD with PKRU: AVX 576, k 832, ZMM_Hi256 896, Hi16_ZMM 1408, PKRU 2432 */
	block(in, sizeof(in), 0x2e7);
	assert_int_equal(core_xstate_for_gdb(in, sizeof(in), out), 2696);
	assert_memory_equal(out + 576, in + 576, 256);
	assert_memory_equal(out + 960, zero, 128);      /* no MPX */
	assert_memory_equal(out + 1088, in + 832, 64);
	assert_memory_equal(out + 1152, in + 896, 512);
	assert_memory_equal(out + 1664, in + 1408, 1024);
	assert_memory_equal(out + 2688, in + 2432, 8);
}

static void test_unknown_left_alone(void **state)
{
	uint8_t in[4096], out[CORE_XSTATE_MAX];

	(void)state;
	block(in, 2500, 0xe7);           /* fits neither layout */
	assert_int_equal(core_xstate_for_gdb(in, 2500, out), 0);
	block(in, sizeof(in), 0x600e7);  /* AMX: a component gdb lacks */
	assert_int_equal(core_xstate_for_gdb(in, sizeof(in), out), 0);
	assert_int_equal(core_xstate_for_gdb(in, 100, out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_layout_kept),
		cmocka_unit_test(test_amd_layout_moved),
		cmocka_unit_test(test_unknown_left_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
