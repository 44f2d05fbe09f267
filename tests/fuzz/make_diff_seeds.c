// SPDX-License-Identifier: MIT
/*
 * make_diff_seeds.c - writes the seeds of fuzz_diff and fuzz_check:
 *   make_diff_seeds DIR
 * Each fuzz_diff seed is two small snapshots in one input (fuzz_diff.c
 * says how they are framed) whose manifests describe their regions the
 * way the capture does: a library's text and data, its bss, heap, an
 * anonymous mapping, stack and vdso, with page counts and SHA-256 that
 * agree with the page tables.  The pairs: the same process captured
 * twice (bytes changed), two runs under different address bases, and a
 * snapshot against its layout-only twin.
 *   make_diff_seeds DIR ELF BUILD_ID
 * also writes the fuzz_check seeds: a snapshot whose library regions hold
 * the pages of ELF (recorded with its build-id, so check takes ELF as the
 * reference), followed by ELF itself; one clean, one with a hook written
 * over the library's code and with an executable anonymous page.
 *
 * Build: cc -Iformats tests/fuzz/make_diff_seeds.c formats/libmsnap.a
 *        -lzstd -lyaml -lcrypto -lxxhash -pthread
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "msnap.h"

#define PS 4096u
#define NREG 7
#define ELF_MAX (64u << 10)

struct sreg {
	uint64_t start, pages;
	const char *perms, *kind, *path;
	uint64_t offset;
	const char *states;     /* one letter per page: D data, Z zero, A absent */
};

struct variant {
	uint64_t lib_base, heap_base, stack_base;
	uint64_t pid, ticks;
	unsigned flags;         /* MSNAP_HDR_* */
	uint8_t salt;           /* changes some bytes */
	const uint8_t *elf;     /* the library's file bytes (check seeds) */
	size_t elf_len;
	const char *build_id;   /* hex */
	bool hooked;            /* a jmp over its code, an rwx page */
};

static void fill_page(uint8_t *p, unsigned reg, unsigned page,
		      const struct variant *v)
{
	const uint64_t off = (uint64_t)(reg + page) * PS;
	unsigned i;

	if (v->elf && reg < 2) {
		/* the library's pages: its file bytes, zero past the end */
		memset(p, 0, PS);
		if (off < v->elf_len)
			memcpy(p, v->elf + off, v->elf_len - off < PS ?
			       v->elf_len - off : PS);
		if (v->hooked && reg == 0)
			memcpy(p + 0x5a0, "\xe9\x10\x20\x30\x40", 5);
		return;
	}
	for (i = 0; i < PS; i++)
		p[i] = (uint8_t)(i * 7 + reg * 13 + page);
	/* A pointer into the heap, and a salted byte range. */
	memcpy(p + 64, &v->heap_base, sizeof(v->heap_base));
	if (reg == 3 && page == 1)
		memset(p + 100, v->salt, 24);
}

static void regions_of(const struct variant *v, struct sreg *r)
{
	const struct sreg lib[NREG] = {
		{ v->lib_base, 1, "r-xp", "file", "/usr/lib/libdemo.so.1", 0, "D" },
		{ v->lib_base + PS, 1, "rw-p", "file", "/usr/lib/libdemo.so.1",
		  PS, "D" },
		{ v->lib_base + 2 * PS, 2, "rw-p", "anon", "", 0, "ZD" },
		{ v->heap_base, 5, "rw-p", "heap", "[heap]", 0, "DDZAD" },
		{ v->heap_base + 0x100000, 1, v->hooked ? "rwxp" : "rw-p", "anon",
		  "", 0, "D" },
		{ v->stack_base, 4, "rw-p", "stack", "[stack]", 0, "AADD" },
		{ v->stack_base + 0x10000, 1, "r-xp", "vdso", "[vdso]", 0, "D" },
	};
	const struct sreg t[NREG] = {
		{ v->lib_base, 3, "r-xp", "file", "/usr/lib/libdemo.so.1", 0, "DDD" },
		{ v->lib_base + 3 * PS, 2, "rw-p", "file", "/usr/lib/libdemo.so.1",
		  3 * PS, "DZ" },
		{ v->lib_base + 5 * PS, 2, "rw-p", "anon", "", 0, "ZD" },
		{ v->heap_base, 5, "rw-p", "heap", "[heap]", 0, "DDZAD" },
		{ v->heap_base + 0x100000, 3, "rw-p", "anon", "", 0, "DAD" },
		{ v->stack_base, 4, "rw-p", "stack", "[stack]", 0, "AADD" },
		{ v->stack_base + 0x10000, 1, "r-xp", "vdso", "[vdso]", 0, "D" },
	};

	memcpy(r, v->elf ? lib : t, sizeof(t));
}

