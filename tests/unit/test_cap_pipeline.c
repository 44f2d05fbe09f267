// SPDX-License-Identifier: MIT
/*
 * test_cap_pipeline.c - units of memsnap's pipeline: region list parsing,
 * page classification, reading another process's memory, the copy buffer,
 * and the output file's refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "copybuf.h"
#include "dump.h"
#include "maps.h"
#include "memread.h"
#include "options.h"
#include "output.h"
#include "pages.h"

static const char smaps_text[] =
	"55d0c0de0000-55d0c0de2000 r-xp 00001000 fe:01 1234                       /opt/x/my prog\n"
	"Size:                  8 kB\n"
	"Rss:                   4 kB\n"
	"Anonymous:             0 kB\n"
	"THPeligible:    0\n"
	"VmFlags: rd ex mr mw me sd \n"
	"55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]\n"
	"Rss:                 132 kB\n"
	"VmFlags: rd wr mr mw me ac \n"
	"7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
	"VmFlags: mr mw me \n"
	"7f0000001000-7f0000002000 rw-s 00000000 00:01 77                         /dev/zero (deleted)\n"
	"7f0000002000-7f0000003000 rw-s 00000000 00:01 78                         /memfd:secret (deleted)\n"
	"7f0000003000-7f0000004000 rw-p 00000000 00:00 0                          [anon:my arena]\n"
	"7f0000004000-7f0000005000 r--p 00000000 fe:01 99                         /tmp/gone (deleted)\n"
	"7f0000005000-7f0000006000 rw-s 00000000 00:05 5                          /dev/mydev\n"
	"VmFlags: rd wr sh mr mw me ms io pf \n"
	"7ffc00000000-7ffc00002000 r--p 00000000 00:00 0                          [vvar]\n"
	"7ffc00002000-7ffc00004000 r-xp 00000000 00:00 0                          [vdso]\n"
	"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static uint64_t field(const struct region *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nsmaps; i++)
		if (!strcmp(r->smaps[i].key, key))
			return r->smaps[i].value;
	fail_msg("no smaps field %s", key);
	return 0;
}

static void test_parse_smaps_text(void **state)
{
	struct region_list l = { 0 };
	struct cap_error err;
	const struct region *r;

	(void)state;
	assert_int_equal(maps_parse_text(smaps_text, strlen(smaps_text), &l,
					 &err), 0);
	assert_int_equal(l.n, 12);
	maps_classify(&l, false);

	r = &l.v[0];
	assert_true(r->start == 0x55d0c0de0000ull && r->end == 0x55d0c0de2000ull);
	assert_string_equal(r->perms, "r-xp");
	assert_int_equal(r->offset, 0x1000);
	assert_int_equal(r->dev_major, 0xfe);
	assert_int_equal(r->dev_minor, 1);
	assert_int_equal(r->inode, 1234);
	assert_string_equal(r->path, "/opt/x/my prog");
	assert_int_equal(r->kind, KIND_FILE);
	assert_null(r->skip);
	assert_int_equal(field(r, "size_kb"), 8);
	assert_int_equal(field(r, "rss_kb"), 4);
	assert_int_equal(field(r, "thpeligible"), 0);
	assert_int_equal(r->nvmflags, 6);
	assert_true(region_has_vmflag(r, "ex"));
	assert_false(region_has_vmflag(r, "wr"));

	assert_int_equal(l.v[1].kind, KIND_HEAP);
	assert_int_equal(field(&l.v[1], "rss_kb"), 132);
	assert_int_equal(l.v[2].kind, KIND_GUARD);
	assert_string_equal(l.v[2].skip, "guard");
	assert_int_equal(l.v[3].kind, KIND_SHMEM);
	assert_int_equal(l.v[4].kind, KIND_MEMFD);
	assert_int_equal(l.v[5].kind, KIND_ANON);
	assert_int_equal(l.v[5].name_len, strlen("my arena"));
	assert_memory_equal(l.v[5].name, "my arena", l.v[5].name_len);
	assert_int_equal(l.v[6].kind, KIND_DELETED);
	assert_int_equal(l.v[7].kind, KIND_FILE);
	assert_string_equal(l.v[7].skip, "io");
	assert_int_equal(l.v[8].kind, KIND_VVAR);
	assert_string_equal(l.v[8].skip, "vvar");
	assert_int_equal(l.v[9].kind, KIND_VDSO);
	assert_null(l.v[9].skip);
	assert_int_equal(l.v[10].kind, KIND_STACK);
	assert_int_equal(l.v[11].kind, KIND_VSYSCALL);
	assert_string_equal(l.v[11].skip, "vsyscall");

	assert_ptr_equal(maps_find(&l, 0x55d0c1000000ull + 5), &l.v[1]);
	assert_null(maps_find(&l, 0x55d0c1021000ull));
	assert_null(maps_find(&l, 0x1000));

	maps_classify(&l, true);
	assert_string_equal(l.v[0].skip, "layout_only");
	maps_free(&l);
}

static void test_parse_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"5000-4000 r--p 00000000 00:00 0\n",          /* end before start */
		"4000-5000 r--p zz 00:00 0\n",
		"4000-5000 r--p 00000000 00:00\n",
		"Rss: 4 kB\n",                                 /* field first */
		/* out of order */
		"4000-5000 r--p 00000000 00:00 0\n3000-4000 r--p 00000000 00:00 0\n",
		"4000-11111111111111111111 r--p 00000000 00:00 0\n",
	};
	struct region_list l;
	struct cap_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0, sizeof(l));
		assert_int_equal(maps_parse_text(bad[i], strlen(bad[i]), &l,
						 &err), -1);
		assert_true(strlen(err.msg) > 0);
		maps_free(&l);
	}
}

