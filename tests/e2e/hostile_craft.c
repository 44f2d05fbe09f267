// SPDX-License-Identifier: MIT
/*
 * hostile_craft.c - writes hostile .msnap files, record by record from
 * formats/layout.h and FORMAT.md, with valid record checksums so that a
 * reader gets past them to the field that lies:
 *   hostile_craft CASE OUT        a snapshot (CASE: see cases[] below)
 *   hostile_craft elf CASE IN OUT a copy of ELF file IN with broken headers
 * The base snapshot is one region [0x10000, 0x14000) of 4 pages: DATA,
 * DATA, ZERO, ABSENT, one chunk, a manifest that describes the region and
 * a module /usr/lib/libdemo.so.1 (for check --ref).  "valid" writes it
 * unchanged: every reader must accept it (so the others test what they
 * say).  Build: cc -Iformats hostile_craft.c formats/libmsnap.a -lzstd
 * -lcrypto -lxxhash -lyaml -pthread.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "layout.h"
#include "msnap.h"
#include "sha256.h"

#define PS      4096u
#define BASE    0x10000ull
#define NPAGES  4u
#define KEEP    0xfeedfacecafebeefull     /* "no override" */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *d, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->n + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			perror("hostile_craft");
			exit(2);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->n, d, n);
	b->n += n;
}

/* SHA-256 of n bytes at d into out, or exit. */
static void sha256_of(const void *d, size_t n, uint8_t out[32])
{
	struct msnap_sha256 sc;

	msnap_sha256_init(&sc);
	msnap_sha256_update(&sc, d, n);
	if (msnap_sha256_final(&sc, out)) {
		fprintf(stderr, "hostile_craft: SHA-256 failed\n");
		exit(2);
	}
}

static void put64(struct buf *b, uint64_t v)
{
	uint8_t x[8];

	put_le64(x, v);
	put(b, x, 8);
}

static void put32(struct buf *b, uint32_t v)
{
	uint8_t x[4];

	put_le32(x, v);
	put(b, x, 4);
}

/* Seal payload pl (tag first, 8 checksum bytes reserved) into out. */
static uint64_t record(struct buf *out, struct buf *pl)
{
	uint8_t hdr[SKIP_HDR_SIZE];
	const uint64_t off = out->n;

	put64(pl, 0);
	msnap_record_seal(pl->p, pl->n);
	msnap_record_frame_header(hdr, (uint32_t)pl->n);
	put(out, hdr, sizeof(hdr));
	put(out, pl->p, pl->n);
	free(pl->p);
	memset(pl, 0, sizeof(*pl));
	return off;
}

/* What a case changes; KEEP (or NULL / 0) leaves the base value. */
struct tweak {
	uint64_t chunk_raw, chunk_frame_bytes, chunk_run_count;
	const uint8_t *frame;             /* data frame bytes */
	size_t frame_len;
	bool overlap;                     /* a second region over the first */
	const char *yaml;                 /* manifest text */
	size_t yaml_len;
	uint64_t yaml_bytes;              /* Yaml_Bytes field */
	uint64_t idx_chunks, idx_regions, idx_chunk_off, idx_pages_off;
	uint64_t tr_chunks, tr_regions, tr_manifest_off, tr_index_off;
	uint64_t page_size;
	uint64_t region_pages;            /* pages of region 0 (base: 4) */
	bool manifest_window;             /* its frame claims a 2 GiB window */
};

static uint64_t or_keep(uint64_t v, uint64_t dflt)
{
	return v == KEEP ? dflt : v;
}

static uint8_t page_bytes[2 * PS];

static size_t zframe(const void *src, size_t n, uint8_t **out, bool fcs,
		     int wlog)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(n), r;

	*out = malloc(cap);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, fcs);
	if (wlog)
		ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, wlog);
	r = ZSTD_compress2(c, *out, cap, src, n);
	ZSTD_freeCCtx(c);
	if (ZSTD_isError(r)) {
		fprintf(stderr, "hostile_craft: zstd: %s\n", ZSTD_getErrorName(r));
		exit(2);
	}
	return r;
}

