// SPDX-License-Identifier: MIT
/*
 * memread.c - copying target memory.  One process_vm_readv moves up to
 * IOV_MAX ranges; where it stops short, the page it stopped at is tried
 * alone, then through /proc/PID/mem (which reads some mappings that
 * process_vm_readv refuses), and reported bad if both fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/uio.h>
#include <time.h>

#include "memread.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

#define MAX_CALL_BYTES (1ull << 30)     /* keeps ssize_t results sane */

int memread_open(struct mem_reader *m, pid_t pid, int procfd,
		 struct cap_error *err)
{
	const struct timespec pause = { 0, 2000000 };
	int tries;

	memset(m, 0, sizeof(*m));
	m->pid = pid;
	m->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	/* ESRCH also while another thread's execve replaces the leader */
	for (tries = 0; tries < 5; tries++) {
		m->memfd = openat(procfd, "mem", O_RDONLY | O_CLOEXEC);
		if (m->memfd >= 0 || errno != ESRCH)
			break;
		nanosleep(&pause, NULL);
	}
	if (m->memfd < 0 && errno == ESRCH) {
		snprintf(err->msg, sizeof(err->msg),
			 "cannot open /proc/PID/mem: %s", strerror(errno));
		return -1;
	}
	/* Without it we still have process_vm_readv: not fatal. */
	return 0;
}

static bool vm_read(struct mem_reader *m, uint64_t addr, uint64_t len,
		    uint8_t *dst, int *err_no)
{
	struct iovec local = { dst, len }, remote = { (void *)addr, len };
	ssize_t got;

	do
		got = process_vm_readv(m->pid, &local, 1, &remote, 1, 0);
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)len) {
		m->bytes_vm += len;
		return true;
	}
	*err_no = got < 0 ? errno : EFAULT;
	return false;
}

static bool mem_read(struct mem_reader *m, uint64_t addr, uint64_t len,
		     uint8_t *dst, int *err_no)
{
	ssize_t got;

	if (m->memfd < 0 || addr > (uint64_t)INT64_MAX)
		return false;
	do
		got = pread(m->memfd, dst, len, (off_t)addr);
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)len) {
		m->bytes_mem += len;
		return true;
	}
	/* keep process_vm_readv's reason unless this one says more */
	if (got < 0 && errno != EIO)
		*err_no = errno;
	return false;
}

/* One page, every way we have.  Returns 0, 1 (bad page) or -1 (gone). */
static int read_page(struct mem_reader *m, uint64_t addr, uint8_t *dst,
		     memread_bad_fn bad, void *arg)
{
	int err_no = 0;

	if (vm_read(m, addr, m->page_size, dst, &err_no))
		return 0;
	if (err_no == ESRCH) {
		errno = ESRCH;
		return -1;
	}
	if (mem_read(m, addr, m->page_size, dst, &err_no))
		return 0;
	memset(dst, 0, m->page_size);
	bad(arg, addr, m->page_size, err_no);
	return 1;
}

int memread_spans(struct mem_reader *m, const struct mem_span *spans,
		  size_t n, memread_bad_fn bad, void *arg)
{
	struct iovec local[IOV_MAX], remote[IOV_MAX];
	size_t i = 0, j, k, cnt;
	uint64_t off = 0, want, left;
	ssize_t got;

	while (i < n) {
		/* gather from (i, off) */
		want = 0;
		cnt = 0;
		for (j = i, left = off; j < n && cnt < IOV_MAX; j++) {
			uint64_t len = spans[j].len - left;

			if (want + len > MAX_CALL_BYTES)
				len = MAX_CALL_BYTES - want;
			if (!len)
				break;
			local[cnt].iov_base = spans[j].dst + left;
			local[cnt].iov_len = len;
			remote[cnt].iov_base = (void *)(spans[j].addr + left);
			remote[cnt].iov_len = len;
			cnt++;
			want += len;
			left = 0;
		}
		got = process_vm_readv(m->pid, local, cnt, remote, cnt, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ESRCH)
				return -1;
			got = 0;
		}
		m->bytes_vm += (uint64_t)got;
		/* advance past what was copied, in whole pages */
		left = (uint64_t)got / m->page_size * m->page_size;
		for (k = i; k < n && left; ) {
			uint64_t rest = spans[k].len - off;

			if (left < rest) {
				off += left;
				left = 0;
			} else {
				left -= rest;
				k++;
				off = 0;
			}
		}
		i = k;
		if ((uint64_t)got >= want || i >= n)
			continue;
		/* stopped short at (i, off): that page alone */
		if (read_page(m, spans[i].addr + off, spans[i].dst + off,
			      bad, arg) < 0)
			return -1;
		off += m->page_size;
		if (off >= spans[i].len) {
			i++;
			off = 0;
		}
	}
	return 0;
}

bool memread_mm_gone(const struct mem_reader *m)
{
	ssize_t got;
	char c;

	if (m->memfd < 0)
		return false;
	/* Page 0 is not mapped: a live mm answers EIO, a dead one EOF. */
	do
		got = pread(m->memfd, &c, 1, 0);
	while (got < 0 && errno == EINTR);
	return got == 0;
}

void memread_close(struct mem_reader *m)
{
	if (m->memfd >= 0)
		close(m->memfd);
	m->memfd = -1;
}
