// SPDX-License-Identifier: MIT
/*
 * test_cap_swapread.c - reading swapped pages from a swap area: pagemap
 * entry decoding, /proc/swaps parsing and the type -> area mapping, the
 * header checks, the slot map of a swap file (the kernel's rounding of
 * unaligned extents), coalesced reads, and every per-page refusal that can
 * be made without a real swap area (a fake one in a scratch file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/fiemap.h>

#include "pages.h"
#include "swapread.h"

#define NPAGES 16               /* slots 0 (header) .. 15 */
#define BAD_SLOT 7
#define HOLE_FIRST 12           /* 12..15 fallocated, never written */

static char area_path[64];

static uint64_t swap_ent(unsigned type, uint64_t off)
{
	return SWAP_PM_SWAPPED | (off << 5) | type;
}

static void test_entry_decoding(void **state)
{
	const uint64_t e = swap_ent(3, 0x123456789ull);

	(void)state;
	assert_true(swap_entry_is_swapped(e));
	assert_int_equal(swap_entry_type(e), 3);
	assert_int_equal(swap_entry_offset(e), 0x123456789ull);
	/* bits 55-61 (soft-dirty, exclusive, file) are not the offset */
	assert_int_equal(swap_entry_offset(e | 0x3full << 55), 0x123456789ull);
	assert_int_equal(swap_entry_offset(swap_ent(31, (1ull << 50) - 1)),
			 (1ull << 50) - 1);
	assert_int_equal(swap_entry_type(swap_ent(31, 1)), 31);
	/* a present page is not a swap entry, whatever its low bits */
	assert_false(swap_entry_is_swapped((1ull << 63) | 0x1234));
	assert_false(swap_entry_is_swapped(0));
}

/* The areas in /proc/swaps order are types 0, 1, ...; paths unescaped. */
static void test_parse_and_types(void **state)
{
	static const char text[] =
		"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
		"/dev/vda2                               partition\t1048572\t\t0\t\t-2\n"
		"/tmp/my\\040swap\\011file                 file\t\t131068\t\t51184\t\t32000\n";
	struct swap_reader sr;
	struct cap_error err;

	(void)state;
	memset(&sr, 0, sizeof(sr));
	sr.page_size = 4096;
	assert_int_equal(swapread_parse(&sr, text, &err), 0);
	assert_int_equal(sr.n, 2);
	assert_string_equal(sr.areas[0].path, "/dev/vda2");
	assert_false(sr.areas[0].is_file);
	assert_int_equal(sr.areas[0].size_pages, 262143);
	assert_string_equal(sr.areas[1].path, "/tmp/my swap\tfile");
	assert_true(sr.areas[1].is_file);
	assert_int_equal(sr.areas[1].used_pages, 12796);
	assert_ptr_equal(swapread_area(&sr, 0), &sr.areas[0]);
	assert_ptr_equal(swapread_area(&sr, 1), &sr.areas[1]);
	assert_null(swapread_area(&sr, 2));
	swapread_close(&sr);
}

/* A swap area of NPAGES slots: header page, slot k stamped with k. */
static int make_area(void **state)
{
	const long ps = sysconf(_SC_PAGESIZE);
	uint8_t *page = calloc(1, (size_t)ps);
	uint32_t v;
	int fd, k;

	(void)state;
	snprintf(area_path, sizeof(area_path), "/tmp/test_swapread.XXXXXX");
	fd = mkstemp(area_path);
	if (fd < 0 || !page)
		return -1;
	memcpy(page + ps - 10, "SWAPSPACE2", 10);
	v = 1;                                  /* version */
	memcpy(page + 1024, &v, 4);
	v = NPAGES - 1;                         /* last_page */
	memcpy(page + 1028, &v, 4);
	v = 1;                                  /* nr_badpages */
	memcpy(page + 1032, &v, 4);
	v = BAD_SLOT;
	memcpy(page + 1536, &v, 4);
	if (pwrite(fd, page, (size_t)ps, 0) != ps)
		return -1;
	for (k = 1; k < HOLE_FIRST; k++) {
		memset(page, 0xa0 + k, (size_t)ps);
		memcpy(page, &k, sizeof(k));
		if (pwrite(fd, page, (size_t)ps, (off_t)k * ps) != ps)
			return -1;
	}
	/* the rest allocated but unwritten, like a fallocated swap file */
	if (fallocate(fd, 0, (off_t)HOLE_FIRST * ps,
		      (off_t)(NPAGES - HOLE_FIRST) * ps) ||
	    fsync(fd))          /* real extents, not delayed allocation */
		return -1;
	free(page);
	close(fd);
	return 0;
}