/*
 * Frame header: magic (4), descriptor (1), window descriptor (1): without
 * the single-segment flag, byte 5 is Exponent << 3 | Mantissa, window =
 * 2^(10 + Exponent).  Exponent 21: 2 GiB.
 */
static void claim_huge_window(uint8_t *f)
{
	if (f[4] & 0x20) {
		fprintf(stderr, "hostile_craft: frame is single-segment\n");
		exit(2);
	}
	f[5] = 21 << 3;
}

static const char base_yaml[] =
	"memsnap: {schema: \"1.0\", version: hostile}\n"
	"process: {pid: 4242, comm: demo, exe: {path: /usr/bin/demo}}\n"
	"threads:\n- {tid: 4242, name: demo, state: S}\n"
	"regions:\n"
	"- {index: 0, start: \"0x10000\", end: \"0x%llx\", perms: r-xp, "
	"offset: 0, dev: \"fe:01\", inode: 99, path: /usr/lib/libdemo.so.1, "
	"kind: file, pages: {data: 2, zero: 1, absent: %llu, swapped: 0, "
	"unreadable: 0}, sha256: %s}\n"
	"errors: []\n";

static void build(struct buf *f, const struct tweak *t)
{
	struct buf pl = { 0 };
	uint8_t sha[32], *frame, *mframe;
	char hex[65], *yaml = NULL;
	size_t flen, mlen, ylen;
	uint64_t chunk_off, pages_off[2], man_off, man_size, idx_off, i;
	const uint32_t nreg = t->overlap ? 2 : 1;
	const uint64_t npages = or_keep(t->region_pages, NPAGES);

	/* HEADER */
	put32(&pl, TAG_HEADER);
	put(&pl, "\x01\x00\x00\x00", 4);            /* Major 1, Minor 0 */
	put32(&pl, 0);                              /* Flags */
	put32(&pl, (uint32_t)or_keep(t->page_size, PS));
	put32(&pl, 0);
	put(&pl, "hostile-capture!", 16);
	put64(&pl, 1);
	record(f, &pl);

	/* CHUNK + data frame: pages 0 and 1 */
	flen = t->frame ? 0 : zframe(page_bytes, sizeof(page_bytes), &frame,
				     true, 0);
	if (t->frame) {
		frame = malloc(t->frame_len);
		memcpy(frame, t->frame, t->frame_len);
		flen = t->frame_len;
	}
	put32(&pl, TAG_CHUNK);
	put32(&pl, 0);
	put64(&pl, 0);
	put64(&pl, BASE);
	put64(&pl, BASE + npages * PS);
	put64(&pl, or_keep(t->chunk_frame_bytes, flen));
	put64(&pl, or_keep(t->chunk_raw, sizeof(page_bytes)));
	put32(&pl, (uint32_t)or_keep(t->chunk_run_count, 1));
	put32(&pl, 0);
	put64(&pl, 0);
	put64(&pl, 2);
	chunk_off = record(f, &pl);
	put(f, frame, flen);
	free(frame);

	/* PAGES of each region (the second, if any, overlaps the first) */
	sha256_of(page_bytes, sizeof(page_bytes), sha);
	for (i = 0; i < nreg; i++) {
		const uint64_t start = BASE + i * 2 * PS;

		put32(&pl, TAG_PAGES);
		put32(&pl, (uint32_t)i);
		put64(&pl, start);
		put64(&pl, start + (i ? NPAGES : npages) * PS);
		put64(&pl, i ? 0 : 1);
		put64(&pl, i ? 0 : sizeof(page_bytes));
		put64(&pl, i ? 0 : flen);
		put(&pl, sha, 32);
		put32(&pl, i ? 1 : 3);
		put32(&pl, 0);
		put64(&pl, i ? 0 : 2);
		if (i) {
			put64(&pl, 0);
			put64(&pl, NPAGES);
			put64(&pl, MSNAP_PAGE_ZERO);
		} else {
			put64(&pl, 0);
			put64(&pl, 2);
			put64(&pl, MSNAP_PAGE_DATA);
			put64(&pl, 2);
			put64(&pl, 1);
			put64(&pl, MSNAP_PAGE_ZERO);
			put64(&pl, 3);
			put64(&pl, npages - 3);
			put64(&pl, MSNAP_PAGE_ABSENT);
			put64(&pl, msnap_page_hash(page_bytes, PS));
			put64(&pl, msnap_page_hash(page_bytes + PS, PS));
		}
		pages_off[i] = record(f, &pl);
	}

	/* MANIFEST */
	msnap_hex(sha, 32, hex);
	if (t->yaml) {
		ylen = t->yaml_len;
		mlen = zframe(t->yaml, ylen, &mframe, true,
			      t->manifest_window ? 10 : 0);
		if (t->manifest_window)
			claim_huge_window(mframe);
	} else {
		const unsigned long long end = BASE + npages * PS;
		const unsigned long long absent = npages - 3;

		ylen = (size_t)snprintf(NULL, 0, base_yaml, end, absent, hex);
		yaml = malloc(ylen + 1);
		snprintf(yaml, ylen + 1, base_yaml, end, absent, hex);
		mlen = zframe(yaml, ylen, &mframe, true, 0);
		free(yaml);
	}
	put32(&pl, TAG_MANIFEST);
	put32(&pl, MANIFEST_ZSTD);
	put64(&pl, or_keep(t->yaml_bytes, ylen));
	put32(&pl, 0);
	put(&pl, mframe, mlen);
	free(mframe);
	man_off = record(f, &pl);
	man_size = f->n - man_off;

	/* INDEX */
	put32(&pl, TAG_INDEX);
	put64(&pl, or_keep(t->idx_chunks, 1));
	put32(&pl, (uint32_t)or_keep(t->idx_regions, nreg));
	put32(&pl, 0);
	put64(&pl, or_keep(t->idx_chunk_off, chunk_off));
	put64(&pl, flen);
	put64(&pl, sizeof(page_bytes));
	put64(&pl, BASE);
	put64(&pl, BASE + 2 * PS);
	put32(&pl, 0);
	put32(&pl, SKIP_HDR_SIZE + CHUNK_FIXED + CHUNK_RUN_SIZE + REC_SUM_SIZE);
	for (i = 0; i < nreg; i++) {
		put64(&pl, or_keep(t->idx_pages_off, pages_off[i]));
		put32(&pl, SKIP_HDR_SIZE + PAGES_FIXED + REC_SUM_SIZE +
		      (i ? PAGES_RUN_SIZE : 3 * PAGES_RUN_SIZE + 16));
		put32(&pl, 0);
	}
	idx_off = record(f, &pl);

	/* TRAILER */
	put32(&pl, TAG_TRAILER);
	put(&pl, "\x01\x00\x00\x00", 4);
	put64(&pl, or_keep(t->tr_manifest_off, man_off));
	put64(&pl, man_size);
	put64(&pl, or_keep(t->tr_index_off, idx_off));
	put64(&pl, f->n - idx_off);
	put64(&pl, or_keep(t->tr_chunks, 1));
	put32(&pl, (uint32_t)or_keep(t->tr_regions, nreg));
	put32(&pl, 0);
	sha256_of(f->p, f->n, sha);
	put(&pl, sha, 32);
	put64(&pl, TRAILER_END_MAGIC);
	record(f, &pl);
}

