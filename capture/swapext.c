// SPDX-License-Identifier: MIT
/*
 * swapext.c - the kernel's slot map of a swap file, rebuilt from FIEMAP,
 * and the block device that holds what was swapped into unwritten extents
 * (swapext.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "swapext.h"

#define FIEMAP_BATCH 256
#define EXT4_MAGIC 0xEF53
#define XFS_MAGIC 0x58465342
/* a place on the device we cannot use as one */
#define UNCLEAR_FLAGS (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | \
		       FIEMAP_EXTENT_ENCODED | FIEMAP_EXTENT_DATA_ENCRYPTED | \
		       FIEMAP_EXTENT_NOT_ALIGNED | FIEMAP_EXTENT_DATA_INLINE | \
		       FIEMAP_EXTENT_DATA_TAIL)

void swapext_init(struct swap_extents *x)
{
	memset(x, 0, sizeof(*x));
	x->devfd = -1;
}

static int add_run(struct swap_extents *x, const struct swap_pext *p,
		   uint64_t ps, uint64_t max_slots)
{
	const uint64_t first = (p->phys + ps - 1) / ps;     /* round inward */
	const uint64_t next = (p->phys + p->len) / ps;
	struct swap_run *v;
	uint64_t n;

	if (!p->len || first >= next || x->slots >= max_slots)
		return 0;
	n = next - first;
	if (n > max_slots - x->slots)
		n = max_slots - x->slots;
	v = reallocarray(x->run, x->nrun + 1, sizeof(*v));
	if (!v)
		return -1;
	x->run = v;
	v[x->nrun++] = (struct swap_run){
		.slot = x->slots, .count = n, .phys = first * ps,
		.logical = p->logical + (first * ps - p->phys),
	};
	x->slots += n;
	return 0;
}

static int add_unwritten(struct swap_extents *x, uint64_t start, uint64_t end)
{
	struct swap_span *v = reallocarray(x->unwritten, x->nunwritten + 1,
					   sizeof(*v));

	if (!v)
		return -1;
	x->unwritten = v;
	v[x->nunwritten++] = (struct swap_span){ start, end };
	return 0;
}

/* One FIEMAP extent, cut at the end swapon maps; merge or start anew. */
int swapext_take(struct swap_extents *x, const struct fiemap_extent *e,
		 uint64_t end, uint64_t ps, uint64_t max_slots)
{
	struct swap_pext *p = &x->cur;
	uint64_t len = e->fe_length;

	if (e->fe_logical >= end)
		return 0;
	if (len > end - e->fe_logical)
		len = end - e->fe_logical;
	if (e->fe_flags & UNCLEAR_FLAGS) {
		snprintf(x->note, sizeof(x->note),
			 "extent at %llu has no plain place (FIEMAP flags %#x)",
			 (unsigned long long)e->fe_logical, e->fe_flags);
		return -1;
	}
	if (e->fe_logical == 0)
		x->phys0 = e->fe_physical;
	if ((e->fe_flags & FIEMAP_EXTENT_UNWRITTEN) &&
	    add_unwritten(x, e->fe_logical, e->fe_logical + len))
		goto nomem;
	if (p->len && p->phys + p->len == e->fe_physical &&
	    p->logical + p->len == e->fe_logical) {
		p->len += len;
		return 0;
	}
	if (add_run(x, p, ps, max_slots))
		goto nomem;
	*p = (struct swap_pext){ e->fe_physical, e->fe_logical, len };
	return 0;
nomem:
	snprintf(x->note, sizeof(x->note), "out of memory");
	return -1;
}

int swapext_finish(struct swap_extents *x, uint64_t ps, uint64_t max_slots)
{
	if (add_run(x, &x->cur, ps, max_slots)) {
		snprintf(x->note, sizeof(x->note), "out of memory");
		return -1;
	}
	x->mapped = true;
	return 0;
}

int swapext_load(struct swap_extents *x, int fd, uint64_t size,
		 uint64_t ps, uint64_t max_slots)
{
	const size_t bytes = sizeof(struct fiemap) +
			     FIEMAP_BATCH * sizeof(struct fiemap_extent);
	struct fiemap *fm = calloc(1, bytes);
	const struct fiemap_extent *last;
	const uint64_t end = size / ps * ps;    /* swapon maps whole pages */
	uint64_t at = 0;
	unsigned i;
	int ret = -1;

	if (!fm) {
		snprintf(x->note, sizeof(x->note), "out of memory");
		return -1;
	}
	while (at < end) {
		memset(fm, 0, bytes);
		fm->fm_start = at;
		fm->fm_length = end - at;
		fm->fm_extent_count = FIEMAP_BATCH;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0) {
			if (errno == EOPNOTSUPP || errno == ENOTTY)
				ret = 0;        /* slot k is file page k */
			else
				snprintf(x->note, sizeof(x->note), "FIEMAP: %s",
					 strerror(errno));
			goto out;
		}
		if (!fm->fm_mapped_extents)
			break;
		for (i = 0; i < fm->fm_mapped_extents; i++)
			if (swapext_take(x, &fm->fm_extents[i], end, ps,
					 max_slots))
				goto out;
		last = &fm->fm_extents[fm->fm_mapped_extents - 1];
		if ((last->fe_flags & FIEMAP_EXTENT_LAST) ||
		    last->fe_logical + last->fe_length <= at)
			break;
		at = last->fe_logical + last->fe_length;
	}
	ret = swapext_finish(x, ps, max_slots);