static int remove_area(void **state)
{
	(void)state;
	return unlink(area_path);
}

/* A reader over the fake area as type 0; usable pages match the header. */
static void open_fake(struct swap_reader *sr)
{
	const long ps = sysconf(_SC_PAGESIZE);
	char text[256];
	struct cap_error err;

	snprintf(text, sizeof(text),
		 "Filename Type Size Used Priority\n%s file %ld %ld -2\n",
		 area_path, (NPAGES - 2) * ps / 1024, 4 * ps / 1024);
	memset(sr, 0, sizeof(*sr));
	assert_int_equal(swapread_parse(sr, text, &err), 0);
	assert_int_equal(sr->n, 1);
	swapread_open_area(sr, &sr->areas[0]);
	sr->areas[0].type_proven = true;        /* no probe: not a real area */
}

static void test_read_and_refuse(void **state)
{
	const size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	const uint64_t ent[] = {
		swap_ent(0, 3), swap_ent(0, 4), swap_ent(0, 5),  /* one read */
		swap_ent(0, 9),
		swap_ent(0, BAD_SLOT),                          /* bad page */
		swap_ent(0, NPAGES),                            /* past end */
		swap_ent(0, 0),                                 /* hidden */
		swap_ent(1, 2),                                 /* no area */
		(1ull << 63) | 5,                               /* present */
		swap_ent(0, HOLE_FIRST + 1),                    /* unwritten */
		swap_ent(0, 1),
	};
	const uint8_t want[] = {
		SWAP_READ_OK, SWAP_READ_OK, SWAP_READ_OK, SWAP_READ_OK,
		SWAP_WHY_NOT_IN_USE, SWAP_WHY_PAST_END, SWAP_WHY_NO_OFFSET,
		SWAP_WHY_NO_AREA, SWAP_WHY_NOT_SWAPPED, SWAP_WHY_UNWRITTEN,
		SWAP_READ_OK,
	};
	const size_t hole = 9;  /* read from the device when memsnap may */
	const size_t n = sizeof(ent) / sizeof(ent[0]);
	uint8_t *dst = malloc(n * ps + 1), why[sizeof(ent) / sizeof(ent[0])];
	struct swap_reader sr;
	size_t i;
	int k;

	(void)state;
	open_fake(&sr);
	assert_int_equal(sr.areas[0].why, SWAP_READ_OK);
	assert_int_equal(sr.areas[0].max_pages, NPAGES);
	assert_true(sr.areas[0].ext.mapped);
	/* an unaligned destination goes through the bounce buffer */
	assert_int_equal(swapread_pages(&sr, ent, n, dst + 1, why),
			 sr.areas[0].ext.devfd >= 0 ? 6 : 5);
	for (i = 0; i < n; i++) {
		if (i == hole && sr.areas[0].ext.devfd >= 0)
			continue;       /* fallocated: whatever the disk held */
		assert_int_equal(why[i], want[i]);
		if (why[i] != SWAP_READ_OK)
			continue;
		memcpy(&k, dst + 1 + i * ps, sizeof(k));
		assert_int_equal(k, (int)swap_entry_offset(ent[i]));
		assert_int_equal(dst[1 + i * ps + ps - 1],
				 (uint8_t)(0xa0 + k));
	}
	/* 3, 4, 5 adjacent: 3 reads in all (3-5, 9, 1), and the hole's */
	assert_int_equal(sr.reads, sr.areas[0].ext.devfd >= 0 ? 4 : 3);
	/* an area whose type the probe did not prove is not read */
	sr.areas[0].type_proven = false;
	assert_int_equal(swapread_pages(&sr, ent, 1, dst, why), 0);
	assert_int_equal(why[0], SWAP_WHY_TYPE_UNPROVEN);
	swapread_close(&sr);
	free(dst);
}

/* A header that promises fewer pages than /proc/swaps is not our area. */
static void test_header_mismatch(void **state)
{
	const long ps = sysconf(_SC_PAGESIZE);
	const uint64_t e = swap_ent(0, 3);
	struct swap_reader sr;
	struct cap_error err;
	char text[256];
	uint8_t *dst = mmap(NULL, (size_t)ps, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), why;

	(void)state;
	snprintf(text, sizeof(text),
		 "Filename Type Size Used Priority\n%s file %ld 4 -2\n",
		 area_path, (NPAGES + 8) * ps / 1024);
	memset(&sr, 0, sizeof(sr));
	assert_int_equal(swapread_parse(&sr, text, &err), 0);
	swapread_open_area(&sr, &sr.areas[0]);
	assert_int_equal(sr.areas[0].why, SWAP_WHY_AREA);
	assert_int_equal(swapread_pages(&sr, &e, 1, dst, &why), 0);
	assert_int_equal(why, SWAP_WHY_AREA);
	assert_non_null(strstr(swapread_detail(&sr, e, why),
			       "does not match /proc/swaps"));
	swapread_close(&sr);
	munmap(dst, (size_t)ps);
}

