// SPDX-License-Identifier: MIT
/*
 * fuzz_check.c - libFuzzer target for `check` on hostile input: a snapshot
 * and a reference ELF file, any bytes, through the modules and their
 * references (elfref.c), the code comparison (codecheck.c), foreign code
 * (foreign.c), the loader's pointers (datacheck.c) and the JSON report.
 *
 * Input: a little-endian u32 n, the snapshot (the next n bytes, fewer if
 * the input is shorter), then the reference file (the rest), which is
 * given as --ref DIR under the name of the seeds' module, libdemo.so.1.
 * Seeds (tests/fuzz/make_diff_seeds.c) record the build-id of their ELF,
 * so check takes it as the reference and goes deep.
 *
 * fuzz-max-len: 65536
 *
 * fuzz-seconds-percent: 80
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "codecheck.h"
#include "datacheck.h"
#include "modules.h"
#include "findings.h"
#include "foreign.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char ref_dir[64], ref_path[96];

static int write_all(int fd, const uint8_t *p, size_t n)
{
	return n && write(fd, p, n) != (ssize_t)n ? -1 : 0;
}

static void remove_ref(void)
{
	unlink(ref_path);
	rmdir(ref_dir);
}

/* The reference file, rewritten for each input. */
static int put_ref(const uint8_t *p, size_t n)
{
	int fd, r;

	if (!ref_dir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(ref_dir, sizeof(ref_dir), "%s/fuzz-check.XXXXXX",
			 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
		if (!mkdtemp(ref_dir))
			abort();
		snprintf(ref_path, sizeof(ref_path), "%s/libdemo.so.1", ref_dir);
		atexit(remove_ref);
	}
	fd = open(ref_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	r = write_all(fd, p, n);
	close(fd);
	return r;
}

static void check(struct snap *s)
{
	const char *refs[1] = { ref_dir };
	struct ref_opts o = { .refs = refs, .nrefs = 1, .no_host = true };
	struct modules ms = { 0 };
	struct findings fs = { 0 };
	struct check_ctx c = { 0 };
	struct report_head h = { 0 };
	struct msnap_error e;
	FILE *null;

	if (snap_load_regions(s, &e) || snap_load_threads(s, &e))
		return;
	if (modules_build(&ms, s, &o, c.msg, sizeof(c.msg)))
		goto out;
	c.s = s;
	c.ms = &ms;
	c.fs = &fs;
	c.max_patches = 8;
	c.tracer_pid = -1;
	if (code_check(&c) || foreign_check(&c) || data_check(&c) ||
	    foreign_late_check(&c))
		goto out;
	findings_finish(&fs);
	(void)findings_worst(&fs);
	null = fopen("/dev/null", "w");
	if (null) {
		h.snapshot = "fuzz";
		findings_print_json(null, &fs, &h, true);
		findings_print_text(null, &fs, &h);
		fclose(null);
	}
out:
	findings_free(&fs);
	modules_free(&ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msnap_error e;
	struct snap s;
	char path[64];
	size_t n;
	int fd;

	if (size < 4)
		return 0;
	n = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 |
	    (size_t)data[3] << 24;
	if (n > size - 4)
		n = size - 4;
	if (put_ref(data + 4 + n, size - 4 - n))
		return 0;
	fd = memfd_create("fuzz-check", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (write_all(fd, data + 4, n) == 0 && snap_open(&s, path, &e) == 0) {
		if (s.tree)
			check(&s);
		snap_close(&s);
	}
	close(fd);
	return 0;
}