/* YAML nested n deep: [[[...]]] */
static char *deep_yaml(size_t n, size_t *len)
{
	char *s = malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n + i] = ']';
	}
	s[2 * n] = '\0';
	*len = 2 * n;
	return s;
}

static char *big_scalar_yaml(size_t n, size_t *len)
{
	char *s = malloc(n + 16);

	memcpy(s, "memsnap: ", 9);
	memset(s + 9, 'a', n);
	s[9 + n] = '\n';
	*len = n + 10;
	return s;
}

/* Billion laughs: ten levels of ten aliases each. */
static char *alias_yaml(size_t *len)
{
	struct buf b = { 0 };
	char line[256];
	int i;

	put(&b, "a0: &a0 [lol]\n", 14);
	for (i = 1; i < 10; i++) {
		int n = snprintf(line, sizeof(line),
				 "a%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n",
				 i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
				 i - 1, i - 1, i - 1, i - 1);
		put(&b, line, (size_t)n);
	}
	*len = b.n;
	put(&b, "", 1);
	return (char *)b.p;
}

/*
 * A zstd frame whose window descriptor claims 2 GiB, with the right
 * content size and checksum flag: only the window says it is a bomb.
 * (A 1 KiB window for 8 KiB of content keeps it multi-segment.)
 */