/* Append printf output to a growing string. */
static int cat(char **s, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cat(char **s, size_t *len, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;
	char *ns;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	ns = realloc(*s, *len + (size_t)n + 1);
	if (!ns)
		return -1;
	memcpy(ns + *len, buf, (size_t)n + 1);
	*s = ns;
	*len += (size_t)n;
	return 0;
}

/* Write one snapshot of variant v to a new memfd; returns it, or -1. */
static int write_snapshot(const struct variant *v)
{
	struct msnap_writer_opts o = { .threads = 1, .chunk_bytes = 2 * PS,
				       .page_size = PS, .flags = v->flags };
	/* the writer reads pages until sync: one buffer for each */
	static uint8_t pool[32][PS];
	unsigned used = 0;
	struct sreg r[NREG];
	struct msnap_writer *w;
	struct msnap_error e;
	uint8_t *page;
	char *y = NULL, hex[65];
	size_t ylen = 0;
	unsigned k, p;
	int fd = memfd_create("seed", 0);

	if (fd < 0)
		return -1;
	regions_of(v, r);
	o.fd = fd;
	o.created_ns = 1;
	if (msnap_writer_create(&w, &o, &e))
		goto fail;
	for (k = 0; k < NREG; k++) {
		if (msnap_writer_begin_region(w, r[k].start,
					      r[k].start + r[k].pages * PS, &e))
			goto fail;
		for (p = 0; p < r[k].pages && !(v->flags & MSNAP_HDR_LAYOUT_ONLY); p++) {
			const char c = r[k].states[p];
			const enum msnap_page_state st = c == 'D' ? MSNAP_PAGE_DATA :
				c == 'Z' ? MSNAP_PAGE_ZERO : MSNAP_PAGE_ABSENT;

			if (used == sizeof(pool) / sizeof(pool[0]))
				goto fail;
			page = pool[used++];
			fill_page(page, k, p, v);
			if (msnap_writer_add(w, p, 1, st, st == MSNAP_PAGE_DATA ?
					     page : NULL, &e))
				goto fail;
		}
		if (msnap_writer_end_region(w, &e))
			goto fail;
	}
	if (msnap_writer_sync(w, &e))
		goto fail;
	if (cat(&y, &ylen, "memsnap: {schema: \"1.0\", version: seed}\n"
		"process: {pid: %llu, start_time_ticks: %llu, comm: demo, "
		"exe: {path: /usr/bin/demo}}\n"
		"threads:\n- {tid: %llu, name: demo, state: S}\nregions:\n",
		(unsigned long long)v->pid, (unsigned long long)v->ticks,
		(unsigned long long)v->pid))
		goto fail;
	for (k = 0; k < NREG; k++) {
		const struct msnap_region_summary *sum = msnap_writer_region(w, k);

		if (!sum)
			goto fail;
		msnap_hex(sum->sha256, 32, hex);
		if (cat(&y, &ylen, "- index: %u\n  start: \"0x%llx\"\n"
			"  end: \"0x%llx\"\n  perms: %s\n  offset: %llu\n"
			"  dev: \"fe:01\"\n  inode: %u\n  path: \"%s\"\n"
			"  kind: %s\n  pages: {data: %llu, zero: %llu, "
			"absent: %llu, swapped: 0, unreadable: 0}\n"
			"  sha256: %s\n%s%s%s", k,
			(unsigned long long)r[k].start,
			(unsigned long long)(r[k].start + r[k].pages * PS),
			r[k].perms, (unsigned long long)r[k].offset,
			r[k].path[0] == '/' ? 77u : 0u, r[k].path, r[k].kind,
			(unsigned long long)sum->pages[MSNAP_PAGE_DATA],
			(unsigned long long)sum->pages[MSNAP_PAGE_ZERO],
			(unsigned long long)sum->pages[MSNAP_PAGE_ABSENT], hex,
			v->build_id && k < 2 ? "  file: {build_id: " : "",
			v->build_id && k < 2 ? v->build_id : "",
			v->build_id && k < 2 ? "}\n" : ""))
			goto fail;
	}
	if (cat(&y, &ylen, "errors: []\n") ||
	    msnap_writer_finish(w, y, ylen, NULL, &e))
		goto fail;
	msnap_writer_free(w);
	free(y);
	return fd;
fail:
	fprintf(stderr, "make_diff_seeds: %s\n", e.msg);
	free(y);
	close(fd);
	return -1;
}

static int copy_fd(FILE *out, int fd)
{
	uint8_t buf[65536];
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			return -1;
	return n < 0 ? -1 : 0;
}

/*
 * One two-part input: the u32 size of snapshot fa (little-endian), fa,
 * then snapshot fb (if fb >= 0) or the bytes tail.  Closes fa and fb.
 */
static int write_input(const char *dir, const char *name, int fa, int fb,
		       const uint8_t *tail, size_t tail_len)
{
	char path[512];
	const off_t na = fa >= 0 ? lseek(fa, 0, SEEK_END) : -1;
	uint8_t le[4];
	FILE *out;
	int r = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out = fopen(path, "wb");
	if (out && na > 0 && (fb >= 0 || tail)) {
		le[0] = (uint8_t)na;
		le[1] = (uint8_t)(na >> 8);
		le[2] = (uint8_t)(na >> 16);
		le[3] = (uint8_t)(na >> 24);
		r = fwrite(le, 1, 4, out) == 4 && !copy_fd(out, fa) &&
		    (fb < 0 || !copy_fd(out, fb)) &&
		    (!tail || fwrite(tail, 1, tail_len, out) == tail_len) ? 0 : -1;
	}
	if (out && fclose(out))
		r = -1;
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return r;
}

/* One fuzz_diff input: A and B. */
static int pair(const char *dir, const char *name, const struct variant *a,
		const struct variant *b)
{
	return write_input(dir, name, write_snapshot(a), write_snapshot(b),
			   NULL, 0);
}

/* One fuzz_check input: the snapshot, then the ELF. */
static int check_seed(const char *dir, const char *name,
		      const struct variant *v)
{
	return write_input(dir, name, write_snapshot(v), -1, v->elf,
			   v->elf_len);
}

static int check_seeds(const char *dir, const char *elf_path,
		       const char *build_id, const struct variant *a)
{
	static uint8_t elf[ELF_MAX];
	struct variant clean = *a, hooked;
	FILE *fp = fopen(elf_path, "rb");

	if (!fp)
		return 1;
	clean.elf_len = fread(elf, 1, sizeof(elf), fp);
	fclose(fp);
	clean.elf = elf;
	clean.build_id = build_id;
	hooked = clean;
	hooked.hooked = true;
	return check_seed(dir, "clean.check", &clean) ||
	       check_seed(dir, "hooked.check", &hooked);
}

int main(int argc, char **argv)
{
	const struct variant a = {
		.lib_base = 0x7f0000000000ull, .heap_base = 0x555500000000ull,
		.stack_base = 0x7ffd00000000ull, .pid = 100, .ticks = 5000,
		.salt = 1,
	};
	struct variant later = a, other = a, layout = a;

	if (argc == 4)
		return check_seeds(argv[1], argv[2], argv[3], &a);
	if (argc != 2)
		return 2;
	later.salt = 2;                      /* same process, bytes changed */
	other.lib_base += 0x3000000;         /* another run: other bases */
	other.heap_base += 0x1000000;
	other.stack_base -= 0x200000;
	other.pid = 200;
	other.salt = 3;
	layout.flags = MSNAP_HDR_LAYOUT_ONLY;
	return pair(argv[1], "same_process.pair", &a, &later) ||
	       pair(argv[1], "other_run.pair", &a, &other) ||
	       pair(argv[1], "layout_only.pair", &a, &layout);
}
