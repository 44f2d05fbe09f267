/* SPDX-License-Identifier: MIT */
/*
 * memread.h - copy target memory: process_vm_readv with many iovecs per
 * call, narrowing to single pages where it fails, /proc/PID/mem for what
 * it cannot read; what still fails is reported page range by page range.
 */
#ifndef CAPTURE_MEMREAD_H
#define CAPTURE_MEMREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "target.h"

/* One page-aligned range of the target and where its bytes go. */
struct mem_span {
	uint64_t addr;
	uint64_t len;
	uint8_t *dst;
};

/* Called for pages that could not be read, in ascending address order. */
typedef void (*memread_bad_fn)(void *arg, uint64_t addr, uint64_t len,
			       int err_no);

struct mem_reader {
	pid_t pid;
	int memfd;              /* /proc/PID/mem, -1 if it could not be opened */
	uint64_t page_size;
	uint64_t bytes_vm;      /* read by process_vm_readv */
	uint64_t bytes_mem;     /* read through /proc/PID/mem */
};

int memread_open(struct mem_reader *m, pid_t pid, int procfd,
		 struct cap_error *err);

/*
 * Read every span (ascending addresses).  Pages that fail go to bad().
 * Returns 0, or -1 with errno ESRCH when the target is gone (the spans
 * after the failure are then not read and not reported).
 */
int memread_spans(struct mem_reader *m, const struct mem_span *spans,
		  size_t n, memread_bad_fn bad, void *arg);

/*
 * Is the address space that m was opened on gone (the process exited or
 * called execve since)?  /proc/PID/mem stays bound to the mm it was opened
 * on and reads 0 bytes once that mm is released; false when unknown.
 */
bool memread_mm_gone(const struct mem_reader *m);

void memread_close(struct mem_reader *m);

#endif
