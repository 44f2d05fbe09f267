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

/* The typed facts: what is well formed is given, the rest is "unknown". */
static void test_typed_facts(void **state)
{
	static const char yaml[] =
		"memsnap: {schema: \"1.0\"}\n"
		"process: {uid: [1000, 1001, x], auxv: [{type: 9, value: 4096}, "
		"{type: 3}], cmdline: [prog, \"-v\"]}\n"
		"errors: [{what: maps, message: gone}, 7]\n"
		"regions:\n- {index: 0, start: \"0x10000\", end: \"0x14000\", "
		"perms: r-xp, kind: file, path: /bin/x, dev: \"08:01\", "
		"file: {build_id: abcd, size: 12}, stored_file: 0, "
		"smaps: {anonymous_kb: 8}, "
		"private_copies: [[0, 2], [3, 5], [x, 1], [1, 0], [2, 1]]}\n"
		"files: [{region: 0, size: 12}]\n";
	char path[] = "/tmp/test_ana_snapshot.XXXXXX";
	const struct snap_region *g;
	struct snap_bytes what, msg, arg;
	struct msnap_error e;
	uint64_t v, type, size;
	uint32_t reg;
	struct snap s;
	size_t n;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_snapshot(path, yaml);
	assert_int_equal(snap_open(&s, path, &e), 0);
	assert_int_equal(snap_load_regions(&s, &e), 0);
	g = &s.regions[0];
	assert_int_equal(g->kind_id, MSNAP_KIND_FILE);
	assert_string_equal(g->dev.s, "08:01");
	assert_int_equal(g->file.build_id_len, 2);
	assert_int_equal(g->file.build_id[0], 0xab);
	assert_true(g->file.has_size);
	assert_true(g->has_stored_file);
	assert_int_equal(g->smaps_anon_kb, 8);
	/* [3, 5] passes the region's end, [x, 1] and [1, 0] are malformed */
	assert_true(g->private_copies.recorded);
	assert_int_equal(g->private_copies.n, 2);
	assert_int_equal(g->private_copies.v[1].first, 2);
	assert_false(g->from_swap.recorded);
	assert_int_equal(snap_stored_file(&s, 0, &reg, &size), 0);
	assert_int_equal(size, 12);
	assert_int_equal(snap_stored_file(&s, 1, &reg, &size), -1);
	assert_int_equal(snap_fact_count(&s, "process.uid", &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(snap_fact_u64_at(&s, "process.uid", 1, &v), 0);
	assert_int_equal(v, 1001);
	assert_int_equal(snap_fact_u64_at(&s, "process.uid", 2, &v), -1);
	assert_int_equal(snap_fact_count(&s, "process.pid", &n), -1);
	assert_int_equal(snap_fact_bytes_at(&s, "process.cmdline", 1, &arg), 0);
	assert_string_equal(arg.s, "-v");
	snap_bytes_free(&arg);
	assert_int_equal(snap_auxv_at(&s, 0, &type, &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(snap_auxv_at(&s, 1, &type, &v), -1);
	snap_capture_error(&s, 0, &what, &msg);
	assert_string_equal(what.s, "maps");
	assert_string_equal(msg.s, "gone");
	snap_bytes_free(&what);
	snap_bytes_free(&msg);
	snap_capture_error(&s, 1, &what, &msg);
	assert_null(what.s);
	assert_null(msg.s);
	snap_close(&s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agreeing_manifest),
		cmocka_unit_test(test_lying_page_counts),
		cmocka_unit_test(test_lying_sha256),
		cmocka_unit_test(test_lying_bounds),
		cmocka_unit_test(test_typed_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
