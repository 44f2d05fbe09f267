/* SPDX-License-Identifier: MIT */
/*
 * cap_errors.h - the messages capture gives: one fatal error for the CLI,
 * and the list of non-fatal problems emitted as the manifest's "errors:".
 */
#ifndef CAPTURE_CAP_ERRORS_H
#define CAPTURE_CAP_ERRORS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "yaml_out.h"

/* Human messages for the CLI go in err (lowercase, no final period). */
struct cap_error {
	char msg[512];
};

/* Collected non-fatal problems, emitted as the manifest's "errors:". */
struct cap_errors {
	struct cap_error_item {
		char what[16];
		char message[256];
		int region;         /* -1 if none */
		uint64_t start, end;
		int err_no;         /* 0 if none */
		pid_t tid;          /* 0 if none */
	} *items;
	size_t n, cap;
};
void errors_add(struct cap_errors *e, const char *what, int region,
		uint64_t start, uint64_t end, int err_no, pid_t tid,
		const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void errors_emit(struct yout *y, const struct cap_errors *e);
void errors_free(struct cap_errors *e);

#endif