static struct fiemap_extent fext(uint64_t logical, uint64_t phys,
				 uint64_t len, uint32_t flags)
{
	struct fiemap_extent e;

	memset(&e, 0, sizeof(e));
	e.fe_logical = logical;
	e.fe_physical = phys;
	e.fe_length = len;
	e.fe_flags = flags;
	return e;
}

/*
 * 1 KiB blocks: swapon merges physically adjacent extents and rounds each
 * inward to whole pages, numbering what is left; slot k is then not file
 * page k, and an unwritten slot is on the device only.
 */
static void test_slot_map(void **state)
{
	const uint64_t K = 1024, P = 4096;
	const struct fiemap_extent e[] = {
		fext(0, 100 * P, 8 * K, 0),                  /* slots 0, 1 */
		fext(8 * K, 100 * P + 8 * K, 4 * K, 0),      /* merged: 2 */
		fext(12 * K, 200 * P + 1 * K, 13 * K, 0),    /* 201, 202: 3, 4 */
		fext(25 * K, 300 * P, 8 * K, FIEMAP_EXTENT_UNWRITTEN), /* 5, 6 */
	};
	struct swap_extents x;
	uint64_t pos;
	size_t i;

	(void)state;
	swapext_init(&x);
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		assert_int_equal(swapext_take(&x, &e[i], 33 * K, P, 100), 0);
	assert_int_equal(swapext_finish(&x, P, 100), 0);
	assert_int_equal(x.slots, 7);
	assert_int_equal(swapext_source(&x, 5, 1, P, &pos), 5);
	assert_int_equal(pos, P);                    /* file page 1 */
	assert_int_equal(swapext_source(&x, 5, 2, P, &pos), 5);
	assert_int_equal(pos, 2 * P);
	/* the second run starts at device page 201: file byte 15 KiB */
	assert_int_equal(swapext_source(&x, 5, 3, P, &pos), 5);
	assert_int_equal(pos, 15 * K);
	assert_int_equal(swapext_source(&x, 5, 4, P, &pos), 5);
	assert_int_equal(pos, 19 * K);
	/* unwritten, no device: refused; past the map: past the end */
	assert_int_equal(swapext_source(&x, 5, 5, P, &pos), SWAPEXT_UNWRITTEN);
	assert_int_equal(swapext_source(&x, 5, 7, P, &pos), SWAPEXT_PAST_END);
	/* with a device, the device page */
	x.devfd = 9;
	assert_int_equal(swapext_source(&x, 5, 6, P, &pos), 9);
	assert_int_equal(pos, 301 * P);
	x.devfd = -1;
	/* the header's last_page bounds the map */
	swapext_free(&x);
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		assert_int_equal(swapext_take(&x, &e[i], 33 * K, P, 4), 0);
	assert_int_equal(swapext_finish(&x, P, 4), 0);
	assert_int_equal(x.slots, 4);
	swapext_free(&x);
}

/* Raw pagemap entries of our own pages: present ones say so. */
static void test_raw_entries(void **state)
{
	const long ps = sysconf(_SC_PAGESIZE);
	struct page_scanner s;
	struct cap_error err;
	uint64_t ent[4];
	uint8_t *p = mmap(NULL, 4 * (size_t)ps, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int procfd = open("/proc/self", O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_int_not_equal(procfd, -1);
	p[0] = 1;
	p[2 * ps] = 1;
	assert_int_equal(pages_open(&s, procfd, &err), 0);
	assert_int_equal(pages_raw_entries(&s, (uint64_t)(uintptr_t)p, 4, ent,
					   &err), 0);
	assert_true(ent[0] >> 63);
	assert_false(ent[1] >> 63);
	assert_true(ent[2] >> 63);
	assert_false(swap_entry_is_swapped(ent[0]));
	pages_close(&s);
	close(procfd);
	munmap(p, 4 * (size_t)ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_decoding),
		cmocka_unit_test(test_parse_and_types),
		cmocka_unit_test(test_read_and_refuse),
		cmocka_unit_test(test_header_mismatch),
		cmocka_unit_test(test_slot_map),
		cmocka_unit_test(test_raw_entries),
	};

	return cmocka_run_group_tests(tests, make_area, remove_area);
}
