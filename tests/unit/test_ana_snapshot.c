// SPDX-License-Identifier: MIT
/*
 * test_ana_snapshot.c - the analyzer trusts a manifest's description of a
 * region only when it agrees with the container: page counts and SHA-256
 * that lie are refused with a clear error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msnap.h"
#include "snapshot.h"

#define PS 4096u

/* One region of 4 pages (3 with data, 1 absent) under the given manifest. */
static void write_snapshot(const char *path, const char *yaml)
{
	struct msnap_writer_opts o = { .threads = 1, .page_size = PS };
	static uint8_t mem[3 * PS];
	struct msnap_writer *w;
	struct msnap_error e;

	memset(mem, 0x5a, sizeof(mem));
	o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(o.fd >= 0);
	assert_int_equal(msnap_writer_create(&w, &o, &e), 0);
	assert_int_equal(msnap_writer_begin_region(w, 0x10000, 0x10000 + 4 * PS, &e), 0);
	assert_int_equal(msnap_writer_add(w, 0, 3, MSNAP_PAGE_DATA, mem, &e), 0);
	assert_int_equal(msnap_writer_end_region(w, &e), 0);
	assert_int_equal(msnap_writer_finish(w, yaml, strlen(yaml), NULL, &e), 0);
	msnap_writer_free(w);
	close(o.fd);
}

/* Open and load the regions; *described: regions the manifest described. */
static int load(const char *yaml, struct msnap_error *e, uint32_t *described)
{
	char path[] = "/tmp/test_ana_snapshot.XXXXXX";
	struct snap s;
	int fd = mkstemp(path), ret;

	assert_true(fd >= 0);
	close(fd);
	write_snapshot(path, yaml);
	ret = snap_open(&s, path, e);
	assert_int_equal(ret, 0);
	assert_non_null(s.root);        /* the manifest itself parses */
	ret = snap_load_regions(&s, e);
	*described = ret ? 0 : s.manifest_regions;
	snap_close(&s);
	unlink(path);
	return ret;
}

#define HEAD "memsnap: {schema: \"1.0\", version: test}\n" \
	     "regions:\n- {index: 0, start: \"0x10000\", end: \"0x14000\", perms: rw-p, "

static void test_agreeing_manifest(void **state)
{
	struct msnap_error e;

	(void)state;
	uint32_t n;

	assert_int_equal(load(HEAD "pages: {data: 3, zero: 0, absent: 1, swapped: 0, "
			      "unreadable: 0}}\n", &e, &n), 0);
	assert_int_equal(n, 1);
}

static void test_lying_page_counts(void **state)
{
	struct msnap_error e;
	uint32_t n;

	(void)state;
	assert_true(load(HEAD "pages: {data: 4, zero: 0, absent: 0, swapped: 0, "
			 "unreadable: 0}}\n", &e, &n) < 0);
	assert_non_null(strstr(e.msg, "differ from the container"));
}

static void test_lying_sha256(void **state)
{
	struct msnap_error e;
	uint32_t n;

	(void)state;
	assert_true(load(HEAD "pages: {data: 3, absent: 1}, sha256: "
			 "\"00000000000000000000000000000000000000000000000000000000000000ff\"}\n",
			 &e, &n) < 0);
	assert_non_null(strstr(e.msg, "SHA-256"));
}

static void test_lying_bounds(void **state)
{
	struct msnap_error e;
	uint32_t n;

	(void)state;
	assert_true(load("memsnap: {schema: \"1.0\"}\nregions:\n- {index: 0, "
			 "start: \"0x10000\", end: \"0x20000\"}\n", &e, &n) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agreeing_manifest),
		cmocka_unit_test(test_lying_page_counts),
		cmocka_unit_test(test_lying_sha256),
		cmocka_unit_test(test_lying_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
