// SPDX-License-Identifier: MIT
/* parent.c - open and check the parent of an incremental capture. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parent.h"

int parent_open(struct cap_parent *p, const char *path, unsigned threads,
		uint64_t page_size, struct cap_error *err)
{
	const struct msnap_file_info *fi;
	struct msnap_error merr = { 0 };
	const char *base = strrchr(path, '/');
	unsigned k;
	int fd;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	snprintf(p->path, sizeof(p->path), "%s", path);
	base = base ? base + 1 : path;
	if (!base[0] || strlen(base) > MSNAP_PARENT_NAME_MAX) {
		snprintf(err->msg, sizeof(err->msg),
			 "parent '%.400s': its file name must have 1 to %u bytes",
			 path, MSNAP_PARENT_NAME_MAX);
		return -1;
	}
	snprintf(p->ref.name, sizeof(p->ref.name), "%s", base);
	p->rd = calloc(threads ? threads : 1, sizeof(*p->rd));
	if (!p->rd) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	/*
	 * The writer hashes this open file while the capture goes on
	 * (parent_sha_later), the readers read it: no swap between the two.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "parent '%.400s': %s", path,
			 strerror(errno));
		return -1;
	}
	p->fd = fd;
	if (msnap_open(&p->rd[0], fd, 0, &merr))
		goto fail;
	p->n = 1;
	fi = msnap_info(p->rd[0]);
	if (!fi->complete || (fi->flags & MSNAP_HDR_LAYOUT_ONLY) ||
	    fi->page_size != page_size) {
		snprintf(err->msg, sizeof(err->msg),
			 "parent '%.400s' is %s", path,
			 !fi->complete ? "incomplete (cut short)" :
			 fi->flags & MSNAP_HDR_LAYOUT_ONLY ? "a layout-only capture" :
			 "of another page size");
		return -1;
	}
	memcpy(p->ref.capture_id, fi->capture_id, 16);
	if (msnap_resolve_parent(p->rd[0], path, NULL, &merr))
		goto fail;
	for (k = 1; k < threads; k++, p->n++)
		if (msnap_reader_clone(&p->rd[k], p->rd[0], &merr))
			goto fail;
	return 0;
fail:
	snprintf(err->msg, sizeof(err->msg), "parent '%.200s': %.300s", path,
		 merr.msg);
	return -1;
}

void parent_close(struct cap_parent *p)
{
	unsigned k;

	for (k = 0; k < p->n; k++)
		msnap_close(p->rd[k]);
	free(p->rd);
	if (p->fd >= 0)
		close(p->fd);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}