static int global_marker = 42;

static void test_maps_read_self(void **state)
{
	struct region_list l;
	struct cap_error err;
	const struct region *r;
	char *heap = malloc(64);
	int procfd, local = 1;
	size_t lines = 0, i;
	char line[4096];
	FILE *f;

	(void)state;
	procfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(procfd >= 0);
	assert_int_equal(maps_read(procfd, &l, &err), 0);
	maps_classify(&l, false);
	f = fopen("/proc/self/maps", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	/* our own reads may add or merge a mapping or two */
	assert_true(l.n + 3 >= lines && l.n <= lines + 3);
	for (i = 1; i < l.n; i++)
		assert_true(l.v[i - 1].end <= l.v[i].start);

	r = maps_find(&l, (uint64_t)(uintptr_t)&local);
	assert_non_null(r);
	assert_int_equal(r->kind, KIND_STACK);
	assert_true(r->perms[0] == 'r' && r->perms[1] == 'w');
	r = maps_find(&l, (uint64_t)(uintptr_t)&global_marker);
	assert_non_null(r);
	assert_int_equal(r->kind, KIND_FILE);
	assert_true(r->inode != 0);
	assert_true(r->file_ok);
	assert_true(r->nvmflags > 0 && region_has_vmflag(r, "rd"));
	r = maps_find(&l, (uint64_t)(uintptr_t)test_maps_read_self);
	assert_non_null(r);
	assert_int_equal(r->perms[2], 'x');
	/* a kernel with PROCMAP_QUERY gives our executable's build-id */
	if (!strcmp(l.source, "procmap_query"))
		assert_true(r->build_id_len > 0);
	r = maps_find(&l, (uint64_t)(uintptr_t)heap);
	assert_non_null(r);
	assert_true(r->kind == KIND_HEAP || r->kind == KIND_ANON);
	maps_free(&l);
	free(heap);
	close(procfd);
}

/* A scanner of this process, by PAGEMAP_SCAN or the pagemap fallback. */
static int open_self_scanner(struct page_scanner *s, bool use_scan)
{
	struct cap_error err;
	int procfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);

	assert_true(procfd >= 0);
	assert_int_equal(pages_open(s, procfd, &err), 0);
	if (!use_scan)
		pages_disable_scan(s);
	else if (!s->use_scan)
		skip();         /* kernel older than 6.7 */
	assert_string_equal(pages_method(s), use_scan ? "pagemap_scan" : "pagemap");
	return procfd;
}

