// SPDX-License-Identifier: MIT
/*
 * craft_cut_region.c - a snapshot cut short inside a region that claims a
 * terabyte: one DATA page with a needle at offset 64, then nothing (no page
 * table, no trailer), written with the public writer API.  For
 * analyze_yara_hostile.sh.  Usage: craft_cut_region OUT
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "msnap.h"

int main(int argc, char **argv)
{
	struct msnap_writer_opts o = { 0 };
	struct msnap_writer *w;
	struct msnap_error err = { 0 };
	static char page[4096];
	const unsigned long long base = 0x100000000ull;

	if (argc != 2)
		return 2;
	o.fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (o.fd < 0)
		return 1;
	memset(page, 0xa5, sizeof(page));
	memcpy(page + 64, "MSNAP_TEXT_NEEDLE_41", 20);
	if (msnap_writer_create(&w, &o, &err) ||
	    msnap_writer_begin_region(w, base, base + (1ull << 40), &err) ||
	    msnap_writer_add(w, 0, 1, MSNAP_PAGE_DATA, page, &err) ||
	    msnap_writer_sync(w, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	msnap_writer_abort(w);
	msnap_writer_free(w);
	return close(o.fd) ? 1 : 0;
}
