// SPDX-License-Identifier: MIT
/* storefiles.c - the mapped files themselves, for offline checks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sha256.h"
#include "storefiles.h"

#define PIECE (8u << 20)

long files_find(const struct stored_files *sf, const struct region *r)
{
	size_t i;

	for (i = 0; i < sf->n; i++)
		if (sf->v[i].inode == r->inode &&
		    sf->v[i].dev_major == r->dev_major &&
		    sf->v[i].dev_minor == r->dev_minor)
			return (long)i;
	return -1;
}

static bool worth_storing(const struct region *r)
{
	/* regular files only: not shared anonymous memory or devices */
	return r->inode && !r->skip && (r->kind == KIND_FILE ||
					r->kind == KIND_DELETED ||
					r->kind == KIND_MEMFD);
}

/* Copy one opened file into the current region, hashing it on the way. */
static int copy_file(struct stored_file *f, int fd, struct msnap_writer *w,
		     uint8_t *buf, uint32_t ps, struct msnap_error *merr)
{
	struct msnap_sha256 sha;
	uint64_t done = 0;
	int ret;

	msnap_sha256_init(&sha);
	while (done < f->size) {
		size_t want = f->size - done < PIECE ? (size_t)(f->size - done) : PIECE;
		ssize_t n = pread(fd, buf, want, (off_t)done);
		size_t padded;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			goto out;
		}
		msnap_sha256_update(&sha, buf, (size_t)n);
		padded = ((size_t)n + ps - 1) / ps * ps;
		memset(buf + n, 0, padded - (size_t)n);
		if (msnap_writer_add(w, done / ps, padded / ps, MSNAP_PAGE_DATA,
				     buf, merr) ||
		    msnap_writer_sync(w, merr)) {
			ret = 1;
			goto out;
		}
		done += (uint64_t)n;
		if ((size_t)n < want) {
			ret = -EIO;     /* the file shrank while we read it */
			goto out;
		}
	}
	if (msnap_sha256_final(&sha, f->sha256))
		return -ENOMEM;
	f->complete = true;
	return 0;
out:
	msnap_sha256_discard(&sha);
	return ret;
}

static int store_one(struct stored_files *sf, const struct region *r,
		     size_t ri, int procfd, struct msnap_writer *w,
		     uint8_t *buf, uint32_t ps, uint32_t slot, uint32_t index,
		     struct cap_errors *errs, struct cap_error *err)
{
	struct stored_file *f = &sf->v[sf->n];
	struct msnap_error merr;
	char name[64];
	struct stat st;
	uint64_t start;
	int fd, ret;

	snprintf(name, sizeof(name), "map_files/%llx-%llx",
		 (unsigned long long)r->start, (unsigned long long)r->end);
	/* a magic link: following it opens the mapped inode itself, never a path */
	fd = openat(procfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errors_add(errs, "file", (int)ri, r->start, r->end, errno, 0,
			   "cannot open the mapped file through map_files "
			   "(needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE): %s",
			   strerror(errno));
		return 0;
	}
	ret = 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_ino != r->inode ||
	    st.st_size <= 0 || (uint64_t)st.st_size > STORED_FILE_MAX) {
		errors_add(errs, "file", (int)ri, r->start, r->end, 0, 0,
			   "mapped file not stored: not a regular file of 1 byte "
			   "to 1 GiB with the mapped inode");
		goto out;
	}
	memset(f, 0, sizeof(*f));
	f->dev_major = r->dev_major;
	f->dev_minor = r->dev_minor;
	f->inode = r->inode;
	f->first = ri;
	f->size = (uint64_t)st.st_size;
	f->region = index;
	start = STORED_FILES_BASE + (uint64_t)slot * STORED_FILE_SLOT;
	if (msnap_writer_begin_region(w, start, start + (f->size + ps - 1) / ps * ps,
				      &merr))
		goto writer;
	ret = copy_file(f, fd, w, buf, ps, &merr);
	if (ret < 0) {
		/* the read failed: the region stays, marked as what it holds */
		errors_add(errs, "file", (int)ri, r->start, r->end, -ret, 0,
			   "reading the mapped file failed: %s", strerror(-ret));
		ret = 0;
	} else if (ret) {
		goto writer;
	}
	if (msnap_writer_end_region(w, &merr))
		goto writer;
	sf->n++;
	goto out;