static size_t huge_window_frame(uint8_t **out)
{
	size_t n = zframe(page_bytes, sizeof(page_bytes), out, true, 10);

	claim_huge_window(*out);
	return n;
}

/*
 * A valid layout-only snapshot of one library followed by n - 1 alike
 * anonymous regions: every pair of them is a candidate for diff's
 * neighbourhood matching.
 */
static int craft_many_anon(const char *out, unsigned n)
{
	struct msnap_writer_opts o = { .threads = 1, .page_size = PS,
				       .flags = MSNAP_HDR_LAYOUT_ONLY };
	struct msnap_writer *w;
	struct msnap_error e;
	static const char head[] = "memsnap: {schema: \"1.0\"}\nregions:\n";
	static const char tail[] = "errors: []\n";
	struct buf y = { 0 };
	char line[512];
	unsigned k;
	int len;
	FILE *fp = fopen(out, "wb");

	if (!fp)
		return 2;
	o.fd = fileno(fp);
	put(&y, head, sizeof(head) - 1);
	if (msnap_writer_create(&w, &o, &e))
		goto fail;
	for (k = 0; k < n; k++) {
		const unsigned long long lo = BASE + k * 2ull * PS;

		len = snprintf(line, sizeof(line), "- {index: %u, start: \"0x%llx\", "
			       "end: \"0x%llx\", perms: rw-p, offset: 0, dev: \"%s\", "
			       "inode: %u, path: \"%s\", kind: %s, pages: {data: 0, "
			       "zero: 0, absent: 1, swapped: 0, unreadable: 0}}\n",
			       k, lo, lo + PS, k ? "00:00" : "fe:01", k ? 0 : 99,
			       k ? "" : "/usr/lib/libdemo.so.1", k ? "anon" : "file");
		put(&y, line, (size_t)len);
		if (msnap_writer_begin_region(w, lo, lo + PS, &e) ||
		    msnap_writer_end_region(w, &e))
			goto fail;
	}
	put(&y, tail, sizeof(tail) - 1);
	if (msnap_writer_finish(w, (const char *)y.p, y.n, NULL, &e))
		goto fail;
	msnap_writer_free(w);
	free(y.p);
	return fclose(fp) ? 2 : 0;
fail:
	fprintf(stderr, "hostile_craft: %s\n", e.msg);
	fclose(fp);
	return 2;
}