static void classify_touched(bool use_scan)
{
	const long ps = sysconf(_SC_PAGESIZE);
	struct page_scanner s;
	struct page_runs pr = { 0 };
	struct cap_error err;
	uint8_t *buf;
	int procfd;

	buf = mmap(NULL, 16 * ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	madvise(buf, 16 * ps, MADV_NOHUGEPAGE);
	buf[0] = 1;
	buf[1 * ps] = 1;
	buf[5 * ps + 17] = 1;
	buf[15 * ps] = 1;
	procfd = open_self_scanner(&s, use_scan);
	assert_int_equal(pages_classify(&s, (uint64_t)(uintptr_t)buf,
					(uint64_t)(uintptr_t)buf + 16 * ps,
					&pr, &err), 0);
	assert_int_equal(pr.n, 5);
	assert_true(pr.v[0].first == 0 && pr.v[0].count == 2 &&
		    pr.v[0].state == MSNAP_PAGE_DATA);
	assert_true(pr.v[1].first == 2 && pr.v[1].count == 3 &&
		    pr.v[1].state == MSNAP_PAGE_ABSENT);
	assert_true(pr.v[2].first == 5 && pr.v[2].count == 1 &&
		    pr.v[2].state == MSNAP_PAGE_DATA);
	assert_true(pr.v[3].first == 6 && pr.v[3].count == 9 &&
		    pr.v[3].state == MSNAP_PAGE_ABSENT);
	assert_true(pr.v[4].first == 15 && pr.v[4].count == 1 &&
		    pr.v[4].state == MSNAP_PAGE_DATA);
	assert_int_equal(page_runs_count(&pr, MSNAP_PAGE_DATA), 4);
	/* unaligned ranges are refused */
	assert_int_equal(pages_classify(&s, (uint64_t)(uintptr_t)buf + 1,
					(uint64_t)(uintptr_t)buf + ps, &pr,
					&err), -1);
	page_runs_free(&pr);
	pages_close(&s);
	close(procfd);
	munmap(buf, 16 * ps);
}

static void test_pages_scan(void **state)
{
	(void)state;
	classify_touched(true);
}

static void test_pages_pagemap(void **state)
{
	(void)state;
	classify_touched(false);
}

/* Pages written in a private file mapping are found, read ones are not. */
static void private_copies_found(bool use_scan)
{
	const long ps = sysconf(_SC_PAGESIZE);
	char path[] = "/tmp/memsnap-cow-XXXXXX";
	struct page_scanner s;
	struct page_runs pr = { 0 };
	struct cap_error err;
	volatile uint8_t sum = 0;
	uint8_t *map;
	int fd, procfd, i;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 16 * ps), 0);
	map = mmap(NULL, 16 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	for (i = 0; i < 16; i++)
		sum += map[i * ps];     /* the file's pages, not copies */
	map[3 * ps] = 1;
	map[9 * ps + 5] = 1;
	map[10 * ps] = 1;
	procfd = open_self_scanner(&s, use_scan);
	assert_int_equal(pages_private_copies(&s, (uint64_t)(uintptr_t)map,
					      (uint64_t)(uintptr_t)map + 16 * ps,
					      &pr, &err), 0);
	assert_int_equal(pr.n, 2);
	assert_true(pr.v[0].first == 3 && pr.v[0].count == 1);
	assert_true(pr.v[1].first == 9 && pr.v[1].count == 2);
	page_runs_free(&pr);
	pages_close(&s);
	close(procfd);
	munmap(map, 16 * ps);
	close(fd);
}

static void test_private_copies_scan(void **state)
{
	(void)state;
	private_copies_found(true);
}

static void test_private_copies_pagemap(void **state)
{
	(void)state;
	private_copies_found(false);
}

static void test_page_runs_merge(void **state)
{
	struct page_runs r = { 0 };

	(void)state;
	assert_int_equal(page_runs_push(&r, 0, 2, MSNAP_PAGE_DATA), 0);
	assert_int_equal(page_runs_push(&r, 2, 3, MSNAP_PAGE_DATA), 0);
	assert_int_equal(page_runs_push(&r, 5, 0, MSNAP_PAGE_ABSENT), 0);
	assert_int_equal(page_runs_push(&r, 5, 1, MSNAP_PAGE_SWAPPED), 0);
	assert_int_equal(page_runs_push(&r, 7, 1, MSNAP_PAGE_SWAPPED), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.v[0].count, 5);
	assert_int_equal(page_runs_count(&r, MSNAP_PAGE_SWAPPED), 2);
	page_runs_free(&r);
}

struct bad_log {
	uint64_t addr[16], len[16];
	int err[16];
	size_t n;
};

static void log_bad(void *arg, uint64_t addr, uint64_t len, int err_no)
{
	struct bad_log *b = arg;

	if (b->n < 16) {
		b->addr[b->n] = addr;
		b->len[b->n] = len;
		b->err[b->n] = err_no;
	}
	b->n++;
}

/*
 * A child rewrites a buffer it shares layout with us, makes page 2
 * PROT_NONE and unmaps page 3: we read its bytes, not ours; page 2 through
 * /proc/PID/mem; page 3 reported bad.
 */