writer:
	snprintf(err->msg, sizeof(err->msg), "storing mapped files: %.400s", merr.msg);
	ret = -1;
out:
	close(fd);
	return ret;
}

/* The case already holds it (or now does): a reference, no region. */
static bool in_case(struct stored_files *sf, const struct region *r,
		    size_t ri, int procfd, struct case_files *shared)
{
	const struct case_file *cf = shared ? case_files_get(shared, r, procfd) :
				     NULL;
	struct stored_file *f = &sf->v[sf->n];

	if (!cf)
		return false;
	memset(f, 0, sizeof(*f));
	f->dev_major = r->dev_major;
	f->dev_minor = r->dev_minor;
	f->inode = r->inode;
	f->first = ri;
	f->size = cf->size;
	memcpy(f->sha256, cf->sha256, sizeof(f->sha256));
	f->complete = true;
	f->case_path = cf->path;
	sf->n++;
	return true;
}

int files_store(struct stored_files *sf, const struct region_list *regions,
		int procfd, struct case_files *shared, struct msnap_writer *w,
		uint32_t page_size, struct cap_errors *errs,
		struct cap_error *err)
{
	uint32_t stored = 0;        /* regions written: slots used */
	size_t before;
	uint8_t *buf = malloc(PIECE + page_size);
	size_t i;
	int ret = 0;

	memset(sf, 0, sizeof(*sf));
	sf->v = calloc(regions->n ? regions->n : 1, sizeof(*sf->v));
	if (!buf || !sf->v) {
		free(buf);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	for (i = 0; i < regions->n && !ret; i++) {
		const struct region *r = &regions->v[i];

		if (!worth_storing(r) || files_find(sf, r) >= 0 ||
		    in_case(sf, r, i, procfd, shared))
			continue;
		before = sf->n;
		ret = store_one(sf, r, i, procfd, w, buf, page_size, stored,
				(uint32_t)regions->n + stored, errs, err);
		stored += sf->n > before;   /* a region was written */
	}
	free(buf);
	return ret;
}

void files_emit(struct yout *y, const struct stored_files *sf,
		const struct region_list *regions)
{
	char dev[32], where[4096];
	size_t i;

	if (!sf)
		return;
	yout_key(y, "files");
	yout_seq_begin(y);
	for (i = 0; i < sf->n; i++) {
		const struct stored_file *f = &sf->v[i];
		const struct region *r = &regions->v[f->first];

		snprintf(dev, sizeof(dev), "%02x:%02x", f->dev_major, f->dev_minor);
		yout_map_begin(y);
		yout_kv_bytes(y, "path", r->path, r->path_len);
		yout_kv_str(y, "dev", dev);
		yout_kv_u64(y, "inode", f->inode);
		yout_kv_u64(y, "size", f->size);
		yout_kv_bool(y, "complete", f->complete);
		if (f->complete) {
			yout_key(y, "sha256");
			yout_hexbytes(y, f->sha256, sizeof(f->sha256));
		}
		if (r->build_id_len) {
			yout_key(y, "build_id");
			yout_hexbytes(y, r->build_id, r->build_id_len);
		}
		if (f->case_path) {     /* formats/CASE.md, "Stored files" */
			snprintf(where, sizeof(where), "%s%s", CASE_FILES_DIR,
				 f->case_path);
			yout_kv_str(y, "case_file", where);
		} else {
			yout_kv_u64(y, "region", f->region);
		}
		yout_map_end(y);
	}
	yout_seq_end(y);
}

void files_free(struct stored_files *sf)
{
	free(sf->v);
	memset(sf, 0, sizeof(*sf));
}
