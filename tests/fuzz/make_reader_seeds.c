// SPDX-License-Identifier: MIT
/*
 * make_reader_seeds.c - writes the small snapshots that seed fuzz_reader:
 *   make_reader_seeds DIR
 * A one-region file, a many-region file with holes and zero pages, a
 * layout-only file, a file cut short in its middle, and two 2.0 pre-copy
 * files (one region adopting part of an area, an area nobody adopts), whole
 * and cut short, and a 2.1 incremental file (two pages changed, the rest
 * PARENT) against seed_parent.h's parent, whole and cut short.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msnap.h"
#include "seed_parent.h"

#define PS 4096u

static int seed(const char *dir, const char *name, unsigned nreg, unsigned pages,
		unsigned flags, unsigned cut_div)
{
	struct msnap_writer_opts o = { .threads = 1, .chunk_bytes = 2 * PS,
				       .page_size = PS, .flags = flags };
	static uint8_t mem[16 * PS];
	struct msnap_writer *w;
	struct msnap_error e;
	const char *yaml = "memsnap: {schema: \"1.0\", version: seed}\nregions: []\nerrors: []\n";
	char path[512];
	unsigned k, p;
	off_t end;

	for (p = 0; p < sizeof(mem); p++)
		mem[p] = (uint8_t)(p % 7 == 0 ? 0 : p * 31 + p / PS);
	memset(mem + 3 * PS, 0, PS);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	o.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (o.fd < 0 || msnap_writer_create(&w, &o, &e))
		return 1;
	for (k = 0; k < nreg; k++) {
		if (msnap_writer_begin_region(w, 0x400000ull + k * 0x100000ull,
					      0x400000ull + k * 0x100000ull + pages * PS, &e))
			return 1;
		if (!(flags & MSNAP_HDR_LAYOUT_ONLY)) {
			if (msnap_writer_add(w, 0, pages / 2, MSNAP_PAGE_DATA, mem, &e) ||
			    msnap_writer_add(w, pages / 2 + 1, 1, MSNAP_PAGE_SWAPPED, NULL, &e) ||
			    msnap_writer_add(w, pages / 2 + 2, pages - pages / 2 - 2,
					     MSNAP_PAGE_DATA, mem + 4 * PS, &e))
				return 1;
		}
		if (msnap_writer_end_region(w, &e))
			return 1;
	}
	if (msnap_writer_finish(w, yaml, strlen(yaml), NULL, &e))
		return 1;
	msnap_writer_free(w);
	if (cut_div) {
		end = lseek(o.fd, 0, SEEK_END);
		if (ftruncate(o.fd, end / cut_div))
			return 1;
	}
	close(o.fd);
	return 0;
}

/*
 * 2.0: area 0 (6 pages, chunks of 2 pages) adopted by region 0 up to its
 * first cut, the rest written again; area 1 adopted by nobody.
 */
static int precopy_seed(const char *dir, const char *name, unsigned cut_div)
{
	struct msnap_writer_opts o = { .threads = 1, .chunk_bytes = 2 * PS,
				       .page_size = PS, .flags = MSNAP_HDR_PRECOPY };
	static uint8_t mem[8 * PS];
	const char *yaml = "memsnap: {schema: \"1.1\", version: seed}\nregions: []\nerrors: []\n";
	const uint64_t *cuts;
	struct msnap_writer *w;
	struct msnap_error e;
	char path[512];
	size_t ncuts;
	unsigned p;
	off_t end;

	for (p = 0; p < sizeof(mem); p++)
		mem[p] = (uint8_t)(p * 13 + p / PS);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	o.fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (o.fd < 0 || msnap_writer_create(&w, &o, &e))
		return 1;
	if (msnap_writer_begin_precopy(w, 0x400000, 0x400000 + 6 * PS, &e) ||
	    msnap_writer_add_copy(w, 0, 5, MSNAP_PAGE_DATA, mem, &e) ||
	    msnap_writer_end_region(w, &e) ||
	    msnap_writer_begin_precopy(w, 0x500000, 0x500000 + 2 * PS, &e) ||
	    msnap_writer_add_copy(w, 0, 2, MSNAP_PAGE_DATA, mem + 2 * PS, &e) ||
	    msnap_writer_end_region(w, &e) || msnap_writer_sync(w, &e))
		return 1;
	cuts = msnap_writer_precopy_cuts(w, 0, &ncuts);
	if (!cuts || !ncuts ||
	    msnap_writer_begin_adopting(w, 0x400000, 0x400000 + 8 * PS, 0,
					cuts[0], &e) ||
	    msnap_writer_add(w, cuts[0], 8 - cuts[0], MSNAP_PAGE_DATA,
			     mem + cuts[0] * PS, &e) ||
	    msnap_writer_end_region(w, &e) ||
	    msnap_writer_begin_region(w, 0x500000, 0x500000 + 2 * PS, &e) ||
	    msnap_writer_add(w, 0, 2, MSNAP_PAGE_DATA, mem + 6 * PS, &e) ||
	    msnap_writer_end_region(w, &e) ||
	    msnap_writer_finish(w, yaml, strlen(yaml), NULL, &e))
		return 1;
	msnap_writer_free(w);
	if (cut_div) {
		end = lseek(o.fd, 0, SEEK_END);
		if (ftruncate(o.fd, end - end / cut_div))
			return 1;
	}
	close(o.fd);
	return 0;
}

/* 2.1: a child of the seed parent with pages 2 and 5 changed. */
static int incremental_seed(const char *dir, const char *name, unsigned cut_div)
{
	static uint8_t mem[SEED_PAGES * SEED_PS];
	struct msnap_parent_ref ref = { .name = SEED_PARENT };
	struct msnap_reader *p;
	struct msnap_error e;
	char path[512];
	int fd, pfd, ret;
	off_t end;

	snprintf(path, sizeof(path), "%s/%s", dir, SEED_PARENT);
	if (seed_parent_file(dir) || msnap_open_path(&p, path, 0, &e))
		return 1;
	pfd = open(path, O_RDONLY);
	if (pfd < 0 || msnap_file_sha256(pfd, ref.file_sha256))
		return 1;
	close(pfd);
	memcpy(ref.capture_id, msnap_info(p)->capture_id, 16);
	seed_parent_mem(mem);
	mem[2 * SEED_PS + 9] ^= 1;
	mem[5 * SEED_PS] ^= 0x40;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ret = fd < 0 || seed_write(fd, mem, p, &ref);
	msnap_close(p);
	if (!ret && cut_div) {
		end = lseek(fd, 0, SEEK_END);
		ret = ftruncate(fd, end - end / cut_div) != 0;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	return seed(argv[1], "one_region.msnap", 1, 6, 0, 0) ||
	       seed(argv[1], "many_regions.msnap", 5, 9, 0, 0) ||
	       seed(argv[1], "layout_only.msnap", 3, 4, MSNAP_HDR_LAYOUT_ONLY, 0) ||
	       seed(argv[1], "cut_short.msnap", 4, 9, 0, 2) ||
	       precopy_seed(argv[1], "precopy.msnap", 0) ||
	       precopy_seed(argv[1], "precopy_cut.msnap", 8) ||
	       incremental_seed(argv[1], "incremental.msnap", 0) ||
	       incremental_seed(argv[1], "incremental_cut.msnap", 4);
}