static int craft_snapshot(const char *kind, const char *out)
{
	struct tweak t;
	struct buf f = { 0 };
	uint8_t *zero = NULL, *fr = NULL;
	char *y = NULL;
	size_t i;
	FILE *fp;

	for (i = 0; i < sizeof(page_bytes); i++)
		page_bytes[i] = (uint8_t)(i * 31 + 7);
	memset(&t, 0, sizeof(t));
	t.chunk_raw = t.chunk_frame_bytes = t.chunk_run_count = KEEP;
	t.yaml_bytes = t.idx_chunks = t.idx_regions = KEEP;
	t.idx_chunk_off = t.idx_pages_off = KEEP;
	t.tr_chunks = t.tr_regions = t.tr_manifest_off = t.tr_index_off = KEEP;
	t.page_size = t.region_pages = KEEP;

	if (!strcmp(kind, "anon-many"))
		return craft_many_anon(out, 8000);
	if (!strcmp(kind, "valid")) {
		;
	} else if (!strcmp(kind, "bomb-content-size")) {
		/* the frame holds 16 MiB; the record allows 2 pages */
		zero = calloc(1, MSNAP_MAX_CHUNK_RAW);
		t.frame_len = zframe(zero, MSNAP_MAX_CHUNK_RAW, &fr, true, 0);
		t.frame = fr;
	} else if (!strcmp(kind, "bomb-no-size")) {
		/* no content size: only decompressing would show 24 MiB */
		zero = calloc(1, 24u << 20);
		t.frame_len = zframe(zero, 24u << 20, &fr, false, 0);
		t.frame = fr;
	} else if (!strcmp(kind, "bomb-window")) {
		t.frame_len = huge_window_frame(&fr);
		t.frame = fr;
	} else if (!strcmp(kind, "bomb-manifest-window")) {
		/* 8 KiB of YAML comments in a frame claiming a 2 GiB window */
		zero = malloc(8192);
		for (i = 0; i < 8192; i++)
			zero[i] = i % 64 == 63 ? '\n' : i % 64 ? 'x' : '#';
		t.yaml = (const char *)zero;
		t.yaml_len = 8192;
		t.manifest_window = true;
	} else if (!strcmp(kind, "bomb-manifest")) {
		/* Yaml_Bytes says 100; the frame expands to 64 MiB */
		zero = calloc(1, 64u << 20);
		memset(zero, ' ', 64u << 20);
		t.yaml = (const char *)zero;
		t.yaml_len = 64u << 20;
		t.yaml_bytes = 100;
	} else if (!strcmp(kind, "region-huge")) {
		/* 64 TiB, nearly all absent: a few hundred bytes of file */
		t.region_pages = 1ull << 34;
	} else if (!strcmp(kind, "overlap")) {
		t.overlap = true;
	} else if (!strcmp(kind, "regions-2e32")) {
		t.idx_regions = t.tr_regions = 0xffffffffu;
	} else if (!strcmp(kind, "chunks-2e40")) {
		t.idx_chunks = t.tr_chunks = 1ull << 40;
	} else if (!strcmp(kind, "chunks-2e63")) {
		t.idx_chunks = t.tr_chunks = 1ull << 63;
	} else if (!strcmp(kind, "chunk-len-2e63")) {
		t.chunk_frame_bytes = 1ull << 63;
		t.chunk_raw = 1ull << 63;
	} else if (!strcmp(kind, "chunk-runs-2e32")) {
		t.chunk_run_count = 0xffffffffu;
	} else if (!strcmp(kind, "page-size-2e31")) {
		t.page_size = 1ull << 31;
	} else if (!strcmp(kind, "chunk-offset-outside")) {
		t.idx_chunk_off = 1ull << 40;
	} else if (!strcmp(kind, "chunk-offset-wrap")) {
		t.idx_chunk_off = UINT64_MAX - 3;
	} else if (!strcmp(kind, "pages-offset-outside")) {
		t.idx_pages_off = UINT64_MAX - 7;
	} else if (!strcmp(kind, "manifest-offset-outside")) {
		t.tr_manifest_off = 1ull << 62;
	} else if (!strcmp(kind, "index-offset-outside")) {
		t.tr_index_off = UINT64_MAX - 100;
	} else if (!strcmp(kind, "yaml-deep")) {
		t.yaml = y = deep_yaml(100000, &t.yaml_len);
	} else if (!strcmp(kind, "yaml-big-scalar")) {
		/* just over the parser's 16 MiB scalar limit */
		t.yaml = y = big_scalar_yaml((16u << 20) + 1, &t.yaml_len);
	} else if (!strcmp(kind, "yaml-alias-bomb")) {
		t.yaml = y = alias_yaml(&t.yaml_len);
	} else {
		fprintf(stderr, "hostile_craft: unknown case %s\n", kind);
		return 2;
	}
	build(&f, &t);
	free(zero);
	free(fr);
	free(y);
	fp = fopen(out, "wb");
	if (!fp || fwrite(f.p, 1, f.n, fp) != f.n || fclose(fp)) {
		perror(out);
		return 2;
	}
	free(f.p);
	return 0;
}