static void test_memread_child(void **state)
{
	const long ps = sysconf(_SC_PAGESIZE);
	const size_t npages = 8;
	struct mem_reader m;
	struct mem_span sp[2];
	struct bad_log bad = { 0 };
	struct cap_error err;
	uint8_t *buf, *got;
	int ready[2], procfd, st;
	char path[64], c;
	pid_t child;
	size_t i;

	(void)state;
	buf = mmap(NULL, npages * ps, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(buf != MAP_FAILED);
	memset(buf, 0x11, npages * ps);
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		for (i = 0; i < npages * (size_t)ps; i++)
			buf[i] = (uint8_t)(i * 7 + i / 4096);
		mprotect(buf + 2 * ps, ps, PROT_NONE);
		munmap(buf + 3 * ps, ps);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);

	snprintf(path, sizeof(path), "/proc/%d", (int)child);
	procfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(procfd >= 0);
	assert_int_equal(memread_open(&m, child, procfd, &err), 0);
	got = calloc(npages, ps);
	assert_non_null(got);
	/* two spans: pages 0-4 and 6-7 */
	sp[0].addr = (uint64_t)(uintptr_t)buf;
	sp[0].len = 5 * ps;
	sp[0].dst = got;
	sp[1].addr = (uint64_t)(uintptr_t)buf + 6 * ps;
	sp[1].len = 2 * ps;
	sp[1].dst = got + 6 * ps;
	assert_int_equal(memread_spans(&m, sp, 2, log_bad, &bad), 0);
	assert_int_equal(bad.n, 1);
	assert_true(bad.addr[0] == (uint64_t)(uintptr_t)buf + 3 * ps);
	assert_int_equal(bad.len[0], ps);
	assert_true(bad.err[0] != 0);
	for (i = 0; i < npages * (size_t)ps; i++) {
		if (i / ps == 3 || i / ps == 5)
			continue;
		if (got[i] != (uint8_t)(i * 7 + i / 4096))
			fail_msg("byte %zu: %#x", i, got[i]);
	}
	for (i = 3 * ps; i < 4 * (size_t)ps; i++)
		assert_int_equal(got[i], 0);
	assert_true(m.bytes_mem >= (uint64_t)ps);      /* the PROT_NONE page */
	assert_int_equal(m.bytes_vm, 5 * (uint64_t)ps);   /* 0, 1, 4, 6, 7 */

	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &st, 0), child);
	/* gone: ESRCH, not a page-by-page crawl */
	bad.n = 0;
	assert_int_equal(memread_spans(&m, sp, 1, log_bad, &bad), -1);
	assert_int_equal(errno, ESRCH);
	memread_close(&m);
	close(procfd);
	close(ready[0]);
	free(got);
	munmap(buf, npages * ps);
}

static void test_copybuf(void **state)
{
	struct copybuf b;
	struct cap_error err;
	uint8_t *p, *q;

	(void)state;
	assert_int_equal(copybuf_init(&b, 1 << 20, &err), 0);
	assert_int_equal(b.size, 1 << 20);
	p = copybuf_take(&b, 700 << 10);
	assert_non_null(p);
	assert_null(copybuf_take(&b, 400 << 10));
	assert_int_equal(copybuf_room(&b), 324 << 10);
	memset(p, 0xab, 700 << 10);
	copybuf_reset(&b);
	q = copybuf_take(&b, 1 << 20);
	assert_ptr_equal(p, q);
	copybuf_free(&b);
	assert_true(copybuf_default_budget() > 0);
}

/* ---- the output file -------------------------------------------------------- */

static char tmpdir[] = "/tmp/test_cap_pipeline.XXXXXX";

static char *tpath(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_file_is(const char *path, const char *text)
{
	char buf[256] = { 0 };
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) == strlen(text));
	fclose(f);
	assert_string_equal(buf, text);
}