out:
	free(fm);
	return ret;
}

/* /dev/NAME of a block device number, from its uevent's DEVNAME. */
static int device_path(dev_t dev, char *out, size_t size)
{
	char path[64], buf[1024], *p, *nl;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", major(dev),
		 minor(dev));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "DEVNAME=");
	if (!p)
		return -1;
	p += 8;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	if (!*p || strstr(p, ".."))
		return -1;
	snprintf(out, size, "/dev/%s", p);
	return 0;
}

static int read_page(int fd, uint8_t *buf, uint64_t ps, uint64_t pos)
{
	ssize_t got;

	do
		got = pread(fd, buf, ps, (off_t)pos);
	while (got < 0 && errno == EINTR);
	return got == (ssize_t)ps ? 0 : -1;
}

void swapext_open_device(struct swap_extents *x, int fd,
			 const struct stat *st, uint64_t page_size,
			 uint8_t *scratch)
{
	char dev[96];
	struct statfs sf;
	struct stat ds;

	if (!x->mapped || !x->nunwritten)
		return;
	/* FIEMAP's physical offsets are device offsets on these only */
	if (fstatfs(fd, &sf) ||
	    (sf.f_type != EXT4_MAGIC && sf.f_type != XFS_MAGIC)) {
		snprintf(x->note, sizeof(x->note),
			 "file system %#lx: FIEMAP offsets are not device offsets",
			 (unsigned long)sf.f_type);
		return;
	}
	if (device_path(st->st_dev, dev, sizeof(dev))) {
		snprintf(x->note, sizeof(x->note), "no block device found");
		return;
	}
	x->devfd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC | O_NOFOLLOW);
	if (x->devfd < 0) {
		snprintf(x->note, sizeof(x->note), "cannot open %.40s: %s", dev,
			 strerror(errno));
		return;
	}
	/* the same device, and the header where FIEMAP says it is */
	if (fstat(x->devfd, &ds) || !S_ISBLK(ds.st_mode) ||
	    ds.st_rdev != st->st_dev ||
	    read_page(fd, scratch, page_size, 0) ||
	    read_page(x->devfd, scratch + page_size, page_size, x->phys0) ||
	    memcmp(scratch, scratch + page_size, page_size)) {
		snprintf(x->note, sizeof(x->note),
			 "%.40s does not hold the file's blocks", dev);
		close(x->devfd);
		x->devfd = -1;
	}
}

/* The first unwritten span ending after byte at, or NULL. */
static const struct swap_span *unwritten_after(const struct swap_extents *x,
					       uint64_t at)
{
	size_t lo = 0, hi = x->nunwritten, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (x->unwritten[mid].end <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->nunwritten ? &x->unwritten[lo] : NULL;
}

/* The run holding slot, or NULL. */
static const struct swap_run *run_of(const struct swap_extents *x,
				     uint64_t slot)
{
	size_t lo = 0, hi = x->nrun, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (x->run[mid].slot + x->run[mid].count <= slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->nrun && x->run[lo].slot <= slot ? &x->run[lo] : NULL;
}

int swapext_source(const struct swap_extents *x, int filefd, uint64_t slot,
		   uint64_t ps, uint64_t *pos)
{
	const struct swap_run *r;
	const struct swap_span *u;
	uint64_t in, lpos;

	if (!x->mapped) {
		*pos = slot * ps;
		return filefd;
	}
	r = run_of(x, slot);
	if (!r)
		return SWAPEXT_PAST_END;
	in = (slot - r->slot) * ps;
	lpos = r->logical + in;
	u = unwritten_after(x, lpos);
	if (u && u->start < lpos + ps) {
		/* the bytes are on the device only */
		if (x->devfd < 0)
			return SWAPEXT_UNWRITTEN;
		*pos = r->phys + in;
		return x->devfd;
	}
	*pos = lpos;
	return filefd;
}

void swapext_free(struct swap_extents *x)
{
	if (x->devfd >= 0)
		close(x->devfd);
	free(x->run);
	free(x->unwritten);
	swapext_init(x);
}