/* ---- reference ELF files with broken headers ------------------------------ */

static int craft_elf(const char *kind, const char *in, const char *out)
{
	struct buf b = { 0 };
	uint8_t tmp[65536];
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	size_t n, k;
	FILE *fp = fopen(in, "rb");

	if (!fp) {
		perror(in);
		return 2;
	}
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		put(&b, tmp, n);
	fclose(fp);
	if (b.n < sizeof(*eh))
		return 2;
	eh = (Elf64_Ehdr *)b.p;
	if (eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > b.n)
		return 2;
	sh = (Elf64_Shdr *)(b.p + eh->e_shoff);
	if (!strcmp(kind, "phnum-huge")) {
		eh->e_phnum = 0xffff;
	} else if (!strcmp(kind, "phoff-outside")) {
		eh->e_phoff = UINT64_MAX - 8;
	} else if (!strcmp(kind, "shentsize-bad")) {
		eh->e_shentsize = 7;
	} else if (!strcmp(kind, "shnum-huge")) {
		eh->e_shnum = 0xffff;
	} else if (!strcmp(kind, "shoff-outside")) {
		for (k = 0; k < eh->e_shnum; k++)
			sh[k].sh_offset = (uint64_t)b.n + 4096 * k;
	} else if (!strcmp(kind, "shsize-huge")) {
		for (k = 1; k < eh->e_shnum; k++)
			sh[k].sh_size = UINT64_MAX / 2;
	} else if (!strcmp(kind, "note-overflow")) {
		for (k = 0; k < eh->e_shnum; k++) {
			Elf64_Nhdr *nh;

			if (sh[k].sh_type != SHT_NOTE ||
			    sh[k].sh_offset + sizeof(*nh) > b.n)
				continue;
			nh = (Elf64_Nhdr *)(b.p + sh[k].sh_offset);
			nh->n_namesz = 0xfffffffc;
			nh->n_descsz = 0xfffffff0;
		}
	} else if (!strcmp(kind, "compressed")) {
		/* every section claims SHF_COMPRESSED over garbage */
		for (k = 1; k < eh->e_shnum; k++)
			if (sh[k].sh_type != SHT_NOBITS)
				sh[k].sh_flags |= SHF_COMPRESSED;
	} else if (!strcmp(kind, "dynsym-link-loop")) {
		for (k = 1; k < eh->e_shnum; k++)
			if (sh[k].sh_type == SHT_DYNSYM ||
			    sh[k].sh_type == SHT_SYMTAB)
				sh[k].sh_link = (uint32_t)k;
	} else if (!strcmp(kind, "entsize-zero")) {
		for (k = 1; k < eh->e_shnum; k++)
			sh[k].sh_entsize = 0;
	} else if (!strcmp(kind, "truncated")) {
		b.n = b.n / 3;
	} else {
		fprintf(stderr, "hostile_craft: unknown elf case %s\n", kind);
		return 2;
	}
	fp = fopen(out, "wb");
	if (!fp || fwrite(b.p, 1, b.n, fp) != b.n || fclose(fp)) {
		perror(out);
		return 2;
	}
	free(b.p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "elf"))
		return craft_elf(argv[2], argv[3], argv[4]);
	if (argc == 3)
		return craft_snapshot(argv[1], argv[2]);
	fprintf(stderr, "usage: hostile_craft CASE OUT | elf CASE IN OUT\n");
	return 2;
}