static void test_output_refusals(void **state)
{
	struct output o;
	struct cap_error err;
	struct stat st;
	char target[300];

	(void)state;
	write_file(tpath("exists.msnap"), "precious");
	assert_int_equal(output_open(&o, tpath("exists.msnap"), &err), -1);
	assert_non_null(strstr(err.msg, "output file exists"));
	output_close(&o);
	assert_file_is(tpath("exists.msnap"), "precious");
	assert_int_equal(lstat(tpath("exists.msnap.partial"), &st), -1);

	snprintf(target, sizeof(target), "%s", tpath("target"));
	write_file(target, "keep");
	assert_int_equal(symlink(target, tpath("link.msnap")), 0);
	assert_int_equal(output_open(&o, tpath("link.msnap"), &err), -1);
	assert_non_null(strstr(err.msg, "exists"));
	output_close(&o);
	assert_file_is(target, "keep");
	assert_int_equal(unlink(target), 0);
	assert_int_equal(output_open(&o, tpath("link.msnap"), &err), -1);
	output_close(&o);
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(lstat(tpath("link.msnap"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	/* a symlink planted as NAME.partial is not followed either */
	assert_int_equal(symlink(target, tpath("planted.msnap.partial")), 0);
	assert_int_equal(output_open(&o, tpath("planted.msnap"), &err), -1);
	assert_non_null(strstr(err.msg, "partial"));
	output_close(&o);
	assert_int_equal(lstat(target, &st), -1);

	assert_int_equal(output_open(&o, tpath("nodir/x.msnap"), &err), -1);
	output_close(&o);
}

static void test_output_create_commit(void **state)
{
	struct output o;
	struct cap_error err;
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	assert_int_equal(output_open(&o, tpath("new.msnap"), &err), 0);
	/* nameless until the target is touched: a kill now leaves nothing */
	assert_int_equal(lstat(tpath("new.msnap.partial"), &st),
			 o.nameless ? -1 : 0);   /* no O_TMPFILE there */
	assert_int_equal(lstat(tpath("new.msnap"), &st), -1);
	assert_int_equal(output_publish(&o, &err), 0);
	assert_int_equal(stat(tpath("new.msnap.partial"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(fcntl(o.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_string_equal(output_leftover(&o), tpath("new.msnap.partial"));
	assert_int_equal(write(o.fd, "data", 4), 4);
	assert_int_equal(output_check_space(&o, 1 << 20, &err), 0);
	assert_int_equal(output_check_space(&o, UINT64_MAX / 2, &err), -1);
	assert_non_null(strstr(err.msg, "free space"));
	assert_int_equal(output_commit(&o, &err), 0);
	output_close(&o);
	assert_int_equal(lstat(tpath("new.msnap.partial"), &st), -1);
	assert_file_is(tpath("new.msnap"), "data");
	assert_int_equal(stat(tpath("new.msnap"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* discard removes only our own untouched .partial */
	assert_int_equal(output_open(&o, tpath("gone.msnap"), &err), 0);
	assert_int_equal(output_publish(&o, &err), 0);
	assert_int_equal(lstat(tpath("gone.msnap.partial"), &st), 0);
	output_discard(&o);
	output_close(&o);
	assert_int_equal(lstat(tpath("gone.msnap.partial"), &st), -1);
	umask(old);
}

/* The CLI path: a refused output exits 2 before the target is touched. */
static void test_dump_refuses_output(void **state)
{
	struct cap_options o = {
		.pid = 1, .level = 1, .chunk_bytes = 2 << 20,
		.progress = PROGRESS_OFF, .quiet = true,
	};
	struct stat st;

	(void)state;
	o.output = tpath("exists.msnap");
	assert_int_equal(dump_run(&o), EXIT_FAILED);
	assert_file_is(tpath("exists.msnap"), "precious");
	o.output = tpath("link.msnap");
	assert_int_equal(dump_run(&o), EXIT_FAILED);
	assert_int_equal(lstat(tpath("link.msnap"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(lstat(tpath("target"), &st), -1);
}

static int setup_dir(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	static const char *const names[] = {
		"exists.msnap", "link.msnap", "planted.msnap.partial",
		"new.msnap", "target",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tpath(names[i]));
	return rmdir(tmpdir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_smaps_text),
		cmocka_unit_test(test_parse_rejects_garbage),
		cmocka_unit_test(test_maps_read_self),
		cmocka_unit_test(test_pages_scan),
		cmocka_unit_test(test_pages_pagemap),
		cmocka_unit_test(test_private_copies_scan),
		cmocka_unit_test(test_private_copies_pagemap),
		cmocka_unit_test(test_page_runs_merge),
		cmocka_unit_test(test_memread_child),
		cmocka_unit_test(test_copybuf),
		cmocka_unit_test(test_output_refusals),
		cmocka_unit_test(test_output_create_commit),
		/* last: dump_run hardens the whole test process */
		cmocka_unit_test(test_dump_refuses_output),
	};

	return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
